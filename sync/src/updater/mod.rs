//! The container updater (Swift's `swift/container/updater.py`): sweeps this node's container
//! DBs and, for each whose put/delete timestamps or object/byte counts differ from what was
//! last reported, PUTs them to the container's account servers (account ring) so that account
//! listings show the right counts. A majority of successes records the report in the DB
//! (`reported`); 404 from every account server quarantines the DB (no account left); any other
//! failure suppresses further reports for that account for `account_suppression_time`.

pub mod config;
pub mod report;
#[cfg(test)]
mod tests;

use crate::daemon::{self, Brokers, Daemon, Mode, RateLimiter, Stop};
use config::UpdaterConfig;
use rand::seq::SliceRandom;
use report::Report;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use swift_common::config::{ConfFile, Section, SwiftConf};
use swift_common::db::DbError;
use swift_common::hash::HashSalt;
use swift_common::timestamp::Timestamp;
use swift_ring::{ring_path, ReloadingRing, DEFAULT_RELOAD_TIME};

/// What happened to one container in a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing changed since the last report.
    NoChange,
    /// A majority of account servers took the report.
    Success,
    /// The report failed (account suppressed, or DB quarantined after all-404).
    Failure,
    /// Not looked at: auto-created (put_timestamp 0), account suppressed, or DB busy.
    Skipped,
}

/// Counters of one sweep (Swift's `successes`, `failures`, `no_changes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepStats {
    /// Reports taken by a majority.
    pub successes: u64,
    /// Reports that failed (or DBs quarantined for a missing account).
    pub failures: u64,
    /// Containers with nothing new.
    pub no_changes: u64,
}

/// The live counters, shared by a sweep's worker threads.
#[derive(Debug, Default)]
struct Counters {
    successes: AtomicU64,
    failures: AtomicU64,
    no_changes: AtomicU64,
}

impl Counters {
    fn count(&self, outcome: Outcome) {
        let c = match outcome {
            Outcome::Success => &self.successes,
            Outcome::Failure => &self.failures,
            Outcome::NoChange => &self.no_changes,
            Outcome::Skipped => return,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
    fn get(&self) -> SweepStats {
        SweepStats {
            successes: self.successes.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            no_changes: self.no_changes.load(Ordering::Relaxed),
        }
    }
    fn add(&self, s: SweepStats) {
        self.successes.fetch_add(s.successes, Ordering::Relaxed);
        self.failures.fetch_add(s.failures, Ordering::Relaxed);
        self.no_changes.fetch_add(s.no_changes, Ordering::Relaxed);
    }
    fn reset(&self) {
        self.successes.store(0, Ordering::Relaxed);
        self.failures.store(0, Ordering::Relaxed);
        self.no_changes.store(0, Ordering::Relaxed);
    }
}

/// The updater task.
pub struct ContainerUpdater {
    conf: UpdaterConfig,
    salt: HashSalt,
    brokers: Brokers,
    ring: Mutex<Option<Arc<ReloadingRing>>>,
    /// account -> unix time until which its reports are suppressed.
    suppressions: Mutex<HashMap<String, f64>>,
    user_agent: String,
    counters: Counters,
}

impl ContainerUpdater {
    /// An updater configured by `conf`, placing accounts with `salt`, opening DBs via `brokers`.
    pub fn new(conf: UpdaterConfig, salt: HashSalt, brokers: Brokers) -> ContainerUpdater {
        ContainerUpdater {
            conf,
            salt,
            brokers,
            ring: Mutex::new(None),
            suppressions: Mutex::new(HashMap::new()),
            user_agent: format!("container-updater {}", std::process::id()),
            counters: Counters::default(),
        }
    }

    /// The updater of a conf file's `[container-updater]` section (swift.conf from `swift_dir`).
    pub fn from_section(section: &Section, brokers: Brokers) -> Result<ContainerUpdater, String> {
        let conf = UpdaterConfig::from_section(section).map_err(|e| e.to_string())?;
        let swift = SwiftConf::load(&conf.swift_dir).map_err(|e| e.to_string())?;
        Ok(ContainerUpdater::new(conf, swift.hash_salt, brokers))
    }

    /// The settings in use.
    pub fn conf(&self) -> &UpdaterConfig {
        &self.conf
    }

    /// The counters of the last (or current) sweep.
    pub fn stats(&self) -> SweepStats {
        self.counters.get()
    }

    /// The account ring, loaded on first use and re-read when its file changes.
    fn account_ring(&self) -> Result<Arc<ReloadingRing>, String> {
        let mut slot = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = slot.as_ref() {
            return Ok(Arc::clone(r));
        }
        let path = ring_path(&self.conf.swift_dir, "account");
        let ring = ReloadingRing::new(&path, self.salt.clone(), DEFAULT_RELOAD_TIME)
            .map_err(|e| format!("account ring {}: {e}", path.display()))?;
        let ring = Arc::new(ring);
        *slot = Some(Arc::clone(&ring));
        Ok(ring)
    }

    /// Swift's `get_paths`: every partition dir of every usable device, shuffled.
    pub fn get_paths(&self) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        for device in list_names(&self.conf.devices) {
            let dev_path =
                match daemon::check_drive(&self.conf.devices, &device, self.conf.mount_check) {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!("{e}");
                        continue;
                    }
                };
            let con_path = dev_path.join("containers");
            if !con_path.exists() {
                continue;
            }
            paths.extend(list_names(&con_path).into_iter().map(|p| con_path.join(p)));
        }
        paths.shuffle(&mut rand::thread_rng());
        paths
    }

    /// Swift's `container_sweep`: every `*.db` file under `path`, paced by `limiter`; returns
    /// the counts of this partition (also added to the sweep's).
    pub fn container_sweep(
        &self,
        path: &Path,
        limiter: &mut RateLimiter,
        stop: &Stop,
    ) -> SweepStats {
        let local = Counters::default();
        self.sweep_dbs(path, limiter, stop, &local);
        let counts = local.get();
        self.counters.add(counts);
        counts
    }

    fn sweep_dbs(&self, path: &Path, limiter: &mut RateLimiter, stop: &Stop, counters: &Counters) {
        let mut dirs = vec![path.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut subdirs = Vec::new();
            for entry in entries.flatten() {
                if stop.is_stopped() {
                    return;
                }
                let p = entry.path();
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if is_dir {
                    subdirs.push(p);
                } else if p.to_str().is_some_and(|s| s.ends_with(".db")) {
                    match self.process_container(&p) {
                        Ok(outcome) => counters.count(outcome),
                        Err(e) => {
                            tracing::error!("Error processing container {}: {e}", p.display())
                        }
                    }
                    limiter.wait();
                }
            }
            subdirs.reverse();
            dirs.extend(subdirs);
        }
    }

    fn suppressed(&self, account: &str) -> bool {
        let map = self.suppressions.lock().unwrap_or_else(|p| p.into_inner());
        map.get(account).copied().unwrap_or(0.0) > daemon::unix_now()
    }

    /// Swift's `process_container`: reports one DB's stats when they changed.
    pub fn process_container(&self, db_file: &Path) -> Result<Outcome, String> {
        let start = Instant::now();
        let broker = self.brokers.open(db_file);
        let mut info = match broker.get_info() {
            Ok(i) => i,
            Err(DbError::LockTimeout(e)) => {
                tracing::info!("Failed to get container info (Lock timeout: {e}); skipping.");
                return Ok(Outcome::Skipped);
            }
            Err(e) => {
                if matches!(e, DbError::Quarantined(_)) {
                    self.brokers.forget(broker.db_dir());
                }
                return Err(e.to_string());
            }
        };
        // Auto-created containers (put_timestamp 0) have no trustworthy stats yet.
        let put = Timestamp::parse(&info.put_timestamp).map_err(|e| e.to_string())?;
        if put.is_zero() {
            return Ok(Outcome::Skipped);
        }
        if self.suppressed(&info.account) {
            return Ok(Outcome::Skipped);
        }
        // Shards' objects reach the account through their root: report zero for a shard.
        if !broker.is_root_container().map_err(|e| e.to_string())? {
            info.object_count = 0;
            info.bytes_used = 0;
        }
        // Swift compares the timestamps as strings.
        let changed = info.put_timestamp > info.reported_put_timestamp
            || info.delete_timestamp > info.reported_delete_timestamp
            || info.object_count != info.reported_object_count
            || info.bytes_used != info.reported_bytes_used;
        if !changed {
            return Ok(Outcome::NoChange);
        }
        let ring = self.account_ring()?.get();
        let (part, nodes) = ring.get_nodes(&info.account, None, None);
        let report = Report {
            container_path: format!("/{}/{}", info.account, info.container),
            put_timestamp: info.put_timestamp.clone(),
            delete_timestamp: info.delete_timestamp.clone(),
            object_count: info.object_count,
            bytes_used: info.bytes_used,
            storage_policy_index: info.storage_policy_index,
            user_agent: self.user_agent.clone(),
        };
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = nodes
                .iter()
                .map(|node| s.spawn(|| self.container_report(node, part, &report)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(500))
                .collect()
        });
        let successes = statuses.iter().filter(|s| (200..300).contains(*s)).count();
        let not_found = statuses.iter().filter(|s| **s == 404).count();
        let outcome = if successes >= majority_size(statuses.len()) {
            tracing::debug!(
                "Update report sent for {} {}",
                report.container_path,
                db_file.display()
            );
            broker
                .reported(
                    &info.put_timestamp,
                    &info.delete_timestamp,
                    info.object_count,
                    info.bytes_used,
                )
                .map_err(|e| e.to_string())?;
            Outcome::Success
        } else if not_found == statuses.len() {
            tracing::debug!(
                "Update report stub for {} {}",
                report.container_path,
                db_file.display()
            );
            broker
                .quarantine("no account replicas exist")
                .map_err(|e| e.to_string())?;
            self.brokers.forget(broker.db_dir());
            Outcome::Failure
        } else {
            tracing::debug!(
                "Update report failed for {} {}",
                report.container_path,
                db_file.display()
            );
            let until = daemon::unix_now() + self.conf.account_suppression_time;
            self.suppressions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(info.account.clone(), until);
            Outcome::Failure
        };
        tracing::trace!("container update timing {:?}", start.elapsed());
        Ok(outcome)
    }

    /// Swift's `container_report`: the account server's status, 500 when it could not be had.
    fn container_report(&self, node: &swift_ring::Device, part: u64, report: &Report) -> u16 {
        let ip = if node.replication_ip.is_empty() {
            &node.ip
        } else {
            &node.replication_ip
        };
        let port = if node.replication_port == 0 {
            node.port
        } else {
            node.replication_port
        };
        match report::send(
            ip,
            port,
            &node.device,
            part,
            report,
            self.conf.conn_timeout,
            self.conf.node_timeout,
        ) {
            Ok(status) => status,
            Err(report::ReportError::Connect(e)) => {
                tracing::error!(
                    "ERROR account update failed with {ip}:{port}/{} (will retry later): {e}",
                    node.device
                );
                500
            }
            Err(e) => {
                tracing::debug!("Exception with {ip}:{port}/{}: {e}", node.device);
                500
            }
        }
    }

    /// Forgets suppressions whose time has passed (start of each forever sweep).
    fn expire_suppressions(&self) {
        let now = daemon::unix_now();
        self.suppressions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until >= now);
    }

    /// One sweep over every partition, `workers` partitions at a time.
    fn sweep(&self, workers: usize, stop: &Stop) {
        let paths = Mutex::new(self.get_paths());
        let next = || paths.lock().unwrap_or_else(|p| p.into_inner()).pop();
        std::thread::scope(|s| {
            for _ in 0..workers.max(1) {
                s.spawn(|| {
                    let mut limiter = RateLimiter::new(self.conf.containers_per_second);
                    while let Some(path) = next() {
                        if stop.is_stopped() {
                            return;
                        }
                        let begin = Instant::now();
                        let c = self.container_sweep(&path, &mut limiter, stop);
                        tracing::debug!(
                            "Container update sweep of {} completed: {:.2}s, {} successes, \
                             {} failures, {} with no changes",
                            path.display(),
                            begin.elapsed().as_secs_f64(),
                            c.successes,
                            c.failures,
                            c.no_changes
                        );
                    }
                });
            }
        });
    }

    fn dump_recon(&self, elapsed: Duration) {
        let mut m = Map::new();
        m.insert(
            "container_updater_sweep".into(),
            Value::from(elapsed.as_secs_f64()),
        );
        daemon::dump_recon(&self.conf.recon_file, m);
    }
}

impl Daemon for ContainerUpdater {
    fn interval(&self) -> Duration {
        self.conf.interval
    }

    fn run_pass(&mut self, mode: Mode, stop: &Stop) {
        let begin = Instant::now();
        self.counters.reset();
        match mode {
            Mode::Once => {
                tracing::info!("Begin container update single threaded sweep");
                self.sweep(1, stop);
                let SweepStats {
                    successes: ok,
                    failures: failed,
                    no_changes: same,
                } = self.stats();
                tracing::info!(
                    "Container update single threaded sweep completed: {:.2}s, {ok} successes, \
                     {failed} failures, {same} with no changes",
                    begin.elapsed().as_secs_f64()
                );
            }
            Mode::Forever => {
                tracing::info!("Begin container update sweep");
                self.expire_suppressions();
                if let Err(e) = self.account_ring() {
                    tracing::error!("{e}");
                }
                self.sweep(self.conf.concurrency, stop);
                let SweepStats {
                    successes: ok,
                    failures: failed,
                    no_changes: same,
                } = self.stats();
                tracing::debug!("{ok} successes, {failed} failures, {same} with no changes");
                tracing::info!(
                    "Container update sweep completed: {:.2}s",
                    begin.elapsed().as_secs_f64()
                );
            }
        }
        self.dump_recon(begin.elapsed());
    }
}

/// Swift's `majority_size`: more than half of `n`.
fn majority_size(n: usize) -> usize {
    n / 2 + 1
}

/// Entries of a directory (names), empty when it cannot be listed (logged as Swift does).
fn list_names(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .collect(),
        Err(e) => {
            tracing::error!("ERROR:  Failed to get paths to drive partitions: {e}");
            Vec::new()
        }
    }
}

/// The in-process updater, when the conf has a `[container-updater]` section that does not say
/// `in_process = false`; `None` otherwise (a bad section is logged and skipped).
pub fn in_process(conf: &ConfFile, brokers: Brokers) -> Option<ContainerUpdater> {
    let section = conf.section(config::SECTION)?;
    if !daemon::runs_in_process(&section) {
        return None;
    }
    match ContainerUpdater::from_section(&section, brokers) {
        Ok(u) => Some(u),
        Err(e) => {
            tracing::error!("container-updater not started: {e}");
            None
        }
    }
}

/// Starts the updater on its own thread inside the server, sharing `cache`, unless the conf has
/// no `[container-updater]` section or it says `in_process = false`.
pub fn spawn_in_process(
    conf: &ConfFile,
    cache: std::sync::Arc<swift_common::db::BrokerCache>,
) -> Option<tokio::task::JoinHandle<()>> {
    let mut task = in_process(conf, Brokers::shared(cache))?;
    Some(daemon::spawn_thread("container-updater", move || {
        daemon::run_forever(&mut task, &Stop::new())
    }))
}
