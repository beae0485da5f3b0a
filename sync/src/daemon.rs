//! The shared runner of every background task (container sync, replicator, updater, auditor):
//! Swift's `Daemon`/`run_daemon` semantics in one place.
//!
//! A task implements [`Daemon`] (one full pass, plus its `interval`). Then:
//! - in the server process: [`spawn_thread`] runs [`run_forever`] on its own thread, unless the
//!   task's section says `in_process = false` ([`runs_in_process`]);
//! - standalone (`swift-container-<x> CONF [once] [verbose]`): [`standalone_main`] parses the
//!   command line, loads the conf file or conf.d dir, reads the task's section (readconf rules),
//!   sets up logging ([`init_logging`]: stderr, or syslog when `log_address`/`log_facility`/
//!   `log_udp_host` is set), then runs one pass (`once`, or `daemonize = false`) or forever.
//!
//! [`run_forever`] sleeps a random fraction of `interval` first (as Swift does, so that nodes do
//! not all start together), then runs a pass every `interval` (at once if a pass took longer).
//! [`dump_recon_cache`] merges keys into the recon cache file (`<recon_cache_path>/container.recon`,
//! default `/var/cache/swift`) under an flock, as Swift's `dump_recon_cache`, so the replicator,
//! updater and auditor keys live side by side in one JSON object that `swift-recon` reads.
//! [`Brokers`] opens DBs through the server's shared `BrokerCache` in-process, directly otherwise.
//! Everything here blocks: tasks run on plain threads, never on the async executor.

use serde_json::{Map, Value};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use swift_common::config::{ConfFile, Section};
use swift_common::db::{BrokerCache, ContainerBroker};

/// Swift's default `recon_cache_path`.
pub const DEFAULT_RECON_CACHE_PATH: &str = "/var/cache/swift";
/// The recon cache file of the container daemons.
pub const RECON_CONTAINER_FILE: &str = "container.recon";

/// How a pass was started: Swift logs (and the updater runs) `once` passes differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `once` on the command line: one pass, then exit.
    Once,
    /// One of the passes of `run_forever`.
    Forever,
}

/// A background task: one full pass over this node's DBs, repeated every `interval`.
pub trait Daemon: Send {
    /// Time from the start of one pass to the start of the next (`interval` option).
    fn interval(&self) -> Duration;
    /// Runs one full pass; returns early when `stop` is set.
    fn run_pass(&mut self, mode: Mode, stop: &Stop);
}

/// A flag asking a running task to finish (between DBs) and return.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// A flag that is not set.
    pub fn new() -> Stop {
        Stop::default()
    }
    /// Asks the task to stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Has a stop been asked for?
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    /// Sleeps `d` or until stopped; true when stopped.
    pub fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.is_stopped() {
                return true;
            }
            let now = Instant::now();
            if now >= end {
                return false;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(100)));
        }
    }
}

/// One pass, with a panic logged instead of ending the task (Swift logs and carries on).
fn guarded_pass(daemon: &mut dyn Daemon, mode: Mode, stop: &Stop) {
    let run = std::panic::AssertUnwindSafe(|| daemon.run_pass(mode, stop));
    if std::panic::catch_unwind(run).is_err() {
        tracing::error!("ERROR: pass ended by an internal error");
    }
}

/// Swift's `run_once`: exactly one full pass, finished when this returns.
pub fn run_once(daemon: &mut dyn Daemon, stop: &Stop) {
    guarded_pass(daemon, Mode::Once, stop);
}

/// Swift's `run_forever`: a random start delay in `[0, interval)`, then a pass every `interval`.
pub fn run_forever(daemon: &mut dyn Daemon, stop: &Stop) {
    if stop.sleep(daemon.interval().mul_f64(rand::random::<f64>())) {
        return;
    }
    loop {
        let begin = Instant::now();
        guarded_pass(daemon, Mode::Forever, stop);
        let elapsed = begin.elapsed();
        let interval = daemon.interval();
        let rest = interval.saturating_sub(elapsed);
        if stop.is_stopped() || (!rest.is_zero() && stop.sleep(rest)) {
            return;
        }
    }
}

/// Runs `work` on a named thread (tasks block on SQLite and sockets); the handle resolves when
/// the thread ends. Call from inside a tokio runtime.
pub fn spawn_thread(
    name: &str,
    work: impl FnOnce() + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            work();
            let _ = done_tx.send(());
        });
    if let Err(e) = spawned {
        tracing::error!("{name} not started: {e}");
    }
    tokio::spawn(async move {
        let _ = done_rx.await;
    })
}

/// Whether the server runs this task's section in its own process (`in_process`, default
/// true). Operators who run `swift-container-<x>` standalone set `in_process = false`.
pub fn runs_in_process(section: &Section) -> bool {
    section.get_bool("in_process", true)
}

/// How tasks open container DBs: the server's shared cache in-process, a fresh broker alone.
#[derive(Debug, Clone, Default)]
pub struct Brokers {
    cache: Option<Arc<BrokerCache>>,
}

impl Brokers {
    /// Open each DB with its own broker (standalone daemons).
    pub fn direct() -> Brokers {
        Brokers { cache: None }
    }
    /// Share the server's brokers.
    pub fn shared(cache: Arc<BrokerCache>) -> Brokers {
        Brokers { cache: Some(cache) }
    }
    /// The broker of the DB file `db_file` (names are read from the DB).
    pub fn open(&self, db_file: &Path) -> Arc<ContainerBroker> {
        let dir = db_file.parent().unwrap_or(Path::new("/"));
        match &self.cache {
            Some(cache) => cache.get_or_open(dir, "", ""),
            None => Arc::new(ContainerBroker::new(
                dir,
                "",
                "",
                Duration::from_secs(25),
                Duration::from_secs(10),
            )),
        }
    }
    /// Drops a cached broker whose DB dir moved away (quarantine).
    pub fn forget(&self, db_dir: &Path) {
        if let Some(cache) = &self.cache {
            cache.forget(db_dir);
        }
    }
}

/// Swift's `ismount`: a directory on another filesystem than its parent (or `/`); a symlink only
/// when it holds a `.ismount` file. Errors mean "not mounted".
pub fn ismount(path: &Path) -> bool {
    let Ok(s1) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if s1.file_type().is_symlink() {
        return path.join(".ismount").is_file();
    }
    let Ok(s2) = std::fs::symlink_metadata(path.join("..")) else {
        return false;
    };
    s1.dev() != s2.dev() || s1.ino() == s2.ino()
}

/// Swift's `check_drive`: the device path when `drive` is a plain name (`quote_plus` leaves it
/// unchanged) and is mounted (`mount_check`) or a directory; else Swift's warning text.
pub fn check_drive(devices: &Path, drive: &str, mount_check: bool) -> Result<PathBuf, String> {
    let plain = !drive.is_empty()
        && drive
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-~".contains(&b));
    if !plain {
        return Err(format!("{drive} is not a valid drive name"));
    }
    let path = devices.join(drive);
    if mount_check {
        if !ismount(&path) {
            return Err(format!("{} is not mounted", path.display()));
        }
    } else if !path.is_dir() {
        return Err(format!("{} is not a directory", path.display()));
    }
    Ok(path)
}

/// Swift's `EventletRateLimiter`: `wait()` paces calls to at most `per_second` (0: no limit).
#[derive(Debug)]
pub struct RateLimiter {
    step: Option<Duration>,
    next: Instant,
}

impl RateLimiter {
    /// A limiter allowing `per_second` calls a second.
    pub fn new(per_second: f64) -> RateLimiter {
        let step = (per_second > 0.0 && per_second.is_finite())
            .then(|| Duration::from_secs_f64(1.0 / per_second));
        RateLimiter {
            step,
            next: Instant::now(),
        }
    }
    /// Sleeps until the next call is allowed.
    pub fn wait(&mut self) {
        let Some(step) = self.step else { return };
        let now = Instant::now();
        if self.next < now {
            self.next = now;
        }
        if self.next > now {
            std::thread::sleep(self.next - now);
        }
        self.next += step;
    }
}

/// Seconds since the epoch, as Python's `time.time()`.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The recon cache file of a task section: `<recon_cache_path>/container.recon`.
pub fn recon_cache_file(section: &Section) -> PathBuf {
    Path::new(section.get_or("recon_cache_path", DEFAULT_RECON_CACHE_PATH))
        .join(RECON_CONTAINER_FILE)
}

/// Swift's `put_recon_cache_entry`: a dict value merges into the stored dict (an empty dict
/// removes the key, and so does an empty dict member); anything else replaces.
fn put_recon_entry(entry: &mut Map<String, Value>, key: &str, item: Value) {
    match item {
        Value::Object(item) if item.is_empty() => {
            entry.remove(key);
        }
        Value::Object(item) => {
            let slot = entry
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(stored) = slot {
                for (k, v) in item {
                    if v.as_object().is_some_and(Map::is_empty) {
                        stored.remove(&k);
                    } else {
                        stored.insert(k, v);
                    }
                }
            }
        }
        other => {
            entry.insert(key.to_string(), other);
        }
    }
}

/// Sorts object keys at every depth (Python's `sort_keys=True`).
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut pairs: Vec<(String, Value)> = m.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Takes Swift's `lock_file` lock (flock on the file itself, retried for up to `timeout`).
fn lock_recon(file: &Path, timeout: Duration) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    let end = Instant::now() + timeout;
    loop {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(file)?;
        loop {
            // SAFETY: flock on an fd we own for the duration of the call.
            let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc == 0 {
                break;
            }
            if Instant::now() >= end {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("lock timeout on {}", file.display()),
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // The file may have been replaced while we waited: lock the one now at the path.
        match std::fs::metadata(file) {
            Ok(m) if m.ino() == f.metadata()?.ino() => return Ok(f),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Swift's `dump_recon_cache`: merges `entries` into the JSON object in `file` (created when
/// absent, rewritten whole when unreadable) and replaces the file atomically, keys sorted.
pub fn dump_recon_cache(file: &Path, entries: Map<String, Value>) -> std::io::Result<()> {
    let mut locked = lock_recon(file, Duration::from_secs(2))?;
    let mut text = String::new();
    locked.rewind()?;
    let _ = locked.read_to_string(&mut text);
    let first_line = text.lines().next().unwrap_or("");
    let mut entry = match serde_json::from_str::<Value>(first_line) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in entries {
        put_recon_entry(&mut entry, &k, v);
    }
    let body = swift_common::db::metadata::py_json_dumps(&sorted(Value::Object(entry)));
    let dir = file.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.{:x}.tmp",
        RECON_CONTAINER_FILE,
        std::process::id(),
        rand::random::<u32>()
    ));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(body.as_bytes())?;
        f.write_all(b"\n")
    });
    let result = written.and_then(|_| std::fs::rename(&tmp, file));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    drop(locked);
    result
}

/// [`dump_recon_cache`] that logs a failure as Swift does instead of returning it.
pub fn dump_recon(file: &Path, entries: Map<String, Value>) {
    if let Err(e) = dump_recon_cache(file, entries) {
        tracing::error!("Exception dumping recon cache: {e}");
    }
}

/// The command line of a standalone daemon: `CONF [once] [verbose]` (or `-o`, `-v`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonArgs {
    /// Conf file or conf.d directory.
    pub conf_path: PathBuf,
    /// One pass, then exit.
    pub once: bool,
    /// Log to the console too, and keep stdout/stderr.
    pub verbose: bool,
}

impl DaemonArgs {
    /// Parses `args` (without the program name); `None` when no conf path was given.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Option<DaemonArgs> {
        let (mut conf_path, mut once, mut verbose) = (None, false, false);
        for arg in args {
            match arg.as_str() {
                "once" | "-o" | "--once" => once = true,
                "verbose" | "-v" | "--verbose" => verbose = true,
                _ if conf_path.is_none() && !arg.starts_with('-') => {
                    conf_path = Some(PathBuf::from(arg))
                }
                _ => {}
            }
        }
        Some(DaemonArgs {
            conf_path: conf_path?,
            once,
            verbose,
        })
    }
}

/// The `log_*` options of a section to a logger: stderr (always when `verbose`), plus syslog
/// when `log_address`, `log_facility` or `log_udp_host` is set and reachable. `log_level`
/// filters (`SWIFT_LOG` overrides); `log_name` (default `default_name`) names the process.
pub fn init_logging(section: &Section, default_name: &str, verbose: bool) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let level = match section
        .get_or("log_level", "INFO")
        .to_ascii_uppercase()
        .as_str()
    {
        "DEBUG" => "debug",
        "WARNING" | "WARN" => "warn",
        "ERROR" | "CRITICAL" => "error",
        _ => "info",
    };
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("SWIFT_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level))
    };
    let syslog = connect_syslog(section, default_name);
    let to_stderr = verbose || syslog.is_none();
    let stderr_layer = to_stderr.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_target(false)
            .with_filter(filter())
    });
    let syslog_layer = syslog.map(|logger| {
        tracing_subscriber::fmt::layer()
            .with_writer(SyslogWriter(Arc::new(Mutex::new(logger))))
            .with_ansi(false)
            .without_time()
            .with_target(false)
            .with_level(false)
            .with_filter(filter())
    });
    let _ = tracing_subscriber::registry()
        .with(stderr_layer)
        .with(syslog_layer)
        .try_init();
}

type SyslogLogger = syslog::Logger<syslog::LoggerBackend, syslog::Formatter3164>;

fn connect_syslog(section: &Section, default_name: &str) -> Option<SyslogLogger> {
    let address = section.get("log_address");
    let facility_name = section.get("log_facility");
    let udp_host = section.get("log_udp_host").filter(|h| !h.is_empty());
    if address.is_none() && facility_name.is_none() && udp_host.is_none() {
        return None;
    }
    let facility = facility_name
        .and_then(|f| f.parse::<syslog::Facility>().ok())
        .unwrap_or(syslog::Facility::LOG_LOCAL0);
    let formatter = syslog::Formatter3164 {
        facility,
        hostname: None,
        process: section.get_or("log_name", default_name).to_string(),
        pid: std::process::id(),
    };
    let logger = match udp_host {
        Some(host) => {
            let port = section.get_u64("log_udp_port", 514).unwrap_or(514) as u16;
            syslog::udp(formatter, "0.0.0.0:0", (host, port)).map_err(|e| e.to_string())
        }
        None => {
            syslog::unix_custom(formatter, address.unwrap_or("/dev/log")).map_err(|e| e.to_string())
        }
    };
    logger
        .map_err(|e| eprintln!("cannot reach syslog ({e}); logging to stderr"))
        .ok()
}

/// Sends each formatted event to syslog at its level.
#[derive(Clone)]
struct SyslogWriter(Arc<Mutex<SyslogLogger>>);

/// One event's text on its way to syslog (sent when dropped).
struct SyslogLine {
    logger: Arc<Mutex<SyslogLogger>>,
    level: tracing::Level,
    buf: Vec<u8>,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for SyslogWriter {
    type Writer = SyslogLine;
    fn make_writer(&'a self) -> SyslogLine {
        self.line(tracing::Level::INFO)
    }
    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> SyslogLine {
        self.line(*meta.level())
    }
}

impl SyslogWriter {
    fn line(&self, level: tracing::Level) -> SyslogLine {
        SyslogLine {
            logger: self.0.clone(),
            level,
            buf: Vec::new(),
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
            tracing::Level::ERROR => logger.err(text),
            tracing::Level::WARN => logger.warning(text),
            tracing::Level::INFO => logger.info(text),
            _ => logger.debug(text),
        };
    }
}

/// Points stdin/stdout/stderr at /dev/null, as Swift's `capture_stdio` does for a daemon that
/// is not verbose, so that swift-init (which reads our output until it closes) returns.
pub fn detach_stdio() {
    // SAFETY: plain libc calls on descriptors this process owns.
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

/// The whole `main` of a standalone `swift-container-<x>`: `section` names the task
/// (`container-updater`), `build` makes the daemon from the loaded conf and its section.
/// Exits 1 with Swift's message when the conf or the section cannot be used.
pub fn standalone_main<D: Daemon>(
    section_name: &str,
    build: impl FnOnce(&ConfFile, &Section) -> Result<D, String>,
) -> ExitCode {
    let Some(args) = DaemonArgs::parse(std::env::args().skip(1)) else {
        eprintln!("Usage: swift-{section_name} CONFIG [once] [verbose]");
        return ExitCode::from(1);
    };
    let conf = match ConfFile::load(&args.conf_path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let section = match conf.try_section(section_name) {
        Ok(Some(s)) => s,
        Ok(None) => {
            eprintln!(
                "Unable to find {section_name} config section in {}",
                args.conf_path.display()
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let once = args.once || !section.get_bool("daemonize", true);
    init_logging(&section, section_name, args.verbose);
    let mut daemon = match build(&conf, &section) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    tracing::info!("Starting {}", std::process::id());
    let stop = Stop::new();
    if once {
        run_once(&mut daemon, &stop);
    } else {
        if !args.verbose {
            detach_stdio();
        }
        run_forever(&mut daemon, &stop);
    }
    tracing::info!("Exited {}", std::process::id());
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recon_merges_like_swift() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join(RECON_CONTAINER_FILE);
        std::fs::write(
            &f,
            "{\"replication_time\": 1.5, \"nested\": {\"a\": 1, \"b\": 2}}\n",
        )
        .unwrap();
        let mut m = Map::new();
        m.insert("container_updater_sweep".into(), json!(0.25));
        m.insert("nested".into(), json!({"a": {}, "c": 3}));
        dump_recon_cache(&f, m).unwrap();
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "{\"container_updater_sweep\": 0.25, \"nested\": {\"b\": 2, \"c\": 3}, \
             \"replication_time\": 1.5}\n"
        );
        std::fs::write(&f, "not json").unwrap();
        let mut m = Map::new();
        m.insert("x".into(), json!({}));
        m.insert("y".into(), json!(7));
        dump_recon_cache(&f, m).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "{\"y\": 7}\n");
    }

    #[test]
    fn args_and_drives() {
        let a = DaemonArgs::parse(["c.conf", "once", "-v"].map(String::from)).unwrap();
        assert_eq!(
            (a.conf_path, a.once, a.verbose),
            (PathBuf::from("c.conf"), true, true)
        );
        assert!(DaemonArgs::parse(["once".to_string()]).is_none());
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sdb1")).unwrap();
        assert!(check_drive(d.path(), "sdb1", false).is_ok());
        assert!(check_drive(d.path(), "sdb1", true).is_err());
        assert!(check_drive(d.path(), "../x", false).is_err());
        assert!(check_drive(d.path(), "nope", false).is_err());
    }

    struct Counter(u32, Duration);
    impl Daemon for Counter {
        fn interval(&self) -> Duration {
            self.1
        }
        fn run_pass(&mut self, mode: Mode, stop: &Stop) {
            assert_eq!(mode, Mode::Forever);
            self.0 += 1;
            if self.0 == 3 {
                stop.stop();
            }
        }
    }

    #[test]
    fn forever_repeats_until_stopped() {
        let mut c = Counter(0, Duration::from_millis(20));
        run_forever(&mut c, &Stop::new());
        assert_eq!(c.0, 3);
    }
}
