//! Whole replication passes between two "nodes" on this machine: our replicator on one, the
//! REPLICATE ops served over real HTTP on the other, DB files pushed with the real rsync.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use swift_common::config::ConfFile;
use swift_common::db::{BrokerCache, ContainerBroker, ObjectRecord};
use swift_common::hash::{hash_path, HashSalt};
use swift_common::timestamp::Timestamp;
use swift_ring::Ring;

use super::daemon::ContainerReplicator;
use super::rpc::dispatch;
use super::test_support::{serve, write_ring};

const PREFIX: &str = "pre";
const SUFFIX: &str = "suf";

/// Serves REPLICATE for the devices under `devices` until the test ends.
fn serve_replicate(devices: PathBuf) -> u16 {
    let cache = Arc::new(BrokerCache::default());
    serve(move |req| {
        let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let args: Value = serde_json::from_slice(&req.body).unwrap();
        let reply = dispatch(&cache, &devices.join(segs[0]), segs[1], segs[2], args);
        (reply.status, reply.body.unwrap_or_default())
    })
}

struct Cluster {
    _root: tempfile::TempDir,
    swift_dir: PathBuf,
    local: PathBuf,
    remote: PathBuf,
    recon: PathBuf,
}

fn cluster() -> Cluster {
    let root = tempfile::tempdir().unwrap();
    let p = |s: &str| {
        let d = root.path().join(s);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let (swift_dir, local, remote, recon) = (p("etc"), p("node1"), p("node2"), p("recon"));
    std::fs::create_dir_all(local.join("sda")).unwrap();
    std::fs::create_dir_all(remote.join("sdb")).unwrap();
    std::fs::write(
        swift_dir.join("swift.conf"),
        format!(
            "[swift-hash]\nswift_hash_path_prefix = {PREFIX}\nswift_hash_path_suffix = {SUFFIX}\n"
        ),
    )
    .unwrap();
    Cluster {
        _root: root,
        swift_dir,
        local,
        remote,
        recon,
    }
}

fn salt() -> HashSalt {
    HashSalt {
        prefix: PREFIX.into(),
        suffix: SUFFIX.into(),
    }
}

impl Cluster {
    fn replicator(&self, local_port: u16) -> ContainerReplicator {
        let conf = ConfFile::parse_str(&format!(
            "[DEFAULT]\ndevices = {}\nmount_check = false\nbind_ip = 127.0.0.1\nbind_port = {local_port}\n\
             swift_dir = {}\n[container-replicator]\nrsync_module = {}\nrecon_cache_path = {}\n\
             concurrency = 2\nper_diff = 2\nmax_diffs = 3\ndatabases_per_second = 1000\n",
            self.local.display(),
            self.swift_dir.display(),
            self.remote.display(),
            self.recon.display()
        ))
        .unwrap();
        ContainerReplicator::from_conf(&conf, Arc::new(BrokerCache::default())).unwrap()
    }

    fn db_dir(&self, devices: &Path, dev: &str, container: &str) -> PathBuf {
        let ring = Ring::load(self.swift_dir.join("container.ring.gz"), salt()).unwrap();
        let part = ring.get_part("AUTH_a", Some(container), None);
        let hash = hash_path(&salt(), "AUTH_a", Some(container), None);
        swift_common::hash::container_dir(devices, dev, part, &hash)
    }

    fn broker(&self, devices: &Path, dev: &str, container: &str) -> ContainerBroker {
        let dir = self.db_dir(devices, dev, container);
        ContainerBroker::new(
            &dir,
            "AUTH_a",
            container,
            Duration::from_secs(5),
            Duration::from_secs(5),
        )
    }
}

fn put_rows(b: &ContainerBroker, names: impl IntoIterator<Item = String>) {
    let recs: Vec<ObjectRecord> = names
        .into_iter()
        .map(|name| ObjectRecord {
            name,
            created_at: Timestamp::now().internal(),
            size: 10,
            content_type: "text/plain".into(),
            etag: "d41d8cd98f00b204e9800998ecf8427e".into(),
            deleted: false,
            storage_policy_index: 0,
            ctype_timestamp: None,
            meta_timestamp: None,
        })
        .collect();
    for r in &recs {
        b.put_object(r).unwrap();
    }
}

fn rows(b: &ContainerBroker) -> Vec<(String, String, i64)> {
    let mut v: Vec<_> = b
        .get_items_since(-1, 100_000)
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.created_at, r.size))
        .collect();
    v.sort();
    v
}

fn stat(r: &ContainerReplicator, key: &str) -> u64 {
    r.stats_json()[key].as_u64().unwrap()
}

#[test]
fn a_missing_replica_gets_the_whole_db_then_row_diffs() {
    let c = cluster();
    let remote_port = serve_replicate(c.remote.clone());
    let local_port = 17001;
    write_ring(
        &c.swift_dir.join("container.ring.gz"),
        &[("sda", local_port, 1.0), ("sdb", remote_port, 1.0)],
        &[vec![0, 0, 0, 0], vec![1, 1, 1, 1]],
        30,
    );
    let local = c.broker(&c.local, "sda", "c");
    local.initialize(&Timestamp::now(), 0).unwrap();
    put_rows(&local, (0..5).map(|i| format!("obj-{i}")));

    let rep = c.replicator(local_port);
    rep.run_once();
    assert_eq!(
        (
            stat(&rep, "attempted"),
            stat(&rep, "rsync"),
            stat(&rep, "success")
        ),
        (1, 1, 1)
    );
    let remote = c.broker(&c.remote, "sdb", "c");
    assert_eq!(rows(&remote), rows(&local));
    assert_ne!(remote.get_info().unwrap().id, local.get_info().unwrap().id);
    assert_eq!(
        std::fs::read_dir(c.remote.join("sdb/tmp")).unwrap().count(),
        0
    );

    // New rows go as diffs: 2 per request, at most 3 requests per pass.
    put_rows(&local, (5..9).map(|i| format!("obj-{i}")));
    rep.run_once();
    assert_eq!(
        (
            stat(&rep, "diff"),
            stat(&rep, "rsync"),
            stat(&rep, "diff_capped")
        ),
        (1, 0, 0)
    );
    assert_eq!(rows(&remote), rows(&local));
    let remote_id = remote.get_info().unwrap().id;
    assert_eq!(
        local.get_sync(&remote_id, false).unwrap(),
        local.get_max_row().unwrap()
    );

    // Nothing new: in sync by sync point.
    rep.run_once();
    assert_eq!((stat(&rep, "no_change"), stat(&rep, "diff")), (1, 0));

    // More than max_diffs * per_diff rows behind: capped, then caught up next pass.
    put_rows(&local, (9..17).map(|i| format!("obj-{i}")));
    rep.run_once();
    assert_eq!(stat(&rep, "diff_capped"), 1);
    rep.run_once();
    assert_eq!(rows(&remote), rows(&local));

    let recon: Value =
        serde_json::from_str(&std::fs::read_to_string(c.recon.join("container.recon")).unwrap())
            .unwrap();
    assert_eq!(recon["replication_stats"]["attempted"], json!(1));
    assert!(recon["replication_last"].as_f64().is_some());
}

#[test]
fn a_handoff_db_is_pushed_to_its_primary_then_removed() {
    let c = cluster();
    let remote_port = serve_replicate(c.remote.clone());
    let local_port = 17002;
    // Every partition lives on sdb only; our sda holds none.
    write_ring(
        &c.swift_dir.join("container.ring.gz"),
        &[("sda", local_port, 0.0), ("sdb", remote_port, 1.0)],
        &[vec![1, 1, 1, 1]],
        30,
    );
    let local = c.broker(&c.local, "sda", "h");
    local.initialize(&Timestamp::now(), 0).unwrap();
    put_rows(&local, (0..3).map(|i| format!("o{i}")));
    let expected = rows(&local);
    let remote = c.broker(&c.remote, "sdb", "h");
    remote.initialize(&Timestamp::now(), 0).unwrap();
    put_rows(&remote, ["other".to_string()]);

    let rep = c.replicator(local_port);
    rep.run_once();
    assert_eq!(stat(&rep, "remove"), 1);
    assert!(!local.db_dir().exists());
    let got: Vec<String> = rows(&remote).into_iter().map(|r| r.0).collect();
    let mut want: Vec<String> = expected.into_iter().map(|r| r.0).collect();
    want.push("other".into());
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn an_unreachable_peer_is_a_failure_and_the_db_stays() {
    let c = cluster();
    let local_port = 17003;
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    write_ring(
        &c.swift_dir.join("container.ring.gz"),
        &[("sda", local_port, 0.0), ("sdb", dead, 1.0)],
        &[vec![1, 1, 1, 1]],
        30,
    );
    let local = c.broker(&c.local, "sda", "x");
    local.initialize(&Timestamp::now(), 0).unwrap();
    let rep = c.replicator(local_port);
    rep.run_once();
    assert_eq!((stat(&rep, "failure"), stat(&rep, "remove")), (1, 0));
    assert_eq!(
        rep.stats_json()["failure_nodes"],
        json!({"127.0.0.1": {"sdb": 1}})
    );
    assert!(local.exists());
}

#[test]
fn misplaced_rows_are_queued_for_the_reconciler_and_replicated() {
    let c = cluster();
    let remote_port = serve_replicate(c.remote.clone());
    let local_port = 17004;
    write_ring(
        &c.swift_dir.join("container.ring.gz"),
        &[("sda", local_port, 1.0), ("sdb", remote_port, 1.0)],
        &[vec![0, 0, 0, 0], vec![1, 1, 1, 1]],
        30,
    );
    let local = c.broker(&c.local, "sda", "mp");
    local.initialize(&Timestamp::now(), 0).unwrap();
    put_rows(&local, ["right".to_string()]);
    let when = Timestamp::now().internal();
    let hour = super::reconciler::reconciler_container_name(&when).unwrap();
    let mut wrong = ObjectRecord {
        name: "wrong".into(),
        created_at: when.clone(),
        size: 1,
        content_type: "text/plain".into(),
        etag: "e".into(),
        deleted: false,
        storage_policy_index: 1,
        ctype_timestamp: None,
        meta_timestamp: None,
    };
    local.put_object(&wrong).unwrap();
    wrong.name = "gone".into();
    wrong.deleted = true;
    local.put_object(&wrong).unwrap();

    let rep = c.replicator(local_port);
    rep.run_once();
    let ring = Ring::load(c.swift_dir.join("container.ring.gz"), salt()).unwrap();
    let qpart = ring.get_part(".misplaced_objects", Some(&hour), None);
    let qhash = hash_path(&salt(), ".misplaced_objects", Some(&hour), None);
    for (devices, dev) in [(&c.local, "sda"), (&c.remote, "sdb")] {
        let dir = swift_common::hash::container_dir(devices, dev, qpart, &qhash);
        let q = ContainerBroker::new(&dir, "", "", Duration::from_secs(5), Duration::from_secs(5));
        let mut entries: Vec<(String, String, String)> = q
            .get_items_since(-1, 10)
            .unwrap()
            .into_iter()
            .map(|r| (r.name, r.content_type, r.etag))
            .collect();
        entries.sort();
        assert_eq!(
            entries,
            vec![
                (
                    "1:/AUTH_a/mp/gone".into(),
                    "application/x-delete".into(),
                    when.clone()
                ),
                (
                    "1:/AUTH_a/mp/wrong".into(),
                    "application/x-put".into(),
                    when.clone()
                ),
            ],
            "queue on {dev}"
        );
    }
    assert_eq!(
        local.get_reconciler_sync().unwrap(),
        local.get_max_row().unwrap()
    );
}

#[test]
fn syncing_containers_are_linked_in_the_sync_store() {
    let c = cluster();
    let local_port = 17005;
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    write_ring(
        &c.swift_dir.join("container.ring.gz"),
        &[("sda", local_port, 1.0), ("sdb", dead, 1.0)],
        &[vec![0, 0, 0, 0], vec![1, 1, 1, 1]],
        30,
    );
    let local = c.broker(&c.local, "sda", "synced");
    local.initialize(&Timestamp::now(), 0).unwrap();
    let ts = Timestamp::now().internal();
    let mut meta = swift_common::db::Metadata::new();
    meta.insert(
        "X-Container-Sync-To".into(),
        ("//realm/cluster/AUTH_b/c".into(), ts.clone()),
    );
    meta.insert("X-Container-Sync-Key".into(), ("secret".into(), ts));
    local.update_metadata(&meta, false).unwrap();
    let store = crate::container_sync::store::SyncStore::new(&c.local, false);
    let link = store.sync_path_for(&local.db_file());
    assert!(!link.exists());
    c.replicator(local_port).run_once();
    assert!(
        std::fs::symlink_metadata(&link).is_ok(),
        "{} missing",
        link.display()
    );
}
