//! Request path and query parsing: the raw request target is split at `?`, the path
//! percent-decoded (UTF-8 or rejected, as the app does), then split into placements and the
//! listing parameters read.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swift_container_server::request::{quote_path, split_path, SwiftRequest};

fuzz_target!(|data: &[u8]| {
    let Ok(target) = std::str::from_utf8(data) else {
        return;
    };
    let (raw_path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (target, None),
    };
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(raw_path).collect();
    let Ok(path) = String::from_utf8(decoded) else {
        return;
    };
    let _ = quote_path(&path);
    let _ = split_path(&path, 1, 5, true);
    let _ = split_path(&path, 2, 3, false);
    let req = SwiftRequest {
        method: http::Method::GET,
        path,
        query,
        headers: http::HeaderMap::new(),
        body: bytes::Bytes::new(),
        host: "127.0.0.1".into(),
        raw_path: raw_path.to_string(),
    };
    let _ = req.object_placement();
    let _ = req.container_placement();
    for name in [
        "prefix",
        "marker",
        "end_marker",
        "limit",
        "delimiter",
        "path",
        "format",
    ] {
        let _ = req.param(name);
    }
});
