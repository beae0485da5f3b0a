//! `BrokerCache`: one shared `Arc<ContainerBroker>` per container DB dir, so the server and the
//! in-process tasks use the same broker (and its single connection) instead of each opening
//! their own. Bounded: when full, brokers nobody else holds are dropped.

use super::broker::ContainerBroker;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Default number of brokers kept open.
pub const DEFAULT_CAPACITY: usize = 1024;

/// Shared brokers keyed by DB directory.
#[derive(Debug)]
pub struct BrokerCache {
    timeout: Duration,
    pending_timeout: Duration,
    capacity: usize,
    map: Mutex<HashMap<PathBuf, Arc<ContainerBroker>>>,
}

impl Default for BrokerCache {
    fn default() -> Self {
        BrokerCache::new()
    }
}

impl BrokerCache {
    /// A cache with Swift's defaults: broker timeout 25 s, pending lock timeout 10 s, and
    /// `DEFAULT_CAPACITY` idle brokers.
    pub fn new() -> BrokerCache {
        BrokerCache::with_settings(
            Duration::from_secs(25),
            Duration::from_secs(10),
            DEFAULT_CAPACITY,
        )
    }

    /// A cache handing out brokers with the given `timeout`/`pending_timeout`, keeping at most
    /// about `capacity` idle brokers.
    pub fn with_settings(
        timeout: Duration,
        pending_timeout: Duration,
        capacity: usize,
    ) -> BrokerCache {
        BrokerCache {
            timeout,
            pending_timeout,
            capacity: capacity.max(1),
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The broker of `db_dir`, created on first use. Empty names are allowed (tasks walking the
    /// disk); names given later are remembered when the broker has none yet.
    pub fn get_or_open(
        &self,
        db_dir: &Path,
        account: &str,
        container: &str,
    ) -> Arc<ContainerBroker> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = map.get(db_dir) {
            b.learn_names(account, container);
            return Arc::clone(b);
        }
        if map.len() >= self.capacity {
            map.retain(|_, b| Arc::strong_count(b) > 1);
        }
        let b = Arc::new(ContainerBroker::new(
            db_dir,
            account,
            container,
            self.timeout,
            self.pending_timeout,
        ));
        map.insert(db_dir.to_path_buf(), Arc::clone(&b));
        b
    }

    /// Forgets the broker of `db_dir` (after it was quarantined or removed).
    pub fn forget(&self, db_dir: &Path) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(db_dir);
    }

    /// Number of cached brokers.
    pub fn len(&self) -> usize {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_bounds() {
        let cache = BrokerCache::with_settings(Duration::from_secs(1), Duration::from_secs(1), 2);
        let a1 = cache.get_or_open(Path::new("/x/a"), "", "");
        let a2 = cache.get_or_open(Path::new("/x/a"), "acc", "con");
        assert!(Arc::ptr_eq(&a1, &a2));
        assert_eq!(a1.account(), "acc");
        drop((a1, a2));
        let _b = cache.get_or_open(Path::new("/x/b"), "acc", "b");
        let _c = cache.get_or_open(Path::new("/x/c"), "acc", "c");
        // "a" was idle and got evicted to make room.
        assert_eq!(cache.len(), 2);
    }
}
