//! Interop: a container DB written by our broker and linked by our sync store is synced both by
//! our `swift-container-sync` and by Swift 2.38.3's own Python `ContainerSync` (on a copy of
//! the same devices tree, its internal client stubbed to return the same objects). Both must
//! send the same requests and leave the same sync points, pass after pass.

mod sync_support;

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use swift_common::db::{ContainerBroker, Metadata, ObjectRecord};
use swift_common::timestamp::Timestamp;
use swift_sync::container_sync::store::SyncStore;
use sync_support::*;

/// Runs Swift's `ContainerSync.run_once()` with an internal client that serves `objects`.
const PY_SYNC: &str = r#"
import json, sys
from swift.common import utils
a = json.loads(sys.argv[1])
utils.set_swift_dir(a['swift_dir'])
import swift.container.sync as sync
from swift.common.swob import HeaderKeyDict
objects = a['objects']
class StubInternalClient(object):
    def __init__(self, *args, **kwargs):
        pass
    def get_object(self, account, container, obj, headers=None, acceptable_statuses=None, params=None):
        assert params == {'symlink': 'get'}, params
        assert headers['X-Backend-Storage-Policy-Index'] == '0', headers
        o = objects.get(obj)
        if o is None:
            return 404, HeaderKeyDict(), iter([b''])
        return 200, HeaderKeyDict(o['headers']), iter([o['body'].encode('utf8')])
sync.InternalClient = StubInternalClient
logger = utils.get_logger({}, log_route='container-sync', log_to_console=True)
conf = {'devices': a['devices'], 'mount_check': 'false', 'swift_dir': a['swift_dir'],
        'bind_ip': '127.0.0.1', 'bind_port': str(a['our_port']), 'interval': '1',
        'allowed_sync_hosts': '127.0.0.1', 'internal_client_conf_path': '/dev/null'}
cs = sync.ContainerSync(conf, logger=logger)
seen = {}
def report(orig=cs.report):
    seen.update(syncs=cs.container_syncs, puts=cs.container_puts, deletes=cs.container_deletes,
                skips=cs.container_skips, failures=cs.container_failures)
    orig()
cs.report = report
cs.run_once()
print(json.dumps(seen))
"#;

/// What a request must agree on between the two implementations.
fn essence(r: &Recorded) -> String {
    let keep = [
        "x-timestamp",
        "content-type",
        "etag",
        "content-length",
        "x-object-meta-color",
        "x-object-meta-name",
        "x-symlink-target",
        "x-container-sync-key",
    ];
    let headers: BTreeMap<&str, &str> = keep
        .iter()
        .filter_map(|k| r.headers.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    format!(
        "{} {} {:?} {:?}",
        r.method,
        r.path,
        headers,
        String::from_utf8_lossy(&r.body)
    )
}

fn sorted_essences(reqs: &[Recorded]) -> Vec<String> {
    let mut v: Vec<String> = reqs.iter().map(essence).collect();
    v.sort();
    v
}

/// A UTF-8 string as WSGI hands it to Python code: each byte one latin-1 char.
fn latin1_of_utf8(s: &str) -> String {
    s.bytes().map(|b| b as char).collect()
}

#[test]
fn python_and_rust_sync_the_same_rows_from_a_db_we_wrote() {
    let remote_faults = Faults::default();
    let remote = remote_server_with(remote_faults, false);
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
    let objserver = object_server(objects.clone(), ACCOUNT, CONTAINER, Faults::default());
    let env = env("", "");
    let sync_to = format!("http://127.0.0.1:{}/v1/AUTH_b/c2", remote.port);

    // Rings by Swift's RingBuilder; the DB by our broker, linked by our sync store.
    let place = python(
        SETUP_PY,
        &json!({
            "swift_dir": env.swift_dir, "devices": env.devices, "container_ports": [OUR_PORT, OUR_PORT + 1, OUR_PORT + 2],
            "object_port": objserver.port, "our_port": OUR_PORT, "account": ACCOUNT, "container": CONTAINER,
            "only_rings": true,
        }),
    );
    let db_dir = Path::new(place["db_dir"].as_str().unwrap()).to_path_buf();
    std::fs::create_dir_all(&db_dir).unwrap();
    let broker = ContainerBroker::new(
        &db_dir,
        ACCOUNT,
        CONTAINER,
        Duration::from_secs(25),
        Duration::from_secs(10),
    );
    let ts = |t: f64| Timestamp::from_f64(t).unwrap().internal();
    broker
        .initialize(&Timestamp::from_f64(T0).unwrap(), 0)
        .unwrap();
    for o in &objects {
        broker
            .put_object(&ObjectRecord {
                name: o.name.clone(),
                created_at: ts(o.ts),
                size: o.body.len() as i64,
                content_type: "text/plain".into(),
                etag: o.etag.clone(),
                deleted: false,
                storage_policy_index: 0,
                ctype_timestamp: None,
                meta_timestamp: None,
            })
            .unwrap();
    }
    for (i, n) in ["o2", "o6"].iter().enumerate() {
        broker
            .put_object(&ObjectRecord {
                name: n.to_string(),
                created_at: ts(T0 + 100.0 + i as f64),
                size: 0,
                content_type: "application/deleted".into(),
                etag: "noetag".into(),
                deleted: true,
                storage_policy_index: 0,
                ctype_timestamp: None,
                meta_timestamp: None,
            })
            .unwrap();
    }
    let mut meta = Metadata::new();
    meta.insert("X-Container-Sync-To".into(), (sync_to.clone(), ts(T0)));
    meta.insert("X-Container-Sync-Key".into(), ("userkey".into(), ts(T0)));
    broker.update_metadata(&meta, false).unwrap();
    SyncStore::new(&env.devices, false)
        .update_sync_store(&broker)
        .unwrap();
    drop(broker);

    // A copy of the devices tree for Python (links are read by where they are, not followed).
    let py_devices = env.devices.with_file_name("srv-python");
    let st = Command::new("cp")
        .arg("-a")
        .arg(&env.devices)
        .arg(&py_devices)
        .status()
        .unwrap();
    assert!(st.success());
    let py_db = py_devices
        .join(db_dir.strip_prefix(&env.devices).unwrap())
        .join(db_dir.file_name().unwrap())
        .with_extension("db");

    // The objects as the internal client's proxy would hand them over.
    let py_objects: serde_json::Map<String, Value> = objects
        .iter()
        .map(|o| {
            (
                o.name.clone(),
                json!({"body": String::from_utf8(o.body.clone()).unwrap(), "headers": {
                    "Content-Type": "text/plain;swift_bytes=9", "Etag": o.etag, "Content-Length": o.body.len().to_string(),
                    "X-Timestamp": normal(o.ts), "Last-Modified": "Tue, 14 Nov 2023 22:13:20 GMT",
                    "Date": "Tue, 14 Nov 2023 22:13:21 GMT", "X-Object-Meta-Color": "blue", "X-Object-Meta-Name": latin1_of_utf8("ü-ñ"), "X-Symlink-Target": "tc/target",
                }}),
            )
        })
        .collect();
    let py_args = json!({"swift_dir": env.swift_dir, "devices": py_devices, "our_port": OUR_PORT, "objects": py_objects});

    for pass in 1..=2 {
        let before = remote.requests().len();
        let log = run_once(&env);
        let ours = remote.requests()[before..].to_vec();
        let py = python(PY_SYNC, &py_args);
        assert_eq!(py["syncs"], 1, "python did not sync the container: {py}");
        assert_eq!(py["failures"], 0, "{py}");
        let line = format!(
            "1 synced [{} deletes, {} puts], 0 skipped, 0 failed",
            py["deletes"], py["puts"]
        );
        assert!(log.contains(&line), "python counted {py}; our log:\n{log}");
        let theirs = remote.requests()[before + ours.len()..].to_vec();
        assert!(!ours.is_empty());
        assert_eq!(
            sorted_essences(&ours),
            sorted_essences(&theirs),
            "pass {pass} differs; our log:\n{log}"
        );
        let points = |db: &Path| {
            python(
            "import json, sys\nfrom swift.container.backend import ContainerBroker\ni = ContainerBroker(json.loads(sys.argv[1])).get_info()\nprint(json.dumps([i['x_container_sync_point1'], i['x_container_sync_point2']]))",
            &json!(db),
        )
        };
        let our_db = db_dir
            .join(db_dir.file_name().unwrap())
            .with_extension("db");
        assert_eq!(
            points(&our_db),
            points(&py_db),
            "pass {pass}: sync points differ"
        );
    }
}
