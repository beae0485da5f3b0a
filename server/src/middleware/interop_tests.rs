//! The pipeline layer against Swift 2.38.3's own healthcheck and recon filters and its
//! `get_log_line`, run from the venv (`tests/python/middleware_reference.py`) on the same
//! files and requests. Answers that depend on the moment (load, memory, time, sockets) are
//! compared by shape; everything else byte for byte.

use super::*;
use crate::listing::interop_tests::run_reference;
use axum::routing::any;
use http::StatusCode;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::Mutex;
use swift_common::config::Section;
use tower::ServiceExt;

struct Fixture {
    _dir: tempfile::TempDir,
    devices: std::path::PathBuf,
    swift_dir: std::path::PathBuf,
    cache: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let devices = dir.path().join("srv");
    let swift_dir = dir.path().join("etc");
    let cache = dir.path().join("cache");
    for d in [&devices, &swift_dir, &cache] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(
        swift_dir.join("swift.conf"),
        "[swift-hash]\nswift_hash_path_prefix = pre\nswift_hash_path_suffix = suf\n\
         [storage-policy:0]\nname = gold\ndefault = yes\n[storage-policy:2]\nname = silver\n",
    )
    .expect("swift.conf");
    std::fs::write(swift_dir.join("container.ring.gz"), b"not really a ring").expect("ring");
    std::fs::write(swift_dir.join("object-2.ring.gz"), b"ring 2").expect("ring");
    // Devices: a plain directory, one with a mount stub, a bad name, a file.
    for d in ["sdb1", "sdc1", "bad name"] {
        std::fs::create_dir_all(devices.join(d)).expect("device");
    }
    std::fs::write(devices.join("sdc1/.ismount"), b"").expect("stub");
    std::fs::write(devices.join("notadir"), b"").expect("file");
    for q in [
        "sdb1/quarantined/containers/a",
        "sdb1/quarantined/containers/b",
        "sdb1/quarantined/objects-2/x",
        "sdb1/quarantined/objects/y",
        "sdc1/quarantined/accounts/z",
        "sdc1/quarantined/containers/c",
    ] {
        std::fs::create_dir_all(devices.join(q)).expect("quarantine");
    }
    std::fs::write(
        cache.join("container.recon"),
        r#"{"replication_time": 1.5e-3, "replication_last": 1700000000.1234567,
            "replication_stats": {"attempted": 3, "diff": 0, "caf\u00e9": [1, 2.0, null]},
            "sharding_stats": {"sharding": {"n": 1}}, "container_updater_sweep": 0.25,
            "container_audits_passed": 12, "unrelated": true}"#,
    )
    .expect("cache");
    std::fs::write(cache.join("object.recon"), b"{not json").expect("cache");
    std::fs::write(cache.join("drive.recon"), b"[1, 2]").expect("cache");
    Fixture {
        _dir: dir,
        devices,
        swift_dir,
        cache,
    }
}

const RECON_PATHS: &[&str] = &[
    "/recon/version",
    "/recon/replication/container",
    "/recon/replication/account",
    "/recon/replication/object",
    "/recon/replication",
    "/recon/replication/bogus",
    "/recon/sharding",
    "/recon/updater/container",
    "/recon/updater/object",
    "/recon/updater/account",
    "/recon/auditor/container",
    "/recon/auditor/object",
    "/recon/expirer/object",
    "/recon/async",
    "/recon/driveaudit",
    "/recon/relinker",
    "/recon/reconstruction/object",
    "/recon/devices",
    "/recon/unmounted",
    "/recon/diskusage",
    "/recon/quarantined",
    "/recon/ringmd5",
    "/recon/swiftconfmd5",
    "/recon/bogus",
    "/recon/",
    "/recon/a/b/c",
    "/recon/caf%C3%A9",
    "/recon/version/extra",
];

/// Checks whose answers change from moment to moment: compared by JSON shape only.
const RECON_SHAPE_PATHS: &[&str] = &[
    "/recon/load",
    "/recon/mem",
    "/recon/time",
    "/recon/sockstat",
    "/recon/mounted",
];

fn app(conf: PipelineConfig) -> axum::Router {
    axum::Router::new()
        .route(
            "/{*rest}",
            any(|| async { (StatusCode::IM_A_TEAPOT, "app") }),
        )
        .layer(SwiftPipelineLayer::new(conf))
}

async fn call(router: &axum::Router, method: &str, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .expect("request");
    let resp = router.clone().oneshot(req).await.expect("infallible");
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (status, ct, body.to_vec())
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// A raw (quoted) path as the WSGI PATH_INFO Swift gets.
fn path_info(raw: &str) -> String {
    latin1(&percent_encoding::percent_decode_str(raw).collect::<Vec<u8>>())
}

fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Array(m.keys().map(|k| json!(k)).collect()),
        Value::Array(a) => json!(a.first().map(shape)),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        other => other.clone(),
    }
}

#[tokio::test]
async fn recon_matches_swift() {
    let f = fixture();
    let section = Section::from_pairs(
        "filter:recon",
        vec![
            ("devices".into(), f.devices.to_string_lossy().into()),
            ("swift_dir".into(), f.swift_dir.to_string_lossy().into()),
            ("recon_cache_path".into(), f.cache.to_string_lossy().into()),
        ],
    );
    let conf = PipelineConfig {
        recon: Some(Arc::new(Recon::from_section(&section))),
        ..PipelineConfig::default()
    };
    let router = app(conf);
    let all: Vec<&str> = RECON_PATHS
        .iter()
        .chain(RECON_SHAPE_PATHS)
        .copied()
        .collect();
    let swift = run_reference(
        "middleware_reference.py",
        &json!({"recon": {
            "conf": {"devices": f.devices, "swift_dir": f.swift_dir, "recon_cache_path": f.cache},
            "paths": all.iter().map(|p| path_info(p)).collect::<Vec<_>>(),
        }}),
    );
    for (i, path) in all.iter().enumerate() {
        let (status, ct, body) = call(&router, "GET", path).await;
        let s = &swift["recon"][i];
        let what = format!("{path}: ours {} swift {}", latin1(&body), s["body"]);
        assert_eq!(
            s["status"].as_str().and_then(|s| s.split(' ').next()),
            Some(status.to_string().as_str()),
            "{what}"
        );
        assert_eq!(s["content_type"], json!(ct), "{what}");
        if RECON_SHAPE_PATHS.contains(path) {
            let ours: Value = serde_json::from_slice(&body).expect("json");
            let theirs: Value =
                serde_json::from_str(s["body"].as_str().unwrap_or("")).expect("json");
            assert_eq!(shape(&ours), shape(&theirs), "{what}");
        } else if *path == "/recon/diskusage" {
            // Free space moves while the machine runs; compare all but used/avail.
            let steady = |v: Value| -> Value {
                let mut v = v;
                for d in v.as_array_mut().into_iter().flatten() {
                    if d["mounted"] == json!(true) {
                        d["used"] = json!("moving");
                        d["avail"] = json!("moving");
                    }
                }
                v
            };
            let ours: Value = serde_json::from_slice(&body).expect("json");
            let theirs: Value =
                serde_json::from_str(s["body"].as_str().unwrap_or("")).expect("json");
            assert_eq!(steady(ours), steady(theirs), "{what}");
        } else {
            assert_eq!(s["body"], json!(latin1(&body)), "{what}");
        }
    }
}

#[tokio::test]
async fn healthcheck_matches_swift() {
    let dir = tempfile::tempdir().expect("tempdir");
    let flag = dir.path().join("disabled");
    let cases = [
        ("GET", "/healthcheck"),
        ("POST", "/healthcheck"),
        ("DELETE", "/healthcheck"),
        ("GET", "/healthcheck/"),
        ("GET", "/%68ealthcheck"),
        ("GET", "/healthcheckx"),
    ];
    let section = Section::from_pairs(
        "filter:healthcheck",
        vec![("disable_path".into(), flag.to_string_lossy().into())],
    );
    let conf = PipelineConfig {
        healthcheck: Some(Healthcheck::from_section(&section)),
        ..PipelineConfig::default()
    };
    let router = app(conf);
    for disabled in [false, true] {
        if disabled {
            std::fs::write(&flag, b"").expect("flag");
        }
        let swift = run_reference(
            "middleware_reference.py",
            &json!({"healthcheck": {
                "conf": {"disable_path": flag},
                "paths": cases.iter().map(|(m, p)| json!([path_info(p), m])).collect::<Vec<_>>(),
            }}),
        );
        for (i, (method, path)) in cases.iter().enumerate() {
            let (status, ct, body) = call(&router, method, path).await;
            let s = &swift["healthcheck"][i];
            let what = format!("{method} {path} disabled={disabled}");
            if s["status"] == json!("299 Passed") {
                assert_eq!(status, 418, "{what}: should reach the app");
                continue;
            }
            assert_eq!(
                s["status"].as_str().and_then(|s| s.split(' ').next()),
                Some(status.to_string().as_str()),
                "{what}"
            );
            assert_eq!(s["content_type"], json!(ct), "{what}");
            assert_eq!(s["body"], json!(latin1(&body)), "{what}");
        }
    }
}

#[tokio::test]
async fn access_log_lines_match_swift() {
    let lines = Arc::new(Mutex::new(Vec::<(String, bool)>::new()));
    let sink_lines = lines.clone();
    let conf = PipelineConfig {
        sink: Arc::new(move |l: &str, debug: bool| {
            if let Ok(mut v) = sink_lines.lock() {
                v.push((l.to_string(), debug));
            }
        }),
        ..PipelineConfig::default()
    };
    let router = app(conf);
    let (status, _, _) = call(&router, "REPLICATE", "/sdb1/1/a%20b/c?x=1").await;
    assert_eq!(status, 418);
    let (status, _, _) = call(&router, "GET", "/healthcheck").await;
    assert_eq!(status, 200);
    // Swift's get_log_line cannot split this path: eventlet's 500, and no log line.
    let (status, _, _) = call(&router, "GET", "/sda1//a/c").await;
    assert_eq!(status, 500);
    // eventlet's line limits, in front of everything.
    let long = format!("/sda1/0/a/{}", "c".repeat(8200));
    assert_eq!(call(&router, "GET", &long).await.0, 414);
    let big = "x".repeat(8190);
    let req = Request::builder()
        .uri("/healthcheck")
        .header("X-Foo", big.as_str())
        .body(Body::empty())
        .expect("request");
    assert_eq!(router.clone().oneshot(req).await.expect("ok").status(), 400);
    let got = lines.lock().map(|v| v.clone()).unwrap_or_default();
    assert_eq!(got.len(), 1, "only the app's request is logged: {got:?}");
    assert!(got[0].1, "REPLICATE logs at debug");
    assert!(
        got[0]
            .0
            .contains("\"REPLICATE /sdb1/1/a%20b/c\" 418 3 \"-\" \"-\" \"-\" "),
        "{}",
        got[0].0
    );

    // The formatter against Swift's get_log_line on the same inputs.
    let formats = [
        access_log::DEFAULT_LOG_FORMAT,
        "{method} {path.anonymized} {account} {container.anonymized} {object} {disk} {partition} {status} {content_length} {time} {time.asctime} {time.iso8601} {time.datetime} {time.ms} {time.us} {time.j} {time.U} {time.W} {time.w} {time.a} {time.B} {time.p} {time.I} {trans_time} {trans_time:.2f} {{lit}} {pid} {policy_index}",
    ];
    let mut cases = Vec::new();
    let mut records = Vec::new();
    for (k, fmt) in formats.iter().enumerate() {
        for (method, raw, status, clen, pi_req, pi_res, salt) in [
            (
                "PUT",
                "/sdb1/1/a/c/q%22%3C%3E%26'",
                201,
                "0",
                None,
                None,
                "",
            ),
            (
                "GET",
                "/sdb1/1/caf%C3%A9/c",
                200,
                "693",
                Some("1"),
                None,
                "pepper",
            ),
            (
                "HEAD",
                "/sdb1/1/a/c/o/with/slashes",
                204,
                "0",
                Some("1"),
                Some("2"),
                "",
            ),
            ("DELETE", "/", 404, "12", None, Some("0"), ""),
        ] {
            let time = 1_704_067_199.987_654_3 + (k as f64) * 86_400.0 * 45.0;
            let trans_time = 0.000_049_9 + k as f64;
            let mut headers = serde_json::Map::new();
            headers.insert("user-agent".into(), json!("curl/8 \u{e9}"));
            headers.insert("x-trans-id".into(), json!("tx123"));
            if let Some(pi) = pi_req {
                headers.insert("x-backend-storage-policy-index".into(), json!(pi));
            }
            let mut res_headers = serde_json::Map::new();
            res_headers.insert("content-length".into(), json!(clen));
            if let Some(pi) = pi_res {
                res_headers.insert("x-backend-storage-policy-index".into(), json!(pi));
            }
            cases.push(json!({
                "format": fmt, "method": method, "path_info": path_info(raw),
                "headers": headers, "remote_addr": "10.0.0.1", "status": status,
                "res_headers": res_headers, "trans_time": trans_time, "time": time,
                "pid": 4242, "salt": salt,
            }));
            let conf = AccessLogConfig {
                format: fmt.to_string(),
                anonymization_salt: salt.to_string(),
                ..AccessLogConfig::default()
            };
            let record = LogRecord {
                remote_addr: Some("10.0.0.1".into()),
                method: method.into(),
                path: access_log::quote_path(raw),
                status,
                content_length: clen.parse().ok(),
                referer: None,
                txn_id: Some("tx123".into()),
                user_agent: Some("curl/8 \u{e9}".into()),
                trans_time,
                time,
                policy_index: pi_res.or(pi_req).map(str::to_string),
                pid: 4242,
            };
            records.push((record, conf));
        }
    }
    let swift = run_reference("middleware_reference.py", &json!({ "log_lines": cases }));
    for (i, (record, conf)) in records.iter().enumerate() {
        assert_eq!(
            swift["log_lines"][i],
            json!(record.format(conf)),
            "case {i}"
        );
    }
}
