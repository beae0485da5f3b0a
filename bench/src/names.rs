//! Names, timestamps and row contents shared by the load generator and the SQLite limit, so
//! both insert the same kind of rows.

use md5::{Digest, Md5};
use std::time::{SystemTime, UNIX_EPOCH};

/// How object names are made from a request's sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameScheme {
    /// `o` + 16 hex digits of a scrambled (seed, seq): random order, like real object updates,
    /// and distinct for distinct (seed, seq).
    Random {
        /// Distinguishes the names of one run from another's.
        seed: u64,
    },
    /// `dNN/oNNNNNNNNNN`: ten pseudo-directories (seq modulo 10) so listings can use a prefix,
    /// a delimiter and a marker in the middle (`d05/`) with known results.
    Tree,
}

impl NameScheme {
    /// Reads `random`, `random:SEED` or `tree`.
    pub fn parse(text: &str) -> Option<NameScheme> {
        match text.split_once(':') {
            None if text == "tree" => Some(NameScheme::Tree),
            None if text == "random" => Some(NameScheme::Random { seed: 0 }),
            Some(("random", seed)) => seed.parse().ok().map(|seed| NameScheme::Random { seed }),
            _ => None,
        }
    }

    /// The object name for sequence number `seq`.
    pub fn name(&self, seq: u64) -> String {
        match self {
            NameScheme::Random { seed } => format!("o{:016x}", scramble(seed ^ scramble(seq))),
            NameScheme::Tree => format!("d{:02}/o{:010}", seq % 10, seq),
        }
    }
}

/// SplitMix64's finaliser: a bijection on u64 that spreads neighbouring inputs far apart.
pub fn scramble(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Swift's normal timestamp form (`1700000000.12345`) for the current time.
pub fn now_timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_timestamp(now.as_secs(), now.subsec_micros() / 10)
}

/// Swift's normal timestamp form from whole seconds and 1e-5 second units.
pub fn format_timestamp(secs: u64, hundred_micros: u32) -> String {
    format!("{secs:010}.{hundred_micros:05}")
}

/// The ETag stored for the object of sequence number `seq` (any 32 hex digits would do; this
/// keeps rows reproducible).
pub fn etag(seq: u64) -> String {
    format!(
        "{:016x}{:016x}",
        scramble(seq ^ 0x5eed),
        scramble(seq ^ 0xe7a9)
    )
}

/// The size stored for the object of sequence number `seq`.
pub fn size(seq: u64) -> u64 {
    scramble(seq) % 1_000_000
}

/// The content type stored on every benchmark row.
pub const CONTENT_TYPE: &str = "application/octet-stream";

/// Swift's container hash: md5 of prefix + "/account/container" + suffix, as hex. It names the
/// container's database directory and is the path of REPLICATE requests.
pub fn container_hash(prefix: &str, suffix: &str, account: &str, container: &str) -> String {
    let mut md5 = Md5::new();
    md5.update(prefix.as_bytes());
    md5.update(b"/");
    md5.update(account.as_bytes());
    md5.update(b"/");
    md5.update(container.as_bytes());
    md5.update(suffix.as_bytes());
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_names_are_distinct_and_seeded() {
        let a = NameScheme::Random { seed: 1 };
        let b = NameScheme::Random { seed: 2 };
        assert_eq!(a.name(5), a.name(5));
        assert_ne!(a.name(5), a.name(6));
        assert_ne!(a.name(5), b.name(5));
        assert_eq!(a.name(5).len(), 17);
        let names: std::collections::HashSet<_> = (0..10_000).map(|i| a.name(i)).collect();
        assert_eq!(names.len(), 10_000);
    }

    #[test]
    fn tree_names_spread_over_ten_directories() {
        assert_eq!(NameScheme::Tree.name(0), "d00/o0000000000");
        assert_eq!(NameScheme::Tree.name(123), "d03/o0000000123");
        assert_eq!(NameScheme::parse("tree"), Some(NameScheme::Tree));
        assert_eq!(
            NameScheme::parse("random:9"),
            Some(NameScheme::Random { seed: 9 })
        );
        assert_eq!(NameScheme::parse("other"), None);
    }

    #[test]
    fn timestamps_use_swifts_normal_form() {
        assert_eq!(format_timestamp(1_700_000_000, 42), "1700000000.00042");
        assert_eq!(now_timestamp().len(), 16);
    }

    #[test]
    fn container_hash_matches_swift() {
        // Computed by Swift 2.38.3's hash_path('AUTH_bench', 'c1') with this prefix and suffix.
        assert_eq!(
            container_hash("benchprefix", "benchsuffix", "AUTH_bench", "c1"),
            "ffb1407d0bec7da7a67a1491c2385a2a"
        );
    }
}
