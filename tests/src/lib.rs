//! Test support: start the real binary on a generated config, talk HTTP to it, run Swift's Python.
//!
//! [`TestServer::start`] writes swift.conf and container-server.conf into a temp dir with a
//! device `sda1`, starts `swift-container-server` on a free 127.0.0.1 port, waits until it
//! answers, and kills it (by PID) when dropped. [`TestServer::request`] sends any verb with
//! headers and a body and returns status, headers and body without treating 4xx/5xx as errors.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The hash prefix and suffix written into test swift.conf files.
pub const HASH_PREFIX: &str = "pre";
/// See [`HASH_PREFIX`].
pub const HASH_SUFFIX: &str = "suf";

/// swift.conf with two policies (0 `gold`, the default, and 1 `silver`).
pub fn swift_conf_text() -> String {
    format!(
        "[swift-hash]\nswift_hash_path_prefix = {HASH_PREFIX}\nswift_hash_path_suffix = {HASH_SUFFIX}\n\n\
         [storage-policy:0]\nname = gold\ndefault = yes\n\n[storage-policy:1]\nname = silver\n"
    )
}

/// Writes [`swift_conf_text`] as `<dir>/swift.conf`.
pub fn write_swift_conf(dir: &Path) -> PathBuf {
    let path = dir.join("swift.conf");
    std::fs::write(&path, swift_conf_text()).expect("write swift.conf");
    path
}

/// A port on 127.0.0.1 nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// The workspace's target profile directory (where cargo puts the binaries).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // .../target/<profile>/deps/<test-binary>
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .expect("test binary lives in target/<profile>/deps")
}

/// The `swift-container-server` binary, built once per test process (cargo does not build a
/// workspace member's binaries for another member's tests). `SWIFT_CONTAINER_SERVER_BIN`
/// overrides.
pub fn server_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(path) = std::env::var("SWIFT_CONTAINER_SERVER_BIN") {
            return PathBuf::from(path);
        }
        let dir = target_dir();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        // The same command scripts/test runs first, so features resolve the same way and this
        // is a no-op there (building one package alone can unify features differently).
        cmd.args(["build", "--quiet", "--workspace", "--bins"]);
        // Run the build in the environment the outer `cargo test` had: the variables cargo sets
        // for test processes (CARGO_MANIFEST_DIR, CARGO_PKG_*, ...) would make build scripts that
        // watch them rebuild, thrashing the shared target dir.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            let cargo_set = key.starts_with("CARGO_PKG_")
                || matches!(
                    key.as_str(),
                    "CARGO_MANIFEST_DIR"
                        | "CARGO_MANIFEST_PATH"
                        | "CARGO_CRATE_NAME"
                        | "CARGO_BIN_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_TARGET_TMPDIR"
                        | "CARGO_RUSTC_CURRENT_DIR"
                        | "OUT_DIR"
                );
            if cargo_set {
                cmd.env_remove(&key);
            }
        }
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(
            status.success(),
            "cargo build of swift-container-server failed"
        );
        dir.join("swift-container-server")
    })
    .clone()
}

/// Options for a test server's config.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Extra lines for `[app:container-server]` (e.g. `allowed_sync_hosts = ...`).
    pub app_lines: Vec<String>,
    /// Extra lines for `[DEFAULT]`.
    pub default_lines: Vec<String>,
    /// Devices to create under the devices dir.
    pub devices: Vec<String>,
    /// Contents of container-sync-realms.conf, if any.
    pub realms_conf: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            app_lines: Vec::new(),
            default_lines: Vec::new(),
            devices: vec!["sda1".into()],
            realms_conf: None,
        }
    }
}

/// A running `swift-container-server` on a temp dir; killed when dropped.
pub struct TestServer {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// The temp dir holding `etc/` (configs), `node/` (devices) and `server.log`.
    pub dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with default options.
    pub fn start() -> TestServer {
        TestServer::start_with(ServerOptions::default())
    }

    /// Starts a server with `opts`, waiting until it accepts connections.
    pub fn start_with(opts: ServerOptions) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        let node = dir.path().join("node");
        std::fs::create_dir_all(&etc).expect("mkdir etc");
        for dev in &opts.devices {
            std::fs::create_dir_all(node.join(dev)).expect("mkdir device");
        }
        write_swift_conf(&etc);
        if let Some(realms) = &opts.realms_conf {
            std::fs::write(etc.join("container-sync-realms.conf"), realms).expect("write realms");
        }
        for _ in 0..5 {
            let port = free_port();
            let conf = etc.join("container-server.conf");
            std::fs::write(&conf, server_conf_text(port, &node, &etc, &opts)).expect("write conf");
            let log_path = dir.path().join("server.log");
            let log = std::fs::File::create(&log_path).expect("create log");
            let log2 = log.try_clone().expect("clone log");
            let mut child = Command::new(server_binary())
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log2)
                .spawn()
                .expect("spawn swift-container-server");
            if wait_ready(&mut child, port, Duration::from_secs(30)) {
                return TestServer { child, port, dir };
            }
            // Port taken between probing and binding, or the server died: show why and retry.
            drop_child(&mut child);
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            eprintln!("server on port {port} did not start; log:\n{log}");
        }
        panic!("swift-container-server did not start");
    }

    /// The server's PID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server wrote to stdout/stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The devices directory.
    pub fn devices(&self) -> PathBuf {
        self.dir.path().join("node")
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends a request; `path` is sent as given (already percent-encoded as needed).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        raw_request(self.port, method, path, headers, body)
    }

    /// Sends SIGTERM and waits for the exit; the exit status code (None when killed).
    pub fn stop(&mut self) -> Option<i32> {
        // SAFETY: kill(2) on the PID of the child we spawned and have not reaped.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        drop_child(&mut self.child);
        None
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop_child(&mut self.child);
    }
}

fn wait_ready(child: &mut Child, port: u16, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn drop_child(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// The generated container-server.conf.
pub fn server_conf_text(
    port: u16,
    devices: &Path,
    swift_dir: &Path,
    opts: &ServerOptions,
) -> String {
    let mut text = format!(
        "[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = {port}\ndevices = {}\nmount_check = false\n\
         swift_dir = {}\nworkers = 1\nlog_level = DEBUG\n",
        devices.display(),
        swift_dir.display()
    );
    for line in &opts.default_lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(
        "\n[pipeline:main]\npipeline = healthcheck recon container-server\n\n\
         [app:container-server]\nuse = egg:swift#container\n",
    );
    for line in &opts.app_lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&format!(
        "\n[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n[filter:recon]\nuse = egg:swift#recon\n\
         recon_cache_path = {}\n",
        swift_dir.display()
    ));
    text
}

/// A response as received: status, headers in order (names as sent), body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// The reason phrase of the status line.
    pub reason: String,
    /// Headers as (name, value), in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }
}

/// Sends one HTTP/1.1 request on a fresh connection (`Connection: close`) and reads the whole
/// answer. A raw client so any verb, path bytes and header can be sent exactly as given.
pub fn raw_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to server");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    let mut has_length = false;
    for (name, value) in headers {
        has_length |= name.eq_ignore_ascii_case("content-length");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_length
        && (!body.is_empty() || matches!(method, "PUT" | "POST" | "UPDATE" | "REPLICATE"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write request");
    stream.write_all(body).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    parse_response(&raw, method == "HEAD")
}

fn parse_response(raw: &[u8], head_only: bool) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "no header end in response: {:?}",
                String::from_utf8_lossy(raw)
            )
        });
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let reason = parts.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if head_only {
        body.clear();
    } else if chunked {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        reason,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = data.windows(2).position(|w| w == b"\r\n") {
        let size_txt = String::from_utf8_lossy(&data[..pos]);
        let size = usize::from_str_radix(size_txt.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        data = &data[pos + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}

/// The Swift 2.38.3 venv: `SWIFT_VENV`, else the one `scripts/swift-venv.sh` makes (created on
/// first use). None when it cannot be had (interop tests then fail loudly, not skip).
pub fn swift_venv() -> Option<PathBuf> {
    static VENV: OnceLock<Option<PathBuf>> = OnceLock::new();
    VENV.get_or_init(|| {
        if let Ok(path) = std::env::var("SWIFT_VENV") {
            let p = PathBuf::from(path);
            if p.join("bin/python").exists() {
                return Some(p);
            }
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/swift-venv.sh");
        let out = Command::new("bash")
            .arg(script)
            .stderr(Stdio::inherit())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        path.join("bin/python").exists().then_some(path)
    })
    .clone()
}

/// Runs Python code with the venv's interpreter; returns stdout, panicking with stderr on failure.
pub fn run_python(code: &str, args: &[&str]) -> String {
    let venv = swift_venv().expect("Swift venv (set SWIFT_VENV or run scripts/swift-venv.sh)");
    let out = Command::new(venv.join("bin/python"))
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The directory of a container's DB under `devices`, as Swift lays it out, for the test salt.
pub fn container_dir(
    devices: &Path,
    device: &str,
    part: u64,
    account: &str,
    container: &str,
) -> PathBuf {
    let salt = swift_common::hash::HashSalt {
        prefix: HASH_PREFIX.into(),
        suffix: HASH_SUFFIX.into(),
    };
    let hash = swift_common::hash::hash_path(&salt, account, Some(container), None);
    swift_common::hash::container_dir(devices, device, part, &hash)
}

/// Swift 2.38.3's own Python container server, run from the venv on the same kind of config as
/// [`TestServer`] (same salt and policies), for side-by-side comparisons. Killed when dropped.
pub struct PythonServer {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// The temp dir holding its configs, devices and log.
    pub dir: tempfile::TempDir,
}

/// Starts Swift's server with `swift.conf` from our test swift_dir (Python only reloads the
/// storage policies from there when told to, so the launcher does it first).
const PYTHON_LAUNCHER: &str = "import sys\n\
import swift.common.utils as u\n\
u.SWIFT_CONF_FILE = sys.argv[1] + '/swift.conf'\n\
u.validate_configuration()\n\
from swift.common.storage_policy import reload_storage_policies\n\
reload_storage_policies()\n\
from swift.common.wsgi import run_wsgi\n\
sys.exit(run_wsgi(sys.argv[2], 'container-server', verbose=True))\n";

impl PythonServer {
    /// Starts it with `opts` (the same options [`TestServer::start_with`] takes).
    pub fn start_with(opts: ServerOptions) -> PythonServer {
        let venv = swift_venv().expect("Swift venv (set SWIFT_VENV or run scripts/swift-venv.sh)");
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        let node = dir.path().join("node");
        std::fs::create_dir_all(&etc).expect("mkdir etc");
        for dev in &opts.devices {
            std::fs::create_dir_all(node.join(dev)).expect("mkdir device");
        }
        write_swift_conf(&etc);
        if let Some(realms) = &opts.realms_conf {
            std::fs::write(etc.join("container-sync-realms.conf"), realms).expect("write realms");
        }
        for _ in 0..5 {
            let port = free_port();
            let conf = etc.join("container-server.conf");
            // One process (workers = 0), so killing its PID stops it all.
            let text =
                server_conf_text(port, &node, &etc, &opts).replace("workers = 1", "workers = 0");
            std::fs::write(&conf, text).expect("write conf");
            let log_path = dir.path().join("server.log");
            let log = std::fs::File::create(&log_path).expect("create log");
            let log2 = log.try_clone().expect("clone log");
            let mut child = Command::new(venv.join("bin/python"))
                .arg("-c")
                .arg(PYTHON_LAUNCHER)
                .arg(&etc)
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(log2)
                .spawn()
                .expect("spawn Swift's container server");
            if wait_ready(&mut child, port, Duration::from_secs(60)) {
                return PythonServer { child, port, dir };
            }
            drop_child(&mut child);
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            eprintln!("Python server on port {port} did not start; log:\n{log}");
        }
        panic!("Swift's container server did not start");
    }

    /// Sends a request, as [`TestServer::request`].
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        raw_request(self.port, method, path, headers, body)
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        drop_child(&mut self.child);
    }
}
