//! Swift's `ismount`, for mount_check on the devices the sync store lives on.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// A directory on another filesystem than its parent (or the root of one); a symlink counts
/// only when it holds a `.ismount` file. Errors mean "not mounted".
pub fn ismount(path: &Path) -> bool {
    let Ok(s1) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if s1.file_type().is_symlink() {
        return path.join(".ismount").is_file();
    }
    let Ok(s2) = std::fs::symlink_metadata(path.join("..")) else {
        return false;
    };
    s1.dev() != s2.dev() || s1.ino() == s2.ino()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_dir_is_not_a_mount() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sdb")).unwrap();
        assert!(!ismount(&d.path().join("sdb")));
        assert!(ismount(Path::new("/")));
    }
}
