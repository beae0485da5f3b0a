//! Swift 2.38's container DB schema. The DDL text (including its whitespace) is kept identical to
//! what Swift executes, so `sqlite_master` of a DB we create matches one Swift creates and Swift's
//! replicator, auditor and `swift-container-info` treat both the same.

use super::types::DbError;
use rusqlite::Connection;

/// The sync tables and their `updated_at` triggers (Swift's `DatabaseBroker.initialize`).
pub const SYNC_TABLES_SCRIPT: &str = "
            CREATE TABLE outgoing_sync (
                remote_id TEXT UNIQUE,
                sync_point INTEGER,
                updated_at TEXT DEFAULT 0
            );
            CREATE TABLE incoming_sync (
                remote_id TEXT UNIQUE,
                sync_point INTEGER,
                updated_at TEXT DEFAULT 0
            );
            CREATE TRIGGER outgoing_sync_insert AFTER INSERT ON outgoing_sync
            BEGIN
                UPDATE outgoing_sync
                SET updated_at = STRFTIME('%s', 'NOW')
                WHERE ROWID = new.ROWID;
            END;
            CREATE TRIGGER outgoing_sync_update AFTER UPDATE ON outgoing_sync
            BEGIN
                UPDATE outgoing_sync
                SET updated_at = STRFTIME('%s', 'NOW')
                WHERE ROWID = new.ROWID;
            END;
            CREATE TRIGGER incoming_sync_insert AFTER INSERT ON incoming_sync
            BEGIN
                UPDATE incoming_sync
                SET updated_at = STRFTIME('%s', 'NOW')
                WHERE ROWID = new.ROWID;
            END;
            CREATE TRIGGER incoming_sync_update AFTER UPDATE ON incoming_sync
            BEGIN
                UPDATE incoming_sync
                SET updated_at = STRFTIME('%s', 'NOW')
                WHERE ROWID = new.ROWID;
            END;
        ";

/// The object table, its index and the update-forbidding trigger.
pub const OBJECT_TABLE_SCRIPT: &str = "
            CREATE TABLE object (
                ROWID INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT,
                created_at TEXT,
                size INTEGER,
                content_type TEXT,
                etag TEXT,
                deleted INTEGER DEFAULT 0,
                storage_policy_index INTEGER DEFAULT 0
            );

            CREATE INDEX ix_object_deleted_name ON object (deleted, name);

            CREATE TRIGGER object_update BEFORE UPDATE ON object
            BEGIN
                SELECT RAISE(FAIL, 'UPDATE not allowed; DELETE and INSERT');
            END;

        ";

/// The per-policy counters kept by the object triggers.
pub const POLICY_STAT_TABLE_SCRIPT: &str = "
    CREATE TABLE policy_stat (
        storage_policy_index INTEGER PRIMARY KEY,
        object_count INTEGER DEFAULT 0,
        bytes_used INTEGER DEFAULT 0
    );
";

/// Triggers that keep `policy_stat` and the `hash` (via `chexor`) in step with the object table.
pub const POLICY_STAT_TRIGGER_SCRIPT: &str = "
    CREATE TRIGGER object_insert_policy_stat AFTER INSERT ON object
    BEGIN
        UPDATE policy_stat
        SET object_count = object_count + (1 - new.deleted),
            bytes_used = bytes_used + new.size
        WHERE storage_policy_index = new.storage_policy_index;
        INSERT INTO policy_stat (
            storage_policy_index, object_count, bytes_used)
        SELECT new.storage_policy_index,
               (1 - new.deleted),
               new.size
        WHERE NOT EXISTS(
            SELECT changes() as change
            FROM policy_stat
            WHERE change <> 0
        );
        UPDATE container_info
        SET hash = chexor(hash, new.name, new.created_at);
    END;

    CREATE TRIGGER object_delete_policy_stat AFTER DELETE ON object
    BEGIN
        UPDATE policy_stat
        SET object_count = object_count - (1 - old.deleted),
            bytes_used = bytes_used - old.size
        WHERE storage_policy_index = old.storage_policy_index;
        UPDATE container_info
        SET hash = chexor(hash, old.name, old.created_at);
    END;
";

/// The container_info table (one row).
pub const CONTAINER_INFO_TABLE_SCRIPT: &str = "
    CREATE TABLE container_info (
        account TEXT,
        container TEXT,
        created_at TEXT,
        put_timestamp TEXT DEFAULT '0',
        delete_timestamp TEXT DEFAULT '0',
        reported_put_timestamp TEXT DEFAULT '0',
        reported_delete_timestamp TEXT DEFAULT '0',
        reported_object_count INTEGER DEFAULT 0,
        reported_bytes_used INTEGER DEFAULT 0,
        hash TEXT default '00000000000000000000000000000000',
        id TEXT,
        status TEXT DEFAULT '',
        status_changed_at TEXT DEFAULT '0',
        metadata TEXT DEFAULT '',
        x_container_sync_point1 INTEGER DEFAULT -1,
        x_container_sync_point2 INTEGER DEFAULT -1,
        storage_policy_index INTEGER DEFAULT 0,
        reconciler_sync_point INTEGER DEFAULT -1
    );
";

/// The container_stat view (old-schema compatibility) and its INSTEAD OF UPDATE trigger.
pub const CONTAINER_STAT_VIEW_SCRIPT: &str = "
    CREATE VIEW container_stat
    AS SELECT ci.account, ci.container, ci.created_at,
        ci.put_timestamp, ci.delete_timestamp,
        ci.reported_put_timestamp, ci.reported_delete_timestamp,
        ci.reported_object_count, ci.reported_bytes_used, ci.hash,
        ci.id, ci.status, ci.status_changed_at, ci.metadata,
        ci.x_container_sync_point1, ci.x_container_sync_point2,
        ci.reconciler_sync_point,
        ci.storage_policy_index,
        coalesce(ps.object_count, 0) AS object_count,
        coalesce(ps.bytes_used, 0) AS bytes_used
    FROM container_info ci LEFT JOIN policy_stat ps
    ON ci.storage_policy_index = ps.storage_policy_index;

    CREATE TRIGGER container_stat_update
    INSTEAD OF UPDATE ON container_stat
    BEGIN
        UPDATE container_info
        SET account = NEW.account,
            container = NEW.container,
            created_at = NEW.created_at,
            put_timestamp = NEW.put_timestamp,
            delete_timestamp = NEW.delete_timestamp,
            reported_put_timestamp = NEW.reported_put_timestamp,
            reported_delete_timestamp = NEW.reported_delete_timestamp,
            reported_object_count = NEW.reported_object_count,
            reported_bytes_used = NEW.reported_bytes_used,
            hash = NEW.hash,
            id = NEW.id,
            status = NEW.status,
            status_changed_at = NEW.status_changed_at,
            metadata = NEW.metadata,
            x_container_sync_point1 = NEW.x_container_sync_point1,
            x_container_sync_point2 = NEW.x_container_sync_point2,
            storage_policy_index = NEW.storage_policy_index,
            reconciler_sync_point = NEW.reconciler_sync_point;
    END;
";

/// The shard_range table.
pub const SHARD_RANGE_TABLE_SQL: &str = "
            CREATE TABLE shard_range (
                ROWID INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT,
                timestamp TEXT,
                lower TEXT,
                upper TEXT,
                object_count INTEGER DEFAULT 0,
                bytes_used INTEGER DEFAULT 0,
                meta_timestamp TEXT,
                deleted INTEGER DEFAULT 0,
                state INTEGER,
                state_timestamp TEXT,
                epoch TEXT,
                reported INTEGER DEFAULT 0,
                tombstones INTEGER DEFAULT -1
            );
        ";

/// The trigger forbidding UPDATEs of shard_range rows.
pub const SHARD_RANGE_TRIGGER_SQL: &str = "
            CREATE TRIGGER shard_range_update BEFORE UPDATE ON shard_range
            BEGIN
                SELECT RAISE(FAIL, 'UPDATE not allowed; DELETE and INSERT');
            END;
        ";

/// What the single container_info row starts with.
pub struct NewContainer<'a> {
    /// Account name.
    pub account: &'a str,
    /// Container name.
    pub container: &'a str,
    /// `created_at`: now, internal form.
    pub created_at: &'a str,
    /// A fresh `<uuid4>-<device>` id.
    pub id: &'a str,
    /// The initial put timestamp (also the initial status_changed_at).
    pub put_timestamp: &'a str,
    /// The container's storage policy.
    pub storage_policy_index: i64,
}

/// Creates every table, index, view and trigger of a fresh container DB and its first rows, in
/// the order Swift creates them (so ROWIDs in `sqlite_master` line up too).
pub fn create_container_db(conn: &Connection, new: &NewContainer<'_>) -> Result<(), DbError> {
    conn.execute_batch(SYNC_TABLES_SCRIPT)?;
    let object_script = format!("{OBJECT_TABLE_SCRIPT}{POLICY_STAT_TRIGGER_SCRIPT}");
    conn.execute_batch(&object_script)?;
    conn.execute_batch(POLICY_STAT_TABLE_SCRIPT)?;
    conn.execute(
        "INSERT INTO policy_stat (storage_policy_index) VALUES (?)",
        [new.storage_policy_index],
    )?;
    let info_script = format!("{CONTAINER_INFO_TABLE_SCRIPT}{CONTAINER_STAT_VIEW_SCRIPT}");
    conn.execute_batch(&info_script)?;
    conn.execute(
        "INSERT INTO container_info (account, container, created_at, id, put_timestamp, \
         status_changed_at, storage_policy_index) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rusqlite::params![
            new.account,
            new.container,
            new.created_at,
            new.id,
            new.put_timestamp,
            new.put_timestamp,
            new.storage_policy_index
        ],
    )?;
    create_shard_range_table(conn)?;
    Ok(())
}

/// Creates the shard_range table and its trigger (also used to migrate DBs that lack it).
pub fn create_shard_range_table(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch(SHARD_RANGE_TABLE_SQL)?;
    conn.execute_batch(SHARD_RANGE_TRIGGER_SQL)?;
    Ok(())
}
