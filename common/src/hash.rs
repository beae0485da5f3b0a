//! Swift's `hash_path` and the storage layout of container DBs under a device.

use md5::{Digest, Md5};
use std::path::{Path, PathBuf};

/// The `[swift-hash]` prefix and suffix from swift.conf that salt every path hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashSalt {
    /// `swift_hash_path_prefix`.
    pub prefix: String,
    /// `swift_hash_path_suffix`.
    pub suffix: String,
}

/// The directory under a device that holds container DBs (Swift's `DATADIR`).
pub const CONTAINERS_DATADIR: &str = "containers";

/// Swift's `hash_path(account, container, object, raw_digest=True)`: the 16 raw MD5 bytes of
/// `prefix + "/" + "/".join(names) + suffix`. Empty names count as absent, as in Swift
/// (`if container:`). Swift refuses an object without a container; callers never ask for that.
pub fn hash_path_raw(
    salt: &HashSalt,
    account: &str,
    container: Option<&str>,
    object: Option<&str>,
) -> [u8; 16] {
    let mut h = Md5::new();
    h.update(salt.prefix.as_bytes());
    h.update(b"/");
    h.update(account.as_bytes());
    if let Some(c) = container.filter(|c| !c.is_empty()) {
        h.update(b"/");
        h.update(c.as_bytes());
    }
    if let Some(o) = object.filter(|o| !o.is_empty()) {
        h.update(b"/");
        h.update(o.as_bytes());
    }
    h.update(salt.suffix.as_bytes());
    h.finalize().into()
}

/// Swift's `hash_path(account, container, object)` as 32 lowercase hex digits.
pub fn hash_path(
    salt: &HashSalt,
    account: &str,
    container: Option<&str>,
    object: Option<&str>,
) -> String {
    to_hex(&hash_path_raw(salt, account, container, object))
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
    s
}

/// `<devices>/<device>/containers/<part>/<last 3 hex>/<hash>`: the directory holding a container's DB files.
pub fn container_dir(devices: &Path, device: &str, part: u64, hash: &str) -> PathBuf {
    let suffix = hash_suffix(hash);
    devices
        .join(device)
        .join(CONTAINERS_DATADIR)
        .join(part.to_string())
        .join(suffix)
        .join(hash)
}

/// `<container_dir>/<hash>.db`: the path of a container's (unsharded) DB file, as Swift's
/// container server builds it.
pub fn container_db_path(devices: &Path, device: &str, part: u64, hash: &str) -> PathBuf {
    container_dir(devices, device, part, hash).join(format!("{hash}.db"))
}

/// The last three characters of a hash: the suffix directory Swift groups hashes under
/// (and that REPLICATE hashes by).
pub fn hash_suffix(hash: &str) -> &str {
    // Hashes are ASCII hex; fall back to the whole string for anything shorter or odd.
    hash.get(hash.len().saturating_sub(3)..).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn salt(prefix: &str, suffix: &str) -> HashSalt {
        HashSalt {
            prefix: prefix.into(),
            suffix: suffix.into(),
        }
    }

    // Expected digests come from swift 2.38.3's `swift.common.utils.hash_path` run in the
    // project's venv with HASH_PATH_PREFIX/SUFFIX set to the same bytes.
    #[test]
    fn hash_path_matches_python() {
        let s = salt("", "changeme");
        assert_eq!(
            hash_path(&s, "AUTH_test", None, None),
            "9d00c9d091fea9ea855f29c22714dc83"
        );
        assert_eq!(
            hash_path(&s, "AUTH_test", Some("c"), None),
            "26e5f92ddb812f3a145582033a81302f"
        );
        assert_eq!(
            hash_path(&s, "AUTH_test", Some("c"), Some("o")),
            "7363996f2cfb95eaa18df19ccc31aece"
        );
        assert_eq!(
            hash_path(&s, "AUTH_test", Some(""), None),
            hash_path(&s, "AUTH_test", None, None)
        );
        let s2 = salt("pre", "suf");
        assert_eq!(
            hash_path(&s2, "a", Some("c"), None),
            "0d25b61566837c3531c8a377fbabc763"
        );
        assert_eq!(
            hash_path(&s2, "AUTH_ü", Some("cønt/äiner ☃"), None),
            "abf4397ce95bc263ec627efd4c86605c"
        );
        assert_eq!(
            hash_path(&s2, "\u{0}a", Some("c\u{1}"), Some("o\u{10ffff}")),
            "25215bf4a2b4ce5e09856581ffacd72f"
        );
    }

    #[test]
    fn layout() {
        let h = "1b0a2b2b6c72d6ad8d2e07ad40ba7ba2";
        assert_eq!(
            container_db_path(Path::new("/srv/node"), "sdb1", 42, h),
            PathBuf::from(format!("/srv/node/sdb1/containers/42/ba2/{h}/{h}.db"))
        );
        assert_eq!(hash_suffix("ab"), "ab");
    }
}
