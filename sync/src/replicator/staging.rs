//! A DB file a peer rsynced into `<drive>/tmp/<name>`, moved aside so a broker can open it
//! (brokers expect `<hash>/<hash>.db`), worked on, then installed in place of ours.

use std::path::{Path, PathBuf};
use std::time::Duration;

use swift_common::db::quarantine::uuid4;
use swift_common::db::ContainerBroker;

/// A pushed DB file in its private staging directory `<drive>/tmp/.stage-<uuid>/<hash>/`.
#[derive(Debug)]
pub struct Staged {
    root: PathBuf,
    db_dir: PathBuf,
    file: PathBuf,
    origin: PathBuf,
}

impl Staged {
    /// Moves `tmp_file` into a fresh staging dir under the drive's tmp dir.
    pub fn stage(tmp_file: &Path, drive_path: &Path, hash: &str) -> std::io::Result<Staged> {
        let root = drive_path.join("tmp").join(format!(".stage-{}", uuid4()));
        let db_dir = root.join(hash);
        std::fs::create_dir_all(&db_dir)?;
        let file = db_dir.join(format!("{hash}.db"));
        if let Err(e) = std::fs::rename(tmp_file, &file) {
            let _ = std::fs::remove_dir_all(&root);
            return Err(e);
        }
        Ok(Staged {
            root,
            db_dir,
            file,
            origin: tmp_file.to_path_buf(),
        })
    }

    /// A broker on the staged file (its own connection, closed when dropped). The DB id it
    /// mints names the staging dir's device-like ancestor, as Swift's names the tmp dir's.
    pub fn broker(&self) -> ContainerBroker {
        ContainerBroker::new(
            &self.db_dir,
            "",
            "",
            Duration::from_secs(25),
            Duration::from_secs(10),
        )
    }

    /// The staged DB file.
    pub fn file(&self) -> PathBuf {
        self.file.clone()
    }

    /// Renames the staged file to `target` (creating its directory) and removes the stage.
    pub fn install(self, target: &Path) -> std::io::Result<()> {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let moved = std::fs::rename(&self.file, target);
        let _ = std::fs::remove_dir_all(&self.root);
        moved
    }

    /// Puts the file back where the peer left it, and removes the stage.
    pub fn abandon(self) {
        let _ = std::fs::rename(&self.file, &self.origin);
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
