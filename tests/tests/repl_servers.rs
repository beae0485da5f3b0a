//! Replication between real servers: our `swift-container-server`s answering REPLICATE, our
//! `swift-container-replicator CONF once` pushing between them (whole DBs through rsync, then
//! row diffs), and both directions with Swift 2.38.3's own Python replicator and server.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::{json, Value};
use swift_common::hash::{hash_path, HashSalt};
use swift_ring::Ring;
use swift_tests::{
    free_port, raw_request, server_conf_text, swift_venv, write_swift_conf, HttpResponse,
    ServerOptions, TestServer, HASH_PREFIX, HASH_SUFFIX,
};

fn salt() -> HashSalt {
    HashSalt {
        prefix: HASH_PREFIX.into(),
        suffix: HASH_SUFFIX.into(),
    }
}

/// Something serving container requests on 127.0.0.1: ours or Swift's.
trait Node {
    fn port(&self) -> u16;
    fn root(&self) -> &Path;
    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8])
        -> HttpResponse;
    fn devices(&self) -> PathBuf {
        self.root().join("node")
    }
    fn etc(&self) -> PathBuf {
        self.root().join("etc")
    }
}

impl Node for TestServer {
    fn port(&self) -> u16 {
        self.port
    }
    fn root(&self) -> &Path {
        self.dir.path()
    }
    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        self.request(method, path, headers, body)
    }
}

/// Swift 2.38.3's own container server from the venv, on the same kind of config as ours.
struct PythonServer {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl PythonServer {
    fn start() -> PythonServer {
        let venv = swift_venv().expect("Swift venv (set SWIFT_VENV or run scripts/swift-venv.sh)");
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        let node = dir.path().join("node");
        std::fs::create_dir_all(node.join("sda1")).expect("mkdir device");
        std::fs::create_dir_all(&etc).expect("mkdir etc");
        write_swift_conf(&etc);
        let port = free_port();
        let conf = etc.join("container-server.conf");
        let text = server_conf_text(port, &node, &etc, &ServerOptions::default())
            .replace("workers = 1", "workers = 0");
        std::fs::write(&conf, text).expect("write conf");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log");
        let code = "import sys\n\
import swift.common.utils as u\n\
u.SWIFT_CONF_FILE = sys.argv[1] + '/swift.conf'\n\
u.validate_configuration()\n\
from swift.common.storage_policy import reload_storage_policies\n\
reload_storage_policies()\n\
from swift.common.wsgi import run_wsgi\n\
sys.exit(run_wsgi(sys.argv[2], 'container-server', verbose=True))\n";
        let child = Command::new(venv.join("bin/python"))
            .args(["-c", code])
            .arg(&etc)
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn Swift's container server");
        let server = PythonServer { child, port, dir };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "Swift's container server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Node for PythonServer {
    fn port(&self) -> u16 {
        self.port
    }
    fn root(&self) -> &Path {
        self.dir.path()
    }
    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        raw_request(self.port, method, path, headers, body)
    }
}

/// A v1 ring where every partition has one replica on each node's `sda1` (ids in `nodes` order).
fn write_ring(nodes: &[&dyn Node]) {
    let devs: Vec<Value> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({"id": i, "region": 1, "zone": i + 1, "ip": "127.0.0.1", "port": n.port(),
                   "replication_ip": "127.0.0.1", "replication_port": n.port(),
                   "device": "sda1", "weight": 1.0, "meta": ""})
        })
        .collect();
    let header = json!({"byteorder": "little", "devs": devs, "part_shift": 30,
                        "replica_count": nodes.len()})
    .to_string();
    let mut raw = b"R1NG\x00\x01".to_vec();
    raw.extend((header.len() as u32).to_be_bytes());
    raw.extend(header.as_bytes());
    for id in 0..nodes.len() as u16 {
        for _ in 0..4 {
            raw.extend(id.to_le_bytes());
        }
    }
    for n in nodes {
        let file = std::fs::File::create(n.etc().join("container.ring.gz")).expect("ring file");
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(&raw).expect("write ring");
        gz.finish().expect("finish ring");
    }
}

/// A replicator conf for `node`, pushing whole DBs into `peer`'s devices dir (a local path
/// as the rsync module, so no rsync daemon is needed).
fn replicator_conf(node: &dyn Node, peer: &dyn Node) -> PathBuf {
    replicator_conf_with(node, peer, 3)
}

/// As [`replicator_conf`] with `per_diff` rows per merge_items (and the rsync_then_merge threshold).
fn replicator_conf_with(node: &dyn Node, peer: &dyn Node, per_diff: usize) -> PathBuf {
    let path = node.etc().join("replicator.conf");
    let text = format!(
        "[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = {}\ndevices = {}\nmount_check = false\n\
         swift_dir = {}\n\n[container-replicator]\nrsync_module = {}\nrecon_cache_path = {}\n\
         per_diff = {}\nuser = {}\n",
        node.port(),
        node.devices().display(),
        node.etc().display(),
        peer.devices().display(),
        node.etc().display(),
        per_diff,
        current_user()
    );
    std::fs::write(&path, text).expect("write replicator conf");
    path
}

/// The name of the user running the tests (Swift's daemons switch to `user`).
fn current_user() -> String {
    // SAFETY: getpwuid returns a pointer into static storage or null; read it at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() {
            return "root".into();
        }
        std::ffi::CStr::from_ptr((*pw).pw_name)
            .to_string_lossy()
            .into_owned()
    }
}

/// Our `swift-container-replicator`, built once like the harness builds the server.
fn replicator_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("current_exe");
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target dir")
            .to_path_buf();
        let bin = dir.join("swift-container-replicator");
        if !bin.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.args([
                "build",
                "--quiet",
                "-p",
                "swift-sync",
                "--bin",
                "swift-container-replicator",
            ]);
            for (key, _) in std::env::vars_os() {
                let key = key.to_string_lossy().into_owned();
                if key.starts_with("CARGO_PKG_")
                    || matches!(
                        key.as_str(),
                        "CARGO_MANIFEST_DIR"
                            | "CARGO_MANIFEST_PATH"
                            | "CARGO_CRATE_NAME"
                            | "CARGO_PRIMARY_PACKAGE"
                            | "CARGO_TARGET_TMPDIR"
                            | "OUT_DIR"
                    )
                {
                    cmd.env_remove(&key);
                }
            }
            if dir.file_name().is_some_and(|n| n == "release") {
                cmd.arg("--release");
            }
            assert!(
                cmd.status().expect("cargo build").success(),
                "building swift-container-replicator failed"
            );
        }
        bin
    })
    .clone()
}

fn run_our_replicator(conf: &Path) {
    let out = Command::new(replicator_binary())
        .arg(conf)
        .arg("once")
        .arg("verbose")
        .stdin(Stdio::null())
        .output()
        .expect("run swift-container-replicator");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "replicator failed: {log}");
    eprintln!("{log}");
}

/// Runs Swift's own replicator once on `conf` (its swift.conf read from `etc`).
fn run_python_replicator(etc: &Path, conf: &Path) {
    let venv = swift_venv().expect("Swift venv (set SWIFT_VENV or run scripts/swift-venv.sh)");
    let code = "import sys\n\
import swift.common.utils as u\n\
u.SWIFT_CONF_FILE = sys.argv[1] + '/swift.conf'\n\
u.validate_configuration()\n\
from swift.common.storage_policy import reload_storage_policies\n\
reload_storage_policies()\n\
from swift.common.daemon import run_daemon\n\
from swift.container.replicator import ContainerReplicator\n\
run_daemon(ContainerReplicator, sys.argv[2], once=True, verbose=True)\n";
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", code])
        .arg(etc)
        .arg(conf)
        .output()
        .expect("run Swift's replicator");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "Swift's replicator failed: {log}");
    eprintln!("{log}{}", String::from_utf8_lossy(&out.stdout));
}

fn part_of(node: &dyn Node, container: &str) -> u64 {
    Ring::load(node.etc().join("container.ring.gz"), salt())
        .expect("ring")
        .get_part("AUTH_test", Some(container), None)
}

/// Timestamps of this test run: recent, so tombstones are not reclaimed as too old.
fn ts(n: u64) -> String {
    static BASE: OnceLock<u64> = OnceLock::new();
    let base = BASE.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() - 1000)
            .unwrap_or(1_700_000_000)
    });
    format!("{}.00000", base + n)
}

fn put_container(node: &dyn Node, part: u64, container: &str) {
    let r = node.send(
        "PUT",
        &format!("/sda1/{part}/AUTH_test/{container}"),
        &[("X-Timestamp", &ts(1))],
        b"",
    );
    assert!(
        matches!(r.status, 201 | 202),
        "PUT container: {} {}",
        r.status,
        r.text()
    );
}

fn put_object(node: &dyn Node, part: u64, container: &str, name: &str, n: u64) {
    let size = (n * 10).to_string();
    let r = node.send(
        "PUT",
        &format!("/sda1/{part}/AUTH_test/{container}/{name}"),
        &[
            ("X-Timestamp", &ts(10 + n)),
            ("X-Size", &size),
            ("X-Content-Type", "text/plain"),
            ("X-Etag", "d41d8cd98f00b204e9800998ecf8427e"),
        ],
        b"",
    );
    assert_eq!(r.status, 201, "PUT object {name}: {}", r.text());
}

fn delete_object(node: &dyn Node, part: u64, container: &str, name: &str, n: u64) {
    let r = node.send(
        "DELETE",
        &format!("/sda1/{part}/AUTH_test/{container}/{name}"),
        &[("X-Timestamp", &ts(100 + n))],
        b"",
    );
    assert_eq!(r.status, 204, "DELETE object {name}: {}", r.text());
}

fn listing(node: &dyn Node, part: u64, container: &str) -> Value {
    let r = node.send(
        "GET",
        &format!("/sda1/{part}/AUTH_test/{container}?format=json"),
        &[],
        b"",
    );
    assert_eq!(r.status, 200, "GET listing: {}", r.text());
    r.json()
}

fn object_count(node: &dyn Node, part: u64, container: &str) -> Option<String> {
    let r = node.send(
        "HEAD",
        &format!("/sda1/{part}/AUTH_test/{container}"),
        &[],
        b"",
    );
    r.header("X-Container-Object-Count").map(str::to_string)
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("listing")
        .iter()
        .map(|o| o["name"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn our_replicator_pushes_whole_dbs_then_diffs_between_our_servers() {
    let a = TestServer::start_with(ServerOptions::default());
    let b = TestServer::start_with(ServerOptions::default());
    write_ring(&[&a, &b]);
    let part = part_of(&a, "c");
    put_container(&a, part, "c");
    for i in 0..5 {
        put_object(&a, part, "c", &format!("o{i}"), i);
    }
    assert_eq!(
        b.send("HEAD", &format!("/sda1/{part}/AUTH_test/c"), &[], b"")
            .status,
        404
    );

    // B has no DB: the whole file goes over rsync, then complete_rsync.
    run_our_replicator(&replicator_conf(&a, &b));
    assert_eq!(listing(&b, part, "c"), listing(&a, part, "c"));
    assert_eq!(object_count(&b, part, "c").as_deref(), Some("5"));

    // New rows and a delete go as merge_items diffs.
    for i in 5..12 {
        put_object(&a, part, "c", &format!("o{i}"), i);
    }
    delete_object(&a, part, "c", "o0", 0);
    run_our_replicator(&replicator_conf(&a, &b));
    assert_eq!(listing(&b, part, "c"), listing(&a, part, "c"));
    assert_eq!(names(&listing(&b, part, "c")).len(), 11);

    // Rows written only on B come back the other way.
    put_object(&b, part, "c", "from-b", 50);
    run_our_replicator(&replicator_conf(&b, &a));
    assert_eq!(listing(&a, part, "c"), listing(&b, part, "c"));
    assert!(names(&listing(&a, part, "c")).contains(&"from-b".to_string()));

    let recon: Value = serde_json::from_str(
        &std::fs::read_to_string(b.etc().join("container.recon")).expect("recon"),
    )
    .expect("recon json");
    assert_eq!(recon["replication_stats"]["diff"], json!(1));
}

fn replicate(node: &dyn Node, part: u64, hash: &str, body: &str) -> HttpResponse {
    node.send(
        "REPLICATE",
        &format!("/sda1/{part}/{hash}"),
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

#[test]
fn replicate_ops_on_the_real_server() {
    let a = TestServer::start_with(ServerOptions::default());
    write_ring(&[&a]);
    let part = part_of(&a, "r");
    let hash = hash_path(&salt(), "AUTH_test", Some("r"), None);
    let r = replicate(
        &a,
        part,
        &hash,
        r#"["sync", 1, "h", "id", "1", "1", "0", ""]"#,
    );
    assert_eq!(r.status, 404);
    assert!(a.devices().join("sda1/tmp").is_dir());
    assert_eq!(replicate(&a, part, &hash, "not json").status, 400);

    put_container(&a, part, "r");
    let r = replicate(&a, part, &hash, r#"{"a": 1}"#);
    assert_eq!(
        (r.status, r.text()),
        (400, "Invalid object type".to_string())
    );
    assert_eq!(replicate(&a, part, &hash, r#"["no_such_op"]"#).status, 400);

    let r = replicate(
        &a,
        part,
        &hash,
        &format!(r#"["sync", 7, "x", "peer", "{0}", "{0}", "0", ""]"#, ts(1)),
    );
    assert_eq!(r.status, 200);
    let info = r.json();
    assert_eq!(info["account"], json!("AUTH_test"));
    assert_eq!(info["container"], json!("r"));
    assert_eq!(
        (
            info["count"].clone(),
            info["max_row"].clone(),
            info["point"].clone()
        ),
        (json!(0), json!(-1), json!(-1))
    );
    assert_eq!(info["db_state"], json!("unsharded"));
    assert_eq!(info["shard_max_row"], json!(-1));
    assert_eq!(info["put_timestamp"], json!(ts(1)));

    let rows = json!([
        {"ROWID": 4, "name": "x1", "created_at": ts(5), "size": 3, "content_type": "text/plain",
         "etag": "e1", "deleted": 0, "storage_policy_index": 0},
        {"ROWID": 6, "name": "x2", "created_at": ts(6), "size": 4, "content_type": "text/plain",
         "etag": "e2", "deleted": 0, "storage_policy_index": 0}
    ]);
    let r = replicate(
        &a,
        part,
        &hash,
        &json!(["merge_items", rows, "peer"]).to_string(),
    );
    assert_eq!(r.status, 202);
    assert_eq!(names(&listing(&a, part, "r")), vec!["x1", "x2"]);
    let again = replicate(
        &a,
        part,
        &hash,
        &format!(r#"["sync", 7, "x", "peer", "{0}", "{0}", "0", ""]"#, ts(1)),
    );
    assert_eq!(
        again.json()["point"],
        json!(6),
        "incoming sync point from merge_items"
    );

    let r = replicate(
        &a,
        part,
        &hash,
        r#"["merge_syncs", [{"remote_id": "other", "sync_point": 9}]]"#,
    );
    assert_eq!(r.status, 202);
    let r = replicate(&a, part, &hash, r#"["get_shard_ranges"]"#);
    assert_eq!((r.status, r.text()), (200, "[]".to_string()));
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    let sr = json!({"name": ".shards_AUTH_test/r-1", "timestamp": ts(3), "lower": "", "upper": "",
        "object_count": 0, "bytes_used": 0, "meta_timestamp": ts(3), "deleted": 0, "state": 10,
        "state_timestamp": ts(3), "epoch": null, "reported": 0, "tombstones": -1});
    let r = replicate(
        &a,
        part,
        &hash,
        &json!(["merge_shard_ranges", [sr.clone()], "peer"]).to_string(),
    );
    assert_eq!(r.status, 202);
    assert_eq!(
        replicate(&a, part, &hash, r#"["get_shard_ranges"]"#).json(),
        json!([sr])
    );
    assert_eq!(
        replicate(&a, part, &hash, r#"["complete_rsync", "nothing-there"]"#).status,
        404
    );
    assert_eq!(
        replicate(&a, part, &hash, r#"["rsync_then_merge", "nothing-there"]"#).status,
        404
    );
}

#[test]
fn swift_replicator_pushes_diffs_to_our_server() {
    let a = TestServer::start_with(ServerOptions::default());
    let b = TestServer::start_with(ServerOptions::default());
    write_ring(&[&a, &b]);
    let part = part_of(&a, "py");
    put_container(&a, part, "py");
    put_container(&b, part, "py");
    for i in 0..7 {
        put_object(&a, part, "py", &format!("p{i}"), i);
    }
    // Swift's rsync needs a daemon (--contimeout); with per_diff 1000 it sends row diffs.
    run_python_replicator(&a.etc(), &replicator_conf_with(&a, &b, 1000));
    assert_eq!(listing(&b, part, "py"), listing(&a, part, "py"));
    assert_eq!(object_count(&b, part, "py").as_deref(), Some("7"));
}

#[test]
fn our_replicator_pushes_to_swift_servers() {
    let a = TestServer::start_with(ServerOptions::default());
    let py = PythonServer::start();
    write_ring(&[&a, &py]);
    let part = part_of(&a, "tp");
    put_container(&a, part, "tp");
    for i in 0..4 {
        put_object(&a, part, "tp", &format!("t{i}"), i);
    }
    // Swift's server has no DB: rsync, then its complete_rsync adopts ours.
    run_our_replicator(&replicator_conf(&a, &py));
    assert_eq!(listing(&py, part, "tp"), listing(&a, part, "tp"));
    // Then diffs, answered by Swift's merge_items.
    put_object(&a, part, "tp", "t-late", 9);
    run_our_replicator(&replicator_conf(&a, &py));
    assert_eq!(listing(&py, part, "tp"), listing(&a, part, "tp"));
    assert_eq!(object_count(&py, part, "tp").as_deref(), Some("5"));
}

/// An rsync daemon on 127.0.0.1 serving `devices` as module `container`; killed when dropped.
struct RsyncDaemon {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl RsyncDaemon {
    fn start(devices: &Path) -> RsyncDaemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        // SAFETY: plain getters of this process's ids.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let conf = dir.path().join("rsyncd.conf");
        std::fs::write(
            &conf,
            format!(
                "use chroot = no\nuid = {uid}\ngid = {gid}\n[container]\npath = {}\nread only = false\n",
                devices.display()
            ),
        )
        .expect("write rsyncd.conf");
        let child = Command::new("rsync")
            .args(["--daemon", "--no-detach", "--address=127.0.0.1"])
            .arg(format!("--port={port}"))
            .arg(format!("--config={}", conf.display()))
            .arg(format!(
                "--log-file={}",
                dir.path().join("rsyncd.log").display()
            ))
            .stdin(Stdio::null())
            .spawn()
            .expect("start rsync --daemon");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "rsync daemon did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        RsyncDaemon {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for RsyncDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn swift_replicator_pushes_whole_dbs_to_our_server_through_rsyncd() {
    let a = TestServer::start_with(ServerOptions::default());
    let b = TestServer::start_with(ServerOptions::default());
    let rsyncd = RsyncDaemon::start(&b.devices());
    write_ring(&[&a, &b]);
    let conf = replicator_conf_with(&a, &b, 3);
    let text = std::fs::read_to_string(&conf).expect("conf").replace(
        &format!("rsync_module = {}", b.devices().display()),
        &format!("rsync_module = rsync://127.0.0.1:{}/container", rsyncd.port),
    );
    std::fs::write(&conf, text).expect("conf");
    let part = part_of(&a, "whole");
    put_container(&a, part, "whole");
    for i in 0..4 {
        put_object(&a, part, "whole", &format!("w{i}"), i);
    }
    // B has no DB: Swift rsyncs it into B's tmp and our server's complete_rsync adopts it.
    run_python_replicator(&a.etc(), &conf);
    assert_eq!(listing(&b, part, "whole"), listing(&a, part, "whole"));

    // B far behind (and with a row of its own): rsync, then our rsync_then_merge.
    put_object(&b, part, "whole", "only-on-b", 40);
    for i in 4..16 {
        put_object(&a, part, "whole", &format!("w{i}"), i);
    }
    run_python_replicator(&a.etc(), &conf);
    // Swift gives rsync_then_merge count/2000 s (here ~0.01 s), so it hangs up before our
    // server is done merging; the merge still completes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut got = names(&listing(&b, part, "whole"));
    while got.len() < 17 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        got = names(&listing(&b, part, "whole"));
    }
    assert_eq!(got.len(), 17, "{got:?}");
    assert!(got.contains(&"only-on-b".to_string()));
    assert!(got.contains(&"w15".to_string()));
}
