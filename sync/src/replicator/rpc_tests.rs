//! The REPLICATE ops on real DB files: replies, rows and sync points after each op.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use swift_common::db::{BrokerCache, ContainerBroker, ObjectRecord};
use swift_common::timestamp::Timestamp;

use super::rpc::{dispatch, RpcReply};

const HASH: &str = "0123456789abcdef0123456789abcabc";

struct Node {
    _root: tempfile::TempDir,
    drive: PathBuf,
    cache: BrokerCache,
}

fn node() -> Node {
    let root = tempfile::tempdir().unwrap();
    let drive = root.path().join("sda1");
    std::fs::create_dir_all(&drive).unwrap();
    Node {
        _root: root,
        drive,
        cache: BrokerCache::default(),
    }
}

fn db_dir(drive: &Path) -> PathBuf {
    drive.join("containers/7/abc").join(HASH)
}

fn rec(name: &str, ts: &str) -> ObjectRecord {
    ObjectRecord {
        name: name.into(),
        created_at: ts.into(),
        size: 1,
        content_type: "text/plain".into(),
        etag: "e".into(),
        deleted: false,
        storage_policy_index: 0,
        ctype_timestamp: None,
        meta_timestamp: None,
    }
}

fn create_db(dir: &Path, names: &[&str]) -> ContainerBroker {
    let b = ContainerBroker::new(
        dir,
        "AUTH_a",
        "c",
        Duration::from_secs(5),
        Duration::from_secs(5),
    );
    b.initialize(&Timestamp::parse("1700000000.00000").unwrap(), 0)
        .unwrap();
    let recs: Vec<ObjectRecord> = names.iter().map(|n| rec(n, "1700000001.00000")).collect();
    b.merge_items(&recs, None).unwrap();
    b
}

fn call(n: &Node, args: Value) -> RpcReply {
    dispatch(&n.cache, &n.drive, "7", HASH, args)
}

fn body_json(r: &RpcReply) -> Value {
    serde_json::from_slice(r.body.as_deref().unwrap()).unwrap()
}

fn object_names(b: &ContainerBroker) -> Vec<String> {
    b.get_items_since(-1, 1000)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect()
}

#[test]
fn ops_on_a_missing_db_answer_404_and_prepare_tmp() {
    let n = node();
    let r = call(&n, json!(["sync", 1, "h", "id", "1", "1", "0", ""]));
    assert_eq!(
        r,
        RpcReply {
            status: 404,
            body: None,
            content_type: None
        }
    );
    assert!(n.drive.join("tmp").is_dir());
    assert_eq!(call(&n, json!(["merge_items", [], null])).status, 404);
}

#[test]
fn bad_requests_answer_400() {
    let n = node();
    create_db(&db_dir(&n.drive), &[]);
    let r = call(&n, json!({"op": "sync"}));
    assert_eq!(
        (r.status, r.body.as_deref()),
        (400, Some(&b"Invalid object type"[..]))
    );
    assert_eq!(call(&n, json!([])).status, 400);
    assert_eq!(call(&n, json!(["no_such_op"])).status, 400);
    assert_eq!(call(&n, json!(["sync", 1])).status, 400);
    assert_eq!(call(&n, json!(["complete_rsync", "../../x"])).status, 400);
    assert_eq!(
        call(&n, json!(["complete_rsync", "x", "../h.db"])).status,
        400
    );
    assert_eq!(
        call(&n, json!(["merge_items", [{"name": "o"}], "src"])).status,
        400
    );
    assert_eq!(
        dispatch(&n.cache, &n.drive, "..", HASH, json!(["sync"])).status,
        400
    );
}

#[test]
fn sync_answers_our_info_and_records_the_peer_sync_point() {
    let n = node();
    let b = create_db(&db_dir(&n.drive), &["a", "b"]);
    let info = b.get_info().unwrap();
    let r = call(
        &n,
        json!([
            "sync",
            5,
            "other-hash",
            "remote-id",
            info.created_at,
            info.put_timestamp,
            info.delete_timestamp,
            ""
        ]),
    );
    assert_eq!((r.status, r.content_type), (200, None));
    let text = String::from_utf8(r.body.clone().unwrap()).unwrap();
    let v = body_json(&r);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "account",
            "container",
            "created_at",
            "put_timestamp",
            "delete_timestamp",
            "status",
            "status_changed_at",
            "bytes_used",
            "reported_put_timestamp",
            "reported_delete_timestamp",
            "reported_object_count",
            "reported_bytes_used",
            "hash",
            "id",
            "x_container_sync_point1",
            "x_container_sync_point2",
            "storage_policy_index",
            "db_state",
            "count",
            "metadata",
            "max_row",
            "shard_max_row",
            "point"
        ]
    );
    assert!(
        text.starts_with("{\"account\": \"AUTH_a\", \"container\": \"c\", "),
        "{text}"
    );
    assert_eq!(v["count"], json!(2));
    assert_eq!(v["max_row"], json!(2));
    assert_eq!(v["shard_max_row"], json!(-1));
    assert_eq!(v["db_state"], json!("unsharded"));
    assert_eq!(v["hash"], json!(info.hash));
    assert_eq!(v["point"], json!(-1));
    // Same hash and a newer point: we take the peer's word that we are in sync up to it.
    let r = call(
        &n,
        json!([
            "sync",
            5,
            info.hash,
            "remote-id",
            info.created_at,
            info.put_timestamp,
            info.delete_timestamp,
            "{\"X-Container-Meta-Color\": [\"red\", \"1700000002.00000\"]}"
        ]),
    );
    assert_eq!(body_json(&r)["point"], json!(5));
    assert_eq!(b.get_sync("remote-id", true).unwrap(), 5);
    assert_eq!(
        b.metadata().unwrap().get("X-Container-Meta-Color"),
        Some(&("red".to_string(), "1700000002.00000".to_string()))
    );
    // Older put timestamp from the peer: merged (created_at takes the minimum).
    call(
        &n,
        json!([
            "sync",
            5,
            "x",
            "remote-id",
            "1600000000.00000",
            "1800000000.00000",
            "0",
            ""
        ]),
    );
    let after = b.get_info().unwrap();
    assert_eq!(after.created_at, "1600000000.00000");
    assert_eq!(after.put_timestamp, "1800000000.00000");
}

#[test]
fn merge_items_and_merge_syncs() {
    let n = node();
    let b = create_db(&db_dir(&n.drive), &["a"]);
    let rows = json!([
        {"ROWID": 3, "name": "b", "created_at": "1700000005.00000", "size": 4, "content_type": "x/y",
         "etag": "e2", "deleted": 0, "storage_policy_index": 0},
        {"ROWID": 9, "name": "a", "created_at": "1700000009.00000", "size": 0, "content_type": "",
         "etag": "", "deleted": 1, "storage_policy_index": 0}
    ]);
    let r = call(&n, json!(["merge_items", rows, "peer-1"]));
    assert_eq!(
        r,
        RpcReply {
            status: 202,
            body: None,
            content_type: None
        }
    );
    assert_eq!(b.get_sync("peer-1", true).unwrap(), 9);
    let items = b.get_items_since(-1, 10).unwrap();
    let live: Vec<(&str, bool)> = items.iter().map(|r| (r.name.as_str(), r.deleted)).collect();
    assert_eq!(live, vec![("b", false), ("a", true)]);
    assert_eq!(b.get_info().unwrap().object_count, 1);

    let r = call(
        &n,
        json!(["merge_syncs", [{"remote_id": "peer-2", "sync_point": 17}]]),
    );
    assert_eq!(r.status, 202);
    assert_eq!(b.get_sync("peer-2", true).unwrap(), 17);
}

#[test]
fn shard_ranges_merge_and_list() {
    let n = node();
    create_db(&db_dir(&n.drive), &[]);
    let r = call(&n, json!(["get_shard_ranges"]));
    assert_eq!(
        (r.status, r.content_type, r.body.as_deref()),
        (200, Some("application/json"), Some(&b"[]"[..]))
    );
    let sr = json!({"name": ".shards_AUTH_a/c-1", "timestamp": "1700000003.00000", "lower": "", "upper": "m",
        "object_count": 2, "bytes_used": 3, "meta_timestamp": "1700000003.00000", "deleted": 0, "state": 10,
        "state_timestamp": "1700000003.00000", "epoch": null, "reported": 0, "tombstones": -1});
    assert_eq!(
        call(&n, json!(["merge_shard_ranges", [sr.clone()], "peer"])).status,
        202
    );
    let r = call(&n, json!(["get_shard_ranges"]));
    assert_eq!(body_json(&r), json!([sr]));
}

#[test]
fn complete_rsync_adopts_the_pushed_file_with_a_new_id() {
    let src = node();
    let pushed = create_db(&db_dir(&src.drive), &["a", "b", "c"]);
    let old_id = pushed.get_info().unwrap().id;
    let n = node();
    std::fs::create_dir_all(n.drive.join("tmp")).unwrap();
    std::fs::copy(pushed.db_file(), n.drive.join("tmp/remote-id")).unwrap();
    let r = call(
        &n,
        json!(["complete_rsync", "remote-id", format!("{HASH}.db")]),
    );
    assert_eq!(r.status, 204);
    assert!(!n.drive.join("tmp/remote-id").exists());
    let b = n.cache.get_or_open(&db_dir(&n.drive), "", "");
    assert_eq!(object_names(&b), vec!["a", "b", "c"]);
    assert_ne!(b.get_info().unwrap().id, old_id);
    assert_eq!(b.get_sync("remote-id", true).unwrap(), 3);
    assert_eq!(
        std::fs::read_dir(n.drive.join("tmp")).unwrap().count(),
        0,
        "staging cleaned up"
    );
    // Once we have a DB, another complete_rsync is refused.
    std::fs::copy(pushed.db_file(), n.drive.join("tmp/remote-id")).unwrap();
    assert_eq!(call(&n, json!(["complete_rsync", "remote-id"])).status, 404);
    assert_eq!(call(&n, json!(["complete_rsync", "missing"])).status, 404);
}

#[test]
fn rsync_then_merge_keeps_rows_from_both_sides() {
    let src = node();
    let pushed = create_db(&db_dir(&src.drive), &["a", "b"]);
    let n = node();
    let ours = create_db(&db_dir(&n.drive), &["b", "z"]);
    ours.merge_syncs(
        &[swift_common::db::SyncPoint {
            remote_id: "third".into(),
            sync_point: 4,
        }],
        true,
    )
    .unwrap();
    assert_eq!(
        call(&n, json!(["rsync_then_merge", "remote-id"])).status,
        404,
        "nothing pushed yet"
    );
    std::fs::create_dir_all(n.drive.join("tmp")).unwrap();
    std::fs::copy(pushed.db_file(), n.drive.join("tmp/remote-id")).unwrap();
    let r = call(
        &n,
        json!(["rsync_then_merge", "remote-id", format!("{HASH}.db")]),
    );
    assert_eq!(r.status, 204);
    let b = n.cache.get_or_open(&db_dir(&n.drive), "", "");
    let mut names = object_names(&b);
    names.sort();
    assert_eq!(names, vec!["a", "b", "z"]);
    assert_eq!(b.get_sync("third", true).unwrap(), 4);
    assert!(b.get_sync("remote-id", true).unwrap() >= 2);
    assert!(!n.drive.join("tmp/remote-id").exists());
}

#[test]
fn rsync_then_merge_keeps_the_newest_row_version() {
    let src = node();
    let pushed = create_db(&db_dir(&src.drive), &["a", "b"]);
    let mut tomb = rec("a", "1700000100.00000");
    tomb.deleted = true;
    tomb.size = 0;
    pushed.put_object(&tomb).unwrap();
    pushed.get_info().unwrap();
    let n = node();
    let ours = create_db(&db_dir(&n.drive), &["a"]);
    drop(ours);
    std::fs::create_dir_all(n.drive.join("tmp")).unwrap();
    std::fs::copy(pushed.db_file(), n.drive.join("tmp/remote-id")).unwrap();
    assert_eq!(
        call(&n, json!(["rsync_then_merge", "remote-id"])).status,
        204
    );
    let b = n.cache.get_or_open(&db_dir(&n.drive), "", "");
    let rows: Vec<(String, bool)> = b
        .get_items_since(-1, 10)
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.deleted))
        .collect();
    assert!(rows.contains(&("a".to_string(), true)), "{rows:?}");
    assert_eq!(b.get_info().unwrap().object_count, 1);
}
