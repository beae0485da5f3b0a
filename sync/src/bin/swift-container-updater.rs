//! `swift-container-updater CONF [once] [verbose]`: Swift's container updater, standalone.
//! Reads `[container-updater]` of CONF (a file or conf.d dir); `once` (or `daemonize = false`)
//! runs one full sweep and exits when it is done, otherwise it sweeps every `interval`.

use std::process::ExitCode;
use swift_sync::daemon::{standalone_main, Brokers};
use swift_sync::updater::{config::SECTION, ContainerUpdater};

fn main() -> ExitCode {
    standalone_main(SECTION, |_conf, section| {
        ContainerUpdater::from_section(section, Brokers::direct())
    })
}
