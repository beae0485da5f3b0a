//! `swift-container-sync CONF [once] [verbose]`: Swift's container-sync daemon, standalone.
//! `once` (or `daemonize = false`) runs one full pass and exits when it is done.

use std::process::ExitCode;
use swift_sync::container_sync::setup;
use swift_sync::daemon::{standalone_main, Brokers};

fn main() -> ExitCode {
    standalone_main(setup::SECTION, |_conf, section| {
        setup::from_section(section, Brokers::direct()).map_err(|e| e.to_string())
    })
}
