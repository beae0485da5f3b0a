//! The updater against fake account servers on 127.0.0.1, with container DBs on disk.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use swift_common::config::ConfFile;
use swift_common::db::{BrokerCache, ContainerBroker, ObjectRecord};
use swift_common::hash::{container_dir, hash_path, HashSalt};
use swift_common::timestamp::Timestamp;

use super::ContainerUpdater;
use crate::daemon::{Brokers, Daemon, Mode, Stop};

/// One forever-mode sweep (suppressions persist between sweeps of one updater).
fn sweep(up: &mut ContainerUpdater) {
    up.run_pass(Mode::Forever, &Stop::new());
}
use crate::replicator::test_support::{serve, write_ring, SeenRequest};

struct Setup {
    _root: tempfile::TempDir,
    devices: PathBuf,
    swift_dir: PathBuf,
    recon: PathBuf,
}

fn setup(ports: &[u16]) -> Setup {
    let root = tempfile::tempdir().unwrap();
    let devices = root.path().join("node");
    let swift_dir = root.path().join("etc");
    let recon = root.path().join("recon");
    std::fs::create_dir_all(devices.join("sda")).unwrap();
    std::fs::create_dir_all(&swift_dir).unwrap();
    std::fs::create_dir_all(&recon).unwrap();
    std::fs::write(
        swift_dir.join("swift.conf"),
        "[swift-hash]\nswift_hash_path_suffix = s\n",
    )
    .unwrap();
    let devs: Vec<(String, u16, f64)> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("acc{i}"), *p, 1.0))
        .collect();
    let devs: Vec<(&str, u16, f64)> = devs.iter().map(|(n, p, w)| (n.as_str(), *p, *w)).collect();
    let rows: Vec<Vec<u16>> = (0..ports.len()).map(|r| vec![r as u16; 2]).collect();
    write_ring(&swift_dir.join("account.ring.gz"), &devs, &rows, 31);
    Setup {
        _root: root,
        devices,
        swift_dir,
        recon,
    }
}

impl Setup {
    fn updater(&self) -> ContainerUpdater {
        let conf = ConfFile::parse_str(&format!(
            "[DEFAULT]\ndevices = {}\nmount_check = false\nswift_dir = {}\n[container-updater]\n\
             recon_cache_path = {}\ncontainers_per_second = 0\n",
            self.devices.display(),
            self.swift_dir.display(),
            self.recon.display()
        ))
        .unwrap();
        let section = conf.section(super::config::SECTION).unwrap();
        ContainerUpdater::from_section(&section, Brokers::shared(Arc::new(BrokerCache::default())))
            .unwrap()
    }

    fn container(&self, name: &str, put: &str) -> ContainerBroker {
        let salt = HashSalt {
            prefix: String::new(),
            suffix: "s".into(),
        };
        let hash = hash_path(&salt, "AUTH_a", Some(name), None);
        let dir = container_dir(&self.devices, "sda", 3, &hash);
        let b = ContainerBroker::new(
            &dir,
            "AUTH_a",
            name,
            Duration::from_secs(5),
            Duration::from_secs(5),
        );
        b.initialize(&Timestamp::parse(put).unwrap(), 0).unwrap();
        b
    }
}

fn add_object(b: &ContainerBroker, name: &str, size: i64) {
    b.put_object(&ObjectRecord {
        name: name.into(),
        created_at: Timestamp::now().internal(),
        size,
        content_type: "text/plain".into(),
        etag: "e".into(),
        deleted: false,
        storage_policy_index: 0,
        ctype_timestamp: None,
        meta_timestamp: None,
    })
    .unwrap();
}

fn recording(status: u16) -> (u16, Arc<Mutex<Vec<SeenRequest>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let port = serve(move |req| {
        s.lock().unwrap().push(req.clone());
        (status, Vec::new())
    });
    (port, seen)
}

#[test]
fn changed_stats_are_put_to_every_account_replica_then_remembered() {
    let servers: Vec<_> = (0..3).map(|_| recording(201)).collect();
    let ports: Vec<u16> = servers.iter().map(|s| s.0).collect();
    let s = setup(&ports);
    let b = s.container("c one", "1700000000.00000");
    add_object(&b, "o1", 10);
    add_object(&b, "o2", 5);
    let mut up = s.updater();
    sweep(&mut up);
    assert_eq!(up.stats().successes, 1);
    for (i, (_, seen)) in servers.iter().enumerate() {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "server {i}");
        let r = &seen[0];
        assert_eq!(r.method, "PUT");
        assert_eq!(r.path, format!("/acc{i}/{}/AUTH_a/c%20one", part_of()));
        assert_eq!(r.header("x-put-timestamp"), Some("1700000000.00000"));
        assert_eq!(r.header("x-delete-timestamp"), Some("0"));
        assert_eq!(r.header("x-object-count"), Some("2"));
        assert_eq!(r.header("x-bytes-used"), Some("15"));
        assert_eq!(r.header("x-account-override-deleted"), Some("yes"));
        assert_eq!(r.header("x-backend-storage-policy-index"), Some("0"));
        assert!(r
            .header("user-agent")
            .unwrap()
            .starts_with("container-updater "));
    }
    let info = b.get_info().unwrap();
    assert_eq!(
        (info.reported_object_count, info.reported_bytes_used),
        (2, 15)
    );
    assert_eq!(info.reported_put_timestamp, "1700000000.00000");
    sweep(&mut up);
    assert_eq!((up.stats().no_changes, up.stats().successes), (1, 0));
    assert_eq!(servers[0].1.lock().unwrap().len(), 1);
    let recon = std::fs::read_to_string(s.recon.join("container.recon")).unwrap();
    assert!(recon.contains("\"container_updater_sweep\": "), "{recon}");
}

fn part_of() -> u64 {
    let salt = HashSalt {
        prefix: String::new(),
        suffix: "s".into(),
    };
    let digest = swift_common::hash::hash_path_raw(&salt, "AUTH_a", None, None);
    u64::from(u32::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3],
    ])) >> 31
}

#[test]
fn a_failed_report_suppresses_the_account_and_all_404_quarantines() {
    let ok = recording(204);
    let bad = recording(503);
    let bad2 = recording(503);
    let s = setup(&[ok.0, bad.0, bad2.0]);
    let b = s.container("c", "1700000000.00000");
    add_object(&b, "o", 1);
    let mut up = s.updater();
    sweep(&mut up);
    assert_eq!(up.stats().failures, 1);
    assert_eq!(b.get_info().unwrap().reported_object_count, 0);
    sweep(&mut up);
    assert_eq!(
        ok.1.lock().unwrap().len(),
        1,
        "suppressed for account_suppression_time"
    );

    let gone: Vec<_> = (0..3).map(|_| recording(404)).collect();
    let s = setup(&gone.iter().map(|g| g.0).collect::<Vec<_>>());
    let b = s.container("c", "1700000000.00000");
    let mut up = s.updater();
    sweep(&mut up);
    assert!(!b.db_dir().exists());
    assert!(s
        .devices
        .join("sda/quarantined/containers")
        .join(b.db_dir().file_name().unwrap())
        .exists());
}

#[test]
fn auto_created_containers_are_not_reported() {
    let srv = recording(201);
    let s = setup(&[srv.0]);
    s.container("c", "0000000000.00000");
    let mut up = s.updater();
    sweep(&mut up);
    assert_eq!(up.stats(), super::SweepStats::default());
    assert!(srv.1.lock().unwrap().is_empty());
}
