//! GET of a container: an object listing (json, xml or plain) with the container's headers, or
//! a shard range listing when asked for one (or `auto` on a sharding/sharded container).

use super::container_head::accept_header;
use super::{
    blocking, info_headers, metadata_headers, put_timestamp_seconds, read_info,
    requested_policy_index,
};
use crate::app::AppState;
use crate::error::ApiError;
use crate::listing::{self, ListingQuery};
use crate::request::SwiftRequest;
use crate::response::{set_last_modified, swob_response, Body};
use crate::storage::{broker_for, check_drive};
use axum::response::Response;
use http::{HeaderName, HeaderValue, StatusCode};
use swift_common::db::{DbState, ListingParams};

/// Handles `GET /<drive>/<part>/<account>/<container>`.
pub async fn handle(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    let placement = req.object_placement()?;
    let query = ListingQuery::from_raw(req.query.as_deref())?;
    let format = listing::negotiate(query.format.as_deref(), accept_header(req).as_deref())?;
    check_drive(&state.settings, &placement.drive)?;
    let broker = broker_for(state, &placement);
    let db = broker.clone();
    let snapshot = blocking(move || read_info(&db)).await?;
    let mut record_type = req
        .header("x-backend-record-type")
        .unwrap_or_default()
        .to_lowercase();
    let sharded = snapshot
        .as_ref()
        .is_some_and(|s| matches!(s.db_state, DbState::Sharding | DbState::Sharded));
    if record_type == "auto" && sharded {
        record_type = "shard".into();
    }
    if record_type == "shard" {
        return super::shard_get::handle(
            state,
            req,
            broker,
            snapshot,
            &query,
            format,
            &placement.container,
        )
        .await;
    }
    let requested = requested_policy_index(state, req)?;
    let live = snapshot.as_ref().filter(|s| !s.is_deleted);
    let Some(live) = live else {
        return Err(ApiError::NotFound(info_headers(snapshot.as_ref(), false)));
    };
    let policy = requested.unwrap_or(live.info.storage_policy_index);
    let mut headers = info_headers(Some(live), true);
    headers.push((
        HeaderName::from_static("x-backend-record-type"),
        HeaderValue::from_static("object"),
    ));
    headers.push((
        HeaderName::from_static("x-backend-record-storage-policy-index"),
        HeaderValue::from(policy),
    ));
    headers.extend(metadata_headers(
        &live.metadata,
        state.settings.allow_versions,
    ));
    let params = ListingParams {
        limit: usize::try_from(query.limit).unwrap_or(usize::MAX),
        marker: query.marker.clone().unwrap_or_default(),
        end_marker: query.end_marker.clone().unwrap_or_default(),
        prefix: query.prefix.clone(),
        delimiter: query.delimiter.clone(),
        path: query.path.clone(),
        storage_policy_index: Some(policy),
        reverse: query.reverse(),
        allow_reserved: req.header_true("x-backend-allow-reserved-names"),
    };
    let entries = blocking(move || Ok(broker.list_objects(&params)?)).await?;
    let rendered = listing::render_objects(&entries, format, &placement.container)?;
    Ok(listing_response(
        rendered,
        headers,
        put_timestamp_seconds(&live.info),
    ))
}

/// A rendered listing as a response with the container's headers and `Last-Modified`.
pub fn listing_response(
    rendered: listing::Rendered,
    headers: crate::error::HeaderList,
    put_seconds: f64,
) -> Response {
    let status = StatusCode::from_u16(rendered.status).unwrap_or(StatusCode::OK);
    let reason = rendered.reason();
    let mut resp = swob_response(
        status,
        headers,
        Body::Bytes(rendered.body),
        rendered.content_type,
    );
    set_last_modified(&mut resp, put_seconds);
    // Swift only changes the code of an empty listing to 204: its status line says "204 OK".
    resp.extensions_mut()
        .insert(hyper::ext::ReasonPhrase::from_static(reason.as_bytes()));
    resp
}
