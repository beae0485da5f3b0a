//! The background tasks that ship container rows out of this node: container sync, the
//! replicator, the updater and the auditor. They run inside the server process, sharing its
//! brokers, or alone as `swift-container-*` daemons.
//!
//! This crate knows the network (remote clusters, object servers) and the rings; the DB files
//! it works on are reached only through `swift_common::db` brokers.

pub mod container_sync;

use std::path::Path;
use std::sync::Arc;
use swift_common::config::ConfFile;
use swift_common::db::BrokerCache;
use tokio::task::JoinHandle;

/// Starts the background tasks configured in `conf` inside the server process, sharing the
/// server's brokers through `cache`. Each task runs on its own thread (they block on SQLite and
/// on the network); the returned handles finish if a task ever ends. A task whose section is
/// missing or whose config is unusable is not started (the error is logged).
pub fn start_in_process(conf: &ConfFile, cache: Arc<BrokerCache>) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if conf.has_section(container_sync::setup::SECTION) {
        let opener: container_sync::BrokerOpener = Arc::new(move |db_file: &Path| {
            let dir = db_file.parent().unwrap_or(Path::new("/"));
            cache.get_or_open(dir, "", "")
        });
        match container_sync::setup::from_conf(conf, opener) {
            Ok(daemon) => tasks.push(on_thread("container-sync", move || {
                daemon.run_forever(&|| false)
            })),
            Err(e) => tracing::error!("container-sync not started: {e}"),
        }
    }
    tasks
}

/// Runs `work` on a named thread; the handle resolves when the thread ends. A detached thread
/// (rather than `spawn_blocking`) so that a runtime shutdown never waits for a pass to finish.
fn on_thread(name: &str, work: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            work();
            let _ = done_tx.send(());
        });
    if let Err(e) = spawned {
        tracing::error!("{name} not started: {e}");
    }
    tokio::spawn(async move {
        let _ = done_rx.await;
    })
}
