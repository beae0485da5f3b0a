//! What the replicator, reconciler and container-sync read and write: rows since a ROWID, sync
//! tables, re-id after rsync, timestamp merging, and reclaim of old tombstones (paged like
//! Swift's `TombstoneReclaimer`).

use super::broker::ContainerBroker;
use super::info::{self, int_col, text_col};
use super::pending::DirLock;
use super::types::{DbError, ObjectRecord, ObjectRow, SyncPoint};
use super::{metadata, quarantine};
use crate::timestamp::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

/// Rows deleted per reclaim transaction (Swift's `RECLAIM_PAGE_SIZE`).
pub const RECLAIM_PAGE_SIZE: i64 = 10000;

fn sync_table(incoming: bool) -> &'static str {
    if incoming {
        "incoming_sync"
    } else {
        "outgoing_sync"
    }
}

/// `SELECT * FROM object WHERE ROWID > ? ORDER BY ROWID LIMIT ?`.
pub fn items_since(c: &Connection, start: i64, count: usize) -> Result<Vec<ObjectRow>, DbError> {
    let mut stmt = c.prepare_cached(
        "SELECT ROWID, name, created_at, size, content_type, etag, deleted, storage_policy_index \
         FROM object WHERE ROWID > ? ORDER BY ROWID ASC LIMIT ?",
    )?;
    let rows = stmt.query_map(params![start, count as i64], |r| {
        Ok(ObjectRow {
            row_id: int_col(r, 0)?,
            name: text_col(r, 1)?,
            created_at: text_col(r, 2)?,
            size: int_col(r, 3)?,
            content_type: text_col(r, 4)?,
            etag: text_col(r, 5)?,
            deleted: int_col(r, 6)? != 0,
            storage_policy_index: int_col(r, 7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// All rows of a sync table.
pub fn syncs(c: &Connection, incoming: bool) -> Result<Vec<SyncPoint>, DbError> {
    let mut stmt = c.prepare(&format!(
        "SELECT remote_id, sync_point FROM {}",
        sync_table(incoming)
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(SyncPoint {
            remote_id: text_col(r, 0)?,
            sync_point: int_col(r, 1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Inserts each point, or raises an existing one to it (Swift's `merge_syncs`).
pub fn merge_syncs(
    c: &mut Connection,
    points: &[SyncPoint],
    incoming: bool,
) -> Result<(), DbError> {
    let table = sync_table(incoming);
    let tx = c.transaction()?;
    for p in points {
        let inserted = tx.execute(
            &format!("INSERT OR IGNORE INTO {table} (sync_point, remote_id) VALUES (?, ?)"),
            params![p.sync_point, p.remote_id],
        )?;
        if inserted == 0 {
            tx.execute(
                &format!("UPDATE {table} SET sync_point=max(?, sync_point) WHERE remote_id=?"),
                params![p.sync_point, p.remote_id],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

impl ContainerBroker {
    /// Merges rows from replication and advances `source`'s incoming sync point to `sync_point`
    /// (the highest remote ROWID in `items`), as Swift's `merge_items(items, source)`.
    pub fn merge_items_from(
        &self,
        items: &[ObjectRecord],
        source: &str,
        sync_point: i64,
    ) -> Result<(), DbError> {
        let items = items.to_vec();
        self.with_conn(|conn, old| {
            super::merge::merge_items(conn, items, Some((source, sync_point)), old)
        })
    }

    /// The sync point recorded for `remote_id`, -1 when none.
    pub fn get_sync(&self, remote_id: &str, incoming: bool) -> Result<i64, DbError> {
        self.with_conn(|c, _| {
            let sql = format!(
                "SELECT sync_point FROM {} WHERE remote_id=?",
                sync_table(incoming)
            );
            Ok(c.query_row(&sql, [remote_id], |r| int_col(r, 0))
                .optional()?
                .unwrap_or(-1))
        })
    }

    /// Highest ROWID ever used in the object table (-1 when none).
    pub fn get_max_row(&self) -> Result<i64, DbError> {
        self.with_conn(|c, _| info::max_row(c, "object"))
    }

    /// Highest ROWID ever used in the shard_range table (-1 when none).
    pub fn get_shard_max_row(&self) -> Result<i64, DbError> {
        self.with_conn(|c, _| info::max_row(c, "shard_range"))
    }

    /// Swift's `newid`: a fresh DB id after an rsync, remembering `remote_id` as synced up to
    /// our last row, and clearing the reported stats.
    pub fn newid(&self, remote_id: &str) -> Result<(), DbError> {
        let device = quarantine::device_path(&self.db_dir);
        let device = device
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let id = format!("{}-{device}", quarantine::uuid4());
        self.with_conn(|c, _| {
            let tx = c.transaction()?;
            tx.execute("UPDATE container_stat SET id=?", [&id])?;
            let last: i64 = tx
                .query_row("SELECT ROWID FROM object ORDER BY ROWID DESC LIMIT 1", [], |r| r.get(0))
                .optional()?
                .unwrap_or(-1);
            tx.execute(
                "INSERT OR REPLACE INTO incoming_sync (sync_point, remote_id) VALUES (?, ?)",
                params![last, remote_id],
            )?;
            tx.execute(
                "UPDATE container_stat SET reported_put_timestamp = 0, reported_delete_timestamp = 0, \
                 reported_object_count = 0, reported_bytes_used = 0",
                [],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Swift's `merge_timestamps`: earliest created_at, latest put and delete timestamps; a change
    /// of deleted status bumps status_changed_at to now.
    pub fn merge_timestamps(
        &self,
        created_at: &str,
        put_timestamp: &str,
        delete_timestamp: &str,
    ) -> Result<(), DbError> {
        self.with_conn(|c, _| {
            let tx = c.transaction()?;
            let deleted = |tx: &rusqlite::Transaction<'_>| -> Result<bool, DbError> {
                let (put, del, count) = info::deletion_info(tx)?;
                Ok(info::is_deleted_info(count, &put, &del))
            };
            let before = deleted(&tx)?;
            tx.execute(
                "UPDATE container_stat SET created_at=MIN(?, created_at), put_timestamp=MAX(?, put_timestamp), \
                 delete_timestamp=MAX(?, delete_timestamp)",
                params![created_at, put_timestamp, delete_timestamp],
            )?;
            if before != deleted(&tx)? {
                let now = Timestamp::now().internal();
                tx.execute(
                    "UPDATE container_stat SET status_changed_at = ? WHERE status_changed_at < ?",
                    params![now, now],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Objects whose policy differs from the container's, with ROWID > `start` (the
    /// reconciler's `get_misplaced_since`).
    pub fn get_misplaced_since(&self, start: i64, count: usize) -> Result<Vec<ObjectRow>, DbError> {
        self.commit_before_read()?;
        self.with_conn(|c, _| {
            let mut stmt = c.prepare(
                "SELECT ROWID, name, created_at, size, content_type, etag, deleted, storage_policy_index \
                 FROM object WHERE ROWID > ? AND storage_policy_index != (\
                 SELECT storage_policy_index FROM container_stat LIMIT 1) ORDER BY ROWID ASC LIMIT ?",
            )?;
            let rows = stmt.query_map(params![start, count as i64], |r| {
                Ok(ObjectRow {
                    row_id: int_col(r, 0)?,
                    name: text_col(r, 1)?,
                    created_at: text_col(r, 2)?,
                    size: int_col(r, 3)?,
                    content_type: text_col(r, 4)?,
                    etag: text_col(r, 5)?,
                    deleted: int_col(r, 6)? != 0,
                    storage_policy_index: int_col(r, 7)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Reclaim returning the number of tombstones removed (see `reclaim`).
    pub fn reclaim_counting(
        &self,
        age_timestamp: &Timestamp,
        sync_timestamp: &Timestamp,
    ) -> Result<i64, DbError> {
        if self.pending_file().exists() {
            let _lock = DirLock::acquire(&self.db_dir, self.pending_timeout)?;
            self.commit_puts_locked(Vec::new())?;
        }
        // Swift compares created_at with str(float age); the normal form orders the same way.
        let age = age_timestamp.normal();
        let sync_f = sync_timestamp.as_f64();
        let mut marker = String::new();
        let mut reclaimed = 0i64;
        loop {
            let (done, n, next) = self.with_conn(|c, _| {
                let tx = c.transaction()?;
                let end: Option<String> = tx
                    .query_row(
                        "SELECT name FROM object WHERE deleted = 1 AND name >= ? ORDER BY NAME LIMIT 1 OFFSET ?",
                        params![marker, RECLAIM_PAGE_SIZE],
                        |r| text_col(r, 0),
                    )
                    .optional()?;
                let result = match end.filter(|e| !e.is_empty()) {
                    Some(end) => {
                        let n = tx.execute(
                            "DELETE FROM object WHERE deleted = 1 AND name >= ? AND created_at < ? AND name < ?",
                            params![marker, age, end],
                        )?;
                        (false, n, end)
                    }
                    None => {
                        let n = tx.execute(
                            "DELETE FROM object WHERE deleted = 1 AND name >= ? AND created_at < ?",
                            params![marker, age],
                        )?;
                        (true, n, String::new())
                    }
                };
                tx.commit()?;
                Ok(result)
            })?;
            reclaimed += n as i64;
            if done {
                break;
            }
            marker = next;
        }
        let path = self.path();
        self.with_conn(|c, _| {
            let tx = c.transaction()?;
            tx.execute("DELETE FROM outgoing_sync WHERE updated_at < ?", [sync_f])?;
            tx.execute("DELETE FROM incoming_sync WHERE updated_at < ?", [sync_f])?;
            let raw: String = tx.query_row("SELECT metadata FROM container_stat", [], |r| {
                text_col(r, 0)
            })?;
            let mut map = metadata::parse_raw(&raw)?;
            if metadata::reclaim(&mut map, age_timestamp) {
                let json = metadata::py_json_dumps(&serde_json::Value::Object(map));
                tx.execute("UPDATE container_stat SET metadata = ?", [json])?;
            }
            let shard_sql =
                "DELETE FROM shard_range WHERE deleted = 1 AND timestamp < ? AND name != ?";
            match tx.execute(shard_sql, params![sync_f, path]) {
                Ok(_) => {}
                Err(e) if e.to_string().contains("no such table: shard_range") => {}
                Err(e) => return Err(e.into()),
            }
            tx.commit()?;
            Ok(())
        })?;
        Ok(reclaimed)
    }
}
