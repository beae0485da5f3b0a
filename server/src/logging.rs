//! Logging as the `log_*` options ask: to stderr by default, to syslog (a unix socket at
//! `log_address`, or UDP to `log_udp_host:log_udp_port`) when the config names a syslog
//! destination or facility; `log_level` filters, `log_name` is the syslog process name.

use std::io::Write;
use std::sync::{Arc, Mutex};
use syslog::{Facility, Formatter3164, Logger, LoggerBackend};
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// The `log_*` options that pick where and what to log.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// `log_name` (default `container-server`).
    pub name: String,
    /// `log_level` (Swift's names: DEBUG, INFO, WARNING, ERROR, CRITICAL).
    pub level: String,
    /// `log_facility` (e.g. `LOG_LOCAL2`), when given.
    pub facility: Option<String>,
    /// `log_address`, when given.
    pub address: Option<String>,
    /// `log_udp_host`, when given.
    pub udp_host: Option<String>,
    /// `log_udp_port` (default 514).
    pub udp_port: u16,
    /// `-v` on the command line: also log to stderr.
    pub verbose: bool,
}

impl LogOptions {
    /// Whether the options ask for syslog rather than stderr.
    pub fn wants_syslog(&self) -> bool {
        self.facility.is_some() || self.address.is_some() || self.udp_host.is_some()
    }
}

/// Swift's level names to a tracing filter directive.
fn filter_for(level: &str) -> &'static str {
    match level.trim().to_ascii_uppercase().as_str() {
        "DEBUG" => "debug",
        "WARNING" | "WARN" => "warn",
        "ERROR" | "CRITICAL" => "error",
        _ => "info",
    }
}

/// Installs the global logger. Falls back to stderr (saying so) when syslog is unreachable.
pub fn init(opts: &LogOptions) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter_for(&opts.level)));
    if opts.wants_syslog() && !opts.verbose {
        match connect_syslog(opts) {
            Ok(logger) => {
                let writer = SyslogMakeWriter {
                    logger: Arc::new(Mutex::new(logger)),
                };
                let _ = tracing_subscriber::fmt()
                    .with_env_filter(filter)
                    .with_writer(writer)
                    .with_ansi(false)
                    .without_time()
                    .with_target(false)
                    .with_level(false)
                    .try_init();
                return;
            }
            Err(err) => eprintln!("cannot reach syslog ({err}); logging to stderr"),
        }
    }
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

fn connect_syslog(opts: &LogOptions) -> Result<Logger<LoggerBackend, Formatter3164>, String> {
    let facility = match &opts.facility {
        Some(f) => f
            .parse::<Facility>()
            .map_err(|_| format!("unknown log_facility {f}"))?,
        None => Facility::LOG_LOCAL0,
    };
    let formatter = Formatter3164 {
        facility,
        hostname: None,
        process: opts.name.clone(),
        pid: std::process::id(),
    };
    if let Some(host) = &opts.udp_host {
        return syslog::udp(formatter, "0.0.0.0:0", (host.as_str(), opts.udp_port))
            .map_err(|e| e.to_string());
    }
    let address = opts.address.clone().unwrap_or_else(|| "/dev/log".into());
    syslog::unix_custom(formatter, address).map_err(|e| e.to_string())
}

/// Hands tracing a writer per event that sends the line to syslog at the event's level.
#[derive(Clone)]
struct SyslogMakeWriter {
    logger: Arc<Mutex<Logger<LoggerBackend, Formatter3164>>>,
}

/// One formatted event on its way to syslog.
struct SyslogLine {
    logger: Arc<Mutex<Logger<LoggerBackend, Formatter3164>>>,
    level: Level,
    buf: Vec<u8>,
}

impl<'a> MakeWriter<'a> for SyslogMakeWriter {
    type Writer = SyslogLine;

    fn make_writer(&'a self) -> SyslogLine {
        self.line(Level::INFO)
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> SyslogLine {
        self.line(*meta.level())
    }
}

impl SyslogMakeWriter {
    fn line(&self, level: Level) -> SyslogLine {
        SyslogLine {
            logger: self.logger.clone(),
            level,
            buf: Vec::with_capacity(256),
        }
    }
}

impl Write for SyslogLine {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for SyslogLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buf);
        let text = text.trim_end();
        if text.is_empty() {
            return;
        }
        let Ok(mut logger) = self.logger.lock() else {
            return;
        };
        let _ = match self.level {
            Level::ERROR => logger.err(text),
            Level::WARN => logger.warning(text),
            Level::INFO => logger.info(text),
            _ => logger.debug(text),
        };
    }
}
