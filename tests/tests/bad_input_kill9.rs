//! Crash safety (issue 7): `kill -9` the server in the middle of 64-way object-update load,
//! restart it on the same files, and check Swift's promise: every row answered 201 is listed,
//! no row answered with an error is listed, and every DB passes `PRAGMA integrity_check`.
//! Prints the figures (rows acknowledged, rows found) for the closing note.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use swift_tests::{server_binary, server_conf_text, ServerOptions, TestServer};

/// Few containers, so each one's `.pending` file passes the commit size (131072 bytes) during
/// the load and the kill can land in a commit too.
const CONTAINERS: usize = 2;
const THREADS: usize = 64;

/// One request on a fresh connection; the status, or None when the connection broke.
fn send(port: u16, method: &str, path: &str, headers: &[(&str, String)]) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if matches!(method, "PUT" | "POST") {
        req.push_str("Content-Length: 0\r\n");
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).ok()?;
    let mut data = Vec::new();
    stream.read_to_end(&mut data).ok()?;
    let status = std::str::from_utf8(data.get(9..12)?).ok()?.parse().ok()?;
    let split = data.windows(4).position(|w| w == b"\r\n\r\n")?;
    Some((status, data[split + 4..].to_vec()))
}

fn put_row(port: u16, container: usize, name: &str, ts: f64) -> Option<u16> {
    send(
        port,
        "PUT",
        &format!("/sda1/0/a/c{container}/{name}"),
        &[
            ("X-Timestamp", format!("{ts:016.5}")),
            ("X-Size", "3".into()),
            ("X-Content-Type", "text/plain".into()),
            ("X-Etag", "900150983cd24fb0d6963f7d28e17f72".into()),
        ],
    )
    .map(|(s, _)| s)
}

/// All names listed in a container (following markers).
fn listed(port: u16, container: usize) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut marker = String::new();
    loop {
        let path = format!("/sda1/0/a/c{container}?format=json&marker={marker}");
        let (status, body) = send(port, "GET", &path, &[]).expect("listing after restart");
        assert!(status == 200 || status == 204, "listing status {status}");
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap_or_default();
        if rows.is_empty() {
            return names;
        }
        for row in &rows {
            names.insert(row["name"].as_str().unwrap_or_default().to_string());
        }
        marker = rows
            .last()
            .and_then(|r| r["name"].as_str())
            .unwrap_or_default()
            .to_string();
    }
}

fn db_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            db_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "db") {
            out.push(path);
        }
    }
}

/// The restarted server, on the first server's files.
struct Restarted(Child);
impl Drop for Restarted {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn restart(first: &TestServer) -> (Restarted, u16) {
    let etc = first.dir.path().join("etc");
    for _ in 0..5 {
        let port = swift_tests::free_port();
        let conf = etc.join("container-server.conf");
        std::fs::write(
            &conf,
            server_conf_text(port, &first.devices(), &etc, &ServerOptions::default()),
        )
        .expect("conf");
        let log = std::fs::File::create(first.dir.path().join("restart.log")).expect("log");
        let mut child = Command::new(server_binary())
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("restart");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if send(port, "GET", "/healthcheck", &[]).is_some_and(|(s, _)| s == 200) {
                return (Restarted(child), port);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("server did not restart");
}

#[test]
fn kill_9_under_load_loses_no_acknowledged_row() {
    let server = TestServer::start();
    let port = server.port;
    for c in 0..CONTAINERS {
        let status = send(
            port,
            "PUT",
            &format!("/sda1/0/a/c{c}"),
            &[("X-Timestamp", "0000000001.00000".into())],
        );
        assert_eq!(status.map(|s| s.0), Some(201), "create c{c}");
    }
    let acked = Arc::new(Mutex::new(Vec::<(usize, String)>::new()));
    let failed = Arc::new(Mutex::new(Vec::<(usize, String, u16)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (acked, failed, stop) = (acked.clone(), failed.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let c = (t + n as usize) % CONTAINERS;
                    let name = format!("t{t:02}-{n:06}");
                    let ts = 1_700_000_000.0 + (n as f64) * 0.001 + (t as f64) * 0.00001;
                    match put_row(port, c, &name, ts) {
                        Some(201) => acked.lock().map(|mut v| v.push((c, name))).unwrap_or(()),
                        Some(status) => failed
                            .lock()
                            .map(|mut v| v.push((c, name, status)))
                            .unwrap_or(()),
                        None => {} // in flight at the kill: either outcome is allowed
                    }
                    n += 1;
                }
            })
        })
        .collect();
    // Let the load build up, then kill -9 mid-flight.
    let start = Instant::now();
    while acked.lock().map(|v| v.len()).unwrap_or(0) < 3000
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on the PID of the server this test started.
    unsafe { libc::kill(server.pid() as i32, libc::SIGKILL) };
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.join();
    }
    let acked = acked.lock().map(|v| v.clone()).unwrap_or_default();
    let failed = failed.lock().map(|v| v.clone()).unwrap_or_default();

    let (restarted, port2) = restart(&server);
    let mut found = 0usize;
    let mut missing = Vec::new();
    let listings: Vec<BTreeSet<String>> = (0..CONTAINERS).map(|c| listed(port2, c)).collect();
    for (c, name) in &acked {
        if listings[*c].contains(name) {
            found += 1;
        } else {
            missing.push(format!("c{c}/{name}"));
        }
    }
    let half_written: Vec<_> = failed
        .iter()
        .filter(|(c, name, status)| *status >= 400 && listings[*c].contains(name))
        .collect();
    println!(
        "kill -9 under {THREADS}-way load: {} rows acknowledged, {found} found after restart, \
         {} answered with an error, {} listed in all",
        acked.len(),
        failed.len(),
        listings.iter().map(BTreeSet::len).sum::<usize>()
    );
    assert!(
        missing.is_empty(),
        "{} acknowledged rows lost: {:?}",
        missing.len(),
        &missing[..missing.len().min(20)]
    );
    assert!(
        half_written.is_empty(),
        "rows answered with an error but listed: {half_written:?}"
    );
    drop(restarted);

    let mut dbs = Vec::new();
    db_files(&server.devices(), &mut dbs);
    assert_eq!(dbs.len(), CONTAINERS, "DB files: {dbs:?}");
    for db in dbs {
        let conn = rusqlite::Connection::open(&db).expect("open db");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity_check");
        assert_eq!(check, "ok", "{}", db.display());
    }
}
