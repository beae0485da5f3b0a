//! PUT with `X-Backend-Record-Type: shard`: shard range rows from the sharder merged into the
//! container (201 when that created the DB, else 202).

use super::{
    apply_metadata, blocking, maybe_autocreate, metadata_from_request, requested_policy_index,
    should_autocreate,
};
use crate::app::AppState;
use crate::error::ApiError;
use crate::request::{Placement, SwiftRequest};
use crate::storage::{broker_for, check_drive, check_free_space};
use axum::response::Response;
use serde_json::Value;
use swift_common::db::ShardRange;

/// Handles `PUT /<drive>/<part>/<account>/<container>` carrying a JSON list of shard ranges.
pub async fn handle(
    state: &AppState,
    req: &SwiftRequest,
    placement: Placement,
) -> Result<Response, ApiError> {
    let timestamp = req.timestamp()?;
    super::container_put::check_sync_to(state, req)?;
    let drive_path = check_drive(&state.settings, &placement.drive)?;
    check_free_space(&state.settings, &drive_path, &placement.drive)?;
    let requested = requested_policy_index(state, req)?;
    let ranges = parse_shard_ranges(&req.body)
        .map_err(|e| ApiError::bad_request(format!("Invalid body: {e}")))?;
    let autocreate = should_autocreate(state, req, &placement.account);
    let metadata = metadata_from_request(req, &timestamp, state.settings.allow_versions);
    let broker = broker_for(state, &placement);
    let db = broker.clone();
    let created = blocking(move || {
        let created = maybe_autocreate(&db, autocreate, &timestamp, requested)?;
        apply_metadata(&db, &metadata, "PUT")?;
        if !ranges.is_empty() {
            db.merge_shard_ranges(&ranges)?;
        }
        Ok(created)
    })
    .await?;
    super::container_put::created_or_accepted(broker, created).await
}

/// Shard ranges from a JSON list of Swift's `ShardRange` dicts (all keys but `reported` and
/// `tombstones` required, as `ShardRange.from_dict`).
pub fn parse_shard_ranges(body: &[u8]) -> Result<Vec<ShardRange>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("ValueError({:?})", e.to_string()))?;
    let list = value.as_array().ok_or("TypeError('list expected')")?;
    list.iter().map(shard_range_from_json).collect()
}

fn shard_range_from_json(item: &Value) -> Result<ShardRange, String> {
    let obj = item.as_object().ok_or("TypeError('dict expected')")?;
    let get = |key: &str| obj.get(key).ok_or_else(|| format!("KeyError('{key}')"));
    let text = |key: &str| -> Result<String, String> {
        match get(key)? {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(format!("TypeError('{key}')")),
        }
    };
    let int = |key: &str, default: Option<i64>| -> Result<i64, String> {
        match obj.get(key) {
            Some(Value::Number(n)) => n.as_i64().ok_or_else(|| format!("ValueError('{key}')")),
            Some(Value::Bool(b)) => Ok(i64::from(*b)),
            Some(Value::String(s)) => s.trim().parse().map_err(|_| format!("ValueError('{key}')")),
            None => default.ok_or_else(|| format!("KeyError('{key}')")),
            _ => Err(format!("TypeError('{key}')")),
        }
    };
    let state = match get("state")? {
        Value::String(s) => super::shard_get::resolve_states(&[s.as_str()])
            .ok()
            .and_then(|v| v.first().copied())
            .ok_or_else(|| format!("ValueError('Invalid state {s:?}')"))?,
        _ => int("state", None)?,
    };
    let epoch = match get("epoch")? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    Ok(ShardRange {
        name: text("name")?,
        timestamp: text("timestamp")?,
        lower: text("lower")?,
        upper: text("upper")?,
        object_count: int("object_count", None)?,
        bytes_used: int("bytes_used", None)?,
        meta_timestamp: text("meta_timestamp")?,
        deleted: int("deleted", None)? != 0,
        state,
        state_timestamp: text("state_timestamp")?,
        epoch,
        reported: int("reported", Some(0))? != 0,
        tombstones: int("tombstones", Some(-1))?,
    })
}
