//! PUT of an object row, as object servers send it after storing an object: 201, auto-creating
//! the container in `.`-prefixed accounts, or a redirect to the shard that holds the name.

use super::{blocking, maybe_autocreate, requested_policy_index, should_autocreate};
use crate::app::AppState;
use crate::error::ApiError;
use crate::request::{Placement, SwiftRequest};
use crate::response::status_response;
use crate::storage::{broker_for, check_drive, check_free_space};
use axum::response::Response;
use http::StatusCode;
use swift_common::db::ObjectRecord;

/// Handles `PUT /<drive>/<part>/<account>/<container>/<object>`.
pub async fn handle(
    state: &AppState,
    req: &SwiftRequest,
    placement: Placement,
) -> Result<Response, ApiError> {
    let timestamp = req.timestamp()?;
    super::container_put::check_sync_to(state, req)?;
    let drive_path = check_drive(&state.settings, &placement.drive)?;
    check_free_space(&state.settings, &drive_path, &placement.drive)?;
    let policy = requested_policy_index(state, req)?.unwrap_or(0);
    let autocreate = should_autocreate(state, req, &placement.account);
    let name = placement.obj.clone().unwrap_or_default();
    // Swift answers 500 (a KeyError/ValueError) for these; we say which header is wrong.
    let size = req
        .header("x-size")
        .and_then(|v| super::parse_python_int(&v))
        .ok_or_else(|| ApiError::bad_request("Missing or invalid X-Size header"))?;
    let content_type = req
        .header("x-content-type")
        .ok_or_else(|| ApiError::bad_request("Missing X-Content-Type header"))?;
    let etag = req
        .header("x-etag")
        .ok_or_else(|| ApiError::bad_request("Missing X-Etag header"))?;
    let record = ObjectRecord {
        name: name.clone(),
        created_at: timestamp.internal(),
        size,
        content_type,
        etag,
        deleted: false,
        storage_policy_index: policy,
        ctype_timestamp: req.header("x-content-type-timestamp"),
        meta_timestamp: req.header("x-meta-timestamp"),
    };
    let redirect_allowed = super::shard_redirect::RedirectRequest::from_request(req);
    let broker = broker_for(state, &placement);
    blocking(move || {
        maybe_autocreate(&broker, autocreate, &timestamp, Some(policy))?;
        if let Some(resp) = redirect_allowed.check(&broker, &name)? {
            return Ok(resp);
        }
        broker.put_object(&record)?;
        Ok(status_response(StatusCode::CREATED, Vec::new()))
    })
    .await
}
