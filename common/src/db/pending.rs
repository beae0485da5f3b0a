//! The `<hash>.db.pending` file: records appended as `:` + base64(pickle), guarded by an
//! exclusive `flock` on `<db dir>/.lock` (Swift's `lock_parent_directory`), so Swift's Python
//! processes and ours may append and commit the same file concurrently.

use super::pickle::{decode_record, encode_record};
use super::types::{DbError, ObjectRecord};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Swift's `PENDING_CAP`: past this size a put commits the pending file instead of appending.
pub const PENDING_CAP: u64 = 131072;

/// An exclusive flock on `<dir>/.lock`, released on drop (the file is closed).
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock of `dir`, polling every 10 ms until `timeout` (Swift's `lock_path`);
    /// creates `dir` when missing as Swift does.
    pub fn acquire(dir: &Path, timeout: Duration) -> Result<DirLock, DbError> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let path = dir.join(".lock");
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o644)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        let start = Instant::now();
        loop {
            // SAFETY: flock on a file descriptor we own; no memory is passed.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                return Ok(DirLock { _file: file });
            }
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(io_err(&path, err));
            }
            if start.elapsed() >= timeout {
                return Err(DbError::LockTimeout(format!(
                    "{:.1}s ({})",
                    timeout.as_secs_f64(),
                    path.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Path of the pending file that belongs with the legacy `<hash>.db` name.
pub fn pending_path(db_dir: &Path, hash: &str) -> PathBuf {
    db_dir.join(format!("{hash}.db.pending"))
}

/// Size of the pending file (0 when missing). Caller holds the lock.
pub fn pending_size(path: &Path) -> Result<u64, DbError> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(0),
        Err(e) => Err(io_err(path, e)),
    }
}

/// One encoded entry, `:` + base64(pickle protocol 2 of the record tuple).
pub fn encode_entry(rec: &ObjectRecord) -> Result<Vec<u8>, DbError> {
    let pickled = encode_record(rec).map_err(|e| DbError::Other(e.to_string()))?;
    let mut out = Vec::with_capacity(1 + pickled.len() * 4 / 3 + 4);
    out.push(b':');
    out.extend_from_slice(STANDARD.encode(pickled).as_bytes());
    Ok(out)
}

/// Appends one record. Caller holds the lock.
pub fn append(path: &Path, rec: &ObjectRecord) -> Result<(), DbError> {
    let entry = encode_entry(rec)?;
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    f.write_all(&entry).map_err(|e| io_err(path, e))?;
    Ok(())
}

/// The open pending file and the records it held; `truncate` empties it once they are merged.
pub struct PendingBatch {
    file: File,
    path: PathBuf,
    /// Decoded records, in file order. Undecodable entries are skipped (logged), as Swift does.
    pub records: Vec<ObjectRecord>,
}

impl PendingBatch {
    /// Empties the pending file (after its records were committed).
    pub fn truncate(self) -> Result<(), DbError> {
        self.file.set_len(0).map_err(|e| io_err(&self.path, e))
    }
}

/// Reads every record of the pending file; `None` when it is missing or empty. Caller holds
/// the lock.
pub fn read(path: &Path) -> Result<Option<PendingBatch>, DbError> {
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path, e)),
    };
    let mut data = Vec::new();
    file.read_to_end(&mut data).map_err(|e| io_err(path, e))?;
    if data.is_empty() {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(0)).map_err(|e| io_err(path, e))?;
    let records = parse_entries(&data, path);
    Ok(Some(PendingBatch {
        file,
        path: path.to_path_buf(),
        records,
    }))
}

/// Splits pending-file bytes on `:` and decodes each entry, skipping (and logging) bad ones.
pub fn parse_entries(data: &[u8], path: &Path) -> Vec<ObjectRecord> {
    let mut records = Vec::new();
    for entry in data.split(|b| *b == b':').filter(|e| !e.is_empty()) {
        let decoded = STANDARD
            .decode(entry.trim_ascii())
            .map_err(|e| e.to_string())
            .and_then(|raw| decode_record(&raw).map_err(|e| e.to_string()));
        match decoded {
            Ok(rec) => records.push(rec),
            Err(err) => tracing::error!(
                "Invalid pending entry {}: {} ({err})",
                path.display(),
                String::from_utf8_lossy(entry)
            ),
        }
    }
    records
}

fn io_err(path: &Path, e: std::io::Error) -> DbError {
    DbError::Other(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str) -> ObjectRecord {
        ObjectRecord {
            name: name.into(),
            created_at: "1700000000.00000".into(),
            size: 1,
            content_type: "t".into(),
            etag: "e".into(),
            deleted: false,
            storage_policy_index: 0,
            ctype_timestamp: None,
            meta_timestamp: None,
        }
    }

    #[test]
    fn append_read_truncate() {
        let dir = tempfile::tempdir().unwrap();
        let p = pending_path(dir.path(), "abc");
        let _lock = DirLock::acquire(dir.path(), Duration::from_secs(1)).unwrap();
        assert!(read(&p).unwrap().is_none());
        append(&p, &rec("a")).unwrap();
        append(&p, &rec("b")).unwrap();
        let raw = std::fs::read(&p).unwrap();
        assert_eq!(raw[0], b':');
        assert_eq!(raw.iter().filter(|b| **b == b':').count(), 2);
        // A garbage entry in the middle is skipped.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b":!!!!")
            .unwrap();
        append(&p, &rec("c")).unwrap();
        let batch = read(&p).unwrap().unwrap();
        let names: Vec<_> = batch.records.iter().map(|r| r.name.clone()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        batch.truncate().unwrap();
        assert_eq!(pending_size(&p).unwrap(), 0);
        assert!(dir.path().join(".lock").exists());
    }

    #[test]
    fn lock_times_out_while_held() {
        let dir = tempfile::tempdir().unwrap();
        let _held = DirLock::acquire(dir.path(), Duration::from_secs(1)).unwrap();
        let err = DirLock::acquire(dir.path(), Duration::from_millis(50)).unwrap_err();
        assert!(matches!(err, DbError::LockTimeout(_)), "{err:?}");
    }
}
