//! Building the sync daemon from a container-server config file, for the in-process task and
//! the standalone `swift-container-sync`.

use super::config::{SyncConfig, SyncConfigError};
use super::ContainerSync;
use crate::daemon::{self, Brokers, Stop};
use swift_common::config::{ConfFile, ConfigError, Section, SwiftConf};
use tokio::task::JoinHandle;

/// The config section container sync reads.
pub const SECTION: &str = "container-sync";

/// Why the daemon cannot start (Swift exits on these too).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A bad option.
    #[error("{0}")]
    Option(#[from] SyncConfigError),
    /// swift.conf could not be read.
    #[error("{0}")]
    SwiftConf(#[from] ConfigError),
}

/// The daemon configured by the `[container-sync]` section and swift.conf's hash salt.
pub fn from_section(section: &Section, brokers: Brokers) -> Result<ContainerSync, SetupError> {
    let sync_conf = SyncConfig::from_section(section)?;
    let swift_conf = SwiftConf::load(&sync_conf.swift_dir)?;
    Ok(ContainerSync::new(sync_conf, swift_conf.hash_salt, brokers))
}

/// Starts container sync on its own thread inside the server, when `conf` has a
/// `[container-sync]` section that does not say `in_process = false`.
pub fn start_in_process(conf: &ConfFile, brokers: Brokers) -> Option<JoinHandle<()>> {
    let section = match conf.try_section(SECTION) {
        Ok(Some(s)) => s,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!("container-sync not started: {e}");
            return None;
        }
    };
    if !daemon::runs_in_process(&section) {
        return None;
    }
    match from_section(&section, brokers) {
        Ok(mut sync) => Some(daemon::spawn_thread(SECTION, move || {
            daemon::run_forever(&mut sync, &Stop::new())
        })),
        Err(e) => {
            tracing::error!("container-sync not started: {e}");
            None
        }
    }
}
