//! Test helpers shared by the daemons' tests: ring files and a tiny HTTP server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};

/// Writes a v1 ring: devices as (device, port, weight) on 127.0.0.1, one zone each, and the
/// device id of each partition for each replica row.
pub fn write_ring(path: &Path, devs: &[(&str, u16, f64)], rows: &[Vec<u16>], part_shift: u32) {
    let devs: Vec<Value> = devs
        .iter()
        .enumerate()
        .map(|(i, (name, port, weight))| {
            json!({"id": i, "region": 1, "zone": i + 1, "ip": "127.0.0.1", "port": port,
                   "replication_ip": "127.0.0.1", "replication_port": port, "device": name,
                   "weight": weight, "meta": ""})
        })
        .collect();
    let header = json!({"byteorder": "little", "devs": devs, "part_shift": part_shift,
                        "replica_count": rows.len()})
    .to_string();
    let mut raw = b"R1NG\x00\x01".to_vec();
    raw.extend((header.len() as u32).to_be_bytes());
    raw.extend(header.as_bytes());
    for row in rows {
        for id in row {
            raw.extend(id.to_le_bytes());
        }
    }
    let file = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(&raw).unwrap();
    gz.finish().unwrap();
}

/// A request as the test server saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    /// Method.
    pub method: String,
    /// Raw path.
    pub path: String,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// The value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Serves HTTP/1.1 on 127.0.0.1 (one request per connection) with `handler`; returns the port.
pub fn serve(handler: impl Fn(&SeenRequest) -> (u16, Vec<u8>) + Send + Sync + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let handler = Arc::clone(&handler);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let mut parts = line.split(' ');
                let method = parts.next().unwrap_or("").to_string();
                let path = parts.next().unwrap_or("").to_string();
                let mut headers = Vec::new();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                    }
                }
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                let req = SeenRequest {
                    method,
                    path,
                    headers,
                    body,
                };
                let (status, body) = handler(&req);
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    port
}
