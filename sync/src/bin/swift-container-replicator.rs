//! `swift-container-replicator CONF [once] [verbose]`: Swift's container replicator, standalone (the
//! same code the server runs in-process unless `in_process = false`). `once` runs one full
//! pass and exits when it is done, as swift-init and the probe tests expect.

use std::process::ExitCode;
use std::sync::Arc;

use swift_common::db::BrokerCache;
use swift_sync::replicator::ContainerReplicator;

fn main() -> ExitCode {
    swift_sync::daemon::standalone_main(swift_sync::replicator::SECTION, |conf, _section| {
        ContainerReplicator::from_conf(conf, Arc::new(BrokerCache::new()))
            .map_err(|e| e.to_string())
    })
}
