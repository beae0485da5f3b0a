//! Swift's recon filter: `/recon/<check>[/<type>]` answers node facts as JSON for
//! `swift-recon` (load, memory, disk usage, mounts, ring and swift.conf md5s, quarantine counts,
//! socket stats, version, time) and the daemons' figures from the recon cache files
//! (`container.recon` etc. under `recon_cache_path`). Any method is answered, as in Swift;
//! an unknown check is `404 Invalid path: <path>`. Answers are written as Python's
//! `json.dumps` writes them, so `swift-recon` sees the same bytes.

use super::healthcheck::plain_response;
use crate::listing::pyjson;
use axum::body::Body;
use http::{Response, StatusCode};
use md5::{Digest, Md5};
use serde_json::{Map, Value};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The Swift release whose behaviour this server reproduces (what `/recon/version` reports).
pub const SWIFT_VERSION: &str = "2.38.3";

/// The recon filter's settings (`[filter:recon]` merged over `[DEFAULT]`).
#[derive(Debug, Clone)]
pub struct Recon {
    /// `devices` (default `/srv/node`).
    pub devices: PathBuf,
    /// `swift_dir` (default `/etc/swift`).
    pub swift_dir: PathBuf,
    /// `recon_cache_path` (default `/var/cache/swift`).
    pub recon_cache_path: PathBuf,
    /// Ring files whose md5 `/recon/ringmd5` reports: account, container, then one object ring
    /// per storage policy.
    pub rings: Vec<PathBuf>,
}

impl Recon {
    /// Builds the filter from its section. The object rings follow the storage policies of
    /// `/etc/swift/swift.conf` whatever `swift_dir` says: Swift loads its policies once at import
    /// from the default path and never reloads them for the server (just `object.ring.gz` when
    /// that file cannot be read).
    pub fn from_section(s: &swift_common::config::Section) -> Recon {
        let devices = PathBuf::from(s.get_or("devices", "/srv/node"));
        let swift_dir = PathBuf::from(s.get_or("swift_dir", "/etc/swift"));
        let recon_cache_path = PathBuf::from(s.get_or("recon_cache_path", "/var/cache/swift"));
        let ring_names: Vec<String> =
            swift_common::config::SwiftConf::load(Path::new("/etc/swift"))
                .map(|c| c.policies.iter().map(|p| p.ring_name()).collect())
                .unwrap_or_else(|_| vec!["object".to_string()]);
        Recon::new(devices, swift_dir, recon_cache_path, &ring_names)
    }

    /// Builds the filter from explicit paths and object ring names (`object`, `object-1`, ...).
    pub fn new(
        devices: PathBuf,
        swift_dir: PathBuf,
        recon_cache_path: PathBuf,
        object_rings: &[String],
    ) -> Recon {
        let mut rings = vec![
            swift_dir.join("account.ring.gz"),
            swift_dir.join("container.ring.gz"),
        ];
        rings.extend(
            object_rings
                .iter()
                .map(|n| swift_dir.join(format!("{n}.ring.gz"))),
        );
        Recon {
            devices,
            swift_dir,
            recon_cache_path,
            rings,
        }
    }

    /// The answer for `quoted_path` (Swift's `req.path`), or None when it is not under
    /// `/recon/`. Reads files, so call it from a blocking thread (see [`Recon::respond_async`]).
    pub fn respond(&self, quoted_path: &str) -> Option<Response<Body>> {
        let rest = quoted_path.strip_prefix("/recon/")?;
        let (check, rtype) = match rest.split_once('/') {
            Some((c, t)) => (c, Some(t)),
            None => (rest, None),
        };
        match self.content(check, rtype) {
            Some(Some(v)) => Some(plain_response(
                StatusCode::OK,
                "application/json",
                pyjson::dumps(&v),
            )),
            Some(None) => Some(plain_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                b"Internal server error.".to_vec(),
            )),
            None => Some(plain_response(
                StatusCode::NOT_FOUND,
                "text/plain",
                format!("Invalid path: {quoted_path}").into_bytes(),
            )),
        }
    }

    /// [`Recon::respond`] on a blocking thread.
    pub async fn respond_async(
        self: std::sync::Arc<Self>,
        quoted_path: String,
    ) -> Option<Response<Body>> {
        if !quoted_path.starts_with("/recon/") {
            return None;
        }
        tokio::task::spawn_blocking(move || self.respond(&quoted_path))
            .await
            .unwrap_or_else(|_| {
                Some(plain_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain",
                    b"Internal server error.".to_vec(),
                ))
            })
    }

    /// None: unknown check (404); Some(None): Swift's "Internal server error." (500).
    fn content(&self, check: &str, rtype: Option<&str>) -> Option<Option<Value>> {
        let cache = |file: &str, keys: &[&str]| Some(Some(self.read_cache(file, keys)));
        let all = |t: Option<&str>| matches!(t, Some("account" | "container" | "object"));
        Some(match check {
            "mem" => get_mem(),
            "load" => get_load(),
            "async" => return cache("object.recon", &["async_pending", "async_pending_last"]),
            "replication" if all(rtype) || rtype.is_none() => {
                let t = rtype.unwrap_or("object");
                let mut keys = vec!["replication_time", "replication_stats", "replication_last"];
                if t == "object" {
                    keys.extend(["object_replication_time", "object_replication_last"]);
                }
                return cache(&format!("{t}.recon"), &keys);
            }
            "devices" => Some(self.get_devices()),
            "updater" if rtype == Some("container") => {
                return cache("container.recon", &["container_updater_sweep"])
            }
            "updater" if rtype == Some("object") => {
                return cache(
                    "object.recon",
                    &[
                        "object_updater_sweep",
                        "object_updater_stats",
                        "object_updater_last",
                    ],
                )
            }
            "auditor" if all(rtype) => {
                let t = rtype.unwrap_or("");
                let keys: &[&str] = match t {
                    "object" => &["object_auditor_stats_ALL", "object_auditor_stats_ZBF"],
                    "account" => &[
                        "account_audits_passed",
                        "account_auditor_pass_completed",
                        "account_audits_since",
                        "account_audits_failed",
                    ],
                    _ => &[
                        "container_audits_passed",
                        "container_auditor_pass_completed",
                        "container_audits_since",
                        "container_audits_failed",
                    ],
                };
                return cache(&format!("{t}.recon"), keys);
            }
            "expirer" if rtype == Some("object") => {
                return cache(
                    "object.recon",
                    &["object_expiration_pass", "expired_last_pass"],
                )
            }
            "mounted" => get_mounted(),
            "unmounted" => Some(self.get_unmounted()),
            "diskusage" => Some(self.get_diskusage()),
            "ringmd5" => Some(self.get_ring_md5()),
            "swiftconfmd5" => {
                // Swift's recon binds SWIFT_CONF_FILE at import: always /etc/swift/swift.conf.
                let path = Path::new("/etc/swift/swift.conf");
                let mut m = Map::new();
                m.insert(
                    path.to_string_lossy().into_owned(),
                    md5_file(path).map_or(Value::Null, Value::String),
                );
                Some(Value::Object(m))
            }
            "quarantined" => Some(self.get_quarantined()),
            "sockstat" => get_sockstat(),
            "version" => Some(serde_json::json!({ "version": SWIFT_VERSION })),
            "driveaudit" => return cache("drive.recon", &["drive_audit_errors"]),
            "time" => Some(Value::from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64()),
            )),
            "sharding" => {
                return cache(
                    "container.recon",
                    &["sharding_stats", "sharding_time", "sharding_last"],
                )
            }
            "relinker" => return cache("relinker.recon", &["devices", "workers"]),
            "reconstruction" if rtype == Some("object") => {
                return cache(
                    "object.recon",
                    &["object_reconstruction_last", "object_reconstruction_time"],
                )
            }
            _ => return None,
        })
    }

    /// `_from_recon_cache`: the keys' values from a recon cache file (all null when the file
    /// is missing, unreadable, not JSON or not an object).
    fn read_cache(&self, file: &str, keys: &[&str]) -> Value {
        let data: Option<Map<String, Value>> = std::fs::read(self.recon_cache_path.join(file))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            });
        let mut out = Map::new();
        for key in keys {
            let v = data.as_ref().and_then(|m| m.get(*key)).cloned();
            out.insert((*key).to_string(), v.unwrap_or(Value::Null));
        }
        Value::Object(out)
    }

    fn get_devices(&self) -> Value {
        let listing = list_dir(&self.devices).map_or(Value::Null, |names| {
            Value::Array(names.into_iter().map(Value::String).collect())
        });
        let mut m = Map::new();
        m.insert(self.devices.to_string_lossy().into_owned(), listing);
        Value::Object(m)
    }

    /// Device directories under `devices` with whether Swift's `check_mount` passes.
    fn device_mounts(&self) -> Vec<(String, bool)> {
        list_dir(&self.devices)
            .unwrap_or_default()
            .into_iter()
            .filter(|name| self.devices.join(name).is_dir())
            .map(|name| {
                let mounted = is_valid_drive_name(&name) && ismount(&self.devices.join(&name));
                (name, mounted)
            })
            .collect()
    }

    fn get_unmounted(&self) -> Value {
        Value::Array(
            self.device_mounts()
                .into_iter()
                .filter(|(_, mounted)| !mounted)
                .map(|(name, _)| serde_json::json!({"device": name, "mounted": false}))
                .collect(),
        )
    }

    fn get_diskusage(&self) -> Value {
        Value::Array(
            self.device_mounts()
                .into_iter()
                .map(|(name, mounted)| {
                    let usage = if mounted {
                        statvfs(&self.devices.join(&name))
                    } else {
                        None
                    };
                    match usage {
                        Some((size, used, avail)) => serde_json::json!({
                            "device": name, "mounted": true,
                            "size": size, "used": used, "avail": avail,
                        }),
                        None => serde_json::json!({
                            "device": name, "mounted": false,
                            "size": "", "used": "", "avail": "",
                        }),
                    }
                })
                .collect(),
        )
    }

    fn get_ring_md5(&self) -> Value {
        let mut m = Map::new();
        for ring in &self.rings {
            if ring.exists() {
                m.insert(
                    ring.to_string_lossy().into_owned(),
                    md5_file(ring).map_or(Value::Null, Value::String),
                );
            }
        }
        Value::Object(m)
    }

    fn get_quarantined(&self) -> Value {
        let (mut objects, mut containers, mut accounts) = (0u64, 0u64, 0u64);
        let mut policies = Map::new();
        for device in list_dir(&self.devices).unwrap_or_default() {
            let qpath = self.devices.join(&device).join("quarantined");
            for qtype in list_dir(&qpath).unwrap_or_default() {
                let links = std::fs::symlink_metadata(qpath.join(&qtype)).map_or(0, |m| m.nlink());
                if links <= 2 {
                    continue;
                }
                let n = links - 2;
                if qtype.starts_with("objects") {
                    let key = qtype.split_once('-').map_or("0", |(_, p)| p).to_string();
                    let entry = policies
                        .entry(key)
                        .or_insert_with(|| serde_json::json!({"objects": 0}));
                    let current = entry["objects"].as_u64().unwrap_or(0);
                    entry["objects"] = Value::from(current + n);
                    objects += n;
                } else if qtype == "containers" {
                    containers += n;
                } else if qtype == "accounts" {
                    accounts += n;
                }
            }
        }
        serde_json::json!({
            "objects": objects, "containers": containers, "accounts": accounts,
            "policies": Value::Object(policies),
        })
    }
}

/// `os.listdir` (same order: the directory's own).
fn list_dir(path: &Path) -> Option<Vec<String>> {
    let entries = std::fs::read_dir(path).ok()?;
    Some(
        entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
    )
}

/// `check_drive`'s name rule: `quote_plus(drive) == drive`.
fn is_valid_drive_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-~".contains(&b))
}

/// Swift's `ismount`: a mount point, or a directory holding an `.ismount` stub file; any error
/// means not mounted.
pub fn ismount(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    let stub = path.join(".ismount").is_file();
    if meta.file_type().is_symlink() {
        return stub;
    }
    let Ok(parent) = std::fs::symlink_metadata(path.join("..")) else {
        return false;
    };
    meta.dev() != parent.dev() || meta.ino() == parent.ino() || stub
}

/// (size, used, avail) in bytes from `statvfs`, with `f_bsize` as Swift uses it.
fn statvfs(path: &Path) -> Option<(u64, u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    let bsize = st.f_bsize as u64;
    let blocks = st.f_blocks as u64;
    let bavail = st.f_bavail as u64;
    Some((
        bsize * blocks,
        bsize * blocks.saturating_sub(bavail),
        bsize * bavail,
    ))
}

/// `md5_hash_for_file`: hex md5 of the file's bytes.
fn md5_file(path: &Path) -> Option<String> {
    let data = std::fs::read(path).ok()?;
    Some(
        Md5::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

fn get_mem() -> Option<Value> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let mut m = Map::new();
    for line in text.lines() {
        let mut parts = line.trim_end().split(':');
        let key = parts.next().unwrap_or("");
        let value = parts.next()?.trim();
        m.insert(key.to_string(), Value::String(value.to_string()));
    }
    Some(Value::Object(m))
}

fn get_load() -> Option<Value> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let f: Vec<&str> = text.split_whitespace().collect();
    let [one, five, fifteen, tasks, procs] = f.as_slice() else {
        return None;
    };
    let num = |s: &str| s.parse::<f64>().ok().map(Value::from);
    Some(serde_json::json!({
        "1m": num(one)?, "5m": num(five)?, "15m": num(fifteen)?,
        "tasks": tasks, "processes": procs.parse::<i64>().ok()?,
    }))
}

fn get_mounted() -> Option<Value> {
    let text = std::fs::read_to_string("/proc/mounts").ok()?;
    let mut mounts = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 6 {
            return None;
        }
        mounts.push(serde_json::json!({"device": f[0], "path": f[1]}));
    }
    Some(Value::Array(mounts))
}

fn get_sockstat() -> Option<Value> {
    let mut m = Map::new();
    let page = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096);
    if let Ok(text) = std::fs::read_to_string("/proc/net/sockstat") {
        for line in text.lines().filter(|l| l.starts_with("TCP: inuse")) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let int = |i: usize| f.get(i).and_then(|s| s.parse::<u64>().ok());
            m.insert("tcp_in_use".into(), Value::from(int(2)?));
            m.insert("orphan".into(), Value::from(int(4)?));
            m.insert("time_wait".into(), Value::from(int(6)?));
            m.insert(
                "tcp_mem_allocated_bytes".into(),
                Value::from(int(10)? * page),
            );
        }
    }
    if let Ok(text) = std::fs::read_to_string("/proc/net/sockstat6") {
        for line in text.lines().filter(|l| l.starts_with("TCP6: inuse")) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let v = f.get(2).and_then(|s| s.parse::<u64>().ok())?;
            m.insert("tcp6_in_use".into(), Value::from(v));
        }
    }
    Some(Value::Object(m))
}
