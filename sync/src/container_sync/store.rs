//! The sync store: `<devices>/<device>/sync_containers/<part>/<suffix>/<hash>/<hash>.db`, a tree of
//! symlinks to the container DBs that have both sync-to and sync-key set, so a sync scan visits
//! only those. Same layout and rules as Swift's `ContainerSyncStore`, so Python's daemon and ours
//! read each other's store.

use crate::daemon::ismount;
use rand::seq::SliceRandom;
use std::io;
use std::path::{Component, Path, PathBuf};
use swift_common::db::{ContainerBroker, DbError};

/// Directory under each device holding the links.
pub const SYNC_DATADIR: &str = "sync_containers";
/// Directory under each device holding the container DBs.
pub const DATADIR: &str = "containers";

/// Why the store could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A link or directory could not be made or removed.
    #[error("sync store: {0}")]
    Io(#[from] io::Error),
    /// The broker could not say what its metadata or state is.
    #[error("sync store: {0}")]
    Db(#[from] DbError),
}

/// The set of syncing containers under one devices root.
#[derive(Debug, Clone)]
pub struct SyncStore {
    /// `<devices>/`, normalised and absolute, with a trailing `/` (as Swift keeps it).
    devices: String,
    mount_check: bool,
}

/// `os.path.normpath` for absolute paths: drops `.`, empty parts and resolves `..` lexically.
fn normpath(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    format!("/{}", parts.join("/"))
}

impl SyncStore {
    /// A store over `devices` (relative paths are taken from `/`, as Swift does).
    pub fn new(devices: &Path, mount_check: bool) -> SyncStore {
        let mut devices = normpath(&Path::new("/").join(devices));
        if !devices.ends_with('/') {
            devices.push('/');
        }
        SyncStore {
            devices,
            mount_check,
        }
    }

    /// The link path for a container DB file.
    pub fn sync_path_for(&self, db_file: &Path) -> PathBuf {
        self.swap_datadir(db_file, DATADIR, SYNC_DATADIR)
    }

    /// The container DB path a link stands for.
    pub fn container_path_for(&self, sync_file: &Path) -> PathBuf {
        self.swap_datadir(sync_file, SYNC_DATADIR, DATADIR)
    }

    fn swap_datadir(&self, path: &Path, from: &str, to: &str) -> PathBuf {
        let path = normpath(path);
        let at = path.rfind(from).unwrap_or(path.len());
        let device = path.get(self.devices.len()..at).unwrap_or("");
        let rest = path.get(at + from.len() + 1..).unwrap_or("");
        Path::new(&self.devices).join(device).join(to).join(rest)
    }

    /// Links `db_file` into the store (nothing to do when a link is already there).
    pub fn add_synced_container(&self, db_file: &Path) -> io::Result<()> {
        let sync_file = self.sync_path_for(db_file);
        match std::fs::symlink_metadata(&sync_file) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if let Some(dir) = sync_file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        match std::os::unix::fs::symlink(db_file, &sync_file) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && is_link(&sync_file) => Ok(()),
            other => other,
        }
    }

    /// Removes the link for `db_file` and the directories it leaves empty.
    pub fn remove_synced_container(&self, db_file: &Path) -> io::Result<()> {
        let sync_file = self.sync_path_for(db_file);
        let result = std::fs::remove_file(&sync_file).and_then(|_| match sync_file.parent() {
            Some(dir) => removedirs(dir),
            None => Ok(()),
        });
        match result {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Swift's `update_sync_store`, called after a container PUT, POST or DELETE: links the DB when
    /// both sync-to and sync-key are non-empty, unlinks it when the container is deleted or either
    /// is empty, and does nothing when neither key was ever set.
    pub fn update_sync_store(&self, broker: &ContainerBroker) -> Result<(), StoreError> {
        let metadata = broker.metadata()?;
        let sync_to = metadata.get("X-Container-Sync-To");
        let sync_key = metadata.get("X-Container-Sync-Key");
        if sync_to.is_none() && sync_key.is_none() {
            return Ok(());
        }
        let db_file = broker.db_file();
        if broker.is_deleted()? {
            self.remove_synced_container(&db_file)?;
            return Ok(());
        }
        let set = |v: Option<&(String, String)>| v.is_some_and(|(value, _)| !value.is_empty());
        if set(sync_to) && set(sync_key) {
            self.add_synced_container(&db_file)?;
        } else {
            self.remove_synced_container(&db_file)?;
        }
        Ok(())
    }

    /// The container DB paths linked in the store: devices in random order (as Swift shuffles
    /// them), unmounted devices skipped when mount_check is on, `.db` names only.
    pub fn synced_containers(&self) -> Vec<PathBuf> {
        let root = Path::new(&self.devices);
        let mut devices = list_dir(root);
        devices.shuffle(&mut rand::thread_rng());
        let mut out = Vec::new();
        for device in devices {
            let dev_path = root.join(&device);
            if self.mount_check && !ismount(&dev_path) {
                tracing::warn!("Skipping {} as it is not mounted", device);
                continue;
            }
            let datadir = dev_path.join(SYNC_DATADIR);
            for part in list_dir(&datadir) {
                let part_path = datadir.join(&part);
                for suffix in list_dir(&part_path) {
                    let suffix_path = part_path.join(&suffix);
                    for hash in list_dir(&suffix_path) {
                        let hash_path = suffix_path.join(&hash);
                        let mut files = list_dir(&hash_path);
                        files.sort_by(|a, b| b.cmp(a));
                        for name in files.into_iter().filter(|n| n.ends_with(".db")) {
                            out.push(self.container_path_for(&hash_path.join(name)));
                        }
                    }
                }
            }
        }
        out
    }
}

/// What Swift's container server does after a PUT, POST (with metadata) or DELETE: brings the
/// store under the DB's own devices root in step with the container, logging (never returning)
/// a failure, as `_update_sync_store` does.
pub fn update_after_request(broker: &ContainerBroker, method: &str) {
    // <devices>/<device>/containers/<part>/<suffix>/<hash>
    let Some(devices) = broker.db_dir().ancestors().nth(5) else {
        return;
    };
    if let Err(e) = SyncStore::new(devices, false).update_sync_store(broker) {
        tracing::error!(
            "Failed to update sync_store {} during {}: {}",
            broker.db_file().display(),
            method,
            e
        );
    }
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// Names in a directory; nothing when it is missing or not a directory (as Swift skips those).
fn list_dir(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `os.removedirs`: remove `dir`, then each parent until one cannot be removed.
fn removedirs(dir: &Path) -> io::Result<()> {
    std::fs::remove_dir(dir)?;
    let mut cur = dir.parent();
    while let Some(p) = cur {
        if p.as_os_str().is_empty() || p == Path::new("/") || std::fs::remove_dir(p).is_err() {
            break;
        }
        cur = p.parent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_swap_between_containers_and_sync_containers() {
        let store = SyncStore::new(Path::new("/srv/node/"), false);
        let db = Path::new("/srv/node/sdb1/containers/12/abc/0123abc/0123abc.db");
        let link = store.sync_path_for(db);
        assert_eq!(
            link,
            Path::new("/srv/node/sdb1/sync_containers/12/abc/0123abc/0123abc.db")
        );
        assert_eq!(store.container_path_for(&link), db);
    }

    #[test]
    fn add_list_remove() {
        let d = tempfile::tempdir().unwrap();
        let devices = d.path();
        let db_dir = devices.join("sdb1/containers/7/fff/aaafff");
        std::fs::create_dir_all(&db_dir).unwrap();
        let db = db_dir.join("aaafff.db");
        std::fs::write(&db, b"").unwrap();
        std::fs::create_dir_all(devices.join("sdb2")).unwrap();
        let store = SyncStore::new(devices, false);
        store.add_synced_container(&db).unwrap();
        store.add_synced_container(&db).unwrap();
        let link = devices.join("sdb1/sync_containers/7/fff/aaafff/aaafff.db");
        assert_eq!(std::fs::read_link(&link).unwrap(), db);
        assert_eq!(store.synced_containers(), vec![db.clone()]);
        assert!(SyncStore::new(devices, true).synced_containers().is_empty());
        store.remove_synced_container(&db).unwrap();
        assert!(!devices.join("sdb1/sync_containers").exists());
        assert!(devices.join("sdb1/containers").exists());
        store.remove_synced_container(&db).unwrap();
        assert!(store.synced_containers().is_empty());
    }
}
