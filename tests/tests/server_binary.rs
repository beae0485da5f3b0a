//! The `swift-container-server` command line: `--help`, the embedded development config, letting
//! go of a stdout pipe once the port is bound (swift-init waits for that EOF), reload on SIGHUP
//! keeping the PID, and a refused start without a swift.conf hash salt.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use swift_tests::{free_port, server_binary, server_conf_text, write_swift_conf, ServerOptions};

#[test]
fn help_and_bad_options() {
    let out = Command::new(server_binary())
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("Usage: swift-container-server [CONFIG] [options]"),
        "{text}"
    );
    let out = Command::new(server_binary())
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn embedded_config_prepares_data_dir() {
    let cwd = tempfile::tempdir().unwrap();
    // -t loads and checks the config without binding 127.0.0.1:6201.
    let out = Command::new(server_binary())
        .arg("-t")
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "config OK\n");
    assert!(cwd.path().join(".data/devices/sda1").is_dir());
    let swift_conf = std::fs::read_to_string(cwd.path().join(".data/swift.conf")).unwrap();
    assert!(swift_conf.contains("swift_hash_path_suffix"));
}

#[test]
fn refuses_to_start_without_hash_salt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("swift.conf"), "[swift-hash]\n").unwrap();
    let conf = dir.path().join("container-server.conf");
    let text = server_conf_text(
        free_port(),
        dir.path(),
        dir.path(),
        &ServerOptions::default(),
    );
    std::fs::write(&conf, text).unwrap();
    let out = Command::new(server_binary()).arg(&conf).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("swift_hash_path_suffix and swift_hash_path_prefix are missing"),
        "{err}"
    );
}

fn wait_for_port(port: u16) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn releases_stdout_pipe_once_listening_and_reloads_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("node/sda1")).unwrap();
    write_swift_conf(dir.path());
    let port = free_port();
    let conf = dir.path().join("container-server.conf");
    let text = server_conf_text(
        port,
        &dir.path().join("node"),
        dir.path(),
        &ServerOptions::default(),
    );
    std::fs::write(&conf, text).unwrap();
    let mut child = Command::new(server_binary())
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Like swift-init: read stdout to EOF; by then the port must be bound.
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
        "not listening at stdout EOF"
    );
    assert!(child.try_wait().unwrap().is_none(), "server exited");

    let pid = child.id() as i32;
    // SAFETY: signals to the child we spawned and still own.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    std::thread::sleep(Duration::from_millis(200));
    assert!(wait_for_port(port), "not serving again after SIGHUP");
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGHUP must keep the same process"
    );
    let resp = swift_tests::raw_request(port, "GET", "/healthcheck", &[], b"");
    assert_eq!(resp.status, 200);

    unsafe { libc::kill(pid, libc::SIGTERM) };
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}
