//! HEAD of a container: 204 with counts, timestamps, policy, sharding state and metadata; 404
//! (with the backend timestamps) when it is missing or deleted.

use super::{blocking, info_headers, metadata_headers, put_timestamp_seconds, read_info};
use crate::app::AppState;
use crate::error::ApiError;
use crate::listing;
use crate::request::SwiftRequest;
use crate::response::{set_last_modified, swob_response, Body};
use crate::storage::{broker_for, check_drive};
use axum::response::Response;
use http::StatusCode;

/// The raw Accept header (several values joined with `,` as WSGI does).
pub fn accept_header(req: &SwiftRequest) -> Option<Vec<u8>> {
    let values: Vec<&[u8]> = req
        .headers
        .get_all("accept")
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    if values.is_empty() {
        None
    } else {
        Some(values.join(&b","[..]))
    }
}

/// Handles `HEAD /<drive>/<part>/<account>/<container>`.
pub async fn handle(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    let placement = req.object_placement()?;
    let format = listing::negotiate(
        req.param("format")?.as_deref(),
        accept_header(req).as_deref(),
    )?;
    check_drive(&state.settings, &placement.drive)?;
    let broker = broker_for(state, &placement);
    let snapshot = blocking(move || read_info(&broker)).await?;
    let live = snapshot.as_ref().filter(|s| !s.is_deleted);
    let Some(live) = live else {
        return Err(ApiError::NotFound(info_headers(snapshot.as_ref(), false)));
    };
    let mut headers = info_headers(Some(live), true);
    headers.extend(metadata_headers(
        &live.metadata,
        state.settings.allow_versions,
    ));
    let mut resp = swob_response(
        StatusCode::NO_CONTENT,
        headers,
        Body::Text(String::new()),
        format.content_type(),
    );
    set_last_modified(&mut resp, put_timestamp_seconds(&live.info));
    Ok(resp)
}
