//! Container sync as a task inside the server process: `swift_sync::start_in_process` with the
//! server's shared `BrokerCache` picks up the `[container-sync]` section and, on its own, ships
//! the rows and moves the sync points on the interval, as the standalone daemon does.

mod sync_support;

use std::sync::Arc;
use std::time::{Duration, Instant};
use swift_common::config::ConfFile;
use swift_common::db::BrokerCache;
use sync_support::*;

#[test]
fn the_in_process_task_syncs_on_its_interval() {
    let remote_path = "/v1/AUTH_b/c2";
    let f = fixture(
        |port| format!("http://127.0.0.1:{port}{remote_path}"),
        |_| String::new(),
        "",
    );
    let max_row = f.setup["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rowid"].as_i64().unwrap())
        .max()
        .unwrap();
    let deleted: std::collections::BTreeSet<String> = f.deleted.iter().cloned().collect();
    let live_total = f.objects.len() - deleted.len();

    let conf = ConfFile::load(&f.env.conf).unwrap();
    let cache = Arc::new(BrokerCache::default());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handles = rt.block_on(async { swift_sync::start_in_process(&conf, cache.clone()) });
    assert!(!handles.is_empty(), "no task started");

    // interval = 1: the first pass starts within a second, then one a second. Two passes put
    // every live object (this node's share first, then the rest) and move both points.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let puts = by_method(&f.remote.requests(), "PUT").len();
        if puts >= live_total {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {puts} of {live_total} PUTs after 30 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while sync_points(&f) != (max_row, max_row) {
        assert!(
            Instant::now() < deadline,
            "sync points stuck at {:?}",
            sync_points(&f)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let put_names = names_of(&by_method(&f.remote.requests(), "PUT"), remote_path);
    let live: std::collections::BTreeSet<String> = f
        .objects
        .iter()
        .map(|o| o.name.clone())
        .filter(|n| !deleted.contains(n))
        .collect();
    assert_eq!(put_names, live);
    for r in by_method(&f.remote.requests(), "PUT") {
        check_put(&f, r, remote_path);
    }
    // The task used the server's broker for this DB (one shared broker, no second open).
    assert_eq!(
        cache.len(),
        1,
        "the task did not open its DB through the shared cache"
    );
    let db_dir = std::path::Path::new(f.setup["db"].as_str().unwrap())
        .parent()
        .unwrap()
        .to_path_buf();
    let shared = cache.get_or_open(&db_dir, "", "");
    assert_eq!(
        cache.len(),
        1,
        "the cached broker is not the one for this DB dir"
    );
    assert_eq!(shared.get_info().unwrap().x_container_sync_point1, max_row);
    // A finished pass never ends the task.
    assert!(handles.iter().all(|h| !h.is_finished()));
    rt.shutdown_background();
}
