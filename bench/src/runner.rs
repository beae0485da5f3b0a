//! The closed-loop driver: `concurrency` tasks, each with its own keep-alive HTTP/1.1
//! connection, each sending its next request as soon as the previous answer's body is read, and
//! recording that request's own latency.

use crate::procfs;
use crate::shapes::Shape;
use crate::stats::Summary;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::CONNECTION;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// How long and how hard to drive.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The server.
    pub addr: SocketAddr,
    /// Requests in flight (one connection each).
    pub concurrency: usize,
    /// Stop issuing requests after this long (measured part only) ...
    pub duration: Option<Duration>,
    /// ... or after this many requests (whichever comes first).
    pub requests: Option<u64>,
    /// Requests started in this first stretch are sent but not recorded.
    pub warmup: Duration,
    /// Send `Connection: close` and reconnect for every request (how Swift's own nodes talk).
    pub connection_close: bool,
    /// Processes whose CPU time to report (the server under test).
    pub server_pids: Vec<u32>,
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// Latency of recorded requests that got a 2xx.
    pub summary: Summary,
    /// Measured wall time: from the end of the warm-up to the last answer.
    pub elapsed: Duration,
    /// Recorded requests answered 2xx.
    pub ok: u64,
    /// Recorded requests that failed or got a non-2xx status.
    pub errors: u64,
    /// The first failure, for the report.
    pub first_error: Option<String>,
    /// Response body bytes over recorded 2xx requests.
    pub body_bytes: u64,
    /// Rows per request (merge_items batches).
    pub rows_per_request: u64,
    /// CPU this process used during the whole run, warm-up included.
    pub generator_cpu: Duration,
    /// CPU the server processes used during the whole run.
    pub server_cpu: Duration,
    /// Wall time of the whole run, warm-up included (the base for the CPU shares).
    pub total_wall: Duration,
    /// New connections opened.
    pub connects: u64,
    /// Requests answered during the whole run, warm-up included (the base for server CPU per
    /// request).
    pub answered: u64,
}

impl RunResult {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        per_sec(self.ok, self.elapsed)
    }

    /// One `key=value` line (what `scripts/bench` collects and `container-bench table` reads).
    pub fn line(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let wall = self.total_wall.as_secs_f64().max(1e-9);
        let mut out = format!(
            "rate={:.1} p50_ms={:.3} p99_ms={:.3} max_ms={:.3} mean_ms={:.3} n={} errors={} secs={:.3} \
             gen_cpu={:.3} server_cpu={:.3} server_us_per_req={:.1} connects={}",
            self.rate(),
            ms(self.summary.p50),
            ms(self.summary.p99),
            ms(self.summary.max),
            ms(self.summary.mean),
            self.ok,
            self.errors,
            self.elapsed.as_secs_f64(),
            self.generator_cpu.as_secs_f64() / wall,
            self.server_cpu.as_secs_f64() / wall,
            self.server_cpu.as_secs_f64() * 1e6 / self.answered.max(1) as f64,
            self.connects,
        );
        if let Some(per_request) = self.body_bytes.checked_div(self.ok) {
            out.push_str(&format!(" body_bytes={per_request}"));
        }
        if self.rows_per_request > 1 {
            let rows = self.ok * self.rows_per_request;
            out.push_str(&format!(" rows_per_s={:.1}", per_sec(rows, self.elapsed)));
        }
        if let Some(err) = &self.first_error {
            out.push_str(&format!(" first_error={:?}", err));
        }
        out
    }
}

fn per_sec(n: u64, d: Duration) -> f64 {
    if d.is_zero() {
        0.0
    } else {
        n as f64 / d.as_secs_f64()
    }
}

#[derive(Default)]
struct WorkerStats {
    latencies: Vec<u32>,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    body_bytes: u64,
    connects: u64,
    answered: u64,
    last_answer: Option<Instant>,
}

struct Control {
    next: AtomicU64,
    requests: Option<u64>,
    measure_from: Instant,
    deadline: Option<Instant>,
}

/// Runs `shape` against the server as `spec` says and returns the measurements.
pub async fn run(spec: &RunSpec, shape: Arc<Shape>) -> RunResult {
    let start = Instant::now();
    let own_cpu0 = procfs::own_cpu_time();
    let server_cpu0 = procfs::total_cpu_time(&spec.server_pids);
    let measure_from = start + spec.warmup;
    let control = Arc::new(Control {
        next: AtomicU64::new(0),
        requests: spec.requests,
        measure_from,
        deadline: spec.duration.map(|d| measure_from + d),
    });
    let workers: Vec<_> = (0..spec.concurrency.max(1))
        .map(|_| {
            tokio::spawn(worker(
                spec.addr,
                spec.connection_close,
                shape.clone(),
                control.clone(),
            ))
        })
        .collect();
    let mut all = WorkerStats::default();
    let mut latencies = Vec::new();
    for handle in workers {
        let Ok(w) = handle.await else {
            all.errors += 1;
            continue;
        };
        latencies.extend_from_slice(&w.latencies);
        all.ok += w.ok;
        all.errors += w.errors;
        all.body_bytes += w.body_bytes;
        all.connects += w.connects;
        all.answered += w.answered;
        if all.first_error.is_none() {
            all.first_error = w.first_error;
        }
        all.last_answer = all.last_answer.max(w.last_answer);
    }
    let end = Instant::now();
    RunResult {
        summary: Summary::from_micros(&mut latencies),
        elapsed: all
            .last_answer
            .map(|t| t.saturating_duration_since(measure_from))
            .unwrap_or_default(),
        ok: all.ok,
        errors: all.errors,
        first_error: all.first_error,
        body_bytes: all.body_bytes,
        rows_per_request: shape.rows_per_request(),
        generator_cpu: procfs::own_cpu_time().saturating_sub(own_cpu0),
        server_cpu: procfs::total_cpu_time(&spec.server_pids).saturating_sub(server_cpu0),
        total_wall: end - start,
        connects: all.connects,
        answered: all.answered,
    }
}

async fn worker(
    addr: SocketAddr,
    connection_close: bool,
    shape: Arc<Shape>,
    control: Arc<Control>,
) -> WorkerStats {
    let mut stats = WorkerStats::default();
    let mut conn: Option<SendRequest<Full<Bytes>>> = None;
    loop {
        let seq = control.next.fetch_add(1, Ordering::Relaxed);
        if control.requests.is_some_and(|limit| seq >= limit) {
            break;
        }
        let started = Instant::now();
        if control.deadline.is_some_and(|d| started >= d) {
            break;
        }
        let mut request = shape.request(seq);
        if connection_close {
            request
                .headers_mut()
                .insert(CONNECTION, hyper::header::HeaderValue::from_static("close"));
        }
        let outcome = send(&mut conn, addr, request, &mut stats.connects).await;
        let finished = Instant::now();
        if connection_close {
            conn = None;
        }
        stats.answered += 1;
        if started < control.measure_from {
            continue;
        }
        stats.last_answer = Some(finished);
        match outcome {
            Ok((status, body_len)) if status.is_success() => {
                stats.ok += 1;
                stats.body_bytes += body_len;
                let micros = (finished - started).as_micros();
                stats
                    .latencies
                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
            }
            Ok((status, _)) => {
                stats.errors += 1;
                stats
                    .first_error
                    .get_or_insert_with(|| format!("status {status} (seq {seq})"));
            }
            Err(err) => {
                stats.errors += 1;
                stats.first_error.get_or_insert(err);
            }
        }
    }
    stats
}

/// Sends one request on the task's connection (opening one when there is none or the server
/// closed it); returns the status and the body's length.
async fn send(
    conn: &mut Option<SendRequest<Full<Bytes>>>,
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
    connects: &mut u64,
) -> Result<(StatusCode, u64), String> {
    if conn.as_ref().is_none_or(|c| c.is_closed()) {
        *conn = Some(connect(addr).await?);
        *connects += 1;
    }
    let Some(sender) = conn.as_mut() else {
        return Err("no connection".into());
    };
    if sender.ready().await.is_err() {
        *conn = Some(connect(addr).await?);
        *connects += 1;
    }
    let Some(sender) = conn.as_mut() else {
        return Err("no connection".into());
    };
    let response = match sender.send_request(request).await {
        Ok(r) => r,
        Err(e) => {
            *conn = None;
            return Err(format!("request failed: {e}"));
        }
    };
    let status = response.status();
    let closing = response
        .headers()
        .get(CONNECTION)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
    let body = response.into_body().collect().await;
    if closing {
        *conn = None;
    }
    match body {
        Ok(b) => Ok((status, b.to_bytes().len() as u64)),
        Err(e) => {
            *conn = None;
            Err(format!("reading body: {e}"))
        }
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake {addr}: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends a single request on a fresh connection and returns status, headers and body (for
/// set-up calls such as the first REPLICATE sync).
pub async fn send_once(
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, hyper::HeaderMap, Bytes), String> {
    let mut sender = connect(addr).await?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("reading body: {e}"))?
        .to_bytes();
    Ok((status, headers, body))
}

/// Waits until something accepts TCP connections on `addr`, up to `timeout`.
pub async fn wait_for_listener(addr: SocketAddr, timeout: Duration) -> bool {
    let give_up = Instant::now() + timeout;
    while Instant::now() < give_up {
        if TcpStream::connect(addr).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
