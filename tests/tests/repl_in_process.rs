//! The replicator running inside our servers (a `[container-replicator]` section, no
//! standalone daemon): rows written to one server show up on the other by themselves.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use swift_common::hash::HashSalt;
use swift_ring::Ring;
use swift_tests::{ServerOptions, TestServer, HASH_PREFIX, HASH_SUFFIX};

/// A v1 ring with every partition on both servers' `sda1`.
fn write_ring(etc: &Path, ports: &[u16]) {
    let devs: Vec<Value> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            json!({"id": i, "region": 1, "zone": i + 1, "ip": "127.0.0.1", "port": port,
                   "replication_ip": "127.0.0.1", "replication_port": port,
                   "device": "sda1", "weight": 1.0, "meta": ""})
        })
        .collect();
    let header = json!({"byteorder": "little", "devs": devs, "part_shift": 31,
                        "replica_count": ports.len()})
    .to_string();
    let mut raw = b"R1NG\x00\x01".to_vec();
    raw.extend((header.len() as u32).to_be_bytes());
    raw.extend(header.as_bytes());
    for id in 0..ports.len() as u16 {
        raw.extend(id.to_le_bytes());
        raw.extend(id.to_le_bytes());
    }
    let tmp = etc.join("container.ring.gz.tmp");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&tmp).expect("ring"),
        flate2::Compression::fast(),
    );
    gz.write_all(&raw).expect("write ring");
    gz.finish().expect("finish ring");
    std::fs::rename(tmp, etc.join("container.ring.gz")).expect("install ring");
}

#[test]
fn in_process_replicator_copies_rows_between_servers() {
    // rsync_module names a directory of links, one per peer port, made once the ports are known.
    let links = tempfile::tempdir().expect("tempdir");
    let section = vec![
        "[container-replicator]".to_string(),
        "interval = 1".to_string(),
        format!(
            "rsync_module = {}/{{replication_port}}",
            links.path().display()
        ),
    ];
    let opts = ServerOptions {
        default_lines: section,
        ..ServerOptions::default()
    };
    let a = TestServer::start_with(opts.clone());
    let b = TestServer::start_with(opts);
    for s in [&a, &b] {
        std::os::unix::fs::symlink(
            s.dir.path().join("node"),
            links.path().join(s.port.to_string()),
        )
        .expect("link");
    }
    for s in [&a, &b] {
        write_ring(&s.dir.path().join("etc"), &[a.port, b.port]);
    }
    let salt = HashSalt {
        prefix: HASH_PREFIX.into(),
        suffix: HASH_SUFFIX.into(),
    };
    let ring = Ring::load(a.dir.path().join("etc/container.ring.gz"), salt).expect("ring");
    let part = ring.get_part("AUTH_test", Some("auto"), None);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let ts = |n: u64| format!("{}.00000", now + n);
    let r = a.request(
        "PUT",
        &format!("/sda1/{part}/AUTH_test/auto"),
        &[("X-Timestamp", &ts(0))],
        b"",
    );
    assert_eq!(r.status, 201);
    for i in 0..3u64 {
        let r = a.request(
            "PUT",
            &format!("/sda1/{part}/AUTH_test/auto/obj{i}"),
            &[
                ("X-Timestamp", &ts(1 + i)),
                ("X-Size", "7"),
                ("X-Content-Type", "text/plain"),
                ("X-Etag", "x"),
            ],
            b"",
        );
        assert_eq!(r.status, 201);
    }
    let listing = |s: &TestServer| {
        let r = s.request(
            "GET",
            &format!("/sda1/{part}/AUTH_test/auto?format=json"),
            &[],
            b"",
        );
        (r.status == 200).then(|| r.json())
    };
    let want = listing(&a).expect("listing on A");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if listing(&b).as_ref() == Some(&want) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B never caught up; B log:\n{}",
            std::fs::read_to_string(b.dir.path().join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
