//! Interop: our config readers against Swift 2.38.3's own code in a venv.
//!
//! Every config below (Swift's shipped `etc/*.conf-sample` files from the PyPI sdist, the configs
//! in this repo's `etc/`, and hand-written tricky cases) is read by both sides: Swift's `appconfig`
//! / paste.deploy for `[app:*]`/`[filter:*]`, `readconf` for daemon sections, `validate_hash_conf`,
//! `parse_storage_policies` and `reload_constraints` for swift.conf, and `ContainerSyncRealms`
//! for realms. The effective option dicts must be identical, and a config Swift refuses we refuse.

use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use swift_common::config::{ConfFile, SwiftConf};
use swift_common::realms::Realms;

/// The Python side: reads a JSON list of jobs on stdin, prints a JSON list of results.
const DUMP_PY: &str = r#"
import configparser, json, logging, os, sys
from swift.common.wsgi import appconfig  # also registers swift's config_dir paste loader
from paste.deploy import loadwsgi
from swift.common import utils, constraints
from swift.common.utils import readconf
from swift.common.storage_policy import parse_storage_policies
from swift.common.container_sync_realms import ContainerSyncRealms

SKIP = ('pipeline:', 'server:', 'composite:', 'composit:', 'filter-app:', 'application:')

def err(e):
    kind = 'interp' if isinstance(e, configparser.InterpolationError) else 'other'
    return {'__error__': kind, '__message__': '%s: %s' % (type(e).__name__, e)}

def ini(path):
    raw = configparser.RawConfigParser()
    raw.optionxform = str
    try:
        if os.path.isdir(path):
            files = sorted(os.path.join(path, f) for f in os.listdir(path)
                           if f.endswith('.conf') and not f.startswith('.'))
            if not raw.read(files):
                return {'parse_ok': False, 'message': 'no files'}
        else:
            with open(path) as f:
                raw.read_file(f)
    except Exception as e:
        return {'parse_ok': False, 'message': '%s: %s' % (type(e).__name__, e)}
    uri = ('config_dir:' if os.path.isdir(path) else 'config:') + path
    out = {}
    for s in raw.sections():
        if s.startswith(SKIP):
            continue
        try:
            if s.startswith('app:'):
                d = dict(appconfig(path, name=s[4:].strip()))
            elif s.startswith('filter:'):
                d = dict(loadwsgi.loadcontext(loadwsgi.FILTER, uri, name=s[7:].strip()).config())
            else:
                d = readconf(path, s)
            out[s] = {k: str(v) for k, v in d.items()}
        except Exception as e:
            out[s] = err(e)
    return {'parse_ok': True, 'sections': out}

def swift_conf(path):
    res = {}
    utils.SWIFT_CONF_FILE = path
    utils.HASH_PATH_PREFIX = b''
    utils.HASH_PATH_SUFFIX = b''
    try:
        utils.validate_hash_conf()
        res['hash'] = [utils.HASH_PATH_PREFIX.decode('latin1'), utils.HASH_PATH_SUFFIX.decode('latin1')]
    except Exception as e:
        res['error'] = 'hash: %s: %s' % (type(e).__name__, e)
        return res
    try:
        c = configparser.ConfigParser(strict=False)
        c.read(path)
        pols = parse_storage_policies(c)
        res['policies'] = [[p.idx, p.name, p.alias_list, bool(p.is_default), bool(p.is_deprecated), p.policy_type]
                           for p in sorted(pols, key=int)]
    except Exception as e:
        res['error'] = 'policies: %s: %s' % (type(e).__name__, e)
        return res
    try:
        constraints.reload_constraints()
        res['constraints'] = dict(constraints.EFFECTIVE_CONSTRAINTS)
    except Exception as e:
        res['error'] = 'constraints: %s: %s' % (type(e).__name__, e)
    return res

def realms(path):
    r = ContainerSyncRealms(path, logging.getLogger('x'))
    out = {}
    for name in r.realms():
        out[name] = {'key': r.key(name), 'key2': r.key2(name),
                     'clusters': {c: r.endpoint(name, c) for c in r.clusters(name)}}
    return out

jobs = json.load(sys.stdin)
results = []
for job in jobs:
    fn = {'ini': ini, 'swift_conf': swift_conf, 'realms': realms}[job['kind']]
    results.append(fn(job['path']))
json.dump(results, sys.stdout)
"#;

fn venv() -> PathBuf {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        if let Some(v) = std::env::var_os("SWIFT_VENV").filter(|v| !v.is_empty()) {
            let v = PathBuf::from(v);
            if v.join("bin/python").exists() {
                return v;
            }
        }
        // Make (or reuse) the venv exactly as the test scripts do; never skip.
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/swift-venv.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .expect("run scripts/swift-venv.sh");
        assert!(
            out.status.success(),
            "swift-venv.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
    .clone()
}

/// Runs the Python dumper on `jobs` and returns its results.
fn python(jobs: &Value) -> Vec<Value> {
    let mut child = Command::new(venv().join("bin/python"))
        .arg("-c")
        .arg(DUMP_PY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start venv python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(jobs.to_string().as_bytes())
        .expect("write jobs");
    let out = child.wait_with_output().expect("python output");
    assert!(
        out.status.success(),
        "python dumper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("python json")
}

/// Swift 2.38.3's `etc/` directory from the sdist on PyPI: `SWIFT_SDIST` (set by scripts/test),
/// else fetched once by scripts/swift-sdist.sh.
fn swift_etc() -> PathBuf {
    static ETC: OnceLock<PathBuf> = OnceLock::new();
    ETC.get_or_init(|| {
        if let Some(src) = std::env::var_os("SWIFT_SDIST") {
            return PathBuf::from(src).join("etc");
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/swift-sdist.sh");
        let out = Command::new(script)
            .output()
            .expect("run scripts/swift-sdist.sh");
        assert!(
            out.status.success(),
            "scripts/swift-sdist.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("etc")
    })
    .clone()
}

/// Our reading of an INI config in the Python dumper's shape.
fn ours_ini(path: &Path) -> Result<Map<String, Value>, String> {
    let conf = ConfFile::load(path).map_err(|e| e.to_string())?;
    let mut out = Map::new();
    for name in conf.section_names() {
        let sect = conf
            .section(name)
            .ok_or_else(|| format!("section {name} vanished"))?;
        let values: Map<String, Value> = sect
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        out.insert(name.to_string(), Value::Object(values));
    }
    Ok(out)
}

/// Compares both readings of each INI path; returns how many sections were compared.
fn compare_ini(paths: &[PathBuf]) -> usize {
    let jobs: Vec<Value> = paths
        .iter()
        .map(|p| json!({"kind": "ini", "path": p}))
        .collect();
    let results = python(&Value::Array(jobs));
    let mut compared = 0;
    for (path, py) in paths.iter().zip(results) {
        let ours = ours_ini(path);
        if py["parse_ok"] != json!(true) {
            assert!(
                ours.is_err(),
                "{}: Swift refuses it ({}) but we accepted it",
                path.display(),
                py["message"]
            );
            continue;
        }
        let sections = py["sections"].as_object().expect("sections");
        let interp_failure = sections.values().any(|s| s["__error__"] == json!("interp"));
        if interp_failure {
            assert!(
                ours.is_err(),
                "{}: Swift fails interpolation ({sections:?}) but we accepted it",
                path.display()
            );
            continue;
        }
        let ours = ours
            .unwrap_or_else(|e| panic!("{}: Swift reads it but we refused: {e}", path.display()));
        for (name, py_sect) in sections {
            if py_sect.get("__error__").is_some() {
                // e.g. a filter whose Python middleware is not installed: nothing to compare.
                continue;
            }
            assert_eq!(
                ours.get(name),
                Some(py_sect),
                "{}: section [{name}] differs (left ours, right Swift)",
                path.display()
            );
            compared += 1;
        }
    }
    compared
}

#[test]
fn swift_sample_configs_read_like_swift() {
    let etc = swift_etc();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&etc)
        .expect("read etc")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".conf-sample")
                && n != "swift.conf-sample"
                && n != "container-sync-realms.conf-sample"
        })
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10,
        "expected Swift's sample configs in {}",
        etc.display()
    );
    let compared = compare_ini(&paths);
    eprintln!("compared {compared} sections of Swift's sample configs");
    // container-server.conf-sample alone has app, filters and five daemon sections.
    assert!(compared >= 30, "only {compared} sections compared");
}

#[test]
fn repo_configs_read_like_swift() {
    // A path without `..`: Swift's readconf keeps `__file__` as given, ours normalises it.
    let etc = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repo root")
        .join("etc");
    let mut stack = vec![etc];
    let mut inis = Vec::new();
    let mut swift_confs = Vec::new();
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            if p.is_dir() {
                stack.push(p);
            } else if name == "swift.conf" {
                swift_confs.push(p);
            } else if name.contains(".conf")
                && !name.starts_with("container-sync-realms")
                && !name.starts_with("rsyncd")
            {
                inis.push(p);
            }
        }
    }
    inis.sort();
    compare_ini(&inis);
    for p in swift_confs {
        compare_swift_conf_file(&p);
    }
}

/// Hand-written configs that poke at every rule the two readers must agree on.
const TRICKY: &[&str] = &[
    // paste: [DEFAULT] beats the app section, `set` beats [DEFAULT], interpolation with here.
    "[DEFAULT]\nbind_port = 6201\nlog_level = WARNING\nroot = /srv\ndevices = %(root)s/node\n\
     [pipeline:main]\npipeline = healthcheck container-server\n\
     [app:container-server]\nuse = egg:swift#container\nbind_port = 7000\nset log_level = DEBUG\n\
     node_timeout = 5\nfiles = %(here)s/x\nfallocate_reserve = 2%\n\
     [filter:healthcheck]\nuse = egg:swift#healthcheck\ndisable_path = %(here)s/off\n\
     [container-sync]\nlog_level = ERROR\ninterval = 10\nsync_method = %(root)s\n",
    // continuation lines, blank lines inside values, comments, ':' delimiter, odd spacing, case.
    "# leading comment\n; another\n[DEFAULT]\nMixedCase = Yes\n\
     [container-replicator]\nrsync_module : {replication_ip}::container\nlong = first\n  second\n\n  third\n\
     # comment inside\n  fourth\nempty =\nspaced    =    value with   spaces   \nhash = not # a comment\n",
    // `use` of another app section and `get`.
    "[DEFAULT]\nuser = swift\n[app:base]\nuse = egg:swift#container\na = 1\nb = 2\n\
     [app:container-server]\nuse = base\nb = 3\nget who = user\n",
    // interpolation referencing DEFAULT from a daemon section, recursive.
    "[DEFAULT]\nbase = /var\nlog = %(base)s/log\n[container-auditor]\npath = %(log)s/aud\ninterval = 1800\n",
    // a missing reference: both must refuse.
    "[container-updater]\nx = %(nope)s\n",
    // %(here)s in a readconf section: readconf has no `here`, so Swift refuses.
    "[container-sync]\nx = %(here)s\n",
    // a stray % after a reference.
    "[app:container-server]\nuse = egg:swift#container\nx = %(__file__)s 5%\n",
    // duplicate option and duplicate section in one file.
    "[container-sync]\na = 1\na = 2\n",
    "[container-sync]\n[container-sync]\n",
    // no section header.
    "a = 1\n[x]\n",
    // a line without delimiter.
    "[x]\njust words\n",
    // header with trailing text, DEFAULT repeated.
    "[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[container-sharder] ignored\nc = %(a)s%(b)s\n",
    // set in a filter, and set of a key only in the filter.
    "[DEFAULT]\nlog_name = base\n[filter:recon]\nuse = egg:swift#recon\nset log_name = reconny\nset extra = 1\n\
     recon_cache_path = /tmp/rc\n",
];

#[test]
fn tricky_configs_read_like_swift() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<PathBuf> = TRICKY
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let p = dir.path().join(format!("case{i:02}.conf"));
            std::fs::write(&p, text).expect("write case");
            p
        })
        .collect();
    let compared = compare_ini(&paths);
    assert_eq!(compared, 9, "sections compared");
}

#[test]
fn conf_d_directories_read_like_swift() {
    let root = tempfile::tempdir().expect("tempdir");
    let good = root.path().join("container-server.conf.d");
    std::fs::create_dir(&good).expect("mkdir");
    std::fs::write(
        good.join("00_default.conf"),
        "[DEFAULT]\nbind_port = 6201\nworkers = 2\n[pipeline:main]\npipeline = container-server\n",
    )
    .expect("write");
    std::fs::write(
        good.join("10_app.conf"),
        "[app:container-server]\nuse = egg:swift#container\nnode_timeout = 1\nwhere = %(here)s\n",
    )
    .expect("write");
    std::fs::write(
        good.join("20_override.conf"),
        "[app:container-server]\nnode_timeout = 7\n[container-sync]\ninterval = 5\n",
    )
    .expect("write");
    std::fs::write(
        good.join(".hidden.conf"),
        "[app:container-server]\nnode_timeout = 99\n",
    )
    .expect("write");
    std::fs::write(good.join("README"), "not a config").expect("write");
    // The same option twice across files is fine; twice within one file is not.
    let bad = root.path().join("bad.conf.d");
    std::fs::create_dir(&bad).expect("mkdir");
    std::fs::write(bad.join("a.conf"), "[container-sync]\nx = 1\nx = 2\n").expect("write");
    let compared = compare_ini(&[good, bad]);
    assert!(compared >= 2, "only {compared} sections compared");
}

fn ours_swift_conf(dir: &Path) -> Value {
    match SwiftConf::load(dir) {
        Err(e) => json!({"error": e.to_string()}),
        Ok(c) => {
            let k = &c.constraints;
            json!({
                "hash": [c.hash_salt.prefix, c.hash_salt.suffix],
                "policies": c.policies.iter().map(|p| json!([p.index, p.name, p.aliases, p.is_default, p.is_deprecated, p.policy_type])).collect::<Vec<_>>(),
                "constraints": {
                    "max_file_size": k.max_file_size,
                    "max_meta_name_length": k.max_meta_name_length,
                    "max_meta_value_length": k.max_meta_value_length,
                    "max_meta_count": k.max_meta_count,
                    "max_meta_overall_size": k.max_meta_overall_size,
                    "max_header_size": k.max_header_size,
                    "max_request_line": k.max_request_line,
                    "max_object_name_length": k.max_object_name_length,
                    "container_listing_limit": k.container_listing_limit,
                    "account_listing_limit": k.account_listing_limit,
                    "max_account_name_length": k.max_account_name_length,
                    "max_container_name_length": k.max_container_name_length,
                    "valid_api_versions": k.valid_api_versions,
                    "extra_header_count": k.extra_header_count,
                    "auto_create_account_prefix": k.auto_create_account_prefix,
                },
            })
        }
    }
}

fn compare_swift_confs(dirs: &[PathBuf]) {
    let jobs: Vec<Value> = dirs
        .iter()
        .map(|d| json!({"kind": "swift_conf", "path": d.join("swift.conf")}))
        .collect();
    for (dir, py) in dirs.iter().zip(python(&Value::Array(jobs))) {
        let ours = ours_swift_conf(dir);
        let text = std::fs::read_to_string(dir.join("swift.conf")).unwrap_or_default();
        if py.get("error").is_some() {
            assert!(
                ours.get("error").is_some(),
                "Swift refuses ({}) but we accepted:\n{text}",
                py["error"]
            );
        } else {
            assert_eq!(ours, py, "swift.conf read differently (left ours):\n{text}");
        }
    }
}

fn compare_swift_conf_file(path: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(path, dir.path().join("swift.conf")).expect("copy swift.conf");
    compare_swift_confs(&[dir.path().to_path_buf()]);
}

const SWIFT_CONFS: &[&str] = &[
    "[swift-hash]\nswift_hash_path_suffix = s\n",
    "[swift-hash]\nswift_hash_path_prefix = p%%x\nswift_hash_path_suffix = changeme\n\
     [storage-policy:0]\nname = gold\naliases = yellow, orange, gold\n[storage-policy:1]\nname = silver\ndefault = yes\n\
     [storage-policy:2]\nname = old\ndeprecated = true\n\
     [swift-constraints]\nmax_meta_count = 10\nvalid_api_versions = v1, v2\nauto_create_account_prefix = _\n",
    "[swift-hash]\n",
    "[swift-hash]\nswift_hash_path_prefix =\nswift_hash_path_suffix =\n",
    "[swift-hash]\nswift_hash_path_suffix = 100%\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:1]\nname = a\ndefault = yes\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\nname = a\n[storage-policy:1]\nname = b\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\nname = a\ndefault = yes\n[storage-policy:1]\nname = A\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\nname = a\ndeprecated = yes\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\nname = a b\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\nname = a\nbogus = 1\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\nname = x\ndefault = no\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[storage-policy:0]\nname = x\n[storage-policy:3]\nname = policy-0\ndefault = y\n",
    "[swift-hash]\nswift_hash_path_suffix = s\n[swift-constraints]\nmax_file_size = big\n",
];

#[test]
fn swift_conf_reads_like_swift() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut dirs: Vec<PathBuf> = SWIFT_CONFS
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let d = root.path().join(format!("case{i:02}"));
            std::fs::create_dir(&d).expect("mkdir");
            std::fs::write(d.join("swift.conf"), text).expect("write");
            d
        })
        .collect();
    let sample = root.path().join("sample");
    std::fs::create_dir(&sample).expect("mkdir");
    std::fs::copy(
        swift_etc().join("swift.conf-sample"),
        sample.join("swift.conf"),
    )
    .expect("copy sample");
    dirs.push(sample);
    compare_swift_confs(&dirs);
}

#[test]
fn realms_read_like_swift() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        "[DEFAULT]\nmtime_check_interval = 60\n[realm1]\nkey = realm1key\nkey2 = realm1key2\n\
         cluster_clustername1 = https://host1/v1/\ncluster_Clustername2 = https://host2/v1/\n[Realm2]\nkey = k2\nother = x\n",
        "[DEFAULT]\nkey = shared\ncluster_common = http://c/v1/\n[a]\n[b]\nkey = own\n",
    ];
    let mut paths: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = dir.path().join(format!("realms{i}.conf"));
            std::fs::write(&p, t).expect("write");
            p
        })
        .collect();
    paths.push(swift_etc().join("container-sync-realms.conf-sample"));
    let jobs: Vec<Value> = paths
        .iter()
        .map(|p| json!({"kind": "realms", "path": p}))
        .collect();
    for (path, py) in paths.iter().zip(python(&Value::Array(jobs))) {
        let r = Realms::load(path);
        let mut ours = Map::new();
        for name in r.realms() {
            let clusters: Map<String, Value> = r
                .clusters(&name)
                .into_iter()
                .map(|c| {
                    let ep = r.endpoint(&name, &c);
                    (c, json!(ep))
                })
                .collect();
            ours.insert(
                name.clone(),
                json!({"key": r.key(&name), "key2": r.key2(&name), "clusters": clusters}),
            );
        }
        assert_eq!(
            Value::Object(ours),
            py,
            "{} read differently (left ours)",
            path.display()
        );
    }
}
