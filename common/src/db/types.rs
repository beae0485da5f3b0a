//! The values that cross the broker's API: rows, listing parameters, info and errors.

use crate::timestamp::Timestamp;
use std::collections::BTreeMap;

/// What went wrong talking to a container DB; the server maps each kind to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The DB file does not exist (Swift: 404).
    #[error("DB not found: {0}")]
    NotFound(String),
    /// The DB (or its lock) stayed busy past the timeout (Swift: `LockTimeout`, 500).
    #[error("DB lock timeout: {0}")]
    LockTimeout(String),
    /// The DB is corrupt and was moved to `quarantined/` (Swift: 404 after quarantine).
    #[error("DB quarantined: {0}")]
    Quarantined(String),
    /// A value refused by Swift's rules (e.g. metadata too large): 400 with this reason.
    #[error("{0}")]
    BadInput(String),
    /// The container was created with another storage policy (409).
    #[error("storage policy conflict")]
    PolicyConflict,
    /// Anything else from SQLite or the filesystem (500).
    #[error("DB error: {0}")]
    Other(String),
}

/// One object row as the object servers and replicators send it (Swift's merge_items dict and
/// the `.pending` record tuple). `created_at` holds the combined encoding of the data,
/// content-type and metadata timestamps once merged; on input it is the data timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRecord {
    /// Object name (UTF-8, may be a reserved name starting with `\0`).
    pub name: String,
    /// `created_at` column value (an internal timestamp, or the combined encoding).
    pub created_at: String,
    /// Object size in bytes.
    pub size: i64,
    /// Content type (may carry `;swift_bytes=N`).
    pub content_type: String,
    /// ETag.
    pub etag: String,
    /// Tombstone flag.
    pub deleted: bool,
    /// Storage policy index of the object.
    pub storage_policy_index: i64,
    /// Content-type timestamp when it differs from the data timestamp (pending/merge input only).
    pub ctype_timestamp: Option<String>,
    /// Metadata timestamp when it differs (pending/merge input only).
    pub meta_timestamp: Option<String>,
}

/// A row read back from the object table (listing, replication `get_items_since`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    /// SQLite ROWID (replication sync points).
    pub row_id: i64,
    /// Object name.
    pub name: String,
    /// Raw `created_at` column (combined encoding).
    pub created_at: String,
    /// Size in bytes.
    pub size: i64,
    /// Raw content type column.
    pub content_type: String,
    /// ETag.
    pub etag: String,
    /// Tombstone flag.
    pub deleted: bool,
    /// Storage policy index.
    pub storage_policy_index: i64,
}

/// One entry of a listing: an object, or a `subdir` when a delimiter folds names together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingEntry {
    /// An object row, with `created_at` already reduced to one timestamp, the metadata one (as
    /// Swift's `_transform_record` does), and `content_type` still raw (swift_bytes handled by
    /// the formatter).
    Object {
        /// Object name.
        name: String,
        /// The row's newest (metadata) timestamp, internal form: the last_modified source.
        created_at: String,
        /// Size in bytes.
        size: i64,
        /// Raw content type.
        content_type: String,
        /// ETag.
        etag: String,
    },
    /// A common prefix ending in the delimiter.
    Subdir(String),
}

/// Listing query parameters, as `list_objects_iter` takes them.
#[derive(Debug, Clone, Default)]
pub struct ListingParams {
    /// Maximum number of entries.
    pub limit: usize,
    /// Names strictly greater than this.
    pub marker: String,
    /// Names strictly less than this.
    pub end_marker: String,
    /// Names starting with this.
    pub prefix: Option<String>,
    /// Fold names at this delimiter into `Subdir` entries.
    pub delimiter: Option<String>,
    /// Swift's deprecated `path` parameter.
    pub path: Option<String>,
    /// Storage policy to list (None: the container's own).
    pub storage_policy_index: Option<i64>,
    /// Newest-first order.
    pub reverse: bool,
    /// Include names in the reserved namespace (`\0...`).
    pub allow_reserved: bool,
}

/// `get_info()`: the container_stat view plus identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerInfo {
    /// Account name.
    pub account: String,
    /// Container name.
    pub container: String,
    /// created_at (normal form string as stored).
    pub created_at: String,
    /// put_timestamp as stored.
    pub put_timestamp: String,
    /// delete_timestamp as stored.
    pub delete_timestamp: String,
    /// status_changed_at as stored.
    pub status_changed_at: String,
    /// Objects in the container's policy.
    pub object_count: i64,
    /// Bytes in the container's policy.
    pub bytes_used: i64,
    /// Last values reported to the account server.
    pub reported_put_timestamp: String,
    /// Last values reported to the account server.
    pub reported_delete_timestamp: String,
    /// Last values reported to the account server.
    pub reported_object_count: i64,
    /// Last values reported to the account server.
    pub reported_bytes_used: i64,
    /// The chexor hash of all rows.
    pub hash: String,
    /// The DB's unique id.
    pub id: String,
    /// Container sync points.
    pub x_container_sync_point1: i64,
    /// Container sync points.
    pub x_container_sync_point2: i64,
    /// The container's storage policy index.
    pub storage_policy_index: i64,
}

/// Container metadata: key -> (value, timestamp), as stored in the `metadata` JSON column.
pub type Metadata = BTreeMap<String, (String, String)>;

/// Swift's db_state values for sharding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbState {
    /// No DB file.
    NotFound,
    /// One `<hash>.db` and no shard ranges in progress.
    Unsharded,
    /// Two DB files: the retiring `<hash>.db` and the fresh `<hash>_<epoch>.db`.
    Sharding,
    /// Only `<hash>_<epoch>.db`, which holds the shard ranges.
    Sharded,
    /// A shard that has shrunk into another.
    Collapsed,
}

/// One row of the `shard_range` table.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardRange {
    /// `account/container` of the shard.
    pub name: String,
    /// Row timestamp.
    pub timestamp: String,
    /// Lower bound (exclusive), '' for the start.
    pub lower: String,
    /// Upper bound (inclusive), '' for the end.
    pub upper: String,
    /// Objects.
    pub object_count: i64,
    /// Bytes.
    pub bytes_used: i64,
    /// Meta timestamp.
    pub meta_timestamp: String,
    /// Deleted flag.
    pub deleted: bool,
    /// Swift's ShardRange state number.
    pub state: i64,
    /// State timestamp.
    pub state_timestamp: String,
    /// Epoch (or None).
    pub epoch: Option<String>,
    /// Reported flag.
    pub reported: bool,
    /// Tombstones (-1 when unknown).
    pub tombstones: i64,
}

/// One row of `incoming_sync`/`outgoing_sync`: a remote DB id and the max row synced with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPoint {
    /// Remote DB id.
    pub remote_id: String,
    /// Sync point (ROWID).
    pub sync_point: i64,
}

/// `get_replication_info()`: info plus max_row, metadata and counts used by the replicator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplicationInfo {
    /// Everything `get_info` returns.
    pub info: ContainerInfo,
    /// Highest ROWID of the object table.
    pub max_row: i64,
    /// Raw metadata JSON.
    pub metadata: String,
    /// Number of rows in the object table (incl. tombstones) — Swift's `count`.
    pub count: i64,
}

/// Anything `Timestamp` related a caller passes to the broker.
pub type Ts = Timestamp;

/// Options of a shard range query (Swift's `get_shard_ranges` arguments).
#[derive(Debug, Clone, Default)]
pub struct ShardRangeQuery<'a> {
    /// Ranges whose namespace includes or is above this (swapped with `end_marker` when `reverse`).
    pub marker: Option<&'a str>,
    /// Ranges whose namespace includes or is below this.
    pub end_marker: Option<&'a str>,
    /// Only the first range containing this name (markers and `fill_gaps` are then ignored).
    pub includes: Option<&'a str>,
    /// Only these state numbers.
    pub states: Option<&'a [i64]>,
    /// Include deleted rows.
    pub include_deleted: bool,
    /// Include the container's own shard range.
    pub include_own: bool,
    /// Only the container's own shard range.
    pub exclude_others: bool,
    /// Newest-upper-first order.
    pub reverse: bool,
    /// Append a copy of the own range covering any gap after the last range found.
    pub fill_gaps: bool,
}
