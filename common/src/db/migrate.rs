//! Upgrading container DBs written by old Swift releases, as Swift does on first use: the
//! pre-storage-policy schema (a `container_stat` table holding the counts, no `policy_stat`,
//! no `storage_policy_index` column) and shard_range tables without `reported`/`tombstones`.
//! Swift migrates lazily when a write fails on the old schema; we migrate when opening.

use super::schema::{
    CONTAINER_INFO_TABLE_SCRIPT, CONTAINER_STAT_VIEW_SCRIPT, POLICY_STAT_TABLE_SCRIPT,
    POLICY_STAT_TRIGGER_SCRIPT,
};
use super::types::DbError;
use rusqlite::Connection;

/// Columns copied from the old container_stat table into container_info. Swift's list lacks
/// `reported_delete_timestamp` (it resets to '0'); kept identical.
const COPIED_COLUMNS: &str = "account, container, created_at, put_timestamp, delete_timestamp, \
     reported_put_timestamp, reported_object_count, reported_bytes_used, hash, id, status, \
     status_changed_at, metadata, x_container_sync_point1, x_container_sync_point2";

fn has_object(conn: &Connection, kind: &str, name: &str) -> Result<bool, DbError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = ? AND name = ?",
        [kind, name],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool, DbError> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
    for n in names {
        if n? == column {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Brings an old DB up to the current schema; a no-op on current DBs (one sqlite_master read).
pub fn migrate_if_needed(conn: &Connection) -> Result<(), DbError> {
    if !has_object(conn, "table", "policy_stat")? && has_object(conn, "table", "container_stat")? {
        migrate_add_storage_policy(conn)?;
    }
    if has_object(conn, "table", "shard_range")? {
        if !has_column(conn, "shard_range", "reported")? {
            conn.execute_batch("ALTER TABLE shard_range ADD COLUMN reported INTEGER DEFAULT 0;")?;
        }
        if !has_column(conn, "shard_range", "tombstones")? {
            conn.execute_batch(
                "ALTER TABLE shard_range ADD COLUMN tombstones INTEGER DEFAULT -1;",
            )?;
        }
    }
    Ok(())
}

/// Swift's `_migrate_add_storage_policy` (with its sync-point and metadata column migrations).
fn migrate_add_storage_policy(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> Result<(), DbError> {
        for (col, ddl) in [
            (
                "x_container_sync_point1",
                "x_container_sync_point1 INTEGER DEFAULT -1",
            ),
            (
                "x_container_sync_point2",
                "x_container_sync_point2 INTEGER DEFAULT -1",
            ),
            ("metadata", "metadata TEXT DEFAULT ''"),
        ] {
            if !has_column(conn, "container_stat", col)? {
                conn.execute_batch(&format!("ALTER TABLE container_stat ADD COLUMN {ddl};"))?;
            }
        }
        let script = format!(
            "{POLICY_STAT_TABLE_SCRIPT}
                INSERT INTO policy_stat (
                    storage_policy_index, object_count, bytes_used)
                SELECT 0, object_count, bytes_used
                FROM container_stat;

                ALTER TABLE object
                ADD COLUMN storage_policy_index INTEGER DEFAULT 0;

                DROP TRIGGER object_insert;
                DROP TRIGGER object_delete;
            {POLICY_STAT_TRIGGER_SCRIPT}{CONTAINER_INFO_TABLE_SCRIPT}
                INSERT INTO container_info ({COPIED_COLUMNS})
                SELECT {COPIED_COLUMNS} FROM container_stat;

                DROP TABLE IF EXISTS container_stat;
            {CONTAINER_STAT_VIEW_SCRIPT}"
        );
        conn.execute_batch(&script)?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            conn.execute_batch("COMMIT")?;
            Ok(())
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A container DB as Swift 1.x created it (no storage policies, no sync points, no shard
    /// ranges), with two rows.
    pub(crate) fn create_pre_policy_db(conn: &Connection) {
        conn.execute_batch(
            "CREATE TABLE outgoing_sync (remote_id TEXT UNIQUE, sync_point INTEGER, updated_at TEXT DEFAULT 0);
             CREATE TABLE incoming_sync (remote_id TEXT UNIQUE, sync_point INTEGER, updated_at TEXT DEFAULT 0);
             CREATE TABLE object (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, created_at TEXT,
                 size INTEGER, content_type TEXT, etag TEXT, deleted INTEGER DEFAULT 0);
             CREATE INDEX ix_object_deleted_name ON object (deleted, name);
             CREATE TRIGGER object_insert AFTER INSERT ON object BEGIN
                 UPDATE container_stat SET object_count = object_count + (1 - new.deleted),
                     bytes_used = bytes_used + new.size, hash = chexor(hash, new.name, new.created_at);
             END;
             CREATE TRIGGER object_delete AFTER DELETE ON object BEGIN
                 UPDATE container_stat SET object_count = object_count - (1 - old.deleted),
                     bytes_used = bytes_used - old.size, hash = chexor(hash, old.name, old.created_at);
             END;
             CREATE TRIGGER object_update BEFORE UPDATE ON object BEGIN
                 SELECT RAISE(FAIL, 'UPDATE not allowed; DELETE and INSERT');
             END;
             CREATE TABLE container_stat (account TEXT, container TEXT, created_at TEXT,
                 put_timestamp TEXT DEFAULT '0', delete_timestamp TEXT DEFAULT '0',
                 object_count INTEGER, bytes_used INTEGER, reported_put_timestamp TEXT DEFAULT '0',
                 reported_delete_timestamp TEXT DEFAULT '0', reported_object_count INTEGER DEFAULT 0,
                 reported_bytes_used INTEGER DEFAULT 0,
                 hash TEXT default '00000000000000000000000000000000', id TEXT,
                 status TEXT DEFAULT '', status_changed_at TEXT DEFAULT '0');
             INSERT INTO container_stat (account, container, created_at, put_timestamp,
                 object_count, bytes_used, id, status_changed_at)
             VALUES ('AUTH_old', 'c', '1300000000.00000', '1300000000.00000', 0, 0, 'old-id', '1300000000.00000');
             INSERT INTO object (name, created_at, size, content_type, etag, deleted)
             VALUES ('a', '1300000001.00000', 10, 'text/plain', 'e1', 0);
             INSERT INTO object (name, created_at, size, content_type, etag, deleted)
             VALUES ('b', '1300000002.00000', 0, 'application/deleted', 'noetag', 1);",
        )
        .unwrap();
    }

    #[test]
    fn pre_policy_db_is_migrated() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::connection::register_chexor(&conn).unwrap();
        create_pre_policy_db(&conn);
        let hash: String = conn
            .query_row("SELECT hash FROM container_stat", [], |r| r.get(0))
            .unwrap();
        migrate_if_needed(&conn).unwrap();
        let (count, bytes, spi, h, id): (i64, i64, i64, String, String) = conn
            .query_row(
                "SELECT object_count, bytes_used, storage_policy_index, hash, id FROM container_stat",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            (count, bytes, spi, h.as_str(), id.as_str()),
            (1, 10, 0, hash.as_str(), "old-id")
        );
        // Second run is a no-op.
        migrate_if_needed(&conn).unwrap();
        conn.execute(
            "INSERT INTO object (name, created_at, size, content_type, etag, deleted) VALUES ('c', '1', 5, 't', 'e', 0)",
            [],
        )
        .unwrap();
        let count: i64 = conn
            .query_row("SELECT object_count FROM container_stat", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2);
    }
}
