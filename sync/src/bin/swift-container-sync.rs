//! `swift-container-sync CONF [once] [verbose]`: Swift's container-sync daemon, standalone.
//!
//! `once` (or `-o`/`--once`, or `daemonize = false`) runs one full pass and exits when it is
//! done; otherwise it scans forever. `verbose` (`-v`) logs to the console; without it a
//! forever daemon lets go of stdout/stderr once started, as Swift's daemons do, so that
//! swift-init (which reads our stdout until it closes) returns.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use swift_common::config::ConfFile;
use swift_sync::container_sync::{direct_opener, setup};

fn usage() -> ExitCode {
    eprintln!("Usage: swift-container-sync CONFIG_FILE [once] [verbose]");
    ExitCode::from(1)
}

fn detach_stdio() {
    // SAFETY: plain libc calls on fds we own; failure leaves the fds as they were.
    unsafe {
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if fd >= 0 {
            libc::dup2(fd, 0);
            libc::dup2(fd, 1);
            libc::dup2(fd, 2);
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
}

fn main() -> ExitCode {
    let mut conf_path: Option<PathBuf> = None;
    let (mut once, mut verbose) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "once" | "-o" | "--once" => once = true,
            "verbose" | "-v" | "--verbose" => verbose = true,
            "-h" | "--help" => return usage(),
            _ if conf_path.is_none() => conf_path = Some(PathBuf::from(arg)),
            _ => {}
        }
    }
    let Some(conf_path) = conf_path else {
        return usage();
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("SWIFT_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
    let conf = match ConfFile::load(&conf_path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let daemon = match setup::from_conf(&conf, direct_opener()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let once = once || !daemon.conf().daemonize;
    tracing::info!("Starting {}", std::process::id());
    if once {
        daemon.run_once();
    } else {
        if !verbose {
            detach_stdio();
        }
        daemon.run_forever(&|| false);
    }
    tracing::info!("Exited {}", std::process::id());
    ExitCode::SUCCESS
}
