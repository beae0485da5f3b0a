//! The replicator daemon: one pass over every container DB on this node's devices (Swift's
//! `Replicator.run_once`), or passes forever at `interval`, with the stats of each pass
//! logged and written to the recon cache.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::daemon::{check_drive, dump_recon, Daemon, Mode, Stop};

use serde_json::{json, Map, Value};
use swift_common::config::{ConfFile, ConfigError, SwiftConf};
use swift_common::db::BrokerCache;
use swift_common::hash::HashSalt;
use swift_ring::{
    is_local_device, ring_path, whataremyips, Device, ReloadingRing, Ring, DEFAULT_RELOAD_TIME,
};

use super::config::{ReplicatorConfig, SECTION};
use super::stats::{now, Stats};
use super::walk::{roundrobin_datadirs, DataDir, FoundDb, PartFilter};

/// Why the replicator cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// No `[container-replicator]` section.
    #[error("Unable to find {SECTION} config section in {0}")]
    NoSection(String),
    /// A bad option, or swift.conf unreadable.
    #[error("{0}")]
    Config(#[from] ConfigError),
}

/// Swift's container replicator.
#[derive(Debug)]
pub struct ContainerReplicator {
    pub(super) conf: ReplicatorConfig,
    pub(super) salt: HashSalt,
    /// More than one storage policy: `sync` carries the policy fields too.
    pub(super) multiple_policies: bool,
    ring: Mutex<Option<Arc<ReloadingRing>>>,
    pub(super) brokers: Arc<BrokerCache>,
    pub(super) stats: Mutex<Stats>,
    /// This node's devices found in the last pass, by ring id.
    pub(super) local_devices: Mutex<HashMap<u32, Device>>,
    /// Reconciler queue containers written during the current pass.
    pub(super) reconciler: Mutex<super::reconciler::ReconcilerPass>,
    /// The container-sync store of our devices, kept up to date as DBs come and go.
    pub(super) sync_store: crate::container_sync::store::SyncStore,
    /// True while a pass runs: queue containers to remove are noted, not removed.
    pub(super) collecting_cleanups: std::sync::atomic::AtomicBool,
}

impl ContainerReplicator {
    /// A replicator with these options, placing names with swift.conf's salt and sharing
    /// `brokers` with whoever else opens the same DBs.
    pub fn new(conf: ReplicatorConfig, swift_conf: &SwiftConf, brokers: Arc<BrokerCache>) -> Self {
        let sync_store =
            crate::container_sync::store::SyncStore::new(&conf.devices, conf.mount_check);
        ContainerReplicator {
            sync_store,
            conf,
            salt: swift_conf.hash_salt.clone(),
            multiple_policies: swift_conf.policies.len() > 1,
            ring: Mutex::new(None),
            brokers,
            stats: Mutex::new(Stats::starting_now()),
            local_devices: Mutex::new(HashMap::new()),
            reconciler: Mutex::new(Default::default()),
            collecting_cleanups: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Built from the `[container-replicator]` section and the swift.conf of its `swift_dir`.
    pub fn from_conf(conf: &ConfFile, brokers: Arc<BrokerCache>) -> Result<Self, SetupError> {
        let rconf = ReplicatorConfig::from_conf(conf)?
            .ok_or_else(|| SetupError::NoSection(conf.path().to_string()))?;
        let swift_conf = SwiftConf::load(&rconf.swift_dir)?;
        Ok(ContainerReplicator::new(rconf, &swift_conf, brokers))
    }

    /// The options in use.
    pub fn conf(&self) -> &ReplicatorConfig {
        &self.conf
    }

    /// The container ring, loaded on first use (a missing ring is retried next pass).
    pub(super) fn ring(&self) -> Option<Arc<Ring>> {
        let mut slot = self.ring.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            let path = ring_path(&self.conf.swift_dir, "container");
            match ReloadingRing::new(&path, self.salt.clone(), DEFAULT_RELOAD_TIME) {
                Ok(r) => *slot = Some(Arc::new(r)),
                Err(e) => {
                    tracing::error!("ERROR loading container ring: {e}");
                    return None;
                }
            }
        }
        slot.as_ref().map(|r| r.get())
    }

    pub(super) fn with_stats<T>(&self, f: impl FnOnce(&mut Stats) -> T) -> T {
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut stats)
    }

    /// One full pass; returns when every DB found has been handled.
    pub fn run_once(&self) {
        self.with_stats(|s| *s = Stats::starting_now());
        let Some(ring) = self.ring() else {
            return;
        };
        let ips = whataremyips(Some(&self.conf.bind_ip));
        if ips.is_empty() {
            tracing::error!("ERROR Failed to get my own IPs?");
            return;
        }
        if self.conf.handoffs_only || self.conf.handoff_delete > 0 {
            tracing::warn!(
                "Starting replication pass with handoffs_only and/or handoffs_delete enabled. \
                 These modes are not intended for normal operation; use these options with care."
            );
        }
        let dirs = self.local_datadirs(&ring, &ips);
        *self.reconciler.lock().unwrap_or_else(|p| p.into_inner()) = Default::default();
        self.collecting_cleanups
            .store(true, std::sync::atomic::Ordering::SeqCst);
        tracing::info!("Beginning replication run");
        self.replicate_all(&ring, roundrobin_datadirs(dirs));
        tracing::info!("Replication run OVER");
        self.replicate_reconcilers(&ring);
        if self.conf.handoffs_only || self.conf.handoff_delete > 0 {
            tracing::warn!(
                "Finished replication pass with handoffs_only and/or handoffs_delete enabled. \
                 If these are no longer required, disable them."
            );
        }
        self.report_stats();
    }

    /// Our devices' `containers` dirs, after checking each drive and clearing old tmp files.
    fn local_datadirs(&self, ring: &Arc<Ring>, ips: &[String]) -> Vec<DataDir> {
        let mut dirs: Vec<DataDir> = Vec::new();
        let mut local = HashMap::new();
        let mut found_local = false;
        for dev in ring.devs().iter().flatten() {
            if !is_local_device(
                ips,
                Some(self.conf.bind_port),
                &dev.replication_ip,
                dev.replication_port,
            ) {
                continue;
            }
            found_local = true;
            let dev_path = match check_drive(&self.conf.devices, &dev.device, self.conf.mount_check)
            {
                Ok(p) => p,
                Err(reason) => {
                    self.with_stats(|s| {
                        s.add_failures(
                            ring.devs()
                                .iter()
                                .flatten()
                                .map(|d| (d.replication_ip.as_str(), d.device.as_str())),
                        )
                    });
                    tracing::warn!("Skipping: {reason}");
                    continue;
                }
            };
            unlink_older_than(&dev_path.join("tmp"), now() - self.conf.reclaim_age);
            let datadir = dev_path.join("containers");
            if datadir.is_dir() {
                local.insert(dev.id, dev.clone());
                let filter: PartFilter = if self.conf.handoffs_only {
                    let ring = Arc::clone(ring);
                    let id = dev.id;
                    Box::new(move |part| !ring.get_part_nodes(part).iter().any(|d| d.id == id))
                } else {
                    Box::new(|_| true)
                };
                dirs.push((datadir, dev.id, filter));
            }
        }
        if !found_local {
            tracing::error!(
                "Can't find itself {} with port {} in ring file, not replicating",
                ips.join(", "),
                self.conf.bind_port
            );
        }
        *self.local_devices.lock().unwrap_or_else(|p| p.into_inner()) = local;
        dirs
    }

    /// Replicates each DB of the walk, `concurrency` at a time, at most
    /// `databases_per_second` started per second.
    fn replicate_all(&self, ring: &Ring, walk: impl Iterator<Item = FoundDb> + Send) {
        let rate = self.conf.databases_per_second;
        let gap = if rate > 0.0 {
            Duration::from_secs_f64(1.0 / rate)
        } else {
            Duration::ZERO
        };
        let source = Mutex::new((walk, Instant::now()));
        std::thread::scope(|scope| {
            for _ in 0..self.conf.concurrency {
                scope.spawn(|| loop {
                    let next = {
                        let mut guard = source.lock().unwrap_or_else(|p| p.into_inner());
                        let (walk, next_at) = &mut *guard;
                        let wait = next_at.saturating_duration_since(Instant::now());
                        std::thread::sleep(wait);
                        *next_at = Instant::now().max(*next_at) + gap;
                        walk.next()
                    };
                    match next {
                        Some(found) => {
                            self.replicate_object(
                                ring,
                                found.partition,
                                &found.db_file,
                                found.node_id,
                            );
                        }
                        None => break,
                    }
                });
            }
        });
    }

    fn report_stats(&self) {
        let stats = self.with_stats(|s| s.clone());
        let now = now();
        let elapsed = now - stats.start;
        tracing::info!(
            "Attempted to replicate {} dbs in {:.5} seconds ({:.5}/s)",
            stats.attempted,
            elapsed,
            stats.attempted as f64 / (elapsed + 0.0000001)
        );
        tracing::info!("Removed {} dbs", stats.remove);
        tracing::info!("{} successes, {} failures", stats.success, stats.failure);
        let mut entries = Map::new();
        entries.insert("replication_stats".into(), stats.to_json());
        entries.insert("replication_time".into(), json!(elapsed));
        entries.insert("replication_last".into(), json!(now));
        dump_recon(&self.conf.recon_cache_path.join("container.recon"), entries);
        tracing::info!(
            "diff:{} diff_capped:{} empty:{} hashmatch:{} no_change:{} remote_merge:{} rsync:{} ts_repl:{}",
            stats.diff,
            stats.diff_capped,
            stats.empty,
            stats.hashmatch,
            stats.no_change,
            stats.remote_merge,
            stats.rsync,
            stats.ts_repl
        );
    }

    /// The last pass's counters, as written to the recon cache.
    pub fn stats_json(&self) -> Value {
        self.with_stats(|s| s.to_json())
    }
}

impl Daemon for ContainerReplicator {
    fn interval(&self) -> Duration {
        Duration::from_secs_f64(self.conf.interval.max(0.0))
    }

    fn run_pass(&mut self, _mode: Mode, _stop: &Stop) {
        self.run_once();
    }
}

/// Starts the replicator on its own thread inside the server, sharing `cache`, unless the
/// conf has no `[container-replicator]` section or it says `in_process = false`.
pub fn spawn_in_process(
    conf: &ConfFile,
    cache: Arc<BrokerCache>,
) -> Option<tokio::task::JoinHandle<()>> {
    match ReplicatorConfig::from_conf(conf) {
        Ok(Some(c)) if c.in_process => {}
        Ok(_) => return None,
        Err(e) => {
            tracing::error!("container-replicator not started: {e}");
            return None;
        }
    }
    match ContainerReplicator::from_conf(conf, cache) {
        Ok(mut r) => Some(crate::daemon::spawn_thread(
            "container-replicator",
            move || crate::daemon::run_forever(&mut r, &Stop::new()),
        )),
        Err(e) => {
            tracing::error!("container-replicator not started: {e}");
            None
        }
    }
}

/// Removes the files directly in `dir` last modified before `cutoff` (epoch seconds).
pub fn unlink_older_than(dir: &Path, cutoff: f64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let old = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .is_some_and(|d| d.as_secs_f64() < cutoff);
        if old {
            let _ = std::fs::remove_file(&path);
        }
    }
}
