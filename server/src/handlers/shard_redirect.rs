//! Swift's `_redirect_to_shard`: an object update from a sender that accepts redirects, for a
//! name that a shard range in an updating state covers, is answered 301 with the shard's path.

use crate::error::ApiError;
use crate::request::{quote_path, SwiftRequest};
use crate::response::{swob_response, Body, HTML_CONTENT_TYPE};
use axum::response::Response;
use http::{HeaderName, HeaderValue, StatusCode};
use swift_common::db::ContainerBroker;
use swift_common::timestamp::Timestamp;

/// Shard states that accept object updates (created, cleaved, active, sharding).
pub const SHARD_UPDATE_STATES: [i64; 4] = [20, 30, 40, 60];

/// What the sender said about redirects, read before the blocking work.
#[derive(Debug, Clone, Copy)]
pub struct RedirectRequest {
    accept_redirect: bool,
    accept_quoted: bool,
}

impl RedirectRequest {
    /// Reads `X-Backend-Accept-Redirect` and `X-Backend-Accept-Quoted-Location`.
    pub fn from_request(req: &SwiftRequest) -> RedirectRequest {
        RedirectRequest {
            accept_redirect: req.header_true("x-backend-accept-redirect"),
            accept_quoted: req.header_true("x-backend-accept-quoted-location"),
        }
    }

    /// The 301 to send instead of applying the update, if any (blocking).
    pub fn check(&self, broker: &ContainerBroker, obj: &str) -> Result<Option<Response>, ApiError> {
        if !self.accept_redirect {
            return Ok(None);
        }
        let ranges =
            broker.get_shard_ranges(None, None, Some(obj), Some(&SHARD_UPDATE_STATES), false)?;
        let Some(range) = ranges.first() else {
            return Ok(None);
        };
        let location = format!("/{}/{}", range.name, obj);
        let quoted = quote_path(&location);
        // An old sender expects an unquoted location; if that is unsafe, keep the update here.
        if quoted != location && !self.accept_quoted {
            return Ok(None);
        }
        let redirect_ts = Timestamp::parse(&range.timestamp)
            .map(|t| t.internal())
            .unwrap_or_else(|_| range.timestamp.clone());
        let mut headers = vec![(
            HeaderName::from_static("x-backend-location-is-quoted"),
            HeaderValue::from_static("true"),
        )];
        for (name, value) in [
            ("location", quoted),
            ("x-backend-redirect-timestamp", redirect_ts),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.push((HeaderName::from_static(name), v));
            }
        }
        Ok(Some(swob_response(
            StatusCode::MOVED_PERMANENTLY,
            headers,
            Body::Default,
            HTML_CONTENT_TYPE,
        )))
    }
}
