//! Requests to the remote cluster, as Swift's `SimpleClient` makes them for container sync:
//! `<sync_to>/<quoted name>`, 4xx fails at once, 5xx and socket errors are retried with a
//! backoff of 1, 2, 4, 5, 5... seconds, an optional HTTP proxy per request.

use super::url::quote;
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
    /// Headers to send.
    pub headers: &'a [(String, String)],
    /// `http://host:port` of a proxy to go through.
    pub proxy: Option<&'a str>,
    /// Connect/read/write timeout (None: wait as long as the OS does).
    pub timeout: Option<Duration>,
    /// Extra tries after the first for 5xx and transport errors.
    pub retries: u32,
}

/// Which agent a request uses: its proxy and timeout.
type AgentKey = (Option<String>, Option<Duration>);

/// HTTP agents by (proxy, timeout); connections are reused within each.
#[derive(Default)]
pub struct RemoteClient {
    agents: Mutex<HashMap<AgentKey, ureq::Agent>>,
}

impl RemoteClient {
    /// A client with no open connections.
    pub fn new() -> RemoteClient {
        RemoteClient::default()
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

    /// Sends `req` (with `body` on the first try only) and returns the response headers.
    pub fn send(
        &self,
        req: &RemoteRequest<'_>,
        mut body: Option<Box<dyn Read + Send + Sync>>,
    ) -> Result<Headers, RemoteError> {
        let url = format!("{}/{}", req.sync_to.trim_end_matches('/'), quote(req.name));
        let agent = self.agent(req.proxy, req.timeout)?;
        let mut attempts = 0;
        let mut backoff = 1u64;
        loop {
            attempts += 1;
            let mut r = agent.request(req.method, &url);
            for (k, v) in req.headers {
                r = r.set(k, v);
            }
            let result = match body.take() {
                Some(reader) => r.send(reader),
                None => r.call(),
            };
            let failure = match result {
                Ok(resp) => return Ok(finish(resp)),
                Err(ureq::Error::Status(code, resp)) => {
                    drop(finish(resp));
                    if (400..500).contains(&code) || attempts > req.retries {
                        return Err(RemoteError::Status(code));
                    }
                    RemoteError::Status(code)
                }
                Err(ureq::Error::Transport(t)) => {
                    if attempts > req.retries {
                        return Err(RemoteError::Transport(t.to_string()));
                    }
                    RemoteError::Transport(t.to_string())
                }
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
}

/// Collects the headers and drains a small body so the connection can be reused.
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
