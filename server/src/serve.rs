//! Serving the app on a bound listener: HTTP/1.1 with header names title-cased on the wire (as
//! Swift's eventlet server writes them), at most `max_clients` connections at once, the peer
//! address for the access log, and a graceful stop that lets requests in flight finish.

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How long a stop waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Most headers one request may carry: Swift lets http.client read up to 1.6 times
/// (max_meta_count + 36 + extra_header_count) headers, 201 with the default constraints (used
/// here); hyper's own default of 100 answers 431 to a PUT with 91 metadata items, where Swift's
/// container server answers 400.
const MAX_REQUEST_HEADERS: usize = (swift_common::constraints::MAX_META_COUNT + 36) * 8 / 5;

/// Accepts connections until `stop` resolves, then waits (up to 30 s) for open ones to finish.
/// A connection that has not sent a whole request head within `client_timeout` is closed
/// without an answer, as Swift's eventlet server does (so slow clients cannot hold the
/// `max_clients` slots forever).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    max_clients: usize,
    client_timeout: Duration,
    stop: impl Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(max_clients.max(1)));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .title_case_headers(true)
        .keep_alive(true)
        .max_headers(MAX_REQUEST_HEADERS)
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(client_timeout);
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            _ = &mut stop => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(req)
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {},
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("stopping with requests still open"),
    }
}
