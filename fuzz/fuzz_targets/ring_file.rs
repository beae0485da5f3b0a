//! The ring file loader: the uncompressed bytes of a `*.ring.gz` (v1 pickle/JSON or v2), and
//! lookups on whatever parses.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swift_common::hash::HashSalt;
use swift_ring::{Ring, RingData};

fuzz_target!(|data: &[u8]| {
    let Ok(ring_data) = RingData::parse(data) else {
        return;
    };
    let ring = Ring::from_data(
        ring_data,
        HashSalt {
            prefix: "pre".into(),
            suffix: "suf".into(),
        },
    );
    let part = ring.get_part("a", Some("c"), None);
    let _ = ring.get_part_nodes(part);
    let _ = ring.get_more_nodes(part).take(8).count();
});
