//! One container report: `PUT /<device>/<part>/<account>/<container>` to one account server,
//! with the headers Swift's updater sends.

use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use swift_common::db::ContainerInfo;
use swift_ring::Device;

use crate::replicator::peer::host_port;

/// Python's `quote(path)`: everything but letters, digits, `_.-~/` escaped.
const PATH_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// What to send to one account server.
pub struct Report<'a> {
    /// The account server's device.
    pub node: &'a Device,
    /// The account's partition.
    pub part: u64,
    /// `/<account>/<container>`.
    pub container_path: &'a str,
    /// The stats to report.
    pub info: &'a ContainerInfo,
    /// `container-updater <pid>`.
    pub user_agent: &'a str,
    /// Connect timeout (s).
    pub conn_timeout: f64,
    /// Response timeout (s).
    pub node_timeout: f64,
}

impl Report<'_> {
    /// Sends the report; the status, or 500 when the server could not be reached.
    pub fn send(&self) -> u16 {
        let path = format!("/{}/{}{}", self.node.device, self.part, self.container_path);
        let url = format!(
            "http://{}{}",
            host_port(&self.node.replication_ip, self.node.replication_port),
            utf8_percent_encode(&path, PATH_SET)
        );
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs_f64(self.conn_timeout.max(0.001)))
            .timeout_read(Duration::from_secs_f64(self.node_timeout.max(0.001)))
            .build();
        let i = self.info;
        let sent = agent
            .put(&url)
            .set("X-Put-Timestamp", &i.put_timestamp)
            .set("X-Delete-Timestamp", &i.delete_timestamp)
            .set("X-Object-Count", &i.object_count.to_string())
            .set("X-Bytes-Used", &i.bytes_used.to_string())
            .set("X-Account-Override-Deleted", "yes")
            .set(
                "X-Backend-Storage-Policy-Index",
                &i.storage_policy_index.to_string(),
            )
            .set("User-Agent", self.user_agent)
            .call();
        match sent {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => {
                tracing::error!(
                    "ERROR account update failed with {}/{} (will retry later): {e}",
                    host_port(&self.node.replication_ip, self.node.replication_port),
                    self.node.device
                );
                500
            }
        }
    }
}
