//! The container updater (Swift's `container/updater.py`): finds containers whose object
//! count, bytes or put/delete timestamps changed since they were last reported, and PUTs the
//! new stats to the account servers holding the account, so account listings stay right.

mod config;
mod report;

pub use config::{UpdaterConfig, SECTION};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use serde_json::{json, Map};
use swift_common::config::{ConfFile, SwiftConf};
use swift_common::db::{BrokerCache, ContainerBroker, DbError};
use swift_common::hash::HashSalt;
use swift_common::timestamp::Timestamp;
use swift_ring::{ring_path, ReloadingRing, Ring, DEFAULT_RELOAD_TIME};

use crate::daemon::{check_drive, dump_recon, spawn_thread, Daemon, Mode, Stop};
use crate::replicator::daemon::SetupError;
use crate::replicator::stats::now;

/// Counters of one sweep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepStats {
    /// Containers whose report reached a majority of account replicas.
    pub successes: u64,
    /// Containers whose report failed (or that were quarantined for a missing account).
    pub failures: u64,
    /// Containers with nothing new to report.
    pub no_changes: u64,
}

/// Swift's container updater.
#[derive(Debug)]
pub struct ContainerUpdater {
    conf: UpdaterConfig,
    salt: HashSalt,
    ring: Mutex<Option<Arc<ReloadingRing>>>,
    brokers: Arc<BrokerCache>,
    /// Accounts not to report to until the given time (after failed reports).
    suppressions: Mutex<HashMap<String, f64>>,
    stats: Mutex<SweepStats>,
    user_agent: String,
}

impl ContainerUpdater {
    /// An updater with these options and swift.conf's hash salt.
    pub fn new(conf: UpdaterConfig, swift_conf: &SwiftConf, brokers: Arc<BrokerCache>) -> Self {
        ContainerUpdater {
            conf,
            salt: swift_conf.hash_salt.clone(),
            ring: Mutex::new(None),
            brokers,
            suppressions: Mutex::new(HashMap::new()),
            stats: Mutex::new(SweepStats::default()),
            user_agent: format!("container-updater {}", std::process::id()),
        }
    }

    /// Built from the `[container-updater]` section and its swift_dir's swift.conf.
    pub fn from_conf(conf: &ConfFile, brokers: Arc<BrokerCache>) -> Result<Self, SetupError> {
        let uconf = UpdaterConfig::from_conf(conf)?
            .ok_or_else(|| SetupError::NoSection(conf.path().to_string()))?;
        let swift_conf = SwiftConf::load(&uconf.swift_dir)?;
        Ok(ContainerUpdater::new(uconf, &swift_conf, brokers))
    }

    /// The options in use.
    pub fn conf(&self) -> &UpdaterConfig {
        &self.conf
    }

    /// The counters of the last sweep.
    pub fn stats(&self) -> SweepStats {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn account_ring(&self) -> Option<Arc<Ring>> {
        let mut slot = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            let path = ring_path(&self.conf.swift_dir, "account");
            match ReloadingRing::new(&path, self.salt.clone(), DEFAULT_RELOAD_TIME) {
                Ok(r) => *slot = Some(Arc::new(r)),
                Err(e) => {
                    tracing::error!("ERROR loading account ring: {e}");
                    return None;
                }
            }
        }
        slot.as_ref().map(|r| r.get())
    }

    /// Every partition dir of every (mounted) device, shuffled.
    fn get_paths(&self) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        let devices = match std::fs::read_dir(&self.conf.devices) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!("ERROR:  Failed to get paths to drive partitions: {e}");
                return paths;
            }
        };
        for dev in devices.flatten() {
            let name = dev.file_name().to_string_lossy().to_string();
            let dev_path = match check_drive(&self.conf.devices, &name, self.conf.mount_check) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("{e}");
                    continue;
                }
            };
            let datadir = dev_path.join("containers");
            if let Ok(parts) = std::fs::read_dir(&datadir) {
                paths.extend(parts.flatten().map(|p| p.path()));
            }
        }
        paths.shuffle(&mut rand::thread_rng());
        paths
    }

    /// One sweep over every container; `concurrency` partitions at a time.
    pub fn run_once(&self) {
        tracing::info!("Begin container update sweep");
        let begin = Instant::now();
        *self.stats.lock().unwrap_or_else(|p| p.into_inner()) = SweepStats::default();
        let now = now();
        self.suppressions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, until| *until >= now);
        let Some(ring) = self.account_ring() else {
            return;
        };
        let paths = Mutex::new(self.get_paths().into_iter());
        let gap = if self.conf.containers_per_second > 0.0 {
            Duration::from_secs_f64(1.0 / self.conf.containers_per_second)
        } else {
            Duration::ZERO
        };
        let pace = Mutex::new(Instant::now());
        std::thread::scope(|scope| {
            for _ in 0..self.conf.concurrency.max(1) {
                scope.spawn(|| loop {
                    let next = paths.lock().unwrap_or_else(|p| p.into_inner()).next();
                    let Some(path) = next else { break };
                    self.container_sweep(&ring, &path, &pace, gap);
                });
            }
        });
        let elapsed = begin.elapsed().as_secs_f64();
        let s = self.stats();
        tracing::info!(
            "Container update sweep completed: {elapsed:.02}s, {} successes, {} failures, {} with no changes",
            s.successes,
            s.failures,
            s.no_changes
        );
        let mut entries = Map::new();
        entries.insert("container_updater_sweep".into(), json!(elapsed));
        dump_recon(&self.conf.recon_cache_path.join("container.recon"), entries);
    }

    /// Every container DB dir under one partition dir.
    fn container_sweep(&self, ring: &Ring, path: &Path, pace: &Mutex<Instant>, gap: Duration) {
        for db_dir in db_dirs(path) {
            if let Err(e) = self.process_container(ring, &db_dir) {
                tracing::error!("Error processing container {}: {e}", db_dir.display());
            }
            let wait = {
                let mut next = pace.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let wait = next.saturating_duration_since(now);
                *next = now.max(*next) + gap;
                wait
            };
            std::thread::sleep(wait);
        }
    }

    /// Reports one container to its account servers when its stats changed.
    pub fn process_container(&self, ring: &Ring, db_dir: &Path) -> Result<(), DbError> {
        let broker: Arc<ContainerBroker> = self.brokers.get_or_open(db_dir, "", "");
        let mut info = match broker.get_info() {
            Ok(i) => i,
            Err(DbError::LockTimeout(e)) => {
                tracing::info!("Failed to get container info (Lock timeout: {e}); skipping.");
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        // An auto-created container has no real put yet: nothing trustworthy to report.
        if Timestamp::parse(&info.put_timestamp).map_or(true, |t| t.is_zero()) {
            return Ok(());
        }
        let suppressed_until = self
            .suppressions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&info.account)
            .copied()
            .unwrap_or(0.0);
        if suppressed_until > now() {
            return Ok(());
        }
        if !broker.is_root_container()? {
            // The root reports for its shards.
            info.object_count = 0;
            info.bytes_used = 0;
        }
        // Swift compares the timestamps as strings.
        let changed = info.put_timestamp > info.reported_put_timestamp
            || info.delete_timestamp > info.reported_delete_timestamp
            || info.object_count != info.reported_object_count
            || info.bytes_used != info.reported_bytes_used;
        if !changed {
            self.count(|s| s.no_changes += 1);
            return Ok(());
        }
        let (part, nodes) = ring.get_nodes(&info.account, None, None);
        let container_path = format!("/{}/{}", info.account, info.container);
        let results: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = nodes
                .iter()
                .map(|node| {
                    let report = report::Report {
                        node,
                        part,
                        container_path: &container_path,
                        info: &info,
                        user_agent: &self.user_agent,
                        conn_timeout: self.conf.conn_timeout,
                        node_timeout: self.conf.node_timeout,
                    };
                    scope.spawn(move || report.send())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(500))
                .collect()
        });
        let successes = results.iter().filter(|s| (200..300).contains(*s)).count();
        let not_found = results.iter().filter(|s| **s == 404).count();
        // Swift's majority_size: n // 2 + 1.
        let majority = results.len() / 2 + 1;
        if successes >= majority {
            self.count(|s| s.successes += 1);
            tracing::debug!(
                "Update report sent for {container_path} {}",
                db_dir.display()
            );
            broker.reported(
                &info.put_timestamp,
                &info.delete_timestamp,
                info.object_count,
                info.bytes_used,
            )?;
        } else if not_found == results.len() {
            self.count(|s| s.failures += 1);
            tracing::debug!(
                "Update report stub for {container_path} {}",
                db_dir.display()
            );
            broker.quarantine("no account replicas exist")?;
            self.brokers.forget(db_dir);
        } else {
            self.count(|s| s.failures += 1);
            tracing::debug!(
                "Update report failed for {container_path} {}",
                db_dir.display()
            );
            let until = now() + self.conf.account_suppression_time;
            self.suppressions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(info.account.clone(), until);
        }
        Ok(())
    }

    fn count(&self, f: impl FnOnce(&mut SweepStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// Directories under `path` (recursively) holding a `*.db` file, each once.
fn db_dirs(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_db = false;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "db") {
                has_db = true;
            }
        }
        if has_db {
            out.push(dir);
        }
    }
    out
}

impl Daemon for ContainerUpdater {
    fn interval(&self) -> Duration {
        Duration::from_secs_f64(self.conf.interval.max(0.0))
    }

    fn run_pass(&mut self, _mode: Mode, _stop: &Stop) {
        self.run_once();
    }
}

/// Starts the updater on its own thread inside the server, sharing `cache`, unless the conf
/// has no `[container-updater]` section or it says `in_process = false`.
pub fn spawn_in_process(
    conf: &ConfFile,
    cache: Arc<BrokerCache>,
) -> Option<tokio::task::JoinHandle<()>> {
    match UpdaterConfig::from_conf(conf) {
        Ok(Some(c)) if c.in_process => {}
        Ok(_) => return None,
        Err(e) => {
            tracing::error!("container-updater not started: {e}");
            return None;
        }
    }
    match ContainerUpdater::from_conf(conf, cache) {
        Ok(mut u) => Some(spawn_thread("container-updater", move || {
            crate::daemon::run_forever(&mut u, &Stop::new())
        })),
        Err(e) => {
            tracing::error!("container-updater not started: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests;
