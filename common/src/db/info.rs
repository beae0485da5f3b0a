//! Reading the container_stat view and policy_stat: `get_info` and the column conversions that
//! tolerate what older Swift versions (or Python's loose typing) stored in each column.

use super::types::{ContainerInfo, DbError};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row};

/// A column as text, as Python would see it printed (NULL becomes '').
pub fn text_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<String> {
    Ok(match row.get_ref(idx)? {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f:?}"),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    })
}

/// A column as an integer (text digits are parsed, NULL/garbage is 0).
pub fn int_col(row: &Row<'_>, idx: usize) -> rusqlite::Result<i64> {
    Ok(match row.get_ref(idx)? {
        ValueRef::Null => 0,
        ValueRef::Integer(i) => i,
        ValueRef::Real(f) => f as i64,
        ValueRef::Text(t) | ValueRef::Blob(t) => std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
    })
}

/// Extra container_stat columns that `ContainerInfo` does not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatExtras {
    /// `status` ('' or 'DELETED').
    pub status: String,
    /// `reconciler_sync_point`.
    pub reconciler_sync_point: i64,
}

/// `SELECT ... FROM container_stat` (Swift's `_do_get_info_query`) for the current policy.
pub fn query_info(conn: &Connection) -> Result<(ContainerInfo, StatExtras), DbError> {
    let row = conn
        .query_row(
            "SELECT account, container, created_at, put_timestamp, delete_timestamp, status, \
             status_changed_at, object_count, bytes_used, reported_put_timestamp, \
             reported_delete_timestamp, reported_object_count, reported_bytes_used, hash, id, \
             x_container_sync_point1, x_container_sync_point2, storage_policy_index, \
             reconciler_sync_point FROM container_stat",
            [],
            |r| {
                Ok((
                    ContainerInfo {
                        account: text_col(r, 0)?,
                        container: text_col(r, 1)?,
                        created_at: text_col(r, 2)?,
                        put_timestamp: text_col(r, 3)?,
                        delete_timestamp: text_col(r, 4)?,
                        status_changed_at: text_col(r, 6)?,
                        object_count: int_col(r, 7)?,
                        bytes_used: int_col(r, 8)?,
                        reported_put_timestamp: text_col(r, 9)?,
                        reported_delete_timestamp: text_col(r, 10)?,
                        reported_object_count: int_col(r, 11)?,
                        reported_bytes_used: int_col(r, 12)?,
                        hash: text_col(r, 13)?,
                        id: text_col(r, 14)?,
                        x_container_sync_point1: int_col(r, 15)?,
                        x_container_sync_point2: int_col(r, 16)?,
                        storage_policy_index: int_col(r, 17)?,
                    },
                    StatExtras {
                        status: text_col(r, 5)?,
                        reconciler_sync_point: int_col(r, 18)?,
                    },
                ))
            },
        )
        .optional()?;
    row.ok_or_else(|| DbError::Other("missing row in container_stat table".into()))
}

/// Per-policy `(storage_policy_index, object_count, bytes_used)` rows.
pub fn policy_stats(conn: &Connection) -> Result<Vec<(i64, i64, i64)>, DbError> {
    let mut stmt = conn
        .prepare_cached("SELECT storage_policy_index, object_count, bytes_used FROM policy_stat")?;
    let rows = stmt.query_map([], |r| Ok((int_col(r, 0)?, int_col(r, 1)?, int_col(r, 2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Swift's `_empty`: no live object in any policy.
pub fn no_objects(conn: &Connection) -> Result<bool, DbError> {
    let max: i64 = conn.query_row("SELECT max(object_count) FROM policy_stat", [], |r| {
        int_col(r, 0)
    })?;
    Ok(max == 0)
}

/// `put_timestamp, delete_timestamp, object_count` from container_stat.
pub fn deletion_info(conn: &Connection) -> Result<(String, String, i64), DbError> {
    Ok(conn.query_row(
        "SELECT put_timestamp, delete_timestamp, object_count FROM container_stat",
        [],
        |r| Ok((text_col(r, 0)?, text_col(r, 1)?, int_col(r, 2)?)),
    )?)
}

/// Swift's `_is_deleted_info`: no objects and deleted after the last PUT.
pub fn is_deleted_info(object_count: i64, put_timestamp: &str, delete_timestamp: &str) -> bool {
    use crate::timestamp::Timestamp;
    let ts = |s: &str| Timestamp::parse(s).unwrap_or_default();
    object_count == 0 && ts(delete_timestamp) > ts(put_timestamp)
}

/// Highest ROWID ever used in `table` (SQLITE_SEQUENCE), -1 when none.
pub fn max_row(conn: &Connection, table: &str) -> Result<i64, DbError> {
    let v = conn
        .query_row(
            "SELECT seq FROM SQLITE_SEQUENCE WHERE name = ? LIMIT 1",
            [table],
            |r| int_col(r, 0),
        )
        .optional()?;
    Ok(v.unwrap_or(-1))
}
