//! Container sync (Swift's `swift-container-sync`): for every local container DB linked in the
//! sync store whose sync-to and sync-key are set, ship new rows to the remote container.
//!
//! Two sync points per DB (`x_container_sync_point1/2`): rows between point2 and point1 are
//! re-sent by every primary (catching up what another node may have missed), rows past point1
//! only by the primary whose ordinal equals the first four bytes of the object's path hash
//! modulo the replica count. Point2 is saved as pass one moves on (held back at the first row
//! that failed), point1 as pass two moves on. A container gets `container_time` per scan.

pub mod config;
pub mod http1;

pub mod objects;

pub mod remote;
mod row;
pub mod setup;
pub mod stats;
pub mod store;
pub mod url;

use crate::daemon::{Brokers, Daemon, Mode, Stop};
use config::SyncConfig;
use objects::ObjectFetcher;
use remote::RemoteClient;
use row::RowContext;
use stats::{bump, ContainerStats, Stats};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use store::SyncStore;
use swift_common::db::{ContainerBroker, DbError, ObjectRow};
use swift_common::hash::{hash_path, HashSalt};
use swift_common::realms::{validate_sync_to, Realms};
use swift_ring::{is_local_device, ring_path, whataremyips, ReloadingRing, DEFAULT_RELOAD_TIME};

/// Metadata key that marks a container with object versioning. Swift compares it with a
/// lower-case key while the server stores title-cased names, so in practice it rarely matches;
/// we match Swift exactly.
const SYSMETA_VERSIONS_CONT: &str = "x-container-sysmeta-versions-container";

/// Opens (or finds, when the server shares its cache) the broker for a DB file path.
pub type BrokerOpener = Arc<dyn Fn(&Path) -> Arc<ContainerBroker> + Send + Sync>;

/// A broker opener without a cache, for the standalone daemon.
pub fn direct_opener() -> BrokerOpener {
    Arc::new(|db_file: &Path| {
        let dir = db_file.parent().unwrap_or(Path::new("/"));
        Arc::new(ContainerBroker::new(
            dir,
            "",
            "",
            Duration::from_secs(25),
            Duration::from_secs(10),
        ))
    })
}

/// Why a container could not be synced (logged once, counted as a failure).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The DB could not be read or its sync points saved.
    #[error("{0}")]
    Db(#[from] DbError),
    /// The container ring could not be loaded.
    #[error("container ring: {0}")]
    Ring(String),
}

/// The container-sync daemon: its config, realms, rings, clients and counters.
pub struct ContainerSync {
    conf: SyncConfig,
    store: SyncStore,
    realms: Realms,
    salt: HashSalt,
    container_ring: Mutex<Option<Arc<ReloadingRing>>>,
    my_ips: Vec<String>,
    objects: ObjectFetcher,
    remote: RemoteClient,
    stats: Stats,
    brokers: Brokers,
}

impl ContainerSync {
    /// A daemon over `conf`; `salt` is swift.conf's `[swift-hash]`.
    pub fn new(conf: SyncConfig, salt: HashSalt, brokers: Brokers) -> ContainerSync {
        let mut objects =
            ObjectFetcher::new(conf.swift_dir.clone(), salt.clone(), conf.request_tries);
        if let Some((conn, node)) = conf
            .internal_client_conf_path
            .as_deref()
            .and_then(internal_client_timeouts)
        {
            objects.conn_timeout = conn;
            objects.node_timeout = node;
        }
        ContainerSync {
            store: SyncStore::new(&conf.devices, conf.mount_check),
            realms: Realms::load(&conf.realms_path()),
            my_ips: whataremyips(Some(&conf.bind_ip)),
            salt,
            container_ring: Mutex::new(None),
            objects,
            remote: RemoteClient::new(),
            stats: Stats::default(),
            brokers,
            conf,
        }
    }

    /// The config in use.
    pub fn conf(&self) -> &SyncConfig {
        &self.conf
    }

    /// The daemon's counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    fn ring(&self) -> Result<Arc<ReloadingRing>, SyncError> {
        let mut slot = self
            .container_ring
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(r) = slot.as_ref() {
            return Ok(r.clone());
        }
        let path = ring_path(&self.conf.swift_dir, "container");
        let ring = ReloadingRing::new(&path, self.salt.clone(), DEFAULT_RELOAD_TIME)
            .map_err(|e| SyncError::Ring(format!("{}: {e}", path.display())))?;
        let ring = Arc::new(ring);
        *slot = Some(ring.clone());
        Ok(ring)
    }

    /// One scan over every linked container, stopping early when asked; in `once` mode
    /// bracketed by Swift's begin/completed lines and followed by the report line.
    pub fn scan(&self, mode: Mode, stop: &Stop) {
        let begin = Instant::now();
        if mode == Mode::Once {
            tracing::info!("Begin container sync \"once\" mode");
        }
        for path in self.store.synced_containers() {
            if stop.is_stopped() {
                break;
            }
            self.container_sync(&path);
            if self.stats.since_report() >= 3600.0 {
                self.report();
            }
        }
        if mode == Mode::Once {
            self.report();
            tracing::info!(
                "Container sync \"once\" mode completed: {:.2}s",
                begin.elapsed().as_secs_f64()
            );
        }
    }

    /// Logs Swift's report line and resets the counters.
    pub fn report(&self) {
        tracing::info!("{}", self.stats.report_line());
    }

    /// Syncs one container DB (a path yielded by the sync store); failures are logged and counted.
    pub fn container_sync(&self, db_file: &Path) {
        if let Err(e) = self.try_container_sync(db_file) {
            bump(&self.stats.failures);
            tracing::error!("ERROR Syncing {}: {}", db_file.display(), e);
        }
    }

    fn try_container_sync(&self, db_file: &Path) -> Result<(), SyncError> {
        let broker = self.brokers.open(db_file);
        let info = match broker.get_info() {
            Ok(i) => i,
            Err(DbError::NotFound(e)) => {
                // A stale link left by a race or a crash: drop it.
                if let Err(err) = self.store.remove_synced_container(db_file) {
                    tracing::warn!(
                        "Could not remove stale sync link for {}: {}",
                        db_file.display(),
                        err
                    );
                }
                return Err(DbError::NotFound(e).into());
            }
            Err(e) => return Err(e.into()),
        };
        let ring = self.ring()?.get();
        let (_part, nodes) = ring.get_nodes(&info.account, Some(&info.container), None);
        let my_port = Some(self.conf.bind_port);
        let Some(ordinal) = nodes
            .iter()
            .position(|n| is_local_device(&self.my_ips, my_port, &n.ip, n.port))
        else {
            return Ok(());
        };
        let metadata = broker.metadata()?;
        if metadata.contains_key(SYSMETA_VERSIONS_CONT) {
            bump(&self.stats.skips);
            tracing::warn!(
                "Skipping container {}/{} with object versioning configured",
                info.account,
                info.container
            );
            return Ok(());
        }
        if broker.is_deleted()? {
            return Ok(());
        }
        let mut sync_to = None;
        let mut user_key = None;
        for (key, (value, _ts)) in &metadata {
            if key.eq_ignore_ascii_case("x-container-sync-to") {
                sync_to = Some(value.clone());
            } else if key.eq_ignore_ascii_case("x-container-sync-key") {
                user_key = Some(value.clone());
            }
        }
        let (Some(sync_to), Some(user_key)) = (
            sync_to.filter(|s| !s.is_empty()),
            user_key.filter(|s| !s.is_empty()),
        ) else {
            bump(&self.stats.skips);
            return Ok(());
        };
        let target = match validate_sync_to(&sync_to, &self.conf.allowed_sync_hosts, &self.realms) {
            Ok(Some(t)) => t,
            // Swift goes on with an empty target here and every row then fails; nothing useful
            // can be sent, so we count the one failure Swift's first row would have.
            Ok(None) => {
                bump(&self.stats.failures);
                tracing::info!(
                    "ERROR {}: sync-to {:?} gives no target",
                    db_file.display(),
                    sync_to
                );
                return Ok(());
            }
            Err(err) => {
                tracing::info!("ERROR {}: {}", db_file.display(), err);
                bump(&self.stats.failures);
                return Ok(());
            }
        };
        let db_desc = db_file.display().to_string();
        let cstats = ContainerStats::default();
        let ctx = RowContext {
            target: &target,
            user_key: &user_key,
            info: &info,
            db_desc: &db_desc,
            stats: &cstats,
        };
        let start_at = SystemTime::now();
        let deadline = Instant::now() + self.conf.container_time;
        let mut sync_point1 = info.x_container_sync_point1;
        let mut sync_point2 = info.x_container_sync_point2;
        let mut next_sync_point: Option<i64> = None;
        let mut stage_end = start_at;
        let result = self.sync_passes(
            &broker,
            &ctx,
            ordinal,
            nodes.len(),
            deadline,
            &mut sync_point1,
            &mut sync_point2,
            &mut next_sync_point,
            &mut stage_end,
        );
        let max_row = broker
            .get_replication_info()
            .map(|r| r.max_row)
            .unwrap_or(-1);
        tracing::info!(
            "Container sync report: {}/{}, time window start: {}, time window end: {}, puts: {}, posts: 0, deletes: {}, bytes: {}, sync_point1: {}, sync_point2: {}, total_rows: {}",
            info.account,
            info.container,
            unix_secs(start_at),
            unix_secs(stage_end),
            cstats.puts.load(Ordering::Relaxed),
            cstats.deletes.load(Ordering::Relaxed),
            cstats.bytes.load(Ordering::Relaxed),
            sync_point1,
            next_sync_point.map(|p| p.to_string()).unwrap_or_else(|| "None".to_string()),
            max_row
        );
        result?;
        bump(&self.stats.syncs);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn sync_passes(
        &self,
        broker: &ContainerBroker,
        ctx: &RowContext<'_>,
        ordinal: usize,
        replicas: usize,
        deadline: Instant,
        sync_point1: &mut i64,
        sync_point2: &mut i64,
        next_sync_point: &mut Option<i64>,
        stage_end: &mut SystemTime,
    ) -> Result<(), SyncError> {
        // Pass one: every row between the points, by every primary; the point stops at the
        // first failure so a later scan retries from there.
        while Instant::now() < deadline && *sync_point2 < *sync_point1 {
            let Some(row) = broker.get_items_since(*sync_point2, 1)?.into_iter().next() else {
                break;
            };
            if row.row_id > *sync_point1 {
                break;
            }
            if !self.sync_row(&row, ctx) && next_sync_point.is_none() {
                *next_sync_point = Some(*sync_point2);
            }
            *sync_point2 = row.row_id;
            broker.set_x_container_sync_points(-1, *sync_point2)?;
        }
        match *next_sync_point {
            Some(p) => broker.set_x_container_sync_points(-1, p)?,
            None => *next_sync_point = Some(*sync_point2),
        }
        *stage_end = SystemTime::now();
        // Pass two: newer rows, only this node's share, up to sync_row_concurrency at once.
        let (tx, rx) = sync_channel::<ObjectRow>(0);
        let rx = Mutex::new(rx);
        std::thread::scope(|scope| -> Result<(), SyncError> {
            let mut workers = 0;
            let worker = || loop {
                let job = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
                match job {
                    Ok(row) => {
                        self.sync_row(&row, ctx);
                    }
                    Err(_) => break,
                }
            };
            let result = (|| {
                while Instant::now() < deadline {
                    let Some(row) = broker.get_items_since(*sync_point1, 1)?.into_iter().next()
                    else {
                        break;
                    };
                    let id = row.row_id;
                    if self.is_my_share(ctx, &row.name, replicas, ordinal) {
                        match tx.try_send(row) {
                            Ok(()) => {}
                            Err(TrySendError::Full(row)) => {
                                if workers < self.conf.sync_row_concurrency {
                                    scope.spawn(worker);
                                    workers += 1;
                                }
                                // Blocks until a worker is free: the pool's back-pressure.
                                let _ = tx.send(row);
                            }
                            Err(TrySendError::Disconnected(_)) => {}
                        }
                    }
                    *sync_point1 = id;
                    broker.set_x_container_sync_points(*sync_point1, -1)?;
                    *stage_end = SystemTime::now();
                }
                Ok(())
            })();
            drop(tx);
            result
        })
    }

    /// The primary with this ordinal sends the row first: the first four bytes of the object's
    /// path hash, big-endian, modulo the replica count.
    fn is_my_share(
        &self,
        ctx: &RowContext<'_>,
        name: &str,
        replicas: usize,
        ordinal: usize,
    ) -> bool {
        let hex = hash_path(
            &self.salt,
            &ctx.info.account,
            Some(&ctx.info.container),
            Some(name),
        );
        let head = u32::from_str_radix(hex.get(..8).unwrap_or("0"), 16).unwrap_or(0);
        replicas > 0 && head as usize % replicas == ordinal
    }
}

fn unix_secs(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Daemon for ContainerSync {
    fn interval(&self) -> Duration {
        self.conf.interval
    }
    fn run_pass(&mut self, mode: Mode, stop: &Stop) {
        self.scan(mode, stop);
    }
}

/// `conn_timeout` and `node_timeout` of `[app:proxy-server]` in the internal client's config,
/// the only parts of that proxy pipeline that shape how we read local objects.
fn internal_client_timeouts(path: &Path) -> Option<(Duration, Duration)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut in_app = false;
    let (mut conn, mut node) = (0.5f64, 10.0f64);
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_app = t == "[app:proxy-server]" || t == "[DEFAULT]";
            continue;
        }
        if !in_app {
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            let v = v
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f > 0.0);
            match (k.trim(), v) {
                ("conn_timeout", Some(v)) => conn = v,
                ("node_timeout", Some(v)) => node = v,
                _ => {}
            }
        }
    }
    Some((Duration::from_secs_f64(conn), Duration::from_secs_f64(node)))
}
