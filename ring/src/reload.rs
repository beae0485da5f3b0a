//! A ring that picks up a new ring file, as Swift's Ring does: at most every `reload_time`
//! it compares the file's mtime with the loaded one and reloads when they differ.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use swift_common::hash::HashSalt;

use crate::error::RingError;
use crate::ring::Ring;

/// Swift's default interval between checks for a changed ring file.
pub const DEFAULT_RELOAD_TIME: Duration = Duration::from_secs(15);

/// A shared, self-refreshing handle on a ring file. Cheap to query: callers get an
/// `Arc<Ring>` snapshot, and a lookup never waits for a reload by another thread for longer
/// than a file stat and parse.
#[derive(Debug)]
pub struct ReloadingRing {
    path: PathBuf,
    salt: HashSalt,
    reload_time: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    ring: Arc<Ring>,
    next_check: Instant,
}

impl ReloadingRing {
    /// Loads the ring now (failing if it cannot be read) and rechecks the file at most every
    /// `reload_time`.
    pub fn new(
        path: impl AsRef<Path>,
        salt: HashSalt,
        reload_time: Duration,
    ) -> Result<Self, RingError> {
        let path = path.as_ref().to_path_buf();
        let ring = Arc::new(Ring::load(&path, salt.clone())?);
        Ok(ReloadingRing {
            path,
            salt,
            reload_time,
            state: Mutex::new(State {
                ring,
                next_check: Instant::now() + reload_time,
            }),
        })
    }

    /// The current ring, reloaded first if the check interval has passed and the file's
    /// mtime changed. A file that fails to load keeps the previous ring (and is logged).
    pub fn get(&self) -> Arc<Ring> {
        let mut state = match self.state.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = Instant::now();
        if now >= state.next_check {
            state.next_check = now + self.reload_time;
            let on_disk = std::fs::metadata(&self.path)
                .and_then(|m| m.modified())
                .ok();
            if on_disk.is_some() && on_disk != state.ring.mtime() {
                match Ring::load(&self.path, self.salt.clone()) {
                    Ok(ring) => state.ring = Arc::new(ring),
                    Err(err) => tracing::warn!("keeping the loaded ring: {err}"),
                }
            }
        }
        Arc::clone(&state.ring)
    }

    /// The ring file this handle watches.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_ring(path: &Path, part_shift: u32) {
        let header = format!(
            r#"{{"byteorder":"little","devs":[{{"id":0,"region":1,"zone":1,"ip":"127.0.0.1","port":6201,"device":"sda","weight":1.0}}],"part_shift":{part_shift},"replica_count":1}}"#
        );
        let mut raw = b"R1NG\x00\x01".to_vec();
        raw.extend((header.len() as u32).to_be_bytes());
        raw.extend(header.as_bytes());
        raw.extend(std::iter::repeat_n(0u8, 2 << (32 - part_shift)));
        let tmp = path.with_extension("tmp");
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&tmp).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(&raw).unwrap();
        gz.finish().unwrap();
        std::fs::rename(tmp, path).unwrap();
    }

    fn set_mtime(path: &Path, secs: u64) {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + Duration::from_secs(secs))
            .unwrap();
    }

    #[test]
    fn reloads_only_after_the_interval_and_only_when_mtime_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("container.ring.gz");
        write_ring(&path, 30);
        set_mtime(&path, 1_000_000);
        let ring =
            ReloadingRing::new(&path, HashSalt::default(), Duration::from_millis(200)).unwrap();
        assert_eq!(ring.get().part_power(), 2);

        write_ring(&path, 29);
        set_mtime(&path, 1_000_000);
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(ring.get().part_power(), 2, "same mtime: not reloaded");

        set_mtime(&path, 1_000_001);
        assert_eq!(
            ring.get().part_power(),
            2,
            "within the interval: not rechecked"
        );
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(
            ring.get().part_power(),
            3,
            "changed mtime after the interval"
        );

        std::fs::write(&path, b"garbage").unwrap();
        set_mtime(&path, 1_000_002);
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(ring.get().part_power(), 3, "a bad file keeps the old ring");
    }
}
