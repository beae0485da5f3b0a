//! The sharding view of a broker: db_state from the `<hash>[_<epoch>].db` files and the own
//! shard range, root/shard identity from sysmeta, and the object stats a sharding or sharded
//! root reports instead of its own (Swift's `_get_alternate_object_stats`).

use super::broker::ContainerBroker;
use super::info;
use super::locate::parse_db_filename;
use super::shard_ranges::{self, state, RangeQuery};
use super::types::{DbError, DbState, ShardRange, ShardRangeQuery};
use crate::timestamp::Timestamp;
use std::path::PathBuf;

impl ContainerBroker {
    /// db_state for the given (sorted) DB files.
    pub(super) fn compute_db_state(&self, files: &[PathBuf]) -> Result<DbState, DbError> {
        let Some(last) = files.last() else {
            return Ok(DbState::NotFound);
        };
        if files.len() > 1 {
            return Ok(DbState::Sharding);
        }
        let name = last
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let Some(epoch) = parse_db_filename(name).1 else {
            return Ok(DbState::Unsharded);
        };
        let own_epoch = self.get_own_shard_range()?.and_then(|sr| sr.epoch);
        let same = match (
            Timestamp::parse(epoch),
            own_epoch.as_deref().map(Timestamp::parse),
        ) {
            (Ok(a), Some(Ok(b))) => a == b,
            _ => false,
        };
        if !same {
            return Ok(DbState::Unsharded);
        }
        let path = self.path();
        if !self.with_conn(|c, _| shard_ranges::has_other(c, &path))? {
            return Ok(DbState::Collapsed);
        }
        Ok(DbState::Sharded)
    }

    /// The persisted own shard range (`None` when there is none; Swift would default to an
    /// ACTIVE range covering everything, with no epoch).
    pub fn get_own_shard_range(&self) -> Result<Option<ShardRange>, DbError> {
        let path = self.path();
        let q = RangeQuery {
            include_deleted: true,
            include_own: true,
            exclude_others: true,
            ..Default::default()
        };
        Ok(self
            .with_conn(|c, _| shard_ranges::select(c, &path, &q))?
            .into_iter()
            .next())
    }

    /// Shard ranges with every option of Swift's `get_shard_ranges`.
    pub fn shard_ranges(&self, q: &ShardRangeQuery<'_>) -> Result<Vec<ShardRange>, DbError> {
        let (mut marker, mut end_marker) = (q.marker, q.end_marker);
        if q.reverse {
            std::mem::swap(&mut marker, &mut end_marker);
        }
        if let (Some(m), Some(e)) = (marker, end_marker) {
            if !m.is_empty() && !e.is_empty() && m >= e {
                return Ok(Vec::new());
            }
        }
        let path = self.path();
        let rq = RangeQuery {
            marker,
            end_marker,
            includes: q.includes,
            include_deleted: q.include_deleted,
            states: q.states,
            include_own: q.include_own,
            exclude_others: q.exclude_others,
        };
        let mut ranges = self.with_conn(|c, _| shard_ranges::select(c, &path, &rq))?;
        ranges.sort_by(shard_ranges::sort_key_cmp);
        if q.includes.is_some() {
            ranges.truncate(1);
            return Ok(ranges);
        }
        if q.fill_gaps && ranges.last().is_none_or(|r| !r.upper.is_empty()) {
            let own = self.own_or_default()?;
            let last_upper = match ranges.last() {
                Some(r) => r.upper.clone(),
                None => std::cmp::max(marker.unwrap_or(&own.lower), own.lower.as_str()).to_string(),
            };
            let required = upper_min(
                end_marker.filter(|s| !s.is_empty()).unwrap_or(&own.upper),
                &own.upper,
            );
            // With no ranges found, `last_upper` is a lower bound: '' there is the minimum.
            let gap = if ranges.is_empty() && last_upper.is_empty() {
                true
            } else {
                upper_gt(required, &last_upper)
            };
            if gap {
                let mut filler = own.clone();
                filler.lower = last_upper;
                filler.upper = required.to_string();
                ranges.push(filler);
            }
        }
        if q.reverse {
            ranges.reverse();
        }
        Ok(ranges)
    }

    fn own_or_default(&self) -> Result<ShardRange, DbError> {
        Ok(self.get_own_shard_range()?.unwrap_or_else(|| {
            let now = Timestamp::now().internal();
            ShardRange {
                name: self.path(),
                timestamp: now.clone(),
                lower: String::new(),
                upper: String::new(),
                object_count: 0,
                bytes_used: 0,
                meta_timestamp: now.clone(),
                deleted: false,
                state: state::ACTIVE,
                state_timestamp: now,
                epoch: None,
                reported: false,
                tombstones: -1,
            }
        }))
    }

    /// Swift's `is_root_container`: sysmeta names the root, else the own range decides.
    pub fn is_root_container(&self) -> Result<bool, DbError> {
        let md = self.metadata()?;
        let get = |k: &str| md.get(k).map(|(v, _)| v.clone()).filter(|v| !v.is_empty());
        let root = get("X-Container-Sysmeta-Shard-Quoted-Root")
            .map(|q| {
                percent_encoding::percent_decode_str(&q)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .or_else(|| get("X-Container-Sysmeta-Shard-Root"));
        if let Some(root) = root {
            return Ok(self.path() == root);
        }
        Ok(match self.get_own_shard_range()? {
            None => true,
            Some(own) => !own.deleted,
        })
    }

    /// Own range in a sharding/shrinking state and other ranges present.
    pub fn sharding_initiated(&self) -> Result<bool, DbError> {
        let Some(own) = self.get_own_shard_range()? else {
            return Ok(false);
        };
        if !state::CLEAVING_STATES.contains(&own.state) {
            return Ok(false);
        }
        let path = self.path();
        self.with_conn(|c, _| shard_ranges::has_other(c, &path))
    }

    /// The db state, and the (object_count, bytes_used) that replace the DB's own while
    /// sharding (the retiring DB's) or when a sharded root (the shards' usage).
    pub(super) fn alternate_object_stats(
        &self,
        files: &[PathBuf],
    ) -> Result<(DbState, Option<(i64, i64)>), DbError> {
        let state = self.compute_db_state(files)?;
        let stats = match state {
            DbState::Sharding => {
                let retiring = &files[files.len() - 2];
                let (i, _) = self.with_conn_at(retiring, |c, _| info::query_info(c))?;
                Some((i.object_count, i.bytes_used))
            }
            DbState::Sharded if self.is_root_container()? => {
                let path = self.path();
                Some(self.with_conn(|c, _| shard_ranges::usage(c, &path))?)
            }
            _ => None,
        };
        Ok((state, stats))
    }
}

/// `min` of two upper bounds where '' is the maximum.
fn upper_min<'a>(a: &'a str, b: &'a str) -> &'a str {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b,
        (_, true) => a,
        _ => std::cmp::min(a, b),
    }
}

/// `a > b` for upper bounds where '' is the maximum.
fn upper_gt(a: &str, b: &str) -> bool {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => false,
        (true, false) => true,
        (false, true) => false,
        _ => a > b,
    }
}
