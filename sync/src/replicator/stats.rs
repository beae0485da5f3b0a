//! Counters of one replication pass (Swift's `self.stats`), reported to the log and to the
//! recon cache at the end of the pass.

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// One pass's counters.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// DBs looked at.
    pub attempted: u64,
    /// Peer syncs that worked.
    pub success: u64,
    /// Peer syncs that failed.
    pub failure: u64,
    /// Unused by containers (Swift keeps it at 0).
    pub ts_repl: u64,
    /// Peers already in sync by sync point.
    pub no_change: u64,
    /// Peers in sync by hash.
    pub hashmatch: u64,
    /// Whole-DB pushes to peers without the DB.
    pub rsync: u64,
    /// Row-diff pushes.
    pub diff: u64,
    /// DBs removed (handoffs pushed, reclaimed).
    pub remove: u64,
    /// Unused by containers.
    pub empty: u64,
    /// Whole-DB pushes then merged remotely (peer far behind).
    pub remote_merge: u64,
    /// Pass start (epoch seconds).
    pub start: f64,
    /// Diffs cut short at max_diffs.
    pub diff_capped: u64,
    /// DBs whose object replication waits for sharding.
    pub deferred: u64,
    /// Failures per `replication_ip` then device.
    pub failure_nodes: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Stats {
    /// Zeroed counters starting now.
    pub fn starting_now() -> Stats {
        Stats {
            start: now(),
            ..Default::default()
        }
    }

    /// Counts a failure against each `(replication_ip, device)`.
    pub fn add_failures<'a>(&mut self, devs: impl IntoIterator<Item = (&'a str, &'a str)>) {
        for (ip, dev) in devs {
            self.failure += 1;
            *self
                .failure_nodes
                .entry(ip.to_string())
                .or_default()
                .entry(dev.to_string())
                .or_default() += 1;
        }
    }

    /// The `replication_stats` dict of the recon cache.
    pub fn to_json(&self) -> Value {
        json!({
            "attempted": self.attempted,
            "success": self.success,
            "failure": self.failure,
            "ts_repl": self.ts_repl,
            "no_change": self.no_change,
            "hashmatch": self.hashmatch,
            "rsync": self.rsync,
            "diff": self.diff,
            "remove": self.remove,
            "empty": self.empty,
            "remote_merge": self.remote_merge,
            "start": self.start,
            "diff_capped": self.diff_capped,
            "deferred": self.deferred,
            "failure_nodes": self.failure_nodes,
        })
    }
}

/// Seconds since the epoch.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
