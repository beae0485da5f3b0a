//! The container-sync store as the server keeps it: a container PUT or POST that sets both
//! sync-to and sync-key links its DB under `<device>/sync_containers/`, clearing either unlinks
//! it, and a DELETE unlinks it; checked side by side with Swift 2.38.3's Python server, which
//! must leave exactly the same links after each request.

use std::path::{Path, PathBuf};
use swift_tests::{PythonServer, ServerOptions, TestServer};

/// Every link under `<devices>/*/sync_containers`, relative to `devices`, with its target
/// relative to `devices` too.
fn links(devices: &Path) -> Vec<(PathBuf, PathBuf)> {
    fn walk(dir: &Path, devices: &Path, out: &mut Vec<(PathBuf, PathBuf)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.push((
                    p.strip_prefix(devices).unwrap().to_path_buf(),
                    target
                        .strip_prefix(devices)
                        .unwrap_or(&target)
                        .to_path_buf(),
                ));
            } else if meta.is_dir() {
                walk(&p, devices, out);
            }
        }
    }
    let mut out = Vec::new();
    for dev in std::fs::read_dir(devices).unwrap().flatten() {
        walk(&dev.path().join("sync_containers"), devices, &mut out);
    }
    out.sort();
    out
}

/// (method, container, headers, expected number of links after it)
type Step<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, usize);

#[test]
fn put_post_delete_keep_the_sync_store_like_swift() {
    let ours = TestServer::start_with(ServerOptions::default());
    let theirs = PythonServer::start_with(ServerOptions::default());
    let ours_dev = ours.devices();
    let theirs_dev = theirs.dir.path().join("node");
    let sync_to = "http://127.0.0.1:9/v1/AUTH_b/c";
    let steps: Vec<Step> = vec![
        (
            "PUT",
            "c1",
            vec![
                ("X-Timestamp", "1700000001.00000"),
                ("X-Container-Sync-To", sync_to),
                ("X-Container-Sync-Key", "k"),
            ],
            1,
        ),
        (
            "PUT",
            "c2",
            vec![
                ("X-Timestamp", "1700000002.00000"),
                ("X-Container-Sync-To", sync_to),
            ],
            1,
        ),
        (
            "POST",
            "c2",
            vec![
                ("X-Timestamp", "1700000003.00000"),
                ("X-Container-Sync-Key", "k2"),
            ],
            2,
        ),
        (
            "POST",
            "c1",
            vec![
                ("X-Timestamp", "1700000004.00000"),
                ("X-Container-Sync-Key", ""),
            ],
            1,
        ),
        (
            "POST",
            "c1",
            vec![
                ("X-Timestamp", "1700000005.00000"),
                ("X-Container-Sync-Key", "k3"),
            ],
            2,
        ),
        ("PUT", "c3", vec![("X-Timestamp", "1700000006.00000")], 2),
        ("DELETE", "c2", vec![("X-Timestamp", "1700000007.00000")], 1),
        (
            "POST",
            "c1",
            vec![
                ("X-Timestamp", "1700000008.00000"),
                ("X-Container-Sync-To", ""),
            ],
            0,
        ),
    ];
    for (method, container, headers, expected) in steps {
        let path = format!("/sda1/0/AUTH_a/{container}");
        let a = ours.request(method, &path, &headers, b"");
        let b = theirs.request(method, &path, &headers, b"");
        assert_eq!(
            a.status, b.status,
            "{method} {container}: ours {} vs Swift {}",
            a.status, b.status
        );
        assert!(a.status < 300, "{method} {container} -> {}", a.status);
        let (la, lb) = (links(&ours_dev), links(&theirs_dev));
        assert_eq!(la, lb, "after {method} {container}");
        assert_eq!(la.len(), expected, "after {method} {container}: {la:?}");
        for (link, target) in &la {
            // <dev>/sync_containers/<part>/<suffix>/<hash>/<hash>.db -> <dev>/containers/...
            let s = link
                .to_string_lossy()
                .replacen("/sync_containers/", "/containers/", 1);
            assert_eq!(target.to_string_lossy().trim_start_matches('/'), s);
        }
    }
}
