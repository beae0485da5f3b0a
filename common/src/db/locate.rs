//! Finding container DB files on disk: the `<hash>[_<epoch>].db` names of one container
//! (Swift's `get_db_files`) and a walk over every container DB under a devices dir for the
//! background tasks (Swift's `roundrobin_datadirs`, devices interleaved).

use std::path::{Path, PathBuf};

/// Splits a DB file name into (hash, epoch, extension), as Swift's `parse_db_filename`.
pub fn parse_db_filename(file_name: &str) -> (&str, Option<&str>, &str) {
    let (stem, ext) = match file_name.rfind('.') {
        Some(i) if i > 0 => (&file_name[..i], &file_name[i..]),
        _ => (file_name, ""),
    };
    let mut parts = stem.split('_');
    let hash = parts.next().unwrap_or("");
    (hash, parts.next(), ext)
}

/// Existing `<hash>[_<epoch>].db` files in `db_dir`, sorted (so the newest epoch is last).
pub fn get_db_files(db_dir: &Path, hash: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(db_dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            let (h, _, ext) = parse_db_filename(name);
            (ext == ".db" && h == hash).then(|| db_dir.join(name))
        })
        .collect();
    out.sort();
    out
}

fn list_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Every container DB of one device: `(device, <hash>.db path or newest epoch file)`.
fn walk_device(devices: PathBuf, device: String) -> impl Iterator<Item = (String, PathBuf)> {
    let datadir = devices.join(&device).join("containers");
    list_dirs(&datadir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .flat_map(|part| list_dirs(&part))
        .flat_map(|suffix| list_dirs(&suffix))
        .filter_map(move |hash_dir| {
            let hash = hash_dir.file_name()?.to_str()?.to_string();
            let legacy = hash_dir.join(format!("{hash}.db"));
            if legacy.exists() {
                return Some((device.clone(), legacy));
            }
            get_db_files(&hash_dir, &hash)
                .pop()
                .map(|f| (device.clone(), f))
        })
}

/// Walks every container DB under `devices`, one device after another in turn (round robin),
/// yielding `(device name, DB file path)`; the broker for it is `ContainerBroker::new(path.parent())`.
pub fn walk_container_dbs(devices: &Path) -> impl Iterator<Item = (String, PathBuf)> {
    let mut iters: Vec<Box<dyn Iterator<Item = (String, PathBuf)>>> = list_dirs(devices)
        .into_iter()
        .filter_map(|d| d.file_name().and_then(|n| n.to_str()).map(str::to_string))
        .map(|dev| Box::new(walk_device(devices.to_path_buf(), dev)) as Box<dyn Iterator<Item = _>>)
        .collect();
    let mut i = 0;
    std::iter::from_fn(move || {
        while !iters.is_empty() {
            if i >= iters.len() {
                i = 0;
            }
            match iters[i].next() {
                Some(item) => {
                    i += 1;
                    return Some(item);
                }
                None => {
                    drop(iters.remove(i));
                }
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filename_parts() {
        assert_eq!(parse_db_filename("ab2134.db"), ("ab2134", None, ".db"));
        assert_eq!(
            parse_db_filename("ab2134_1234567890.12345.db"),
            ("ab2134", Some("1234567890.12345"), ".db")
        );
        assert_eq!(
            parse_db_filename("ab.db.pending"),
            ("ab.db", None, ".pending")
        );
    }

    #[test]
    fn walks_round_robin() {
        let root = tempfile::tempdir().unwrap();
        let mk = |dev: &str, part: &str, hash: &str, file: &str| {
            let d = root
                .path()
                .join(dev)
                .join("containers")
                .join(part)
                .join(&hash[hash.len() - 3..])
                .join(hash);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(file), b"").unwrap();
        };
        mk("sda", "1", "aaa111", "aaa111.db");
        mk("sda", "2", "bbb222", "bbb222_0000000001.00000.db");
        mk("sdb", "1", "ccc333", "ccc333.db");
        mk("sdb", "1", "ddd444", "ddd444.db.pending");
        std::fs::create_dir_all(root.path().join("sdb/containers/tmp")).unwrap();
        let got: Vec<(String, String)> = walk_container_dbs(root.path())
            .map(|(d, p)| (d, p.file_name().unwrap().to_str().unwrap().to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("sda".to_string(), "aaa111.db".to_string()),
                ("sdb".to_string(), "ccc333.db".to_string()),
                ("sda".to_string(), "bbb222_0000000001.00000.db".to_string()),
            ]
        );
    }
}
