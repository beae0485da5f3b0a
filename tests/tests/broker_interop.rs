//! Container DBs shared with Swift 2.38.3's own Python `ContainerBroker` (from the venv made by
//! scripts/swift-venv.sh, or `SWIFT_VENV`):
//! (a) a DB Swift created and filled, rows still in its `.pending`, reads the same through ours;
//! (b) a DB we created and filled, rows still pending, reads the same through Swift's broker and
//!     `swift-container-info`, also with both appending to the same `.pending`;
//! (c) the same merges give the same rows, `hash` and schema text in both.

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use swift_common::db::{ContainerBroker, ListingEntry, ListingParams, Metadata, ObjectRecord};
use swift_common::timestamp::Timestamp;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn swift_venv() -> PathBuf {
    if let Some(v) = std::env::var_os("SWIFT_VENV") {
        return PathBuf::from(v);
    }
    let out = Command::new(repo_root().join("scripts/swift-venv.sh"))
        .output()
        .expect("run scripts/swift-venv.sh");
    assert!(
        out.status.success(),
        "swift-venv.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Runs tests/python/broker_tool.py with Swift's Python; returns stdout.
fn py_tool(args: &[&str]) -> String {
    let out = Command::new(swift_venv().join("bin/python"))
        .arg(repo_root().join("tests/python/broker_tool.py"))
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "broker_tool.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn write_json(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p.to_str().unwrap().to_string()
}

/// `<root>/<dev>/containers/9/<suffix>/<hash>`.
fn db_dir(root: &Path, dev: &str, hash: &str) -> PathBuf {
    root.join(dev)
        .join("containers/9")
        .join(&hash[hash.len() - 3..])
        .join(hash)
}

fn db_file(dir: &Path) -> String {
    let hash = dir.file_name().unwrap().to_str().unwrap();
    dir.join(format!("{hash}.db")).to_str().unwrap().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        let from_hash = from.file_name().unwrap().to_str().unwrap();
        let to_hash = to.file_name().unwrap().to_str().unwrap();
        std::fs::copy(e.path(), to.join(name.replace(from_hash, to_hash))).unwrap();
    }
}

fn pending_len(dir: &Path) -> u64 {
    std::fs::metadata(format!("{}.pending", db_file(dir)))
        .map(|m| m.len())
        .unwrap_or(0)
}

fn committed_rows(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db_file(dir)).unwrap();
    conn.query_row("SELECT count(*) FROM object", [], |r| r.get(0))
        .unwrap()
}

fn obj(name: &str, ts: &str, size: i64, ctype: &str, deleted: bool, spi: i64) -> Value {
    json!({"name": name, "created_at": ts, "size": size, "content_type": ctype,
           "etag": format!("{:032x}", name.len() * 7919 + size as usize), "deleted": deleted,
           "storage_policy_index": spi, "ctype_timestamp": null, "meta_timestamp": null})
}

/// 300 rows over nested names, unicode, a reserved name, another policy, overwrites,
/// tombstones, swift_bytes and POST-style content-type/metadata updates.
fn dataset() -> Vec<Value> {
    let mut v = Vec::new();
    let dirs = [
        "",
        "photos/",
        "photos/2024/",
        "docs/",
        "caf\u{e9}/",
        "a-b/",
        "emoji\u{1f600}/",
    ];
    for i in 0..280 {
        let name = format!(
            "{}obj{:03}{}",
            dirs[i % dirs.len()],
            i,
            if i % 11 == 0 { "/" } else { "" }
        );
        let ts = format!("17000{:05}.{:05}", i, i * 7 % 100000);
        let ctype = if i % 13 == 0 {
            "application/x-big;swift_bytes=123456".to_string()
        } else {
            "text/plain; charset=utf-8".to_string()
        };
        v.push(obj(
            &name,
            &ts,
            (i * 37 % 1000) as i64,
            &ctype,
            false,
            if i % 17 == 0 { 1 } else { 0 },
        ));
    }
    v.push(obj(
        "\u{0}reserved\u{0}name",
        "1700000001.00000",
        5,
        "text/plain",
        false,
        0,
    ));
    // Overwrites: newer data, older data (ignored), a tombstone, a content-type/meta update.
    v.push(obj(
        "photos/obj001",
        "1700099999.00000",
        4242,
        "image/png",
        false,
        0,
    ));
    v.push(obj(
        "photos/obj008",
        "1600000000.00000",
        1,
        "ignored/old",
        false,
        0,
    ));
    v.push(obj(
        "photos/2024/obj002",
        "1700099999.00000",
        0,
        "application/deleted",
        true,
        0,
    ));
    let mut post = obj(
        "docs/obj003",
        "1700000003.00021",
        0,
        "text/markdown",
        false,
        0,
    );
    post["ctype_timestamp"] = json!("1700099998.00000");
    post["meta_timestamp"] = json!("1700099999.50000");
    v.push(post);
    let mut post2 = obj(
        "emoji\u{1f600}/obj013",
        "1700000013.00091",
        0,
        "text/new;swift_bytes=1",
        false,
        0,
    );
    post2["meta_timestamp"] = json!("1700099997.00000");
    v.push(post2);
    for i in 0..14 {
        v.push(obj(
            &format!("gone{i:02}"),
            "1700000500.00000",
            0,
            "application/deleted",
            true,
            0,
        ));
    }
    v
}

fn metadata_ops() -> Value {
    json!({"X-Container-Meta-Color": ["blu\u{e9}", "1700000000.00000"],
           "X-Container-Read": [".r:*", "1700000000.00000"],
           "X-Container-Sysmeta-Thing": ["x\"y\\z", "1700000000.00000"],
           "X-Container-Meta-Empty": ["", "1700000000.00000"]})
}

fn ops(objects: Vec<Value>) -> Value {
    json!({"account": "AUTH_t\u{e9}st", "container": "c\u{f6}n", "put_timestamp": "1700000000.00000",
           "policy": 0, "objects": objects, "metadata": metadata_ops()})
}

fn queries() -> Value {
    json!([
        {"limit": 10000},
        {"limit": 10000, "allow_reserved": true},
        {"limit": 7},
        {"limit": 10000, "delimiter": "/"},
        {"limit": 10000, "delimiter": "/", "prefix": "photos/"},
        {"limit": 10000, "delimiter": "/", "reverse": true},
        {"limit": 10000, "delimiter": "bj1"},
        {"limit": 10000, "delimiter": "/", "marker": "docs/", "limit": 5},
        {"limit": 10000, "marker": "docs/obj100", "end_marker": "photos/obj050"},
        {"limit": 10000, "marker": "photos/obj050", "end_marker": "docs/obj100", "reverse": true},
        {"limit": 10000, "prefix": "caf\u{e9}/"},
        {"limit": 10000, "path": "photos"},
        {"limit": 10000, "storage_policy_index": 1},
        {"limit": 3, "delimiter": "/", "prefix": "emoji\u{1f600}/", "marker": "emoji\u{1f600}/obj006"}
    ])
}

fn record(v: &Value) -> ObjectRecord {
    let opt = |k: &str| v[k].as_str().map(str::to_string);
    ObjectRecord {
        name: v["name"].as_str().unwrap().into(),
        created_at: v["created_at"].as_str().unwrap().into(),
        size: v["size"].as_i64().unwrap(),
        content_type: v["content_type"].as_str().unwrap().into(),
        etag: v["etag"].as_str().unwrap().into(),
        deleted: v["deleted"].as_bool().unwrap(),
        storage_policy_index: v["storage_policy_index"].as_i64().unwrap(),
        ctype_timestamp: opt("ctype_timestamp"),
        meta_timestamp: opt("meta_timestamp"),
    }
}

fn broker(dir: &Path) -> ContainerBroker {
    ContainerBroker::new(
        dir,
        "",
        "",
        Duration::from_secs(25),
        Duration::from_secs(10),
    )
}

/// Our broker's view in the shape broker_tool.py's `dump` prints.
fn rust_dump(dir: &Path, queries: &Value) -> Value {
    let b = broker(dir);
    let i = b.get_info().unwrap();
    let info = json!({
        "account": i.account, "container": i.container, "put_timestamp": i.put_timestamp,
        "delete_timestamp": i.delete_timestamp, "status_changed_at": i.status_changed_at,
        "object_count": i.object_count, "bytes_used": i.bytes_used,
        "reported_put_timestamp": i.reported_put_timestamp,
        "reported_delete_timestamp": i.reported_delete_timestamp,
        "reported_object_count": i.reported_object_count, "reported_bytes_used": i.reported_bytes_used,
        "hash": i.hash, "x_container_sync_point1": i.x_container_sync_point1,
        "x_container_sync_point2": i.x_container_sync_point2, "storage_policy_index": i.storage_policy_index,
    });
    let metadata: Map<String, Value> = b
        .metadata()
        .unwrap()
        .into_iter()
        .map(|(k, (v, t))| (k, json!([v, t])))
        .collect();
    let rows: Vec<Value> = b
        .get_items_since(-1, 100000)
        .unwrap()
        .into_iter()
        .map(|r| {
            json!([
                r.row_id,
                r.name,
                r.created_at,
                r.size,
                r.content_type,
                r.etag,
                i64::from(r.deleted),
                r.storage_policy_index
            ])
        })
        .collect();
    let mut listings = Vec::new();
    for q in queries.as_array().unwrap() {
        let s = |k: &str| q[k].as_str().map(str::to_string);
        let p = ListingParams {
            limit: q["limit"].as_u64().unwrap() as usize,
            marker: s("marker").unwrap_or_default(),
            end_marker: s("end_marker").unwrap_or_default(),
            prefix: s("prefix"),
            delimiter: s("delimiter"),
            path: s("path"),
            storage_policy_index: q["storage_policy_index"].as_i64(),
            reverse: q["reverse"].as_bool().unwrap_or(false),
            allow_reserved: q["allow_reserved"].as_bool().unwrap_or(false),
        };
        let entries: Vec<Value> = b
            .list_objects(&p)
            .unwrap()
            .into_iter()
            .map(|e| match e {
                ListingEntry::Subdir(s) => json!({"subdir": s}),
                ListingEntry::Object {
                    name,
                    created_at,
                    size,
                    content_type,
                    etag,
                } => json!({
                    "name": name, "created_at": created_at, "size": size,
                    "content_type": content_type, "etag": etag}),
            })
            .collect();
        listings.push(Value::Array(entries));
    }
    let conn = rusqlite::Connection::open(db_file(dir)).unwrap();
    let mut schema: Vec<Value> = conn
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE sql NOT NULL")
        .unwrap()
        .query_map([], |r| {
            Ok(json!([
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?
            ]))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    schema.sort_by_key(|v| v.to_string());
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    json!({"info": info, "is_deleted": b.is_deleted().unwrap(), "metadata": metadata,
           "raw_metadata": b.raw_metadata().unwrap(), "rows": rows, "listings": listings,
           "schema": schema, "journal_mode": journal})
}

fn py_dump(dir: &Path, tmp: &Path) -> Value {
    let q = write_json(tmp, "queries.json", &queries());
    let mut v: Value = serde_json::from_str(&py_tool(&["dump", &db_file(dir), &q])).unwrap();
    // Python sorts schema rows as lists; sort the same way as ours.
    if let Some(s) = v["schema"].as_array_mut() {
        s.sort_by_key(|v| v.to_string());
    }
    v
}

fn assert_same(ours: &Value, theirs: &Value) {
    for key in [
        "info",
        "is_deleted",
        "metadata",
        "raw_metadata",
        "rows",
        "journal_mode",
        "schema",
    ] {
        assert_eq!(ours[key], theirs[key], "{key} differs");
    }
    let (o, t) = (
        ours["listings"].as_array().unwrap(),
        theirs["listings"].as_array().unwrap(),
    );
    for (i, q) in queries().as_array().unwrap().iter().enumerate() {
        assert_eq!(o[i], t[i], "listing {q} differs");
    }
}

/// Facts about `dataset()` checked on both sides, independent of either implementation.
fn assert_expected_values(dump: &Value) {
    let info = &dump["info"];
    assert_eq!(info["account"], "AUTH_t\u{e9}st");
    assert_eq!(info["container"], "c\u{f6}n");
    // 281 distinct live names created; policy 1 holds 17 of them (i % 17 == 0); one overwrite
    // became a tombstone; 14 extra tombstones.
    assert_eq!(info["object_count"], 281 - 17 - 1);
    assert_eq!(info["put_timestamp"], "1700000000.00000");
    assert_eq!(info["delete_timestamp"], "0");
    assert_eq!(dump["is_deleted"], false);
    assert_eq!(dump["rows"].as_array().unwrap().len(), 281 + 14);
    let listing = dump["listings"][0].as_array().unwrap();
    assert_eq!(
        listing.len(),
        281 - 17 - 1 - 1,
        "the reserved name is hidden"
    );
    assert_eq!(dump["listings"][1].as_array().unwrap().len(), 281 - 17 - 1);
    assert_eq!(dump["listings"][2].as_array().unwrap().len(), 7);
    let first = &dump["listings"][2][0];
    assert_eq!(first["name"], "a-b/obj005");
    let o1 = listing
        .iter()
        .find(|e| e["name"] == "photos/obj001")
        .unwrap();
    assert_eq!(
        (o1["size"].as_i64(), o1["content_type"].as_str()),
        (Some(4242), Some("image/png"))
    );
    let d3 = listing.iter().find(|e| e["name"] == "docs/obj003").unwrap();
    assert_eq!(d3["created_at"], "1700099999.50000");
    assert_eq!(d3["content_type"], "text/markdown");
    assert_eq!(d3["size"], 3 * 37);
    let o13 = listing
        .iter()
        .find(|e| e["name"] == "emoji\u{1f600}/obj013")
        .unwrap();
    assert_eq!(
        o13["content_type"], "application/x-big;swift_bytes=123456",
        "older content type kept"
    );
    assert_eq!(o13["created_at"], "1700099997.00000");
    let top: Vec<&str> = dump["listings"][3]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["subdir"].as_str())
        .collect();
    // Top-level names ending in the delimiter fold into a subdir of their own.
    assert_eq!(
        top,
        [
            "a-b/",
            "caf\u{e9}/",
            "docs/",
            "emoji\u{1f600}/",
            "obj077/",
            "obj154/",
            "obj231/",
            "photos/"
        ]
    );
    assert_eq!(
        dump["metadata"]["X-Container-Meta-Color"],
        json!(["blu\u{e9}", "1700000000.00000"])
    );
    assert_eq!(dump["metadata"].as_object().unwrap().len(), 4);
}

#[test]
fn python_db_with_pending_rows_reads_the_same_in_rust() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = db_dir(tmp.path(), "sda1", "5f0c6b2c0d0e4a9c8b7a6f5e4d3c2b1a");
    std::fs::create_dir_all(&dir).unwrap();
    let ops_file = write_json(tmp.path(), "ops.json", &ops(dataset()));
    py_tool(&["make", &db_file(&dir), &ops_file]);
    assert!(pending_len(&dir) > 10_000, "rows are still in .pending");
    assert_eq!(committed_rows(&dir), 0);
    // Swift's own reading of an identical copy is the reference.
    let copy = db_dir(tmp.path(), "sda2", "00000000000000000000000000000abc");
    copy_dir(&dir, &copy);
    let theirs = py_dump(&copy, tmp.path());
    assert_expected_values(&theirs);
    let ours = rust_dump(&dir, &queries());
    assert_eq!(pending_len(&dir), 0, "our read committed the pending rows");
    assert_same(&ours, &theirs);
}

fn rust_make(dir: &Path, objects: &[Value]) {
    let b = ContainerBroker::new(
        dir,
        "AUTH_t\u{e9}st",
        "c\u{f6}n",
        Duration::from_secs(25),
        Duration::from_secs(10),
    );
    assert!(b
        .initialize(&Timestamp::parse("1700000000.00000").unwrap(), 0)
        .unwrap());
    let md: Metadata = metadata_ops()
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                (v[0].as_str().unwrap().into(), v[1].as_str().unwrap().into()),
            )
        })
        .collect();
    b.update_metadata(&md, true).unwrap();
    for o in objects {
        b.put_object(&record(o)).unwrap();
    }
}

#[test]
fn rust_db_with_pending_rows_reads_the_same_in_python() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = db_dir(tmp.path(), "sda1", "6a1b2c3d4e5f60718293a4b5c6d7e8f9");
    let data = dataset();
    // We append the first half, Swift's Python appends the rest to the same .pending under the
    // same lock, then we append one more batch: nothing is committed yet.
    let (first, rest) = data.split_at(150);
    let (second, third) = rest.split_at(100);
    rust_make(&dir, first);
    let second_file = write_json(tmp.path(), "second.json", &ops(second.to_vec()));
    py_tool(&["put", &db_file(&dir), &second_file]);
    let b = broker(&dir);
    for o in third {
        b.put_object(&record(o)).unwrap();
    }
    drop(b);
    assert!(pending_len(&dir) > 10_000);
    assert_eq!(committed_rows(&dir), 0);
    // `swift-container-info` on a pending-laden copy.
    let copy_info = db_dir(tmp.path(), "sda3", "00000000000000000000000000000def");
    copy_dir(&dir, &copy_info);
    let out = Command::new(swift_venv().join("bin/swift-container-info"))
        .arg(db_file(&copy_info))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Our reading of an identical copy, then Swift's reading of the original.
    let copy = db_dir(tmp.path(), "sda2", "00000000000000000000000000000abc");
    copy_dir(&dir, &copy);
    let ours = rust_dump(&copy, &queries());
    assert_expected_values(&ours);
    let theirs = py_dump(&dir, tmp.path());
    assert_same(&ours, &theirs);
    assert_eq!(
        theirs["metadata_is_python_json"], true,
        "{}",
        theirs["raw_metadata"]
    );
    for line in [
        "  Account: AUTH_t\u{e9}st".to_string(),
        "  Container: c\u{f6}n".to_string(),
        "  Deleted: False".to_string(),
        format!("  Object Count: {}", ours["info"]["object_count"]),
        format!("  Bytes Used: {}", ours["info"]["bytes_used"]),
        format!("  Chexor: {}", ours["info"]["hash"].as_str().unwrap()),
        "  Put Timestamp: 2023-11-14T22:13:20.000000 (1700000000.00000)".to_string(),
        "  Storage Policy: Policy-0 (0)".to_string(),
        "  X-Container-Sync-Point1: -1".to_string(),
        "    X-Container-Meta-Color: blu\u{e9}".to_string(),
        "  State: unsharded".to_string(),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    let uuid = text
        .lines()
        .find_map(|l| l.strip_prefix("  UUID: "))
        .unwrap();
    assert!(uuid.ends_with("-sda1") && uuid.len() == 36 + 5, "{uuid}");
}

#[test]
fn same_merges_give_same_rows_hash_and_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let py_dir = db_dir(tmp.path(), "sda1", "11111111111111111111111111111111");
    let rs_dir = db_dir(tmp.path(), "sda1", "22222222222222222222222222222222");
    std::fs::create_dir_all(&py_dir).unwrap();
    let mut empty = ops(Vec::new());
    empty["metadata"] = json!({});
    py_tool(&[
        "make",
        &db_file(&py_dir),
        &write_json(tmp.path(), "empty.json", &empty),
    ]);
    let b = ContainerBroker::new(
        &rs_dir,
        "AUTH_t\u{e9}st",
        "c\u{f6}n",
        Duration::from_secs(25),
        Duration::from_secs(10),
    );
    b.initialize(&Timestamp::parse("1700000000.00000").unwrap(), 0)
        .unwrap();
    // Several batches, each merged straight into the table by both implementations.
    let data = dataset();
    for (n, batch) in data.chunks(60).enumerate() {
        let f = write_json(tmp.path(), &format!("batch{n}.json"), &ops(batch.to_vec()));
        py_tool(&["merge", &db_file(&py_dir), &f]);
        let recs: Vec<ObjectRecord> = batch.iter().map(record).collect();
        b.merge_items(&recs, None).unwrap();
    }
    // Re-merging everything changes nothing in either.
    let all = write_json(tmp.path(), "all.json", &ops(data.clone()));
    py_tool(&["merge", &db_file(&py_dir), &all]);
    b.merge_items(&data.iter().map(record).collect::<Vec<_>>(), None)
        .unwrap();
    drop(b);
    let theirs = py_dump(&py_dir, tmp.path());
    let ours_in_py = py_dump(&rs_dir, tmp.path());
    let ours = rust_dump(&rs_dir, &queries());
    assert_eq!(ours["info"]["hash"], theirs["info"]["hash"]);
    assert_ne!(ours["info"]["hash"], "00000000000000000000000000000000");
    assert_eq!(ours["rows"], theirs["rows"], "same rows, same ROWIDs");
    assert_eq!(
        ours_in_py["schema"], theirs["schema"],
        "schema text identical"
    );
    assert_eq!(ours["info"], ours_in_py["info"]);
    assert_eq!(ours["info"]["object_count"], theirs["info"]["object_count"]);
    assert_eq!(ours["listings"], theirs["listings"]);
}

#[test]
fn pending_lock_is_shared_with_python() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let dir = db_dir(tmp.path(), "sda1", "33333333333333333333333333333333");
    rust_make(&dir, &[]);
    // Python holds the lock: our append waits, then gives up with LockTimeout.
    let mut child = Command::new(swift_venv().join("bin/python"))
        .arg(repo_root().join("tests/python/broker_tool.py"))
        .args(["hold-lock", &db_file(&dir), "3"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    let row = record(&obj("from-rust", "1700000008.00000", 1, "t", false, 0));
    let short = ContainerBroker::new(
        &dir,
        "",
        "",
        Duration::from_secs(5),
        Duration::from_millis(300),
    );
    let err = short.put_object(&row).unwrap_err();
    assert!(
        matches!(err, swift_common::db::DbError::LockTimeout(_)),
        "{err:?}"
    );
    assert!(child.wait().unwrap().success());
    short.put_object(&row).unwrap();
    // We hold it (while committing): Python's put times out the same way.
    let lock = swift_common::db::pending::DirLock::acquire(&dir, Duration::from_secs(1)).unwrap();
    assert_eq!(
        py_tool(&["try-put", &db_file(&dir), "0.3"]).trim(),
        "LockTimeout"
    );
    drop(lock);
    assert_eq!(py_tool(&["try-put", &db_file(&dir), "1"]).trim(), "ok");
    let b = broker(&dir);
    assert_eq!(b.get_info().unwrap().object_count, 2);
}

/// A small deterministic generator (LCG) for the differential listing test.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
    fn word(&mut self, alphabet: &[&str], max_len: usize) -> String {
        let len = 1 + self.next(max_len);
        (0..len)
            .map(|_| alphabet[self.next(alphabet.len())])
            .collect()
    }
}

#[test]
fn random_listings_match_python() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = db_dir(tmp.path(), "sda1", "44444444444444444444444444444444");
    let alphabet = ["a", "b", "/", "-", "\u{e9}", "c", "/", "a"];
    let mut rng = Lcg(2024);
    let mut objects = Vec::new();
    for i in 0..500 {
        let name = rng.word(&alphabet, 7);
        let deleted = rng.next(10) == 0;
        let spi = i64::from(rng.next(8) == 0);
        objects.push(obj(
            &name,
            &format!("17000{:05}.00000", i),
            i as i64,
            "t",
            deleted,
            spi,
        ));
    }
    rust_make(&dir, &objects);
    let mut qs = Vec::new();
    for _ in 0..400 {
        let mut q = Map::new();
        q.insert("limit".into(), json!([1, 3, 10, 10000][rng.next(4)]));
        let pick =
            |rng: &mut Lcg, q: &mut Map<String, Value>, key: &str, odds: usize, max: usize| {
                if rng.next(odds) == 0 {
                    q.insert(key.into(), json!(rng.word(&alphabet, max)));
                }
            };
        pick(&mut rng, &mut q, "marker", 3, 4);
        pick(&mut rng, &mut q, "end_marker", 4, 4);
        pick(&mut rng, &mut q, "prefix", 3, 3);
        if rng.next(2) == 0 {
            q.insert(
                "delimiter".into(),
                json!(["/", "-", "a", "/a", "b/"][rng.next(5)]),
            );
        }
        if rng.next(12) == 0 {
            q.insert("path".into(), json!(["", "a", "a/", "b/a"][rng.next(4)]));
        }
        if rng.next(3) == 0 {
            q.insert("reverse".into(), json!(true));
        }
        if rng.next(6) == 0 {
            q.insert("storage_policy_index".into(), json!(1));
        }
        qs.push(Value::Object(q));
    }
    let qs = Value::Array(qs);
    let qfile = write_json(tmp.path(), "random_queries.json", &qs);
    let theirs: Value = serde_json::from_str(&py_tool(&["dump", &db_file(&dir), &qfile])).unwrap();
    let ours = rust_dump(&dir, &qs);
    let mut non_empty = 0;
    for (i, q) in qs.as_array().unwrap().iter().enumerate() {
        assert_eq!(ours["listings"][i], theirs["listings"][i], "query {q}");
        non_empty += usize::from(!theirs["listings"][i].as_array().unwrap().is_empty());
    }
    assert!(
        non_empty > 200,
        "queries exercise real listings ({non_empty})"
    );
    assert_eq!(ours["info"]["hash"], theirs["info"]["hash"]);
}

fn rust_state(dir: &Path) -> Value {
    let b = broker(dir);
    let (i, is_deleted, state) = b.get_info_is_deleted().unwrap();
    let state = match state {
        swift_common::db::DbState::NotFound => "not_found",
        swift_common::db::DbState::Unsharded => "unsharded",
        swift_common::db::DbState::Sharding => "sharding",
        swift_common::db::DbState::Sharded => "sharded",
        swift_common::db::DbState::Collapsed => "collapsed",
    };
    assert_eq!(b.db_state().unwrap(), b.db_state().unwrap());
    let ranges: Vec<Value> = b
        .get_shard_ranges(None, None, None, None, false)
        .unwrap()
        .into_iter()
        .map(|r| json!([r.name, r.lower, r.upper, r.object_count, r.state, r.epoch]))
        .collect();
    let own = b
        .get_own_shard_range()
        .unwrap()
        .map(|o| json!([o.name, o.state, o.epoch]));
    json!({
        "info": {"account": i.account, "container": i.container, "put_timestamp": i.put_timestamp,
            "delete_timestamp": i.delete_timestamp, "status_changed_at": i.status_changed_at,
            "object_count": i.object_count, "bytes_used": i.bytes_used,
            "reported_put_timestamp": i.reported_put_timestamp,
            "reported_delete_timestamp": i.reported_delete_timestamp,
            "reported_object_count": i.reported_object_count,
            "reported_bytes_used": i.reported_bytes_used, "hash": i.hash,
            "x_container_sync_point1": i.x_container_sync_point1,
            "x_container_sync_point2": i.x_container_sync_point2,
            "storage_policy_index": i.storage_policy_index, "db_state": state},
        "is_deleted": is_deleted, "empty": b.empty().unwrap(), "is_root": b.is_root_container().unwrap(),
        "db_file": b.db_file().file_name().unwrap().to_str().unwrap(),
        "shard_ranges": ranges, "own": own,
    })
}

#[test]
fn sharding_and_sharded_dbs_read_as_swift_reads_them() {
    let tmp = tempfile::tempdir().unwrap();
    let ops_file = write_json(tmp.path(), "ops.json", &ops(dataset()));
    for (n, stage) in ["sharding", "sharded"].iter().enumerate() {
        let dir = db_dir(
            tmp.path(),
            "sda1",
            &format!("5555555555555555555555555555555{n}"),
        );
        std::fs::create_dir_all(&dir).unwrap();
        py_tool(&["make", &db_file(&dir), &ops_file]);
        py_tool(&["shard", &db_file(&dir), stage]);
        let hash = dir.file_name().unwrap().to_str().unwrap().to_string();
        let files = swift_common::db::locate::get_db_files(&dir, &hash);
        assert_eq!(files.len(), if *stage == "sharding" { 2 } else { 1 });
        let theirs: Value =
            serde_json::from_str(&py_tool(&["state", &db_file(&dir), "-"])).unwrap();
        let ours = rust_state(&dir);
        assert_eq!(ours, theirs, "{stage}");
        assert_eq!(theirs["info"]["db_state"], *stage);
        assert_eq!(theirs["db_file"], format!("{hash}_1700000100.00000.db"));
        // Sharding: the retiring DB's counts; sharded root: the shard ranges' usage.
        let count = if *stage == "sharding" {
            281 - 17 - 1
        } else {
            12
        };
        assert_eq!(ours["info"]["object_count"], count);
        assert_eq!(ours["shard_ranges"].as_array().unwrap().len(), 2);
    }
}
