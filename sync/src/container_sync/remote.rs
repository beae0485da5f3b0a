//! Requests to the remote cluster, as Swift's `SimpleClient` makes them for container sync:
//! `<sync_to>/<quoted name>`, 4xx fails at once, 5xx and socket errors are retried with a
//! backoff of 1, 2, 4, 5, 5... seconds, an optional HTTP proxy per request.
//!
//! `http://` remotes go through [`super::http1`] (header bytes passed through untouched, the
//! proxy addressed with the absolute URL as urllib does); `https://` ones through ureq, which
//! only carries ASCII header values and tunnels through a proxy with CONNECT.

use super::http1::{self, Target};
use super::url::{quote, UrlParts};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

/// How a request to the remote failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The remote answered with this status (Swift's `ClientException.http_status`).
    #[error("remote answered {0}")]
    Status(u16),
    /// No answer: connect, timeout, or protocol error.
    #[error("remote unreachable: {0}")]
    Transport(String),
}

/// Response headers, names lower-cased, in the order received.
pub type Headers = Vec<(String, String)>;

/// Looks a header up by case-insensitive name.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One request to the remote.
pub struct RemoteRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// The validated sync-to URL of the remote container.
    pub sync_to: &'a str,
    /// Object name (unquoted).
    pub name: &'a str,
    /// Headers to send (values latin-1, as read from the object server).
    pub headers: &'a [(String, String)],
    /// `http://host:port` of a proxy to go through.
    pub proxy: Option<&'a str>,
    /// Connect/read/write timeout (None: wait as long as the OS does).
    pub timeout: Option<Duration>,
    /// Extra tries after the first for 5xx and transport errors.
    pub retries: u32,
}

/// Which ureq agent a request uses: its proxy and timeout.
type AgentKey = (Option<String>, Option<Duration>);

/// The client for remote requests; keeps ureq agents for `https://` remotes.
#[derive(Default)]
pub struct RemoteClient {
    agents: Mutex<HashMap<AgentKey, ureq::Agent>>,
}

/// Host and port of a URL's netloc (`user@host:port`, `[v6]:port`), with the scheme's default.
fn host_port(netloc: &str, default_port: u16) -> Result<(String, u16), String> {
    let hostinfo = netloc.rsplit_once('@').map(|(_, h)| h).unwrap_or(netloc);
    let (host, port) = if let Some(rest) = hostinfo.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("bad host in {netloc:?}"))?;
        (h, after.strip_prefix(':'))
    } else {
        match hostinfo.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostinfo, None),
        }
    };
    let port = match port.filter(|p| !p.is_empty()) {
        Some(p) => p.parse().map_err(|_| format!("bad port in {netloc:?}"))?,
        None => default_port,
    };
    if host.is_empty() {
        return Err(format!("no host in {netloc:?}"));
    }
    Ok((host.to_string(), port))
}

impl RemoteClient {
    /// A client with no open connections.
    pub fn new() -> RemoteClient {
        RemoteClient::default()
    }

    /// Sends `req` (with `body` on the first try only) and returns the response headers.
    pub fn send(
        &self,
        req: &RemoteRequest<'_>,
        mut body: Option<Box<dyn Read + Send>>,
    ) -> Result<Headers, RemoteError> {
        let url = format!("{}/{}", req.sync_to.trim_end_matches('/'), quote(req.name));
        let mut attempts = 0;
        let mut backoff = 1u64;
        loop {
            attempts += 1;
            let failure = match self.send_once(req, &url, body.take()) {
                Ok(headers) => return Ok(headers),
                Err(RemoteError::Status(code))
                    if (400..500).contains(&code) || attempts > req.retries =>
                {
                    return Err(RemoteError::Status(code))
                }
                Err(e) if attempts > req.retries => return Err(e),
                Err(e) => e,
            };
            tracing::debug!(
                "{} {} failed ({}), retrying in {}s",
                req.method,
                url,
                failure,
                backoff
            );
            std::thread::sleep(Duration::from_secs(backoff));
            backoff = (backoff * 2).min(5);
        }
    }

    fn send_once(
        &self,
        req: &RemoteRequest<'_>,
        url: &str,
        body: Option<Box<dyn Read + Send>>,
    ) -> Result<Headers, RemoteError> {
        if url.starts_with("https://") {
            return self.send_tls(req, url, body);
        }
        let parts = UrlParts::parse(url);
        let (host, port) = host_port(&parts.netloc, 80).map_err(RemoteError::Transport)?;
        let path = &url[url
            .find(&parts.netloc)
            .map(|i| i + parts.netloc.len())
            .unwrap_or(url.len())..];
        let proxy = match req.proxy {
            Some(p) => {
                let pp = UrlParts::parse(p);
                Some(
                    host_port(&pp.netloc, 80)
                        .map_err(|e| RemoteError::Transport(format!("sync_proxy: {e}")))?,
                )
            }
            None => None,
        };
        let target = Target {
            host: &host,
            port,
            path: if path.is_empty() { "/" } else { path },
            proxy: proxy.as_ref().map(|(h, p)| (h.as_str(), *p)),
            connect_timeout: req.timeout.unwrap_or(Duration::from_secs(60)),
            io_timeout: req.timeout,
        };
        let mut body = body;
        let resp = http1::request(
            req.method,
            &target,
            req.headers,
            body.as_mut().map(|b| b.as_mut() as &mut dyn Read),
        )
        .map_err(|e| RemoteError::Transport(e.to_string()))?;
        let status = resp.status;
        let headers = resp.headers;
        resp.body.drain();
        if (200..300).contains(&status) {
            Ok(headers)
        } else {
            Err(RemoteError::Status(status))
        }
    }

    fn send_tls(
        &self,
        req: &RemoteRequest<'_>,
        url: &str,
        body: Option<Box<dyn Read + Send>>,
    ) -> Result<Headers, RemoteError> {
        let agent = self.agent(req.proxy, req.timeout)?;
        let mut r = agent.request(req.method, url);
        for (k, v) in req.headers {
            r = r.set(k, v);
        }
        let result = match body {
            Some(reader) => r.send(reader),
            None => r.call(),
        };
        match result {
            Ok(resp) => Ok(finish(resp)),
            Err(ureq::Error::Status(code, resp)) => {
                drop(finish(resp));
                Err(RemoteError::Status(code))
            }
            Err(ureq::Error::Transport(t)) => Err(RemoteError::Transport(t.to_string())),
        }
    }

    fn agent(
        &self,
        proxy: Option<&str>,
        timeout: Option<Duration>,
    ) -> Result<ureq::Agent, RemoteError> {
        let key = (proxy.map(str::to_string), timeout);
        let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = agents.get(&key) {
            return Ok(a.clone());
        }
        let mut b = ureq::AgentBuilder::new()
            .redirects(0)
            .user_agent("Swift Container Sync");
        if let Some(t) = timeout {
            b = b.timeout_connect(t).timeout_read(t).timeout_write(t);
        }
        if let Some(p) = proxy {
            let proxy = ureq::Proxy::new(p)
                .map_err(|e| RemoteError::Transport(format!("bad sync_proxy {p:?}: {e}")))?;
            b = b.proxy(proxy);
        }
        let agent = b.build();
        agents.insert(key, agent.clone());
        Ok(agent)
    }
}

/// Collects the headers and drains a small body.
fn finish(resp: ureq::Response) -> Headers {
    let headers = resp
        .headers_names()
        .into_iter()
        .filter_map(|n| {
            resp.header(&n)
                .map(|v| (n.to_ascii_lowercase(), v.to_string()))
        })
        .collect();
    let _ = std::io::copy(&mut resp.into_reader().take(1 << 20), &mut std::io::sink());
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netlocs() {
        assert_eq!(
            host_port("127.0.0.1:8080", 80).unwrap(),
            ("127.0.0.1".to_string(), 8080)
        );
        assert_eq!(
            host_port("u:p@example.com", 80).unwrap(),
            ("example.com".to_string(), 80)
        );
        assert_eq!(
            host_port("[::1]:6201", 80).unwrap(),
            ("::1".to_string(), 6201)
        );
        assert!(host_port(":80", 80).is_err());
    }
}
