//! Shared by the fault tests: a server node whose files outlive its process (kill -9 it, start
//! it again on the same devices), concurrent object-update load that records what was
//! acknowledged, listings, and SQLite's own integrity check on every DB left on disk.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use swift_tests::{
    free_port, raw_request, server_binary, server_conf_text, write_swift_conf, HttpResponse,
    ServerOptions,
};

/// A container server on a temp dir that survives restarts: `etc/`, `node/<dev>`, `server.log`.
pub struct Node {
    pub dir: tempfile::TempDir,
    pub opts: ServerOptions,
    pub port: u16,
    child: Option<Child>,
}

impl Node {
    /// Writes the configs and starts the server.
    pub fn start(opts: ServerOptions) -> Node {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir etc");
        for dev in &opts.devices {
            std::fs::create_dir_all(dir.path().join("node").join(dev)).expect("mkdir device");
        }
        write_swift_conf(&dir.path().join("etc"));
        let mut node = Node {
            dir,
            opts,
            port: 0,
            child: None,
        };
        node.restart();
        node
    }

    pub fn devices(&self) -> PathBuf {
        self.dir.path().join("node")
    }

    pub fn conf_path(&self) -> PathBuf {
        self.dir.path().join("etc/container-server.conf")
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// Starts the server (again) on a fresh port, on the same files; waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "server still running");
        for _ in 0..5 {
            let port = free_port();
            let etc = self.dir.path().join("etc");
            let text = server_conf_text(port, &self.devices(), &etc, &self.opts);
            std::fs::write(self.conf_path(), text).expect("write conf");
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.path().join("server.log"))
                .expect("open log");
            let log2 = log.try_clone().expect("clone log");
            let mut child = Command::new(server_binary())
                .arg(self.conf_path())
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log2)
                .spawn()
                .expect("spawn swift-container-server");
            if wait_answering(&mut child, port) {
                self.port = port;
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("server did not start; log:\n{}", self.log());
    }

    /// SIGKILL, reaped.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends a signal to the running server.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the PID of our own unreaped child.
        unsafe { libc::kill(self.pid() as i32, sig) };
    }

    /// Waits up to `limit` for the server to exit; its exit code (None: signalled or timed out).
    pub fn wait_exit(&mut self, limit: Duration) -> Option<Option<i32>> {
        let start = Instant::now();
        let child = self.child.as_mut()?;
        while start.elapsed() < limit {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status.code());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
        raw_request(self.port, method, path, headers, b"")
    }

    /// `PUT /sda1/0/a/<container>`: 201.
    pub fn create_container(&self, container: &str) {
        let resp = self.request(
            "PUT",
            &format!("/sda1/0/a/{container}"),
            &[("X-Timestamp", &now_ts())],
        );
        assert_eq!(resp.status, 201, "create {container}: {}", resp.text());
    }

    /// Every object name listed in `container` (JSON listing, paged).
    pub fn listed_names(&self, container: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut marker = String::new();
        loop {
            let resp = self.request(
                "GET",
                &format!("/sda1/0/a/{container}?format=json&limit=10000&marker={marker}"),
                &[],
            );
            assert_eq!(resp.status, 200, "listing {container}: {}", resp.text());
            let rows = resp.json();
            let rows = rows.as_array().expect("listing array");
            if rows.is_empty() {
                return names;
            }
            for row in rows {
                let name = row["name"].as_str().expect("name").to_string();
                marker = name.clone();
                names.insert(name);
            }
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn wait_answering(child: &mut Child, port: u16) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// A fresh X-Timestamp (now, Swift's normalized form), strictly increasing within the process.
pub fn now_ts() -> String {
    static LAST: Mutex<f64> = Mutex::new(0.0);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let ts = if now > *last + 0.00001 {
        now
    } else {
        *last + 0.00001
    };
    *last = ts;
    format!("{ts:016.5}")
}

/// Sends one object update (PUT of a row) and says whether it was answered 201. A connection
/// error (the server died) is a plain `false`.
pub fn put_row(port: u16, container: &str, name: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let head = format!(
        "PUT /sda1/0/a/{container}/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         X-Timestamp: {}\r\nX-Size: {}\r\nX-Content-Type: text/plain\r\n\
         X-Etag: d41d8cd98f00b204e9800998ecf8427e\r\nX-Backend-Storage-Policy-Index: 0\r\n\
         Content-Length: 0\r\n\r\n",
        now_ts(),
        name.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let line = String::from_utf8_lossy(&raw);
    line.split(' ').nth(1)?.parse().ok()
}

/// A GET that tolerates a dying server: its status, or None on any connection error.
pub fn get_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    String::from_utf8_lossy(&raw)
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

/// What a load run saw: names answered 201, names answered anything else (or nothing).
#[derive(Default)]
pub struct LoadResult {
    pub acked: BTreeSet<String>,
    pub failed: BTreeSet<String>,
}

/// Runs `workers` threads sending object updates for `containers` (round robin) until `stop` is
/// set; names are `w<worker>-<n>`.
pub fn run_load(
    port: u16,
    containers: Vec<String>,
    workers: usize,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<LoadResult> {
    std::thread::spawn(move || {
        let result = Arc::new(Mutex::new(LoadResult::default()));
        let threads: Vec<_> = (0..workers)
            .map(|w| {
                let (stop, result, containers) = (stop.clone(), result.clone(), containers.clone());
                std::thread::spawn(move || {
                    let mut n = 0usize;
                    while !stop.load(Ordering::SeqCst) {
                        let container = &containers[(w + n) % containers.len()];
                        let name = format!("w{w}-{n}");
                        let status = put_row(port, container, &name);
                        let key = format!("{container}/{name}");
                        let mut r = result.lock().unwrap_or_else(|e| e.into_inner());
                        if status == Some(201) {
                            r.acked.insert(key);
                        } else {
                            r.failed.insert(key);
                        }
                        n += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("load thread");
        }
        let mut r = result.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *r)
    })
}

/// Every `*.db` file under `root`.
pub fn db_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "db") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// SQLite's `PRAGMA integrity_check` on `path`: "ok" when sound.
pub fn integrity_check(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).expect("open db");
    let rows: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_else(|e| vec![e.to_string()]);
    rows.join("; ")
}
