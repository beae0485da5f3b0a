//! Container replication (Swift's db_replicator + container replicator): the REPLICATE RPC
//! ops a peer calls on us ([`rpc`]), and the daemon that pushes our DBs to their peers
//! ([`ContainerReplicator`]).

pub mod config;
pub mod daemon;
pub mod peer;
pub mod policy;
pub mod reconciler;
mod replicate;
pub mod rpc;
pub mod rsync;
pub mod shards;
pub mod staging;
pub mod stats;
pub mod walk;
pub mod wire;

pub use config::{ReplicatorConfig, SECTION};
pub use daemon::{spawn_in_process, ContainerReplicator, SetupError};

#[cfg(test)]
mod rpc_tests;

#[cfg(test)]
mod pass_tests;

#[cfg(test)]
pub(crate) mod test_support;
