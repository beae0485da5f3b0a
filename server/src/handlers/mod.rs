//! One handler per operation, plus what several of them share: running broker calls on
//! blocking threads, the storage policy header, container info and metadata as headers,
//! metadata from request headers, and auto-creation of containers in `.`-prefixed accounts.

pub mod container_delete;
pub mod container_get;
pub mod container_head;
pub mod container_post;
pub mod container_put;
pub mod object_delete;
pub mod object_put;
pub mod options;
pub mod replicate;
pub mod shard_get;
pub mod shard_put;
pub mod shard_redirect;
pub mod update;

use crate::app::AppState;
use crate::error::{ApiError, HeaderList};
use crate::request::{is_container_metadata, title_case, SwiftRequest};
use axum::response::Response;
use http::{HeaderName, HeaderValue};
use swift_common::config::config_true_value;
pub use swift_common::config::parse_python_int;
use swift_common::db::{ContainerBroker, ContainerInfo, DbState, Metadata};
use swift_common::timestamp::Timestamp;

/// PUT: an object row when the path names an object, shard ranges when
/// `X-Backend-Record-Type: shard`, else the container.
pub async fn put(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    let placement = req.object_placement()?;
    // Swift tests `if obj:`, so `/d/p/a/c/` (an empty object name) is the container.
    if placement.obj.as_deref().is_some_and(|o| !o.is_empty()) {
        return object_put::handle(state, req, placement).await;
    }
    let record_type = req.header("x-backend-record-type").unwrap_or_default();
    if record_type.eq_ignore_ascii_case("shard") {
        shard_put::handle(state, req, placement).await
    } else {
        container_put::handle(state, req, placement).await
    }
}

/// DELETE: an object row when the path names an object, else the container.
pub async fn delete(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    let placement = req.object_placement()?;
    // As for PUT: an empty object name means the container.
    if placement.obj.as_deref().is_some_and(|o| !o.is_empty()) {
        object_delete::handle(state, req, placement).await
    } else {
        container_delete::handle(state, req, placement).await
    }
}

/// Runs broker work on a blocking thread (SQLite and flock never run on the async executor).
pub async fn blocking<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await?
}

/// Swift's `get_and_validate_policy_index`: the `X-Backend-Storage-Policy-Index` header as a
/// known policy index, None when absent, 400 `Invalid X-Backend-Storage-Policy-Index <repr>`.
pub fn requested_policy_index(
    state: &AppState,
    req: &SwiftRequest,
) -> Result<Option<i64>, ApiError> {
    const HEADER: &str = "X-Backend-Storage-Policy-Index";
    let Some(raw) = req.header(HEADER) else {
        return Ok(None);
    };
    match parse_python_int(&raw) {
        Some(index) if state.settings.is_policy(index) => Ok(Some(index)),
        // Swift formats the int with %r when it parsed, the string's repr otherwise.
        Some(index) => Err(ApiError::bad_request_plain(format!(
            "Invalid {HEADER} {index}"
        ))),
        None => Err(ApiError::bad_request_plain(format!(
            "Invalid {HEADER} {}",
            py_repr(&raw)
        ))),
    }
}

/// Python's `repr()` of a str, for the few messages Swift builds with `%r`.
pub use swift_common::realms::py_repr;

/// Swift's name for a DB state (`X-Backend-Sharding-State`).
pub fn db_state_name(state: DbState) -> &'static str {
    match state {
        DbState::NotFound => "not_found",
        DbState::Unsharded => "unsharded",
        DbState::Sharding => "sharding",
        DbState::Sharded => "sharded",
        DbState::Collapsed => "collapsed",
    }
}

/// A container's info as a request sees it: None when there is no DB.
pub struct InfoSnapshot {
    /// `get_info()`.
    pub info: ContainerInfo,
    /// The sharding state.
    pub db_state: DbState,
    /// Swift's `is_deleted`.
    pub is_deleted: bool,
    /// Metadata with timestamps.
    pub metadata: Metadata,
}

/// Swift's `get_info_is_deleted` plus the metadata (blocking). None when no DB exists.
pub fn read_info(broker: &ContainerBroker) -> Result<Option<InfoSnapshot>, ApiError> {
    if !broker.exists() {
        return Ok(None);
    }
    let (info, is_deleted, db_state) = match broker.get_info_is_deleted() {
        Ok(found) => found,
        Err(swift_common::db::DbError::NotFound(_)) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    Ok(Some(InfoSnapshot {
        is_deleted,
        db_state,
        metadata: broker.metadata()?,
        info,
    }))
}

fn header(name: &str, value: impl ToString) -> Option<(HeaderName, HeaderValue)> {
    let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
    let value = HeaderValue::from_str(&value.to_string()).ok()?;
    Some((name, value))
}

fn ts_internal(raw: &str) -> String {
    Timestamp::parse(raw)
        .map(|t| t.internal())
        .unwrap_or_else(|_| raw.to_string())
}

fn ts_normal(raw: &str) -> String {
    Timestamp::parse(raw)
        .map(|t| t.normal())
        .unwrap_or_else(|_| raw.to_string())
}

/// Swift's `gen_resp_headers`: the backend timestamps always, counts and the rest only for a
/// container that is not deleted. `snapshot` None stands for "no DB" (all zero).
pub fn info_headers(snapshot: Option<&InfoSnapshot>, include_stats: bool) -> HeaderList {
    let zero = ContainerInfo::default();
    let info = snapshot.map(|s| &s.info).unwrap_or(&zero);
    let or_zero = |s: &str| {
        if s.is_empty() {
            "0".to_string()
        } else {
            s.to_string()
        }
    };
    let created = or_zero(&info.created_at);
    let put = or_zero(&info.put_timestamp);
    let mut out: Vec<Option<(HeaderName, HeaderValue)>> = vec![
        header("X-Backend-Timestamp", ts_internal(&created)),
        header("X-Backend-Put-Timestamp", ts_internal(&put)),
        header(
            "X-Backend-Delete-Timestamp",
            ts_internal(&or_zero(&info.delete_timestamp)),
        ),
        header(
            "X-Backend-Status-Changed-At",
            ts_internal(&or_zero(&info.status_changed_at)),
        ),
        header("X-Backend-Storage-Policy-Index", info.storage_policy_index),
    ];
    if include_stats {
        let state = snapshot.map(|s| s.db_state).unwrap_or(DbState::Unsharded);
        out.extend([
            header("X-Container-Object-Count", info.object_count),
            header("X-Container-Bytes-Used", info.bytes_used),
            header("X-Timestamp", ts_normal(&created)),
            header("X-Put-Timestamp", ts_normal(&put)),
            header("X-Backend-Sharding-State", db_state_name(state)),
        ]);
    }
    out.into_iter().flatten().collect()
}

/// The put timestamp as seconds, for `Last-Modified`.
pub fn put_timestamp_seconds(info: &ContainerInfo) -> f64 {
    Timestamp::parse(&info.put_timestamp)
        .map(|t| t.raw as f64 / 100_000.0)
        .unwrap_or(0.0)
}

/// The stored metadata Swift shows on HEAD and GET: non-empty values of saved headers and
/// user/system metadata, under the stored key.
pub fn metadata_headers(metadata: &Metadata, allow_versions: bool) -> HeaderList {
    metadata
        .iter()
        .filter(|(key, (value, _))| !value.is_empty() && is_container_metadata(key, allow_versions))
        .filter_map(|(key, (value, _))| header(key, value))
        .collect()
}

/// The metadata a PUT or POST sets: saved headers and user/system metadata, keyed as swob
/// spells header names, each stamped with the request timestamp.
pub fn metadata_from_request(
    req: &SwiftRequest,
    timestamp: &Timestamp,
    allow_versions: bool,
) -> Metadata {
    let mut out = Metadata::new();
    for name in req.headers.keys() {
        if !is_container_metadata(name.as_str(), allow_versions) {
            continue;
        }
        // Several values of one header: WSGI joins them with ','.
        let value = req
            .headers
            .get_all(name)
            .iter()
            .map(|v| crate::request::header_text(v.as_bytes()))
            .collect::<Vec<_>>()
            .join(",");
        out.insert(title_case(name.as_str()), (value, timestamp.internal()));
    }
    out
}

/// Swift's `validate_metadata` refuses metadata values that are not UTF-8 (400); header values
/// reach us as bytes, so the check is made on them.
pub fn check_metadata_utf8(req: &SwiftRequest, allow_versions: bool) -> Result<(), ApiError> {
    let bad = req.headers.iter().any(|(name, value)| {
        is_container_metadata(name.as_str(), allow_versions)
            && std::str::from_utf8(value.as_bytes()).is_err()
    });
    if bad {
        return Err(ApiError::bad_request("Metadata must be valid UTF-8"));
    }
    Ok(())
}

/// Swift's `_update_metadata` (blocking): a changed `X-Container-Sync-To` resets the sync points.
pub fn apply_metadata(
    broker: &ContainerBroker,
    metadata: &Metadata,
    method: &str,
) -> Result<(), ApiError> {
    if metadata.is_empty() {
        return Ok(());
    }
    if let Some((new_to, _)) = metadata.get("X-Container-Sync-To") {
        let current = broker.metadata()?;
        let changed = current
            .get("X-Container-Sync-To")
            .is_none_or(|(old, _)| old != new_to);
        if changed {
            broker.set_x_container_sync_points(-1, -1)?;
        }
    }
    broker.update_metadata(metadata, true)?;
    // Link or unlink the DB in the container-sync store (Swift's `_update_sync_store`).
    swift_sync::container_sync::store::update_after_request(broker, method);
    Ok(())
}

/// Swift's `_should_autocreate`: an explicit `X-Backend-Auto-Create` decides; else accounts
/// with the auto-create prefix, except the `.shards_` ones only the sharder creates.
pub fn should_autocreate(state: &AppState, req: &SwiftRequest, account: &str) -> bool {
    if let Some(v) = req
        .header("x-backend-auto-create")
        .filter(|v| !v.is_empty())
    {
        return config_true_value(&v);
    }
    let prefix = &state.settings.auto_create_account_prefix;
    if account.starts_with(&format!("{prefix}shards_")) {
        return false;
    }
    account.starts_with(prefix.as_str())
}

/// Swift's `_maybe_autocreate` (blocking): creates the DB when allowed and missing; 400 when the
/// policy is unknown, 404 when there is still no DB. True when it created the DB.
pub fn maybe_autocreate(
    broker: &ContainerBroker,
    autocreate: bool,
    timestamp: &Timestamp,
    policy_index: Option<i64>,
) -> Result<bool, ApiError> {
    let mut created = false;
    if autocreate && !broker.exists() {
        let Some(policy) = policy_index else {
            return Err(ApiError::bad_request(
                "X-Backend-Storage-Policy-Index header is required",
            ));
        };
        // An object update's timestamp may carry an offset; the container's must not.
        let normalized = Timestamp {
            raw: timestamp.raw,
            offset: 0,
        };
        created = broker.initialize(&normalized, policy)?;
    }
    if !broker.exists() {
        return Err(ApiError::NotFound(Vec::new()));
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr() {
        assert_eq!(py_repr("abc"), "'abc'");
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a\tb"), "'a\\tb'");
    }
}
