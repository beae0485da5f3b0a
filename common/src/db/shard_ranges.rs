//! The shard_range table: reading rows with Swift's filters and sort order, and merging rows
//! with Swift's `merge_shards` precedence rules. The sharder itself is a later piece; this is
//! what the server needs to answer sharded/sharding containers as Swift does.

use super::info::{int_col, text_col};
use super::types::{DbError, ShardRange};
use rusqlite::{params_from_iter, Connection, TransactionBehavior};
use std::cmp::Ordering;
use std::collections::HashMap;

/// ShardRange states (Swift's numbering).
pub mod state {
    /// FOUND
    pub const FOUND: i64 = 10;
    /// CREATED
    pub const CREATED: i64 = 20;
    /// CLEAVED
    pub const CLEAVED: i64 = 30;
    /// ACTIVE
    pub const ACTIVE: i64 = 40;
    /// SHRINKING
    pub const SHRINKING: i64 = 50;
    /// SHARDING
    pub const SHARDING: i64 = 60;
    /// SHARDED
    pub const SHARDED: i64 = 70;
    /// SHRUNK
    pub const SHRUNK: i64 = 80;
    /// States whose stats count towards a root's usage.
    pub const STATS_STATES: [i64; 3] = [ACTIVE, SHARDING, SHRINKING];
    /// States listed when serving an object listing from shards.
    pub const LISTING_STATES: [i64; 4] = [ACTIVE, SHARDING, SHRINKING, CLEAVED];
    /// States to which object updates are redirected.
    pub const UPDATE_STATES: [i64; 4] = [CREATED, CLEAVED, ACTIVE, SHARDING];
    /// Own-range states meaning sharding or shrinking has begun.
    pub const CLEAVING_STATES: [i64; 4] = [SHRINKING, SHRUNK, SHARDING, SHARDED];
}

const COLUMNS: &str = "name, timestamp, lower, upper, object_count, bytes_used, meta_timestamp, \
                       deleted, state, state_timestamp, epoch, reported, tombstones";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ShardRange> {
    Ok(ShardRange {
        name: text_col(r, 0)?,
        timestamp: text_col(r, 1)?,
        lower: text_col(r, 2)?,
        upper: text_col(r, 3)?,
        object_count: int_col(r, 4)?,
        bytes_used: int_col(r, 5)?,
        meta_timestamp: text_col(r, 6)?,
        deleted: int_col(r, 7)? != 0,
        state: int_col(r, 8)?,
        state_timestamp: text_col(r, 9)?,
        epoch: match r.get_ref(10)? {
            rusqlite::types::ValueRef::Null => None,
            _ => Some(text_col(r, 10)?).filter(|s| !s.is_empty()),
        },
        reported: int_col(r, 11)? != 0,
        tombstones: int_col(r, 12)?,
    })
}

/// Which rows `select` returns (Swift's `_get_shard_range_rows` arguments).
#[derive(Debug, Clone, Default)]
pub struct RangeQuery<'a> {
    /// Ranges whose namespace includes or is above this.
    pub marker: Option<&'a str>,
    /// Ranges whose namespace includes or is below this.
    pub end_marker: Option<&'a str>,
    /// The range containing this name (overrides the markers).
    pub includes: Option<&'a str>,
    /// Include deleted rows.
    pub include_deleted: bool,
    /// Only these states.
    pub states: Option<&'a [i64]>,
    /// Include the container's own range.
    pub include_own: bool,
    /// Only the container's own range.
    pub exclude_others: bool,
}

fn is_missing_table(e: &DbError) -> bool {
    matches!(e, DbError::Other(m) if m.contains("no such table: shard_range"))
}

/// Rows matching `q` (unsorted); `path` is the container's `account/container`.
pub fn select(
    conn: &Connection,
    path: &str,
    q: &RangeQuery<'_>,
) -> Result<Vec<ShardRange>, DbError> {
    if q.exclude_others && !q.include_own {
        return Ok(Vec::new());
    }
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if !q.include_deleted {
        conds.push("deleted=0".into());
    }
    if let Some(states) = q.states.filter(|s| !s.is_empty()) {
        conds.push(format!("state in ({})", vec!["?"; states.len()].join(",")));
        args.extend(states.iter().map(|s| (*s).into()));
    }
    if !q.include_own {
        conds.push("name != ?".into());
        args.push(path.to_string().into());
    }
    if q.exclude_others {
        conds.push("name = ?".into());
        args.push(path.to_string().into());
    }
    match q.includes {
        None => {
            if let Some(e) = q.end_marker.filter(|s| !s.is_empty()) {
                conds.push("lower < ?".into());
                args.push(e.to_string().into());
            }
            if let Some(m) = q.marker.filter(|s| !s.is_empty()) {
                conds.push("(upper = '' OR upper > ?)".into());
                args.push(m.to_string().into());
            }
        }
        Some(inc) => {
            conds.push("lower < ?".into());
            conds.push("(upper = '' OR upper >= ?)".into());
            args.push(inc.to_string().into());
            args.push(inc.to_string().into());
        }
    }
    let mut sql = format!("SELECT {COLUMNS} FROM shard_range");
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    let run = || -> Result<Vec<ShardRange>, DbError> {
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    match run() {
        Err(e) if is_missing_table(&e) => Ok(Vec::new()),
        other => other,
    }
}

/// Swift's `ShardRange.sort_key`: by upper ('' is the maximum), state, lower, name.
pub fn sort_key_cmp(a: &ShardRange, b: &ShardRange) -> Ordering {
    let upper = |s: &ShardRange| (s.upper.is_empty(), s.upper.clone());
    upper(a)
        .cmp(&upper(b))
        .then(a.state.cmp(&b.state))
        .then(a.lower.cmp(&b.lower))
        .then(a.name.cmp(&b.name))
}

/// Swift's `merge_shards`: folds the parts of `existing` that take precedence into `new`;
/// true when `new` carries anything newer (so it replaces the stored row).
pub fn merge_shards(new: &mut ShardRange, existing: Option<&ShardRange>) -> bool {
    let Some(ex) = existing else { return true };
    match ex.timestamp.cmp(&new.timestamp) {
        Ordering::Less => {
            new.reported = false;
            return true;
        }
        Ordering::Greater => return false,
        Ordering::Equal => {}
    }
    let mut new_content = false;
    new.lower = ex.lower.clone();
    new.upper = ex.upper.clone();
    new.deleted = ex.deleted;
    if ex.meta_timestamp >= new.meta_timestamp {
        new.object_count = ex.object_count;
        new.bytes_used = ex.bytes_used;
        new.meta_timestamp = ex.meta_timestamp.clone();
        new.tombstones = ex.tombstones;
    } else {
        new_content = true;
    }
    if ex.reported
        && ex.object_count == new.object_count
        && ex.bytes_used == new.bytes_used
        && ex.tombstones == new.tombstones
        && ex.state == new.state
        && ex.epoch == new.epoch
    {
        new.reported = true;
    } else if new.reported && !ex.reported {
        new_content = true;
    }
    if ex.state_timestamp == new.state_timestamp && new.state > ex.state {
        new_content = true;
    } else if ex.state_timestamp >= new.state_timestamp {
        new.state = ex.state;
        new.state_timestamp = ex.state_timestamp.clone();
        new.epoch = ex.epoch.clone();
    } else {
        new_content = true;
    }
    new_content
}

/// Merges `ranges` into the table in one transaction (Swift's `merge_shard_ranges`).
pub fn merge(conn: &mut Connection, ranges: &[ShardRange]) -> Result<(), DbError> {
    if ranges.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut existing: HashMap<String, ShardRange> = HashMap::new();
    for chunk in ranges.chunks(999) {
        let sql = format!(
            "SELECT {COLUMNS} FROM shard_range WHERE deleted IN (0, 1) AND name IN ({})",
            vec!["?"; chunk.len()].join(",")
        );
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk.iter().map(|r| &r.name)), from_row)?;
        for r in rows {
            let r = r?;
            existing.insert(r.name.clone(), r);
        }
    }
    let mut to_delete: Vec<String> = Vec::new();
    let mut to_add: Vec<ShardRange> = Vec::new();
    let mut pos: HashMap<String, usize> = HashMap::new();
    for r in ranges {
        let mut item = r.clone();
        if merge_shards(&mut item, existing.get(&r.name)) {
            if existing.contains_key(&item.name) && !to_delete.contains(&item.name) {
                to_delete.push(item.name.clone());
            }
            match pos.get(&item.name) {
                None => {
                    pos.insert(item.name.clone(), to_add.len());
                    to_add.push(item);
                }
                Some(&p) => {
                    if merge_shards(&mut item, Some(&to_add[p].clone())) {
                        to_add[p] = item;
                    }
                }
            }
        }
    }
    for name in &to_delete {
        tx.execute(
            "DELETE FROM shard_range WHERE deleted in (0, 1) AND name = ?",
            [name],
        )?;
    }
    for r in &to_add {
        tx.execute(
            &format!("INSERT INTO shard_range ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"),
            rusqlite::params![
                r.name,
                r.timestamp,
                r.lower,
                r.upper,
                r.object_count,
                r.bytes_used,
                r.meta_timestamp,
                i64::from(r.deleted),
                r.state,
                r.state_timestamp,
                r.epoch,
                i64::from(r.reported),
                r.tombstones
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Is there any non-deleted range other than the container's own?
pub fn has_other(conn: &Connection, path: &str) -> Result<bool, DbError> {
    let q = RangeQuery {
        ..Default::default()
    };
    Ok(!select(conn, path, &q)?.is_empty())
}

/// Summed `(object_count, bytes_used)` of the other ranges in ACTIVE/SHARDING/SHRINKING.
pub fn usage(conn: &Connection, path: &str) -> Result<(i64, i64), DbError> {
    let q = RangeQuery {
        states: Some(&state::STATS_STATES),
        ..Default::default()
    };
    let rows = select(conn, path, &q)?;
    Ok(rows
        .iter()
        .fold((0, 0), |(o, b), r| (o + r.object_count, b + r.bytes_used)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sr(ts: &str, meta: &str, count: i64) -> ShardRange {
        ShardRange {
            name: ".shards_a/c-1".into(),
            timestamp: ts.into(),
            lower: "a".into(),
            upper: "m".into(),
            object_count: count,
            bytes_used: count * 10,
            meta_timestamp: meta.into(),
            deleted: false,
            state: state::ACTIVE,
            state_timestamp: ts.into(),
            epoch: None,
            reported: false,
            tombstones: -1,
        }
    }

    #[test]
    fn newer_timestamp_wins_whole_row() {
        let old = sr("0000000001.00000", "0000000001.00000", 1);
        let mut new = sr("0000000002.00000", "0000000001.00000", 5);
        assert!(merge_shards(&mut new, Some(&old)));
        let mut older = sr("0000000000.50000", "0000000009.00000", 9);
        assert!(!merge_shards(&mut older, Some(&old)));
    }

    #[test]
    fn same_timestamp_merges_meta_and_state() {
        let ex = sr("0000000001.00000", "0000000003.00000", 3);
        let mut stale_meta = sr("0000000001.00000", "0000000002.00000", 7);
        assert!(!merge_shards(&mut stale_meta, Some(&ex)));
        assert_eq!(stale_meta.object_count, 3);
        let mut newer_meta = sr("0000000001.00000", "0000000004.00000", 7);
        assert!(merge_shards(&mut newer_meta, Some(&ex)));
        assert_eq!(newer_meta.object_count, 7);
    }

    #[test]
    fn sort_order_puts_unbounded_upper_last() {
        let mut a = sr("1", "1", 0);
        a.upper = String::new();
        let b = sr("1", "1", 0);
        assert_eq!(sort_key_cmp(&a, &b), Ordering::Greater);
    }
}
