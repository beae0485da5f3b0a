//! The standalone `swift-container-updater` and `swift-container-auditor` binaries, run as
//! swift-init runs them (`CONF once`), on container DBs on disk:
//! - the updater's PUTs to fake account servers (tiny listeners recording the raw requests) are
//!   exactly the bytes Swift 2.38.3's Python updater sends for the same DBs and ring, the DBs
//!   remember what was reported, a second sweep sends nothing, failures leave the DB unreported,
//!   an all-404 answer quarantines the DB, and `container.recon` gets its sweep time;
//! - the updater against Swift's real Python account server makes the account listing show the
//!   containers' object counts and bytes;
//! - the auditor quarantines a corrupt DB to `<dev>/quarantined/containers/<hash>`, leaves the
//!   good ones alone and writes its recon key.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use swift_common::db::{ContainerBroker, ObjectRecord};
use swift_common::hash::{container_dir, hash_path, HashSalt};
use swift_common::timestamp::Timestamp;

const PREFIX: &str = "tasks-prefix";
const SUFFIX: &str = "tasks-suffix";

fn salt() -> HashSalt {
    HashSalt {
        prefix: PREFIX.into(),
        suffix: SUFFIX.into(),
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The venv with swift==2.38.3: `SWIFT_VENV`, or the one scripts/swift-venv.sh makes.
fn swift_venv() -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        if let Some(v) = std::env::var_os("SWIFT_VENV") {
            return PathBuf::from(v);
        }
        let out = Command::new(repo_root().join("scripts/swift-venv.sh"))
            .output()
            .expect("run scripts/swift-venv.sh");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
    .clone()
}

/// Our binary `name` from swift-sync, built once (cargo does not build another member's bins
/// for this crate's tests).
fn our_bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().expect("current_exe");
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps")
            .to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        // The variables cargo set for this test would enter build scripts' fingerprints
        // (rerun-if-env-changed=CARGO_MANIFEST_DIR...) and rebuild crates at every run.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("CARGO_PKG_")
                || k.starts_with("CARGO_MANIFEST_")
                || k.starts_with("CARGO_CRATE_")
                || k.starts_with("CARGO_BIN_")
                || k == "CARGO_PRIMARY_PACKAGE"
                || k == "CARGO_TARGET_TMPDIR"
                || k == "OUT_DIR"
            {
                cmd.env_remove(&key);
            }
        }
        cmd.args(["build", "--quiet", "-p", "swift-sync"]);
        cmd.args([
            "--bin",
            "swift-container-updater",
            "--bin",
            "swift-container-auditor",
        ]);
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        assert!(cmd.status().expect("cargo build").success());
        dir
    });
    dir.join(name)
}

/// A node: temp dir with swift.conf, devices/, recon/ and a conf file.
struct Node {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Node {
    fn new() -> Node {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().to_path_buf();
        for d in ["swift", "devices/sda", "recon"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::fs::write(
            root.join("swift/swift.conf"),
            format!(
                "[swift-hash]\nswift_hash_path_prefix = {PREFIX}\nswift_hash_path_suffix = {SUFFIX}\n\n\
                 [storage-policy:0]\nname = gold\ndefault = yes\n"
            ),
        )
        .expect("swift.conf");
        Node { _tmp: tmp, root }
    }
    fn swift_dir(&self) -> PathBuf {
        self.root.join("swift")
    }
    fn devices(&self) -> PathBuf {
        self.root.join("devices")
    }
    fn recon(&self) -> Value {
        let text = std::fs::read_to_string(self.root.join("recon/container.recon"))
            .expect("container.recon written");
        serde_json::from_str(&text).expect("recon JSON")
    }
    /// A conf file for the daemons, with `extra` lines in each task section.
    fn conf(&self, extra: &str) -> PathBuf {
        let path = self.root.join("container-server.conf");
        let text = format!(
            "[DEFAULT]\ndevices = {}\nmount_check = false\nswift_dir = {}\nlog_level = DEBUG\n\n\
             [app:container-server]\nuse = egg:swift#container\n\n\
             [container-updater]\nrecon_cache_path = {recon}\n{extra}\n\n\
             [container-auditor]\nrecon_cache_path = {recon}\n{extra}\n",
            self.devices().display(),
            self.swift_dir().display(),
            recon = self.root.join("recon").display(),
        );
        std::fs::write(&path, text).expect("write conf");
        path
    }
    /// Creates `/account/container` on sda (put at `put_ts`) holding `objects` (name, size).
    fn container(
        &self,
        account: &str,
        container: &str,
        put_ts: &str,
        objects: &[(&str, i64)],
    ) -> PathBuf {
        let hash = hash_path(&salt(), account, Some(container), None);
        let dir = container_dir(&self.devices(), "sda", 7, &hash);
        std::fs::create_dir_all(&dir).expect("mkdir db dir");
        let b = ContainerBroker::new(
            &dir,
            account,
            container,
            Duration::from_secs(5),
            Duration::from_secs(5),
        );
        b.initialize(&Timestamp::parse(put_ts).expect("ts"), 0)
            .expect("initialize");
        for (i, (name, size)) in objects.iter().enumerate() {
            b.put_object(&ObjectRecord {
                name: name.to_string(),
                created_at: format!("1700000000.{:05}", i + 1),
                size: *size,
                content_type: "text/plain".into(),
                etag: "d41d8cd98f00b204e9800998ecf8427e".into(),
                deleted: false,
                storage_policy_index: 0,
                ctype_timestamp: None,
                meta_timestamp: None,
            })
            .expect("put_object");
        }
        b.commit_pending().expect("commit");
        dir
    }
}

fn info(dir: &Path) -> swift_common::db::ContainerInfo {
    ContainerBroker::new(dir, "", "", Duration::from_secs(5), Duration::from_secs(5))
        .get_info()
        .expect("get_info")
}

/// Runs one of Swift's Python programs (`module.main()`, e.g. `swift.container.updater`) with
/// `args`, reading swift.conf from `swift_dir` instead of /etc/swift, as the current user.
fn python(swift_dir: &Path, module: &str, args: &[&Path]) -> Command {
    let mut cmd = Command::new(swift_venv().join("bin/python"));
    cmd.arg("-c")
        .arg(
            "import sys, importlib\n\
             from swift.common import utils\n\
             utils.set_swift_dir(sys.argv[1])\n\
             utils.drop_privileges = lambda *a, **kw: None\n\
             mod = importlib.import_module(sys.argv[2])\n\
             sys.argv = [sys.argv[2]] + sys.argv[3:]\n\
             sys.exit(mod.main())\n",
        )
        .arg(swift_dir)
        .arg(module)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    cmd
}

/// Runs `program conf once verbose` to completion; returns its output.
fn run_once(program: &Path, conf: &Path) -> String {
    run_to_end(Command::new(program).arg(conf).arg("once").arg("verbose"))
}

/// Runs Swift's Python daemon `module` with `conf once verbose` to completion.
fn run_python_once(swift_dir: &Path, module: &str, conf: &Path) -> String {
    let (once, verbose) = (Path::new("once"), Path::new("verbose"));
    run_to_end(&mut python(swift_dir, module, &[conf, once, verbose]))
}

fn run_to_end(cmd: &mut Command) -> String {
    let program = format!("{cmd:?}");
    let out = cmd.stdin(Stdio::null()).output().expect("run daemon");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} failed: {text}");
    text
}

/// A fake account server: answers every request with `status` and records the raw request.
struct FakeAccount {
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    status: Arc<Mutex<u16>>,
}

impl FakeAccount {
    fn start(status: u16) -> FakeAccount {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(Mutex::new(status));
        let (reqs, st) = (requests.clone(), status.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut raw = String::new();
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    raw.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                reqs.lock().unwrap().push(raw);
                let code = *st.lock().unwrap();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                );
            }
        });
        FakeAccount {
            port,
            requests,
            status,
        }
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
    fn set_status(&self, code: u16) {
        *self.status.lock().unwrap() = code;
    }
}

/// Writes `account.ring.gz` with one device per port (`sd<i>` on 127.0.0.1), one replica each.
fn account_ring(swift_dir: &Path, ports: &[u16]) {
    let builder = swift_dir.join("account.builder");
    let rb = |args: &[&str]| {
        let out = Command::new(swift_venv().join("bin/swift-ring-builder"))
            .arg(&builder)
            .args(args)
            .output()
            .expect("swift-ring-builder");
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "swift-ring-builder {args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    rb(&["create", "4", &ports.len().to_string(), "0"]);
    for (i, port) in ports.iter().enumerate() {
        rb(&[
            "add",
            &format!("r1z{}-127.0.0.1:{port}/sd{i}", i + 1),
            "100",
        ]);
    }
    rb(&["rebalance"]);
}

/// The request lines of one account server, sorted, with the pid in the user agent removed.
fn normalized(reqs: Vec<String>) -> Vec<String> {
    let mut v: Vec<String> = reqs
        .into_iter()
        .map(|r| {
            r.lines()
                .map(|l| match l.strip_prefix("user-agent: container-updater ") {
                    Some(_) => "user-agent: container-updater PID".to_string(),
                    None => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\r\n")
        })
        .collect();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    let st = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(st.success());
}

#[test]
fn updater_sends_what_swift_sends_and_records_it() {
    let node = Node::new();
    let servers: Vec<FakeAccount> = (0..3).map(|_| FakeAccount::start(201)).collect();
    account_ring(
        &node.swift_dir(),
        &servers.iter().map(|s| s.port).collect::<Vec<_>>(),
    );
    let c1 = node.container(
        "AUTH_test",
        "c1",
        "1700000000.00000",
        &[("o1", 10), ("o2", 20)],
    );
    let c2 = node.container("AUTH_test", "caf\u{e9} two", "1700000001.00000", &[]);
    let auto = node.container("AUTH_other", "auto", "0", &[("x", 5)]);
    let conf = node.conf("");

    // Swift's Python updater on a copy of the same DBs: the reference requests.
    let pristine = node.root.join("devices.pristine");
    copy_dir(&node.devices(), &pristine);
    run_python_once(&node.swift_dir(), "swift.container.updater", &conf);
    let python: Vec<Vec<String>> = servers.iter().map(|s| normalized(s.take())).collect();
    std::fs::remove_dir_all(node.devices()).unwrap();
    std::fs::rename(&pristine, node.devices()).unwrap();

    let log = run_once(&our_bin("swift-container-updater"), &conf);
    let ours: Vec<Vec<String>> = servers.iter().map(|s| normalized(s.take())).collect();
    assert_eq!(ours, python, "log: {log}");

    // And what that is, spelled out for one server.
    let ring = swift_ring::Ring::load(node.swift_dir().join("account.ring.gz"), salt()).unwrap();
    let (part, devs) = ring.get_nodes("AUTH_test", None, None);
    let idx = servers.iter().position(|s| s.port == devs[0].port).unwrap();
    assert_eq!(
        ours[idx],
        vec![
            format!(
                "PUT /{}/{part}/AUTH_test/c1 HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
                 Accept-Encoding: identity\r\nX-Put-Timestamp: 1700000000.00000\r\n\
                 X-Delete-Timestamp: 0\r\nX-Object-Count: 2\r\nX-Bytes-Used: 30\r\n\
                 X-Account-Override-Deleted: yes\r\nX-Backend-Storage-Policy-Index: 0\r\n\
                 user-agent: container-updater PID\r\n",
                devs[0].device, devs[0].port
            ),
            format!(
                "PUT /{}/{part}/AUTH_test/caf%C3%A9%20two HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
                 Accept-Encoding: identity\r\nX-Put-Timestamp: 1700000001.00000\r\n\
                 X-Delete-Timestamp: 0\r\nX-Object-Count: 0\r\nX-Bytes-Used: 0\r\n\
                 X-Account-Override-Deleted: yes\r\nX-Backend-Storage-Policy-Index: 0\r\n\
                 user-agent: container-updater PID\r\n",
                devs[0].device, devs[0].port
            ),
        ]
    );
    assert!(
        log.contains("2 successes, 0 failures, 0 with no changes"),
        "{log}"
    );

    let i1 = info(&c1);
    assert_eq!(
        (
            i1.reported_put_timestamp.as_str(),
            i1.reported_delete_timestamp.as_str(),
            i1.reported_object_count,
            i1.reported_bytes_used
        ),
        ("1700000000.00000", "0", 2, 30)
    );
    assert_eq!(info(&c2).reported_put_timestamp, "1700000001.00000");
    assert_eq!(
        info(&auto).reported_object_count,
        0,
        "auto-created is not reported"
    );
    let sweep = node.recon()["container_updater_sweep"].as_f64();
    assert!(sweep.is_some_and(|s| s >= 0.0), "{:?}", node.recon());

    // Nothing changed: a second sweep sends nothing.
    let log = run_once(&our_bin("swift-container-updater"), &conf);
    assert!(servers.iter().all(|s| s.take().is_empty()), "{log}");
    assert!(
        log.contains("0 successes, 0 failures, 2 with no changes"),
        "{log}"
    );

    // One success of three is no majority: not recorded, counted as a failure.
    node.container("AUTH_test", "c1", "1700000000.00000", &[("o3", 5)]);
    for (i, s) in servers.iter().enumerate() {
        s.set_status(if i == 0 { 201 } else { 503 });
    }
    let log = run_once(&our_bin("swift-container-updater"), &conf);
    assert!(
        log.contains("0 successes, 1 failures, 1 with no changes"),
        "{log}"
    );
    assert_eq!(info(&c1).reported_object_count, 2);

    // Every account server says 404: the container has no account; the DB is quarantined.
    for s in &servers {
        s.set_status(404);
        s.take();
    }
    let log = run_once(&our_bin("swift-container-updater"), &conf);
    assert!(
        log.contains("0 successes, 1 failures, 1 with no changes"),
        "{log}"
    );
    let hash = c1.file_name().unwrap().to_str().unwrap().to_string();
    let q = node
        .devices()
        .join("sda/quarantined/containers")
        .join(&hash);
    assert!(
        q.join(format!("{hash}.db")).is_file() && !c1.exists(),
        "{log}"
    );
}

#[test]
fn updater_fills_python_account_listing() {
    let node = Node::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    std::fs::create_dir_all(node.root.join("adevices/sd0")).unwrap();
    account_ring(&node.swift_dir(), &[port]);
    let aconf = node.root.join("account-server.conf");
    std::fs::write(
        &aconf,
        format!(
            "[DEFAULT]\ndevices = {}\nmount_check = false\nswift_dir = {}\nbind_ip = 127.0.0.1\n\
             bind_port = {port}\nworkers = 0\n\n[pipeline:main]\npipeline = account-server\n\n\
             [app:account-server]\nuse = egg:swift#account\n",
            node.root.join("adevices").display(),
            node.swift_dir().display()
        ),
    )
    .unwrap();
    let mut account = python(&node.swift_dir(), "swift.account.server", &[&aconf])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Python account server");
    let ring = swift_ring::Ring::load(node.swift_dir().join("account.ring.gz"), salt()).unwrap();
    let (part, _) = ring.get_nodes("AUTH_test", None, None);
    let url = format!("http://127.0.0.1:{port}/sd0/{part}/AUTH_test");
    let deadline = Instant::now() + Duration::from_secs(30);
    let created = loop {
        match ureq::put(&url)
            .set("X-Timestamp", "1690000000.00000")
            .call()
        {
            Ok(r) => break r.status(),
            Err(ureq::Error::Status(code, _)) => break code,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => panic!("account server not up: {e}"),
        }
    };
    assert_eq!(created, 201);

    node.container(
        "AUTH_test",
        "photos",
        "1700000000.00000",
        &[("a", 100), ("b", 23)],
    );
    node.container("AUTH_test", "docs", "1700000001.00000", &[("x", 7)]);
    let conf = node.conf("");
    let log = run_once(&our_bin("swift-container-updater"), &conf);
    let listing = ureq::get(&format!("{url}?format=json")).call();
    let _ = account.kill();
    let _ = account.wait();
    let listing: Value =
        serde_json::from_str(&listing.expect("listing").into_string().expect("body"))
            .expect("json");
    let rows: Vec<(String, i64, i64)> = listing
        .as_array()
        .expect("array")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["count"].as_i64().unwrap(),
                c["bytes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("docs".to_string(), 1, 7), ("photos".to_string(), 2, 123)],
        "{log}"
    );
}

#[test]
fn auditor_quarantines_corrupt_db_and_writes_recon() {
    let node = Node::new();
    let good = node.container("AUTH_test", "good", "1700000000.00000", &[("o", 1)]);
    let bad = node.container("AUTH_test", "bad", "1700000000.00000", &[("o", 1)]);
    let bad_hash = bad.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::write(bad.join(format!("{bad_hash}.db")), vec![b'x'; 4096]).unwrap();
    let conf = node.conf("");
    let log = run_once(&our_bin("swift-container-auditor"), &conf);

    let q = node
        .devices()
        .join("sda/quarantined/containers")
        .join(&bad_hash);
    assert!(q.join(format!("{bad_hash}.db")).is_file(), "{log}");
    assert!(!bad.exists());
    assert_eq!(info(&good).object_count, 1);
    assert!(
        log.contains("Container audit \"once\" mode completed"),
        "{log}"
    );
    let recon = node.recon();
    assert!(
        recon["container_auditor_pass_completed"]
            .as_f64()
            .is_some_and(|t| t >= 0.0),
        "{recon}"
    );
    // Swift's auditor on the same node now finds nothing to quarantine either.
    let py = run_python_once(&node.swift_dir(), "swift.container.auditor", &conf);
    assert!(
        good.join(format!(
            "{}.db",
            good.file_name().unwrap().to_str().unwrap()
        ))
        .is_file(),
        "{py}"
    );
}

#[test]
fn in_process_tasks_run_on_their_interval_through_the_shared_cache() {
    let node = Node::new();
    let servers: Vec<FakeAccount> = (0..3).map(|_| FakeAccount::start(202)).collect();
    account_ring(
        &node.swift_dir(),
        &servers.iter().map(|s| s.port).collect::<Vec<_>>(),
    );
    let c1 = node.container("AUTH_test", "c1", "1700000000.00000", &[("o1", 10)]);
    let bad = node.container("AUTH_test", "bad", "1700000000.00000", &[]);
    let bad_hash = bad.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::write(bad.join(format!("{bad_hash}.db")), vec![b'x'; 4096]).unwrap();

    // Turned off: nothing starts.
    let off = swift_common::config::ConfFile::load(&node.conf("in_process = false")).unwrap();
    let cache = Arc::new(swift_common::db::BrokerCache::default());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let none = rt.block_on(async { swift_sync::start_in_process(&off, cache.clone()) });
    assert!(none.is_empty());

    let on = swift_common::config::ConfFile::load(&node.conf("interval = 0.5")).unwrap();
    let handles = rt.block_on(async { swift_sync::start_in_process(&on, cache.clone()) });
    assert_eq!(handles.len(), 2, "updater and auditor");
    let deadline = Instant::now() + Duration::from_secs(60);
    let quarantined = node
        .devices()
        .join("sda/quarantined/containers")
        .join(&bad_hash);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        seen.extend(servers[0].take());
        let reported = info(&c1).reported_object_count == 1;
        let recon = std::fs::read_to_string(node.root.join("recon/container.recon"));
        let both = recon.is_ok_and(|r| r.contains("container_auditor_pass_completed"));
        if reported && both && quarantined.is_dir() && !seen.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(quarantined.is_dir(), "auditor quarantined the corrupt DB");
    assert_eq!(info(&c1).reported_object_count, 1);
    assert!(
        seen[0].contains("/AUTH_test/c1 HTTP/1.1\r\n") && seen[0].contains("X-Object-Count: 1\r\n"),
        "{seen:?}"
    );
    let recon = node.recon();
    assert!(recon["container_updater_sweep"].is_number(), "{recon}");
    assert!(
        recon["container_auditor_pass_completed"].is_number(),
        "{recon}"
    );
    rt.shutdown_background();
}
