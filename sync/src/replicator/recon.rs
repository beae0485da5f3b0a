//! Swift's recon cache files (`<recon_cache_path>/container.recon`): one JSON object per file
//! that several daemons update key by key, under a lock, replaced atomically.

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

/// Merges `entries` into the JSON object in `cache_file` (Swift's `dump_recon_cache`): a
/// dict value is merged one level deep, an empty dict removes the key. Errors are logged.
pub fn dump_recon_cache(entries: &Map<String, Value>, cache_file: &Path) {
    if let Err(e) = try_dump(entries, cache_file) {
        tracing::error!("Exception dumping recon cache: {e}");
    }
}

fn try_dump(entries: &Map<String, Value>, cache_file: &Path) -> std::io::Result<()> {
    let dir = cache_file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(cache_file)?;
    flock_with_timeout(&lock, Duration::from_secs(2))?;
    let mut line = String::new();
    let _ = std::io::BufReader::new(&lock).read_line(&mut line);
    let mut current = match serde_json::from_str::<Value>(&line) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (key, value) in entries {
        put_entry(&mut current, key, value);
    }
    let mut sorted = Value::Object(current);
    sort_keys(&mut sorted);
    let tmp = dir.join(format!(".recon-{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(super::wire::dumps(&sorted).as_bytes())?;
    f.write_all(b"\n")?;
    drop(f);
    let renamed = std::fs::rename(&tmp, cache_file);
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

fn put_entry(current: &mut Map<String, Value>, key: &str, value: &Value) {
    match value {
        Value::Object(m) if m.is_empty() => {
            current.remove(key);
        }
        Value::Object(m) => {
            if !current.get(key).is_some_and(Value::is_object) {
                current.insert(key.to_string(), Value::Object(Map::new()));
            }
            if let Some(Value::Object(inner)) = current.get_mut(key) {
                for (k, v) in m {
                    if v.as_object().is_some_and(Map::is_empty) {
                        inner.remove(k);
                    } else {
                        inner.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        other => {
            current.insert(key.to_string(), other.clone());
        }
    }
}

/// `json.dumps(..., sort_keys=True)`.
fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let mut items: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, mut val) in items {
                sort_keys(&mut val);
                m.insert(k, val);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

fn flock_with_timeout(f: &std::fs::File, timeout: Duration) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let deadline = std::time::Instant::now() + timeout;
    loop {
        // SAFETY: flock on a descriptor we own; the lock is released when `f` closes.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "recon cache lock timeout",
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_keys_and_nested_dicts_sorted() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("container.recon");
        let m = |v: Value| v.as_object().unwrap().clone();
        dump_recon_cache(&m(json!({"b": 1, "a": {"x": 1, "y": 2}})), &f);
        dump_recon_cache(&m(json!({"c": "z", "a": {"y": {}, "z": 3}})), &f);
        let text = std::fs::read_to_string(&f).unwrap();
        assert_eq!(
            text,
            "{\"a\": {\"x\": 1, \"z\": 3}, \"b\": 1, \"c\": \"z\"}\n"
        );
        dump_recon_cache(&m(json!({"a": {}})), &f);
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "{\"b\": 1, \"c\": \"z\"}\n"
        );
    }
}
