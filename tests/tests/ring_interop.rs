//! Rings written by Swift 2.38.3's `swift-ring-builder` (both formats, 2- and 4-byte device
//! ids, fractional replicas, removed devices, more than 65536 partitions) give the same
//! partitions, primaries and handoff order from our reader as from Swift's own `Ring`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use swift_common::hash::HashSalt;
use swift_ring::Ring;

const PREFIX: &str = "ring-prefix";
const SUFFIX: &str = "ring-suffix";
const HANDOFFS: usize = 12;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The venv with swift==2.38.3: `SWIFT_VENV`, or the one scripts/swift-venv.sh makes.
fn swift_venv() -> PathBuf {
    if let Some(v) = std::env::var_os("SWIFT_VENV") {
        return PathBuf::from(v);
    }
    let out = Command::new(repo_root().join("scripts/swift-venv.sh"))
        .output()
        .expect("run scripts/swift-venv.sh");
    assert!(
        out.status.success(),
        "swift-venv.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn ring_builder(venv: &Path, builder: &Path, args: &[&str]) {
    let out = Command::new(venv.join("bin/swift-ring-builder"))
        .arg(builder)
        .args(args)
        .output()
        .expect("run swift-ring-builder");
    // 1 means "done, with warnings" (e.g. balance), which is fine for a test ring.
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "swift-ring-builder {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A builder with 2 regions, 5 zones, 7 IPs and 13 devices (one later removed).
fn make_builder(venv: &Path, dir: &Path, name: &str, part_power: u32, replicas: &str) -> PathBuf {
    let builder = dir.join(format!("{name}.builder"));
    ring_builder(
        venv,
        &builder,
        &["create", &part_power.to_string(), replicas, "0"],
    );
    let devices = [
        "r1z1-10.0.0.1:6201R10.1.0.1:6211/sda_first disk",
        "r1z1-10.0.0.1:6201R10.1.0.1:6211/sdb",
        "r1z1-10.0.0.2:6201/sda",
        "r1z2-10.0.1.1:6201/sda",
        "r1z2-10.0.1.1:6201/sdb",
        "r1z2-10.0.1.2:6202/sdc",
        "r1z3-10.0.2.1:6201/sda",
        "r2z1-10.2.0.1:6201/sda",
        "r2z1-10.2.0.1:6201/sdb",
        "r2z2-10.2.1.1:6201/sda",
        "r2z2-10.2.1.1:6201/sdb",
        "r2z2-10.2.1.1:6201/sdc",
        "r2z2-10.2.1.2:6201/sda",
    ];
    // One `add` with every device: each builder run costs a Python start-up.
    let weights: Vec<String> = (0..devices.len())
        .map(|i| (100 + 25 * (i % 3)).to_string())
        .collect();
    let mut add = vec!["add"];
    for (dev, weight) in devices.iter().zip(&weights) {
        add.extend([*dev, weight.as_str()]);
    }
    ring_builder(venv, &builder, &add);
    ring_builder(venv, &builder, &["rebalance", "--format-version", "1"]);
    // A removed device leaves a null in the device list.
    ring_builder(venv, &builder, &["remove", "d4"]);
    ring_builder(venv, &builder, &["pretend_min_part_hours_passed"]);
    ring_builder(venv, &builder, &["rebalance", "--format-version", "1"]);
    builder
}

fn write_ring(venv: &Path, builder: &Path, args: &[&str]) -> PathBuf {
    ring_builder(venv, builder, &[&["write_ring"], args].concat());
    builder.with_extension("ring.gz")
}

fn names() -> Vec<(String, Option<String>, Option<String>)> {
    let mut names = Vec::new();
    for i in 0..600 {
        names.push((format!("AUTH_acct{i}"), None, None));
        names.push((
            "AUTH_test".to_string(),
            Some(format!("cont-{i}-\u{e9}\u{1f600}")),
            None,
        ));
    }
    for i in 0..300 {
        names.push((
            "AUTH_test".to_string(),
            Some(format!("c{}", i % 7)),
            Some(format!("obj/with/slashes/{i}")),
        ));
    }
    names.push((
        ".shards_AUTH_test".to_string(),
        Some("c-123-0".to_string()),
        None,
    ));
    names
}

fn python_answers(venv: &Path, ring: &Path, all_parts: bool) -> Value {
    let names: Vec<Value> = names()
        .into_iter()
        .map(|(a, c, o)| json!([a, c, o]))
        .collect();
    let req = json!({"ring": ring, "prefix": PREFIX, "suffix": SUFFIX, "names": names,
                     "handoffs": HANDOFFS, "all_parts": all_parts});
    let mut child = Command::new(venv.join("bin/python"))
        .arg(repo_root().join("tests/python/ring_answers.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(req.to_string().as_bytes())
        .expect("write request");
    let out = child.wait_with_output().expect("python output");
    assert!(
        out.status.success(),
        "ring_answers.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python JSON")
}

fn ids(devs: impl IntoIterator<Item = swift_ring::Device>) -> Value {
    json!(devs.into_iter().map(|d| d.id).collect::<Vec<_>>())
}

/// Compares everything our ring answers with what Swift's Ring answered for the same file.
fn assert_same_answers(venv: &Path, path: &Path, expect_format: u16, all_parts: bool) {
    let py = python_answers(venv, path, all_parts);
    let salt = HashSalt {
        prefix: PREFIX.to_string(),
        suffix: SUFFIX.to_string(),
    };
    let ring = Ring::load(path, salt).expect("load ring");
    assert_eq!(ring.format_version(), expect_format);
    assert_eq!(json!(ring.partition_count()), py["partition_count"]);
    assert_eq!(
        ring.replica_count(),
        py["replica_count"].as_f64().expect("replica_count")
    );

    // Device lists agree field by field (null where removed).
    let py_devs = py["devs"].as_array().expect("devs");
    assert_eq!(ring.devs().len(), py_devs.len());
    assert!(
        ring.devs().iter().any(Option::is_none),
        "expected a removed device"
    );
    for (ours, theirs) in ring.devs().iter().zip(py_devs) {
        match ours {
            None => assert!(theirs.is_null()),
            Some(d) => {
                for (key, value) in [
                    ("id", json!(d.id)),
                    ("region", json!(d.region)),
                    ("zone", json!(d.zone)),
                    ("ip", json!(d.ip)),
                    ("port", json!(d.port)),
                    ("replication_ip", json!(d.replication_ip)),
                    ("replication_port", json!(d.replication_port)),
                    ("device", json!(d.device)),
                    ("meta", json!(d.meta)),
                ] {
                    assert_eq!(value, theirs[key], "device {} field {key}", d.id);
                }
                assert_eq!(Some(d.weight), theirs["weight"].as_f64());
            }
        }
    }

    let names = names();
    let answers = py["names"].as_array().expect("names");
    assert_eq!(names.len(), answers.len());
    assert!(names.len() >= 1000);
    for ((a, c, o), theirs) in names.iter().zip(answers) {
        let (part, primaries) = ring.get_nodes(a, c.as_deref(), o.as_deref());
        let label = format!("{a}/{c:?}/{o:?} in {}", path.display());
        assert_eq!(json!(part), theirs["part"], "part of {label}");
        assert_eq!(ids(primaries), theirs["primaries"], "primaries of {label}");
        let handoffs = ring.get_more_nodes(part).take(HANDOFFS);
        assert_eq!(ids(handoffs), theirs["handoffs"], "handoffs of {label}");
    }
    if all_parts {
        let parts = py["parts"].as_array().expect("parts");
        assert_eq!(parts.len(), ring.partition_count());
        for (part, theirs) in parts.iter().enumerate() {
            let part = part as u64;
            assert_eq!(
                ids(ring.get_part_nodes(part)),
                theirs["primaries"],
                "part {part}"
            );
            assert_eq!(
                ids(ring.get_more_nodes(part)),
                theirs["handoffs"],
                "part {part}"
            );
        }
    }
}

#[test]
fn both_formats_answer_as_swift_does() {
    let venv = swift_venv();
    let dir = tempfile::tempdir().expect("tempdir");
    let builder = make_builder(&venv, dir.path(), "three", 8, "3");
    let v1 = write_ring(&venv, &builder, &["--format-version", "1"]);
    assert_same_answers(&venv, &v1, 1, true);
    let v2 = write_ring(&venv, &builder, &["--format-version", "2"]);
    assert_same_answers(&venv, &v2, 2, true);
    let v2_wide = write_ring(
        &venv,
        &builder,
        &["--format-version", "2", "--dev-id-bytes", "4"],
    );
    assert_same_answers(&venv, &v2_wide, 2, true);
}

#[test]
fn fractional_replicas_answer_as_swift_does() {
    let venv = swift_venv();
    let dir = tempfile::tempdir().expect("tempdir");
    let builder = make_builder(&venv, dir.path(), "frac", 10, "2.5");
    for format in [1u16, 2] {
        let ring = write_ring(&venv, &builder, &["--format-version", &format.to_string()]);
        assert_same_answers(&venv, &ring, format, true);
    }
}

#[test]
fn more_than_65536_partitions_step_the_handoff_walk_as_swift_does() {
    let venv = swift_venv();
    let dir = tempfile::tempdir().expect("tempdir");
    for format in ["1", "2"] {
        let ring = dir.path().join(format!("large-v{format}.ring.gz"));
        let out = Command::new(venv.join("bin/python"))
            .arg(repo_root().join("tests/python/ring_make_large.py"))
            .args([ring.as_os_str(), format.as_ref()])
            .output()
            .expect("run ring_make_large.py");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_same_answers(&venv, &ring, format.parse().expect("format"), false);
    }
}
