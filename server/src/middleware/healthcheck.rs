//! Swift's healthcheck filter: any request whose path is exactly `/healthcheck` (any method)
//! answers `200 OK` with body `OK`, or `503` `DISABLED BY FILE` while the `disable_path` file
//! exists. Like Swift it sits in front of the container server, so it is not access-logged.

use axum::body::Body;
use http::{header, Response, StatusCode};
use std::path::PathBuf;

/// The `[filter:healthcheck]` options.
#[derive(Debug, Clone, Default)]
pub struct Healthcheck {
    /// `disable_path`: while this file exists the check answers 503.
    pub disable_path: Option<PathBuf>,
}

impl Healthcheck {
    /// Reads `disable_path` from the filter's section (empty means none).
    pub fn from_section(s: &swift_common::config::Section) -> Healthcheck {
        Healthcheck {
            disable_path: s
                .get("disable_path")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
        }
    }

    /// The answer for `quoted_path` (Swift's `req.path`), or None when it is not `/healthcheck`.
    pub fn respond(&self, quoted_path: &str) -> Option<Response<Body>> {
        if quoted_path != "/healthcheck" {
            return None;
        }
        let disabled = self.disable_path.as_ref().is_some_and(|p| p.exists());
        let (status, body): (StatusCode, &'static [u8]) = if disabled {
            (StatusCode::SERVICE_UNAVAILABLE, b"DISABLED BY FILE")
        } else {
            (StatusCode::OK, b"OK")
        };
        Some(plain_response(status, "text/plain", body.to_vec()))
    }
}

/// A response with a fixed body and Content-Type/Content-Length, as swob builds them.
pub(crate) fn plain_response(
    status: StatusCode,
    content_type: &str,
    body: Vec<u8>,
) -> Response<Body> {
    let len = body.len();
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(len));
    resp
}
