//! `swift-container-server [CONF] [-v] [--help]`: runs the container server on a config file
//! or conf.d directory, or on the embedded development config when none is given.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use swift_common::config::ConfFile;
use swift_common::db::BrokerCache;
use swift_container_server::app::{router, AppState};
use swift_container_server::logging::{self, LogOptions};
use swift_container_server::middleware::PipelineConfig;
use swift_container_server::settings::Settings;
use tokio::signal::unix::{signal, SignalKind};

/// The config used when no CONF is given (see etc/embedded-container-server.conf).
const EMBEDDED_CONF: &str = include_str!("../../etc/embedded-container-server.conf");

/// swift.conf written next to the embedded config's data when missing (development only).
const EMBEDDED_SWIFT_CONF: &str = "[swift-hash]\nswift_hash_path_prefix = rust-dev-prefix\nswift_hash_path_suffix = rust-dev-suffix\n\n[storage-policy:0]\nname = gold\ndefault = yes\n";

const USAGE: &str = "Usage: swift-container-server [CONFIG] [options]

Runs Swift's container server (a drop-in replacement for Swift 2.38.3's).

CONFIG is a container-server.conf file or a conf.d directory. Without it, an
embedded development config is used: 127.0.0.1:6201, devices under ./.data/devices
(sda1 created), swift.conf in ./.data, mount_check off.

Options:
  -v, --verbose       log to the console (stderr) even when the config asks for syslog
  -t, --test-config   load and check the config, then exit
  -h, --help          show this help and exit
";

/// The command line.
struct Args {
    conf: Option<PathBuf>,
    verbose: bool,
    test_config: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        conf: None,
        verbose: false,
        test_config: false,
    };
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "-v" | "--verbose" => args.verbose = true,
            "-t" | "--test-config" => args.test_config = true,
            // swift-init passes these to every daemon; a server ignores them as Swift's does.
            "once" | "-o" | "--once" => {}
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n\n{USAGE}")),
            s if args.conf.is_none() => args.conf = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument {s}\n\n{USAGE}")),
        }
    }
    Ok(args)
}

/// Loads the given config, or prepares ./.data and returns the embedded one.
fn load_conf(args: &Args) -> Result<ConfFile, String> {
    match &args.conf {
        Some(path) => ConfFile::load(path)
            .map_err(|e| format!("Unable to read config from {}: {e}", path.display())),
        None => {
            prepare_embedded_data(Path::new(".data"))
                .map_err(|e| format!("cannot prepare ./.data: {e}"))?;
            ConfFile::parse_str(EMBEDDED_CONF).map_err(|e| format!("embedded config: {e}"))
        }
    }
}

fn prepare_embedded_data(data: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(data.join("devices").join("sda1"))?;
    std::fs::create_dir_all(data.join("recon"))?;
    let swift_conf = data.join("swift.conf");
    if !swift_conf.exists() {
        std::fs::write(&swift_conf, EMBEDDED_SWIFT_CONF)?;
    }
    Ok(())
}

fn log_options(settings: &Settings, verbose: bool) -> LogOptions {
    let raw = &settings.server.raw;
    // Swift defaults to syslog at /dev/log; we log to stderr unless the config names a
    // syslog destination or facility.
    LogOptions {
        name: settings.server.log_name.clone(),
        level: settings.server.log_level.clone(),
        facility: raw.get("log_facility").map(str::to_string),
        address: raw.get("log_address").map(str::to_string),
        udp_host: settings.server.log_udp_host.clone(),
        udp_port: settings.server.log_udp_port,
        verbose,
    }
}

/// Binds, retrying for `bind_timeout` seconds as Swift does while the port is busy.
fn bind(ip: &str, port: u16, timeout: Duration) -> Result<std::net::TcpListener, String> {
    let start = Instant::now();
    loop {
        match std::net::TcpListener::bind((ip, port)) {
            Ok(l) => return Ok(l),
            Err(err)
                if start.elapsed() < timeout && err.kind() == std::io::ErrorKind::AddrInUse =>
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(err) => {
                return Err(format!(
                    "Could not bind to {ip}:{port} after trying for {} seconds: {err}",
                    timeout.as_secs()
                ))
            }
        }
    }
}

/// Once the port is bound, stop holding stdout/stderr pipes open: swift-init reads our stdout
/// until EOF and only then considers the server started (the Python server does the same).
fn release_stdio_pipes() {
    use std::os::fd::AsRawFd;
    let Ok(devnull) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    else {
        return;
    };
    for fd in [1, 2] {
        // SAFETY: fstat on a standard fd into a zeroed struct we own; dup2 onto fds 1/2 only.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let is_pipe = unsafe { libc::fstat(fd, &mut st) } == 0
            && (st.st_mode & libc::S_IFMT) == libc::S_IFIFO;
        if is_pipe {
            unsafe { libc::dup2(devnull.as_raw_fd(), fd) };
        }
    }
}

/// Why the serving loop ended.
enum Stop {
    /// SIGTERM or SIGINT: exit.
    Exit,
    /// SIGHUP: re-run ourselves with the same arguments (a reload, keeping the PID).
    Reload,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let conf = match load_conf(&args) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(1);
        }
    };
    let settings = match Settings::from_conf(&conf) {
        Ok(s) => s,
        Err(err) => {
            eprintln!("Error: {err}");
            return ExitCode::from(1);
        }
    };
    if args.test_config {
        println!("config OK");
        return ExitCode::SUCCESS;
    }
    logging::init(&log_options(&settings, args.verbose));
    let listener = match bind(
        &settings.server.bind_ip,
        settings.server.bind_port,
        Duration::from_secs(settings.server.bind_timeout),
    ) {
        Ok(l) => l,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(1);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("cannot start the runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let stop = runtime.block_on(run(listener, conf, settings, !args.verbose));
    runtime.shutdown_timeout(Duration::from_secs(5));
    match stop {
        Ok(Stop::Exit) => ExitCode::SUCCESS,
        Ok(Stop::Reload) => reexec(),
        Err(msg) => {
            tracing::error!("{msg}");
            ExitCode::from(1)
        }
    }
}

async fn run(
    listener: std::net::TcpListener,
    conf: ConfFile,
    settings: Settings,
    release_stdio: bool,
) -> Result<Stop, String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let max_clients = usize::try_from(settings.server.max_clients).unwrap_or(usize::MAX);
    let client_timeout = std::time::Duration::try_from_secs_f64(settings.server.client_timeout)
        .unwrap_or(std::time::Duration::from_secs(60));
    let conf = Arc::new(conf);
    let brokers = Arc::new(BrokerCache::default());
    let tasks = swift_sync::start_in_process(&conf, brokers.clone());
    let state = Arc::new(AppState {
        settings,
        conf,
        brokers,
    });
    let pipeline = PipelineConfig::from_conf(&state.conf).map_err(|e| e.to_string())?;
    let app = router(state, pipeline);
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut hup = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
    // Only now, with the port bound and the signals ours, tell a launcher we are up.
    if release_stdio {
        release_stdio_pipes();
    }
    tracing::info!(
        "Started container-server on {addr} (pid {})",
        std::process::id()
    );
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<Stop>();
    let waiter = tokio::spawn(async move {
        let why = tokio::select! {
            _ = term.recv() => Stop::Exit,
            _ = int.recv() => Stop::Exit,
            _ = hup.recv() => Stop::Reload,
        };
        let _ = stop_tx.send(why);
    });
    let (why_tx, why_rx) = tokio::sync::oneshot::channel::<Stop>();
    let stop_signal = async move {
        let why = stop_rx.await.unwrap_or(Stop::Exit);
        let _ = why_tx.send(why);
    };
    swift_container_server::serve::serve(listener, app, max_clients, client_timeout, stop_signal)
        .await;
    waiter.abort();
    for task in tasks {
        task.abort();
    }
    let why = why_rx.await.unwrap_or(Stop::Exit);
    tracing::info!("container-server stopped");
    Ok(why)
}

/// Replaces this process with a fresh copy of itself (same PID, same arguments).
fn reexec() -> ExitCode {
    use std::os::unix::process::CommandExt;
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(err) => {
            eprintln!("cannot reload: {err}");
            return ExitCode::from(1);
        }
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .exec();
    eprintln!("cannot reload: {err}");
    ExitCode::from(1)
}
