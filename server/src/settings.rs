//! What the request handlers need to know from the config files: the typed container-server
//! options, the storage policies and hash salt of swift.conf, and where the sync realms are.

use std::path::PathBuf;
use std::time::Duration;
use swift_common::config::{
    config_true_value, ConfFile, FallocateReserve, ServerConfig, SwiftConf,
};
use swift_common::hash::HashSalt;

/// Everything the handlers read from the configuration, resolved once at start.
#[derive(Debug)]
pub struct Settings {
    /// The server options (bind address, devices, timeouts, logging, the raw section ...).
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
    /// `container-sync-realms.conf` in swift_dir, re-read when it changes (as Swift's server does).
    pub realms: swift_common::realms::Realms,
    /// Accounts whose containers are created on first object update (swift.conf's
    /// `[swift-constraints] auto_create_account_prefix`, `.` by default).
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
    /// Reads the container server's settings from a loaded config; swift.conf comes from its
    /// `swift_dir` (refusing to start without a hash prefix/suffix, as Swift does).
    pub fn from_conf(conf: &ConfFile) -> anyhow::Result<Settings> {
        let server = ServerConfig::from_conf(conf)?;
        let swift_conf = SwiftConf::load(&server.swift_dir)?;
        Settings::new(server, &swift_conf)
    }

    /// Combines an already read server config and swift.conf.
    pub fn new(server: ServerConfig, swift_conf: &SwiftConf) -> anyhow::Result<Settings> {
        let allow_versions = server
            .raw
            .get("allow_versions")
            .is_some_and(config_true_value);
        if server.raw.get("allow_versions").is_some() {
            tracing::warn!(
                "Option allow_versions is deprecated. Configure the versioned_writes middleware in the proxy-server instead. This option will be ignored in a future release."
            );
        }
        Ok(Settings {
            devices: server.devices.clone(),
            mount_check: server.mount_check,
            conn_timeout: Duration::from_secs_f64(server.conn_timeout.max(0.0)),
            node_timeout: Duration::from_secs_f64(server.node_timeout.max(0.0)),
            allowed_sync_hosts: server.allowed_sync_hosts.clone(),
            realms: swift_common::realms::Realms::load(
                &server.swift_dir.join("container-sync-realms.conf"),
            ),
            auto_create_account_prefix: swift_conf.constraints.auto_create_account_prefix.clone(),
            allow_versions,
            fallocate_reserve: server.fallocate_reserve,
            hash_salt: swift_conf.hash_salt.clone(),
            policy_indexes: swift_conf
                .policies
                .iter()
                .map(|p| i64::from(p.index))
                .collect(),
            default_policy: i64::from(swift_conf.default_policy().index),
            server,
        })
    }

    /// Is `index` one of swift.conf's storage policies?
    pub fn is_policy(&self, index: i64) -> bool {
        self.policy_indexes.contains(&index)
    }
}
