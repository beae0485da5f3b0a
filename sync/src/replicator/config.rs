//! `[container-replicator]` options, with Swift's defaults.

use std::path::PathBuf;

use swift_common::config::{ConfFile, ConfigError, Section};

/// The config section the replicator reads.
pub const SECTION: &str = "container-replicator";

/// Everything the replicator is tuned by.
#[derive(Debug, Clone)]
pub struct ReplicatorConfig {
    /// `devices` (/srv/node).
    pub devices: PathBuf,
    /// `mount_check` (true): skip devices that are not mount points.
    pub mount_check: bool,
    /// `bind_ip` (0.0.0.0): which ring devices are ours.
    pub bind_ip: String,
    /// `bind_port` (6201): which ring devices are ours.
    pub bind_port: u16,
    /// `concurrency` (8): DBs replicated at once.
    pub concurrency: usize,
    /// `swift_dir` (/etc/swift): rings and swift.conf.
    pub swift_dir: PathBuf,
    /// `per_diff` (1000): rows per merge_items request.
    pub per_diff: usize,
    /// `max_diffs` (100): merge_items requests per DB per pass.
    pub max_diffs: usize,
    /// `interval` (or deprecated `run_pause`; 30 s): time between pass starts.
    pub interval: f64,
    /// `databases_per_second` (50): walk rate limit.
    pub databases_per_second: f64,
    /// `node_timeout` (10 s).
    pub node_timeout: f64,
    /// `conn_timeout` (0.5 s).
    pub conn_timeout: f64,
    /// `rsync_compress` (no): compress rsync to other regions.
    pub rsync_compress: bool,
    /// `rsync_module` (`{replication_ip}::container`).
    pub rsync_module: String,
    /// `reclaim_age` (7 days).
    pub reclaim_age: f64,
    /// `recon_cache_path` (/var/cache/swift).
    pub recon_cache_path: PathBuf,
    /// `handoffs_only` (no): only push handoff partitions.
    pub handoffs_only: bool,
    /// `handoff_delete` (auto = 0): successes needed before removing a handoff DB.
    pub handoff_delete: usize,
    /// `in_process` (yes; ours): run inside the container server.
    pub in_process: bool,
}

impl ReplicatorConfig {
    /// Reads the `[container-replicator]` section (DEFAULT merged in).
    pub fn from_conf(conf: &ConfFile) -> Result<Option<ReplicatorConfig>, ConfigError> {
        match conf.try_section(SECTION)? {
            Some(section) => ReplicatorConfig::from_section(&section).map(Some),
            None => Ok(None),
        }
    }

    /// Reads the options from one section.
    pub fn from_section(s: &Section) -> Result<ReplicatorConfig, ConfigError> {
        let interval = match (
            s.get("interval").filter(|v| !v.is_empty()),
            s.get("run_pause"),
        ) {
            (Some(_), _) => s.get_f64("interval", 30.0)?,
            (None, Some(v)) if !v.is_empty() => s.get_f64("run_pause", 30.0)?,
            _ => 30.0,
        };
        if s.get("run_pause").is_some() {
            tracing::warn!("Option container-replicator/run_pause is deprecated; use interval");
        }
        let rsync_module = s
            .get_or("rsync_module", "")
            .trim_end_matches('/')
            .to_string();
        let handoff_delete = match s.get("handoff_delete") {
            None => 0,
            Some(v) if v.trim().eq_ignore_ascii_case("auto") => 0,
            Some(_) => s.get_u64("handoff_delete", 0)? as usize,
        };
        let max_diffs = match s.get("max_diffs").filter(|v| !v.is_empty()) {
            Some(_) => s.get_u64("max_diffs", 100)? as usize,
            None => 100,
        };
        Ok(ReplicatorConfig {
            devices: PathBuf::from(s.get_or("devices", "/srv/node")),
            mount_check: s.get_bool("mount_check", true),
            bind_ip: s.get_or("bind_ip", "0.0.0.0").to_string(),
            bind_port: u16::try_from(s.get_u64("bind_port", 6201)?).unwrap_or(6201),
            concurrency: (s.get_u64("concurrency", 8)? as usize).max(1),
            swift_dir: PathBuf::from(s.get_or("swift_dir", "/etc/swift")),
            per_diff: (s.get_u64("per_diff", 1000)? as usize).max(1),
            max_diffs: if max_diffs == 0 { 100 } else { max_diffs },
            interval,
            databases_per_second: s.get_f64("databases_per_second", 50.0)?,
            node_timeout: s.get_f64("node_timeout", 10.0)?,
            conn_timeout: s.get_f64("conn_timeout", 0.5)?,
            rsync_compress: s.get_bool("rsync_compress", false),
            rsync_module: if rsync_module.is_empty() {
                "{replication_ip}::container".to_string()
            } else {
                rsync_module
            },
            reclaim_age: s.get_f64("reclaim_age", 86400.0 * 7.0)?,
            recon_cache_path: PathBuf::from(s.get_or("recon_cache_path", "/var/cache/swift")),
            handoffs_only: s.get_bool("handoffs_only", false),
            handoff_delete,
            in_process: s.get_bool("in_process", true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let conf = ConfFile::parse_str(
            "[DEFAULT]\ndevices = /d\nbind_port = 6211\n[container-replicator]\nrun_pause = 5\nrsync_module = {replication_ip}::container{replication_port}/\nhandoff_delete = auto\n",
        )
        .unwrap();
        let c = ReplicatorConfig::from_conf(&conf).unwrap().unwrap();
        assert_eq!(c.devices, PathBuf::from("/d"));
        assert_eq!(c.bind_port, 6211);
        assert_eq!(c.interval, 5.0);
        assert_eq!(
            c.rsync_module,
            "{replication_ip}::container{replication_port}"
        );
        assert_eq!((c.per_diff, c.max_diffs, c.concurrency), (1000, 100, 8));
        assert_eq!(c.handoff_delete, 0);
        assert!(c.mount_check && c.in_process);
        let none = ConfFile::parse_str("[DEFAULT]\n").unwrap();
        assert!(ReplicatorConfig::from_conf(&none).unwrap().is_none());
    }
}
