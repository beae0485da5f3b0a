//! Building the sync daemon from a container-server config file, for the in-process task and
//! the standalone `swift-container-sync`.

use super::config::{SyncConfig, SyncConfigError};
use super::{BrokerOpener, ContainerSync};
use swift_common::config::{ConfFile, ConfigError, SwiftConf};

/// The config section container sync reads.
pub const SECTION: &str = "container-sync";

/// Why the daemon cannot start (Swift exits with the same complaints).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// No `[container-sync]` section.
    #[error("Unable to find {SECTION} config section in {0}")]
    NoSection(String),
    /// A bad option.
    #[error("{0}")]
    Option(#[from] SyncConfigError),
    /// swift.conf could not be read.
    #[error("{0}")]
    SwiftConf(#[from] ConfigError),
}

/// The daemon configured by `conf`'s `[container-sync]` section and swift.conf's hash salt.
pub fn from_conf(conf: &ConfFile, open_broker: BrokerOpener) -> Result<ContainerSync, SetupError> {
    let section = conf
        .try_section(SECTION)?
        .ok_or_else(|| SetupError::NoSection(conf.path().to_string()))?;
    let sync_conf = SyncConfig::from_section(&section)?;
    let swift_conf = SwiftConf::load(&sync_conf.swift_dir)?;
    Ok(ContainerSync::new(
        sync_conf,
        swift_conf.hash_salt,
        open_broker,
    ))
}
