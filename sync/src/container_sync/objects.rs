//! Reading an object from this cluster's object servers, as the internal client's proxy does for
//! container sync (`X-Newest`, `?symlink=get`, replication network): every primary (shuffled)
//! and then handoffs up to twice the replica count are asked, the newest good answer wins, and
//! its body is handed on unread so it can be streamed to the remote.

use super::http1::{self, Body, Target};
use super::remote::{header, Headers};
use super::url::quote;
use rand::seq::SliceRandom;
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use swift_common::hash::HashSalt;
use swift_common::timestamp::Timestamp;
use swift_ring::{Device, ReloadingRing, DEFAULT_RELOAD_TIME};

/// The chosen copy of an object: its headers as the proxy would return them, and its body.
pub struct ObjectSource {
    /// Response headers, names lower-cased, values latin-1 (bytes as received).
    pub headers: Headers,
    /// The unread body.
    pub body: Box<dyn Read + Send>,
}

/// Why no copy could be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The object ring for the policy could not be loaded.
    #[error("object ring {0}: {1}")]
    Ring(String, String),
    /// Object servers answered 404 (or nothing newer than a tombstone): the proxy's 404.
    #[error("object not found")]
    NotFound,
    /// The object is stored erasure-coded: the object servers hold fragments only a proxy can
    /// decode (not retried: it would not change).
    #[error("{0}")]
    ErasureCoded(String),
    /// Every node failed or answered 5xx, on every try (the internal client's UnexpectedResponse).
    #[error("Unexpected response: {0}")]
    Unavailable(String),
}

/// Object rings per policy index and the timeouts used to reach object servers.
pub struct ObjectFetcher {
    swift_dir: PathBuf,
    salt: HashSalt,
    rings: Mutex<HashMap<i64, Arc<ReloadingRing>>>,
    /// Connect timeout (the proxy's conn_timeout).
    pub conn_timeout: Duration,
    /// Read timeout (the proxy's node_timeout).
    pub node_timeout: Duration,
    /// Whole-request tries (the internal client's request_tries).
    pub request_tries: u32,
}

struct Candidate {
    timestamp: Timestamp,
    headers: Headers,
    body: Body,
}

impl ObjectFetcher {
    /// A fetcher reading `<swift_dir>/object[-N].ring.gz`.
    pub fn new(swift_dir: PathBuf, salt: HashSalt, request_tries: u32) -> ObjectFetcher {
        ObjectFetcher {
            swift_dir,
            salt,
            rings: Mutex::new(HashMap::new()),
            conn_timeout: Duration::from_millis(500),
            node_timeout: Duration::from_secs(10),
            request_tries: request_tries.max(1),
        }
    }

    fn ring(&self, policy: i64) -> Result<Arc<ReloadingRing>, FetchError> {
        let mut rings = self.rings.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = rings.get(&policy) {
            return Ok(r.clone());
        }
        let name = if policy == 0 {
            "object.ring.gz".to_string()
        } else {
            format!("object-{policy}.ring.gz")
        };
        let path = self.swift_dir.join(&name);
        let ring = ReloadingRing::new(&path, self.salt.clone(), DEFAULT_RELOAD_TIME)
            .map_err(|e| FetchError::Ring(path.display().to_string(), e.to_string()))?;
        let ring = Arc::new(ring);
        rings.insert(policy, ring.clone());
        Ok(ring)
    }

    /// GETs `account/container/obj` in `policy`, retrying the whole search (sleeping 2, 4, ... s)
    /// while every node fails, as the internal client does.
    pub fn get_newest(
        &self,
        account: &str,
        container: &str,
        obj: &str,
        policy: i64,
    ) -> Result<ObjectSource, FetchError> {
        let ring = self.ring(policy)?.get();
        let (part, mut primaries) = ring.get_nodes(account, Some(container), Some(obj));
        let replicas = primaries.len();
        primaries.shuffle(&mut rand::thread_rng());
        let mut nodes: Vec<(Device, bool)> = primaries.into_iter().map(|d| (d, false)).collect();
        nodes.extend(ring.get_more_nodes(part).take(replicas).map(|d| (d, true)));
        let path = quote(&format!("/{account}/{container}/{obj}"));
        let mut attempt = 0;
        loop {
            match self.search(&nodes, part, &path, policy) {
                Err(FetchError::Unavailable(why)) if attempt + 1 < self.request_tries => {
                    tracing::debug!("GET {path} found no good source ({why}); retrying");
                    std::thread::sleep(Duration::from_secs(2u64.pow(attempt + 1)));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn search(
        &self,
        nodes: &[(Device, bool)],
        part: u64,
        path: &str,
        policy: i64,
    ) -> Result<ObjectSource, FetchError> {
        let mut best: Option<Candidate> = None;
        let mut latest_404 = Timestamp::zero();
        let mut saw_404 = false;
        let mut last_error = String::from("no nodes");
        let headers: Headers = vec![
            ("X-Newest".into(), "true".into()),
            ("X-Backend-Storage-Policy-Index".into(), policy.to_string()),
            (
                "User-Agent".into(),
                format!("proxy-server {}", std::process::id()),
            ),
        ];
        for (node, handoff) in nodes {
            let full_path = format!("/{}/{}{}?symlink=get", quote(&node.device), part, path);
            let target = Target {
                host: &node.replication_ip,
                port: node.replication_port,
                path: &full_path,
                proxy: None,
                connect_timeout: self.conn_timeout,
                io_timeout: Some(self.node_timeout),
            };
            let resp = match http1::request("GET", &target, &headers, None) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(
                        "ERROR with Object server {}:{}/{} re: Trying to GET {}: {}",
                        node.replication_ip,
                        node.replication_port,
                        node.device,
                        path,
                        e
                    );
                    last_error = e.to_string();
                    continue;
                }
            };
            let code = resp.status;
            if (200..300).contains(&code)
                && header(&resp.headers, "x-object-sysmeta-ec-frag-index").is_some()
            {
                // An erasure-coded fragment is not the object; only a proxy can decode it, so
                // the row fails (and is retried) rather than shipping a fragment.
                resp.body.drain();
                return Err(FetchError::ErasureCoded(format!(
                    "{}:{}{} holds an erasure-coded fragment; container sync reads whole objects only",
                    node.replication_ip, node.replication_port, full_path
                )));
            }
            if (200..300).contains(&code) {
                let ts = source_timestamp(&resp.headers);
                if ts < latest_404 {
                    resp.body.drain();
                    continue;
                }
                // Ties go to the later node, as the proxy's stable sort then pop does.
                if best.as_ref().is_none_or(|b| ts >= b.timestamp) {
                    best = Some(Candidate {
                        timestamp: ts,
                        headers: resp.headers,
                        body: resp.body,
                    });
                }
                continue;
            }
            let backend_ts = header(&resp.headers, "x-backend-timestamp")
                .and_then(|v| Timestamp::parse(v).ok())
                .unwrap_or_else(Timestamp::zero);
            resp.body.drain();
            if *handoff && (code == 404 || code >= 500) && backend_ts.is_zero() {
                continue;
            }
            if code == 404 {
                saw_404 = true;
                if backend_ts > latest_404 {
                    latest_404 = backend_ts;
                }
            }
            last_error = format!(
                "{code} from {}:{}{}",
                node.replication_ip, node.replication_port, full_path
            );
        }
        match best {
            Some(c) if c.timestamp >= latest_404 => Ok(ObjectSource {
                headers: proxy_headers(c.headers),
                body: Box::new(c.body),
            }),
            _ if saw_404 => Err(FetchError::NotFound),
            _ => Err(FetchError::Unavailable(last_error)),
        }
    }
}

/// The timestamp the proxy ranks sources by.
fn source_timestamp(h: &[(String, String)]) -> Timestamp {
    [
        "x-backend-data-timestamp",
        "x-backend-timestamp",
        "x-put-timestamp",
        "x-timestamp",
    ]
    .iter()
    .find_map(|k| header(h, k).filter(|v| !v.is_empty()))
    .and_then(|v| Timestamp::parse(v).ok())
    .unwrap_or_else(Timestamp::zero)
}

/// The object server's headers as the proxy (and its symlink middleware, for `?symlink=get`)
/// would hand them to the internal client: hop-by-hop headers and `x-put-timestamp` /
/// `x-delete-after` dropped, etag unquoted, symlink sysmeta turned into `x-symlink-*`.
fn proxy_headers(mut h: Headers) -> Headers {
    h.retain(|(k, _)| {
        !matches!(
            k.as_str(),
            "connection"
                | "keep-alive"
                | "transfer-encoding"
                | "x-put-timestamp"
                | "x-delete-after"
        )
    });
    for (k, v) in h.iter_mut() {
        if k == "etag" {
            *v = v.replace('"', "");
        }
        let renamed = match k.as_str() {
            "x-object-sysmeta-symlink-target" => Some("x-symlink-target"),
            "x-object-sysmeta-symlink-target-account" => Some("x-symlink-target-account"),
            "x-object-sysmeta-symlink-target-etag" => Some("x-symlink-target-etag"),
            "x-object-sysmeta-symlink-target-bytes" => Some("x-symlink-target-bytes"),
            _ => None,
        };
        if let Some(r) = renamed {
            *k = r.to_string();
        }
    }
    h
}
