//! The background tasks that ship container rows out of this node: container sync, the
//! replicator, the updater and the auditor. They run inside the server process, sharing its
//! brokers, or alone as `swift-container-*` daemons.

pub mod daemon;
pub mod replicator;
