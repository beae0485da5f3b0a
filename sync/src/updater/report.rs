//! One container report to one account server: the PUT Swift's `container_report` sends through
//! `bufferedhttp.http_connect`, byte for byte (request line with the quoted
//! `/<dev>/<part>/<account>/<container>` path, `Host`, `Accept-Encoding: identity`, then the
//! report headers in Swift's order, no body). Written by hand rather than with an HTTP crate
//! so that the wire form and the two timeouts (connect+send, then answer) are exactly Swift's.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// What the updater reports for one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `/<account>/<container>` (unquoted).
    pub container_path: String,
    /// `put_timestamp` as stored.
    pub put_timestamp: String,
    /// `delete_timestamp` as stored.
    pub delete_timestamp: String,
    /// Object count (0 for a shard).
    pub object_count: i64,
    /// Bytes used (0 for a shard).
    pub bytes_used: i64,
    /// The container's storage policy index.
    pub storage_policy_index: i64,
    /// `container-updater <pid>`.
    pub user_agent: String,
}

/// Python's `urllib.parse.quote(path)` (safe `/`), on the UTF-8 bytes.
pub fn quote_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The request bytes Swift sends to `ip:port` for `report` on `device`/`part`.
pub fn request_bytes(ip: &str, port: u16, device: &str, part: u64, report: &Report) -> Vec<u8> {
    let path = quote_path(&format!("/{device}/{part}{}", report.container_path));
    let host = if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    };
    format!(
        "PUT {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\n\
         X-Put-Timestamp: {}\r\nX-Delete-Timestamp: {}\r\nX-Object-Count: {}\r\n\
         X-Bytes-Used: {}\r\nX-Account-Override-Deleted: yes\r\n\
         X-Backend-Storage-Policy-Index: {}\r\nuser-agent: {}\r\n\r\n",
        report.put_timestamp,
        report.delete_timestamp,
        report.object_count,
        report.bytes_used,
        report.storage_policy_index,
        report.user_agent
    )
    .into_bytes()
}

/// Why a report got no status.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Connecting or sending failed (within `conn_timeout`).
    #[error("connect: {0}")]
    Connect(String),
    /// No (readable) answer within `node_timeout`.
    #[error("response: {0}")]
    Response(String),
}

fn resolve(ip: &str, port: u16) -> Result<SocketAddr, ReportError> {
    (ip.trim_matches(|c| c == '[' || c == ']'), port)
        .to_socket_addrs()
        .map_err(|e| ReportError::Connect(e.to_string()))?
        .next()
        .ok_or_else(|| ReportError::Connect(format!("no address for {ip}")))
}

/// Sends the report and returns the account server's status. `conn_timeout` bounds connecting
/// and sending, `node_timeout` reading the whole answer (Swift's ConnectionTimeout / Timeout).
pub fn send(
    ip: &str,
    port: u16,
    device: &str,
    part: u64,
    report: &Report,
    conn_timeout: Duration,
    node_timeout: Duration,
) -> Result<u16, ReportError> {
    let conn_err = |e: std::io::Error| ReportError::Connect(e.to_string());
    let addr = resolve(ip, port)?;
    let start = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, conn_timeout.max(Duration::from_millis(1)))
        .map_err(conn_err)?;
    let left = conn_timeout.saturating_sub(start.elapsed());
    stream
        .set_write_timeout(Some(left.max(Duration::from_millis(1))))
        .map_err(conn_err)?;
    stream
        .write_all(&request_bytes(ip, port, device, part, report))
        .map_err(conn_err)?;
    read_status(stream, node_timeout)
}

/// Reads the status line, the headers and a `Content-Length` body within `timeout`.
fn read_status(stream: TcpStream, timeout: Duration) -> Result<u16, ReportError> {
    let resp_err = |e: std::io::Error| ReportError::Response(e.to_string());
    let deadline = Instant::now() + timeout;
    let arm = |s: &TcpStream| -> Result<(), ReportError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ReportError::Response("timed out".into()));
        }
        s.set_read_timeout(Some(left)).map_err(resp_err)
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    arm(reader.get_ref())?;
    reader.read_line(&mut line).map_err(resp_err)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| line.starts_with("HTTP/"))
        .ok_or_else(|| ReportError::Response(format!("bad status line {line:?}")))?;
    let mut length: Option<u64> = None;
    loop {
        line.clear();
        arm(reader.get_ref())?;
        if reader.read_line(&mut line).map_err(resp_err)? == 0 {
            return Ok(status);
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
        }
    }
    if let Some(n) = length {
        arm(reader.get_ref())?;
        std::io::copy(&mut reader.by_ref().take(n), &mut std::io::sink()).map_err(resp_err)?;
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_python() {
        assert_eq!(
            quote_path("/sda/1/a b/c%é~_.-"),
            "/sda/1/a%20b/c%25%C3%A9~_.-"
        );
    }
}
