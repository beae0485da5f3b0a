//! A small blocking HTTP/1.1 client for plain `http://`, byte-transparent in header values.
//!
//! Object metadata values may hold any bytes (UTF-8 in practice); Swift's Python passes them
//! through untouched (latin-1 in, latin-1 out). General-purpose clients refuse or drop such
//! header values, so object GETs and requests to `http://` remotes go through this one: header
//! values are carried as latin-1 strings (one char per byte) and written back byte for byte.
//! One request per connection (`Connection: close`), as Swift's urllib calls do.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Headers with latin-1 values (each char is one byte on the wire).
pub type Headers = Vec<(String, String)>;

/// Where and how to send one request.
pub struct Target<'a> {
    /// Host name or address (IPv6 without brackets).
    pub host: &'a str,
    /// Port.
    pub port: u16,
    /// Path and query, already quoted.
    pub path: &'a str,
    /// `(host, port)` of an HTTP proxy; the request line then carries the absolute URL.
    pub proxy: Option<(&'a str, u16)>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Read/write timeout per socket operation (None: block).
    pub io_timeout: Option<Duration>,
}

/// A response whose body has not been read yet.
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased, values latin-1.
    pub headers: Headers,
    /// The body.
    pub body: Body,
}

/// Latin-1 decoding: one char per byte.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// Latin-1 encoding; chars past U+00FF (never produced by [`latin1`]) are sent as UTF-8.
pub fn to_wire(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        if (c as u32) < 0x100 {
            out.push(c as u32 as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

fn connect(host: &str, port: u16, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}"));
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Sends one request and reads the status line and headers. A body is sent with the
/// `content-length` found in `headers` (exactly that many bytes), else chunked.
pub fn request(
    method: &str,
    target: &Target<'_>,
    headers: &[(String, String)],
    body: Option<&mut dyn Read>,
) -> io::Result<Response> {
    let (conn_host, conn_port) = target.proxy.unwrap_or((target.host, target.port));
    let stream = connect(conn_host, conn_port, target.connect_timeout)?;
    stream.set_read_timeout(target.io_timeout)?;
    stream.set_write_timeout(target.io_timeout)?;
    stream.set_nodelay(true)?;
    let authority = host_port(target.host, target.port);
    let request_target = match target.proxy {
        Some(_) => format!("http://{authority}{}", target.path),
        None => target.path.to_string(),
    };
    let mut head = Vec::with_capacity(512);
    head.extend_from_slice(
        format!("{method} {request_target} HTTP/1.1\r\nHost: {authority}\r\n").as_bytes(),
    );
    let mut length: Option<u64> = None;
    for (k, v) in headers {
        let lower = k.to_ascii_lowercase();
        if matches!(lower.as_str(), "host" | "connection" | "transfer-encoding") {
            continue;
        }
        if lower == "content-length" {
            length = v.trim().parse().ok();
        }
        if k.contains(['\r', '\n']) || v.contains(['\r', '\n']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad header {k:?}"),
            ));
        }
        to_wire(k, &mut head);
        head.extend_from_slice(b": ");
        to_wire(v, &mut head);
        head.extend_from_slice(b"\r\n");
    }
    let chunked = body.is_some() && length.is_none();
    if chunked {
        head.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
    } else if body.is_none() && length.is_none() && matches!(method, "PUT" | "POST") {
        head.extend_from_slice(b"Content-Length: 0\r\n");
    }
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    let mut writer = io::BufWriter::with_capacity(64 * 1024, stream.try_clone()?);
    writer.write_all(&head)?;
    if let Some(body) = body {
        match length {
            Some(n) => {
                let copied = io::copy(&mut body.take(n), &mut writer)?;
                if copied != n {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("body ended after {copied} of {n} bytes"),
                    ));
                }
            }
            None => {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = body.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    writer.write_all(format!("{n:x}\r\n").as_bytes())?;
                    writer.write_all(&buf[..n])?;
                    writer.write_all(b"\r\n")?;
                }
                writer.write_all(b"0\r\n\r\n")?;
            }
        }
    }
    writer.flush()?;
    drop(writer);
    read_response(
        BufReader::with_capacity(64 * 1024, stream),
        method == "HEAD",
    )
}

fn read_line(r: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    r.by_ref().take(64 * 1024).read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\n") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "truncated HTTP head",
        ));
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(line)
}

fn read_response(mut r: BufReader<TcpStream>, head_only: bool) -> io::Result<Response> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_string());
    let status_line = read_line(&mut r)?;
    let status_line = latin1(&status_line);
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/") {
        return Err(bad("not an HTTP response"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let mut headers = Headers::new();
    loop {
        let line = read_line(&mut r)?;
        if line.is_empty() {
            break;
        }
        if headers.len() > 1000 {
            return Err(bad("too many headers"));
        }
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            return Err(bad("bad header line"));
        };
        let name = latin1(&line[..colon]).trim().to_ascii_lowercase();
        let value = latin1(&line[colon + 1..]).trim().to_string();
        headers.push((name, value));
    }
    let find = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    let kind = if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
        Kind::Fixed(0)
    } else if find("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        Kind::Chunked {
            left: 0,
            done: false,
        }
    } else if let Some(n) = find("content-length") {
        Kind::Fixed(n.trim().parse().map_err(|_| bad("bad content-length"))?)
    } else {
        Kind::UntilClose
    };
    Ok(Response {
        status,
        headers,
        body: Body { r, kind },
    })
}

enum Kind {
    Fixed(u64),
    Chunked { left: u64, done: bool },
    UntilClose,
}

/// A response body, read straight off the socket.
pub struct Body {
    r: BufReader<TcpStream>,
    kind: Kind,
}

impl Body {
    /// Reads and drops what is left (at most 1 MiB; a longer body is simply abandoned).
    pub fn drain(mut self) {
        let _ = io::copy(&mut (&mut self).take(1 << 20), &mut io::sink());
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.kind {
            Kind::Fixed(left) => {
                if *left == 0 || buf.is_empty() {
                    return Ok(0);
                }
                let max = (*left).min(buf.len() as u64) as usize;
                let n = self.r.read(&mut buf[..max])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "body shorter than content-length",
                    ));
                }
                *left -= n as u64;
                Ok(n)
            }
            Kind::UntilClose => self.r.read(buf),
            Kind::Chunked { left, done } => {
                if *done || buf.is_empty() {
                    return Ok(0);
                }
                if *left == 0 {
                    let line = read_line(&mut self.r)?;
                    let size = latin1(&line);
                    let size = size.split(';').next().unwrap_or("").trim();
                    let n = u64::from_str_radix(size, 16).map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "bad chunk size")
                    })?;
                    if n == 0 {
                        // Trailers, then the blank line.
                        while !read_line(&mut self.r)?.is_empty() {}
                        *done = true;
                        return Ok(0);
                    }
                    *left = n;
                }
                let max = (*left).min(buf.len() as u64) as usize;
                let n = self.r.read(&mut buf[..max])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "chunk cut short",
                    ));
                }
                *left -= n as u64;
                if *left == 0 {
                    read_line(&mut self.r)?;
                }
                Ok(n)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serves one connection: returns the raw request bytes it read and answers `reply`.
    fn one_shot(reply: &'static [u8]) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            s.write_all(reply).unwrap();
            got
        });
        (port, h)
    }

    fn target(port: u16) -> Target<'static> {
        Target {
            host: "127.0.0.1",
            port,
            path: "/v1/a/c/o%20x",
            proxy: None,
            connect_timeout: Duration::from_secs(1),
            io_timeout: Some(Duration::from_secs(2)),
        }
    }

    #[test]
    fn header_bytes_pass_through_both_ways() {
        let (port, h) = one_shot(
            b"HTTP/1.1 200 OK\r\nX-Object-Meta-Name: \xc3\xbc\r\nContent-Length: 3\r\n\r\nabc",
        );
        let meta = latin1("ü".as_bytes());
        let headers = vec![
            ("X-Object-Meta-Name".to_string(), meta.clone()),
            ("Content-Length".into(), "4".into()),
        ];
        let mut body: &[u8] = b"data";
        let mut resp = request("PUT", &target(port), &headers, Some(&mut body)).unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.headers[0], ("x-object-meta-name".to_string(), meta));
        let mut got = String::new();
        resp.body.read_to_string(&mut got).unwrap();
        assert_eq!(got, "abc");
        let sent = h.join().unwrap();
        let text = String::from_utf8(sent).unwrap();
        assert!(
            text.starts_with("PUT /v1/a/c/o%20x HTTP/1.1\r\nHost: 127.0.0.1:"),
            "{text}"
        );
        assert!(text.contains("\r\nX-Object-Meta-Name: ü\r\n"), "{text}");
        assert!(text.ends_with("Connection: close\r\n\r\ndata"), "{text}");
    }

    #[test]
    fn chunked_both_ways_and_proxy_form() {
        let (port, h) = one_shot(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n");
        let mut t = target(1);
        t.proxy = Some(("127.0.0.1", port));
        let mut body: &[u8] = b"hello";
        let mut resp = request("PUT", &t, &[], Some(&mut body)).unwrap();
        assert_eq!(resp.status, 201);
        let mut got = String::new();
        resp.body.read_to_string(&mut got).unwrap();
        assert_eq!(got, "abcde");
        let text = String::from_utf8(h.join().unwrap()).unwrap();
        assert!(
            text.starts_with("PUT http://127.0.0.1:1/v1/a/c/o%20x HTTP/1.1\r\n"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn short_bodies_are_errors() {
        let (port, _h) = one_shot(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        let mut resp = request("GET", &target(port), &[], None).unwrap();
        let mut got = Vec::new();
        assert!(resp.body.read_to_end(&mut got).is_err());
        let (port, _h) = one_shot(b"HTTP/1.1 201 Created\r\n\r\n");
        let headers = vec![("Content-Length".to_string(), "10".to_string())];
        let mut body: &[u8] = b"abc";
        assert!(request("PUT", &target(port), &headers, Some(&mut body)).is_err());
    }
}
