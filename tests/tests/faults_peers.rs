//! Slow and broken peers: account servers that hang, refuse or fail during the account update
//! of a container PUT, and a thousand idle client connections.

mod faults_support;

use faults_support::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use swift_tests::ServerOptions;

/// An account server stand-in on a free port answering every request with `answer`, or never
/// answering when `answer` is None. Runs until the test process ends.
fn fake_account_server(answer: Option<&'static str>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let _ = stream.read(&mut buf);
                match answer {
                    Some(status) => {
                        let _ = stream.write_all(
                            format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes(),
                        );
                    }
                    None => std::thread::sleep(Duration::from_secs(30)),
                }
            });
        }
    });
    port
}

fn put_with_account(node: &Node, container: &str, account_port: u16) -> (u16, Duration) {
    let host = format!("127.0.0.1:{account_port}");
    let start = Instant::now();
    let resp = node.request(
        "PUT",
        &format!("/sda1/0/a/{container}"),
        &[
            ("X-Timestamp", &now_ts()),
            ("X-Account-Host", &host),
            ("X-Account-Partition", "3"),
            ("X-Account-Device", "sdb1"),
        ],
    );
    (resp.status, start.elapsed())
}

/// As Swift: the container PUT answers 201 however the account server fails (only a 404 from
/// every account server turns it into 404), and never waits longer than conn_timeout +
/// node_timeout for it.
#[test]
fn account_server_failures_do_not_fail_the_container_put() {
    let node = Node::start(ServerOptions {
        default_lines: vec!["node_timeout = 1".into(), "conn_timeout = 0.5".into()],
        ..ServerOptions::default()
    });
    let hanging = fake_account_server(None);
    let failing = fake_account_server(Some("500 Internal Server Error"));
    let missing = fake_account_server(Some("404 Not Found"));
    let refusing = swift_tests::free_port();

    let (status, took) = put_with_account(&node, "hang", hanging);
    eprintln!("hanging account server: {status} after {took:?}");
    assert_eq!(status, 201);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );

    let (status, took) = put_with_account(&node, "fail", failing);
    assert_eq!(status, 201);
    assert!(took < Duration::from_secs(1), "{took:?}");

    let (status, took) = put_with_account(&node, "refuse", refusing);
    eprintln!("refusing account server: {status} after {took:?}");
    assert_eq!(status, 201);
    assert!(took < Duration::from_secs(1), "{took:?}");

    let (status, _) = put_with_account(&node, "gone", missing);
    assert_eq!(status, 404, "every account server said 404");

    // The containers exist all the same.
    for c in ["hang", "fail", "refuse"] {
        assert_eq!(
            node.request("HEAD", &format!("/sda1/0/a/{c}"), &[]).status,
            204
        );
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

/// A thousand connections that never send a byte do not stop others from being served, and
/// cost little memory.
#[test]
fn a_thousand_idle_connections() {
    let node = Node::start(ServerOptions::default());
    node.create_container("c");
    let before = rss_kib(node.pid());
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(("127.0.0.1", node.port)).expect("connect"))
        .collect();
    // Half of them send a partial request head and stop.
    for s in idle.iter().step_by(2) {
        let mut s = s;
        s.write_all(b"GET /sda1/0/a/c HTTP/1.1\r\nHost: x\r\n")
            .expect("partial head");
    }
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    assert_eq!(put_row(node.port, "c", "o"), Some(201));
    let resp = node.request("GET", "/sda1/0/a/c", &[]);
    let took = start.elapsed();
    assert_eq!((resp.status, resp.text()), (200, "o\n".to_string()));
    let after = rss_kib(node.pid());
    eprintln!(
        "1000 idle connections: RSS {before} KiB -> {after} KiB, other requests served in {took:?}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(
        after < before + 64 * 1024,
        "RSS grew from {before} to {after} KiB"
    );
    drop(idle);
}
