//! The container database: Swift 2.38's SQLite schema, the `.pending` file and its lock, merge
//! rules, listings, metadata, shard ranges, replication queries and quarantine. A `.db` written
//! here is read by Swift's Python `ContainerBroker` and the other way round.
//!
//! Every call blocks (SQLite, flock): callers on an async runtime use `spawn_blocking`.

mod access;
mod broker;
pub mod cache;
pub mod connection;
mod create;
pub mod info;
pub mod listing;
pub mod locate;
pub mod merge;
pub mod metadata;
pub mod migrate;
pub mod pending;
pub mod pickle;
pub mod quarantine;
mod reconciler_sync;
mod replication;
pub mod schema;
pub mod shard_ranges;
mod sharding;
mod types;

pub use broker::{ContainerBroker, STALE_READ_PENDING_TIMEOUT};
pub use cache::BrokerCache;
pub use info::StatExtras;
pub use locate::walk_container_dbs;
pub use types::*;

#[cfg(test)]
mod tests;
