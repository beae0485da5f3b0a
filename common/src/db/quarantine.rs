//! Quarantine of corrupt container DBs: which SQLite errors mean "corrupt" (Swift's
//! `possibly_quarantine`) and the move to `<device>/quarantined/containers/<hash>[-<uuid>]`.

use super::types::DbError;
use std::path::{Path, PathBuf};

/// The reason Swift gives when an error message means the DB is unusable, else `None`.
pub fn corruption_reason(message: &str) -> Option<&'static str> {
    if message.contains("database disk image is malformed")
        || message.contains("malformed database schema")
    {
        Some("malformed database")
    } else if message.contains(" is not a database") {
        Some("corrupted database")
    } else if message.contains("disk I/O error") {
        Some("disk error while accessing database")
    } else {
        None
    }
}

/// The device directory of a DB dir (`<device>/containers/<part>/<suffix>/<hash>`).
pub fn device_path(db_dir: &Path) -> PathBuf {
    db_dir
        .ancestors()
        .nth(4)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// A random UUID4 (`8-4-4-4-12` hex), for DB ids and quarantine name clashes.
pub fn uuid4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Moves `db_dir` under the device's `quarantined/containers/`, adding `-<uuid hex>` when the
/// name is taken, and returns the new path.
pub fn move_to_quarantine(db_dir: &Path) -> Result<PathBuf, DbError> {
    let name = db_dir
        .file_name()
        .ok_or_else(|| DbError::Other(format!("bad db dir {}", db_dir.display())))?;
    // Never move a directory that is not `<device>/containers/<part>/<suffix>/<hash>` deep: a
    // shallow or relative path here once moved /etc into /quarantined.
    if !db_dir.is_absolute()
        || db_dir
            .ancestors()
            .nth(4)
            .is_none_or(|d| d == Path::new("/"))
    {
        return Err(DbError::Other(format!(
            "refusing to quarantine {}: not a container DB dir",
            db_dir.display()
        )));
    }
    let base = device_path(db_dir).join("quarantined").join("containers");
    std::fs::create_dir_all(&base)
        .map_err(|e| DbError::Other(format!("{}: {e}", base.display())))?;
    let mut target = base.join(name);
    if let Err(e) = std::fs::rename(db_dir, &target) {
        let taken = matches!(e.raw_os_error(), Some(libc::EEXIST) | Some(libc::ENOTEMPTY));
        if !taken {
            return Err(DbError::Other(format!(
                "quarantine {}: {e}",
                db_dir.display()
            )));
        }
        let mut alt = name.to_os_string();
        alt.push(format!("-{}", uuid4().replace('-', "")));
        target = base.join(alt);
        std::fs::rename(db_dir, &target)
            .map_err(|e| DbError::Other(format!("quarantine {}: {e}", db_dir.display())))?;
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons() {
        assert_eq!(
            corruption_reason("database disk image is malformed"),
            Some("malformed database")
        );
        assert_eq!(
            corruption_reason("file is not a database"),
            Some("corrupted database")
        );
        assert_eq!(
            corruption_reason("disk I/O error"),
            Some("disk error while accessing database")
        );
        assert_eq!(corruption_reason("database is locked"), None);
    }

    #[test]
    fn moves_and_avoids_clash() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("sda/containers/1/abc/hashabc");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hashabc.db"), b"x").unwrap();
        let q = move_to_quarantine(&dir).unwrap();
        assert_eq!(q, root.path().join("sda/quarantined/containers/hashabc"));
        assert!(q.join("hashabc.db").exists() && !dir.exists());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hashabc.db"), b"y").unwrap();
        let q2 = move_to_quarantine(&dir).unwrap();
        let n = q2.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            n.starts_with("hashabc-") && n.len() == "hashabc-".len() + 32,
            "{n}"
        );
        assert_eq!(uuid4().len(), 36);
    }

    #[test]
    fn refuses_dirs_that_are_not_deep_enough() {
        let root = tempfile::tempdir().unwrap();
        let shallow = root.path().join("etc");
        std::fs::create_dir_all(&shallow).unwrap();
        std::fs::write(shallow.join("etc.db"), b"x").unwrap();
        assert!(move_to_quarantine(&shallow).is_err());
        assert!(shallow.join("etc.db").exists());
        assert!(move_to_quarantine(Path::new("containers/1/abc/hashabc")).is_err());
    }
}
