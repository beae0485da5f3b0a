//! The same requests sent to our server and to Swift 2.38.3's Python container server (from the
//! venv), comparing status, body and every header except those that depend on the clock
//! (`Date`, and `X-Timestamp`/`X-Backend-Timestamp`, which are the container's creation time).

use swift_tests::{HttpResponse, PythonServer, ServerOptions, TestServer};

/// Headers whose values legitimately differ between two runs.
const CLOCK_HEADERS: [&str; 4] = ["date", "x-timestamp", "x-backend-timestamp", "connection"];

fn comparable(resp: &HttpResponse) -> (u16, Vec<(String, String)>, String) {
    let mut headers: Vec<(String, String)> = resp
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .filter(|(n, _)| !CLOCK_HEADERS.contains(&n.as_str()))
        // The one known difference: hyper never sends Content-Length on a 204 (RFC 9110
        // forbids it); Swift sends `Content-Length: 0` on an empty (204) GET listing.
        .filter(|(n, v)| !(resp.status == 204 && n == "content-length" && v == "0"))
        .collect();
    headers.sort();
    (resp.status, headers, resp.text())
}

type Step = (
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static [u8],
);

fn obj_headers(
    ts: &'static str,
    size: &'static str,
    ctype: &'static str,
) -> Vec<(&'static str, &'static str)> {
    vec![
        ("X-Timestamp", ts),
        ("X-Size", size),
        ("X-Content-Type", ctype),
        ("X-Etag", "d41d8cd98f00b204e9800998ecf8427e"),
        ("X-Backend-Storage-Policy-Index", "0"),
    ]
}

/// A metadata value over Swift's 256-byte limit.
const LONG_VALUE: &str = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv";

fn script() -> Vec<Step> {
    let ts = |t: &'static str| vec![("X-Timestamp", t)];
    vec![
        ("HEAD", "/sda1/0/a/c", vec![], b""),
        ("GET", "/sda1/0/a/c", vec![], b""),
        ("PUT", "/sda1/0/a/c", ts("1700000000.00000"), b""),
        ("PUT", "/sda1/0/a/c", ts("1700000001.00000"), b""),
        ("PUT", "/sda1/0/a/c", vec![("X-Timestamp", "1700000001.00000"), ("X-Backend-Storage-Policy-Index", "1")], b""),
        ("PUT", "/sda1/0/a/p1", vec![("X-Timestamp", "1700000001.00000"), ("X-Backend-Storage-Policy-Index", "1")], b""),
        ("PUT", "/sda1/0/a/c", vec![("X-Timestamp", "1700000001.00000"), ("X-Backend-Storage-Policy-Index", "x")], b""),
        ("PUT", "/sda1/0/a/c/o1", obj_headers("1700000002.00000", "10", "text/plain"), b""),
        ("PUT", "/sda1/0/a/c/dir/o2", obj_headers("1700000002.10000", "20", "text/plain;swift_bytes=77"), b""),
        ("PUT", "/sda1/0/a/c/%E2%98%83", obj_headers("1700000002.20000", "5", "application/octet-stream"), b""),
        ("PUT", "/sda1/0/a/c/o3", obj_headers("1700000002.30000_0000000000000002", "0", "a/b"), b""),
        ("HEAD", "/sda1/0/a/c", vec![], b""),
        ("GET", "/sda1/0/a/c", vec![], b""),
        ("GET", "/sda1/0/a/c?format=json", vec![], b""),
        ("GET", "/sda1/0/a/c?format=xml", vec![], b""),
        ("GET", "/sda1/0/a/c", vec![("Accept", "application/json")], b""),
        ("GET", "/sda1/0/a/c", vec![("Accept", "text/xml")], b""),
        ("GET", "/sda1/0/a/c", vec![("Accept", "image/png")], b""),
        ("GET", "/sda1/0/a/c?format=json&delimiter=/", vec![], b""),
        ("GET", "/sda1/0/a/c?format=json&prefix=dir/&reverse=true", vec![], b""),
        ("GET", "/sda1/0/a/c?marker=dir&end_marker=o3&limit=5", vec![], b""),
        ("GET", "/sda1/0/a/c?limit=0", vec![], b""),
        ("GET", "/sda1/0/a/c?limit=20000", vec![], b""),
        ("GET", "/sda1/0/a/c?format=json", vec![("X-Backend-Storage-Policy-Index", "1")], b""),
        ("GET", "/sda1/0/a/c?format=json", vec![("X-Backend-Record-Type", "shard")], b""),
        ("GET", "/sda1/0/a/c?format=json", vec![("X-Backend-Record-Type", "auto")], b""),
        ("POST", "/sda1/0/a/c", vec![("X-Timestamp", "1700000003.00000"), ("X-Container-Meta-Test", "v"), ("X-Container-Write", "a:b")], b""),
        ("POST", "/sda1/0/a/c", vec![("X-Timestamp", "1700000003.00000"), ("X-Container-Sync-To", "http://nowhere/a/c")], b""),
        ("POST", "/sda1/0/a/nope", ts("1700000003.00000"), b""),
        ("HEAD", "/sda1/0/a/c", vec![], b""),
        ("DELETE", "/sda1/0/a/c", ts("1700000004.00000"), b""),
        ("DELETE", "/sda1/0/a/c/o1", vec![("X-Timestamp", "1700000004.00000"), ("X-Backend-Storage-Policy-Index", "0")], b""),
        ("UPDATE", "/sda1/0/a/c", vec![("X-Timestamp", "1700000004.00000"), ("X-Backend-Storage-Policy-Index", "0")],
            br#"[{"name": "o3", "created_at": "1700000004.00000", "size": 0, "content_type": "", "etag": "", "deleted": 1, "storage_policy_index": 0}]"#),
        ("GET", "/sda1/0/a/c?format=json", vec![], b""),
        ("PUT", "/sda1/0/.auto/c/x", obj_headers("1700000005.00000_000000000000000a", "1", "t/p"), b""),
        ("HEAD", "/sda1/0/.auto/c", vec![], b""),
        ("DELETE", "/sda1/0/a/c", vec![], b""),
        ("PUT", "/sda1/0/a/c", ts("bogus"), b""),
        ("GET", "/sda1/0/a", vec![], b""),
        ("GET", "/sdz/0/a/c", vec![], b""),
        ("PUT", "/sda1/0/a/c%FF", ts("1700000006.00000"), b""),
        ("PATCH", "/sda1/0/a/c", vec![], b""),
        ("GET", "/healthcheck", vec![], b""),
        ("OPTIONS", "/sda1/0/a/c", vec![], b""),
        ("GET", "/sda1/0/a/c?marker=%FF", vec![], b""),
        ("GET", "/sda1/0/a/c?format=json&path=dir", vec![], b""),
        ("PUT", "/sda1/0/a/c2", vec![("X-Timestamp", "1700000007.00000"), ("X-Account-Host", "127.0.0.1:1,127.0.0.1:2"),
            ("X-Account-Partition", "3"), ("X-Account-Device", "sdb")], b""),
        ("PUT", "/sda1/0/a/c2", vec![("X-Timestamp", "1700000007.00000"), ("X-Container-Meta-Big", LONG_VALUE)], b""),
        ("PUT", "/sda1/0/a/c2", ts("1700000007.00000"), b""),
        ("POST", "/sda1/0/a/c2", vec![("X-Timestamp", "1700000008.00000"), ("X-Backend-No-Timestamp-Update", "yes"),
            ("X-Container-Meta-A", "1")], b""),
        ("HEAD", "/sda1/0/a/c2", vec![], b""),
        ("DELETE", "/sda1/0/a/c2", ts("1700000009.00000"), b""),
        ("GET", "/sda1/0/a/c2", vec![], b""),
        ("HEAD", "/sda1/0/a/c2", vec![], b""),
        ("DELETE", "/sda1/0/a/c2", ts("1700000010.00000"), b""),
        ("PUT", "/sda1/0/a/c2", vec![("X-Timestamp", "1700000011.00000"), ("X-Backend-Storage-Policy-Index", "1")], b""),
        ("HEAD", "/sda1/0/a/c2", vec![], b""),
        ("PUT", "/sda1/0/a/c2/%00x", obj_headers("1700000012.00000", "1", "t/p"), b""),
        ("PUT", "/sda1/0/a/%00c/x", obj_headers("1700000012.00000", "1", "t/p"), b""),
        ("GET", "/sda1/0/a/c2?format=json", vec![("X-Backend-Record-Type", "shard"), ("X-Backend-Record-Shard-Format", "namespace"),
            ("X-Backend-Include-Deleted", "true")], b""),
        ("GET", "/sda1/0/a/c2?format=json&states=bogus", vec![("X-Backend-Record-Type", "shard")], b""),
        // A filler range from the container's own range (namespaces: its full form holds the
        // current time).
        ("GET", "/sda1/0/a/c2?format=json&states=listing&marker=b", vec![("X-Backend-Record-Type", "shard"),
            ("X-Backend-Record-Shard-Format", "namespace")], b""),
        ("GET", "/sda1/0/a/c2?format=json&states=updating&end_marker=x", vec![("X-Backend-Record-Type", "shard"),
            ("X-Backend-Record-Shard-Format", "namespace")], b""),
        // Not compared, a known difference: the text of JSON parse errors (Python's json module
        // vs serde_json).
    ]
}

#[test]
fn same_answers_as_swift() {
    let ours = TestServer::start_with(ServerOptions::default());
    let swift = PythonServer::start_with(ServerOptions::default());
    let mut differences = Vec::new();
    for (method, path, headers, body) in script() {
        let a = comparable(&ours.request(method, path, &headers, body));
        let b = comparable(&swift.request(method, path, &headers, body));
        if a != b {
            differences.push(format!(
                "{method} {path} {headers:?}\n  ours:  {a:?}\n  swift: {b:?}"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
