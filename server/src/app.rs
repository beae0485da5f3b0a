//! The HTTP app: shared state, the router, and the dispatch of each request to the handler of
//! its verb, with Swift's answers for paths that are not UTF-8 (412) and unknown verbs (405).

use crate::error::ApiError;
use crate::handlers;
use crate::middleware::{PipelineConfig, SwiftPipelineLayer};
use crate::request::SwiftRequest;
use crate::response::swob_response;
use crate::settings::Settings;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::FutureExt;
use http::{Method, StatusCode};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use swift_common::config::ConfFile;
use swift_common::db::BrokerCache;

/// Largest request body read (UPDATE batches, REPLICATE RPCs, shard range PUTs).
const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// What every request handler shares: settings, the parsed config, and the broker cache that
/// the background tasks use too.
pub struct AppState {
    /// Resolved settings.
    pub settings: Settings,
    /// The whole config (the middleware and in-process tasks read their own sections).
    pub conf: Arc<ConfFile>,
    /// One broker per container DB, shared with the background tasks.
    pub brokers: Arc<BrokerCache>,
}

/// The state as handlers receive it.
pub type SharedState = Arc<AppState>;

/// The container server app: every path goes to [`dispatch`], behind the filters of the
/// config's pipeline (healthcheck, recon) and the access log.
pub fn router(state: SharedState, pipeline: PipelineConfig) -> Router {
    Router::new()
        .fallback(dispatch)
        .layer(SwiftPipelineLayer::new(pipeline))
        .with_state(state)
}

/// Reads the request, checks its path, and runs the handler of its method.
async fn dispatch(State(state): State<SharedState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path().to_string();
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(&raw_path).collect();
    let path = match String::from_utf8(decoded) {
        Ok(p) if !p.is_empty() => p,
        _ => {
            return swob_response(
                StatusCode::PRECONDITION_FAILED,
                Vec::new(),
                crate::response::Body::Text("Invalid UTF8 or contains NULL".into()),
                crate::response::HTML_CONTENT_TYPE,
            )
        }
    };
    // A body that stops coming: Swift's eventlet Timeout fires inside the app after
    // client_timeout and it answers 500.
    let client_timeout =
        std::time::Duration::try_from_secs_f64(state.settings.server.client_timeout)
            .unwrap_or(std::time::Duration::from_secs(60));
    let body = match tokio::time::timeout(
        client_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    )
    .await
    {
        Ok(Ok(b)) => b,
        Ok(Err(err)) => {
            return ApiError::bad_request(format!("could not read body: {err}")).into_response()
        }
        Err(_) => {
            return ApiError::Internal("client timeout reading the request body".into())
                .into_response()
        }
    };
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let raw_path_qs = match parts.uri.query() {
        Some(q) => format!("{raw_path}?{q}"),
        None => raw_path,
    };
    let req = SwiftRequest {
        method: parts.method,
        path,
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        host,
        raw_path: raw_path_qs,
    };
    let method = req.method.clone();
    let outcome = AssertUnwindSafe(route(&state, &req)).catch_unwind().await;
    match outcome {
        Ok(Ok(resp)) => resp,
        // swob never renders the default body of a HEAD answer, so it sends no Content-Length.
        Ok(Err(err)) if method == Method::HEAD => {
            let mut resp = err.into_response();
            resp.headers_mut().remove(http::header::CONTENT_LENGTH);
            // A body of unknown length, so hyper does not add `Content-Length: 0` either.
            let nothing =
                futures::stream::empty::<Result<bytes::Bytes, std::convert::Infallible>>();
            *resp.body_mut() = axum::body::Body::from_stream(nothing);
            resp
        }
        Ok(Err(err)) => err.into_response(),
        Err(_) => ApiError::Internal(format!("ERROR __call__ error with {method} {}", req.path))
            .into_response(),
    }
}

/// The handler of each verb.
async fn route(state: &AppState, req: &SwiftRequest) -> Result<Response, ApiError> {
    match req.method.as_str() {
        "PUT" => handlers::put(state, req).await,
        "DELETE" => handlers::delete(state, req).await,
        "HEAD" => handlers::container_head::handle(state, req).await,
        "GET" => handlers::container_get::handle(state, req).await,
        "POST" => handlers::container_post::handle(state, req).await,
        "UPDATE" => handlers::update::handle(state, req).await,
        // A server for client traffic only (replication_server = false) refuses REPLICATE.
        "REPLICATE" if state.settings.server.replication_server => {
            handlers::replicate::handle(state, req).await
        }
        m if m == Method::OPTIONS.as_str() => Ok(handlers::options::handle(
            state.settings.server.replication_server,
        )),
        _ => Err(ApiError::MethodNotAllowed),
    }
}
