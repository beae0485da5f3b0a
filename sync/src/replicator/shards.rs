//! Shard range rows as replication moves them: all of them (own and deleted included), and the
//! guard against a peer's own-range row without an epoch overwriting ours that has one.

use serde_json::Value;
use swift_common::db::{ContainerBroker, DbError, ShardRange, ShardRangeQuery};

use super::wire;

/// Swift's `get_all_shard_range_data()`: every shard range row, own and deleted included.
pub fn all_shard_range_data(broker: &ContainerBroker) -> Result<Value, DbError> {
    let q = ShardRangeQuery {
        include_deleted: true,
        include_own: true,
        ..Default::default()
    };
    let ranges = broker.shard_ranges(&q)?;
    Ok(Value::Array(
        ranges.iter().map(wire::shard_range_to_json).collect(),
    ))
}

/// Drops a remote copy of our own shard range that has no epoch when ours has one (Swift's
/// `check_merge_own_shard_range`, a work-around for bug 1980451).
pub fn filter_own_shard_range(
    broker: &ContainerBroker,
    ranges: Vec<ShardRange>,
    source: &str,
) -> Result<Vec<ShardRange>, DbError> {
    let Some(own) = broker.get_own_shard_range()? else {
        return Ok(ranges);
    };
    if own.epoch.is_none() {
        return Ok(ranges);
    }
    Ok(ranges
        .into_iter()
        .filter(|sr| {
            let drop = sr.name == own.name && sr.epoch.is_none();
            if drop {
                tracing::warn!(
                    "Ignoring remote osr w/o epoch, own_sr: {own:?}, remote_sr: {sr:?}, source: {source}"
                );
            }
            !drop
        })
        .collect())
}
