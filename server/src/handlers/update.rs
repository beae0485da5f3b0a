//! UPDATE: a batch of object rows merged into the container as Swift's `merge_items` does (202);
//! internal callers (the expirer queue, SLO async deletes) send it through the proxy.

use super::{blocking, maybe_autocreate, requested_policy_index, should_autocreate};
use crate::app::AppState;
use crate::error::ApiError;
use crate::request::SwiftRequest;
use crate::response::status_response;
use crate::storage::{broker_for, check_drive, check_free_space};
use axum::response::Response;
use http::StatusCode;
use serde_json::Value;
use swift_common::db::ObjectRecord;

/// Handles `UPDATE /<drive>/<part>/<account>/<container>` with a JSON list of rows.
pub async fn handle(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    let placement = req.container_placement()?;
    let timestamp = req.timestamp()?;
    let drive_path = check_drive(&state.settings, &placement.drive)?;
    check_free_space(&state.settings, &drive_path, &placement.drive)?;
    let requested = requested_policy_index(state, req)?;
    let autocreate = should_autocreate(state, req, &placement.account);
    let broker = broker_for(state, &placement);
    let body = req.body.clone();
    blocking(move || {
        maybe_autocreate(&broker, autocreate, &timestamp, requested)?;
        let items = parse_items(&body)?;
        broker.merge_items(&items, None)?;
        Ok(())
    })
    .await?;
    Ok(status_response(StatusCode::ACCEPTED, Vec::new()))
}

/// The rows of an UPDATE body: a JSON list of objects with Swift's row keys.
pub fn parse_items(body: &[u8]) -> Result<Vec<ObjectRecord>, ApiError> {
    let bad = |msg: String| ApiError::bad_request_plain(msg);
    let value: Value = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    // Swift iterates whatever it got: an empty JSON object merges nothing (202).
    if value.as_object().is_some_and(|m| m.is_empty()) {
        return Ok(Vec::new());
    }
    let Value::Array(list) = value else {
        return Err(bad("expected a JSON list of rows".into()));
    };
    list.iter()
        .map(|item| row_from_json(item).map_err(bad))
        .collect()
}

fn row_from_json(item: &Value) -> Result<ObjectRecord, String> {
    let obj = item.as_object().ok_or("each row must be a JSON object")?;
    let text = |key: &str| -> Result<String, String> {
        match obj.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(format!("row is missing {key:?}")),
        }
    };
    let int = |key: &str, default: Option<i64>| -> Result<i64, String> {
        match obj.get(key) {
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| format!("{key:?} is not an integer")),
            Some(Value::Bool(b)) => Ok(i64::from(*b)),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map_err(|_| format!("{key:?} is not an integer")),
            None => default.ok_or_else(|| format!("row is missing {key:?}")),
            _ => Err(format!("{key:?} is not an integer")),
        }
    };
    let optional = |key: &str| match obj.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    Ok(ObjectRecord {
        name: text("name")?,
        created_at: text("created_at")?,
        size: int("size", None)?,
        content_type: text("content_type")?,
        etag: text("etag")?,
        deleted: int("deleted", None)? != 0,
        storage_policy_index: int("storage_policy_index", Some(0))?,
        ctype_timestamp: optional("ctype_timestamp"),
        meta_timestamp: optional("meta_timestamp"),
    })
}
