//! Container sync when things go wrong, as Swift 2.38.3 handles it: a row the remote refuses or
//! that cannot be read locally holds sync point 2 back and is retried on the next pass while
//! the other rows still go out; a bad sync-to, a versioned container and a zero time budget
//! send nothing and leave the points alone.

mod sync_support;

use serde_json::json;
use std::collections::BTreeSet;
use sync_support::*;

fn rowid_of(f: &Fixture, name: &str) -> i64 {
    f.setup["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap()["rowid"]
        .as_i64()
        .unwrap()
}

fn max_row(f: &Fixture) -> i64 {
    f.setup["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rowid"].as_i64().unwrap())
        .max()
        .unwrap()
}

/// The ROWID of the row before `rowid` (Swift keeps the point at the last row that was done).
fn previous_row(f: &Fixture, rowid: i64) -> i64 {
    f.setup["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rowid"].as_i64().unwrap())
        .filter(|r| *r < rowid)
        .max()
        .unwrap_or(-1)
}

#[test]
fn a_failing_row_holds_back_sync_point2_until_it_goes_through() {
    let remote_path = "/v1/AUTH_b/c2";
    let f = fixture(
        |port| format!("http://127.0.0.1:{port}{remote_path}"),
        |_| String::new(),
        "",
    );
    let deleted: BTreeSet<String> = f.deleted.iter().cloned().collect();
    let others_live: Vec<String> = share_names(&f, false)
        .difference(&deleted)
        .cloned()
        .collect();
    assert!(
        others_live.len() >= 3,
        "fixture needs 3 live rows outside this node's share: {:?}",
        f.setup
    );
    let (refused, unreadable) = (others_live[0].clone(), others_live[1].clone());

    run_once(&f.env);
    assert_eq!(sync_points(&f), (max_row(&f), -1));

    // Pass one of the second run meets a remote 401 and a local 404.
    f.remote_faults.lock().unwrap().insert(refused.clone(), 401);
    f.object_faults
        .lock()
        .unwrap()
        .insert(unreadable.clone(), 404);
    let before = f.remote.requests().len();
    let log = run_once(&f.env);
    let first_failure = rowid_of(&f, &refused).min(rowid_of(&f, &unreadable));
    assert_eq!(
        sync_points(&f),
        (max_row(&f), previous_row(&f, first_failure)),
        "{log}"
    );
    let port = f.remote.port;
    assert!(
        log.contains(&format!(
            "Unauth '{ACCOUNT}/{CONTAINER}' => 'http://127.0.0.1:{port}{remote_path}'"
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "Unknown exception trying to GET: '{ACCOUNT}' '{CONTAINER}' '{unreadable}'"
        )),
        "{log}"
    );
    let puts = others_live.len() - 2;
    let expected = format!(
        "1 synced [{} deletes, {puts} puts], 0 skipped, 2 failed",
        deleted.len()
    );
    assert!(log.contains(&expected), "no {expected:?} in:\n{log}");
    // The rows after the failures still went out.
    let reqs = f.remote.requests()[before..].to_vec();
    let put_names = names_of(&by_method(&reqs, "PUT"), remote_path);
    let expected_puts: BTreeSet<String> = others_live[2..].iter().cloned().collect();
    assert_eq!(put_names, expected_puts, "{log}");

    // Once the faults clear, the next pass resends from the held-back point and catches up.
    f.remote_faults.lock().unwrap().clear();
    f.object_faults.lock().unwrap().clear();
    let before = f.remote.requests().len();
    let log = run_once(&f.env);
    assert_eq!(sync_points(&f), (max_row(&f), max_row(&f)), "{log}");
    let reqs = f.remote.requests()[before..].to_vec();
    let put_names = names_of(&by_method(&reqs, "PUT"), remote_path);
    assert_eq!(
        put_names,
        [refused, unreadable].into_iter().collect::<BTreeSet<_>>(),
        "{log}"
    );
    // Every request of the resend starts at or after the held-back point.
    for r in &reqs {
        let name = percent_decode(r.path.strip_prefix(&format!("{remote_path}/")).unwrap());
        assert!(
            rowid_of(&f, &name) >= first_failure,
            "{name} resent from before the held-back point"
        );
    }
    assert!(log.contains(", 0 skipped, 0 failed"), "{log}");
}

#[test]
fn a_sync_to_host_not_allowed_is_an_error_and_nothing_is_sent() {
    let f = fixture(
        |port| format!("http://localhost:{port}/v1/AUTH_b/c2"),
        |_| String::new(),
        "",
    );
    let log = run_once(&f.env);
    let db = f.setup["db"].as_str().unwrap();
    assert!(
        log.contains(&format!(
            "ERROR {db}: Invalid host 'localhost' in X-Container-Sync-To"
        )),
        "{log}"
    );
    assert!(
        log.contains("0 synced [0 deletes, 0 puts], 0 skipped, 1 failed"),
        "{log}"
    );
    assert!(f.remote.requests().is_empty());
    assert!(f.objserver.requests().is_empty());
    assert_eq!(sync_points(&f), (-1, -1));
}

#[test]
fn no_time_budget_means_no_rows_and_no_point_moves() {
    let f = fixture(
        |port| format!("http://127.0.0.1:{port}/v1/AUTH_b/c2"),
        |_| String::new(),
        "container_time = 0\n",
    );
    let log = run_once(&f.env);
    assert!(
        log.contains("1 synced [0 deletes, 0 puts], 0 skipped, 0 failed"),
        "{log}"
    );
    assert!(f.remote.requests().is_empty());
    assert_eq!(sync_points(&f), (-1, -1));
}

#[test]
fn containers_with_object_versioning_are_skipped() {
    let f = fixture(
        |port| format!("http://127.0.0.1:{port}/v1/AUTH_b/c2"),
        |_| String::new(),
        "",
    );
    // Swift looks the key up in lower case exactly as written here.
    python(
        "import json, sys\nfrom swift.container.backend import ContainerBroker\n\
         a = json.loads(sys.argv[1])\n\
         ContainerBroker(a['db']).update_metadata({'x-container-sysmeta-versions-container': ('v', '1700000000.00000')})\n\
         print('{}')",
        &json!({"db": f.setup["db"]}),
    );
    let log = run_once(&f.env);
    assert!(
        log.contains(&format!(
            "Skipping container {ACCOUNT}/{CONTAINER} with object versioning configured"
        )),
        "{log}"
    );
    assert!(
        log.contains("0 synced [0 deletes, 0 puts], 1 skipped, 0 failed"),
        "{log}"
    );
    assert!(f.remote.requests().is_empty());
    assert_eq!(sync_points(&f), (-1, -1));
}

#[test]
fn erasure_coded_fragments_are_never_shipped() {
    let remote_path = "/v1/AUTH_b/c2";
    let f = fixture(
        |port| format!("http://127.0.0.1:{port}{remote_path}"),
        |_| String::new(),
        "",
    );
    let deleted: BTreeSet<String> = f.deleted.iter().cloned().collect();
    let mine_live: Vec<String> = share_names(&f, true)
        .difference(&deleted)
        .cloned()
        .collect();
    assert!(
        !mine_live.is_empty(),
        "fixture needs a live row in this node's share"
    );
    let ec = mine_live[0].clone();
    f.object_faults
        .lock()
        .unwrap()
        .insert(ec.clone(), EC_FRAGMENT);
    let log = run_once(&f.env);
    assert!(log.contains("holds an erasure-coded fragment"), "{log}");
    let puts = names_of(&by_method(&f.remote.requests(), "PUT"), remote_path);
    assert!(!puts.contains(&ec), "a fragment was shipped: {puts:?}");
    assert_eq!(puts.len(), mine_live.len() - 1);
    // One GET: a fragment is not retried.
    let gets = f
        .objserver
        .requests()
        .iter()
        .filter(|r| r.path.contains(&format!("/{}?", ec)))
        .count();
    assert_eq!(gets, 1);
    assert!(log.contains(", 0 skipped, 1 failed"), "{log}");
}
