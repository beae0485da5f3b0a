//! container-sync-realms.conf parsing.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swift_common::realms::RealmsData;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RealmsData::parse_str(text);
    }
});
