//! The INI reader (configparser dialect) and the paste.deploy view on top of it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use swift_common::config::ini::{KeyCase, RawIni};
use swift_common::config::{ConfFile, ServerConfig};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut raw = RawIni::default();
    let _ = raw.read_str(text, "fuzz.conf", KeyCase::Lower, true);
    if let Ok(conf) = ConfFile::parse_str(text) {
        let _ = conf.section("app:container-server");
        let _ = conf.pipeline("main");
        let _ = ServerConfig::from_conf(&conf);
    }
});
