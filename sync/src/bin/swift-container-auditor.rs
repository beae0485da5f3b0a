//! `swift-container-auditor CONF [once] [verbose]`: Swift's container auditor, standalone.
//! Reads `[container-auditor]` of CONF (a file or conf.d dir); `once` (or `daemonize = false`)
//! audits every DB once and exits when it is done, otherwise it audits every `interval`.

use std::process::ExitCode;
use swift_sync::auditor::{ContainerAuditor, SECTION};
use swift_sync::daemon::{standalone_main, Brokers};

fn main() -> ExitCode {
    standalone_main(SECTION, |_conf, section| {
        ContainerAuditor::from_section(section, Brokers::direct())
    })
}
