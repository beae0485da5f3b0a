//! Why a ring file could not be read.

use std::path::PathBuf;

/// A ring file that is missing, unreadable or not in a format Swift writes.
#[derive(Debug, thiserror::Error)]
pub enum RingError {
    /// The file could not be opened, read or decompressed.
    #[error("cannot read ring {path}: {source}")]
    Io {
        /// The ring file.
        path: PathBuf,
        /// What the OS or the gzip decoder said.
        source: std::io::Error,
    },
    /// The decompressed bytes are not a ring Swift 2.38 would load.
    #[error("bad ring {path}: {reason}")]
    Format {
        /// The ring file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}
