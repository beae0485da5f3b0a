//! The pickle codec of pending records: decode any bytes; a decoded record round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swift_common::db::pickle::{decode_record, encode_record};

fuzz_target!(|data: &[u8]| {
    if let Ok(rec) = decode_record(data) {
        if let Ok(raw) = encode_record(&rec) {
            let again = decode_record(&raw).expect("our own encoding decodes");
            assert_eq!(again, rec, "pickle round trip changed the record");
        }
    }
});
