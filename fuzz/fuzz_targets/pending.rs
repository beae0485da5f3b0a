//! The `.pending` file decoder: any bytes split into `:`-separated base64 pickles; bad entries
//! are skipped, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let records = swift_common::db::pending::parse_entries(data, Path::new("fuzz.pending"));
    // Whatever decoded must encode again (the broker re-appends records it could not commit).
    for rec in &records {
        let _ = swift_common::db::pending::encode_entry(rec);
    }
});
