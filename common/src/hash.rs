//! Swift's `hash_path` and the storage layout of container DBs under a device.

use std::path::{Path, PathBuf};

/// The `[swift-hash]` prefix and suffix from swift.conf that salt every path hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashSalt {
    /// `swift_hash_path_prefix`.
    pub prefix: String,
    /// `swift_hash_path_suffix`.
    pub suffix: String,
}

/// Swift's `hash_path(account, container, object)` as 32 lowercase hex digits.
pub fn hash_path(_salt: &HashSalt, _account: &str, _container: Option<&str>, _object: Option<&str>) -> String {
    todo!("owner: basics helper")
}

/// `<devices>/<device>/containers/<part>/<last 3 hex>/<hash>`: the directory holding a container's DB files.
pub fn container_dir(devices: &Path, device: &str, part: u64, hash: &str) -> PathBuf {
    let suffix = &hash[hash.len().saturating_sub(3)..];
    devices
        .join(device)
        .join("containers")
        .join(part.to_string())
        .join(suffix)
        .join(hash)
}
