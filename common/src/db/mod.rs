//! The container database: Swift 2.38's SQLite schema, the `.pending` file and its lock, merge
//! rules, listings, metadata, shard ranges, replication queries and quarantine. A `.db` written
//! here is read by Swift's Python `ContainerBroker` and the other way round.
//!
//! Every call blocks (SQLite, flock): callers on an async runtime use `spawn_blocking`.
//!
//! Map: `schema` (DDL, byte-identical to Swift's), `connection` (open, pragmas, `chexor`),
//! `migrate` (old schemas), `pending` + `pickle` (the `.pending` file and its flock), `merge`
//! (newest-wins rows), `listing`, `metadata` (JSON as Python writes it), `info`,
//! `shard_ranges` + `sharding` (db_state, shard range rows), `replication` (rows since, sync
//! tables, reclaim), `quarantine`, `create`, `access` (one cached connection per broker),
//! `cache` (`BrokerCache`), `locate` (DB files on disk).
//!
//! Deliberate differences from Swift: old schemas are migrated when a DB is opened rather than
//! on the first failing write; a `.pending` record whose timestamps do not parse is logged and
//! dropped instead of failing every commit; new metadata keys of one update are appended in
//! key order (the `Metadata` map is sorted) where Swift keeps the request's header order.

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
