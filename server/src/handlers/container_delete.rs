//! DELETE of a container: 409 while it holds objects, 204 when it existed, 404 when it did not,
//! and the update sent to the account servers.

use super::blocking;
use crate::account_update::{update_accounts, AccountUpdateOutcome};
use crate::app::AppState;
use crate::error::ApiError;
use crate::request::{Placement, SwiftRequest};
use crate::response::status_response;
use crate::storage::{broker_for, check_drive};
use axum::response::Response;
use http::StatusCode;

/// Handles `DELETE /<drive>/<part>/<account>/<container>`.
pub async fn handle(
    state: &AppState,
    req: &SwiftRequest,
    placement: Placement,
) -> Result<Response, ApiError> {
    let timestamp = req.timestamp()?;
    check_drive(&state.settings, &placement.drive)?;
    let broker = broker_for(state, &placement);
    let db = broker.clone();
    let existed = blocking(move || {
        if !db.exists() {
            return Err(ApiError::NotFound(Vec::new()));
        }
        if !db.empty()? {
            return Err(ApiError::Conflict(Vec::new()));
        }
        let put = db.get_info()?.put_timestamp;
        let put_nonzero = swift_common::timestamp::Timestamp::parse(&put)
            .is_ok_and(|t| t.raw != 0 || t.offset != 0);
        let existed = put_nonzero && !db.is_deleted()?;
        db.delete_db(&timestamp)?;
        if !db.is_deleted()? {
            return Err(ApiError::Conflict(Vec::new()));
        }
        swift_sync::container_sync::store::update_after_request(&db, "DELETE");
        Ok(existed)
    })
    .await?;
    if let AccountUpdateOutcome::Refused(err) =
        update_accounts(state, req, &placement, broker).await
    {
        return Err(err);
    }
    if existed {
        Ok(status_response(StatusCode::NO_CONTENT, Vec::new()))
    } else {
        Err(ApiError::NotFound(Vec::new()))
    }
}
