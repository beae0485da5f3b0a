//! How a `ContainerBroker` reaches its DB: picking the current file (`<hash>.db` or the newest
//! `<hash>_<epoch>.db`), keeping one open connection per broker behind its own mutex,
//! committing the `.pending` file before reads, and quarantining the DB when SQLite says it is
//! corrupt (as Swift's `DatabaseBroker.get` does).

use super::broker::{ContainerBroker, OpenDb};
use super::connection::open_existing;
use super::types::{DbError, ObjectRecord};
use super::{locate, merge, pending, quarantine};
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};

impl ContainerBroker {
    /// `<hash>.db`, the legacy name (and the base of the pending file's name).
    pub(super) fn legacy_db_file(&self) -> PathBuf {
        self.db_dir.join(format!("{}.db", self.hash))
    }

    /// The pending file (always `<hash>.db.pending`).
    pub(super) fn pending_file(&self) -> PathBuf {
        pending::pending_path(&self.db_dir, &self.hash)
    }

    /// Existing DB files, oldest epoch first.
    pub fn db_files(&self) -> Vec<PathBuf> {
        locate::get_db_files(&self.db_dir, &self.hash)
    }

    /// Runs `f` on a connection to `path` (cached when it is the current DB), mapping corrupt-DB
    /// errors to a quarantine.
    pub(super) fn with_conn_at<T>(
        &self,
        path: &Path,
        f: impl FnOnce(&mut Connection, bool) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        // A cached connection is reused only while the file is the same inode: replication
        // (rsync + rename) or quarantine replace the file under us, and Swift, which opens a
        // connection per request, would see the new one.
        let identity = file_identity(path);
        let cached = guard
            .as_ref()
            .is_some_and(|o| o.path == path && Some(o.identity) == identity);
        if !cached {
            *guard = None;
            if !path.exists() {
                return Err(DbError::NotFound(path.display().to_string()));
            }
            match self.open_db(path) {
                Ok(open) => *guard = Some(open),
                Err(e) => return Err(self.maybe_quarantine(e)),
            }
        }
        let Some(open) = guard.as_mut() else {
            return Err(DbError::Other("no connection".into()));
        };
        let old_schema = open.old_schema;
        let result = f(&mut open.conn, old_schema);
        if let Err(e) = result {
            *guard = None;
            return Err(self.maybe_quarantine(e));
        }
        result
    }

    /// Runs `f` on the current DB (NotFound when there is none).
    pub(super) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection, bool) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let path = self.db_file();
        self.with_conn_at(&path, f)
    }

    fn open_db(&self, path: &Path) -> Result<OpenDb, DbError> {
        let identity =
            file_identity(path).ok_or_else(|| DbError::NotFound(path.display().to_string()))?;
        let conn = open_existing(path, self.timeout)?;
        super::migrate::migrate_if_needed(&conn)?;
        let has_index: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE name = 'ix_object_deleted_name'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if self.names.get().is_none() {
            let names = conn
                .query_row("SELECT account, container FROM container_stat", [], |r| {
                    Ok((super::info::text_col(r, 0)?, super::info::text_col(r, 1)?))
                })
                .optional()?;
            if let Some(n) = names {
                let _ = self.names.set(n);
            }
        }
        Ok(OpenDb {
            path: path.to_path_buf(),
            conn,
            old_schema: has_index.is_none(),
            identity,
        })
    }

    /// Quarantines the DB when `err` says it is corrupt (returning `Quarantined`), else returns
    /// `err` unchanged. The caller must have dropped the connection.
    fn maybe_quarantine(&self, err: DbError) -> DbError {
        let DbError::Other(msg) = &err else {
            return err;
        };
        let Some(reason) = quarantine::corruption_reason(msg) else {
            return err;
        };
        match quarantine::move_to_quarantine(&self.db_dir) {
            Ok(to) => {
                let detail = format!(
                    "Quarantined {} to {} due to {reason}",
                    self.db_dir.display(),
                    to.display()
                );
                tracing::error!("{detail}");
                DbError::Quarantined(detail)
            }
            Err(e) => {
                tracing::error!("could not quarantine {}: {e}", self.db_dir.display());
                err
            }
        }
    }

    /// Merges `records` (plus whatever `.pending` holds) into the current DB; the caller holds
    /// the directory lock. Swift's `_commit_puts`.
    pub(super) fn commit_puts_locked(&self, extra: Vec<ObjectRecord>) -> Result<(), DbError> {
        let batch = pending::read(&self.pending_file())?;
        let mut items = match &batch {
            Some(b) => b.records.clone(),
            None => Vec::new(),
        };
        // A record whose timestamps do not parse would fail every later commit (and so every
        // read); it is logged and dropped instead of bricking the container.
        items.retain(|r| match merge::check_timestamps(r) {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(
                    "Invalid pending entry {}: {r:?} ({e})",
                    self.pending_file().display()
                );
                false
            }
        });
        items.extend(extra);
        if !items.is_empty() {
            self.with_conn(|conn, old| merge::merge_items(conn, items, None, old))?;
        }
        if let Some(b) = batch {
            b.truncate()?;
        }
        Ok(())
    }

    /// Commits the pending file before a read when there is one (Swift's `_commit_puts_stale_ok`
    /// with `stale_reads_ok=False`).
    pub(super) fn commit_before_read(&self) -> Result<(), DbError> {
        match std::fs::metadata(self.pending_file()) {
            Ok(m) if m.len() > 0 => {}
            _ => return Ok(()),
        }
        let _lock = pending::DirLock::acquire(&self.db_dir, self.pending_timeout)?;
        self.commit_puts_locked(Vec::new())
    }

    /// Drops the cached connection (e.g. before the DB dir moves).
    pub(super) fn close(&self) {
        let mut guard = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        *guard = None;
    }
}

/// (device, inode) of a file, `None` when it does not exist.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}
