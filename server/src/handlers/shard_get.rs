//! GET of a container's shard ranges (`X-Backend-Record-Type: shard`, or `auto` on a sharding or
//! sharded DB): filtered by marker/end_marker/includes/states, as full ranges or namespaces.

use super::container_get::listing_response;
use super::{blocking, info_headers, metadata_headers, put_timestamp_seconds, InfoSnapshot};
use crate::app::AppState;
use crate::error::ApiError;
use crate::listing::{self, Format, ListingQuery};
use crate::request::SwiftRequest;
use axum::response::Response;
use http::{HeaderName, HeaderValue};
use std::sync::Arc;
use swift_common::db::{ContainerBroker, DbState, ShardRangeQuery};

/// Swift's ShardRange states by number and name.
const STATES: [(i64, &str); 8] = [
    (10, "found"),
    (20, "created"),
    (30, "cleaved"),
    (40, "active"),
    (50, "shrinking"),
    (60, "sharding"),
    (70, "sharded"),
    (80, "shrunk"),
];
/// States whose ranges make up an object listing (`listing` alias).
const LISTING_STATES: [i64; 4] = [40, 60, 50, 30];
/// States that accept object updates (`updating` alias).
const UPDATING_STATES: [i64; 4] = [20, 30, 40, 60];
/// States a shard audits against (`auditing` alias).
const AUDITING_STATES: [i64; 7] = [20, 30, 40, 60, 70, 50, 80];

/// A `states` value that is no state name, number or alias.
#[derive(Debug, PartialEq, Eq)]
pub struct BadState;

/// Swift's `resolve_shard_range_states`: names, numbers and aliases to state numbers.
pub fn resolve_states(values: &[&str]) -> Result<Vec<i64>, BadState> {
    let mut out: Vec<i64> = Vec::new();
    for value in values {
        let add: Vec<i64> = match *value {
            "listing" => LISTING_STATES.to_vec(),
            "updating" => UPDATING_STATES.to_vec(),
            "auditing" => AUDITING_STATES.to_vec(),
            other => {
                let by_number = other
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.fract() == 0.0)
                    .and_then(|f| STATES.iter().find(|(n, _)| *n as f64 == f));
                let by_name = STATES
                    .iter()
                    .find(|(_, name)| *name == other.to_lowercase());
                match by_number.or(by_name) {
                    Some((n, _)) => vec![*n],
                    None => return Err(BadState),
                }
            }
        };
        for n in add {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Answers a shard range listing.
pub async fn handle(
    state: &AppState,
    req: &SwiftRequest,
    broker: Arc<ContainerBroker>,
    snapshot: Option<InfoSnapshot>,
    query: &ListingQuery,
    format: Format,
    container: &str,
) -> Result<Response, ApiError> {
    let override_deleted = snapshot.is_some() && req.header_true("x-backend-override-deleted");
    let is_deleted = snapshot.as_ref().is_none_or(|s| s.is_deleted);
    let hide = is_deleted && !override_deleted;
    let Some(snap) = snapshot.as_ref().filter(|_| !hide) else {
        return Err(ApiError::NotFound(info_headers(snapshot.as_ref(), false)));
    };
    let mut headers = info_headers(Some(snap), true);
    headers.push((
        HeaderName::from_static("x-backend-record-type"),
        HeaderValue::from_static("shard"),
    ));
    let mut marker = query.marker.clone().filter(|m| !m.is_empty());
    let mut end_marker = query.end_marker.clone().filter(|m| !m.is_empty());
    let mut includes = query.includes.clone().filter(|m| !m.is_empty());
    let mut reverse = query.reverse();
    let override_filter = req
        .header("x-backend-override-shard-name-filter")
        .unwrap_or_default()
        .to_lowercase();
    if override_filter == "sharded" && snap.db_state == DbState::Sharded {
        // Every range is wanted when the DB is sharded.
        headers.push((
            HeaderName::from_static("x-backend-override-shard-name-filter"),
            HeaderValue::from_static("true"),
        ));
        (marker, end_marker, includes, reverse) = (None, None, None, false);
    }
    let include_deleted = req.header_true("x-backend-include-deleted");
    let mut include_own = false;
    let states = match query.states.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => {
            let values: Vec<&str> = raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            include_own = values.contains(&"auditing");
            Some(resolve_states(&values).map_err(|_| ApiError::bad_request("Bad state"))?)
        }
        None => None,
    };
    let shard_format = req
        .header("x-backend-record-shard-format")
        .unwrap_or_else(|| "full".into())
        .to_lowercase();
    let full = shard_format != "namespace";
    headers.push((
        HeaderName::from_static("x-backend-record-shard-format"),
        HeaderValue::from_static(if full { "full" } else { "namespace" }),
    ));
    if !full && include_deleted {
        return Err(ApiError::bad_request(
            "No include_deleted for namespace GET",
        ));
    }
    if !full && include_own {
        return Err(ApiError::bad_request("No auditing state for namespace GET"));
    }
    headers.extend(metadata_headers(
        &snap.metadata,
        state.settings.allow_versions,
    ));
    let put_seconds = put_timestamp_seconds(&snap.info);
    let fill_gaps = query.states.as_deref().is_some_and(|raw| {
        raw.split(',')
            .any(|s| matches!(s.trim(), "listing" | "updating"))
    });
    let ranges = blocking(move || {
        let q = ShardRangeQuery {
            marker: marker.as_deref(),
            end_marker: end_marker.as_deref(),
            includes: includes.as_deref(),
            states: states.as_deref(),
            include_deleted,
            include_own,
            exclude_others: false,
            reverse,
            fill_gaps,
        };
        Ok(broker.shard_ranges(&q)?)
    })
    .await?;
    let rendered = listing::render_shard_ranges(&ranges, full, format, container)?;
    Ok(listing_response(rendered, headers, put_seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_resolve_as_swift() {
        assert_eq!(resolve_states(&["listing"]), Ok(vec![30, 40, 50, 60]));
        assert_eq!(resolve_states(&["10", "Active"]), Ok(vec![10, 40]));
        assert_eq!(resolve_states(&["40.0"]), Ok(vec![40]));
        assert_eq!(resolve_states(&["nope"]), Err(BadState));
        assert_eq!(resolve_states(&["41"]), Err(BadState));
    }
}
