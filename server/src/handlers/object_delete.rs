//! DELETE of an object row: a tombstone row (204), auto-creating the container in `.`-prefixed
//! accounts, or a redirect to the shard that holds the name.

use super::{blocking, maybe_autocreate, requested_policy_index, should_autocreate};
use crate::app::AppState;
use crate::error::ApiError;
use crate::request::{Placement, SwiftRequest};
use crate::response::status_response;
use crate::storage::{broker_for, check_drive};
use axum::response::Response;
use http::StatusCode;

/// Handles `DELETE /<drive>/<part>/<account>/<container>/<object>`.
pub async fn handle(
    state: &AppState,
    req: &SwiftRequest,
    placement: Placement,
) -> Result<Response, ApiError> {
    let timestamp = req.timestamp()?;
    check_drive(&state.settings, &placement.drive)?;
    let policy = requested_policy_index(state, req)?.unwrap_or(0);
    let autocreate = should_autocreate(state, req, &placement.account);
    let name = placement.obj.clone().unwrap_or_default();
    // Swift stores the X-Timestamp header exactly as sent for tombstones.
    let raw_timestamp = req
        .header("x-timestamp")
        .unwrap_or_else(|| timestamp.internal());
    let redirect_allowed = super::shard_redirect::RedirectRequest::from_request(req);
    let broker = broker_for(state, &placement);
    blocking(move || {
        maybe_autocreate(&broker, autocreate, &timestamp, Some(policy))?;
        if let Some(resp) = redirect_allowed.check(&broker, &name)? {
            return Ok(resp);
        }
        broker.delete_object(&name, &raw_timestamp, policy)?;
        Ok(status_response(StatusCode::NO_CONTENT, Vec::new()))
    })
    .await
}
