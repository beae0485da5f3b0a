//! Queueing misplaced objects for the container reconciler, as Swift's container replicator
//! does after replicating a DB: rows whose storage policy differs from the container's go, as
//! queue entries, into `.misplaced_objects/<hour>` containers created on a local device, and
//! those queue containers are replicated (and cleaned off this node) at the end of the pass.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use swift_common::db::{ContainerBroker, DbError, ObjectRecord, ObjectRow};
use swift_common::hash::{container_dir, hash_path};
use swift_common::timestamp::{decode_timestamps, Timestamp};
use swift_ring::{Device, Ring};

use super::daemon::ContainerReplicator;
use super::wire::ReplInfo;

/// The account holding the reconciler's queue containers.
pub const MISPLACED_OBJECTS_ACCOUNT: &str = ".misplaced_objects";
const CONTAINER_DIVISOR: i64 = 3600;

/// The queue container of a row: its newest timestamp rounded down to the hour.
pub fn reconciler_container_name(created_at: &str) -> Option<String> {
    let (_, _, meta) = decode_timestamps(created_at, false).ok()?;
    let secs = meta?.as_f64() as i64;
    Some((secs / CONTAINER_DIVISOR * CONTAINER_DIVISOR).to_string())
}

/// The queue entry of a misplaced row (Swift's `get_row_to_q_entry_translator`).
pub fn queue_entry(account: &str, container: &str, row: &ObjectRow) -> ObjectRecord {
    ObjectRecord {
        name: format!(
            "{}:/{account}/{container}/{}",
            row.storage_policy_index, row.name
        ),
        created_at: row.created_at.clone(),
        size: 0,
        content_type: if row.deleted {
            "application/x-delete"
        } else {
            "application/x-put"
        }
        .to_string(),
        etag: row.created_at.clone(),
        deleted: false,
        storage_policy_index: 0,
        ctype_timestamp: None,
        meta_timestamp: None,
    }
}

/// Queue containers touched during one pass, and those to remove afterwards.
#[derive(Debug, Default)]
pub struct ReconcilerPass {
    /// container name -> (partition, broker, local device id)
    pub containers: HashMap<String, (u64, Arc<ContainerBroker>, u32)>,
    /// Queue container DBs found here that belong elsewhere, removed at the end of the pass.
    pub cleanups: HashMap<String, Arc<ContainerBroker>>,
}

impl ContainerReplicator {
    /// Swift's `_post_replicate_hook`: queue this DB's misplaced rows, and move the reconciler
    /// sync point once a majority of peers have the DB.
    pub(super) fn queue_misplaced(
        &self,
        ring: &Ring,
        broker: &ContainerBroker,
        info: &ReplInfo,
        responses: &[bool],
    ) {
        if info.info.account == MISPLACED_OBJECTS_ACCOUNT {
            return;
        }
        if let Err(e) = self.sync_store.update_sync_store(broker) {
            tracing::error!(
                "Failed to update sync_store, db: {}: {e}",
                broker.db_file().display()
            );
        }
        let result = (|| -> Result<(), DbError> {
            let point = broker.get_reconciler_sync()?;
            if !broker.has_multiple_policies()? && info.max_row != point {
                return broker.update_reconciler_sync(info.max_row);
            }
            let max_sync = self.dump_to_reconciler(ring, broker, info, point)?;
            let successes = responses.iter().filter(|r| **r).count();
            // Only with a majority (Swift's majority_size, n // 2 + 1) of peers up to date.
            let majority = responses.len() / 2 + 1;
            if max_sync > point && successes >= majority {
                broker.update_reconciler_sync(max_sync)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            tracing::error!(
                "UNHANDLED EXCEPTION: in post replicate hook, db: {}: {e}",
                broker.db_file().display()
            );
        }
    }

    fn dump_to_reconciler(
        &self,
        ring: &Ring,
        broker: &ContainerBroker,
        info: &ReplInfo,
        mut point: i64,
    ) -> Result<i64, DbError> {
        let max_sync = broker.get_max_row()?;
        let mut misplaced = broker.get_misplaced_since(point, self.conf.per_diff)?;
        if misplaced.is_empty() {
            return Ok(max_sync);
        }
        let mut errors = false;
        let mut low_sync = point;
        while let Some(last) = misplaced.last().map(|r| r.row_id) {
            let mut batches: HashMap<String, Vec<ObjectRecord>> = HashMap::new();
            for row in &misplaced {
                let Some(name) = reconciler_container_name(&row.created_at) else {
                    errors = true;
                    continue;
                };
                batches.entry(name).or_default().push(queue_entry(
                    &info.info.account,
                    &info.info.container,
                    row,
                ));
            }
            for (container, items) in batches {
                if !self.feed_reconciler(ring, &container, &items) {
                    errors = true;
                }
            }
            point = last;
            if !errors {
                low_sync = point;
            }
            misplaced = broker.get_misplaced_since(point, self.conf.per_diff)?;
        }
        Ok(low_sync)
    }

    fn feed_reconciler(&self, ring: &Ring, container: &str, items: &[ObjectRecord]) -> bool {
        let broker = match self.reconciler_broker(ring, container) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!("Failed to get reconciler broker for container {container}: {e}");
                return false;
            }
        };
        match broker.merge_items(items, None) {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(
                    "UNHANDLED EXCEPTION: trying to merge {} items to reconciler container {}: {e}",
                    items.len(),
                    broker.db_file().display()
                );
                false
            }
        }
    }

    /// The local queue container for `container`, created on this node's device for its
    /// partition (a primary if we have one, else a weighted local device).
    fn reconciler_broker(
        &self,
        ring: &Ring,
        container: &str,
    ) -> Result<Arc<ContainerBroker>, String> {
        let mut pass = self.reconciler.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, b, _)) = pass.containers.get(container) {
            return Ok(Arc::clone(b));
        }
        let part = ring.get_part(MISPLACED_OBJECTS_ACCOUNT, Some(container), None);
        let node = self.local_handoff_for_part(ring, part)?;
        let hash = hash_path(&self.salt, MISPLACED_OBJECTS_ACCOUNT, Some(container), None);
        let dir: PathBuf = container_dir(&self.conf.devices, &node.device, part, &hash);
        let broker = self
            .brokers
            .get_or_open(&dir, MISPLACED_OBJECTS_ACCOUNT, container);
        let put = Timestamp::parse(container).map_err(|e| e.to_string())?;
        broker.initialize(&put, 0).map_err(|e| e.to_string())?;
        pass.containers
            .insert(container.to_string(), (part, Arc::clone(&broker), node.id));
        Ok(broker)
    }

    fn local_handoff_for_part(&self, ring: &Ring, part: u64) -> Result<Device, String> {
        let local = self.local_devices.lock().unwrap_or_else(|p| p.into_inner());
        if local.is_empty() {
            return Err("Cannot find local handoff; no local devices".into());
        }
        if let Some(n) = ring
            .get_part_nodes(part)
            .into_iter()
            .find(|n| local.contains_key(&n.id))
        {
            return Ok(n);
        }
        let mut weighted: Vec<&Device> = local.values().filter(|d| d.weight > 0.0).collect();
        weighted.sort_by_key(|d| d.id);
        if let Some(d) = weighted.get(rand::random::<usize>() % weighted.len().max(1)) {
            return Ok((*d).clone());
        }
        let any: Vec<&Device> = local.values().collect();
        let d = any[rand::random::<usize>() % any.len()];
        tracing::warn!("Could not find a non-zero weight device for handoff partition {part}, falling back device {}", d.device);
        Ok(d.clone())
    }

    /// End of pass: replicate the queue containers we wrote to, then remove those that do not
    /// belong here.
    pub(super) fn replicate_reconcilers(&self, ring: &Ring) {
        let pass = std::mem::take(&mut *self.reconciler.lock().unwrap_or_else(|p| p.into_inner()));
        let mut cleanups = pass.cleanups;
        if pass.containers.is_empty() && cleanups.is_empty() {
            self.collecting_cleanups.store(false, Ordering::SeqCst);
            return;
        }
        tracing::info!(
            "Replicating {} reconciler containers",
            pass.containers.len()
        );
        for (part, broker, node_id) in pass.containers.values() {
            self.replicate_object(ring, *part, &broker.db_file(), *node_id);
        }
        // From here on, removing a queue container really removes it.
        self.collecting_cleanups.store(false, Ordering::SeqCst);
        cleanups.extend(std::mem::take(
            &mut self
                .reconciler
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .cleanups,
        ));
        tracing::info!("Cleaning up {} reconciler containers", cleanups.len());
        for broker in cleanups.values() {
            self.delete_db(broker);
        }
        tracing::info!("Finished reconciler replication");
    }

    /// While a pass runs, a queue container that should leave this node is only noted (and
    /// removed by [`ContainerReplicator::replicate_reconcilers`]); true when deferred.
    pub(super) fn defer_reconciler_cleanup(&self, broker: &Arc<ContainerBroker>) -> bool {
        if !self.collecting_cleanups.load(Ordering::SeqCst)
            || broker.account() != MISPLACED_OBJECTS_ACCOUNT
        {
            return false;
        }
        let mut pass = self.reconciler.lock().unwrap_or_else(|p| p.into_inner());
        pass.cleanups
            .insert(broker.container().to_string(), Arc::clone(broker));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_and_entries() {
        assert_eq!(
            reconciler_container_name("1700003599.12345").as_deref(),
            Some("1700002800")
        );
        let row = ObjectRow {
            row_id: 3,
            name: "o/x".into(),
            created_at: "1700000000.00000".into(),
            size: 5,
            content_type: "text/plain".into(),
            etag: "e".into(),
            deleted: true,
            storage_policy_index: 1,
        };
        let e = queue_entry("AUTH_a", "c", &row);
        assert_eq!(e.name, "1:/AUTH_a/c/o/x");
        assert_eq!(
            (e.content_type.as_str(), e.etag.as_str(), e.size),
            ("application/x-delete", "1700000000.00000", 0)
        );
    }
}
