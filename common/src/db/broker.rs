//! `ContainerBroker`: one container's DB file(s), as Swift's `ContainerBroker` handles them.
//!
//! Contract for the server and the tasks (signatures are fixed; bodies are the broker owner's).

use super::types::*;
use crate::timestamp::Timestamp;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A handle on one container's DB, safe to share between threads (`Arc<ContainerBroker>`).
#[derive(Debug)]
pub struct ContainerBroker {
    db_dir: PathBuf,
    account: String,
    container: String,
}

impl ContainerBroker {
    /// A broker for the container whose DB files live in `db_dir` (`.../<hash>/`); the hash is the
    /// directory's name. Nothing is opened yet. `timeout` is Swift's broker timeout (25 s) and
    /// `pending_timeout` the flock timeout for `.pending` appends (10 s by default).
    pub fn new(
        db_dir: &Path,
        account: &str,
        container: &str,
        timeout: Duration,
        pending_timeout: Duration,
    ) -> ContainerBroker {
        let _ = (timeout, pending_timeout);
        ContainerBroker {
            db_dir: db_dir.to_path_buf(),
            account: account.to_string(),
            container: container.to_string(),
        }
    }
    /// The directory holding the DB files.
    pub fn db_dir(&self) -> &Path {
        &self.db_dir
    }
    /// The DB file in use (`<hash>.db`, or `<hash>_<epoch>.db` when sharding/sharded).
    pub fn db_file(&self) -> PathBuf {
        todo!()
    }
    /// Account this broker was opened for (or read from the DB).
    pub fn account(&self) -> &str {
        &self.account
    }
    /// Container this broker was opened for.
    pub fn container(&self) -> &str {
        &self.container
    }
    /// Does a DB file exist?
    pub fn exists(&self) -> bool {
        todo!()
    }
    /// Creates the DB (schema, container_info row) if absent; `Ok(true)` when created.
    pub fn initialize(
        &self,
        _put_timestamp: &Timestamp,
        _storage_policy_index: i64,
    ) -> Result<bool, DbError> {
        todo!()
    }
    /// Appends a row to `.pending` (committing first when the file is over 131072 bytes), or
    /// merges directly when the DB is a `:memory:` one. Swift's `put_object`.
    pub fn put_object(&self, _record: &ObjectRecord) -> Result<(), DbError> {
        todo!()
    }
    /// Merges rows (replication, UPDATE) with Swift's newest-wins rules; `source` is the remote DB
    /// id whose incoming sync point is advanced to the highest ROWID seen.
    pub fn merge_items(
        &self,
        _items: &[ObjectRecord],
        _source: Option<&str>,
    ) -> Result<(), DbError> {
        todo!()
    }
    /// Commits the `.pending` file into the DB (done automatically before reads).
    pub fn commit_pending(&self) -> Result<(), DbError> {
        todo!()
    }
    /// `get_info()`, after committing pending rows.
    pub fn get_info(&self) -> Result<ContainerInfo, DbError> {
        todo!()
    }
    /// Metadata with timestamps.
    pub fn metadata(&self) -> Result<Metadata, DbError> {
        todo!()
    }
    /// Merges metadata items (newest timestamp per key wins); `validate` applies Swift's
    /// metadata size/count limits (400 `BadInput`).
    pub fn update_metadata(&self, _items: &Metadata, _validate: bool) -> Result<(), DbError> {
        todo!()
    }
    /// Swift's `is_deleted()`: deleted and empty.
    pub fn is_deleted(&self) -> Result<bool, DbError> {
        todo!()
    }
    /// Swift's `empty()` (checks shard ranges too as Swift does).
    pub fn empty(&self) -> Result<bool, DbError> {
        todo!()
    }
    /// Marks the container deleted at `timestamp` (Swift's `delete_db`).
    pub fn delete_db(&self, _timestamp: &Timestamp) -> Result<(), DbError> {
        todo!()
    }
    /// Swift's `update_put_timestamp`.
    pub fn update_put_timestamp(&self, _timestamp: &Timestamp) -> Result<(), DbError> {
        todo!()
    }
    /// Swift's `update_status_changed_at`.
    pub fn update_status_changed_at(&self, _timestamp: &Timestamp) -> Result<(), DbError> {
        todo!()
    }
    /// Swift's `set_storage_policy_index`.
    pub fn set_storage_policy_index(
        &self,
        _index: i64,
        _timestamp: &Timestamp,
    ) -> Result<(), DbError> {
        todo!()
    }
    /// Swift's `reported(...)`: remembers what was last sent to the account server.
    pub fn reported(
        &self,
        _put: &str,
        _delete: &str,
        _objects: i64,
        _bytes: i64,
    ) -> Result<(), DbError> {
        todo!()
    }
    /// Swift's `list_objects_iter` (object listing).
    pub fn list_objects(&self, _params: &ListingParams) -> Result<Vec<ListingEntry>, DbError> {
        todo!()
    }
    /// The DB's sharding state.
    pub fn db_state(&self) -> Result<DbState, DbError> {
        todo!()
    }
    /// Shard ranges (non-deleted), optionally limited to those overlapping marker/end_marker, or
    /// containing `includes`; `states` filters by state numbers.
    pub fn get_shard_ranges(
        &self,
        _marker: Option<&str>,
        _end_marker: Option<&str>,
        _includes: Option<&str>,
        _states: Option<&[i64]>,
        _include_deleted: bool,
    ) -> Result<Vec<ShardRange>, DbError> {
        todo!()
    }
    /// Merges shard range rows (newest wins per field group, as Swift's `merge_shards`).
    pub fn merge_shard_ranges(&self, _ranges: &[ShardRange]) -> Result<(), DbError> {
        todo!()
    }
    /// Replication info (`get_replication_info`).
    pub fn get_replication_info(&self) -> Result<ReplicationInfo, DbError> {
        todo!()
    }
    /// Object rows with ROWID > `start`, at most `count`, in ROWID order (`get_items_since`).
    pub fn get_items_since(&self, _start: i64, _count: usize) -> Result<Vec<ObjectRow>, DbError> {
        todo!()
    }
    /// `incoming_sync` or `outgoing_sync` rows.
    pub fn get_syncs(&self, _incoming: bool) -> Result<Vec<SyncPoint>, DbError> {
        todo!()
    }
    /// Merges sync points into `incoming_sync` or `outgoing_sync`.
    pub fn merge_syncs(&self, _points: &[SyncPoint], _incoming: bool) -> Result<(), DbError> {
        todo!()
    }
    /// Container-sync points (`set_x_container_sync_points`; -1 leaves one unchanged).
    pub fn set_x_container_sync_points(&self, _p1: i64, _p2: i64) -> Result<(), DbError> {
        todo!()
    }
    /// Removes tombstones older than `age_timestamp` and sync rows older than `sync_timestamp`.
    pub fn reclaim(
        &self,
        _age_timestamp: &Timestamp,
        _sync_timestamp: &Timestamp,
    ) -> Result<(), DbError> {
        todo!()
    }
    /// Moves the DB dir to `<devices>/<dev>/quarantined/containers/<hash>` and returns the new path.
    pub fn quarantine(&self, _reason: &str) -> Result<PathBuf, DbError> {
        todo!()
    }
}
