//! The container database: Swift 2.38's SQLite schema, the `.pending` file and its lock, merge
//! rules, listings, metadata, shard ranges, replication queries and quarantine. A `.db` written
//! here is read by Swift's Python `ContainerBroker` and the other way round.
//!
//! Every call blocks (SQLite, flock): callers on an async runtime use `spawn_blocking`.

mod broker;
mod types;

pub use broker::ContainerBroker;
pub use types::*;
