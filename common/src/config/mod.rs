//! Swift's config files as Swift reads them: INI with `[DEFAULT]`, paste.deploy sections and
//! `set` overrides, conf.d directories, the typed container-server config, and `swift.conf`.
//!
//! Two lookups exist because Swift has two: the WSGI server reads `[app:...]`/`[filter:...]`
//! through paste.deploy (a `[DEFAULT]` value beats the same key in the section unless the section
//! says `set key = value`), while the daemons (`[container-sync]`, `[container-replicator]`, ...)
//! use `readconf` (the section beats `[DEFAULT]`). [`ConfFile::section`] picks the right one from
//! the section name.

mod conffile;
pub mod ini;
mod server;
mod swift_conf;
mod values;

pub use conffile::{ConfFile, Section};
pub use server::ServerConfig;
pub use swift_conf::{StoragePolicy, SwiftConf, POLICY_TYPE_EC, POLICY_TYPE_REPLICATION};
pub use values::{
    config_auto_int_value, config_fallocate_value, config_true_value, list_from_csv,
    parse_python_float, parse_python_int, FallocateReserve, FALSE_VALUES, TRUE_VALUES,
};

use std::path::PathBuf;

/// Why a config file could not be used. Swift refuses to start in every one of these cases.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The file or directory could not be read (or a conf.d dir held no `*.conf`).
    #[error("Unable to read config from {path}: {message}")]
    Io {
        /// What was asked for.
        path: PathBuf,
        /// Why it failed.
        message: String,
    },
    /// configparser would refuse the text.
    #[error("Error parsing {source_name} line {line}: {message}")]
    Parse {
        /// The file name (or `string`).
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A `%(name)s` reference that configparser cannot resolve, or a stray `%`.
    #[error("Error in option {option:?}: {message}")]
    Interpolation {
        /// The option whose value failed.
        option: String,
        /// configparser's complaint.
        message: String,
    },
    /// A section the caller needs is absent.
    #[error("Unable to find {section} config section in {conf}")]
    MissingSection {
        /// The section asked for.
        section: String,
        /// The config's path.
        conf: String,
    },
    /// An option's value has the wrong form (e.g. `bind_port = abc`).
    #[error("Invalid value {value:?} for option {option}: {message}")]
    InvalidValue {
        /// The option.
        option: String,
        /// Its value.
        value: String,
        /// Why it was refused.
        message: String,
    },
    /// swift.conf has neither `swift_hash_path_prefix` nor `swift_hash_path_suffix`.
    #[error(
        "[swift-hash]: both swift_hash_path_suffix and swift_hash_path_prefix are missing from {0}"
    )]
    HashPathNotSet(String),
    /// The `[storage-policy:N]` sections break Swift's rules.
    #[error("ERROR: Invalid Storage Policy Configuration in {path} ({message})")]
    Policy {
        /// swift.conf's path.
        path: String,
        /// Swift's reason.
        message: String,
    },
    /// A paste.deploy structure problem (missing pipeline, unknown `use` target, ...).
    #[error("{0}")]
    Paste(String),
}
