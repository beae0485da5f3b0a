//! JSON exactly as Python's `json.dumps(obj)` writes it with its defaults: `", "` and `": "`
//! separators, and `ensure_ascii` (everything outside printable ASCII as `\uXXXX`, astral
//! characters as surrogate pairs, `\n \r \t \b \f \" \\` as short escapes). Floats as
//! `repr(float)`. Swift's listings and recon answers are built this way.

use super::py::py_float_repr;
use serde_json::Value;

/// Appends `s` as a Python `json.dumps` string literal (quotes included).
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            ' '..='~' => out.push(c as u8),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
                }
            }
        }
    }
    out.push(b'"');
}

/// Appends an integer.
pub fn write_int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(v.to_string().as_bytes());
}

/// Appends a float as Python's `json.dumps` writes it.
pub fn write_float(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(py_float_repr(v).as_bytes());
}

/// Appends a `serde_json::Value` (object keys in their stored order) as `json.dumps` would
/// write the equivalent Python value; floats that were parsed from JSON keep `repr` form.
pub fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                write_int(out, i);
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                write_float(out, n.as_f64().unwrap_or(f64::NAN));
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_str(out, k);
                out.extend_from_slice(b": ");
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// `json.dumps(value)` as bytes.
pub fn dumps(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, v);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_escapes() {
        let mut out = Vec::new();
        write_str(&mut out, "a\"\\/\n\u{1}\u{7f}é😀");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""a\"\\/\n\u0001\u007f\u00e9\ud83d\ude00""#
        );
    }

    #[test]
    fn values() {
        let v: Value = serde_json::from_str(r#"{"b": [1, 2.0, null, true], "a": {}}"#).unwrap();
        assert_eq!(dumps(&v), br#"{"b": [1, 2.0, null, true], "a": {}}"#);
    }
}
