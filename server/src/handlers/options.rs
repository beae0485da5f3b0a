//! OPTIONS: the verbs this server answers and its name/version, as Swift's storage servers do.

use crate::response::{swob_response, Body, HTML_CONTENT_TYPE};
use axum::response::Response;
use http::{HeaderName, HeaderValue, StatusCode};

/// The Swift release this server stands in for.
pub const SWIFT_VERSION: &str = "2.38.3";

/// Handles `OPTIONS` on any path.
pub fn handle() -> Response {
    swob_response(
        StatusCode::OK,
        vec![
            (
                HeaderName::from_static("allow"),
                HeaderValue::from_static("DELETE, GET, HEAD, OPTIONS, POST, PUT, REPLICATE, UPDATE"),
            ),
            (
                HeaderName::from_static("server"),
                HeaderValue::from_static(concat!("container-server/", "2.38.3")),
            ),
        ],
        Body::Text(String::new()),
        HTML_CONTENT_TYPE,
    )
}
