//! The `[container-updater]` options, with Swift's defaults.

use std::path::PathBuf;
use std::time::Duration;
use swift_common::config::{ConfigError, Section};

/// The config section the updater reads.
pub const SECTION: &str = "container-updater";

/// What Swift's `ContainerUpdater.__init__` reads from its section.
#[derive(Debug, Clone)]
pub struct UpdaterConfig {
    /// `devices` (default `/srv/node`).
    pub devices: PathBuf,
    /// `mount_check` (default true).
    pub mount_check: bool,
    /// `swift_dir` (default `/etc/swift`): swift.conf and `account.ring.gz`.
    pub swift_dir: PathBuf,
    /// `interval` between sweeps (default 300 s).
    pub interval: Duration,
    /// `concurrency`: partitions swept at once in run-forever mode (default 4).
    pub concurrency: usize,
    /// `containers_per_second` (default 50, or `1 / (slowdown + 0.01)` from the deprecated
    /// `slowdown`); per sweeping worker, as in Swift where each forked child has its own limiter.
    pub containers_per_second: f64,
    /// `node_timeout` for the account server's answer (default 3 s).
    pub node_timeout: Duration,
    /// `conn_timeout` to connect and send the request (default 0.5 s).
    pub conn_timeout: Duration,
    /// `account_suppression_time` after a failed report (default 60 s).
    pub account_suppression_time: f64,
    /// `<recon_cache_path>/container.recon`.
    pub recon_file: PathBuf,
}

fn secs(option: &str, v: f64) -> Result<Duration, ConfigError> {
    Duration::try_from_secs_f64(v).map_err(|_| ConfigError::InvalidValue {
        option: option.to_string(),
        value: v.to_string(),
        message: "must be a non-negative number of seconds".to_string(),
    })
}

impl UpdaterConfig {
    /// Reads the section as Swift does (a bad number refuses to start, as Swift's ValueError).
    pub fn from_section(s: &Section) -> Result<UpdaterConfig, ConfigError> {
        let default_rate = match s.get("slowdown") {
            Some(_) => {
                tracing::warn!(
                    "The slowdown option is deprecated in favor of containers_per_second. \
                     This option may be ignored in a future release."
                );
                1.0 / (s.get_f64("slowdown", 0.01)? + 0.01)
            }
            None => 50.0,
        };
        Ok(UpdaterConfig {
            devices: PathBuf::from(s.get_or("devices", "/srv/node")),
            mount_check: s.get_bool("mount_check", true),
            swift_dir: PathBuf::from(s.get_or("swift_dir", "/etc/swift")),
            interval: secs("interval", s.get_f64("interval", 300.0)?)?,
            concurrency: s.get_u64("concurrency", 4)?.max(1) as usize,
            containers_per_second: s.get_f64("containers_per_second", default_rate)?,
            node_timeout: secs("node_timeout", s.get_f64("node_timeout", 3.0)?)?,
            conn_timeout: secs("conn_timeout", s.get_f64("conn_timeout", 0.5)?)?,
            account_suppression_time: s.get_f64("account_suppression_time", 60.0)?,
            recon_file: crate::daemon::recon_cache_file(s),
        })
    }
}
