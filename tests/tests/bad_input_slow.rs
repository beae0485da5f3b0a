//! Slow and stalled clients (issue 7), against our server and Swift 2.38.3's Python server on
//! the same config (`client_timeout = 2`):
//! - a request whose headers stop half-way is closed without an answer after client_timeout;
//! - an UPDATE whose body stops short is answered 500 after client_timeout (Swift's eventlet
//!   Timeout inside the app);
//! - while 200 slowloris connections trickle header lines, other requests are served at once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use swift_tests::{PythonServer, ServerOptions, TestServer};

const CLIENT_TIMEOUT: u64 = 2;

fn options() -> ServerOptions {
    ServerOptions {
        default_lines: vec![format!("client_timeout = {CLIENT_TIMEOUT}")],
        ..ServerOptions::default()
    }
}

/// Sends `raw` and waits for the answer: ("closed" or the status code, seconds taken).
fn stall(port: u16, raw: &[u8]) -> (String, f64) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(CLIENT_TIMEOUT * 5)))
        .expect("timeout");
    stream.write_all(raw).expect("write");
    let start = Instant::now();
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                data.extend_from_slice(&buf[..n]);
                if data.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return ("hang".into(), start.elapsed().as_secs_f64())
            }
            Err(_) => break,
        }
    }
    let answer = match data.get(9..12) {
        Some(code) => String::from_utf8_lossy(code).into_owned(),
        None => "closed".into(),
    };
    (answer, start.elapsed().as_secs_f64())
}

fn create(port: u16) {
    let (status, _) = stall(
        port,
        b"PUT /sda1/0/a/c HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Timestamp: 0000000001.00000\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(status, "201");
}

const PARTIAL_HEADERS: &[u8] = b"GET /sda1/0/a/c HTTP/1.1\r\nHost: x\r\n";
const SHORT_BODY: &[u8] = b"UPDATE /sda1/0/a/c HTTP/1.1\r\nHost: x\r\nX-Timestamp: 0000000002.00000\r\nContent-Length: 10\r\n\r\n[]";

fn check_stalls(port: u16, who: &str) {
    let limit = CLIENT_TIMEOUT as f64 + 3.0;
    let (answer, secs) = stall(port, PARTIAL_HEADERS);
    assert_eq!(answer, "closed", "{who}: headers stopped half-way");
    assert!(
        secs >= CLIENT_TIMEOUT as f64 - 0.5 && secs < limit,
        "{who}: closed after {secs:.1}s"
    );
    let (answer, secs) = stall(port, SHORT_BODY);
    assert_eq!(answer, "500", "{who}: body stopped short");
    assert!(
        secs >= CLIENT_TIMEOUT as f64 - 0.5 && secs < limit,
        "{who}: answered after {secs:.1}s"
    );
}

#[test]
fn stalled_requests_answer_as_swift() {
    let py = PythonServer::start_with(options());
    create(py.port);
    check_stalls(py.port, "Swift");
    let ours = TestServer::start_with(options());
    create(ours.port);
    check_stalls(ours.port, "ours");
}

#[test]
fn slowloris_does_not_starve_other_requests() {
    let ours = TestServer::start_with(options());
    create(ours.port);
    let port = ours.port;
    let mut slow: Vec<TcpStream> = (0..200)
        .filter_map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
            s.write_all(b"GET /sda1/0/a/c HTTP/1.1\r\nHost: x\r\n")
                .ok()?;
            Some(s)
        })
        .collect();
    assert_eq!(slow.len(), 200, "slow connections opened");
    let start = Instant::now();
    let mut worst = 0.0f64;
    let mut served = 0;
    while start.elapsed() < Duration::from_secs(3) {
        // Keep every slow connection alive with one more header line.
        for (i, s) in slow.iter_mut().enumerate() {
            let _ = s.write_all(format!("X-Slow-{i}: 1\r\n").as_bytes());
        }
        let (answer, secs) = stall(
            port,
            b"HEAD /sda1/0/a/c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(answer, "204", "HEAD while slowloris connections are open");
        worst = worst.max(secs);
        served += 1;
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("{served} requests served beside 200 slowloris connections, slowest {worst:.3}s");
    assert!(
        worst < 1.0,
        "a request took {worst:.3}s beside slowloris connections"
    );
}
