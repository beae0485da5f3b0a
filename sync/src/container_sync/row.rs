//! Shipping one row to the remote container: a DELETE for a tombstone, or for a live object a
//! HEAD (skip when the remote copy is as new), a GET from our object servers and a streamed PUT.

use super::objects::FetchError;
use super::remote::{header, RemoteError, RemoteRequest};
use super::stats::{bump, ContainerStats};
use super::url::{quote, UrlParts};
use super::ContainerSync;
use rand::seq::SliceRandom;
use rand::RngCore;
use std::sync::atomic::Ordering;
use swift_common::db::{ContainerInfo, ObjectRow};
use swift_common::realms::{get_sig, py_repr, SyncTarget};
use swift_common::timestamp::{decode_timestamps, Timestamp};

/// The container being synced, as every row of it needs it.
pub struct RowContext<'a> {
    /// Validated remote.
    pub target: &'a SyncTarget,
    /// X-Container-Sync-Key.
    pub user_key: &'a str,
    /// Local container info.
    pub info: &'a ContainerInfo,
    /// For log lines: the DB file.
    pub db_desc: &'a str,
    /// This container's counters.
    pub stats: &'a ContainerStats,
}

/// Why a row was not shipped.
#[derive(Debug, thiserror::Error)]
enum RowError {
    #[error("{0}")]
    Remote(#[from] RemoteError),
    #[error("{0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Other(String),
}

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

/// Swift's `normalize_etag`.
fn normalize_etag(tag: &str) -> String {
    if tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"') {
        tag[1..tag.len() - 1].to_string()
    } else {
        tag.to_string()
    }
}

/// Swift's `clean_content_type`: drops a trailing `;swift_bytes=N`.
fn clean_content_type(value: &str) -> String {
    if let Some((left, right)) = value.rsplit_once(';') {
        if right.trim_start().starts_with("swift_bytes=") {
            return left.to_string();
        }
    }
    value.to_string()
}

impl ContainerSync {
    /// Adds X-Container-Sync-Auth (realm form) or X-Container-Sync-Key to `headers`.
    pub(crate) fn add_sync_auth(
        &self,
        name: &str,
        ctx: &RowContext<'_>,
        method: &str,
        headers: &mut Vec<(String, String)>,
    ) {
        match (&ctx.target.realm, &ctx.target.realm_key) {
            (Some(realm), Some(realm_key)) if !realm.is_empty() && !realm_key.is_empty() => {
                let mut raw = [0u8; 16];
                rand::thread_rng().fill_bytes(&mut raw);
                let nonce: String = raw.iter().map(|b| format!("{b:02x}")).collect();
                let path = format!(
                    "{}/{}",
                    UrlParts::parse(&ctx.target.endpoint).path,
                    quote(name)
                );
                let ts = header(headers, "x-timestamp").unwrap_or("0").to_string();
                let sig = get_sig(method, &path, &ts, &nonce, realm_key, ctx.user_key);
                set_header(
                    headers,
                    "x-container-sync-auth",
                    format!("{realm} {nonce} {sig}"),
                );
            }
            _ => set_header(headers, "x-container-sync-key", ctx.user_key.to_string()),
        }
    }

    fn proxy(&self) -> Option<&str> {
        self.conf
            .sync_proxies
            .choose(&mut rand::thread_rng())
            .map(String::as_str)
    }

    /// Ships one row; true when it is done (sent, or nothing to send), false on failure.
    pub(crate) fn sync_row(&self, row: &ObjectRow, ctx: &RowContext<'_>) -> bool {
        match self.try_sync_row(row, ctx) {
            Ok(()) => true,
            Err(err) => {
                let from = format!(
                    "{}/{}",
                    quote(&ctx.info.account),
                    quote(&ctx.info.container)
                );
                match err {
                    RowError::Remote(RemoteError::Status(401)) => {
                        tracing::info!(
                            "Unauth {} => {}",
                            py_repr(&from),
                            py_repr(&ctx.target.endpoint)
                        )
                    }
                    RowError::Remote(RemoteError::Status(404)) => {
                        tracing::info!(
                            "Not found {} => {} - object {}",
                            py_repr(&from),
                            py_repr(&ctx.target.endpoint),
                            py_repr(&row.name)
                        )
                    }
                    e => tracing::error!("ERROR Syncing {} {:?}: {}", ctx.db_desc, row, e),
                }
                bump(&self.stats.failures);
                false
            }
        }
    }

    fn try_sync_row(&self, row: &ObjectRow, ctx: &RowContext<'_>) -> Result<(), RowError> {
        let (ts_data, _ts_ctype, ts_meta) = decode_timestamps(&row.created_at, false)
            .map_err(|e| RowError::Other(e.to_string()))?;
        let ts_meta = ts_meta.unwrap_or(ts_data);
        if row.deleted {
            // A tombstone goes out with the tombstone's own (data) timestamp.
            let mut headers = vec![("x-timestamp".to_string(), ts_data.internal())];
            self.add_sync_auth(&row.name, ctx, "DELETE", &mut headers);
            let req = RemoteRequest {
                method: "DELETE",
                sync_to: &ctx.target.endpoint,
                name: &row.name,
                headers: &headers,
                proxy: self.proxy(),
                timeout: Some(self.conf.conn_timeout),
                retries: 5,
            };
            match self.remote.send(&req, None) {
                Ok(_) | Err(RemoteError::Status(404 | 409)) => {}
                Err(e) => return Err(e.into()),
            }
            bump(&self.stats.deletes);
            bump(&ctx.stats.deletes);
            return Ok(());
        }
        // A live object goes out when the remote copy is older than the last PUT or POST here.
        if self.in_remote_container(row, ctx, &ts_meta)? {
            return Ok(());
        }
        let source = self.objects.get_newest(
            &ctx.info.account,
            &ctx.info.container,
            &row.name,
            ctx.info.storage_policy_index,
        );
        let (mut headers, body) = match source {
            Ok(s) => (s.headers, Some(s.body)),
            Err(FetchError::NotFound) => (Vec::new(), None),
            Err(e) => return Err(e.into()),
        };
        if header(&headers, "x-object-sysmeta-versions-symlink").is_some_and(|v| !v.is_empty()) {
            tracing::info!(
                "Skipping versioning symlink {}/{}/{} ",
                ctx.info.account,
                ctx.info.container,
                row.name
            );
            return Ok(());
        }
        let found = header(&headers, "x-timestamp")
            .and_then(|v| Timestamp::parse(v).ok())
            .unwrap_or_else(Timestamp::zero);
        let Some(body) = body.filter(|_| found >= ts_meta) else {
            return Err(RowError::Other(format!(
                "Unknown exception trying to GET: {} {} {}",
                py_repr(&ctx.info.account),
                py_repr(&ctx.info.container),
                py_repr(&row.name)
            )));
        };
        headers.retain(|(k, _)| k != "date" && k != "last-modified");
        for (k, v) in headers.iter_mut() {
            if k == "etag" {
                *v = normalize_etag(v);
            } else if k == "content-type" {
                *v = clean_content_type(v);
            }
        }
        self.add_sync_auth(&row.name, ctx, "PUT", &mut headers);
        let req = RemoteRequest {
            method: "PUT",
            sync_to: &ctx.target.endpoint,
            name: &row.name,
            headers: &headers,
            proxy: self.proxy(),
            timeout: Some(self.conf.conn_timeout),
            // The body is streamed from the object server and cannot be sent twice.
            retries: 0,
        };
        self.remote.send(&req, Some(body))?;
        bump(&self.stats.puts);
        bump(&ctx.stats.puts);
        ctx.stats
            .bytes
            .fetch_add(row.size.max(0) as u64, Ordering::Relaxed);
        Ok(())
    }

    /// HEADs the remote object: true when its X-Timestamp is at least `ts`.
    fn in_remote_container(
        &self,
        row: &ObjectRow,
        ctx: &RowContext<'_>,
        ts: &Timestamp,
    ) -> Result<bool, RowError> {
        let mut headers = vec![("x-timestamp".to_string(), ts.internal())];
        self.add_sync_auth(&row.name, ctx, "HEAD", &mut headers);
        let req = RemoteRequest {
            method: "HEAD",
            sync_to: &ctx.target.endpoint,
            name: &row.name,
            headers: &headers,
            proxy: self.proxy(),
            timeout: Some(self.conf.conn_timeout),
            retries: 0,
        };
        match self.remote.send(&req, None) {
            Ok(h) => {
                let remote = header(&h, "x-timestamp")
                    .and_then(|v| Timestamp::parse(v).ok())
                    .unwrap_or_else(Timestamp::zero);
                tracing::debug!(
                    "remote obj timestamp {} local obj {}",
                    ts.internal(),
                    remote.internal()
                );
                Ok(*ts <= remote)
            }
            Err(RemoteError::Status(404)) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_and_content_type_cleaning() {
        assert_eq!(normalize_etag("\"abc\""), "abc");
        assert_eq!(normalize_etag("\""), "\"");
        assert_eq!(
            clean_content_type("text/plain;swift_bytes=12"),
            "text/plain"
        );
        assert_eq!(
            clean_content_type("text/plain; charset=utf-8"),
            "text/plain; charset=utf-8"
        );
    }
}
