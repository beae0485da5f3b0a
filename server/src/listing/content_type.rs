//! The `swift_bytes` parameter of a stored content type (set by SLO and friends to report the
//! logical size): Swift's `extract_swift_bytes` re-assembles the content type from its parsed
//! parameters — so `text/plain; charset=utf-8` is listed as `text/plain;charset=utf-8` — and a
//! `swift_bytes` value that Python's `int()` reads replaces the row's size.

use super::py::{py_int, PY_SPACE_CLASS};
use regex::Regex;
use std::sync::OnceLock;

/// Swift's strict `;key=value` parameter pattern (`_rfc_extension_pattern`).
fn extension_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let s = format!("[{PY_SPACE_CLASS}]");
        let token = r#"[^()<>@,;:\\"/\[\]?={}\x00-\x20\x7f]+"#;
        let quoted = r#""(?:[^"\\]|\\[^\n])*""#;
        let pattern = format!(r"(?:{s}*;{s}*({token}){s}*(?:={s}*({token}|{quoted}))?)");
        Regex::new(&pattern).unwrap_or_else(|e| panic!("static content-type regex: {e}"))
    })
}

/// `extract_swift_bytes(content_type)`: the content type without `swift_bytes` (other parameters
/// re-joined as `;k=v`), and the last `swift_bytes` value if any.
pub fn extract_swift_bytes(content_type: &str) -> (String, Option<String>) {
    let Some(semi) = content_type.find(';') else {
        return (content_type.to_string(), None);
    };
    let mut out = content_type[..semi].to_string();
    let params = &content_type[semi..];
    let mut swift_bytes = None;
    for caps in extension_pattern().captures_iter(params) {
        let key = caps
            .get(1)
            .map_or("", |m| m.as_str())
            .trim_matches(super::py::is_py_space);
        let value = caps
            .get(2)
            .map_or("", |m| m.as_str())
            .trim_matches(super::py::is_py_space);
        if key == "swift_bytes" {
            swift_bytes = Some(value.to_string());
        } else {
            out.push(';');
            out.push_str(key);
            out.push('=');
            out.push_str(value);
        }
    }
    (out, swift_bytes)
}

/// The listed `(content_type, bytes)` of a row: Swift's `override_bytes_from_content_type`.
/// `bytes` is decimal text because Python's ints have no size limit.
pub fn listed_type_and_bytes(content_type: &str, size: i64) -> (String, String) {
    let (ct, swift_bytes) = extract_swift_bytes(content_type);
    let bytes = swift_bytes
        .as_deref()
        .and_then(py_int)
        .unwrap_or_else(|| size.to_string());
    (ct, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swift_bytes_cases() {
        assert_eq!(
            listed_type_and_bytes("text/plain; charset=utf-8;swift_bytes=99", 12),
            ("text/plain;charset=utf-8".to_string(), "99".to_string())
        );
        assert_eq!(
            listed_type_and_bytes("a/b;swift_bytes=x", 12),
            ("a/b".to_string(), "12".to_string())
        );
        assert_eq!(
            listed_type_and_bytes("a/b; x=\"q;r\" ; y ;;z=a/b", 1),
            ("a/b;x=\"q;r\";y=;z=a".to_string(), "1".to_string())
        );
        assert_eq!(
            listed_type_and_bytes("plain", 3),
            ("plain".to_string(), "3".to_string())
        );
    }
}
