//! The pickle codec of pending records: decode any bytes; a decoded record round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swift_common::db::pickle::{decode_record, encode_record};

fuzz_target!(|data: &[u8]| {
    // decode_record catches serde-pickle's panics on purpose; libfuzzer-sys's hook would abort
    // on those. A panic that escapes still aborts (libfuzzer-sys checks the unwind itself).
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Ok(rec) = decode_record(data) {
        if let Ok(raw) = encode_record(&rec) {
            let again = decode_record(&raw).expect("our own encoding decodes");
            assert_eq!(again, rec, "pickle round trip changed the record");
        }
    }
});
