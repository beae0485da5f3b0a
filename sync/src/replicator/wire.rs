//! The JSON shapes replication puts on the wire, as Swift's db_replicator sends and reads them:
//! object rows (`get_items_since` dicts), sync points, shard ranges, metadata, and the `sync`
//! info reply. Python's `json.dumps` layout is used for everything we send.

use serde_json::{json, Map, Value};
use swift_common::db::{
    ContainerInfo, DbState, Metadata, ObjectRecord, ObjectRow, ShardRange, SyncPoint,
};

/// Why a JSON argument could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct WireError(pub String);

fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a Value, WireError> {
    obj.get(key)
        .ok_or_else(|| WireError(format!("missing {key:?}")))
}

fn string(obj: &Map<String, Value>, key: &str) -> Result<String, WireError> {
    match field(obj, key)? {
        Value::String(s) => Ok(s.clone()),
        // Swift stores what it is given; numbers show up where old clients sent floats.
        Value::Number(n) => Ok(n.to_string()),
        other => Err(WireError(format!("{key:?} is not a string: {other}"))),
    }
}

fn opt_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, WireError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => string(obj, key).map(Some),
    }
}

fn int(obj: &Map<String, Value>, key: &str) -> Result<i64, WireError> {
    int_value(field(obj, key)?).ok_or_else(|| WireError(format!("{key:?} is not an integer")))
}

fn int_value(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn flag(obj: &Map<String, Value>, key: &str, default: bool) -> Result<bool, WireError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => int_value(v)
            .map(|n| n != 0)
            .ok_or_else(|| WireError(format!("{key:?} is not a flag"))),
    }
}

fn as_object(v: &Value) -> Result<&Map<String, Value>, WireError> {
    v.as_object()
        .ok_or_else(|| WireError(format!("expected an object, got {v}")))
}

/// A list argument (`args[0]` of merge_items, merge_syncs, merge_shard_ranges).
pub fn as_list(v: &Value) -> Result<&Vec<Value>, WireError> {
    v.as_array()
        .ok_or_else(|| WireError(format!("expected a list, got {v}")))
}

/// One object row dict of `merge_items`, and its `ROWID` when present.
pub fn record_from_json(v: &Value) -> Result<(ObjectRecord, Option<i64>), WireError> {
    let o = as_object(v)?;
    let record = ObjectRecord {
        name: string(o, "name")?,
        created_at: string(o, "created_at")?,
        size: int(o, "size")?,
        content_type: string(o, "content_type")?,
        etag: string(o, "etag")?,
        deleted: flag(o, "deleted", false)?,
        storage_policy_index: match o.get("storage_policy_index") {
            None | Some(Value::Null) => 0,
            Some(_) => int(o, "storage_policy_index")?,
        },
        ctype_timestamp: opt_string(o, "ctype_timestamp")?,
        meta_timestamp: opt_string(o, "meta_timestamp")?,
    };
    let row_id = match o.get("ROWID") {
        None | Some(Value::Null) => None,
        Some(_) => Some(int(o, "ROWID")?),
    };
    Ok((record, row_id))
}

/// An object row as `get_items_since` gives it to Python (`SELECT *` with the ROWID column).
pub fn row_to_json(row: &ObjectRow) -> Value {
    json!({
        "ROWID": row.row_id,
        "name": row.name,
        "created_at": row.created_at,
        "size": row.size,
        "content_type": row.content_type,
        "etag": row.etag,
        "deleted": i64::from(row.deleted),
        "storage_policy_index": row.storage_policy_index,
    })
}

/// A row read back, as a record to merge elsewhere (rsync_then_merge).
pub fn row_to_record(row: &ObjectRow) -> ObjectRecord {
    ObjectRecord {
        name: row.name.clone(),
        created_at: row.created_at.clone(),
        size: row.size,
        content_type: row.content_type.clone(),
        etag: row.etag.clone(),
        deleted: row.deleted,
        storage_policy_index: row.storage_policy_index,
        ctype_timestamp: None,
        meta_timestamp: None,
    }
}

/// One `{"remote_id", "sync_point"}` dict.
pub fn sync_point_from_json(v: &Value) -> Result<SyncPoint, WireError> {
    let o = as_object(v)?;
    Ok(SyncPoint {
        remote_id: string(o, "remote_id")?,
        sync_point: int(o, "sync_point")?,
    })
}

/// A sync table as Swift's `get_syncs` returns it.
pub fn sync_points_to_json(points: &[SyncPoint]) -> Value {
    Value::Array(
        points
            .iter()
            .map(|p| json!({"remote_id": p.remote_id, "sync_point": p.sync_point}))
            .collect(),
    )
}

/// A shard range as `dict(ShardRange)`.
pub fn shard_range_to_json(sr: &ShardRange) -> Value {
    json!({
        "name": sr.name,
        "timestamp": sr.timestamp,
        "lower": sr.lower,
        "upper": sr.upper,
        "object_count": sr.object_count,
        "bytes_used": sr.bytes_used,
        "meta_timestamp": sr.meta_timestamp,
        "deleted": i64::from(sr.deleted),
        "state": sr.state,
        "state_timestamp": sr.state_timestamp,
        "epoch": sr.epoch,
        "reported": i64::from(sr.reported),
        "tombstones": sr.tombstones,
    })
}

/// A shard range dict from a peer; older peers may omit `reported` and `tombstones`.
pub fn shard_range_from_json(v: &Value) -> Result<ShardRange, WireError> {
    let o = as_object(v)?;
    let timestamp = string(o, "timestamp")?;
    Ok(ShardRange {
        name: string(o, "name")?,
        lower: opt_string(o, "lower")?.unwrap_or_default(),
        upper: opt_string(o, "upper")?.unwrap_or_default(),
        object_count: o.get("object_count").and_then(int_value).unwrap_or(0),
        bytes_used: o.get("bytes_used").and_then(int_value).unwrap_or(0),
        meta_timestamp: opt_string(o, "meta_timestamp")?.unwrap_or_else(|| timestamp.clone()),
        deleted: flag(o, "deleted", false)?,
        state: o.get("state").and_then(int_value).unwrap_or(10),
        state_timestamp: opt_string(o, "state_timestamp")?.unwrap_or_else(|| timestamp.clone()),
        epoch: opt_string(o, "epoch")?,
        reported: flag(o, "reported", false)?,
        tombstones: o.get("tombstones").and_then(int_value).unwrap_or(-1),
        timestamp,
    })
}

/// Container metadata JSON (`{"key": [value, timestamp]}`), as stored and as sent in `sync`.
pub fn metadata_from_json(v: &Value) -> Result<Metadata, WireError> {
    let o = as_object(v)?;
    let mut out = Metadata::new();
    for (key, pair) in o {
        let pair = pair
            .as_array()
            .filter(|p| p.len() == 2)
            .ok_or_else(|| WireError(format!("metadata {key:?} is not [value, timestamp]")))?;
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.insert(key.clone(), (text(&pair[0]), text(&pair[1])));
    }
    Ok(out)
}

/// Swift's name for a DB state.
pub fn db_state_name(state: DbState) -> &'static str {
    match state {
        DbState::NotFound => "not_found",
        DbState::Unsharded => "unsharded",
        DbState::Sharding => "sharding",
        DbState::Sharded => "sharded",
        DbState::Collapsed => "collapsed",
    }
}

/// Everything the `sync` reply and the replicator's own bookkeeping use: Swift's
/// `get_replication_info()` of a container DB.
#[derive(Debug, Clone)]
pub struct ReplInfo {
    /// `get_info()` (object_count is `count` on the wire).
    pub info: ContainerInfo,
    /// The `status` column.
    pub status: String,
    /// The sharding state.
    pub db_state: DbState,
    /// Raw metadata JSON.
    pub metadata: String,
    /// Highest ROWID ever used in the object table.
    pub max_row: i64,
    /// Highest ROWID ever used in the shard_range table.
    pub shard_max_row: i64,
}

impl ReplInfo {
    /// The dict Swift builds, in its key order, plus `point` when given (the `sync` reply).
    pub fn to_json(&self, point: Option<i64>) -> Value {
        let i = &self.info;
        let mut v = json!({
            "account": i.account,
            "container": i.container,
            "created_at": i.created_at,
            "put_timestamp": i.put_timestamp,
            "delete_timestamp": i.delete_timestamp,
            "status": self.status,
            "status_changed_at": i.status_changed_at,
            "bytes_used": i.bytes_used,
            "reported_put_timestamp": i.reported_put_timestamp,
            "reported_delete_timestamp": i.reported_delete_timestamp,
            "reported_object_count": i.reported_object_count,
            "reported_bytes_used": i.reported_bytes_used,
            "hash": i.hash,
            "id": i.id,
            "x_container_sync_point1": i.x_container_sync_point1,
            "x_container_sync_point2": i.x_container_sync_point2,
            "storage_policy_index": i.storage_policy_index,
            "db_state": db_state_name(self.db_state),
            "count": i.object_count,
            "metadata": self.metadata,
            "max_row": self.max_row,
            "shard_max_row": self.shard_max_row,
        });
        if let (Some(point), Some(map)) = (point, v.as_object_mut()) {
            map.insert("point".into(), json!(point));
        }
        v
    }
}

/// Python's `json.dumps(value)` text (`", "` and `": "` separators, ASCII only).
pub fn dumps(v: &Value) -> String {
    swift_common::db::metadata::py_json_dumps(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_through_python_shaped_dicts() {
        let row = ObjectRow {
            row_id: 7,
            name: "o\u{e9}".into(),
            created_at: "1700000000.00000".into(),
            size: 3,
            content_type: "text/plain".into(),
            etag: "e".into(),
            deleted: true,
            storage_policy_index: 1,
        };
        let v = row_to_json(&row);
        assert_eq!(
            dumps(&v),
            r#"{"ROWID": 7, "name": "o\u00e9", "created_at": "1700000000.00000", "size": 3, "content_type": "text/plain", "etag": "e", "deleted": 1, "storage_policy_index": 1}"#
        );
        let (rec, rowid) = record_from_json(&v).unwrap();
        assert_eq!(rowid, Some(7));
        assert_eq!(rec, row_to_record(&row));
    }

    #[test]
    fn legacy_rows_default_their_policy_and_reject_garbage() {
        let v = json!({"name": "o", "created_at": "1.00000", "size": 0, "content_type": "",
                       "etag": "", "deleted": 0});
        let (rec, rowid) = record_from_json(&v).unwrap();
        assert_eq!((rec.storage_policy_index, rowid), (0, None));
        assert!(record_from_json(&json!({"name": "o"})).is_err());
        assert!(record_from_json(&json!([1, 2])).is_err());
    }

    #[test]
    fn shard_ranges_round_trip() {
        let v = json!({"name": "a/c", "timestamp": "1.00000", "lower": "", "upper": "m",
            "object_count": 2, "bytes_used": 3, "meta_timestamp": "2.00000", "deleted": 0,
            "state": 50, "state_timestamp": "3.00000", "epoch": null, "reported": 1,
            "tombstones": -1});
        let sr = shard_range_from_json(&v).unwrap();
        assert_eq!(shard_range_to_json(&sr), v);
    }

    #[test]
    fn metadata_pairs() {
        let m = metadata_from_json(&json!({"X-Container-Meta-A": ["v", "1.00000"]})).unwrap();
        assert_eq!(
            m["X-Container-Meta-A"],
            ("v".to_string(), "1.00000".to_string())
        );
        assert!(metadata_from_json(&json!({"k": "v"})).is_err());
    }
}
