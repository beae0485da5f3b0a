//! `container-bench`: closed-loop load generator for a container server, plus the helpers
//! `scripts/bench` needs (wait for a port, container hash, peak RSS, the results table).
//!
//! ```text
//! container-bench run --addr 127.0.0.1:6201 --mode put --container c1 --concurrency 64 --duration 5
//! container-bench table results.tsv
//! ```
//! `container-bench help` lists every flag.

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::Request;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use swift_bench::args::Args;
use swift_bench::names::{self, NameScheme};
use swift_bench::runner::{self, RunSpec};
use swift_bench::shapes::{self, Op, Shape, Target};
use swift_bench::{procfs, table};

const HELP: &str = "\
container-bench COMMAND [--flag value ...]

Commands:
  run    drive a server (default). Flags:
         --addr HOST:PORT (required)  --mode put|delete|head|get|sync|merge|create|pass
         --device sdb1 --partition 0 --account AUTH_bench
         --container NAME [--spread N: use NAME-000 .. NAME-(N-1) round-robin]
         --names random:SEED|tree (object names; delete with the PUT run's SEED)
         --query 'format=json&limit=10000' (get)
         --hash HASH | --hash-prefix P --hash-suffix S (sync/merge/pass: the DB's hash)
         --batch 1000 (rows per merge_items)  --rows N (merge/pass: total rows)
         --concurrency 1 --duration SECS --requests N --warmup SECS --threads 1
         --pid PID (server process; its children count too, for server CPU)
         --connection-close (a new connection per request, as Swift's nodes do)
         Prints one line: rate= p50_ms= p99_ms= ... gen_cpu= (share of one core) ...
  pass   a replicator pass seen from the receiving server: sync, --rows new rows in
         merge_items of --batch, merge_syncs; prints secs= and rows_per_s=.
  wait   --addr HOST:PORT [--timeout 60]: wait until the port accepts connections.
  hash   --hash-prefix P --hash-suffix S --account A --container C: print the DB hash.
  rss    --pid PID: peak RSS (VmHWM) of PID plus its children, as mib=.
  table  FILE: print the A/B table from collected `figure<TAB>side<TAB>k=v ...` lines.
";

fn main() {
    let mut words: Vec<String> = std::env::args().skip(1).collect();
    let command = match words.first() {
        Some(w) if !w.starts_with("--") => words.remove(0),
        _ => "run".to_string(),
    };
    if let Err(err) = dispatch(&command, words) {
        eprintln!("container-bench {command}: {err:#}");
        std::process::exit(2);
    }
}

fn dispatch(command: &str, words: Vec<String>) -> Result<()> {
    if command == "table" {
        let path = words.first().context("table needs a FILE")?;
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        print!("{}", table::render(&text));
        return Ok(());
    }
    let args = Args::parse(words)?;
    match command {
        "help" | "--help" => {
            print!("{HELP}");
            Ok(())
        }
        "hash" => {
            println!(
                "{}",
                names::container_hash(
                    &args.str_or("hash-prefix", ""),
                    &args.str_or("hash-suffix", ""),
                    args.required("account")?,
                    args.required("container")?,
                )
            );
            Ok(())
        }
        "rss" => {
            let pid: u32 = args.parsed("pid")?.context("--pid is required")?;
            let bytes: u64 = procfs::with_children(pid)
                .iter()
                .filter_map(|&p| procfs::peak_rss(p))
                .sum();
            println!("mib={:.1}", bytes as f64 / (1024.0 * 1024.0));
            Ok(())
        }
        "run" | "pass" | "wait" => {
            let threads: usize = args.parsed_or("threads", 1)?;
            let runtime = if threads <= 1 {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?
            } else {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(threads)
                    .enable_all()
                    .build()?
            };
            runtime.block_on(async {
                match command {
                    "wait" => wait(&args).await,
                    "pass" => replication_pass(&args).await,
                    _ => run(&args).await,
                }
            })
        }
        other => bail!("unknown command {other:?}; try `container-bench help`"),
    }
}

fn addr(args: &Args) -> Result<SocketAddr> {
    let text = args.required("addr")?;
    text.parse()
        .with_context(|| format!("--addr {text:?} is not HOST:PORT"))
}

async fn wait(args: &Args) -> Result<()> {
    let timeout = Duration::from_secs_f64(args.parsed_or("timeout", 60.0)?);
    if runner::wait_for_listener(addr(args)?, timeout).await {
        Ok(())
    } else {
        bail!("nothing listening on {} after {timeout:?}", addr(args)?)
    }
}

fn target(args: &Args) -> Result<Target> {
    Ok(Target {
        authority: args.required("addr")?.to_string(),
        device: args.str_or("device", "sdb1"),
        partition: args.parsed_or("partition", 0)?,
        account: args.str_or("account", "AUTH_bench"),
    })
}

fn containers(args: &Args) -> Result<Vec<String>> {
    let name = args.str_or("container", "bench");
    Ok(match args.parsed::<usize>("spread")? {
        Some(n) if n > 0 => (0..n).map(|i| format!("{name}-{i:03}")).collect(),
        _ => vec![name],
    })
}

fn name_scheme(args: &Args) -> Result<NameScheme> {
    let text = args.str_or("names", "random:0");
    NameScheme::parse(&text).ok_or_else(|| anyhow!("--names {text:?}: use random:SEED or tree"))
}

fn db_hash(args: &Args) -> Result<String> {
    if let Some(hash) = args.get("hash") {
        return Ok(hash.to_string());
    }
    let container = containers(args)?.remove(0);
    Ok(names::container_hash(
        &args.str_or("hash-prefix", ""),
        &args.str_or("hash-suffix", ""),
        &args.str_or("account", "AUTH_bench"),
        &container,
    ))
}

fn spec(args: &Args) -> Result<RunSpec> {
    let pids = match args.parsed::<u32>("pid")? {
        Some(pid) => procfs::with_children(pid),
        None => Vec::new(),
    };
    let duration = args.parsed::<f64>("duration")?.map(Duration::from_secs_f64);
    let requests = args.parsed::<u64>("requests")?;
    Ok(RunSpec {
        addr: addr(args)?,
        concurrency: args.parsed_or("concurrency", 1)?,
        duration: duration.or(if requests.is_none() {
            Some(Duration::from_secs(5))
        } else {
            None
        }),
        requests,
        warmup: Duration::from_secs_f64(args.parsed_or("warmup", 0.0)?),
        connection_close: args.switch("connection-close"),
        server_pids: pids,
    })
}

async fn run(args: &Args) -> Result<()> {
    let target = target(args)?;
    let mode = args.str_or("mode", "put");
    let mut spec = spec(args)?;
    let op = match mode.as_str() {
        "create" => {
            let containers = containers(args)?;
            spec.requests = Some(containers.len() as u64);
            spec.duration = None;
            Op::ContainerPut { containers }
        }
        "put" => Op::ObjectPut {
            containers: containers(args)?,
            names: name_scheme(args)?,
        },
        "delete" => Op::ObjectDelete {
            containers: containers(args)?,
            names: name_scheme(args)?,
        },
        "head" => Op::Head {
            containers: containers(args)?,
        },
        "get" => Op::Listing {
            container: containers(args)?.remove(0),
            query: args.str_or("query", "format=json&limit=10000"),
        },
        "sync" => {
            let hash = db_hash(args)?;
            let container = containers(args)?.remove(0);
            let info = current_info(&target, spec.addr, &container, &hash).await?;
            Op::Sync {
                hash,
                args: shapes::sync_args_in_sync(&info, "container-bench-remote"),
            }
        }
        "merge" => {
            let batch: u64 = args.parsed_or("batch", 1000)?;
            if let Some(rows) = args.parsed::<u64>("rows")? {
                spec.requests = Some(rows.div_ceil(batch.max(1)));
                spec.duration = None;
            }
            Op::MergeItems {
                hash: db_hash(args)?,
                names: name_scheme(args)?,
                batch,
                remote_id: "container-bench-remote".into(),
            }
        }
        other => bail!("unknown --mode {other:?}; try `container-bench help`"),
    };
    let result = runner::run(&spec, Arc::new(Shape { target, op })).await;
    println!("{}", result.line());
    Ok(())
}

/// The replication info of the DB (what a `sync` call answers). The container's timestamps come
/// from a HEAD first, so this probing `sync` matches them and changes nothing. A server that
/// answers without JSON (the bare limit server) gives an empty info.
async fn current_info(
    target: &Target,
    addr: SocketAddr,
    container: &str,
    hash: &str,
) -> Result<serde_json::Value> {
    let head = Shape {
        target: target.clone(),
        op: Op::Head {
            containers: vec![container.to_string()],
        },
    };
    let (status, headers, _) = runner::send_once(addr, head.request(0))
        .await
        .map_err(|e| anyhow!(e))?;
    if !status.is_success() {
        bail!("HEAD {container} answered {status}");
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map_or(serde_json::Value::Null, |v| serde_json::json!(v))
    };
    let timestamps = serde_json::json!({
        "max_row": -1,
        "hash": "container-bench-probe",
        "created_at": header("X-Timestamp"),
        "put_timestamp": header("X-Backend-Put-Timestamp"),
        "delete_timestamp": header("X-Backend-Delete-Timestamp"),
    });
    let probe = Shape {
        target: target.clone(),
        op: Op::Sync {
            hash: hash.to_string(),
            args: shapes::sync_args_in_sync(&timestamps, "container-bench-probe"),
        },
    };
    let (status, _, body) = runner::send_once(addr, probe.request(0))
        .await
        .map_err(|e| anyhow!(e))?;
    if !status.is_success() {
        bail!(
            "REPLICATE sync answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(serde_json::from_slice(&body).unwrap_or_else(|_| serde_json::json!({})))
}

async fn replication_pass(args: &Args) -> Result<()> {
    let target = target(args)?;
    let mut spec = spec(args)?;
    let hash = db_hash(args)?;
    let batch: u64 = args.parsed_or("batch", 1000)?.max(1);
    let rows: u64 = args.parsed_or("rows", 100_000)?;
    spec.requests = Some(rows.div_ceil(batch));
    spec.duration = None;
    spec.warmup = Duration::ZERO;
    let remote_id = "container-bench-remote";
    let started = Instant::now();
    let container = containers(args)?.remove(0);
    let info = current_info(&target, spec.addr, &container, &hash).await?;
    let merged = runner::run(
        &spec,
        Arc::new(Shape {
            target: target.clone(),
            op: Op::MergeItems {
                hash: hash.clone(),
                names: name_scheme(args)?,
                batch,
                remote_id: remote_id.into(),
            },
        }),
    )
    .await;
    let point = info.get("max_row").and_then(|v| v.as_i64()).unwrap_or(-1) + rows as i64;
    let request = Request::builder()
        .method(shapes::replicate_method())
        .uri(format!("/{}/{}/{hash}", target.device, target.partition))
        .header(HOST, &target.authority)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(shapes::merge_syncs_body(
            remote_id, point,
        ))))?;
    let (status, _, body) = runner::send_once(spec.addr, request)
        .await
        .map_err(|e| anyhow!(e))?;
    if !status.is_success() {
        bail!(
            "REPLICATE merge_syncs answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "secs={secs:.3} rows_per_s={:.1} p50_ms={:.3} p99_ms={:.3} errors={} gen_cpu={:.3} server_cpu={:.3}",
        (merged.ok * batch) as f64 / secs.max(1e-9),
        merged.summary.p50.as_secs_f64() * 1000.0,
        merged.summary.p99.as_secs_f64() * 1000.0,
        merged.errors,
        merged.generator_cpu.as_secs_f64() / secs.max(1e-9),
        merged.server_cpu.as_secs_f64() / secs.max(1e-9),
    );
    if merged.errors > 0 {
        bail!("merge_items failed: {:?}", merged.first_error);
    }
    Ok(())
}
