//! Opening a container DB as Swift does: the same pragmas and journal mode, the `chexor` SQL
//! function the triggers call, and SQLite's busy wait bounded by the broker timeout.

use super::types::DbError;
use md5::{Digest, Md5};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

impl From<rusqlite::Error> for DbError {
    fn from(err: rusqlite::Error) -> DbError {
        if let rusqlite::Error::SqliteFailure(e, _) = &err {
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) {
                return DbError::LockTimeout(err.to_string());
            }
        }
        DbError::Other(err.to_string())
    }
}

/// Opens an existing DB (never creates one) with Swift's runtime pragmas.
pub fn open_existing(path: &Path, timeout: Duration) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(timeout)?;
    // Swift's get_db_connection pragmas; count_changes is a no-op on modern SQLite but harmless.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA count_changes = OFF; PRAGMA temp_store = MEMORY;",
    )?;
    conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    register_chexor(&conn)?;
    Ok(conn)
}

/// Opens (creating) the temporary file a new DB is built in, with Swift's fast creation pragmas;
/// the file is fsynced and renamed into place afterwards.
pub fn open_for_create(path: &Path) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;")?;
    conn.query_row("PRAGMA journal_mode = MEMORY", [], |_| Ok(()))?;
    register_chexor(&conn)?;
    Ok(conn)
}

/// Registers `chexor(old_hash, name, timestamp)` on a connection.
pub fn register_chexor(conn: &Connection) -> Result<(), DbError> {
    conn.create_scalar_function(
        "chexor",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        chexor_sql,
    )?;
    Ok(())
}

fn chexor_sql(ctx: &Context<'_>) -> rusqlite::Result<String> {
    let old = py_str(ctx.get_raw(0));
    let name = match ctx.get_raw(1) {
        ValueRef::Null => {
            return Err(rusqlite::Error::UserFunctionError("name is None!".into()));
        }
        v => py_str(v),
    };
    let timestamp = py_str(ctx.get_raw(2));
    chexor(&old, &name, &timestamp)
        .ok_or_else(|| rusqlite::Error::UserFunctionError(format!("bad hash {old:?}").into()))
}

/// Swift's `chexor`: the md5 of `name-timestamp` XORed into the 128-bit hex hash `old`.
/// `None` when `old` is not hex.
pub fn chexor(old: &str, name: &str, timestamp: &str) -> Option<String> {
    let old = u128::from_str_radix(old.trim(), 16).ok()?;
    let mut md5 = Md5::new();
    md5.update(name.as_bytes());
    md5.update(b"-");
    md5.update(timestamp.as_bytes());
    let new = u128::from_be_bytes(md5.finalize().into());
    Some(format!("{:032x}", old ^ new))
}

/// A SQL value as Python's `'%s' % value` would print it (what chexor hashes).
fn py_str(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "None".to_string(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f:?}"),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chexor_matches_python() {
        // python: chexor('0'*32, 'o', '0000000001.00000')
        let h = chexor("00000000000000000000000000000000", "o", "0000000001.00000").unwrap();
        let mut md5 = Md5::new();
        md5.update(b"o-0000000001.00000");
        let expect: String = md5.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(h, expect);
        // XOR twice restores the original.
        let back = chexor(&h, "o", "0000000001.00000").unwrap();
        assert_eq!(back, "00000000000000000000000000000000");
        assert!(chexor("zz", "o", "1").is_none());
    }

    #[test]
    fn open_existing_refuses_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.db");
        assert!(open_existing(&path, Duration::from_secs(1)).is_err());
        assert!(!path.exists());
    }
}
