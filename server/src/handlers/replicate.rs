//! REPLICATE: the replicator's JSON RPCs (`sync`, `merge_items`, `merge_shard_ranges`,
//! `complete_rsync`, `rsync_then_merge`, `get_shard_ranges` ...), run by the replicator's RPC
//! code on a blocking thread.

use super::blocking;
use crate::app::AppState;
use crate::error::ApiError;
use crate::request::{split_path, SwiftRequest};
use crate::response::{swob_response, Body, HTML_CONTENT_TYPE};
use crate::storage::{check_drive, check_free_space};
use axum::response::Response;
use http::StatusCode;

/// Handles `REPLICATE /<drive>/<part>/<hash>` with a JSON list `[op, args...]`.
pub async fn handle(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    let segs = split_path(&req.path, 3, 3, false)?;
    let [drive, partition, hash] = [0, 1, 2].map(|i| segs[i].clone().unwrap_or_default());
    let drive_path = check_drive(&state.settings, &drive)?;
    check_free_space(&state.settings, &drive_path, &drive)?;
    let args: serde_json::Value = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request_plain(e.to_string()))?;
    let brokers = state.brokers.clone();
    let reply = blocking(move || {
        Ok(swift_sync::replicator::rpc::dispatch(
            &brokers,
            &drive_path,
            &partition,
            &hash,
            args,
        ))
    })
    .await?;
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match reply.body {
        Some(bytes) => Body::Bytes(bytes.into()),
        None => Body::Default,
    };
    Ok(swob_response(
        status,
        Vec::new(),
        body,
        reply.content_type.unwrap_or(HTML_CONTENT_TYPE),
    ))
}
