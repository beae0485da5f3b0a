//! The container server's backend API over HTTP against the real binary: every verb, with the
//! exact statuses, headers and bodies Swift 2.38.3's Python server sends (recorded from it).

use swift_tests::{HttpResponse, ServerOptions, TestServer};

const NOT_FOUND: &str = "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>";
const CONFLICT: &str = "<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>";
const ACCEPTED: &str =
    "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>";
const HTML: &str = "text/html; charset=UTF-8";

fn put_container(s: &TestServer, path: &str, ts: &str, extra: &[(&str, &str)]) -> HttpResponse {
    let mut headers = vec![("X-Timestamp", ts)];
    headers.extend_from_slice(extra);
    s.request("PUT", path, &headers, b"")
}

fn put_object(
    s: &TestServer,
    path: &str,
    ts: &str,
    size: &str,
    ctype: &str,
    etag: &str,
) -> HttpResponse {
    s.request(
        "PUT",
        path,
        &[
            ("X-Timestamp", ts),
            ("X-Size", size),
            ("X-Content-Type", ctype),
            ("X-Etag", etag),
            ("X-Backend-Storage-Policy-Index", "0"),
        ],
        b"",
    )
}

fn assert_status(resp: &HttpResponse, status: u16) {
    assert_eq!(
        resp.status,
        status,
        "headers {:?} body {:?}",
        resp.headers,
        resp.text()
    );
}

#[test]
fn put_head_get_delete_lifecycle() {
    let s = TestServer::start();
    let r = put_container(&s, "/sda1/0/a/c", "1700000000.00000", &[]);
    assert_status(&r, 201);
    assert_eq!(r.header("Content-Type"), Some(HTML));
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("0"));
    assert_eq!(r.header("Content-Length"), Some("0"));
    assert_eq!(r.body, b"");

    let r = put_container(&s, "/sda1/0/a/c", "1700000001.00000", &[]);
    assert_status(&r, 202);
    assert_eq!(r.text(), ACCEPTED);
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("0"));

    assert_status(
        &put_object(
            &s,
            "/sda1/0/a/c/o1",
            "1700000003.00000",
            "10",
            "text/plain",
            "abc",
        ),
        201,
    );
    assert_status(
        &put_object(
            &s,
            "/sda1/0/a/c/d/o2",
            "1700000003.00000",
            "10",
            "text/plain;swift_bytes=99",
            "abc",
        ),
        201,
    );

    let r = s.request("HEAD", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 204);
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(
        r.header("X-Backend-Put-Timestamp"),
        Some("1700000001.00000")
    );
    assert_eq!(r.header("X-Put-Timestamp"), Some("1700000001.00000"));
    assert_eq!(
        r.header("X-Backend-Delete-Timestamp"),
        Some("0000000000.00000")
    );
    assert_eq!(
        r.header("X-Backend-Status-Changed-At"),
        Some("1700000000.00000")
    );
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("0"));
    assert_eq!(r.header("X-Container-Object-Count"), Some("2"));
    assert_eq!(r.header("X-Container-Bytes-Used"), Some("20"));
    assert_eq!(r.header("X-Backend-Sharding-State"), Some("unsharded"));
    assert_eq!(
        r.header("Last-Modified"),
        Some("Tue, 14 Nov 2023 22:13:21 GMT")
    );
    assert_eq!(r.header("X-Timestamp"), r.header("X-Backend-Timestamp"));

    let r = s.request("GET", "/sda1/0/a/c?format=json", &[], b"");
    assert_status(&r, 200);
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(r.header("X-Backend-Record-Type"), Some("object"));
    assert_eq!(r.header("X-Backend-Record-Storage-Policy-Index"), Some("0"));
    assert_eq!(
        r.text(),
        r#"[{"bytes": 99, "hash": "abc", "name": "d/o2", "content_type": "text/plain", "last_modified": "2023-11-14T22:13:23.000000"}, {"bytes": 10, "hash": "abc", "name": "o1", "content_type": "text/plain", "last_modified": "2023-11-14T22:13:23.000000"}]"#
    );

    let r = s.request("GET", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 200);
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.text(), "d/o2\no1\n");

    let r = s.request("GET", "/sda1/0/a/c?format=xml&delimiter=/", &[], b"");
    assert_status(&r, 200);
    assert_eq!(
        r.header("Content-Type"),
        Some("application/xml; charset=utf-8")
    );
    assert_eq!(
        r.text(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container name=\"c\"><subdir name=\"d/\"><name>d/</name></subdir><object><name>o1</name><hash>abc</hash><bytes>10</bytes><content_type>text/plain</content_type><last_modified>2023-11-14T22:13:23.000000</last_modified></object></container>"
    );

    let r = s.request(
        "DELETE",
        "/sda1/0/a/c",
        &[("X-Timestamp", "1700000009.00000")],
        b"",
    );
    assert_status(&r, 409);
    assert_eq!(r.text(), CONFLICT);

    for obj in ["/sda1/0/a/c/o1", "/sda1/0/a/c/d/o2"] {
        let r = s.request(
            "DELETE",
            obj,
            &[
                ("X-Timestamp", "1700000004.00000"),
                ("X-Backend-Storage-Policy-Index", "0"),
            ],
            b"",
        );
        assert_status(&r, 204);
        assert_eq!(r.header("Content-Type"), Some(HTML));
    }
    let r = s.request("GET", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 204);
    assert_eq!(r.body, b"");
    let r = s.request("GET", "/sda1/0/a/c?format=json", &[], b"");
    assert_status(&r, 200);
    assert_eq!(r.text(), "[]");

    let r = s.request(
        "DELETE",
        "/sda1/0/a/c",
        &[("X-Timestamp", "1700000009.00000")],
        b"",
    );
    assert_status(&r, 204);
    let r = s.request("HEAD", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 404);
    assert_eq!(
        r.header("X-Backend-Delete-Timestamp"),
        Some("1700000009.00000")
    );
    assert_eq!(
        r.header("X-Backend-Put-Timestamp"),
        Some("1700000001.00000")
    );
    assert_eq!(r.header("X-Container-Object-Count"), None);
    let r = s.request(
        "DELETE",
        "/sda1/0/a/c",
        &[("X-Timestamp", "1700000010.00000")],
        b"",
    );
    assert_status(&r, 404);
    assert_eq!(r.text(), NOT_FOUND);

    // A newer PUT recreates it (201) and resets status_changed_at.
    let r = put_container(&s, "/sda1/0/a/c", "1700000020.00000", &[]);
    assert_status(&r, 201);
    let r = s.request("HEAD", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 204);
    assert_eq!(
        r.header("X-Backend-Status-Changed-At"),
        Some("1700000020.00000")
    );
}

#[test]
fn missing_container_answers() {
    let s = TestServer::start();
    let r = s.request("HEAD", "/sda1/0/a/nope", &[], b"");
    assert_status(&r, 404);
    for h in [
        "X-Backend-Timestamp",
        "X-Backend-Put-Timestamp",
        "X-Backend-Delete-Timestamp",
        "X-Backend-Status-Changed-At",
    ] {
        assert_eq!(r.header(h), Some("0000000000.00000"), "{h}");
    }
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("0"));
    let r = s.request("GET", "/sda1/0/a/nope", &[], b"");
    assert_status(&r, 404);
    assert_eq!(r.text(), NOT_FOUND);
    assert_eq!(r.header("Content-Type"), Some(HTML));
    let r = s.request(
        "POST",
        "/sda1/0/a/nope",
        &[("X-Timestamp", "1700000010.00000")],
        b"",
    );
    assert_status(&r, 404);
    assert_eq!(r.text(), NOT_FOUND);
    let r = s.request(
        "DELETE",
        "/sda1/0/a/nope",
        &[("X-Timestamp", "1700000010.00000")],
        b"",
    );
    assert_status(&r, 404);
    // An object row for a missing container in a normal account: 404.
    let r = put_object(
        &s,
        "/sda1/0/a/nope/o",
        "1700000003.00000",
        "1",
        "text/plain",
        "e",
    );
    assert_status(&r, 404);
}

#[test]
fn request_validation() {
    let s = TestServer::start();
    let r = s.request("DELETE", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 400);
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    assert_eq!(r.text(), "Missing X-Timestamp header");
    let r = put_container(&s, "/sda1/0/a/c", "abc", &[]);
    assert_status(&r, 400);
    assert_eq!(r.text(), "Invalid X-Timestamp header");
    let r = s.request("GET", "/sda1/0/a", &[], b"");
    assert_status(&r, 400);
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    assert_eq!(r.text(), "Invalid path: /sda1/0/a");
    let r = s.request("GET", "/sda1/0", &[], b"");
    assert_eq!(r.text(), "Invalid path: /sda1/0");
    let r = put_container(&s, "/sda1/0/a/c%ff", "1700000010.00000", &[]);
    assert_status(&r, 412);
    assert_eq!(r.text(), "Invalid UTF8 or contains NULL");
    let r = put_container(&s, "/sda1/0/a/c%00x", "1700000010.00000", &[]);
    assert_status(&r, 400);
    assert_eq!(r.header("Content-Type"), Some(HTML));
    assert_eq!(r.text(), "Invalid reserved-namespace container");
    let r = put_container(&s, "/sdz/0/a/c", "1700000010.00000", &[]);
    assert_status(&r, 507);
    assert_eq!(
        r.text(),
        "<html><h1>Insufficient Storage</h1><p>There was not enough space to save the resource. Drive: sdz</p></html>"
    );
    // %2F decodes to '/', so the drive is "sd": it cannot escape the devices dir.
    let r = put_container(&s, "/sd%2Fa/0/a/c", "1700000010.00000", &[]);
    assert_status(&r, 507);
    let r = put_container(&s, "/..%2F..%2Fetc/0/a/c", "1700000010.00000", &[]);
    assert_status(&r, 400);
    let r = s.request("FOO", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 405);
    assert_eq!(
        r.text(),
        "<html><h1>Method Not Allowed</h1><p>The method is not allowed for this resource.</p></html>"
    );
    let r = s.request("OPTIONS", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 200);
    assert_eq!(
        r.header("Allow"),
        Some("DELETE, GET, HEAD, OPTIONS, POST, PUT, REPLICATE, UPDATE")
    );
    assert_eq!(r.header("Server"), Some("container-server/2.38.3"));
    let r = s.request("GET", "/sda1/0/a/c?limit=10001", &[], b"");
    assert_status(&r, 412);
    assert_eq!(r.text(), "Maximum limit is 10000");
    let r = s.request("GET", "/sda1/0/a/c", &[("Accept", "foo")], b"");
    assert_status(&r, 400);
    assert_eq!(r.text(), "Invalid Accept header");
}

#[test]
fn storage_policies() {
    let s = TestServer::start();
    let r = put_container(
        &s,
        "/sda1/0/a/c",
        "1700000001.00000",
        &[("X-Backend-Storage-Policy-Index", "1")],
    );
    assert_status(&r, 201);
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("1"));
    let r = put_container(
        &s,
        "/sda1/0/a/c",
        "1700000002.00000",
        &[("X-Backend-Storage-Policy-Index", "0")],
    );
    assert_status(&r, 409);
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("1"));
    assert_eq!(r.text(), CONFLICT);
    // No index: keeps the container's own.
    let r = put_container(
        &s,
        "/sda1/0/a/c",
        "1700000003.00000",
        &[("X-Backend-Storage-Policy-Default", "0")],
    );
    assert_status(&r, 202);
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("1"));
    let r = put_container(
        &s,
        "/sda1/0/a/c",
        "1700000004.00000",
        &[("X-Backend-Storage-Policy-Index", "7")],
    );
    assert_status(&r, 400);
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    assert_eq!(r.text(), "Invalid X-Backend-Storage-Policy-Index 7");
    let r = put_container(
        &s,
        "/sda1/0/a/c",
        "1700000004.00000",
        &[("X-Backend-Storage-Policy-Index", "abc")],
    );
    assert_eq!(r.text(), "Invalid X-Backend-Storage-Policy-Index 'abc'");
    // The proxy's default applies to new containers.
    let r = put_container(
        &s,
        "/sda1/0/a/c2",
        "1700000001.00000",
        &[("X-Backend-Storage-Policy-Default", "1")],
    );
    assert_status(&r, 201);
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("1"));
    let r = s.request("HEAD", "/sda1/0/a/c2", &[], b"");
    assert_eq!(r.header("X-Backend-Storage-Policy-Index"), Some("1"));
}

#[test]
fn metadata_put_post_head() {
    let s = TestServer::start();
    let r = put_container(
        &s,
        "/sda1/0/a/c",
        "1700000001.00000",
        &[
            ("X-Container-Meta-Color", "blue"),
            ("X-Container-Read", ".r:*"),
            ("X-Other", "no"),
        ],
    );
    assert_status(&r, 201);
    let r = s.request(
        "POST",
        "/sda1/0/a/c",
        &[
            ("X-Timestamp", "1700000010.00000"),
            ("x-container-meta-foo", "bar"),
            ("X-Container-Sysmeta-X", "y"),
            ("X-Container-Meta-Color", ""),
        ],
        b"",
    );
    assert_status(&r, 204);
    assert_eq!(r.header("Content-Type"), Some(HTML));
    let r = s.request("HEAD", "/sda1/0/a/c", &[], b"");
    assert_status(&r, 204);
    assert_eq!(r.header("X-Container-Meta-Foo"), Some("bar"));
    assert_eq!(r.header("X-Container-Read"), Some(".r:*"));
    assert_eq!(r.header("X-Container-Sysmeta-X"), Some("y"));
    assert_eq!(
        r.header("X-Container-Meta-Color"),
        None,
        "empty values are not shown"
    );
    assert_eq!(r.header("X-Other"), None);
    assert_eq!(r.header("X-Put-Timestamp"), Some("1700000010.00000"));
    assert_eq!(
        r.header("Last-Modified"),
        Some("Tue, 14 Nov 2023 22:13:30 GMT")
    );
    // The metadata shows on listings too.
    let r = s.request("GET", "/sda1/0/a/c?format=json", &[], b"");
    assert_eq!(r.header("X-Container-Meta-Foo"), Some("bar"));
    // X-Backend-No-Timestamp-Update keeps the put timestamp.
    let r = s.request(
        "POST",
        "/sda1/0/a/c",
        &[
            ("X-Timestamp", "1700000020.00000"),
            ("X-Backend-No-Timestamp-Update", "true"),
            ("X-Container-Meta-Foo", "baz"),
        ],
        b"",
    );
    assert_status(&r, 204);
    let r = s.request("HEAD", "/sda1/0/a/c", &[], b"");
    assert_eq!(r.header("X-Put-Timestamp"), Some("1700000010.00000"));
    assert_eq!(r.header("X-Container-Meta-Foo"), Some("baz"));
}

#[test]
fn sync_to_validation() {
    let realms = "[realm1]\nkey = sekrit\ncluster_clus1 = http://127.0.0.1:8080/v1/\n";
    let s = TestServer::start_with(ServerOptions {
        app_lines: vec!["allowed_sync_hosts = 127.0.0.1, example.com".into()],
        realms_conf: Some(realms.into()),
        ..Default::default()
    });
    assert_status(
        &put_container(&s, "/sda1/0/a/c", "1700000001.00000", &[]),
        201,
    );
    // Each POST a second later than the last: metadata only changes for newer timestamps.
    let clock = std::cell::Cell::new(1_700_000_010u64);
    let post = |value: &str| {
        clock.set(clock.get() + 1);
        let ts = format!("{}.00000", clock.get());
        s.request(
            "POST",
            "/sda1/0/a/c",
            &[("X-Timestamp", ts.as_str()), ("X-Container-Sync-To", value)],
            b"",
        )
    };
    let r = post("http://evil/a/c");
    assert_status(&r, 400);
    assert_eq!(r.header("Content-Type"), Some(HTML));
    assert_eq!(r.text(), "Invalid host 'evil' in X-Container-Sync-To");
    let r = post("ftp://evil/a/c");
    assert_eq!(
        r.text(),
        "Invalid scheme 'ftp' in X-Container-Sync-To, must be \"//\", \"http\", or \"https\"."
    );
    assert_eq!(post("//realm/c/a/c").text(), "No realm key for 'realm'");
    assert_eq!(
        post("//realm1/nope/a/c").text(),
        "No cluster endpoint for 'realm1' 'nope'"
    );
    assert_eq!(
        post("//realm1/clus1/a").text(),
        "Invalid X-Container-Sync-To format '//realm1/clus1/a'"
    );
    assert_eq!(
        post("http://example.com").text(),
        "Path required in X-Container-Sync-To"
    );
    assert_eq!(
        post("http://example.com/v1/a/c?x=1").text(),
        "Params, queries, and fragments not allowed in X-Container-Sync-To"
    );
    assert_status(&post("http://example.com/v1/a/c"), 204);
    assert_status(&post("//realm1/clus1/a/c2"), 204);
    let r = s.request("HEAD", "/sda1/0/a/c", &[], b"");
    assert_eq!(r.header("X-Container-Sync-To"), Some("//realm1/clus1/a/c2"));
    // PUT validates too.
    let r = put_container(
        &s,
        "/sda1/0/a/c3",
        "1700000001.00000",
        &[("X-Container-Sync-To", "http://evil/a/c")],
    );
    assert_status(&r, 400);
}

#[test]
fn autocreate_update_and_listing_params() {
    let s = TestServer::start();
    // Object rows in '.'-prefixed accounts create the container.
    let r = put_object(
        &s,
        "/sda1/0/.expiring_objects/1700000000/task1",
        "1700000003.00000_0000000000000001",
        "0",
        "text/plain",
        "e",
    );
    assert_status(&r, 201);
    let r = s.request("HEAD", "/sda1/0/.expiring_objects/1700000000", &[], b"");
    assert_status(&r, 204);
    assert_eq!(
        r.header("X-Backend-Put-Timestamp"),
        Some("1700000003.00000")
    );
    assert_eq!(r.header("X-Container-Object-Count"), Some("1"));

    // UPDATE without a policy index cannot auto-create.
    let body = br#"[{"name": "u1", "created_at": "1700000005.00000", "size": 3, "content_type": "text/plain", "etag": "x", "deleted": 0, "storage_policy_index": 0}]"#;
    let r = s.request(
        "UPDATE",
        "/sda1/0/.q/c",
        &[("X-Timestamp", "1700000005.00000")],
        body,
    );
    assert_status(&r, 400);
    assert_eq!(
        r.text(),
        "X-Backend-Storage-Policy-Index header is required"
    );
    let r = s.request(
        "UPDATE",
        "/sda1/0/.q/c",
        &[
            ("X-Timestamp", "1700000005.00000"),
            ("X-Backend-Storage-Policy-Index", "0"),
        ],
        body,
    );
    assert_status(&r, 202);
    assert_eq!(r.text(), ACCEPTED);
    let r = s.request(
        "UPDATE",
        "/sda1/0/.q/c",
        &[
            ("X-Timestamp", "1700000005.00000"),
            ("X-Backend-Storage-Policy-Index", "0"),
        ],
        b"not json",
    );
    assert_status(&r, 400);
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    let r = s.request("GET", "/sda1/0/.q/c?format=json", &[], b"");
    let listing = r.json();
    assert_eq!(listing[0]["name"], "u1");
    assert_eq!(listing[0]["bytes"], 3);

    // Listing parameters.
    assert_status(
        &put_container(&s, "/sda1/0/a/c", "1700000001.00000", &[]),
        201,
    );
    for name in ["a1", "a2", "b1", "b2/x", "b2/y", "c"] {
        assert_status(
            &put_object(
                &s,
                &format!("/sda1/0/a/c/{name}"),
                "1700000003.00000",
                "1",
                "t/p",
                "e",
            ),
            201,
        );
    }
    let get = |q: &str| {
        s.request("GET", &format!("/sda1/0/a/c?{q}"), &[], b"")
            .text()
    };
    assert_eq!(get("limit=2"), "a1\na2\n");
    assert_eq!(get("marker=a2&limit=2"), "b1\nb2/x\n");
    assert_eq!(get("end_marker=b1"), "a1\na2\n");
    assert_eq!(get("prefix=b"), "b1\nb2/x\nb2/y\n");
    assert_eq!(get("delimiter=/&prefix=b"), "b1\nb2/\n");
    assert_eq!(get("reverse=on&limit=2"), "c\nb2/y\n");
    assert_eq!(get("path=b2"), "b2/x\nb2/y\n");
    assert_eq!(
        s.request("GET", "/sda1/0/a/c?limit=0", &[], b"").status,
        204
    );
}

#[test]
fn account_updates() {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;

    // A fake account server that records the request line and answers with `status`.
    fn fake_account(status: u16) -> (u16, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let Ok(n) = stream.read(&mut buf) else { break };
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                let _ = tx.send(String::from_utf8_lossy(&got).into_owned());
                let _ = stream.write_all(
                    format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    .as_bytes(),
                );
            }
        });
        (port, rx)
    }

    let s = TestServer::start();
    let (p1, rx1) = fake_account(201);
    let (p2, rx2) = fake_account(404);
    let hosts = format!("127.0.0.1:{p1},127.0.0.1:{p2}");
    let r = put_container(
        &s,
        "/sda1/0/a/c",
        "1700000001.00000",
        &[
            ("X-Account-Host", &hosts),
            ("X-Account-Partition", "7"),
            ("X-Account-Device", "sdb1,sdc1"),
            ("X-Trans-Id", "tx123"),
        ],
    );
    assert_status(&r, 201);
    let req1 = rx1
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let req2 = rx2
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    assert!(req1.starts_with("PUT /sdb1/7/a/c HTTP/1.1\r\n"), "{req1}");
    assert!(req2.starts_with("PUT /sdc1/7/a/c HTTP/1.1\r\n"), "{req2}");
    let lower = req1.to_ascii_lowercase();
    assert!(
        lower.contains("x-put-timestamp: 1700000001.00000\r\n"),
        "{req1}"
    );
    assert!(lower.contains("x-delete-timestamp: 0\r\n"), "{req1}");
    assert!(lower.contains("x-object-count: 0\r\n"), "{req1}");
    assert!(lower.contains("x-bytes-used: 0\r\n"), "{req1}");
    assert!(lower.contains("x-trans-id: tx123\r\n"), "{req1}");
    assert!(
        lower.contains("x-backend-storage-policy-index: 0\r\n"),
        "{req1}"
    );
    assert!(lower.contains("user-agent: container-server "), "{req1}");

    // All account servers 404: so do we.
    let (p3, _rx3) = fake_account(404);
    let r = put_container(
        &s,
        "/sda1/0/a/c2",
        "1700000001.00000",
        &[
            ("X-Account-Host", &format!("127.0.0.1:{p3}")),
            ("X-Account-Partition", "7"),
            ("X-Account-Device", "sdb1"),
        ],
    );
    assert_status(&r, 404);
    assert_eq!(r.text(), NOT_FOUND);

    // Mismatched lists: 400 with swob's default body.
    let r = put_container(
        &s,
        "/sda1/0/a/c3",
        "1700000001.00000",
        &[
            ("X-Account-Host", "127.0.0.1:1,127.0.0.1:2"),
            ("X-Account-Partition", "7"),
            ("X-Account-Device", "sdb1"),
        ],
    );
    assert_status(&r, 400);
    assert_eq!(
        r.text(),
        "<html><h1>Bad Request</h1><p>The server could not comply with the request since it is either malformed or otherwise incorrect.</p></html>"
    );

    // An unreachable account server is logged and left for the updater: still 201.
    let dead = swift_tests::free_port();
    let r = put_container(
        &s,
        "/sda1/0/a/c4",
        "1700000001.00000",
        &[
            ("X-Account-Host", &format!("127.0.0.1:{dead}")),
            ("X-Account-Partition", "7"),
            ("X-Account-Device", "sdb1"),
        ],
    );
    assert_status(&r, 201);
}

#[test]
fn graceful_stop_on_sigterm() {
    let mut s = TestServer::start();
    assert_status(
        &put_container(&s, "/sda1/0/a/c", "1700000001.00000", &[]),
        201,
    );
    assert_eq!(s.stop(), Some(0), "log: {}", s.log());
}

#[test]
fn pipeline_filters_in_front_of_the_app() {
    let s = TestServer::start();
    let r = s.request("GET", "/healthcheck", &[], b"");
    assert_status(&r, 200);
    assert_eq!(r.text(), "OK");
    // The app itself still sees every other path.
    let r = s.request("GET", "/connect/1/2/3", &[], b"");
    assert_status(&r, 507);
}
