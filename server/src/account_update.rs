//! After a container PUT or DELETE, tell every account server named in `X-Account-Host`,
//! `X-Account-Partition` and `X-Account-Device` about the container's new state, all at once,
//! with `conn_timeout` to connect and `node_timeout` for the answer. As Swift: mismatched host
//! and device lists are a 400, and when every account server answers 404 so do we.

use crate::app::AppState;
use crate::error::ApiError;
use crate::handlers::blocking;
use crate::request::{quote_path, Placement, SwiftRequest};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use swift_common::db::{ContainerBroker, ContainerInfo};
use tokio::net::TcpStream;

/// What the account updates mean for the client's answer.
#[derive(Debug)]
pub enum AccountUpdateOutcome {
    /// Answer as if no update was needed (updates sent, or failures left for the updater).
    Done,
    /// Answer with this error instead (400 for bad headers, 404 when all accounts said 404).
    Refused(ApiError),
}

/// One account server to update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTarget {
    /// Host (IPv6 without brackets).
    pub ip: String,
    /// Port.
    pub port: u16,
    /// Device on that server.
    pub device: String,
}

/// The account servers a request names; `Err` is the answer for malformed headers.
pub fn parse_targets(req: &SwiftRequest) -> Result<(String, Vec<AccountTarget>), ApiError> {
    let hosts_raw = req.header("x-account-host").unwrap_or_default();
    let devices_raw = req.header("x-account-device").unwrap_or_default();
    let hosts: Vec<&str> = hosts_raw.split(',').map(str::trim).collect();
    let devices: Vec<&str> = devices_raw.split(',').map(str::trim).collect();
    if hosts.len() != devices.len() {
        tracing::error!(
            "ERROR Account update failed: different  numbers of hosts and devices in request: \"{hosts_raw}\" vs \"{devices_raw}\""
        );
        return Err(ApiError::BadRequestDefault);
    }
    let partition = req.header("x-account-partition").unwrap_or_default();
    if partition.is_empty() {
        return Ok((partition, Vec::new()));
    }
    let mut targets = Vec::with_capacity(hosts.len());
    for (host, device) in hosts.iter().zip(devices.iter()) {
        // Swift fails with an unhandled ValueError (500) on a host without a port.
        let (ip, port) = host.rsplit_once(':').ok_or_else(|| {
            ApiError::Internal(format!("Invalid X-Account-Host {host:?}: no port"))
        })?;
        let port: u16 = port.parse().map_err(|_| {
            ApiError::Internal(format!("Invalid X-Account-Host {host:?}: bad port"))
        })?;
        let ip = ip.trim_start_matches('[').trim_end_matches(']').to_string();
        targets.push(AccountTarget {
            ip,
            port,
            device: device.to_string(),
        });
    }
    Ok((partition, targets))
}

/// Sends the container's state to every named account server concurrently.
pub async fn update_accounts(
    state: &AppState,
    req: &SwiftRequest,
    placement: &Placement,
    broker: Arc<ContainerBroker>,
) -> AccountUpdateOutcome {
    let (partition, targets) = match parse_targets(req) {
        Ok(t) => t,
        Err(err) => return AccountUpdateOutcome::Refused(err),
    };
    if targets.is_empty() {
        return AccountUpdateOutcome::Done;
    }
    let info = match blocking(move || Ok(broker.get_info()?)).await {
        Ok(info) => info,
        Err(err) => return AccountUpdateOutcome::Refused(err),
    };
    let path = format!("/{}/{}", placement.account, placement.container);
    let headers = update_headers(req, &info);
    let (conn_timeout, node_timeout) = (state.settings.conn_timeout, state.settings.node_timeout);
    let sends = targets.iter().map(|target| {
        let full_path = quote_path(&format!("/{}/{}{}", target.device, partition, path));
        send_one(target, full_path, &headers, conn_timeout, node_timeout)
    });
    let statuses = futures::future::join_all(sends).await;
    let not_found = statuses.iter().filter(|s| **s == Some(404)).count();
    if not_found == targets.len() {
        AccountUpdateOutcome::Refused(ApiError::NotFound(Vec::new()))
    } else {
        AccountUpdateOutcome::Done
    }
}

/// The headers of an account update.
fn update_headers(req: &SwiftRequest, info: &ContainerInfo) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("X-Put-Timestamp", info.put_timestamp.clone()),
        ("X-Delete-Timestamp", info.delete_timestamp.clone()),
        ("X-Object-Count", info.object_count.to_string()),
        ("X-Bytes-Used", info.bytes_used.to_string()),
        (
            "X-Trans-Id",
            req.header("x-trans-id").unwrap_or_else(|| "-".into()),
        ),
        (
            "X-Backend-Storage-Policy-Index",
            info.storage_policy_index.to_string(),
        ),
        (
            "User-Agent",
            format!("container-server {}", std::process::id()),
        ),
        ("Referer", req.as_referer()),
    ];
    let override_deleted = req
        .header("x-account-override-deleted")
        .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    if override_deleted {
        headers.push(("X-Account-Override-Deleted", "yes".into()));
    }
    headers
}

/// One PUT to one account server; the status, or None when it could not be had in time.
async fn send_one(
    target: &AccountTarget,
    path: String,
    headers: &[(&'static str, String)],
    conn_timeout: Duration,
    node_timeout: Duration,
) -> Option<u16> {
    let where_ = format!("{}:{}/{}", target.ip, target.port, target.device);
    let connect = TcpStream::connect((target.ip.as_str(), target.port));
    let stream = match tokio::time::timeout(conn_timeout, connect).await {
        Ok(Ok(s)) => s,
        Ok(Err(err)) => {
            tracing::error!("ERROR account update failed with {where_} (will retry later): {err}");
            return None;
        }
        Err(_) => {
            tracing::error!(
                "ERROR account update failed with {where_} (will retry later): connection timeout"
            );
            return None;
        }
    };
    let host_header = if target.ip.contains(':') {
        format!("[{}]:{}", target.ip, target.port)
    } else {
        format!("{}:{}", target.ip, target.port)
    };
    let exchange = async {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let mut builder = http::Request::builder()
            .method("PUT")
            .uri(path)
            .header("Host", host_header)
            .header("Content-Length", "0");
        for (name, value) in headers {
            builder = builder.header(*name, value.as_str());
        }
        let request = builder
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        let resp = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        // Read the body so the server sees a complete exchange.
        let _ = resp.into_body().collect().await;
        Ok::<_, String>(status)
    };
    match tokio::time::timeout(node_timeout, exchange).await {
        Ok(Ok(status)) => {
            if status.as_u16() != 404 && !status.is_success() {
                tracing::error!(
                    "ERROR Account update failed with {where_} (will retry later): Response {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                );
            }
            Some(status.as_u16())
        }
        Ok(Err(err)) => {
            tracing::error!("ERROR account update failed with {where_} (will retry later): {err}");
            None
        }
        Err(_) => {
            tracing::error!(
                "ERROR account update failed with {where_} (will retry later): timeout"
            );
            None
        }
    }
}
