//! What the request handlers need to know from the config files: the typed container-server
//! options, the storage policies and hash salt of swift.conf, and the sync realms.

use std::path::PathBuf;
use std::time::Duration;
use swift_common::config::{ConfFile, ServerConfig, SwiftConf};
use swift_common::hash::HashSalt;
use swift_common::realms::Realms;

/// The config section of the container server app.
pub const APP_SECTION: &str = "app:container-server";

/// Swift's `fallocate_reserve`: space to keep free on a drive, in bytes or percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FallocateReserve {
    /// The amount (bytes, or percent when `is_percent`).
    pub value: f64,
    /// Whether `value` is a percentage of the filesystem.
    pub is_percent: bool,
}

impl FallocateReserve {
    /// Parses `1%` or `1048576` as Swift's `config_fallocate_value` does.
    pub fn parse(raw: &str) -> Result<FallocateReserve, String> {
        let raw = raw.trim();
        let (num, is_percent) = match raw.strip_suffix('%') {
            Some(n) => (n, true),
            None => (raw, false),
        };
        let value: f64 = num
            .trim()
            .parse()
            .map_err(|_| format!("Error: {raw} is an invalid value for fallocate_reserve."))?;
        if value < 0.0 {
            return Err(format!("Error: {raw} is an invalid value for fallocate_reserve."));
        }
        Ok(FallocateReserve { value, is_percent })
    }
}

/// Everything the handlers read from the configuration, resolved once at start.
#[derive(Debug)]
pub struct Settings {
    /// The server options (bind address, devices, timeouts, logging ...).
    pub server: ServerConfig,
    /// Where the device directories are.
    pub devices: PathBuf,
    /// Require devices to be mount points.
    pub mount_check: bool,
    /// Timeout to connect to an account server.
    pub conn_timeout: Duration,
    /// Timeout for an account server's answer.
    pub node_timeout: Duration,
    /// Hosts an `X-Container-Sync-To` URL may name (when not given through a realm).
    pub allowed_sync_hosts: Vec<String>,
    /// Sync realms (`container-sync-realms.conf` in swift_dir).
    pub realms: Realms,
    /// Accounts whose containers are created on first object update (Swift: `.`).
    pub auto_create_account_prefix: String,
    /// Swift's deprecated `allow_versions`: keep `X-Versions-Location` as metadata.
    pub allow_versions: bool,
    /// Free space to keep on a drive before answering 507 to writes.
    pub fallocate_reserve: FallocateReserve,
    /// The `[swift-hash]` salt.
    pub hash_salt: HashSalt,
    /// Indexes of the storage policies in swift.conf (deprecated ones included).
    pub policy_indexes: Vec<i64>,
    /// The default storage policy's index.
    pub default_policy: i64,
}

impl Settings {
    /// Reads the container server's settings from a loaded config; swift.conf and the realms
    /// file come from its `swift_dir`.
    pub fn from_conf(conf: &ConfFile) -> anyhow::Result<Settings> {
        let server = ServerConfig::from_conf(conf)?;
        let swift_conf = SwiftConf::load(&server.swift_dir)?;
        let realms = Realms::load(&server.swift_dir.join("container-sync-realms.conf"))?;
        let section = conf.section(APP_SECTION);
        let get = |key: &str| section.as_ref().and_then(|s| s.get(key).map(str::to_string));
        let fallocate_reserve = FallocateReserve::parse(&get("fallocate_reserve").unwrap_or_else(|| "1%".into()))
            .map_err(anyhow::Error::msg)?;
        let allow_versions = get("allow_versions").is_some_and(|v| crate::request::config_true(&v));
        Ok(Settings {
            devices: server.devices.clone(),
            mount_check: server.mount_check,
            conn_timeout: Duration::from_secs_f64(server.conn_timeout),
            node_timeout: Duration::from_secs_f64(server.node_timeout),
            allowed_sync_hosts: server.allowed_sync_hosts.clone(),
            realms,
            auto_create_account_prefix: swift_conf.auto_create_account_prefix(),
            allow_versions,
            fallocate_reserve,
            hash_salt: swift_conf.hash_salt.clone(),
            policy_indexes: swift_conf.policies.iter().map(|p| p.index).collect(),
            default_policy: swift_conf.default_policy_index(),
            server,
        })
    }

    /// Is `index` one of swift.conf's storage policies?
    pub fn is_policy(&self, index: i64) -> bool {
        self.policy_indexes.contains(&index)
    }
}
