//! OPTIONS: the verbs this server answers and its name/version, as Swift's storage servers do.

use crate::middleware::recon::SWIFT_VERSION;
use crate::response::{swob_response, Body, HTML_CONTENT_TYPE};
use axum::response::Response;
use http::{HeaderName, HeaderValue, StatusCode};

/// Handles `OPTIONS` on any path; `replication` says whether REPLICATE is served.
pub fn handle(replication: bool) -> Response {
    let allow = if replication {
        "DELETE, GET, HEAD, OPTIONS, POST, PUT, REPLICATE, UPDATE"
    } else {
        "DELETE, GET, HEAD, OPTIONS, POST, PUT, UPDATE"
    };
    swob_response(
        StatusCode::OK,
        vec![
            (
                HeaderName::from_static("allow"),
                HeaderValue::from_static(allow),
            ),
            (
                HeaderName::from_static("server"),
                HeaderValue::from_str(&format!("container-server/{SWIFT_VERSION}"))
                    .unwrap_or_else(|_| HeaderValue::from_static("container-server")),
            ),
        ],
        Body::Text(String::new()),
        HTML_CONTENT_TYPE,
    )
}
