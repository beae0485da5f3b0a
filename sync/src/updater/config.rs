//! `[container-updater]` options, with Swift's defaults.

use std::path::PathBuf;

use swift_common::config::{ConfFile, ConfigError, Section};

/// The config section the updater reads.
pub const SECTION: &str = "container-updater";

/// Everything the updater is tuned by.
#[derive(Debug, Clone)]
pub struct UpdaterConfig {
    /// `devices` (/srv/node).
    pub devices: PathBuf,
    /// `mount_check` (true).
    pub mount_check: bool,
    /// `swift_dir` (/etc/swift): the account ring and swift.conf.
    pub swift_dir: PathBuf,
    /// `interval` (300 s) between sweep starts.
    pub interval: f64,
    /// `concurrency` (4): partitions swept at once.
    pub concurrency: usize,
    /// `containers_per_second` (50; or from the deprecated `slowdown`).
    pub containers_per_second: f64,
    /// `node_timeout` (3 s).
    pub node_timeout: f64,
    /// `conn_timeout` (0.5 s).
    pub conn_timeout: f64,
    /// `account_suppression_time` (60 s) after a failed report.
    pub account_suppression_time: f64,
    /// `recon_cache_path` (/var/cache/swift).
    pub recon_cache_path: PathBuf,
    /// `in_process` (yes; ours): run inside the container server.
    pub in_process: bool,
}

impl UpdaterConfig {
    /// Reads the `[container-updater]` section, if there is one.
    pub fn from_conf(conf: &ConfFile) -> Result<Option<UpdaterConfig>, ConfigError> {
        match conf.try_section(SECTION)? {
            Some(s) => UpdaterConfig::from_section(&s).map(Some),
            None => Ok(None),
        }
    }

    /// Reads the options from one section.
    pub fn from_section(s: &Section) -> Result<UpdaterConfig, ConfigError> {
        let default_rate = if s.get("slowdown").is_some() {
            tracing::warn!("The slowdown option is deprecated in favor of containers_per_second.");
            1.0 / (s.get_f64("slowdown", 0.01)? + 0.01)
        } else {
            50.0
        };
        Ok(UpdaterConfig {
            devices: PathBuf::from(s.get_or("devices", "/srv/node")),
            mount_check: s.get_bool("mount_check", true),
            swift_dir: PathBuf::from(s.get_or("swift_dir", "/etc/swift")),
            interval: s.get_f64("interval", 300.0)?,
            concurrency: s.get_u64("concurrency", 4)? as usize,
            containers_per_second: s.get_f64("containers_per_second", default_rate)?,
            node_timeout: s.get_f64("node_timeout", 3.0)?,
            conn_timeout: s.get_f64("conn_timeout", 0.5)?,
            account_suppression_time: s.get_f64("account_suppression_time", 60.0)?,
            recon_cache_path: PathBuf::from(s.get_or("recon_cache_path", "/var/cache/swift")),
            in_process: s.get_bool("in_process", true),
        })
    }
}
