//! `bench-bare-server --addr 127.0.0.1:PORT [--threads N]`: an axum server that answers every
//! request at once (PUT 201, anything else 204) and does nothing else. Driven with the same
//! generator and request shapes, its rate is the HTTP stack's limit on this machine.

use anyhow::{Context, Result};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use swift_bench::args::Args;

async fn answer(request: Request) -> Response {
    let status = if request.method() == Method::PUT {
        StatusCode::CREATED
    } else {
        StatusCode::NO_CONTENT
    };
    // Read the body as a real handler would (REPLICATE carries JSON).
    let _ = axum::body::to_bytes(request.into_body(), 64 * 1024 * 1024).await;
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

fn main() -> Result<()> {
    let args = Args::parse(std::env::args().skip(1))?;
    let addr = args.str_or("addr", "127.0.0.1:21003");
    let threads: usize = args.parsed_or("threads", 2)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let app = axum::Router::new().fallback(answer);
        axum::serve(listener, app).await.context("serving")
    })
}
