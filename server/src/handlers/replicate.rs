//! REPLICATE: the replicator's JSON RPCs (`sync`, `merge_items`, `merge_shard_ranges`,
//! `complete_rsync`, `rsync_then_merge`, `get_shard_ranges` ...), routed to the replicator code.

use crate::app::AppState;
use crate::error::ApiError;
use crate::request::{split_path, SwiftRequest};
use crate::storage::{check_drive, check_free_space};
use axum::response::Response;

/// Handles `REPLICATE /<drive>/<part>/<hash>` with a JSON list `[op, args...]`.
pub async fn handle(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    let segs = split_path(&req.path, 3, 3, false)?;
    let drive = segs[0].clone().unwrap_or_default();
    let drive_path = check_drive(&state.settings, &drive)?;
    check_free_space(&state.settings, &drive_path, &drive)?;
    let _args: serde_json::Value =
        serde_json::from_slice(&req.body).map_err(|e| ApiError::bad_request_plain(e.to_string()))?;
    // The replicator's RPC side lands with the replicator (sync::replicator::rpc).
    Err(ApiError::NotImplemented("REPLICATE".into()))
}
