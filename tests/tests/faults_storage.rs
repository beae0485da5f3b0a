//! Faults in the files under the devices: a container DB held with `BEGIN EXCLUSIVE` by another
//! process's connection (as Swift's probe test test_locked_container_dbs does), corrupt DBs
//! (garbage, truncated, missing tables), a .pending file with bad entries, and a full disk
//! (fallocate_reserve).

mod faults_support;

use faults_support::*;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use swift_tests::{container_dir, ServerOptions};

fn db_of(node: &Node, container: &str) -> PathBuf {
    let dir = container_dir(&node.devices(), "sda1", 0, "a", container);
    let name = dir
        .file_name()
        .expect("hash")
        .to_string_lossy()
        .into_owned();
    dir.join(format!("{name}.db"))
}

fn timed(f: impl FnOnce() -> u16) -> (u16, Duration) {
    let start = Instant::now();
    let status = f();
    (status, start.elapsed())
}

/// While another connection holds the DB exclusively: an object update is appended to the
/// .pending file (201 at once, as Swift's put_object never touches the DB below the pending
/// cap); reads of that container wait out the broker timeout (Swift's 25 s) and answer 500;
/// other containers answer at normal speed all along; after the unlock everything is normal.
#[test]
fn locked_db_costs_a_5xx_for_that_container_only() {
    let node = Node::start(ServerOptions::default());
    node.create_container("locked");
    node.create_container("free");
    let lock = rusqlite::Connection::open(db_of(&node, "locked")).expect("open");
    lock.execute_batch("BEGIN EXCLUSIVE").expect("lock");

    let port = node.port;
    let head_locked = std::thread::spawn(move || {
        timed(|| swift_tests::raw_request(port, "HEAD", "/sda1/0/a/locked", &[], b"").status)
    });
    let (put_status, put_took) = timed(|| put_row(node.port, "locked", "pending-row").unwrap_or(0));
    assert_eq!(put_status, 201, "object update while locked");
    assert!(
        put_took < Duration::from_secs(2),
        "object update took {put_took:?}"
    );

    let mut slowest = Duration::ZERO;
    for i in 0..20 {
        let (status, took) = timed(|| put_row(node.port, "free", &format!("o{i}")).unwrap_or(0));
        assert_eq!(status, 201);
        let (status, took2) = timed(|| node.request("HEAD", "/sda1/0/a/free", &[]).status);
        assert_eq!(status, 204);
        slowest = slowest.max(took).max(took2);
    }
    assert!(
        slowest < Duration::from_secs(1),
        "other container slowed: {slowest:?}"
    );

    let (status, took) = head_locked.join().expect("head");
    eprintln!(
        "locked DB: HEAD answered {status} after {took:?}; object update 201 after {put_took:?}; \
         slowest request to another container {slowest:?}"
    );
    assert_eq!(status, 500, "HEAD of the locked container");
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(35),
        "answer time {took:?} (Swift's broker timeout is 25 s)"
    );

    lock.execute_batch("ROLLBACK").expect("unlock");
    drop(lock);
    let resp = node.request("HEAD", "/sda1/0/a/locked", &[]);
    assert_eq!(resp.status, 204);
    assert_eq!(resp.header("X-Container-Object-Count"), Some("1"));
    assert_eq!(
        node.listed_names("locked").into_iter().collect::<Vec<_>>(),
        vec!["pending-row".to_string()]
    );
}

/// Statuses of HEAD, GET and HEAD again on a container, and where its DB dir went.
fn probe(node: &Node, container: &str) -> (Vec<u16>, bool, bool) {
    let path = format!("/sda1/0/a/{container}");
    let statuses = vec![
        node.request("HEAD", &path, &[]).status,
        node.request("GET", &path, &[]).status,
        node.request("HEAD", &path, &[]).status,
    ];
    let dir = container_dir(&node.devices(), "sda1", 0, "a", container);
    let hash = dir.file_name().expect("hash").to_owned();
    let quarantined = node
        .devices()
        .join("sda1/quarantined/containers")
        .join(hash)
        .exists();
    (statuses, dir.exists(), quarantined)
}

/// Garbage and truncated DBs are quarantined on first use (that request answers 500 as Swift's
/// does, later ones 404); a DB without its tables is not corrupt in Swift's sense (500, left in
/// place). Swift 2.38.3's controller answers exactly these status sequences on the same files; bad .pending entries are skipped with a log line while good ones are committed;
/// other containers are unaffected.
#[test]
fn corrupt_files_are_quarantined_or_skipped() {
    let node = Node::start(ServerOptions::default());
    for c in ["garbage", "truncated", "notables", "pending", "healthy"] {
        node.create_container(c);
    }
    for i in 0..200 {
        assert_eq!(
            put_row(node.port, "truncated", &format!("{i:0>200}")),
            Some(201)
        );
    }
    assert_eq!(node.listed_names("truncated").len(), 200);
    assert_eq!(put_row(node.port, "healthy", "h"), Some(201));

    std::fs::write(db_of(&node, "garbage"), vec![0x5a; 8192]).expect("garbage");
    let trunc = db_of(&node, "truncated");
    let len = std::fs::metadata(&trunc).expect("stat").len();
    assert!(len > 8192, "DB too small to truncate: {len}");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&trunc)
        .and_then(|f| f.set_len(4096))
        .expect("truncate");
    let conn = rusqlite::Connection::open(db_of(&node, "notables")).expect("open");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    for t in tables {
        conn.execute_batch(&format!("DROP TABLE {t}"))
            .expect("drop");
    }
    drop(conn);

    // .pending: a good entry, a non-base64 one, base64 of a non-pickle, a truncated pickle,
    // then another good entry.
    let rec = |name: &str| swift_common::db::ObjectRecord {
        name: name.into(),
        created_at: now_ts(),
        size: 1,
        content_type: "text/plain".into(),
        etag: "e".into(),
        deleted: false,
        storage_policy_index: 0,
        ctype_timestamp: None,
        meta_timestamp: None,
    };
    let good1 = swift_common::db::pending::encode_entry(&rec("good1")).expect("encode");
    let good2 = swift_common::db::pending::encode_entry(&rec("good2")).expect("encode");
    let pickle = swift_common::db::pickle::encode_record(&rec("cut")).expect("pickle");
    let dir = container_dir(&node.devices(), "sda1", 0, "a", "pending");
    let pending = db_of(&node, "pending").with_extension("db.pending");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&pending)
        .expect("pending");
    f.write_all(&good1).expect("w");
    f.write_all(b":not base64 at all!").expect("w");
    f.write_all(b":bm90IGEgcGlja2xl").expect("w");
    let cut = base64_encode(&pickle[..pickle.len() / 2]);
    f.write_all(format!(":{cut}").as_bytes()).expect("w");
    f.write_all(&good2).expect("w");
    drop(f);
    assert!(dir.exists());

    let garbage = probe(&node, "garbage");
    let truncated = probe(&node, "truncated");
    let notables = probe(&node, "notables");
    eprintln!("garbage {garbage:?}\ntruncated {truncated:?}\nno tables {notables:?}");
    assert_eq!(garbage, (vec![500, 404, 404], false, true), "garbage DB");
    assert_eq!(
        truncated,
        (vec![500, 404, 404], false, true),
        "truncated DB"
    );
    assert_eq!(
        notables,
        (vec![500, 500, 500], true, false),
        "DB without tables"
    );

    let names: Vec<String> = node.listed_names("pending").into_iter().collect();
    assert_eq!(names, vec!["good1".to_string(), "good2".to_string()]);
    let log = node.log();
    assert!(
        log.matches("Invalid pending entry").count() >= 3,
        "log names the bad entries:\n{log}"
    );
    let resp = node.request("HEAD", "/sda1/0/a/healthy", &[]);
    assert_eq!(resp.status, 204);
    assert_eq!(resp.header("X-Container-Object-Count"), Some("1"));
}

fn base64_encode(raw: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in raw.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// With less free space than `fallocate_reserve`, object updates and container PUTs answer 507
/// before anything is written (no DB dir, no pending entry).
#[test]
fn below_fallocate_reserve_answers_507_and_writes_nothing() {
    let node = Node::start(ServerOptions {
        // More than any test machine's disk has free.
        app_lines: vec!["fallocate_reserve = 1000000000000000000".into()],
        ..ServerOptions::default()
    });
    let resp = node.request("PUT", "/sda1/0/a/full", &[("X-Timestamp", &now_ts())]);
    assert_eq!(resp.status, 507, "{}", resp.text());
    assert_eq!(put_row(node.port, "full", "o"), Some(507));
    assert!(
        !node.devices().join("sda1/containers").exists(),
        "nothing written"
    );
}

/// A real full disk: the device is a 1 MiB tmpfs (mounted in a private user+mount namespace, so
/// no root needed) mostly taken by a filler file. Rows go in while free space is above
/// fallocate_reserve, then every update answers 507; after the filler goes, updates succeed
/// again; every acknowledged row is listed and the DB passes integrity_check. Skipped (with a
/// message) where user namespaces are not allowed.
#[test]
fn tiny_filesystem_fills_up_then_recovers() {
    let probe = std::process::Command::new("unshare")
        .args(["-rm", "true"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: `unshare -rm` is not allowed here, no tmpfs device can be mounted");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let etc = dir.path().join("etc");
    let dev = dir.path().join("node/sda1");
    let out = dir.path().join("copy");
    for d in [&etc, &dev, &out] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    swift_tests::write_swift_conf(&etc);
    let port = swift_tests::free_port();
    let opts = ServerOptions {
        app_lines: vec!["fallocate_reserve = 262144".into()],
        ..ServerOptions::default()
    };
    let conf = etc.join("container-server.conf");
    let text = swift_tests::server_conf_text(port, &dir.path().join("node"), &etc, &opts);
    std::fs::write(&conf, text).expect("conf");
    let (free_trigger, copy_trigger) = (dir.path().join("free"), dir.path().join("copy-now"));
    // The filler leaves ~400 KiB: room for the container DB and some rows above the reserve.
    let script = format!(
        "set -e\nmount -t tmpfs -o size=1m tmpfs '{dev}'\n\
         dd if=/dev/zero of='{dev}/filler' bs=4096 count=150 2>/dev/null\n\
         ( while [ ! -e '{free}' ]; do sleep 0.05; done; rm -f '{dev}/filler'; touch '{free}.done'\n\
           while [ ! -e '{copy}' ]; do sleep 0.05; done; cp -a '{dev}/.' '{out}/'; touch '{copy}.done' ) &\n\
         exec '{bin}' '{conf}'\n",
        dev = dev.display(),
        free = free_trigger.display(),
        copy = copy_trigger.display(),
        out = out.display(),
        bin = swift_tests::server_binary().display(),
        conf = conf.display(),
    );
    let log = std::fs::File::create(dir.path().join("server.log")).expect("log");
    let mut child = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        assert!(child.try_wait().expect("wait").is_none(), "server exited");
        std::thread::sleep(Duration::from_millis(20));
    }
    let wait_for = |path: &std::path::Path| {
        let start = Instant::now();
        while !path.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{} not done",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let req = |method: &str, path: &str| {
        swift_tests::raw_request(port, method, path, &[("X-Timestamp", &now_ts())], b"").status
    };
    assert_eq!(req("PUT", "/sda1/0/a/c"), 201);
    let long = "x".repeat(900);
    let mut acked = Vec::new();
    let mut first_507 = None;
    for i in 0..2000 {
        let name = format!("{i:05}{long}");
        match put_row(port, "c", &name) {
            Some(201) => acked.push(name),
            Some(507) => {
                first_507 = Some(i);
                break;
            }
            other => panic!("object update {i}: {other:?}"),
        }
    }
    let full_at = first_507.expect("507 once free space is below the reserve");
    assert_eq!(put_row(port, "c", "more"), Some(507));
    assert_eq!(
        req("PUT", "/sda1/0/a/other"),
        507,
        "container PUT on a full disk"
    );
    eprintln!(
        "tmpfs: {} rows acked, 507 from update {full_at} on",
        acked.len()
    );

    std::fs::write(&free_trigger, b"").expect("trigger");
    wait_for(&free_trigger.with_extension("done"));
    assert_eq!(put_row(port, "c", "after"), Some(201), "space came back");
    acked.push("after".into());
    assert_eq!(req("PUT", "/sda1/0/a/other"), 201);

    let resp =
        swift_tests::raw_request(port, "GET", "/sda1/0/a/c?format=json&limit=10000", &[], b"");
    assert_eq!(resp.status, 200);
    let listed: Vec<String> = resp
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_string())
        .collect();
    acked.sort();
    assert_eq!(listed, acked, "every acknowledged row listed, nothing else");

    std::fs::write(&copy_trigger, b"").expect("trigger");
    wait_for(&copy_trigger.with_extension("done"));
    // SAFETY: kill(2) on our own unreaped child (the server, exec'd by sh).
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
    let dbs = db_files(&out);
    assert_eq!(dbs.len(), 2, "{dbs:?}");
    for db in dbs {
        assert_eq!(integrity_check(&db), "ok", "{}", db.display());
    }
}
