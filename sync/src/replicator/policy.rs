//! Which replica's storage policy wins when two replicas of a container disagree (Swift's
//! `cmp_policy_info` and `incorrect_policy_index` from the reconciler).

use swift_common::timestamp::Timestamp;

/// The fields of a replica's info the comparison reads.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInfo<'a> {
    /// put_timestamp as stored.
    pub put_timestamp: &'a str,
    /// delete_timestamp as stored.
    pub delete_timestamp: &'a str,
    /// status_changed_at as stored.
    pub status_changed_at: &'a str,
    /// Object count.
    pub count: i64,
    /// Storage policy index.
    pub storage_policy_index: i64,
}

// Swift compares these timestamps as strings, except against Timestamp.zero().
fn is_deleted(i: &PolicyInfo<'_>) -> bool {
    i.delete_timestamp > i.put_timestamp && i.count == 0
}

fn recreated(i: &PolicyInfo<'_>) -> bool {
    let deleted_ever = Timestamp::parse(i.delete_timestamp).is_ok_and(|t| !t.is_zero());
    i.put_timestamp > i.delete_timestamp && deleted_ever
}

/// -1 when `local` has the right policy, 1 when `remote` does, 0 when undecided.
pub fn cmp_policy_info(local: &PolicyInfo<'_>, remote: &PolicyInfo<'_>) -> i32 {
    let cmp = |a: &str, b: &str| match a.cmp(b) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Greater => 1,
        std::cmp::Ordering::Equal => 0,
    };
    let (deleted, remote_deleted) = (is_deleted(local), is_deleted(remote));
    if deleted || remote_deleted {
        if !deleted {
            return -1;
        }
        if !remote_deleted {
            return 1;
        }
        return cmp(remote.status_changed_at, local.status_changed_at);
    }
    let (rec, remote_rec) = (recreated(local), recreated(remote));
    if rec || remote_rec {
        if !rec {
            return 1;
        }
        if !remote_rec {
            return -1;
        }
        let last_delete = std::cmp::max(local.delete_timestamp, remote.delete_timestamp);
        if local.put_timestamp < last_delete {
            return 1;
        }
        if remote.put_timestamp < last_delete {
            return -1;
        }
    }
    cmp(local.status_changed_at, remote.status_changed_at)
}

/// True when the remote replica's (different) policy should replace ours.
pub fn incorrect_policy_index(local: &PolicyInfo<'_>, remote: &PolicyInfo<'_>) -> bool {
    remote.storage_policy_index != local.storage_policy_index && cmp_policy_info(local, remote) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info<'a>(
        put: &'a str,
        del: &'a str,
        changed: &'a str,
        count: i64,
        spi: i64,
    ) -> PolicyInfo<'a> {
        PolicyInfo {
            put_timestamp: put,
            delete_timestamp: del,
            status_changed_at: changed,
            count,
            storage_policy_index: spi,
        }
    }

    #[test]
    fn oldest_wins_unless_deleted_or_recreated() {
        let z = "0";
        let older = info("0000000001.00000", z, "0000000001.00000", 0, 0);
        let newer = info("0000000002.00000", z, "0000000002.00000", 0, 1);
        assert!(!incorrect_policy_index(&older, &newer));
        assert!(incorrect_policy_index(&newer, &older));
        // A deleted replica loses to a live one.
        let deleted = info(
            "0000000001.00000",
            "0000000003.00000",
            "0000000003.00000",
            0,
            0,
        );
        assert!(incorrect_policy_index(&deleted, &newer));
        // A recreated replica beats one that was never deleted.
        let recreated = info(
            "0000000005.00000",
            "0000000003.00000",
            "0000000005.00000",
            0,
            1,
        );
        assert!(incorrect_policy_index(&older, &recreated));
        // Same policy: nothing to fix.
        let same = info("0000000002.00000", z, "0000000002.00000", 0, 0);
        assert!(!incorrect_policy_index(&same, &older));
    }
}
