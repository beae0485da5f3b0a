//! POST to a container: metadata updates (204), bumping the put timestamp unless
//! `X-Backend-No-Timestamp-Update` says not to; 404 when the container is missing or deleted.

use super::container_put::check_sync_to;
use super::{apply_metadata, blocking, metadata_from_request};
use crate::app::AppState;
use crate::error::ApiError;
use crate::request::SwiftRequest;
use crate::response::status_response;
use crate::storage::{broker_for, check_drive, check_free_space};
use axum::response::Response;
use http::StatusCode;

/// Handles `POST /<drive>/<part>/<account>/<container>`.
pub async fn handle(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    let placement = req.container_placement()?;
    let timestamp = req.timestamp()?;
    check_sync_to(state, req)?;
    let drive_path = check_drive(&state.settings, &placement.drive)?;
    check_free_space(&state.settings, &drive_path, &placement.drive)?;
    let bump_put_timestamp = !req.header_true("x-backend-no-timestamp-update");
    // Swift bumps put_timestamp, then refuses non-UTF-8 metadata (400).
    let meta_check = super::check_metadata_utf8(req, state.settings.allow_versions);
    let metadata = metadata_from_request(req, &timestamp, state.settings.allow_versions);
    let broker = broker_for(state, &placement);
    blocking(move || {
        if !broker.exists() || broker.is_deleted()? {
            return Err(ApiError::NotFound(Vec::new()));
        }
        if bump_put_timestamp {
            broker.update_put_timestamp(&timestamp)?;
        }
        meta_check?;
        apply_metadata(&broker, &metadata, "POST")
    })
    .await?;
    Ok(status_response(StatusCode::NO_CONTENT, Vec::new()))
}
