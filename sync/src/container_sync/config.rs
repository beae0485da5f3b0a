//! The `[container-sync]` options of container-server.conf (with `[DEFAULT]` merged), with
//! Swift's defaults.

use std::path::PathBuf;
use std::time::Duration;

/// A bad option value (Swift fails to start on these too).
#[derive(Debug, thiserror::Error)]
#[error("[container-sync] {key} = {value:?}: {why}")]
pub struct SyncConfigError {
    /// Option name.
    pub key: String,
    /// Value found.
    pub value: String,
    /// What was expected.
    pub why: &'static str,
}

/// Everything container sync reads from its section.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncConfig {
    /// `devices` (default `/srv/node`).
    pub devices: PathBuf,
    /// `mount_check` (default true).
    pub mount_check: bool,
    /// `interval`: least seconds between scan starts (default 300).
    pub interval: Duration,
    /// `container_time`: most seconds spent on one container per scan (default 60).
    pub container_time: Duration,
    /// `swift_dir` (default `/etc/swift`): rings, swift.conf, container-sync-realms.conf.
    pub swift_dir: PathBuf,
    /// `allowed_sync_hosts` (default `127.0.0.1`), for sync-to URLs outside realms.
    pub allowed_sync_hosts: Vec<String>,
    /// `sync_proxy`: proxies, one picked at random per request (default none).
    pub sync_proxies: Vec<String>,
    /// `bind_ip` (default `0.0.0.0`): which ring devices are ours.
    pub bind_ip: String,
    /// `bind_port` (default 6201).
    pub bind_port: u16,
    /// `conn_timeout` for requests to the remote (default 5 s).
    pub conn_timeout: Duration,
    /// `sync_row_concurrency`: new rows shipped at once (default 8).
    pub sync_row_concurrency: usize,
    /// `request_tries`: tries for reading a local object (default 3).
    pub request_tries: u32,
    /// `internal_client_conf_path`: read for the proxy's conn_timeout/node_timeout only.
    pub internal_client_conf_path: Option<PathBuf>,
    /// `daemonize` (default true); false makes the standalone daemon run once.
    pub daemonize: bool,
    /// `log_name` (default `container-sync`).
    pub log_name: String,
}

/// Swift's `config_true_value`.
pub fn config_true_value(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "t" | "y"
    )
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl SyncConfig {
    /// Reads the options through `get` (the section's lookup, DEFAULT merged).
    pub fn from_lookup(
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<SyncConfig, SyncConfigError> {
        let str_or = |k: &str, d: &str| get(k).unwrap_or_else(|| d.to_string());
        let err = |k: &str, v: &str, why| SyncConfigError {
            key: k.to_string(),
            value: v.to_string(),
            why,
        };
        let float = |k: &str, d: f64| -> Result<Duration, SyncConfigError> {
            match get(k) {
                None => Ok(Duration::from_secs_f64(d)),
                Some(v) => v
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| err(k, &v, "expected a non-negative number")),
            }
        };
        // `int(conf.get(k) or d)`: an empty value means the default.
        let int = |k: &str, d: u64| -> Result<u64, SyncConfigError> {
            match get(k).filter(|v| !v.is_empty()) {
                None => Ok(d),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| err(k, &v, "expected an integer")),
            }
        };
        let bind_port = str_or("bind_port", "6201");
        Ok(SyncConfig {
            devices: PathBuf::from(str_or("devices", "/srv/node")),
            mount_check: config_true_value(&str_or("mount_check", "true")),
            interval: float("interval", 300.0)?,
            container_time: Duration::from_secs(match get("container_time") {
                None => 60,
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| err("container_time", &v, "expected an integer"))?,
            }),
            swift_dir: PathBuf::from(str_or("swift_dir", "/etc/swift")),
            allowed_sync_hosts: list(&str_or("allowed_sync_hosts", "127.0.0.1")),
            sync_proxies: list(&str_or("sync_proxy", "")),
            bind_ip: str_or("bind_ip", "0.0.0.0"),
            bind_port: bind_port
                .trim()
                .parse()
                .map_err(|_| err("bind_port", &bind_port, "expected a port number"))?,
            conn_timeout: float("conn_timeout", 5.0)?,
            sync_row_concurrency: int("sync_row_concurrency", 8)?.max(1) as usize,
            request_tries: int("request_tries", 3)? as u32,
            internal_client_conf_path: get("internal_client_conf_path")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            daemonize: config_true_value(&str_or("daemonize", "true")),
            log_name: str_or("log_name", "container-sync"),
        })
    }

    /// Reads the `[container-sync]` section of a Swift config file.
    pub fn from_section(
        section: &swift_common::config::Section,
    ) -> Result<SyncConfig, SyncConfigError> {
        SyncConfig::from_lookup(&|k| section.get(k).map(str::to_string))
    }

    /// `<swift_dir>/container-sync-realms.conf`.
    pub fn realms_path(&self) -> PathBuf {
        self.swift_dir.join("container-sync-realms.conf")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_and_overrides() {
        let c = SyncConfig::from_lookup(&|_| None).unwrap();
        assert_eq!(c.devices, PathBuf::from("/srv/node"));
        assert!(c.mount_check);
        assert_eq!(c.interval, Duration::from_secs(300));
        assert_eq!(c.container_time, Duration::from_secs(60));
        assert_eq!(c.allowed_sync_hosts, vec!["127.0.0.1".to_string()]);
        assert!(c.sync_proxies.is_empty());
        assert_eq!(c.bind_port, 6201);
        assert_eq!(c.conn_timeout, Duration::from_secs(5));
        assert_eq!(c.sync_row_concurrency, 8);
        assert_eq!(c.request_tries, 3);
        let m: HashMap<&str, &str> = [
            ("interval", "0.5"),
            ("allowed_sync_hosts", " a, b ,,"),
            ("sync_proxy", "http://p1:8888,http://p2:8888"),
            ("sync_row_concurrency", ""),
            ("mount_check", "off"),
        ]
        .into();
        let c = SyncConfig::from_lookup(&|k| m.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.interval, Duration::from_millis(500));
        assert_eq!(c.allowed_sync_hosts, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(c.sync_proxies.len(), 2);
        assert_eq!(c.sync_row_concurrency, 8);
        assert!(!c.mount_check);
        let bad = SyncConfig::from_lookup(&|k| (k == "container_time").then(|| "1.5".to_string()));
        assert!(bad.is_err());
    }
}
