//! `swift-container-sync CONF once` against container DBs written by Swift's own Python
//! `ContainerBroker`: the exact requests sent (method, path, headers, body, realm signature
//! verified by Swift's Python `get_sig`), the node's share rule, and the sync points Swift's
//! algorithm leaves in the DB.

mod sync_support;

use serde_json::json;
use std::collections::BTreeSet;
use sync_support::*;

#[test]
fn sync_key_form_ships_this_nodes_share_then_the_rest() {
    let remote_path = "/v1/AUTH_b/c2";
    let f = fixture(
        |port| format!("http://127.0.0.1:{port}{remote_path}"),
        |_| String::new(),
        "",
    );
    let mine = share_names(&f, true);
    let others = share_names(&f, false);
    assert!(
        !mine.is_empty() && !others.is_empty(),
        "fixture needs rows on both sides of the share: {:?}",
        f.setup
    );
    let max_row = f.setup["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rowid"].as_i64().unwrap())
        .max()
        .unwrap();
    assert_eq!(sync_points(&f), (-1, -1));

    // First pass: nothing between the points; only this node's share of the new rows.
    let log = run_once(&f.env);
    assert_eq!(sync_points(&f), (max_row, -1), "{log}");
    let reqs = f.remote.requests();
    let deleted: BTreeSet<String> = f.deleted.iter().cloned().collect();
    let mine_live: BTreeSet<String> = mine.difference(&deleted).cloned().collect();
    let mine_deleted: BTreeSet<String> = mine.intersection(&deleted).cloned().collect();
    assert_eq!(
        names_of(&by_method(&reqs, "HEAD"), remote_path),
        mine_live,
        "{log}"
    );
    assert_eq!(
        names_of(&by_method(&reqs, "PUT"), remote_path),
        mine_live,
        "{log}"
    );
    assert_eq!(
        names_of(&by_method(&reqs, "DELETE"), remote_path),
        mine_deleted,
        "{log}"
    );
    for r in &reqs {
        assert_eq!(
            r.headers.get("x-container-sync-key").map(String::as_str),
            Some("userkey"),
            "{r:?}"
        );
        assert!(!r.headers.contains_key("x-container-sync-auth"));
    }
    for r in by_method(&reqs, "PUT") {
        check_put(&f, r, remote_path);
    }
    for r in by_method(&reqs, "HEAD") {
        let name = percent_decode(r.path.strip_prefix(&format!("{remote_path}/")).unwrap());
        let obj = f.objects.iter().find(|o| o.name == name).unwrap();
        assert_eq!(r.headers.get("x-timestamp"), Some(&normal(obj.ts)));
    }
    for (i, n) in f.deleted.iter().enumerate() {
        if let Some(r) = by_method(&reqs, "DELETE")
            .into_iter()
            .find(|r| r.path == format!("{remote_path}/{}", quoted(n)))
        {
            assert_eq!(
                r.headers.get("x-timestamp"),
                Some(&normal(T0 + 100.0 + i as f64))
            );
        }
    }
    // Object GETs went to the object ring's device on its replication address.
    let gets = f.objserver.requests();
    assert_eq!(gets.len(), mine_live.len());
    for g in &gets {
        assert_eq!(g.method, "GET");
        assert!(g.path.starts_with("/sdo1/"), "{}", g.path);
        assert!(g.path.ends_with("?symlink=get"), "{}", g.path);
        assert_eq!(
            g.headers
                .get("x-backend-storage-policy-index")
                .map(String::as_str),
            Some("0")
        );
        assert_eq!(g.headers.get("x-newest").map(String::as_str), Some("true"));
    }
    let expected = format!(
        "1 synced [{} deletes, {} puts], 0 skipped, 0 failed",
        mine_deleted.len(),
        mine_live.len()
    );
    assert!(log.contains(&expected), "no {expected:?} in:\n{log}");
    assert!(
        log.contains(&format!("Container sync report: {ACCOUNT}/{CONTAINER}, ")),
        "{log}"
    );

    // Second pass: every row between the points is retried; the remote already has this
    // node's share (HEAD says so), so only the other rows are PUT; tombstones are re-sent.
    let log = run_once(&f.env);
    assert_eq!(sync_points(&f), (max_row, max_row), "{log}");
    let reqs2: Vec<Recorded> = f.remote.requests()[reqs.len()..].to_vec();
    let live: BTreeSet<String> = f
        .objects
        .iter()
        .map(|o| o.name.clone())
        .filter(|n| !deleted.contains(n))
        .collect();
    let others_live: BTreeSet<String> = others.difference(&deleted).cloned().collect();
    assert_eq!(
        names_of(&by_method(&reqs2, "HEAD"), remote_path),
        live,
        "{log}"
    );
    assert_eq!(
        names_of(&by_method(&reqs2, "PUT"), remote_path),
        others_live,
        "{log}"
    );
    assert_eq!(
        names_of(&by_method(&reqs2, "DELETE"), remote_path),
        deleted,
        "{log}"
    );
    for r in by_method(&reqs2, "PUT") {
        check_put(&f, r, remote_path);
    }
    let expected = format!(
        "1 synced [{} deletes, {} puts], 0 skipped, 0 failed",
        deleted.len(),
        others_live.len()
    );
    assert!(log.contains(&expected), "no {expected:?} in:\n{log}");
}

#[test]
fn realm_form_signs_every_request_as_swift_does() {
    let f = fixture(
        |_| "//testrealm/cluster1/AUTH_b/c3".to_string(),
        |port| {
            format!("[testrealm]\nkey = realmkey\ncluster_cluster1 = http://127.0.0.1:{port}/v1/\n")
        },
        "",
    );
    let remote_path = "/v1/AUTH_b/c3";
    let max_row = f.setup["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rowid"].as_i64().unwrap())
        .max()
        .unwrap();
    run_once(&f.env);
    let log = run_once(&f.env);
    assert_eq!(sync_points(&f), (max_row, max_row), "{log}");
    let reqs = f.remote.requests();
    assert!(
        by_method(&reqs, "PUT").len() == 8 && by_method(&reqs, "DELETE").len() >= 2,
        "{reqs:?}"
    );
    let mut sig_inputs = Vec::new();
    let mut sigs = Vec::new();
    for r in &reqs {
        assert!(!r.headers.contains_key("x-container-sync-key"));
        let auth = r
            .headers
            .get("x-container-sync-auth")
            .unwrap_or_else(|| panic!("no auth on {r:?}"));
        let parts: Vec<&str> = auth.split(' ').collect();
        assert_eq!(parts.len(), 3, "{auth}");
        assert_eq!(parts[0], "TESTREALM");
        assert_eq!(parts[1].len(), 32);
        assert!(parts[1].bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(r.path.starts_with(&format!("{remote_path}/")));
        sig_inputs.push(json!({"method": r.method, "path": r.path, "ts": r.headers["x-timestamp"], "nonce": parts[1]}));
        sigs.push(parts[2].to_string());
    }
    let names: Vec<String> = f.objects.iter().map(|o| o.name.clone()).collect();
    let py = python(
        SIG_PY,
        &json!({"reqs": sig_inputs, "realm_key": "realmkey", "user_key": "userkey", "names": names}),
    );
    let py = py.as_array().unwrap();
    for (i, s) in sigs.iter().enumerate() {
        assert_eq!(py[i].as_str().unwrap(), s, "signature of {:?}", reqs[i]);
    }
    // The paths were quoted exactly as Swift's quote() does.
    for (j, n) in names.iter().enumerate() {
        assert_eq!(py[sigs.len() + j].as_str().unwrap(), quoted(n));
    }
    for r in by_method(&reqs, "PUT") {
        check_put(&f, r, remote_path);
    }
}
