//! Walking the container DBs of this node's devices as Swift's `roundrobin_datadirs` does: one
//! DB from each device in turn, partitions of a device in random order, and removal of empty
//! partition, suffix and hash directories met on the way.

use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;

/// Which partitions of a device to visit.
pub type PartFilter = Box<dyn Fn(u64) -> bool + Send>;

/// One device to walk: its `containers` dir, its ring id, and the partition filter.
pub type DataDir = (PathBuf, u32, PartFilter);

/// A DB found by the walk.
#[derive(Debug, Clone)]
pub struct FoundDb {
    /// Partition directory name.
    pub partition: u64,
    /// The DB file (`<hash>.db`, or the newest `<hash>_<epoch>.db`).
    pub db_file: PathBuf,
    /// Ring id of the device it is on.
    pub node_id: u32,
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    v.sort();
    v
}

/// The DBs of one device's `containers` dir, lazily.
fn walk_datadir(
    datadir: PathBuf,
    node_id: u32,
    keep_part: impl Fn(u64) -> bool + 'static,
) -> impl Iterator<Item = FoundDb> + Send {
    let mut parts: Vec<(u64, PathBuf)> = sorted_entries(&datadir)
        .into_iter()
        .filter_map(|p| {
            let part = p.file_name()?.to_str()?.parse::<u64>().ok()?;
            keep_part(part).then_some((part, p))
        })
        .collect();
    parts.shuffle(&mut rand::thread_rng());
    parts.into_iter().flat_map(move |(partition, part_dir)| {
        if !part_dir.is_dir() {
            return Vec::new();
        }
        let suffixes = sorted_entries(&part_dir);
        if suffixes.is_empty() {
            let _ = std::fs::remove_dir(&part_dir);
            return Vec::new();
        }
        let mut found = Vec::new();
        for suffix_dir in suffixes.into_iter().filter(|p| p.is_dir()) {
            let hashes = sorted_entries(&suffix_dir);
            if hashes.is_empty() {
                let _ = std::fs::remove_dir(&suffix_dir);
                continue;
            }
            for hash_dir in hashes.into_iter().filter(|p| p.is_dir()) {
                let Some(hash) = hash_dir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .map(str::to_string)
                else {
                    continue;
                };
                let legacy = hash_dir.join(format!("{hash}.db"));
                let db_file = if legacy.exists() {
                    Some(legacy)
                } else {
                    swift_common::db::locate::get_db_files(&hash_dir, &hash).pop()
                };
                match db_file {
                    Some(db_file) => found.push(FoundDb {
                        partition,
                        db_file,
                        node_id,
                    }),
                    // Fails (and is left alone) when something else is still in there.
                    None => {
                        let _ = std::fs::remove_dir(&hash_dir);
                    }
                }
            }
        }
        found
    })
}

/// Round-robin over devices: `(datadir, node id, partition filter)` each.
pub fn roundrobin_datadirs(dirs: Vec<DataDir>) -> impl Iterator<Item = FoundDb> + Send {
    let mut its: Vec<Box<dyn Iterator<Item = FoundDb> + Send>> = dirs
        .into_iter()
        .map(|(dir, id, filt)| {
            Box::new(walk_datadir(dir, id, filt)) as Box<dyn Iterator<Item = FoundDb> + Send>
        })
        .collect();
    let mut next = 0usize;
    std::iter::from_fn(move || {
        while !its.is_empty() {
            let i = next % its.len();
            match its[i].next() {
                Some(db) => {
                    next = i + 1;
                    return Some(db);
                }
                None => {
                    drop(its.remove(i));
                    next = i;
                }
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch_db(root: &Path, dev: &str, part: u64, hash: &str) {
        let dir = root
            .join(dev)
            .join("containers")
            .join(part.to_string())
            .join(&hash[29..])
            .join(hash);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{hash}.db")), b"").unwrap();
    }

    #[test]
    fn alternates_devices_and_cleans_empty_dirs() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        let h = |n: u32| format!("{n:032x}");
        touch_db(root, "sda", 1, &h(1));
        touch_db(root, "sda", 2, &h(2));
        touch_db(root, "sda", 3, &h(3));
        touch_db(root, "sdb", 1, &h(4));
        std::fs::create_dir_all(root.join("sdb/containers/7/abc/empty")).unwrap();
        std::fs::create_dir_all(root.join("sdb/containers/8")).unwrap();
        std::fs::create_dir_all(root.join("sdb/containers/9/def")).unwrap();
        let all = |_: u64| true;
        let dirs: Vec<DataDir> = vec![
            (root.join("sda/containers"), 0, Box::new(all)),
            (root.join("sdb/containers"), 1, Box::new(all)),
        ];
        let found: Vec<FoundDb> = roundrobin_datadirs(dirs).collect();
        let ids: Vec<u32> = found.iter().map(|f| f.node_id).collect();
        assert_eq!(ids, vec![0, 1, 0, 0]);
        assert!(!root.join("sdb/containers/7/abc/empty").exists());
        assert!(!root.join("sdb/containers/8").exists());
        assert!(!root.join("sdb/containers/9/def").exists());
        let filtered: Vec<DataDir> = vec![(root.join("sda/containers"), 0, Box::new(|p| p == 2))];
        let found: Vec<FoundDb> = roundrobin_datadirs(filtered).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].partition, 2);
    }
}
