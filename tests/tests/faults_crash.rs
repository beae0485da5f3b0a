//! The process dies under load: kill -9 in the middle of 64-way object-update load (with
//! listings forcing pending commits at the same time), and SIGTERM under load. After a restart
//! every row answered 201 is listed, nothing else appears, and every DB passes SQLite's
//! `PRAGMA integrity_check`.

mod faults_support;

use faults_support::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use swift_tests::ServerOptions;

const CONTAINERS: [&str; 4] = ["c0", "c1", "c2", "c3"];

/// Starts load on all containers plus two threads listing them (each GET commits the pending
/// rows), lets it run for `run_for`, then calls `interrupt` while requests are still in flight.
fn load_then(node: &mut Node, run_for: Duration, interrupt: impl FnOnce(&mut Node)) -> LoadResult {
    for c in CONTAINERS {
        node.create_container(c);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let load = run_load(
        node.port,
        CONTAINERS.iter().map(|c| c.to_string()).collect(),
        64,
        stop.clone(),
    );
    let listers: Vec<_> = (0..2)
        .map(|i| {
            let (port, stop) = (node.port, stop.clone());
            std::thread::spawn(move || {
                let mut n = i;
                while !stop.load(Ordering::SeqCst) {
                    let path = format!("/sda1/0/a/{}?format=json", CONTAINERS[n % 4]);
                    // The server may be gone mid-request: connection errors are expected.
                    let _ = get_status(port, &path);
                    n += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(run_for);
    interrupt(node);
    // Let the load see the dead server for a moment, then stop it.
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    for l in listers {
        let _ = l.join();
    }
    load.join().expect("load")
}

/// Every acknowledged row is listed after the restart, no row appears that was never sent,
/// and every DB file is sound.
fn check_after_restart(node: &Node, result: &LoadResult, what: &str) {
    let mut found = std::collections::BTreeSet::new();
    for c in CONTAINERS {
        for name in node.listed_names(c) {
            found.insert(format!("{c}/{name}"));
        }
    }
    let lost: Vec<_> = result.acked.difference(&found).collect();
    let strays: Vec<_> = found
        .iter()
        .filter(|k| !result.acked.contains(*k) && !result.failed.contains(*k))
        .collect();
    let failed_but_present = result.failed.intersection(&found).count();
    eprintln!(
        "{what}: rows acked {} / found {} (acked and found {}, not acked but found {}), lost {}",
        result.acked.len(),
        found.len(),
        result.acked.len() - lost.len(),
        failed_but_present,
        lost.len()
    );
    assert!(
        result.acked.len() > 100,
        "load too light: {}",
        result.acked.len()
    );
    assert!(lost.is_empty(), "acknowledged rows lost: {lost:?}");
    assert!(strays.is_empty(), "rows never sent: {strays:?}");
    let dbs = db_files(&node.devices());
    assert_eq!(dbs.len(), CONTAINERS.len(), "DB files: {dbs:?}");
    for db in dbs {
        assert_eq!(integrity_check(&db), "ok", "{}", db.display());
    }
}

#[test]
fn kill9_under_64_way_load_loses_no_acknowledged_row() {
    let mut node = Node::start(ServerOptions::default());
    let result = load_then(&mut node, Duration::from_millis(2500), |n| n.kill9());
    node.restart();
    check_after_restart(&node, &result, "kill -9");
}

#[test]
fn sigterm_under_load_finishes_in_flight_and_exits_within_seconds() {
    let mut node = Node::start(ServerOptions::default());
    let mut exit = None;
    let mut took = Duration::ZERO;
    let result = load_then(&mut node, Duration::from_millis(1500), |n| {
        let start = Instant::now();
        n.signal(libc::SIGTERM);
        exit = n.wait_exit(Duration::from_secs(10));
        took = start.elapsed();
    });
    eprintln!("SIGTERM: exited {exit:?} after {took:?}");
    assert_eq!(exit, Some(Some(0)), "clean exit within 10 s");
    assert!(took < Duration::from_secs(5), "exit took {took:?}");
    node.restart();
    check_after_restart(&node, &result, "SIGTERM");
}
