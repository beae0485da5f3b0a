//! The background tasks that ship container rows out of this node: container sync, the
//! replicator, the updater and the auditor. They run inside the server process, sharing its
//! brokers, or alone as `swift-container-*` daemons.

pub mod auditor;
pub mod daemon;
pub mod replicator;
pub mod updater;

use std::sync::Arc;
use swift_common::config::ConfFile;
use swift_common::db::BrokerCache;
use tokio::task::JoinHandle;

/// Starts the background tasks configured in `conf` inside the server process, sharing the
/// server's brokers through `cache`: each task whose section is present and does not say
/// `in_process = false` runs forever on its own thread. Call from inside a tokio runtime.
pub fn start_in_process(conf: &ConfFile, cache: Arc<BrokerCache>) -> Vec<JoinHandle<()>> {
    let brokers = daemon::Brokers::shared(cache);
    let mut tasks = Vec::new();
    if let Some(mut u) = updater::in_process(conf, brokers.clone()) {
        tasks.push(daemon::spawn_thread("container-updater", move || {
            daemon::run_forever(&mut u, &daemon::Stop::new())
        }));
    }
    if let Some(mut a) = auditor::in_process(conf, brokers.clone()) {
        tasks.push(daemon::spawn_thread("container-auditor", move || {
            daemon::run_forever(&mut a, &daemon::Stop::new())
        }));
    }
    tasks
}
