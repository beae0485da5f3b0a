//! Replicating one DB (Swift's `_replicate_object` and what it calls): reclaim, decide where
//! the DB belongs, talk to each peer (`sync`, then nothing, a row diff, or a whole-file push),
//! and remove a handoff copy once its primaries have it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use swift_common::db::{ContainerBroker, DbError, DbState, ShardRangeQuery, SyncPoint};
use swift_common::timestamp::Timestamp;
use swift_ring::{Device, Ring};

use super::daemon::ContainerReplicator;
use super::peer::{Peer, PeerReply};
use super::policy::{incorrect_policy_index, PolicyInfo};
use super::rpc::replication_info;
use super::rsync::{interpolate_module, rsync_file, RsyncOptions};
use super::shards::{all_shard_range_data, filter_own_shard_range};
use super::stats::now;
use super::wire::{self, ReplInfo};

/// How talking to one peer ended.
enum PeerOutcome {
    Done(bool),
    /// The peer's drive is unmounted: try a handoff instead.
    DriveNotMounted,
}

fn policy_view(i: &ReplInfo) -> PolicyInfo<'_> {
    PolicyInfo {
        put_timestamp: &i.info.put_timestamp,
        delete_timestamp: &i.info.delete_timestamp,
        status_changed_at: &i.info.status_changed_at,
        count: i.info.object_count,
        storage_policy_index: i.info.storage_policy_index,
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn int_field(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

impl ContainerReplicator {
    /// Replicates the DB at `db_file` found in `partition` of local device `node_id`; returns
    /// (success, per-peer results) as Swift does.
    pub(super) fn replicate_object(
        &self,
        ring: &Ring,
        partition: u64,
        db_file: &Path,
        node_id: u32,
    ) -> (bool, Vec<bool>) {
        let now = now();
        tracing::debug!("Replicating db {}", db_file.display());
        self.with_stats(|s| s.attempted += 1);
        let Some(db_dir) = db_file.parent() else {
            return (false, Vec::new());
        };
        let broker = self.brokers.get_or_open(db_dir, "", "");
        let mut partition = partition;
        let mut should_be_here = true;
        let info = match self
            .reclaim(&broker, now)
            .and_then(|_| replication_info(&broker))
        {
            Ok(info) => info,
            Err(err) => {
                self.db_read_failed(&broker, db_file, err, ring, partition);
                return (false, Vec::new());
            }
        };
        let bpart = ring.get_part(&info.info.account, Some(&info.info.container), None);
        if bpart != partition {
            tracing::error!(
                "Found db that should be on partition {bpart}; will replicate out and remove, path: {}/{}, db: {}",
                info.info.account,
                info.info.container,
                db_file.display()
            );
            partition = bpart;
            should_be_here = false;
        }
        match self.is_reclaimable(&broker, &info, now) {
            Ok(true) => {
                if report_up_to_date(&info) {
                    self.delete_db(&broker);
                }
                return (true, Vec::new());
            }
            Ok(false) => {}
            Err(err) => {
                self.db_read_failed(&broker, db_file, err, ring, partition);
                return (false, Vec::new());
            }
        }
        let nodes = ring.get_part_nodes(partition);
        let mut local_dev: Option<Device> = nodes.iter().find(|n| n.id == node_id).cloned();
        if should_be_here {
            should_be_here = local_dev.is_some();
        }
        // Each primary talks to the next one first (Swift's footnote [1]).
        let mut repl_nodes: Vec<Device> = if nodes.len() > 1 {
            let i = nodes
                .iter()
                .position(|n| n.id == node_id)
                .unwrap_or(nodes.len());
            let (head, tail) = nodes.split_at(i.min(nodes.len()));
            tail.iter().skip(1).chain(head.iter()).cloned().collect()
        } else {
            nodes.clone()
        };
        let mut more_nodes = ring.get_more_nodes(partition);
        if local_dev.is_none() {
            local_dev = ring.get_more_nodes(partition).find(|n| n.id == node_id);
        }
        let hash = db_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let mut responses = Vec::new();
        let mut failed: Vec<(String, String)> = Vec::new();
        let mut i = 0;
        while i < repl_nodes.len() {
            let node = repl_nodes[i].clone();
            i += 1;
            let different_region = local_dev.as_ref().is_some_and(|l| l.region != node.region);
            let success = match self.repl_to_node(
                &node,
                &broker,
                partition,
                &hash,
                &info,
                different_region,
            ) {
                PeerOutcome::Done(ok) => ok,
                PeerOutcome::DriveNotMounted => {
                    match more_nodes.next() {
                        Some(handoff) => repl_nodes.push(handoff),
                        None => tracing::error!(
                            "ERROR There are not enough handoff nodes to reach replica count for partition {partition}, db: {}",
                            db_file.display()
                        ),
                    }
                    tracing::error!(
                        "ERROR Remote drive not mounted {node:?}, db: {}",
                        db_file.display()
                    );
                    false
                }
            };
            if !success {
                let key = (node.replication_ip.clone(), node.device.clone());
                if !failed.contains(&key) {
                    failed.push(key);
                }
            }
            responses.push(success);
        }
        self.queue_misplaced(ring, &broker, &info, &responses);
        if !should_be_here && !self.cleanup_post_replicate(&broker, &info, &responses) {
            for n in &repl_nodes {
                let key = (n.replication_ip.clone(), n.device.clone());
                if !failed.contains(&key) {
                    failed.push(key);
                }
            }
        }
        let mut targets: Vec<(String, String)> = Vec::new();
        for n in &repl_nodes {
            let key = (n.replication_ip.clone(), n.device.clone());
            if !targets.contains(&key) {
                targets.push(key);
            }
        }
        let succeeded = targets.iter().filter(|t| !failed.contains(t)).count() as u64;
        self.with_stats(|s| {
            s.success += succeeded;
            s.add_failures(failed.iter().map(|(ip, dev)| (ip.as_str(), dev.as_str())));
        });
        if should_be_here {
            responses.push(true);
        }
        (responses.iter().all(|r| *r), responses)
    }

    fn db_read_failed(
        &self,
        broker: &ContainerBroker,
        db_file: &Path,
        err: DbError,
        ring: &Ring,
        partition: u64,
    ) {
        if err.to_string().contains("no such table") {
            tracing::error!("Quarantining DB {}", db_file.display());
            if let Err(e) = broker.quarantine("no such table") {
                tracing::error!("could not quarantine {}: {e}", db_file.display());
            }
            self.brokers.forget(broker.db_dir());
        } else {
            tracing::error!("ERROR reading db {}: {err}", db_file.display());
        }
        let nodes = ring.get_part_nodes(partition);
        self.with_stats(|s| {
            s.add_failures(
                nodes
                    .iter()
                    .map(|d| (d.replication_ip.as_str(), d.device.as_str())),
            )
        });
    }

    /// Old `.tmp` files in the DB dir, then tombstones and sync rows older than reclaim_age.
    fn reclaim(&self, broker: &ContainerBroker, now: f64) -> Result<(), DbError> {
        let cutoff = now - self.conf.reclaim_age;
        if let Ok(entries) = std::fs::read_dir(broker.db_dir()) {
            for entry in entries.flatten() {
                let path = entry.path();
                let is_tmp = path.extension().is_some_and(|e| e == "tmp");
                let old = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .is_some_and(|d| d.as_secs_f64() < cutoff);
                if is_tmp && old {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let age =
            Timestamp::from_f64(cutoff.max(0.0)).map_err(|e| DbError::Other(e.to_string()))?;
        let sync = Timestamp::from_f64((now - 2.0 * self.conf.reclaim_age).max(0.0))
            .map_err(|e| DbError::Other(e.to_string()))?;
        broker.reclaim(&age, &sync)
    }

    /// Deleted longer than reclaim_age ago, and empty (a sharding root is never empty).
    fn is_reclaimable(
        &self,
        broker: &ContainerBroker,
        info: &ReplInfo,
        now: f64,
    ) -> Result<bool, DbError> {
        let ts = |s: &str| Timestamp::parse(s).ok();
        let limit = Timestamp::from_f64((now - self.conf.reclaim_age).max(0.0)).ok();
        let (Some(limit), Some(deleted), Some(put)) = (
            limit,
            ts(&info.info.delete_timestamp),
            ts(&info.info.put_timestamp),
        ) else {
            return Ok(false);
        };
        if !(limit > deleted && deleted > put) {
            return Ok(false);
        }
        if broker.is_root_container()? {
            let others = broker.shard_ranges(&ShardRangeQuery::default())?;
            if !others.is_empty() || info.db_state == DbState::Sharding {
                return Ok(false);
            }
        }
        broker.empty()
    }

    /// Swift's `_repl_to_node` with the container replicator's additions.
    fn repl_to_node(
        &self,
        node: &Device,
        broker: &ContainerBroker,
        partition: u64,
        hash: &str,
        info: &ReplInfo,
        different_region: bool,
    ) -> PeerOutcome {
        let peer = Peer::new(
            node,
            partition,
            hash,
            Duration::from_secs_f64(self.conf.node_timeout.max(0.001)),
        );
        let i = &info.info;
        let mut args = vec![
            json!("sync"),
            json!(info.max_row),
            json!(i.hash),
            json!(i.id),
            json!(i.created_at),
            json!(i.put_timestamp),
            json!(i.delete_timestamp),
            json!(info.metadata),
        ];
        if self.multiple_policies {
            args.extend([
                json!(i.status_changed_at),
                json!(i.object_count),
                json!(i.storage_policy_index),
            ]);
        }
        let Some(reply) = peer.replicate(&args) else {
            return PeerOutcome::Done(false);
        };
        match self.handle_sync_response(&peer, reply, info, broker, different_region) {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::error!(
                    "ERROR syncing {} with {}: {err}",
                    broker.db_file().display(),
                    peer.describe()
                );
                PeerOutcome::Done(false)
            }
        }
    }

    fn handle_sync_response(
        &self,
        peer: &Peer,
        reply: PeerReply,
        info: &ReplInfo,
        broker: &ContainerBroker,
        different_region: bool,
    ) -> Result<PeerOutcome, DbError> {
        if reply.status == 404 {
            self.with_stats(|s| s.rsync += 1);
            let ok = self.rsync_db(
                broker,
                peer,
                &info.info.id,
                "complete_rsync",
                None,
                different_region,
            );
            return Ok(PeerOutcome::Done(ok));
        }
        if reply.status == 507 {
            return Ok(PeerOutcome::DriveNotMounted);
        }
        if !reply.is_success() {
            return Ok(PeerOutcome::Done(false));
        }
        let rinfo: Value = serde_json::from_slice(&reply.body)
            .map_err(|e| DbError::Other(format!("bad sync reply: {e}")))?;
        // The container replicator's own look at the reply first.
        let remote_policy = PolicyInfo {
            put_timestamp: str_field(&rinfo, "put_timestamp"),
            delete_timestamp: str_field(&rinfo, "delete_timestamp"),
            status_changed_at: str_field(&rinfo, "status_changed_at"),
            count: int_field(&rinfo, "count").unwrap_or(0),
            storage_policy_index: int_field(&rinfo, "storage_policy_index").unwrap_or(0),
        };
        if rinfo.get("storage_policy_index").is_some()
            && incorrect_policy_index(&policy_view(info), &remote_policy)
        {
            broker
                .set_storage_policy_index(remote_policy.storage_policy_index, &Timestamp::now())?;
        }
        let (created, put, delete) = (
            str_field(&rinfo, "created_at"),
            str_field(&rinfo, "put_timestamp"),
            str_field(&rinfo, "delete_timestamp"),
        );
        if created != info.info.created_at
            || put != info.info.put_timestamp
            || delete != info.info.delete_timestamp
        {
            broker.merge_timestamps(created, put, delete)?;
        }
        if int_field(&rinfo, "shard_max_row").unwrap_or(-1) >= 0 {
            self.fetch_and_merge_shard_ranges(peer, broker)?;
        }
        // Then the generic handling.
        let remote_id = str_field(&rinfo, "id").to_string();
        let local_sync = broker.get_sync(&remote_id, false)?;
        if let Some(meta) = rinfo
            .get("metadata")
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
        {
            let parsed: Value = serde_json::from_str(meta)
                .map_err(|e| DbError::Other(format!("bad metadata: {e}")))?;
            let meta = wire::metadata_from_json(&parsed).map_err(|e| DbError::Other(e.0))?;
            broker.update_metadata(&meta, false)?;
        }
        let ok = self.choose_replication_mode(
            peer,
            &rinfo,
            &remote_id,
            info,
            local_sync,
            broker,
            different_region,
        )?;
        Ok(PeerOutcome::Done(ok))
    }

    fn fetch_and_merge_shard_ranges(
        &self,
        peer: &Peer,
        broker: &ContainerBroker,
    ) -> Result<(), DbError> {
        let Some(reply) = peer.replicate(&[json!("get_shard_ranges")]) else {
            return Ok(());
        };
        if !reply.is_success() {
            return Ok(());
        }
        let data: Value = serde_json::from_slice(&reply.body)
            .map_err(|e| DbError::Other(format!("bad shard ranges: {e}")))?;
        let ranges = data
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| wire::shard_range_from_json(v).ok())
                    .collect()
            })
            .unwrap_or_default();
        let ranges = filter_own_shard_range(broker, ranges, &peer.describe())?;
        broker.merge_shard_ranges(&ranges)
    }

    #[allow(clippy::too_many_arguments)]
    fn choose_replication_mode(
        &self,
        peer: &Peer,
        rinfo: &Value,
        remote_id: &str,
        info: &ReplInfo,
        local_sync: i64,
        broker: &ContainerBroker,
        different_region: bool,
    ) -> Result<bool, DbError> {
        let shard_range_success = if rinfo.get("shard_max_row").is_some() {
            self.sync_shard_ranges(broker, peer, &info.info.id)?
        } else {
            tracing::warn!(
                "unable to replicate shard ranges to peer {}; peer may need upgrading, db: {}",
                peer.describe(),
                broker.db_file().display()
            );
            false
        };
        if broker.sharding_initiated()? {
            tracing::warn!(
                "able to shard -- refusing to replicate objects to peer {}; have shard ranges and will wait for cleaving, db: {}",
                peer.describe(),
                broker.db_file().display()
            );
            self.with_stats(|s| s.deferred += 1);
            return Ok(shard_range_success);
        }
        let remote_point = int_field(rinfo, "point").unwrap_or(-1);
        let remote_max_row = int_field(rinfo, "max_row").unwrap_or(-1);
        let remote_hash = str_field(rinfo, "hash");
        // In sync by sync point, or by hash.
        if remote_point.max(local_sync) >= info.max_row {
            self.with_stats(|s| s.no_change += 1);
            return Ok(shard_range_success);
        }
        if remote_hash == info.info.hash {
            self.with_stats(|s| s.hashmatch += 1);
            let point = SyncPoint {
                remote_id: remote_id.to_string(),
                sync_point: remote_point,
            };
            broker.merge_syncs(&[point], false)?;
            return Ok(shard_range_success);
        }
        // Far behind (less than half our rows, and more than per_diff missing): push the file.
        let ratio = if info.max_row != 0 {
            remote_max_row as f64 / info.max_row as f64
        } else {
            1.0
        };
        let success = if ratio < 0.5 && info.max_row - remote_max_row > self.conf.per_diff as i64 {
            self.with_stats(|s| s.remote_merge += 1);
            // Swift allows count/2000 s (even when that is below node_timeout); we never allow
            // less than node_timeout, so small DBs are not cut off mid-merge.
            let secs = (info.info.object_count as f64 / 2000.0).max(self.conf.node_timeout);
            let timeout = Duration::from_secs_f64(secs);
            self.rsync_db(
                broker,
                peer,
                &info.info.id,
                "rsync_then_merge",
                Some(timeout),
                different_region,
            )
        } else {
            self.usync_db(
                remote_point.max(local_sync),
                broker,
                peer,
                remote_id,
                &info.info.id,
            )?
        };
        Ok(shard_range_success && success)
    }

    fn sync_shard_ranges(
        &self,
        broker: &ContainerBroker,
        peer: &Peer,
        local_id: &str,
    ) -> Result<bool, DbError> {
        let data = all_shard_range_data(broker)?;
        if data.as_array().is_some_and(|a| !a.is_empty()) {
            return Ok(send_ok(
                peer,
                &[json!("merge_shard_ranges"), data, json!(local_id)],
            ));
        }
        Ok(true)
    }

    /// Sends the rows after `point` in batches of per_diff (at most max_diffs batches), then
    /// our incoming sync table; records how far the peer now is.
    fn usync_db(
        &self,
        mut point: i64,
        broker: &ContainerBroker,
        peer: &Peer,
        remote_id: &str,
        local_id: &str,
    ) -> Result<bool, DbError> {
        self.with_stats(|s| s.diff += 1);
        let sync_table = broker.get_syncs(true)?;
        let mut rows = broker.get_items_since(point, self.conf.per_diff)?;
        let mut diffs = 0;
        while !rows.is_empty() && diffs < self.conf.max_diffs {
            diffs += 1;
            let batch = Value::Array(rows.iter().map(wire::row_to_json).collect());
            if !send_ok(peer, &[json!("merge_items"), batch, json!(local_id)]) {
                return Ok(false);
            }
            point = rows.last().map_or(point, |r| r.row_id);
            rows = broker.get_items_since(point, self.conf.per_diff)?;
        }
        if !rows.is_empty() {
            tracing::debug!(
                "Synchronization has fallen more than {} rows behind; moving on and will try again next pass",
                self.conf.max_diffs * self.conf.per_diff
            );
            self.with_stats(|s| s.diff_capped += 1);
            return Ok(false);
        }
        let reply = peer.replicate(&[json!("merge_syncs"), wire::sync_points_to_json(&sync_table)]);
        if reply.is_some_and(|r| r.is_success()) {
            let done = SyncPoint {
                remote_id: remote_id.to_string(),
                sync_point: point,
            };
            broker.merge_syncs(&[done], false)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Pushes the whole DB file into the peer's `tmp/<local_id>`, again block-wise if it
    /// changed meanwhile, then asks the peer to adopt it with `method`.
    fn rsync_db(
        &self,
        broker: &ContainerBroker,
        peer: &Peer,
        local_id: &str,
        method: &str,
        timeout: Option<Duration>,
        different_region: bool,
    ) -> bool {
        let module = match interpolate_module(&self.conf.rsync_module, &peer.node) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!("{e}");
                return false;
            }
        };
        let db_file = broker.db_file();
        let remote = format!("{module}/{}/tmp/{local_id}", peer.node.device);
        let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let before = mtime(&db_file);
        let mut opts = RsyncOptions {
            timeout: self.conf.node_timeout.ceil().max(0.0) as u64,
            contimeout: self.conf.conn_timeout.ceil().max(0.0) as u64,
            whole_file: true,
            compress: self.conf.rsync_compress && different_region,
        };
        if !rsync_file(&db_file, &remote, opts) {
            return false;
        }
        let journal = db_file.with_file_name(format!(
            "{}-journal",
            db_file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        ));
        if journal.exists() || mtime(&db_file) > before {
            // Swift holds the DB's write lock for this second pass; we push again without it.
            opts.whole_file = false;
            if !rsync_file(&db_file, &remote, opts) {
                return false;
            }
        }
        let name = db_file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let args = [json!(method), json!(local_id), json!(name)];
        let timeout = timeout.filter(|t| !t.is_zero());
        let reply = match timeout {
            Some(t) => peer.replicate_with_timeout(&args, t),
            None => peer.replicate(&args),
        };
        reply.is_some_and(|r| r.is_success())
    }

    /// A handoff DB is removed once every peer has it (or handoff_delete of them), and
    /// nothing was written to it meanwhile.
    fn cleanup_post_replicate(
        &self,
        broker: &Arc<ContainerBroker>,
        orig: &ReplInfo,
        responses: &[bool],
    ) -> bool {
        let sharding_required = match broker.db_state() {
            Ok(DbState::Sharding) => true,
            Ok(DbState::Unsharded) => broker.sharding_initiated().unwrap_or(false),
            _ => false,
        };
        if sharding_required {
            tracing::debug!(
                "Not deleting db (requires sharding), db: {}",
                broker.db_file().display()
            );
            return true;
        }
        let max_row = match broker.get_max_row() {
            Ok(m) => m,
            Err(e) => {
                tracing::error!("Not deleting db ({e}), db: {}", broker.db_file().display());
                return true;
            }
        };
        let delta = max_row - orig.max_row;
        if delta < 0 {
            tracing::error!(
                "Not deleting db (negative max_row_delta: {delta}), db: {}",
                broker.db_file().display()
            );
            return true;
        }
        if delta > 0 {
            tracing::debug!(
                "Not deleting db ({delta} new rows), db: {}",
                broker.db_file().display()
            );
            return true;
        }
        let successes = responses.iter().filter(|r| **r).count();
        let delete = if self.conf.handoff_delete > 0 {
            successes >= self.conf.handoff_delete
        } else {
            !responses.is_empty() && successes == responses.len()
        };
        if !delete {
            tracing::debug!(
                "Not deleting db ({successes}/{} success), db: {}",
                responses.len(),
                broker.db_file().display()
            );
            return true;
        }
        self.delete_db(broker)
    }

    /// Removes the DB's directory (under its lock) and then its suffix and partition dirs
    /// when they are empty.
    pub(super) fn delete_db(&self, broker: &Arc<ContainerBroker>) -> bool {
        if self.defer_reconciler_cleanup(broker) {
            return true;
        }
        // The DB is going away: its container-sync link goes first.
        if let Err(e) = self.sync_store.remove_synced_container(&broker.db_file()) {
            tracing::error!(
                "Failed to remove sync_store entry, db: {}: {e}",
                broker.db_file().display()
            );
        }
        let hash_dir = broker.db_dir().to_path_buf();
        {
            let lock =
                swift_common::db::pending::DirLock::acquire(&hash_dir, Duration::from_secs(10));
            let _ = std::fs::remove_dir_all(&hash_dir);
            drop(lock);
        }
        self.brokers.forget(&hash_dir);
        self.with_stats(|s| s.remove += 1);
        let suffix = hash_dir.parent().map(Path::to_path_buf);
        let part = suffix
            .as_ref()
            .and_then(|s| s.parent())
            .map(Path::to_path_buf);
        for dir in [suffix, part].into_iter().flatten() {
            match std::fs::remove_dir(&dir) {
                Ok(()) => {}
                Err(e)
                    if e.raw_os_error() == Some(libc::ENOTEMPTY)
                        || e.raw_os_error() == Some(libc::EEXIST) =>
                {
                    break
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    tracing::error!("ERROR while trying to clean up {}: {e}", dir.display());
                    return false;
                }
            }
        }
        true
    }
}

fn send_ok(peer: &Peer, args: &[Value]) -> bool {
    match peer.replicate(args) {
        Some(r) if r.is_success() => true,
        Some(r) => {
            tracing::error!("ERROR Bad response {} from {}", r.status, peer.describe());
            false
        }
        None => false,
    }
}

/// The account server already has this container's latest stats (Swift's `report_up_to_date`).
fn report_up_to_date(info: &ReplInfo) -> bool {
    let i = &info.info;
    i.reported_put_timestamp == i.put_timestamp
        && i.reported_delete_timestamp == i.delete_timestamp
        && i.reported_bytes_used == i.bytes_used
        && i.reported_object_count == i.object_count
}
