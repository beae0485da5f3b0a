//! Shared by the `sync_*` tests: container DBs and rings written by Swift's own Python code, a
//! fake object server to read objects from, a fake remote cluster that records every request
//! (and can be told to fail some), and `swift-container-sync CONF once` runs.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// Our node's port in the container ring (sync's port range; nothing listens there).
pub const OUR_PORT: u16 = 20001;
pub const T0: f64 = 1_700_000_000.0;

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

pub type Handler = Arc<dyn Fn(&Recorded) -> (u16, Vec<(String, String)>, Vec<u8>) + Send + Sync>;

/// A tiny HTTP/1.1 server on 127.0.0.1:0 that records requests and answers with `handler`.
pub struct FakeServer {
    pub port: u16,
    pub log: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeServer {
    pub fn start(handler: Handler) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = handler.clone();
                let log = log2.clone();
                std::thread::spawn(move || serve(stream, handler, log));
            }
        });
        FakeServer { port, log }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

/// Answers one request per connection (`Connection: close`).
pub fn serve(stream: TcpStream, handler: Handler, log: Arc<Mutex<Vec<Recorded>>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
    }
    let mut body = Vec::new();
    if let Some(n) = headers.get("content-length") {
        body.resize(n.parse().unwrap(), 0);
        reader.read_exact(&mut body).unwrap();
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|v| v == "chunked")
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let req = Recorded {
        method,
        path,
        headers,
        body,
    };
    let (status, resp_headers, resp_body) = handler(&req);
    log.lock().unwrap().push(req.clone());
    let mut out = format!("HTTP/1.1 {status} X\r\n");
    for (k, v) in &resp_headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        resp_body.len()
    ));
    let mut bytes = out.into_bytes();
    if req.method != "HEAD" {
        bytes.extend_from_slice(&resp_body);
    }
    let _ = writer.write_all(&bytes);
}

pub fn swift_python() -> PathBuf {
    let venv = match std::env::var("SWIFT_VENV") {
        Ok(v) if !v.is_empty() => PathBuf::from(v),
        _ => {
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/swift-venv.sh");
            let out = Command::new(script)
                .output()
                .expect("run scripts/swift-venv.sh");
            assert!(
                out.status.success(),
                "swift-venv.sh failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
        }
    };
    venv.join("bin/python")
}

/// Runs Python `code` with Swift importable; `arg` is passed as JSON in argv[1]; stdout is JSON.
pub fn python(code: &str, arg: &Value) -> Value {
    let out = Command::new(swift_python())
        .arg("-c")
        .arg(code)
        .arg(arg.to_string())
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad python output {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Builds the rings and one container DB with Swift's Python code, links it in the sync store.
pub const SETUP_PY: &str = r#"
import json, sys, os
from struct import unpack_from
from swift.common import utils
from swift.common.ring import RingBuilder, Ring
from swift.common.utils import Timestamp, hash_path
from swift.container.backend import ContainerBroker
from swift.container.sync_store import ContainerSyncStore
a = json.loads(sys.argv[1])
utils.set_swift_dir(a['swift_dir'])
if not os.path.exists(os.path.join(a['swift_dir'], 'container.ring.gz')):
    b = RingBuilder(4, 3, 1)
    for i, port in enumerate(a['container_ports']):
        b.add_dev({'id': i, 'region': 1, 'zone': i + 1, 'ip': '127.0.0.1', 'port': port,
                   'device': 'sdb%d' % (i + 1), 'weight': 1.0})
    b.rebalance(seed=1)
    b.get_ring().save(os.path.join(a['swift_dir'], 'container.ring.gz'))
    b = RingBuilder(4, 1, 1)
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.2', 'port': 1,
               'replication_ip': '127.0.0.1', 'replication_port': a['object_port'],
               'device': 'sdo1', 'weight': 1.0})
    b.rebalance(seed=1)
    b.get_ring().save(os.path.join(a['swift_dir'], 'object.ring.gz'))
cring = Ring(a['swift_dir'], ring_name='container')
oring = Ring(a['swift_dir'], ring_name='object')
acct, cont = a['account'], a['container']
part, nodes = cring.get_nodes(acct, cont)
ordinal = [n['port'] for n in nodes].index(a['our_port'])
device = nodes[ordinal]['device']
h = hash_path(acct, cont)
db_dir = os.path.join(a['devices'], device, 'containers', str(part), h[-3:], h)
if a.get('only_rings'):
    print(json.dumps({'db_dir': db_dir, 'part': part, 'device': device}))
    sys.exit(0)
broker = ContainerBroker(os.path.join(db_dir, h + '.db'), account=acct, container=cont)
if a.get('create', True):
    os.makedirs(db_dir)
    broker.initialize(Timestamp(a['t0']).internal, 0)
    for o in a['puts']:
        broker.put_object(o['name'], Timestamp(o['ts']).internal, o['size'], o['ctype'], o['etag'])
    for o in a['deletes']:
        broker.delete_object(o['name'], Timestamp(o['ts']).internal)
    ts = Timestamp(a['t0']).internal
    broker.update_metadata({'X-Container-Sync-To': (a['sync_to'], ts),
                            'X-Container-Sync-Key': (a['sync_key'], ts)})
    ContainerSyncStore(a['devices'], None, False).update_sync_store(broker)
rows = broker.get_items_since(-1, 1000)
share = {}
for r in rows:
    share[r['name']] = unpack_from('>I', hash_path(acct, cont, r['name'], raw_digest=True))[0] % len(nodes) == ordinal
print(json.dumps({'db': broker.db_file, 'ordinal': ordinal, 'share': share,
                  'obj_part': oring.get_part(acct, cont, 'x'),
                  'rows': [{'rowid': r['ROWID'], 'name': r['name'], 'deleted': r['deleted'],
                            'created_at': r['created_at']} for r in rows]}))
"#;

pub const POINTS_PY: &str = r#"
import json, sys
from swift.container.backend import ContainerBroker
a = json.loads(sys.argv[1])
info = ContainerBroker(a['db']).get_info()
print(json.dumps([info['x_container_sync_point1'], info['x_container_sync_point2']]))
"#;

pub const SIG_PY: &str = r#"
import json, sys
from swift.common.container_sync_realms import ContainerSyncRealms
from swift.common.utils import quote
a = json.loads(sys.argv[1])
import logging
r = ContainerSyncRealms('/nonexistent', logging.getLogger())
print(json.dumps([r.get_sig(x['method'], x['path'], x['ts'], x['nonce'], a['realm_key'], a['user_key'])
                  for x in a['reqs']] + [quote(n) for n in a['names']]))
"#;

/// One object as the fake object server holds it.
#[derive(Clone)]
pub struct Obj {
    pub name: String,
    pub ts: f64,
    pub body: Vec<u8>,
    pub etag: String,
}

/// MD5 hex digests of `bodies` (UTF-8 texts), computed by Python.
pub fn md5_hexes(bodies: &[String]) -> Vec<String> {
    let code = "import sys, json, hashlib; print(json.dumps([hashlib.md5(b.encode()).hexdigest() for b in json.loads(sys.argv[1])]))";
    let v = python(code, &json!(bodies));
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

pub fn normal(ts: f64) -> String {
    format!("{ts:016.5}")
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The fake object server: GET /sdo1/<part>/<a>/<c>/<o>?symlink=get from `objects`.
pub fn object_server(
    objects: Vec<Obj>,
    account: &str,
    container: &str,
    missing: Faults,
) -> FakeServer {
    let prefix = format!("/{account}/{container}/");
    FakeServer::start(Arc::new(move |req: &Recorded| {
        let (path, _query) = req.path.split_once('?').unwrap_or((&req.path, ""));
        let path = percent_decode(path);
        // /sdo1/<part>/a/c/o
        let rest: Vec<&str> = path.splitn(4, '/').collect();
        let obj_path = format!("/{}", rest.get(3).unwrap_or(&""));
        let name = obj_path.strip_prefix(&prefix).unwrap_or("");
        let fault = missing.lock().unwrap().get(name).copied();
        // EC_FRAGMENT: answer as an object server holding an erasure-coded fragment.
        if let Some(status) = fault.filter(|s| *s != EC_FRAGMENT) {
            return (status, vec![], vec![]);
        }
        match objects.iter().find(|o| o.name == name) {
            Some(o) if req.method == "GET" => (
                200,
                vec![
                    ("Content-Type".into(), "text/plain;swift_bytes=9".into()),
                    ("ETag".into(), format!("\"{}\"", o.etag)),
                    ("X-Timestamp".into(), normal(o.ts)),
                    ("X-Backend-Timestamp".into(), normal(o.ts)),
                    ("X-Backend-Data-Timestamp".into(), normal(o.ts)),
                    (
                        "Last-Modified".into(),
                        "Tue, 14 Nov 2023 22:13:20 GMT".into(),
                    ),
                    ("Date".into(), "Tue, 14 Nov 2023 22:13:21 GMT".into()),
                    ("X-Object-Meta-Color".into(), "blue".into()),
                    // UTF-8 bytes in a header value, as Swift stores non-ASCII metadata.
                    ("X-Object-Meta-Name".into(), "ü-ñ".into()),
                    ("X-Object-Sysmeta-Symlink-Target".into(), "tc/target".into()),
                ]
                .into_iter()
                .chain(
                    (fault == Some(EC_FRAGMENT))
                        .then(|| ("X-Object-Sysmeta-Ec-Frag-Index".into(), "1".into())),
                )
                .collect(),
                o.body.clone(),
            ),
            _ => (404, vec![], vec![]),
        }
    }))
}

/// An object-server "fault": answer 200 as for an erasure-coded fragment archive.
pub const EC_FRAGMENT: u16 = 1;

/// Object names mapped to the status a fake server answers for them instead.
pub type Faults = Arc<Mutex<BTreeMap<String, u16>>>;

/// The fake remote cluster: remembers PUT timestamps so HEAD answers like a real one; names in
/// `faults` get that status instead.
pub fn remote_server(faults: Faults) -> FakeServer {
    remote_server_with(faults, true)
}

/// [`remote_server`]; with `remember` false every HEAD says 404 and every DELETE 204, so that
/// runs against it do not depend on each other.
pub fn remote_server_with(faults: Faults, remember: bool) -> FakeServer {
    let stored: Arc<Mutex<BTreeMap<String, String>>> = Arc::new(Mutex::new(BTreeMap::new()));
    FakeServer::start(Arc::new(move |req: &Recorded| {
        if !remember && req.method == "HEAD" {
            return (404, vec![], vec![]);
        }
        if !remember && req.method == "DELETE" {
            return (204, vec![], vec![]);
        }
        let name = percent_decode(req.path.splitn(5, '/').nth(4).unwrap_or(""));
        if let Some(status) = faults.lock().unwrap().get(&name) {
            return (*status, vec![], vec![]);
        }
        let mut stored = stored.lock().unwrap();
        match req.method.as_str() {
            "HEAD" => match stored.get(&req.path) {
                Some(ts) => (200, vec![("X-Timestamp".into(), ts.clone())], vec![]),
                None => (404, vec![], vec![]),
            },
            "PUT" => {
                stored.insert(
                    req.path.clone(),
                    req.headers.get("x-timestamp").cloned().unwrap_or_default(),
                );
                (201, vec![], vec![])
            }
            "DELETE" => match stored.remove(&req.path) {
                Some(_) => (204, vec![], vec![]),
                None => (404, vec![], vec![]),
            },
            _ => (405, vec![], vec![]),
        }
    }))
}

/// The `swift-container-sync` binary next to this test's target dir, (re)built once per test
/// process so that a test never runs a stale binary (cargo does not build bins for `-p swift-tests`);
/// the same command as scripts/test, so in CI it is a no-op.
pub fn sync_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.args(["build", "--quiet", "--workspace", "--bins"])
                .current_dir(env!("CARGO_MANIFEST_DIR"));
            // Without the variables cargo sets for test processes: build scripts watching them
            // would rebuild (as the server harness notes).
            for (key, _) in std::env::vars_os() {
                let key = key.to_string_lossy().into_owned();
                if key.starts_with("CARGO_PKG_")
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
                    )
                {
                    cmd.env_remove(&key);
                }
            }
            let st = cmd.status().unwrap();
            assert!(st.success(), "building swift-container-sync failed");
            dir.join("swift-container-sync")
        })
        .clone()
}

pub struct Env {
    pub _tmp: tempfile::TempDir,
    pub conf: PathBuf,
    pub swift_dir: PathBuf,
    pub devices: PathBuf,
}

pub fn env(realms: &str, extra: &str) -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let swift_dir = tmp.path().join("etc");
    let devices = tmp.path().join("srv");
    std::fs::create_dir_all(&swift_dir).unwrap();
    std::fs::create_dir_all(&devices).unwrap();
    std::fs::write(
        swift_dir.join("swift.conf"),
        "[swift-hash]\nswift_hash_path_prefix = syncpre\nswift_hash_path_suffix = syncsuf\n\n[storage-policy:0]\nname = gold\ndefault = yes\n",
    )
    .unwrap();
    std::fs::write(swift_dir.join("container-sync-realms.conf"), realms).unwrap();
    let conf = swift_dir.join("container-server.conf");
    std::fs::write(
        &conf,
        format!(
            "[DEFAULT]\ndevices = {}\nmount_check = false\nbind_ip = 127.0.0.1\nbind_port = {OUR_PORT}\nswift_dir = {}\n\n\
             [pipeline:main]\npipeline = container-server\n\n[app:container-server]\nuse = egg:swift#container\n\n\
             [container-sync]\ninterval = 1\nallowed_sync_hosts = 127.0.0.1\nconn_timeout = 5\n{extra}",
            devices.display(),
            swift_dir.display()
        ),
    )
    .unwrap();
    Env {
        _tmp: tmp,
        conf,
        swift_dir,
        devices,
    }
}

pub fn run_once(env: &Env) -> String {
    let started = std::time::Instant::now();
    let out = Command::new(sync_binary())
        .arg(&env.conf)
        .arg("once")
        .env("SWIFT_LOG", "info")
        .output()
        .unwrap();
    eprintln!("sync pass took {:?}", started.elapsed());
    if std::env::var("SYNC_TEST_SHOW_LOG").is_ok() {
        eprintln!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "swift-container-sync failed:\n{log}");
    log
}

pub struct Fixture {
    /// Remote answers for names (e.g. 401), changeable between runs.
    pub remote_faults: Faults,
    /// Object server answers for names (e.g. 404), changeable between runs.
    pub object_faults: Faults,
    pub env: Env,
    pub remote: FakeServer,
    pub objserver: FakeServer,
    pub setup: Value,
    pub objects: Vec<Obj>,
    pub deleted: Vec<String>,
}

pub const ACCOUNT: &str = "AUTH_test";
pub const CONTAINER: &str = "cont";

pub fn fixture(
    sync_to: impl Fn(u16) -> String,
    realms: impl Fn(u16) -> String,
    extra_conf: &str,
) -> Fixture {
    let remote_faults = Faults::default();
    let object_faults = Faults::default();
    let remote = remote_server(remote_faults.clone());
    let names = [
        "o1",
        "o2",
        "o3",
        "ü dir/o4",
        "o5",
        "o6",
        "o7",
        "o8",
        "o9",
        "o10",
    ];
    let bodies: Vec<String> = names.iter().map(|n| format!("body of {n}")).collect();
    let etags = md5_hexes(&bodies);
    let objects: Vec<Obj> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Obj {
            name: n.to_string(),
            ts: T0 + 1.0 + i as f64,
            body: bodies[i].clone().into_bytes(),
            etag: etags[i].clone(),
        })
        .collect();
    let deleted = vec!["o2".to_string(), "o6".to_string()];
    let objserver = object_server(objects.clone(), ACCOUNT, CONTAINER, object_faults.clone());
    let env = env(&realms(remote.port), extra_conf);
    let puts: Vec<Value> = objects
        .iter()
        .map(|o| json!({"name": o.name, "ts": o.ts, "size": o.body.len(), "ctype": "text/plain", "etag": o.etag}))
        .collect();
    let deletes: Vec<Value> = deleted
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"name": n, "ts": T0 + 100.0 + i as f64}))
        .collect();
    let setup = python(
        SETUP_PY,
        &json!({
            "swift_dir": env.swift_dir, "devices": env.devices, "container_ports": [OUR_PORT, OUR_PORT + 1, OUR_PORT + 2],
            "object_port": objserver.port, "our_port": OUR_PORT, "account": ACCOUNT, "container": CONTAINER,
            "t0": T0, "puts": puts, "deletes": deletes, "sync_to": sync_to(remote.port), "sync_key": "userkey",
        }),
    );
    Fixture {
        remote_faults,
        object_faults,
        env,
        remote,
        objserver,
        setup,
        objects,
        deleted,
    }
}

pub fn sync_points(f: &Fixture) -> (i64, i64) {
    let v = python(POINTS_PY, &json!({"db": f.setup["db"]}));
    (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
}

pub fn share_names(f: &Fixture, mine: bool) -> BTreeSet<String> {
    f.setup["share"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.as_bool() == Some(mine))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Checks one shipped PUT: headers as Swift sends them after its GET, body streamed unchanged.
pub fn check_put(f: &Fixture, req: &Recorded, remote_path: &str) {
    let obj = f
        .objects
        .iter()
        .find(|o| format!("{remote_path}/{}", quoted(&o.name)) == req.path)
        .unwrap_or_else(|| panic!("PUT to unexpected path {}", req.path));
    assert_eq!(req.body, obj.body);
    let h = &req.headers;
    assert_eq!(
        h.get("content-length").map(String::as_str),
        Some(obj.body.len().to_string().as_str())
    );
    assert_eq!(
        h.get("content-type").map(String::as_str),
        Some("text/plain")
    );
    assert_eq!(h.get("etag"), Some(&obj.etag));
    assert_eq!(h.get("x-timestamp"), Some(&normal(obj.ts)));
    assert_eq!(
        h.get("x-object-meta-color").map(String::as_str),
        Some("blue")
    );
    assert_eq!(h.get("x-object-meta-name").map(String::as_str), Some("ü-ñ"));
    assert_eq!(
        h.get("x-symlink-target").map(String::as_str),
        Some("tc/target")
    );
    assert!(!h.contains_key("x-object-sysmeta-symlink-target"));
    assert!(!h.contains_key("date"), "{h:?}");
    assert!(!h.contains_key("last-modified"), "{h:?}");
}

pub fn quoted(name: &str) -> String {
    let mut out = String::new();
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn by_method<'a>(reqs: &'a [Recorded], method: &str) -> Vec<&'a Recorded> {
    reqs.iter().filter(|r| r.method == method).collect()
}

pub fn names_of(reqs: &[&Recorded], remote_path: &str) -> BTreeSet<String> {
    reqs.iter()
        .map(|r| percent_decode(r.path.strip_prefix(&format!("{remote_path}/")).unwrap()))
        .collect()
}
