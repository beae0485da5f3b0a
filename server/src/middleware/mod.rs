//! The filters of Swift's container pipeline (`[pipeline:main] pipeline = healthcheck recon
//! container-server`) and the container server's own access log line, as one tower layer:
//!
//! ```ignore
//! let pipeline = middleware::PipelineConfig::from_conf(&conf)?;
//! let app = router.layer(middleware::SwiftPipelineLayer::new(pipeline));
//! // serve with `into_make_service_with_connect_info::<SocketAddr>()` so the log has the peer.
//! ```
//!
//! Requests for `/healthcheck` and `/recon/...` are answered by the filters named in the
//! pipeline (in front of the app, so not access-logged, as in Swift); every other request goes
//! to the app and gets one access-log line (debug level for REPLICATE, info otherwise).

pub mod access_log;
pub mod healthcheck;
pub mod recon;

pub use access_log::{AccessLogConfig, LogRecord};
pub use healthcheck::Healthcheck;
pub use recon::Recon;

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::ConnectInfo;
use http::{Request, Response};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use swift_common::config::{ConfFile, ConfigError};

/// Where access-log lines go: `(line, is_debug)`. The default writes them with `tracing`
/// (target `access`), leaving the logging setup to the server.
pub type LogSink = Arc<dyn Fn(&str, bool) + Send + Sync>;

/// Which filters run in front of the app, and how the app's requests are logged.
#[derive(Clone)]
pub struct PipelineConfig {
    /// The healthcheck filter, when the pipeline lists one.
    pub healthcheck: Option<Healthcheck>,
    /// The recon filter, when the pipeline lists one.
    pub recon: Option<Arc<Recon>>,
    /// The access log of the container server app.
    pub access_log: AccessLogConfig,
    /// Where log lines go.
    pub sink: LogSink,
}

impl std::fmt::Debug for PipelineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineConfig")
            .field("healthcheck", &self.healthcheck)
            .field("recon", &self.recon)
            .field("access_log", &self.access_log)
            .finish()
    }
}

/// The default sink: `tracing` at info (debug for REPLICATE), target `access`.
pub fn tracing_sink() -> LogSink {
    Arc::new(|line: &str, debug: bool| {
        if debug {
            tracing::debug!(target: "access", "{line}");
        } else {
            tracing::info!(target: "access", "{line}");
        }
    })
}

impl Default for PipelineConfig {
    /// Swift's sample pipeline: `healthcheck recon container-server` with default options.
    fn default() -> Self {
        PipelineConfig {
            healthcheck: Some(Healthcheck::default()),
            recon: Some(Arc::new(Recon::new(
                "/srv/node".into(),
                "/etc/swift".into(),
                "/var/cache/swift".into(),
                &["object".to_string()],
            ))),
            access_log: AccessLogConfig::default(),
            sink: tracing_sink(),
        }
    }
}

impl PipelineConfig {
    /// Reads `[pipeline:main]`: each filter before the app is recognised by its
    /// `use = egg:swift#<name>` (or its section name) as healthcheck or recon; other filters
    /// are ignored. Without a pipeline section, only the app runs. The access-log options come
    /// from the `container-server` app section.
    pub fn from_conf(conf: &ConfFile) -> Result<PipelineConfig, ConfigError> {
        let mut out = PipelineConfig {
            healthcheck: None,
            recon: None,
            access_log: AccessLogConfig::default(),
            sink: tracing_sink(),
        };
        let names = conf.pipeline("main").unwrap_or_default();
        let app_name = names
            .last()
            .cloned()
            .unwrap_or_else(|| "container-server".into());
        if let Ok(app) = conf.app_config(&app_name) {
            out.access_log = AccessLogConfig::from_section(&app);
        }
        for name in names.iter().take(names.len().saturating_sub(1)) {
            let Some(section) = conf.try_section(&format!("filter:{name}"))? else {
                continue;
            };
            let kind = section
                .entry_point()
                .and_then(|e| e.rsplit(['#', ':']).next())
                .unwrap_or(name)
                .to_string();
            match kind.as_str() {
                "healthcheck" => out.healthcheck = Some(Healthcheck::from_section(&section)),
                "recon" => out.recon = Some(Arc::new(Recon::from_section(&section))),
                _ => {}
            }
        }
        Ok(out)
    }
}

/// The tower layer applying a [`PipelineConfig`] around the container server's router.
#[derive(Clone, Debug)]
pub struct SwiftPipelineLayer {
    conf: Arc<PipelineConfig>,
}

impl SwiftPipelineLayer {
    /// A layer for this pipeline.
    pub fn new(conf: PipelineConfig) -> SwiftPipelineLayer {
        SwiftPipelineLayer {
            conf: Arc::new(conf),
        }
    }
}

impl<S> tower::Layer<S> for SwiftPipelineLayer {
    type Service = SwiftPipeline<S>;
    fn layer(&self, inner: S) -> SwiftPipeline<S> {
        SwiftPipeline {
            inner,
            conf: self.conf.clone(),
        }
    }
}

/// The service made by [`SwiftPipelineLayer`].
#[derive(Clone, Debug)]
pub struct SwiftPipeline<S> {
    inner: S,
    conf: Arc<PipelineConfig>,
}

/// eventlet's limits, which Swift's servers run behind: a request line or a header line
/// (with its CRLF) of 8192 bytes or more, or more than 65536 bytes of header lines.
const MAX_LINE: usize = 8192;
const MAX_TOTAL_HEADER_SIZE: usize = 65536;

/// eventlet's refusal of oversized request and header lines, if this request hits one:
/// 414 for the request line, 400 for a header line or the headers' total size.
fn eventlet_limits(req: &Request<Body>) -> Option<Response<Body>> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    // "<METHOD> <target> HTTP/1.1\r\n"
    let request_line = req.method().as_str().len() + target + 11;
    let status = if request_line >= MAX_LINE {
        http::StatusCode::URI_TOO_LONG
    } else {
        let mut total = 0;
        let mut too_long = false;
        for (name, value) in req.headers() {
            // "<Name>: <value>\r\n"
            let line = name.as_str().len() + value.as_bytes().len() + 4;
            too_long |= line >= MAX_LINE;
            total += line;
        }
        if !too_long && total <= MAX_TOTAL_HEADER_SIZE {
            return None;
        }
        http::StatusCode::BAD_REQUEST
    };
    let mut resp = healthcheck::plain_response(status, "text/plain", Vec::new());
    resp.headers_mut().remove(http::header::CONTENT_TYPE);
    resp.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    Some(resp)
}

fn header_text(req: &Request<Body>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .map(|v| v.as_bytes().iter().map(|&b| char::from(b)).collect())
}

impl<S> tower::Service<Request<Body>> for SwiftPipeline<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // Take the service that was polled ready; leave a fresh clone in its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let conf = self.conf.clone();
        if let Some(resp) = eventlet_limits(&req) {
            return Box::pin(async move { Ok(resp) });
        }
        let path = access_log::quote_path(req.uri().path());
        if let Some(resp) = conf.healthcheck.as_ref().and_then(|h| h.respond(&path)) {
            return Box::pin(async move { Ok(resp) });
        }
        if let Some(recon) = conf.recon.clone() {
            if path.starts_with("/recon/") {
                return Box::pin(async move {
                    Ok(recon.respond_async(path).await.unwrap_or_else(|| {
                        healthcheck::plain_response(
                            http::StatusCode::NOT_FOUND,
                            "text/plain",
                            Vec::new(),
                        )
                    }))
                });
            }
        }
        if !conf.access_log.enabled {
            return Box::pin(inner.call(req));
        }
        let start = Instant::now();
        let time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let mut record = LogRecord {
            remote_addr: req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ci| ci.0.ip().to_string()),
            method: req.method().as_str().to_string(),
            path,
            referer: header_text(&req, "referer"),
            txn_id: header_text(&req, "x-trans-id"),
            user_agent: header_text(&req, "user-agent"),
            policy_index: header_text(&req, "x-backend-storage-policy-index"),
            time,
            pid: std::process::id(),
            ..LogRecord::default()
        };
        Box::pin(async move {
            let resp = inner.call(req).await?;
            if !access_log::log_path_splits(&record.path) {
                // Swift's log line cannot be built for this path: its app raises after the
                // request was handled and eventlet answers 500 (with no access-log line).
                let mut err = healthcheck::plain_response(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    "text/plain",
                    b"Internal Server Error".to_vec(),
                );
                err.headers_mut().insert(
                    http::header::CONNECTION,
                    http::HeaderValue::from_static("close"),
                );
                return Ok(err);
            }
            record.trans_time = start.elapsed().as_secs_f64();
            record.status = resp.status().as_u16();
            record.content_length = resp
                .headers()
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .or_else(|| resp.body().size_hint().exact());
            if let Some(pi) = resp.headers().get("x-backend-storage-policy-index") {
                record.policy_index = Some(pi.as_bytes().iter().map(|&b| char::from(b)).collect());
            }
            let line = record.format(&conf.access_log);
            (conf.sink)(&line, record.method.eq_ignore_ascii_case("REPLICATE"));
            Ok(resp)
        })
    }
}

#[cfg(test)]
mod interop_tests;
