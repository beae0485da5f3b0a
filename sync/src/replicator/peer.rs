//! Talking REPLICATE to one peer device (Swift's `ReplConnection`): a JSON list of op and
//! arguments, posted to `/<device>/<partition>/<hash>` on the device's replication address.

use std::io::Read;
use std::time::Duration;

use serde_json::Value;
use swift_ring::Device;

use super::wire::dumps;

/// A peer's answer: status and body.
#[derive(Debug, Clone)]
pub struct PeerReply {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl PeerReply {
    /// 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The REPLICATE endpoint of one DB on one peer device.
#[derive(Debug, Clone)]
pub struct Peer {
    agent: ureq::Agent,
    url: String,
    /// The ring device.
    pub node: Device,
    timeout: Duration,
}

/// `host:port` with IPv6 addresses bracketed.
pub fn host_port(ip: &str, port: u16) -> String {
    if ip.contains(':') && !ip.starts_with('[') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

impl Peer {
    /// The endpoint for `hash` in `partition` on `node`; every call times out after
    /// `node_timeout` (Swift wraps each call in `Timeout(node_timeout)`).
    pub fn new(node: &Device, partition: u64, hash: &str, node_timeout: Duration) -> Peer {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(node_timeout)
            .build();
        let url = format!(
            "http://{}/{}/{}/{}",
            host_port(&node.replication_ip, node.replication_port),
            percent_encoding::utf8_percent_encode(&node.device, percent_encoding::NON_ALPHANUMERIC),
            partition,
            hash
        );
        Peer {
            agent,
            url,
            node: node.clone(),
            timeout: node_timeout,
        }
    }

    /// `ip:port/device`, for logs.
    pub fn describe(&self) -> String {
        format!(
            "{}/{}",
            host_port(&self.node.replication_ip, self.node.replication_port),
            self.node.device
        )
    }

    /// Sends `[op, args...]`; `None` when the peer could not be reached or timed out.
    pub fn replicate(&self, args: &[Value]) -> Option<PeerReply> {
        self.replicate_with_timeout(args, self.timeout)
    }

    /// As [`Peer::replicate`] with another time limit (rsync_then_merge on big DBs).
    pub fn replicate_with_timeout(&self, args: &[Value], timeout: Duration) -> Option<PeerReply> {
        let body = dumps(&Value::Array(args.to_vec()));
        let sent = self
            .agent
            .request("REPLICATE", &self.url)
            .set("Content-Type", "application/json")
            .timeout(timeout)
            .send_string(&body);
        let response = match sent {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => {
                tracing::error!("ERROR reading HTTP response from {}: {e}", self.describe());
                return None;
            }
        };
        let status = response.status();
        let mut buf = Vec::new();
        if let Err(e) = response
            .into_reader()
            .take(512 * 1024 * 1024)
            .read_to_end(&mut buf)
        {
            tracing::error!("ERROR reading HTTP response from {}: {e}", self.describe());
            return None;
        }
        Some(PeerReply { status, body: buf })
    }
}
