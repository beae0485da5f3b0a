//! The container auditor (Swift's `container/auditor.py` on `db_auditor.py`): opens every
//! container DB at its interval, reads its info, counts passes and failures, and lets the
//! broker quarantine what SQLite reports as corrupt. Stats go to the recon cache.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use serde_json::{json, Map};
use swift_common::config::{ConfFile, ConfigError, Section};
use swift_common::db::BrokerCache;

use crate::daemon::{dump_recon, ismount, spawn_thread, Daemon, Mode, Stop};
use crate::replicator::daemon::SetupError;
use crate::replicator::stats::now;

/// The config section the auditor reads.
pub const SECTION: &str = "container-auditor";

/// Swift logs (and writes to recon) the running counts this often.
const LOGGING_INTERVAL: f64 = 3600.0;

/// `[container-auditor]` options, with Swift's defaults.
#[derive(Debug, Clone)]
pub struct AuditorConfig {
    /// `devices` (/srv/node).
    pub devices: PathBuf,
    /// `mount_check` (true).
    pub mount_check: bool,
    /// `interval` (1800 s) between pass starts.
    pub interval: f64,
    /// `containers_per_second` (200).
    pub containers_per_second: f64,
    /// `recon_cache_path` (/var/cache/swift).
    pub recon_cache_path: PathBuf,
    /// `in_process` (yes; ours): run inside the container server.
    pub in_process: bool,
}

impl AuditorConfig {
    /// Reads the `[container-auditor]` section, if there is one.
    pub fn from_conf(conf: &ConfFile) -> Result<Option<AuditorConfig>, ConfigError> {
        match conf.try_section(SECTION)? {
            Some(s) => AuditorConfig::from_section(&s).map(Some),
            None => Ok(None),
        }
    }

    /// Reads the options from one section.
    pub fn from_section(s: &Section) -> Result<AuditorConfig, ConfigError> {
        Ok(AuditorConfig {
            devices: PathBuf::from(s.get_or("devices", "/srv/node")),
            mount_check: s.get_bool("mount_check", true),
            interval: s.get_f64("interval", 1800.0)?,
            containers_per_second: s.get_f64("containers_per_second", 200.0)?,
            recon_cache_path: PathBuf::from(s.get_or("recon_cache_path", "/var/cache/swift")),
            in_process: s.get_bool("in_process", true),
        })
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    passes: u64,
    failures: u64,
}

/// Swift's container auditor.
#[derive(Debug)]
pub struct ContainerAuditor {
    conf: AuditorConfig,
    brokers: Arc<BrokerCache>,
    counts: Mutex<Counts>,
    /// When the running counts were last logged (hourly).
    reported: Mutex<f64>,
}

impl ContainerAuditor {
    /// An auditor with these options, sharing `brokers`.
    pub fn new(conf: AuditorConfig, brokers: Arc<BrokerCache>) -> Self {
        ContainerAuditor {
            conf,
            brokers,
            counts: Mutex::new(Counts::default()),
            reported: Mutex::new(now()),
        }
    }

    /// Built from the `[container-auditor]` section.
    pub fn from_conf(conf: &ConfFile, brokers: Arc<BrokerCache>) -> Result<Self, SetupError> {
        let aconf = AuditorConfig::from_conf(conf)?
            .ok_or_else(|| SetupError::NoSection(conf.path().to_string()))?;
        Ok(ContainerAuditor::new(aconf, brokers))
    }

    /// The options in use.
    pub fn conf(&self) -> &AuditorConfig {
        &self.conf
    }

    /// (passed, failed) since the counts were last reported.
    pub fn counts(&self) -> (u64, u64) {
        let c = *self.counts.lock().unwrap_or_else(|p| p.into_inner());
        (c.passes, c.failures)
    }

    /// One pass over every DB ("once" mode).
    pub fn run_once(&self) {
        tracing::info!("Begin container audit \"once\" mode");
        let begin = Instant::now();
        self.one_pass(now());
        let elapsed = begin.elapsed().as_secs_f64();
        tracing::info!("Container audit \"once\" mode completed: {elapsed:.02}s");
        self.dump_pass_completed(elapsed);
    }

    fn dump_pass_completed(&self, elapsed: f64) {
        let mut entries = Map::new();
        entries.insert("container_auditor_pass_completed".into(), json!(elapsed));
        dump_recon(&self.recon_file(), entries);
    }

    fn recon_file(&self) -> PathBuf {
        self.conf.recon_cache_path.join("container.recon")
    }

    fn one_pass(&self, mut reported: f64) -> f64 {
        let gap = if self.conf.containers_per_second > 0.0 {
            Duration::from_secs_f64(1.0 / self.conf.containers_per_second)
        } else {
            Duration::ZERO
        };
        for db_dir in audit_locations(&self.conf.devices, self.conf.mount_check) {
            let started = Instant::now();
            self.audit(&db_dir);
            if now() - reported >= LOGGING_INTERVAL {
                let (passes, failures) = self.counts();
                tracing::info!("Since {reported}: container audits: {passes} passed audit, {failures} failed audit");
                let mut entries = Map::new();
                entries.insert("container_audits_since".into(), json!(reported));
                entries.insert("container_audits_passed".into(), json!(passes));
                entries.insert("container_audits_failed".into(), json!(failures));
                dump_recon(&self.recon_file(), entries);
                reported = now();
                *self.counts.lock().unwrap_or_else(|p| p.into_inner()) = Counts::default();
            }
            std::thread::sleep(gap.saturating_sub(started.elapsed()));
        }
        reported
    }

    /// Audits one DB: readable info unless deleted. Corrupt DBs are quarantined by the broker.
    pub fn audit(&self, db_dir: &Path) {
        let broker = self.brokers.get_or_open(db_dir, "", "");
        let result = broker.is_deleted().and_then(|deleted| {
            if !deleted {
                broker.get_info()?;
            }
            Ok(())
        });
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(()) => {
                counts.passes += 1;
                tracing::debug!("Audit passed for {}", db_dir.display());
            }
            Err(e) => {
                counts.failures += 1;
                tracing::error!(
                    "ERROR Could not get container info {}: {e}",
                    db_dir.display()
                );
                self.brokers.forget(db_dir);
            }
        }
    }
}

/// Every DB dir under `<devices>/<dev>/containers/<part>/<suffix>/<hash>` holding a `.db`
/// file, devices in random order, unmounted devices skipped when `mount_check`.
fn audit_locations(devices: &Path, mount_check: bool) -> Vec<PathBuf> {
    let list = |p: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    let mut devs = list(devices);
    devs.shuffle(&mut rand::thread_rng());
    let mut out = Vec::new();
    for dev in devs {
        if mount_check && !ismount(&dev) {
            tracing::warn!("Skipping {} as it is not mounted", dev.display());
            continue;
        }
        for part in list(&dev.join("containers")) {
            for suffix in list(&part) {
                for hash_dir in list(&suffix) {
                    let has_db = list(&hash_dir)
                        .iter()
                        .any(|f| f.extension().is_some_and(|e| e == "db"));
                    if has_db {
                        out.push(hash_dir);
                    }
                }
            }
        }
    }
    out
}

impl Daemon for ContainerAuditor {
    fn interval(&self) -> Duration {
        Duration::from_secs_f64(self.conf.interval.max(0.0))
    }

    fn run_pass(&mut self, mode: Mode, _stop: &Stop) {
        match mode {
            Mode::Once => self.run_once(),
            Mode::Forever => {
                tracing::info!("Begin container audit pass.");
                let begin = Instant::now();
                let since = self.reported.lock().map(|r| *r).unwrap_or_else(|_| now());
                let reported = self.one_pass(since);
                if let Ok(mut r) = self.reported.lock() {
                    *r = reported;
                }
                let elapsed = begin.elapsed().as_secs_f64();
                tracing::info!("Container audit pass completed: {elapsed:.02}s");
                self.dump_pass_completed(elapsed);
            }
        }
    }
}

/// Starts the auditor on its own thread inside the server, sharing `cache`, unless the conf
/// has no `[container-auditor]` section or it says `in_process = false`.
pub fn spawn_in_process(
    conf: &ConfFile,
    cache: Arc<BrokerCache>,
) -> Option<tokio::task::JoinHandle<()>> {
    match AuditorConfig::from_conf(conf) {
        Ok(Some(c)) if c.in_process => {}
        Ok(_) => return None,
        Err(e) => {
            tracing::error!("container-auditor not started: {e}");
            return None;
        }
    }
    match ContainerAuditor::from_conf(conf, cache) {
        Ok(mut a) => Some(spawn_thread("container-auditor", move || {
            crate::daemon::run_forever(&mut a, &Stop::new())
        })),
        Err(e) => {
            tracing::error!("container-auditor not started: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swift_common::db::ContainerBroker;
    use swift_common::timestamp::Timestamp;

    #[test]
    fn good_dbs_pass_and_corrupt_ones_are_quarantined() {
        let root = tempfile::tempdir().unwrap();
        let devices = root.path().join("node");
        let good = devices.join("sda/containers/1/abc/00000000000000000000000000000abc");
        let bad = devices.join("sda/containers/2/def/00000000000000000000000000000def");
        let b = ContainerBroker::new(
            &good,
            "a",
            "c",
            Duration::from_secs(5),
            Duration::from_secs(5),
        );
        b.initialize(&Timestamp::now(), 0).unwrap();
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(
            bad.join("00000000000000000000000000000def.db"),
            vec![b'x'; 4096],
        )
        .unwrap();
        let conf = ConfFile::parse_str(&format!(
            "[container-auditor]\ndevices = {}\nmount_check = false\nrecon_cache_path = {}\n",
            devices.display(),
            root.path().display()
        ))
        .unwrap();
        let auditor = ContainerAuditor::from_conf(&conf, Arc::new(BrokerCache::default())).unwrap();
        auditor.run_once();
        assert_eq!(auditor.counts(), (1, 1));
        assert!(good.exists());
        assert!(!bad.exists());
        assert!(devices
            .join("sda/quarantined/containers/00000000000000000000000000000def")
            .exists());
        let recon = std::fs::read_to_string(root.path().join("container.recon")).unwrap();
        assert!(
            recon.starts_with("{\"container_auditor_pass_completed\": "),
            "{recon}"
        );
    }
}
