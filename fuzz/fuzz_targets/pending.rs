//! The `.pending` file decoder: any bytes split into `:`-separated base64 pickles; bad entries
//! are skipped, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // decode_record catches serde-pickle's panics on purpose; libfuzzer-sys's hook would abort
    // on those. A panic that escapes still aborts (libfuzzer-sys checks the unwind itself).
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let records = swift_common::db::pending::parse_entries(data, Path::new("fuzz.pending"));
    // Whatever decoded must encode again (the broker re-appends records it could not commit).
    for rec in &records {
        let _ = swift_common::db::pending::encode_entry(rec);
    }
});
