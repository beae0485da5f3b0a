//! PUT of a container: create it (201) or update its put timestamp (202), with Swift's storage
//! policy rules (409 when an existing container has another policy), metadata, and the update
//! sent to the account servers.

use super::{apply_metadata, blocking, metadata_from_request, requested_policy_index};
use crate::account_update::{update_accounts, AccountUpdateOutcome};
use crate::app::AppState;
use crate::error::ApiError;
use crate::request::{Placement, SwiftRequest};
use crate::response::status_response;
use crate::storage::{broker_for, check_drive, check_free_space};
use crate::sync_to::validate_sync_to;
use axum::response::Response;
use http::{HeaderName, HeaderValue, StatusCode};
use swift_common::db::ContainerBroker;
use swift_common::timestamp::Timestamp;

/// Handles `PUT /<drive>/<part>/<account>/<container>`.
pub async fn handle(
    state: &AppState,
    req: &SwiftRequest,
    placement: Placement,
) -> Result<Response, ApiError> {
    let timestamp = req.timestamp()?;
    check_sync_to(state, req)?;
    let drive_path = check_drive(&state.settings, &placement.drive)?;
    check_free_space(&state.settings, &drive_path, &placement.drive)?;
    let requested = requested_policy_index(state, req)?;
    // Without a requested policy the proxy's default is used, else swift.conf's default.
    let new_policy = match requested {
        Some(index) => index,
        None => req
            .header("x-backend-storage-policy-default")
            .and_then(|v| super::parse_python_int(&v))
            .unwrap_or(state.settings.default_policy),
    };
    // Swift creates the container, then refuses non-UTF-8 metadata (400).
    let meta_check = super::check_metadata_utf8(req, state.settings.allow_versions);
    let metadata = metadata_from_request(req, &timestamp, state.settings.allow_versions);
    let broker = broker_for(state, &placement);
    let db = broker.clone();
    let created = blocking(move || {
        let created = update_or_create(&db, &timestamp, new_policy, requested)?;
        meta_check?;
        apply_metadata(&db, &metadata, "PUT")?;
        Ok(created)
    })
    .await?;
    if let AccountUpdateOutcome::Refused(err) =
        update_accounts(state, req, &placement, broker.clone()).await
    {
        return Err(err);
    }
    created_or_accepted(broker, created).await
}

/// 201 when the DB was created (or a deleted container recreated), else 202; both carry the
/// container's policy index.
pub async fn created_or_accepted(
    broker: std::sync::Arc<ContainerBroker>,
    created: bool,
) -> Result<Response, ApiError> {
    let policy = blocking(move || Ok(broker.get_info()?.storage_policy_index)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::ACCEPTED
    };
    Ok(status_response(
        status,
        vec![(
            HeaderName::from_static("x-backend-storage-policy-index"),
            HeaderValue::from(policy),
        )],
    ))
}

/// Swift's check of `X-Container-Sync-To` on PUT and POST.
pub fn check_sync_to(state: &AppState, req: &SwiftRequest) -> Result<(), ApiError> {
    if let Some(value) = req.header("x-container-sync-to") {
        validate_sync_to(&state.settings, &value).map_err(ApiError::bad_request)?;
    }
    Ok(())
}

/// Swift's `_update_or_create` (blocking): true when the container was created or recreated.
fn update_or_create(
    broker: &ContainerBroker,
    timestamp: &Timestamp,
    new_policy: i64,
    requested: Option<i64>,
) -> Result<bool, ApiError> {
    if !broker.exists() && broker.initialize(timestamp, new_policy)? {
        return Ok(true);
    }
    let recreated = broker.is_deleted()?;
    if recreated {
        // Only a deleted container may change its policy.
        broker.set_storage_policy_index(new_policy, timestamp)?;
    } else if let Some(index) = requested {
        let current = broker.get_info()?.storage_policy_index;
        if index != current {
            return Err(ApiError::Conflict(vec![(
                HeaderName::from_static("x-backend-storage-policy-index"),
                HeaderValue::from(current),
            )]));
        }
    }
    broker.update_put_timestamp(timestamp)?;
    if broker.is_deleted()? {
        return Err(ApiError::Conflict(Vec::new()));
    }
    if recreated {
        broker.update_status_changed_at(timestamp)?;
    }
    Ok(recreated)
}
