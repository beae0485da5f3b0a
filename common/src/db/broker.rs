//! `ContainerBroker`: one container's DB file(s), as Swift's `ContainerBroker` handles them.
//!
//! Contract for the server and the tasks (signatures are fixed; bodies are the broker owner's).
//! The pieces live in sibling modules: `access` (connection, pending commit, quarantine),
//! `merge`, `listing`, `metadata`, `sharding`, `replication`.

use super::info::{self, StatExtras};
use super::listing::{self, RowFilter};
use super::metadata::{self, DELETE_META_WHITELIST, MAX_META_COUNT, MAX_META_OVERALL_SIZE};
use super::pending::{self, DirLock, PENDING_CAP};
use super::quarantine;
use super::schema;
use super::shard_ranges;
use super::types::*;
use crate::timestamp::Timestamp;
use rusqlite::{params, Connection};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// The lock wait Swift's server uses for reads that may go stale (HEAD, GET).
pub const STALE_READ_PENDING_TIMEOUT: Duration = Duration::from_millis(100);

/// The open connection of a broker and what was learnt when opening it.
#[derive(Debug)]
pub(super) struct OpenDb {
    /// The DB file it is connected to.
    pub(super) path: PathBuf,
    /// The connection.
    pub(super) conn: Connection,
    /// A pre-`ix_object_deleted_name` schema (Swift's db version 0): `+deleted` in queries.
    pub(super) old_schema: bool,
    /// (device, inode) of the file when it was opened.
    pub(super) identity: (u64, u64),
}

/// A handle on one container's DB, safe to share between threads (`Arc<ContainerBroker>`).
#[derive(Debug)]
pub struct ContainerBroker {
    pub(super) db_dir: PathBuf,
    pub(super) hash: String,
    /// (account, container): given, or read from the DB on first open.
    pub(super) names: OnceLock<(String, String)>,
    pub(super) timeout: Duration,
    pub(super) pending_timeout: Duration,
    pub(super) conn: Mutex<Option<OpenDb>>,
}

impl ContainerBroker {
    /// A broker for the container whose DB files live in `db_dir` (`.../<hash>/`); the hash is the
    /// directory's name. Nothing is opened yet. `timeout` is Swift's broker timeout (25 s) and
    /// `pending_timeout` the flock timeout for `.pending` appends (10 s by default).
    /// Empty `account`/`container` are learnt from the DB when it is first opened.
    pub fn new(
        db_dir: &Path,
        account: &str,
        container: &str,
        timeout: Duration,
        pending_timeout: Duration,
    ) -> ContainerBroker {
        let names = OnceLock::new();
        if !account.is_empty() && !container.is_empty() {
            let _ = names.set((account.to_string(), container.to_string()));
        }
        ContainerBroker {
            db_dir: db_dir.to_path_buf(),
            hash: db_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string(),
            names,
            timeout,
            pending_timeout,
            conn: Mutex::new(None),
        }
    }
    /// The directory holding the DB files.
    pub fn db_dir(&self) -> &Path {
        &self.db_dir
    }
    /// The DB file in use (`<hash>.db`, or `<hash>_<epoch>.db` when sharding/sharded).
    pub fn db_file(&self) -> PathBuf {
        self.db_files()
            .pop()
            .unwrap_or_else(|| self.legacy_db_file())
    }
    /// Account this broker was opened for (or read from the DB).
    pub fn account(&self) -> &str {
        self.names.get().map(|n| n.0.as_str()).unwrap_or("")
    }
    /// Container this broker was opened for.
    pub fn container(&self) -> &str {
        self.names.get().map(|n| n.1.as_str()).unwrap_or("")
    }
    /// Sets account/container when the broker was created without them (first caller wins).
    pub fn learn_names(&self, account: &str, container: &str) {
        if !account.is_empty() && !container.is_empty() {
            let _ = self.names.set((account.to_string(), container.to_string()));
        }
    }
    /// `account/container`, the name of the container's own shard range.
    pub fn path(&self) -> String {
        format!("{}/{}", self.account(), self.container())
    }
    /// Does a DB file exist?
    pub fn exists(&self) -> bool {
        !self.db_files().is_empty()
    }
    /// Creates the DB (schema, container_info row) if absent; `Ok(true)` when created.
    pub fn initialize(
        &self,
        put_timestamp: &Timestamp,
        storage_policy_index: i64,
    ) -> Result<bool, DbError> {
        self.create_db(put_timestamp, storage_policy_index)
    }

    /// Appends a row to `.pending` (committing first when the file is over 131072 bytes), or
    /// merges directly when the DB is a `:memory:` one. Swift's `put_object`.
    pub fn put_object(&self, record: &ObjectRecord) -> Result<(), DbError> {
        if !self.exists() {
            return Err(DbError::NotFound(self.db_file().display().to_string()));
        }
        let _lock = DirLock::acquire(&self.db_dir, self.pending_timeout)?;
        let pending_file = self.pending_file();
        if pending::pending_size(&pending_file)? > PENDING_CAP {
            self.commit_puts_locked(vec![record.clone()])
        } else {
            pending::append(&pending_file, record)
        }
    }
    /// Swift's `delete_object`: a tombstone row (size 0, `application/deleted`, `noetag`).
    pub fn delete_object(
        &self,
        name: &str,
        timestamp: &str,
        storage_policy_index: i64,
    ) -> Result<(), DbError> {
        self.put_object(&ObjectRecord {
            name: name.to_string(),
            created_at: timestamp.to_string(),
            size: 0,
            content_type: "application/deleted".into(),
            etag: "noetag".into(),
            deleted: true,
            storage_policy_index,
            ctype_timestamp: None,
            meta_timestamp: None,
        })
    }
    /// Merges rows (replication, UPDATE) with Swift's newest-wins rules; `source` is the remote DB
    /// id whose incoming sync point is advanced to the highest ROWID seen.
    ///
    /// `ObjectRecord` carries no ROWID, so with a `source` use [`ContainerBroker::merge_items_from`]
    /// (which takes the sync point); here a `source` is refused as bad input.
    pub fn merge_items(&self, items: &[ObjectRecord], source: Option<&str>) -> Result<(), DbError> {
        if source.is_some() {
            return Err(DbError::BadInput(
                "merge_items with a source needs merge_items_from".into(),
            ));
        }
        let items = items.to_vec();
        self.with_conn(|conn, old| super::merge::merge_items(conn, items, None, old))
    }
    /// Commits the `.pending` file into the DB (done automatically before reads).
    pub fn commit_pending(&self) -> Result<(), DbError> {
        if !self.pending_file().exists() {
            return Ok(());
        }
        let _lock = DirLock::acquire(&self.db_dir, self.pending_timeout)?;
        self.commit_puts_locked(Vec::new())
    }
    /// Commits pending rows, waiting at most `wait` for the lock; a timeout leaves them pending
    /// (Swift's `stale_reads_ok=True` with the server's 0.1 s read `pending_timeout`).
    pub fn commit_pending_stale_ok(&self, wait: Duration) -> Result<(), DbError> {
        match std::fs::metadata(self.pending_file()) {
            Ok(m) if m.len() > 0 => {}
            _ => return Ok(()),
        }
        match DirLock::acquire(&self.db_dir, wait) {
            Ok(_lock) => self.commit_puts_locked(Vec::new()),
            Err(DbError::LockTimeout(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
    /// `get_info()`, after committing pending rows.
    pub fn get_info(&self) -> Result<ContainerInfo, DbError> {
        self.commit_before_read()?;
        self.info_after_commit().map(|(info, _, _)| info)
    }
    /// What the server's HEAD/GET use (Swift's `get_info_is_deleted` on a broker opened with
    /// `stale_reads_ok` and a 0.1 s pending timeout): info, is_deleted, and the sharding state.
    pub fn get_info_is_deleted(&self) -> Result<(ContainerInfo, bool, DbState), DbError> {
        if !self.exists() {
            return Err(DbError::NotFound(self.db_file().display().to_string()));
        }
        self.commit_pending_stale_ok(STALE_READ_PENDING_TIMEOUT)?;
        let (info, _, state) = self.info_after_commit()?;
        let deleted = info::is_deleted_info(
            info.object_count,
            &info.put_timestamp,
            &info.delete_timestamp,
        );
        Ok((info, deleted, state))
    }
    /// `get_info` plus the `status` and `reconciler_sync_point` columns.
    pub fn get_info_extras(&self) -> Result<(ContainerInfo, StatExtras), DbError> {
        self.commit_before_read()?;
        let (info, extras, _) = self.info_after_commit()?;
        Ok((info, extras))
    }

    fn info_after_commit(&self) -> Result<(ContainerInfo, StatExtras, DbState), DbError> {
        let files = self.db_files();
        let Some(current) = files.last() else {
            return Err(DbError::NotFound(self.db_file().display().to_string()));
        };
        let (mut info, extras) = self.with_conn_at(current, |c, _| info::query_info(c))?;
        let (state, alt) = self.alternate_object_stats(&files)?;
        if let Some((count, bytes)) = alt {
            info.object_count = count;
            info.bytes_used = bytes;
        }
        Ok((info, extras, state))
    }
    /// Metadata with timestamps.
    pub fn metadata(&self) -> Result<Metadata, DbError> {
        let raw = self.raw_metadata()?;
        Ok(metadata::to_metadata(&metadata::parse_raw(&raw)?))
    }
    /// The `metadata` column as stored (JSON text).
    pub fn raw_metadata(&self) -> Result<String, DbError> {
        self.with_conn(|c, _| {
            Ok(c.query_row("SELECT metadata FROM container_stat", [], |r| {
                info::text_col(r, 0)
            })?)
        })
    }
    /// Merges metadata items (newest timestamp per key wins); `validate` applies Swift's
    /// metadata size/count limits (400 `BadInput`).
    pub fn update_metadata(&self, items: &Metadata, validate: bool) -> Result<(), DbError> {
        let limits = validate.then_some((MAX_META_COUNT, MAX_META_OVERALL_SIZE));
        self.update_metadata_with_limits(items, limits)
    }
    /// `update_metadata` with the `(max_meta_count, max_meta_overall_size)` of swift.conf's
    /// `[swift-constraints]`; `None` skips validation.
    pub fn update_metadata_with_limits(
        &self,
        items: &Metadata,
        limits: Option<(usize, usize)>,
    ) -> Result<(), DbError> {
        let updates: Vec<(String, (String, String))> =
            items.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        // Nothing newer than what is stored: no write at all (Swift returns early too).
        let old = self.metadata()?;
        let all_stale = updates.iter().all(|(k, (_, ts))| {
            old.get(k)
                .is_some_and(|(_, old_ts)| ts.as_str() <= old_ts.as_str())
        });
        if all_stale {
            return Ok(());
        }
        self.with_conn(|conn, _| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let raw: String = tx.query_row("SELECT metadata FROM container_stat", [], |r| {
                info::text_col(r, 0)
            })?;
            let mut map = metadata::parse_raw(&raw)?;
            metadata::merge_into(&mut map, &updates);
            if let Some((count, size)) = limits {
                metadata::validate(&map, count, size)?;
            }
            let json = metadata::py_json_dumps(&serde_json::Value::Object(map));
            tx.execute("UPDATE container_stat SET metadata = ?", [json])?;
            tx.commit()?;
            Ok(())
        })
    }
    /// Swift's `is_deleted()`: deleted and empty.
    pub fn is_deleted(&self) -> Result<bool, DbError> {
        if !self.exists() {
            return Ok(true);
        }
        self.commit_before_read()?;
        let (put, delete, mut count) = self.with_conn(|c, _| info::deletion_info(c))?;
        if let (_, Some((alt_count, _))) = self.alternate_object_stats(&self.db_files())? {
            count = alt_count;
        }
        Ok(info::is_deleted_info(count, &put, &delete))
    }
    /// Swift's `empty()` (checks shard ranges too as Swift does).
    pub fn empty(&self) -> Result<bool, DbError> {
        self.commit_before_read()?;
        let files = self.db_files();
        for file in files.iter().rev().take(2) {
            if !self.with_conn_at(file, |c, _| info::no_objects(c))? {
                return Ok(false);
            }
        }
        if self.is_root_container()? && self.sharding_initiated()? {
            let path = self.path();
            let (count, _) = self.with_conn(|c, _| shard_ranges::usage(c, &path))?;
            return Ok(count <= 0);
        }
        Ok(true)
    }
    /// Marks the container deleted at `timestamp` (Swift's `delete_db`).
    pub fn delete_db(&self, timestamp: &Timestamp) -> Result<(), DbError> {
        let ts = timestamp.internal();
        let cleared: Metadata = self
            .metadata()?
            .into_keys()
            .filter(|k| !DELETE_META_WHITELIST.contains(&k.to_lowercase().as_str()))
            .map(|k| (k, (String::new(), ts.clone())))
            .collect();
        self.update_metadata(&cleared, false)?;
        self.with_conn(|c, _| {
            c.execute(
                "UPDATE container_stat SET delete_timestamp = ?, status = 'DELETED', \
                 status_changed_at = ? WHERE delete_timestamp < ?",
                params![ts, ts, ts],
            )?;
            Ok(())
        })
    }
    /// Swift's `update_put_timestamp`.
    pub fn update_put_timestamp(&self, timestamp: &Timestamp) -> Result<(), DbError> {
        let ts = timestamp.internal();
        self.with_conn(|c, _| {
            c.execute(
                "UPDATE container_stat SET put_timestamp = ? WHERE put_timestamp < ?",
                params![ts, ts],
            )?;
            Ok(())
        })
    }
    /// Swift's `update_status_changed_at`.
    pub fn update_status_changed_at(&self, timestamp: &Timestamp) -> Result<(), DbError> {
        let ts = timestamp.internal();
        self.with_conn(|c, _| {
            c.execute(
                "UPDATE container_stat SET status_changed_at = ? WHERE status_changed_at < ?",
                params![ts, ts],
            )?;
            Ok(())
        })
    }
    /// Swift's `set_storage_policy_index`.
    pub fn set_storage_policy_index(
        &self,
        index: i64,
        timestamp: &Timestamp,
    ) -> Result<(), DbError> {
        let ts = timestamp.internal();
        self.with_conn(|c, _| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT OR IGNORE INTO policy_stat (storage_policy_index) VALUES (?)",
                [index],
            )?;
            tx.execute(
                "UPDATE container_stat SET storage_policy_index = ?, \
                 status_changed_at = MAX(?, status_changed_at) WHERE storage_policy_index <> ?",
                params![index, ts, index],
            )?;
            tx.commit()?;
            Ok(())
        })
    }
    /// Swift's `reported(...)`: remembers what was last sent to the account server.
    pub fn reported(
        &self,
        put: &str,
        delete: &str,
        objects: i64,
        bytes: i64,
    ) -> Result<(), DbError> {
        self.with_conn(|c, _| {
            c.execute(
                "UPDATE container_stat SET reported_put_timestamp = ?, reported_delete_timestamp = ?, \
                 reported_object_count = ?, reported_bytes_used = ?",
                params![put, delete, objects, bytes],
            )?;
            Ok(())
        })
    }
    /// Swift's `list_objects_iter` (object listing), as the server's GET runs it: pending rows
    /// are committed unless the lock is busy for 0.1 s, and while sharding the retiring DB is
    /// listed.
    pub fn list_objects(&self, params: &ListingParams) -> Result<Vec<ListingEntry>, DbError> {
        self.commit_pending_stale_ok(STALE_READ_PENDING_TIMEOUT)?;
        let files = self.db_files();
        let src = match files.len() {
            0 => return Err(DbError::NotFound(self.db_file().display().to_string())),
            1 => files[0].clone(),
            n => files[n - 2].clone(),
        };
        let filter = RowFilter {
            include_deleted: Some(false),
            all_policies: false,
            since_row: None,
        };
        let raw = self.with_conn_at(&src, |c, old| {
            let spi = match params.storage_policy_index {
                Some(spi) => spi,
                None => {
                    c.query_row("SELECT storage_policy_index FROM container_stat", [], |r| {
                        info::int_col(r, 0)
                    })?
                }
            };
            listing::list_raw(
                c,
                params,
                spi,
                filter,
                if old { "+deleted" } else { "deleted" },
            )
        })?;
        Ok(listing::to_listing(raw))
    }
    /// The DB's sharding state.
    pub fn db_state(&self) -> Result<DbState, DbError> {
        self.compute_db_state(&self.db_files())
    }
    /// Shard ranges (non-deleted), optionally limited to those overlapping marker/end_marker, or
    /// containing `includes`; `states` filters by state numbers.
    pub fn get_shard_ranges(
        &self,
        marker: Option<&str>,
        end_marker: Option<&str>,
        includes: Option<&str>,
        states: Option<&[i64]>,
        include_deleted: bool,
    ) -> Result<Vec<ShardRange>, DbError> {
        let q = ShardRangeQuery {
            marker,
            end_marker,
            includes,
            states,
            include_deleted,
            ..Default::default()
        };
        self.shard_ranges(&q)
    }
    /// Merges shard range rows (newest wins per field group, as Swift's `merge_shards`).
    pub fn merge_shard_ranges(&self, ranges: &[ShardRange]) -> Result<(), DbError> {
        self.with_conn(|c, _| {
            let missing = c
                .query_row(
                    "SELECT 1 FROM sqlite_master WHERE name = 'shard_range'",
                    [],
                    |_| Ok(()),
                )
                .map(|_| false)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(true),
                    e => Err(e),
                })?;
            if missing {
                schema::create_shard_range_table(c)?;
            }
            shard_ranges::merge(c, ranges)
        })
    }
    /// Replication info (`get_replication_info`).
    pub fn get_replication_info(&self) -> Result<ReplicationInfo, DbError> {
        let info = self.get_info()?;
        let (metadata, max_row) = self.with_conn(|c, _| {
            let raw = c.query_row("SELECT metadata FROM container_stat", [], |r| {
                info::text_col(r, 0)
            })?;
            Ok((raw, info::max_row(c, "object")?))
        })?;
        Ok(ReplicationInfo {
            count: info.object_count,
            info,
            max_row,
            metadata,
        })
    }
    /// Object rows with ROWID > `start`, at most `count`, in ROWID order (`get_items_since`).
    pub fn get_items_since(&self, start: i64, count: usize) -> Result<Vec<ObjectRow>, DbError> {
        self.commit_before_read()?;
        self.with_conn(|c, _| super::replication::items_since(c, start, count))
    }
    /// `incoming_sync` or `outgoing_sync` rows.
    pub fn get_syncs(&self, incoming: bool) -> Result<Vec<SyncPoint>, DbError> {
        self.with_conn(|c, _| super::replication::syncs(c, incoming))
    }
    /// Merges sync points into `incoming_sync` or `outgoing_sync`.
    pub fn merge_syncs(&self, points: &[SyncPoint], incoming: bool) -> Result<(), DbError> {
        self.with_conn(|c, _| super::replication::merge_syncs(c, points, incoming))
    }
    /// Container-sync points (`set_x_container_sync_points`; -1 leaves one unchanged).
    ///
    /// Exception: `(-1, -1)` resets both to -1, which is what Swift's server does when
    /// X-Container-Sync-To changes (`set_x_container_sync_points(-1, -1)`).
    pub fn set_x_container_sync_points(&self, p1: i64, p2: i64) -> Result<(), DbError> {
        let (p1, p2) = if p1 == -1 && p2 == -1 {
            (Some(-1), Some(-1))
        } else {
            ((p1 != -1).then_some(p1), (p2 != -1).then_some(p2))
        };
        self.with_conn(|c, _| {
            match (p1, p2) {
                (Some(a), Some(b)) => c.execute(
                    "UPDATE container_stat SET x_container_sync_point1 = ?, x_container_sync_point2 = ?",
                    params![a, b],
                )?,
                (Some(a), None) => c.execute("UPDATE container_stat SET x_container_sync_point1 = ?", [a])?,
                (None, Some(b)) => c.execute("UPDATE container_stat SET x_container_sync_point2 = ?", [b])?,
                (None, None) => 0,
            };
            Ok(())
        })
    }
    /// Removes tombstones older than `age_timestamp` and sync rows older than `sync_timestamp`.
    pub fn reclaim(
        &self,
        age_timestamp: &Timestamp,
        sync_timestamp: &Timestamp,
    ) -> Result<(), DbError> {
        self.reclaim_counting(age_timestamp, sync_timestamp)
            .map(|_| ())
    }
    /// Moves the DB dir to `<devices>/<dev>/quarantined/containers/<hash>` and returns the new path.
    pub fn quarantine(&self, reason: &str) -> Result<PathBuf, DbError> {
        self.close();
        let to = quarantine::move_to_quarantine(&self.db_dir)?;
        tracing::error!(
            "Quarantined {} to {} due to {reason}",
            self.db_dir.display(),
            to.display()
        );
        Ok(to)
    }
}
