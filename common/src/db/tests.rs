//! Broker-level tests on real DB files: create, pending, merge rules, info, listing, metadata,
//! deletion, reclaim, sync tables, sharding state, quarantine.

use super::*;
use crate::timestamp::Timestamp;
use std::path::PathBuf;
use std::time::Duration;

struct Fixture {
    _root: tempfile::TempDir,
    dir: PathBuf,
    broker: ContainerBroker,
}

fn fixture() -> Fixture {
    let root = tempfile::tempdir().unwrap();
    let dir = root
        .path()
        .join("sda1/containers/7/abc/0123456789abcdef0123456789abcabc");
    let broker = ContainerBroker::new(
        &dir,
        "AUTH_a",
        "c",
        Duration::from_secs(5),
        Duration::from_secs(5),
    );
    broker.initialize(&ts("1700000000.00000"), 0).unwrap();
    Fixture {
        _root: root,
        dir,
        broker,
    }
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn rec(name: &str, created_at: &str, size: i64) -> ObjectRecord {
    ObjectRecord {
        name: name.into(),
        created_at: created_at.into(),
        size,
        content_type: "text/plain".into(),
        etag: format!("etag-{name}"),
        deleted: false,
        storage_policy_index: 0,
        ctype_timestamp: None,
        meta_timestamp: None,
    }
}

fn names(entries: &[ListingEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| match e {
            ListingEntry::Object { name, .. } => name.clone(),
            ListingEntry::Subdir(s) => format!("{s}(dir)"),
        })
        .collect()
}

fn list(b: &ContainerBroker, f: impl FnOnce(&mut ListingParams)) -> Vec<String> {
    let mut p = ListingParams {
        limit: 10000,
        ..Default::default()
    };
    f(&mut p);
    names(&b.list_objects(&p).unwrap())
}

#[test]
fn initialize_creates_swift_schema_once() {
    let f = fixture();
    let db = f.dir.join("0123456789abcdef0123456789abcabc.db");
    assert!(db.exists());
    assert!(!f.broker.initialize(&ts("1700000001.00000"), 0).unwrap());
    let info = f.broker.get_info().unwrap();
    assert_eq!(info.account, "AUTH_a");
    assert_eq!(info.container, "c");
    assert_eq!(info.put_timestamp, "1700000000.00000");
    assert_eq!(info.status_changed_at, "1700000000.00000");
    assert_eq!(info.delete_timestamp, "0");
    assert_eq!(info.hash, "00000000000000000000000000000000");
    assert!(info.id.ends_with("-sda1"), "{}", info.id);
    assert_eq!(
        (info.x_container_sync_point1, info.x_container_sync_point2),
        (-1, -1)
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    let mut names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    names.retain(|n| !n.starts_with("sqlite_autoindex"));
    assert_eq!(
        names,
        [
            "container_info",
            "container_stat",
            "container_stat_update",
            "incoming_sync",
            "incoming_sync_insert",
            "incoming_sync_update",
            "ix_object_deleted_name",
            "object",
            "object_delete_policy_stat",
            "object_insert_policy_stat",
            "object_update",
            "outgoing_sync",
            "outgoing_sync_insert",
            "outgoing_sync_update",
            "policy_stat",
            "shard_range",
            "shard_range_update",
            "sqlite_sequence"
        ]
    );
    // No leftover temp files, and the lock file exists.
    let mut files: Vec<String> = std::fs::read_dir(&f.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, [".lock", "0123456789abcdef0123456789abcabc.db"]);
}

#[test]
fn put_goes_to_pending_then_commits_on_read() {
    let f = fixture();
    f.broker
        .put_object(&rec("o1", "1700000001.00000", 10))
        .unwrap();
    f.broker
        .put_object(&rec("o2", "1700000002.00000", 20))
        .unwrap();
    let pending = f.dir.join("0123456789abcdef0123456789abcabc.db.pending");
    assert!(std::fs::metadata(&pending).unwrap().len() > 0);
    let info = f.broker.get_info().unwrap();
    assert_eq!((info.object_count, info.bytes_used), (2, 30));
    assert_eq!(std::fs::metadata(&pending).unwrap().len(), 0);
    let mut expect = "00000000000000000000000000000000".to_string();
    for (n, t) in [("o1", "1700000001.00000"), ("o2", "1700000002.00000")] {
        expect = connection::chexor(&expect, n, t).unwrap();
    }
    assert_eq!(info.hash, expect);
}

#[test]
fn pending_over_cap_commits_on_put() {
    let f = fixture();
    let pending = f.dir.join("0123456789abcdef0123456789abcabc.db.pending");
    let mut i = 0;
    while std::fs::metadata(&pending).map(|m| m.len()).unwrap_or(0) <= pending::PENDING_CAP {
        f.broker
            .put_object(&rec(&format!("o{i:05}"), "1700000001.00000", 1))
            .unwrap();
        i += 1;
    }
    f.broker
        .put_object(&rec("last", "1700000001.00000", 1))
        .unwrap();
    assert_eq!(std::fs::metadata(&pending).unwrap().len(), 0);
    let rows = f.broker.get_items_since(-1, 100000).unwrap();
    assert_eq!(rows.len(), i + 1);
}

#[test]
fn merge_newest_wins_with_ctype_and_meta_timestamps() {
    let f = fixture();
    let b = &f.broker;
    let mut r = rec("o", "1700000010.00000", 5);
    r.content_type = "text/plain;swift_bytes=99".into();
    b.merge_items(&[r], None).unwrap();
    // Older data is ignored.
    b.merge_items(&[rec("o", "1700000005.00000", 7)], None)
        .unwrap();
    let rows = b.get_items_since(-1, 10).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].size, rows[0].created_at.as_str()),
        (5, "1700000010.00000")
    );
    // A POST: new content type and meta time, same data timestamp.
    let mut post = rec("o", "1700000010.00000", 0);
    post.content_type = "image/png".into();
    post.ctype_timestamp = Some("1700000020.00000".into());
    post.meta_timestamp = Some("1700000030.00000".into());
    b.merge_items(&[post], None).unwrap();
    let rows = b.get_items_since(-1, 10).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].size, 5);
    assert_eq!(rows[0].content_type, "image/png;swift_bytes=99");
    assert_eq!(rows[0].created_at, "1700000010.00000+f4240+f4240");
    // Listing shows the newest (metadata) time.
    let p = ListingParams {
        limit: 10,
        ..Default::default()
    };
    match &b.list_objects(&p).unwrap()[0] {
        ListingEntry::Object {
            created_at,
            size,
            content_type,
            ..
        } => {
            assert_eq!(created_at, "1700000030.00000");
            assert_eq!(*size, 5);
            assert_eq!(content_type, "image/png;swift_bytes=99");
        }
        other => panic!("{other:?}"),
    }
    // A newer tombstone wins; the live count drops.
    let mut del = rec("o", "1700000040.00000", 0);
    del.deleted = true;
    b.merge_items(&[del], None).unwrap();
    let info = b.get_info().unwrap();
    assert_eq!((info.object_count, info.bytes_used), (0, 0));
    assert!(b.list_objects(&p).unwrap().is_empty());
    // Duplicates in one batch: the newest wins.
    b.merge_items(
        &[
            rec("d", "1700000001.00000", 1),
            rec("d", "1700000003.00000", 3),
            rec("d", "1700000002.00000", 2),
        ],
        None,
    )
    .unwrap();
    let rows = b.get_items_since(-1, 10).unwrap();
    let d: Vec<_> = rows.iter().filter(|r| r.name == "d").collect();
    assert_eq!((d.len(), d[0].size), (1, 3));
}

#[test]
fn rows_in_other_policies_are_kept_apart() {
    let f = fixture();
    let mut r = rec("o", "1700000001.00000", 5);
    r.storage_policy_index = 1;
    f.broker
        .merge_items(&[r, rec("o", "1700000001.00000", 7)], None)
        .unwrap();
    let info = f.broker.get_info().unwrap();
    assert_eq!((info.object_count, info.bytes_used), (1, 7));
    assert_eq!(list(&f.broker, |p| p.storage_policy_index = Some(1)), ["o"]);
    let misplaced = f.broker.get_misplaced_since(-1, 10).unwrap();
    assert_eq!((misplaced.len(), misplaced[0].storage_policy_index), (1, 1));
    f.broker
        .set_storage_policy_index(1, &ts("1700000050.00000"))
        .unwrap();
    let info = f.broker.get_info().unwrap();
    assert_eq!(
        (
            info.storage_policy_index,
            info.object_count,
            info.bytes_used
        ),
        (1, 1, 5)
    );
    assert_eq!(info.status_changed_at, "1700000050.00000");
    assert!(!f.broker.empty().unwrap());
}

#[test]
fn listing_parameters() {
    let f = fixture();
    let all = [
        "a",
        "a/b",
        "a/b/c",
        "a/c",
        "b",
        "b-c",
        "b-d/e",
        "c",
        "\u{0}hidden",
    ];
    let recs: Vec<_> = all.iter().map(|n| rec(n, "1700000001.00000", 1)).collect();
    f.broker.merge_items(&recs, None).unwrap();
    let b = &f.broker;
    assert_eq!(
        list(b, |_| {}),
        ["a", "a/b", "a/b/c", "a/c", "b", "b-c", "b-d/e", "c"]
    );
    assert_eq!(list(b, |p| p.allow_reserved = true)[0], "\u{0}hidden");
    assert_eq!(list(b, |p| p.limit = 2), ["a", "a/b"]);
    assert_eq!(
        list(b, |p| p.marker = "a/c".into()),
        ["b", "b-c", "b-d/e", "c"]
    );
    assert_eq!(
        list(b, |p| p.end_marker = "a/c".into()),
        ["a", "a/b", "a/b/c"]
    );
    assert_eq!(
        list(b, |p| p.prefix = Some("a/".into())),
        ["a/b", "a/b/c", "a/c"]
    );
    assert_eq!(
        list(b, |p| p.delimiter = Some("/".into())),
        ["a", "a/(dir)", "b", "b-c", "b-d/(dir)", "c"]
    );
    assert_eq!(
        list(b, |p| {
            p.delimiter = Some("/".into());
            p.prefix = Some("a/".into());
        }),
        ["a/b", "a/b/(dir)", "a/c"]
    );
    assert_eq!(
        list(b, |p| p.delimiter = Some("-d".into())),
        ["a", "a/b", "a/b/c", "a/c", "b", "b-c", "b-d(dir)", "c"]
    );
    assert_eq!(
        list(b, |p| p.reverse = true),
        ["c", "b-d/e", "b-c", "b", "a/c", "a/b/c", "a/b", "a"]
    );
    assert_eq!(
        list(b, |p| {
            p.reverse = true;
            p.delimiter = Some("/".into());
        }),
        ["c", "b-d/(dir)", "b-c", "b", "a/(dir)", "a"]
    );
    assert_eq!(
        list(b, |p| {
            p.reverse = true;
            p.marker = "b".into();
            p.end_marker = "a/b".into();
        }),
        ["a/c", "a/b/c"]
    );
    assert_eq!(list(b, |p| p.path = Some("a".into())), ["a/b", "a/c"]);
    assert_eq!(
        list(b, |p| {
            p.delimiter = Some("/".into());
            p.marker = "a/".into();
        }),
        ["b", "b-c", "b-d/(dir)", "c"]
    );
    assert_eq!(
        list(b, |p| {
            p.delimiter = Some("/".into());
            p.limit = 3;
        }),
        ["a", "a/(dir)", "b"]
    );
}

#[test]
fn metadata_merge_validate_and_delete() {
    let f = fixture();
    let b = &f.broker;
    let mut md = Metadata::new();
    md.insert(
        "X-Container-Meta-Color".into(),
        ("blue".into(), "1700000001.00000".into()),
    );
    md.insert(
        "X-Container-Sysmeta-Shard-Root".into(),
        ("AUTH_a/c".into(), "1700000001.00000".into()),
    );
    b.update_metadata(&md, true).unwrap();
    let mut older = Metadata::new();
    older.insert(
        "X-Container-Meta-Color".into(),
        ("red".into(), "1700000000.50000".into()),
    );
    b.update_metadata(&older, true).unwrap();
    assert_eq!(b.metadata().unwrap()["X-Container-Meta-Color"].0, "blue");
    assert_eq!(
        b.raw_metadata().unwrap(),
        r#"{"X-Container-Meta-Color": ["blue", "1700000001.00000"], "X-Container-Sysmeta-Shard-Root": ["AUTH_a/c", "1700000001.00000"]}"#
    );
    let mut big = Metadata::new();
    big.insert(
        "X-Container-Meta-Big".into(),
        ("x".repeat(5000), "1700000002.00000".into()),
    );
    let err = b.update_metadata(&big, true).unwrap_err();
    assert!(
        matches!(&err, DbError::BadInput(m) if m == "Total metadata too large; max 4096"),
        "{err:?}"
    );
    assert!(!b.is_deleted().unwrap());
    b.delete_db(&ts("1700000003.00000")).unwrap();
    assert!(b.is_deleted().unwrap());
    let md = b.metadata().unwrap();
    assert_eq!(
        md["X-Container-Meta-Color"],
        ("".to_string(), "1700000003.00000".to_string())
    );
    assert_eq!(md["X-Container-Sysmeta-Shard-Root"].0, "AUTH_a/c");
    let (info, extras) = b.get_info_extras().unwrap();
    assert_eq!(
        (info.delete_timestamp.as_str(), extras.status.as_str()),
        ("1700000003.00000", "DELETED")
    );
    // A later PUT revives it.
    b.update_put_timestamp(&ts("1700000004.00000")).unwrap();
    assert!(!b.is_deleted().unwrap());
    // Reclaim drops the emptied key once old enough.
    b.reclaim(&ts("1700000010.00000"), &ts("1700000010.00000"))
        .unwrap();
    assert!(!b.metadata().unwrap().contains_key("X-Container-Meta-Color"));
}

#[test]
fn deleted_requires_empty() {
    let f = fixture();
    f.broker
        .put_object(&rec("o", "1700000001.00000", 1))
        .unwrap();
    f.broker.delete_db(&ts("1700000002.00000")).unwrap();
    assert!(!f.broker.is_deleted().unwrap());
    assert!(!f.broker.empty().unwrap());
    f.broker.delete_object("o", "1700000003.00000", 0).unwrap();
    assert!(f.broker.is_deleted().unwrap());
    assert!(f.broker.empty().unwrap());
    let (_, deleted, state) = f.broker.get_info_is_deleted().unwrap();
    assert!(deleted);
    assert_eq!(state, DbState::Unsharded);
}

#[test]
fn reclaim_removes_only_old_tombstones() {
    let f = fixture();
    let mut old = rec("old", "1700000001.00000", 0);
    old.deleted = true;
    let mut young = rec("young", "1700000100.00000", 0);
    young.deleted = true;
    f.broker
        .merge_items(&[old, young, rec("live", "1700000001.00000", 1)], None)
        .unwrap();
    let n = f
        .broker
        .reclaim_counting(&ts("1700000050.00000"), &ts("1700000050.00000"))
        .unwrap();
    assert_eq!(n, 1);
    let left: Vec<String> = f
        .broker
        .get_items_since(-1, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(left, ["young", "live"]);
}

#[test]
fn sync_tables_and_points() {
    let f = fixture();
    let b = &f.broker;
    b.merge_syncs(
        &[SyncPoint {
            remote_id: "r1".into(),
            sync_point: 5,
        }],
        true,
    )
    .unwrap();
    b.merge_syncs(
        &[SyncPoint {
            remote_id: "r1".into(),
            sync_point: 3,
        }],
        true,
    )
    .unwrap();
    b.merge_items_from(&[rec("o", "1700000001.00000", 1)], "r2", 9)
        .unwrap();
    let mut s = b.get_syncs(true).unwrap();
    s.sort_by(|a, b| a.remote_id.cmp(&b.remote_id));
    assert_eq!(
        s,
        [
            SyncPoint {
                remote_id: "r1".into(),
                sync_point: 5
            },
            SyncPoint {
                remote_id: "r2".into(),
                sync_point: 9
            }
        ]
    );
    assert_eq!(b.get_sync("r2", true).unwrap(), 9);
    assert_eq!(b.get_sync("nope", false).unwrap(), -1);
    assert!(b.merge_items(&[], Some("x")).is_err());
    b.set_x_container_sync_points(4, -1).unwrap();
    b.set_x_container_sync_points(-1, 2).unwrap();
    let i = b.get_info().unwrap();
    assert_eq!(
        (i.x_container_sync_point1, i.x_container_sync_point2),
        (4, 2)
    );
    b.set_x_container_sync_points(-1, -1).unwrap();
    let i = b.get_info().unwrap();
    assert_eq!(
        (i.x_container_sync_point1, i.x_container_sync_point2),
        (-1, -1)
    );
    b.reported("1700000000.00000", "0", 1, 1).unwrap();
    assert_eq!(b.get_info().unwrap().reported_object_count, 1);
    let rep = b.get_replication_info().unwrap();
    assert_eq!((rep.max_row, rep.count), (1, 1));
    b.newid("remote").unwrap();
    let i = b.get_info().unwrap();
    assert_eq!(
        (i.reported_object_count, i.reported_put_timestamp.as_str()),
        (0, "0")
    );
    assert_eq!(b.get_sync("remote", true).unwrap(), 1);
}

#[test]
fn shard_ranges_and_db_state() {
    let f = fixture();
    let b = &f.broker;
    assert_eq!(b.db_state().unwrap(), DbState::Unsharded);
    let mk = |name: &str, lower: &str, upper: &str, count: i64| ShardRange {
        name: name.into(),
        timestamp: "1700000001.00000".into(),
        lower: lower.into(),
        upper: upper.into(),
        object_count: count,
        bytes_used: count,
        meta_timestamp: "1700000001.00000".into(),
        deleted: false,
        state: shard_ranges::state::ACTIVE,
        state_timestamp: "1700000001.00000".into(),
        epoch: None,
        reported: false,
        tombstones: -1,
    };
    let mut own = mk("AUTH_a/c", "", "", 0);
    own.state = shard_ranges::state::SHARDED;
    own.epoch = Some("1700000005.00000".into());
    b.merge_shard_ranges(&[
        own,
        mk(".shards_AUTH_a/c-2", "m", "", 3),
        mk(".shards_AUTH_a/c-1", "", "m", 2),
    ])
    .unwrap();
    let got: Vec<String> = b
        .get_shard_ranges(None, None, None, None, false)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(got, [".shards_AUTH_a/c-1", ".shards_AUTH_a/c-2"]);
    let inc = b
        .get_shard_ranges(None, None, Some("x"), None, false)
        .unwrap();
    assert_eq!(inc[0].name, ".shards_AUTH_a/c-2");
    let above = b
        .get_shard_ranges(Some("n"), None, None, None, false)
        .unwrap();
    assert_eq!(above.len(), 1);
    // Move the DB to its epoch name: the container is now sharded and reports shard usage.
    std::fs::rename(
        f.dir.join("0123456789abcdef0123456789abcabc.db"),
        f.dir
            .join("0123456789abcdef0123456789abcabc_1700000005.00000.db"),
    )
    .unwrap();
    assert_eq!(b.db_state().unwrap(), DbState::Sharded);
    let info = b.get_info().unwrap();
    assert_eq!((info.object_count, info.bytes_used), (5, 5));
}

#[test]
fn corrupt_db_is_quarantined() {
    let f = fixture();
    let db = f.dir.join("0123456789abcdef0123456789abcabc.db");
    std::fs::write(&db, vec![b'x'; 4096]).unwrap();
    let b = ContainerBroker::new(
        &f.dir,
        "AUTH_a",
        "c",
        Duration::from_secs(1),
        Duration::from_secs(1),
    );
    let err = b.get_info().unwrap_err();
    assert!(matches!(err, DbError::Quarantined(_)), "{err:?}");
    assert!(!f.dir.exists());
    let q = f
        ._root
        .path()
        .join("sda1/quarantined/containers/0123456789abcdef0123456789abcabc");
    assert!(q.join("0123456789abcdef0123456789abcabc.db").exists());
    assert!(matches!(b.get_info().unwrap_err(), DbError::NotFound(_)));
}

#[test]
fn missing_db_is_not_found() {
    let root = tempfile::tempdir().unwrap();
    let b = ContainerBroker::new(
        &root.path().join("x/containers/1/abc/abc"),
        "a",
        "c",
        Duration::from_secs(1),
        Duration::from_secs(1),
    );
    assert!(matches!(b.get_info().unwrap_err(), DbError::NotFound(_)));
    assert!(matches!(
        b.put_object(&rec("o", "1.00000", 1)).unwrap_err(),
        DbError::NotFound(_)
    ));
    assert!(b.is_deleted().unwrap());
    assert_eq!(b.db_state().unwrap(), DbState::NotFound);
}

#[test]
fn broker_is_send_sync_and_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ContainerBroker>();
    let f = fixture();
    let b = std::sync::Arc::new(f.broker);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let b = b.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    b.put_object(&rec(&format!("t{t}-{i}"), "1700000001.00000", 1))
                        .unwrap();
                    if i % 10 == 0 {
                        b.get_info().unwrap();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(b.get_info().unwrap().object_count, 200);
}

#[test]
fn replaced_db_file_is_reopened() {
    let f = fixture();
    f.broker
        .merge_items(&[rec("before", "1700000001.00000", 1)], None)
        .unwrap();
    assert_eq!(f.broker.get_info().unwrap().object_count, 1);
    // Build another DB for the same container elsewhere and rename it over ours, as an rsync
    // by the replicator does.
    let other_dir = f
        ._root
        .path()
        .join("sda1/containers/8/abc/0123456789abcdef0123456789abcabc");
    let other = ContainerBroker::new(
        &other_dir,
        "AUTH_a",
        "c",
        Duration::from_secs(5),
        Duration::from_secs(5),
    );
    other.initialize(&ts("1700000000.00000"), 0).unwrap();
    other
        .merge_items(
            &[
                rec("x", "1700000001.00000", 1),
                rec("y", "1700000001.00000", 1),
            ],
            None,
        )
        .unwrap();
    drop(other);
    let name = "0123456789abcdef0123456789abcabc.db";
    std::fs::rename(other_dir.join(name), f.dir.join(name)).unwrap();
    assert_eq!(f.broker.get_info().unwrap().object_count, 2);
}

#[test]
fn pre_policy_db_is_migrated_on_open() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("sda1/containers/1/old/hashold");
    std::fs::create_dir_all(&dir).unwrap();
    {
        let conn = rusqlite::Connection::open(dir.join("hashold.db")).unwrap();
        connection::register_chexor(&conn).unwrap();
        migrate::tests::create_pre_policy_db(&conn);
    }
    let b = ContainerBroker::new(&dir, "", "", Duration::from_secs(5), Duration::from_secs(5));
    b.put_object(&rec("z", "1700000001.00000", 7)).unwrap();
    let info = b.get_info().unwrap();
    assert_eq!(
        (info.account.as_str(), b.account()),
        ("AUTH_old", "AUTH_old")
    );
    assert_eq!(
        (
            info.object_count,
            info.bytes_used,
            info.storage_policy_index
        ),
        (2, 17, 0)
    );
    assert_eq!(
        (
            info.x_container_sync_point1,
            info.reported_delete_timestamp.as_str()
        ),
        (-1, "0")
    );
    assert_eq!(list(&b, |_| {}), ["a", "z"]);
}

#[test]
fn bad_pending_entry_is_dropped_not_fatal() {
    let f = fixture();
    f.broker
        .put_object(&rec("good", "1700000001.00000", 1))
        .unwrap();
    f.broker
        .put_object(&rec("bad", "not-a-timestamp", 1))
        .unwrap();
    f.broker
        .put_object(&rec("good2", "1700000002.00000", 1))
        .unwrap();
    assert_eq!(f.broker.get_info().unwrap().object_count, 2);
    assert_eq!(list(&f.broker, |_| {}), ["good", "good2"]);
}
