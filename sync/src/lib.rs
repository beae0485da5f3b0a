//! The background tasks that ship container rows out of this node: container sync, the
//! replicator, the updater and the auditor. They run inside the server process, sharing its
//! brokers, or alone as `swift-container-*` daemons.
//!
//! This crate knows the network (remote clusters, object servers) and the rings; the DB files
//! it works on are reached only through `swift_common::db` brokers.

pub mod auditor;
pub mod container_sync;
pub mod daemon;
pub mod replicator;
pub mod updater;

use std::sync::Arc;
use swift_common::config::ConfFile;
use swift_common::db::BrokerCache;
use tokio::task::JoinHandle;

/// Starts the background tasks configured in `conf` inside the server process, sharing the
/// server's brokers through `cache`. Each runs on its own thread (they block on SQLite and on
/// the network); a handle finishes if its task ever ends. A task whose section is missing, says
/// `in_process = false`, or cannot be configured is not started (the reason is logged).
pub fn start_in_process(conf: &ConfFile, cache: Arc<BrokerCache>) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if let Some(task) =
        container_sync::setup::start_in_process(conf, daemon::Brokers::shared(cache.clone()))
    {
        tasks.push(task);
    }
    tasks.extend(replicator::spawn_in_process(conf, cache.clone()));
    tasks.extend(updater::spawn_in_process(conf, cache.clone()));
    tasks.extend(auditor::spawn_in_process(conf, cache));
    tasks
}
