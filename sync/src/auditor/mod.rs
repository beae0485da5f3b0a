//! The container auditor (Swift's `swift/container/auditor.py` on `db_auditor.py`): every
//! `interval` it opens each container DB of this node and reads its info. A DB SQLite calls
//! corrupt is quarantined by the broker (to `<devices>/<dev>/quarantined/containers/<hash>`) and
//! counted as failed. Passed/failed counts go to the log and to `container.recon` at most once
//! an hour (`container_audits_passed/failed/since`), the pass time after each pass
//! (`container_auditor_pass_completed`).

use crate::daemon::{self, Brokers, Daemon, Mode, RateLimiter, Stop};
use rand::seq::SliceRandom;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use swift_common::config::{ConfFile, ConfigError, Section};
use swift_common::db::DbError;

/// The config section the auditor reads.
pub const SECTION: &str = "container-auditor";

/// Seconds between the passed/failed log lines and recon dumps (Swift: once an hour).
pub const LOGGING_INTERVAL: f64 = 3600.0;

/// What Swift's `DatabaseAuditor.__init__` reads from `[container-auditor]`.
#[derive(Debug, Clone)]
pub struct AuditorConfig {
    /// `devices` (default `/srv/node`).
    pub devices: PathBuf,
    /// `mount_check` (default true).
    pub mount_check: bool,
    /// `interval` between passes (default 1800 s).
    pub interval: Duration,
    /// `containers_per_second` (default 200).
    pub containers_per_second: f64,
    /// `<recon_cache_path>/container.recon`.
    pub recon_file: PathBuf,
}

impl AuditorConfig {
    /// Reads the section with Swift's defaults.
    pub fn from_section(s: &Section) -> Result<AuditorConfig, ConfigError> {
        let interval = s.get_f64("interval", 1800.0)?;
        Ok(AuditorConfig {
            devices: PathBuf::from(s.get_or("devices", "/srv/node")),
            mount_check: s.get_bool("mount_check", true),
            interval: Duration::try_from_secs_f64(interval).map_err(|_| {
                ConfigError::InvalidValue {
                    option: "interval".into(),
                    value: interval.to_string(),
                    message: "must be a non-negative number of seconds".into(),
                }
            })?,
            containers_per_second: s.get_f64("containers_per_second", 200.0)?,
            recon_file: daemon::recon_cache_file(s),
        })
    }
}

/// The auditor task.
pub struct ContainerAuditor {
    conf: AuditorConfig,
    brokers: Brokers,
    /// DBs that passed since `reported`.
    pub passes: u64,
    /// DBs that failed since `reported`.
    pub failures: u64,
    /// Unix time the counters were last logged (start of the task in forever mode).
    reported: f64,
    limiter: RateLimiter,
}

impl ContainerAuditor {
    /// An auditor with these settings, opening DBs through `brokers`.
    pub fn new(conf: AuditorConfig, brokers: Brokers) -> ContainerAuditor {
        let limiter = RateLimiter::new(conf.containers_per_second);
        ContainerAuditor {
            conf,
            brokers,
            passes: 0,
            failures: 0,
            reported: daemon::unix_now(),
            limiter,
        }
    }

    /// The auditor of a `[container-auditor]` section.
    pub fn from_section(s: &Section, brokers: Brokers) -> Result<ContainerAuditor, String> {
        let conf = AuditorConfig::from_section(s).map_err(|e| e.to_string())?;
        Ok(ContainerAuditor::new(conf, brokers))
    }

    /// Swift's `audit_location_generator` for `containers`/`.db`: devices shuffled (unmounted
    /// ones skipped with a warning), then every `<part>/<suffix>/<hash>/*.db`.
    pub fn locations(&self) -> Vec<PathBuf> {
        let mut devices = names(&self.conf.devices);
        devices.shuffle(&mut rand::thread_rng());
        let mut out = Vec::new();
        for device in devices {
            let dev_path = self.conf.devices.join(&device);
            if self.conf.mount_check && !daemon::ismount(&dev_path) {
                tracing::warn!("Skipping {device} as it is not mounted");
                continue;
            }
            let datadir = dev_path.join("containers");
            for part in names(&datadir) {
                let part_path = datadir.join(part);
                for suffix in names(&part_path) {
                    let suffix_path = part_path.join(suffix);
                    for hash in names(&suffix_path) {
                        let hash_path = suffix_path.join(hash);
                        let mut files = names(&hash_path);
                        files.sort();
                        out.extend(
                            files
                                .into_iter()
                                .filter(|f| f.ends_with(".db"))
                                .map(|f| hash_path.join(f)),
                        );
                    }
                }
            }
        }
        out
    }

    /// Swift's `audit`: a DB that is not deleted passes when its info can be read; any error
    /// (a corrupt DB is quarantined on the way) fails it. Deleted DBs count as neither.
    pub fn audit(&mut self, db_file: &Path) {
        let broker = self.brokers.open(db_file);
        let result = broker.is_deleted().and_then(|deleted| match deleted {
            true => Ok(false),
            false => broker.get_info().map(|_| true),
        });
        match result {
            Ok(true) => {
                self.passes += 1;
                tracing::debug!("Audit passed for {}", db_file.display());
            }
            Ok(false) => {}
            Err(e) => {
                if matches!(e, DbError::Quarantined(_)) {
                    self.brokers.forget(broker.db_dir());
                }
                self.failures += 1;
                tracing::error!(
                    "ERROR Could not get container info {}: {e}",
                    db_file.display()
                );
            }
        }
    }

    /// Swift's `_one_audit_pass`: audits every DB, logging and dumping the counters to recon
    /// whenever `LOGGING_INTERVAL` has passed since they were last reported.
    fn one_audit_pass(&mut self, stop: &Stop) {
        for db_file in self.locations() {
            if stop.is_stopped() {
                return;
            }
            self.audit(&db_file);
            let now = daemon::unix_now();
            if now - self.reported >= LOGGING_INTERVAL {
                tracing::info!(
                    "Since {}: container audits: {} passed audit, {} failed audit",
                    ctime(self.reported),
                    self.passes,
                    self.failures
                );
                let mut m = Map::new();
                m.insert("container_audits_since".into(), Value::from(self.reported));
                m.insert("container_audits_passed".into(), Value::from(self.passes));
                m.insert("container_audits_failed".into(), Value::from(self.failures));
                daemon::dump_recon(&self.conf.recon_file, m);
                self.reported = now;
                self.passes = 0;
                self.failures = 0;
            }
            self.limiter.wait();
        }
    }
}

impl Daemon for ContainerAuditor {
    fn interval(&self) -> Duration {
        self.conf.interval
    }

    fn run_pass(&mut self, mode: Mode, stop: &Stop) {
        let begin = Instant::now();
        match mode {
            Mode::Once => {
                tracing::info!("Begin container audit \"once\" mode");
                // Swift's once mode starts its reporting clock at the pass.
                self.reported = daemon::unix_now();
                self.one_audit_pass(stop);
                tracing::info!(
                    "Container audit \"once\" mode completed: {:.2}s",
                    begin.elapsed().as_secs_f64()
                );
            }
            Mode::Forever => {
                tracing::info!("Begin container audit pass.");
                self.one_audit_pass(stop);
                tracing::info!(
                    "Container audit pass completed: {:.2}s",
                    begin.elapsed().as_secs_f64()
                );
            }
        }
        let mut m = Map::new();
        m.insert(
            "container_auditor_pass_completed".into(),
            Value::from(begin.elapsed().as_secs_f64()),
        );
        daemon::dump_recon(&self.conf.recon_file, m);
    }
}

/// Python's `time.ctime(t)` in UTC, for the "Since ..." line.
fn ctime(t: f64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::try_from_secs_f64(t).unwrap_or_default();
    crate::container_sync::stats::ctime(at)
}

/// Names in a directory, empty when it is not one or cannot be read.
fn names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The in-process auditor, when the conf has a `[container-auditor]` section that does not say
/// `in_process = false`.
pub fn in_process(conf: &ConfFile, brokers: Brokers) -> Option<ContainerAuditor> {
    let section = conf.section(SECTION)?;
    if !daemon::runs_in_process(&section) {
        return None;
    }
    match ContainerAuditor::from_section(&section, brokers) {
        Ok(a) => Some(a),
        Err(e) => {
            tracing::error!("container-auditor not started: {e}");
            None
        }
    }
}

/// Starts the auditor on its own thread inside the server, sharing `cache`, unless the conf has
/// no `[container-auditor]` section or it says `in_process = false`.
pub fn spawn_in_process(
    conf: &ConfFile,
    cache: std::sync::Arc<swift_common::db::BrokerCache>,
) -> Option<tokio::task::JoinHandle<()>> {
    let mut task = in_process(conf, Brokers::shared(cache))?;
    Some(daemon::spawn_thread("container-auditor", move || {
        daemon::run_forever(&mut task, &Stop::new())
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ctime_like_python_in_utc() {
        // TZ=UTC python3 -c 'import time; print(time.ctime(1763804111.5)); print(time.ctime(0))'
        assert_eq!(super::ctime(1763804111.5), "Sat Nov 22 09:35:11 2025");
        assert_eq!(super::ctime(0.0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(super::ctime(951782400.0), "Tue Feb 29 00:00:00 2000");
    }
}
