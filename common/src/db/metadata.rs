//! Container metadata: the `metadata` column holds JSON `{key: [value, timestamp]}` written
//! byte-for-byte as Python's `json.dumps` writes it (`", "`/`": "` separators, ASCII-only with
//! `\uXXXX` escapes, keys kept in their stored order), newest timestamp per key wins.

use super::types::{DbError, Metadata};
use crate::timestamp::Timestamp;
use serde_json::{Map, Value};

/// Swift's default `max_meta_count`.
pub const MAX_META_COUNT: usize = 90;
/// Swift's default `max_meta_overall_size`.
pub const MAX_META_OVERALL_SIZE: usize = 4096;

/// Keys `delete_db` keeps (compared lowercased), as Swift's `delete_meta_whitelist`.
pub const DELETE_META_WHITELIST: [&str; 3] = [
    "x-container-sysmeta-shard-quoted-root",
    "x-container-sysmeta-shard-root",
    "x-container-sysmeta-sharding",
];

/// Parses the raw column into an ordered JSON map ('' or NULL is empty).
pub fn parse_raw(raw: &str) -> Result<Map<String, Value>, DbError> {
    if raw.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(DbError::Other("metadata is not a JSON object".into())),
        Err(e) => Err(DbError::Other(format!("bad metadata JSON: {e}"))),
    }
}

fn pair_of(v: &Value) -> Option<(String, String)> {
    let arr = v.as_array()?;
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    Some((s(arr.first()?), arr.get(1).map(s).unwrap_or_default()))
}

/// The metadata as `key -> (value, timestamp)`; entries that are not pairs are skipped.
pub fn to_metadata(map: &Map<String, Value>) -> Metadata {
    map.iter()
        .filter_map(|(k, v)| pair_of(v).map(|p| (k.clone(), p)))
        .collect()
}

/// Applies `updates` (newer timestamp per key wins, compared as strings like Swift), keeping the
/// stored key order and appending new keys in `updates` order. Returns whether anything changed.
pub fn merge_into(map: &mut Map<String, Value>, updates: &[(String, (String, String))]) -> bool {
    let mut changed = false;
    for (key, (value, timestamp)) in updates {
        let newer = match map.get(key).and_then(pair_of) {
            Some((_, old_ts)) => timestamp.as_str() > old_ts.as_str(),
            None => true,
        };
        if newer {
            map.insert(
                key.clone(),
                Value::Array(vec![value.clone().into(), timestamp.clone().into()]),
            );
            changed = true;
        }
    }
    changed
}

/// Swift's `validate_metadata` on the merged metadata: valid UTF-8 without NUL, at most
/// `max_count` user-meta items and `max_size` characters of their names and values.
pub fn validate(
    map: &Map<String, Value>,
    max_count: usize,
    max_size: usize,
) -> Result<(), DbError> {
    let mut count = 0;
    let mut size = 0;
    for (key, v) in map {
        let (value, _) = pair_of(v).unwrap_or_default();
        if key.contains('\0') || value.contains('\0') {
            return Err(DbError::BadInput("Metadata must be valid UTF-8".into()));
        }
        let lower = key.to_lowercase();
        if value.is_empty() {
            continue;
        }
        let stripped = lower
            .strip_prefix("x-container-meta-")
            .or_else(|| lower.strip_prefix("x-account-meta-"));
        if let Some(name) = stripped {
            count += 1;
            size += name.chars().count() + value.chars().count();
        }
    }
    if count > max_count {
        return Err(DbError::BadInput(format!(
            "Too many metadata items; max {max_count}"
        )));
    }
    if size > max_size {
        return Err(DbError::BadInput(format!(
            "Total metadata too large; max {max_size}"
        )));
    }
    Ok(())
}

/// Drops empty values older than `age` (Swift's `_reclaim_metadata`); true when any went.
pub fn reclaim(map: &mut Map<String, Value>, age: &Timestamp) -> bool {
    let before = map.len();
    map.retain(|_, v| match pair_of(v) {
        Some((value, ts)) if value.is_empty() => match Timestamp::parse(&ts) {
            Ok(t) => t >= *age,
            Err(_) => true,
        },
        _ => true,
    });
    map.len() != before
}

/// Python's `json.dumps(obj)` with default arguments.
pub fn py_json_dumps(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k);
                out.push_str(": ");
                write_value(out, x);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upd(k: &str, v: &str, t: &str) -> (String, (String, String)) {
        (k.into(), (v.into(), t.into()))
    }

    #[test]
    fn dumps_like_python() {
        // python3 -c 'import json;print(json.dumps({"X-Container-Meta-B":["caf\u00e9 \U0001f600\"\\\n\x7f","1.00000"],"a":[]}))'
        let mut m = Map::new();
        merge_into(
            &mut m,
            &[upd(
                "X-Container-Meta-B",
                "caf\u{e9} \u{1f600}\"\\\n\u{7f}",
                "1.00000",
            )],
        );
        m.insert("a".into(), Value::Array(vec![]));
        assert_eq!(
            py_json_dumps(&Value::Object(m)),
            r#"{"X-Container-Meta-B": ["caf\u00e9 \ud83d\ude00\"\\\n\u007f", "1.00000"], "a": []}"#
        );
    }

    #[test]
    fn merge_keeps_order_and_newest() {
        let mut m = parse_raw(r#"{"Z": ["z", "2"], "A": ["a", "2"]}"#).unwrap();
        assert!(!merge_into(
            &mut m,
            &[upd("Z", "old", "1"), upd("A", "same", "2")]
        ));
        assert!(merge_into(
            &mut m,
            &[upd("A", "new", "3"), upd("B", "b", "1")]
        ));
        assert_eq!(
            py_json_dumps(&Value::Object(m)),
            r#"{"Z": ["z", "2"], "A": ["new", "3"], "B": ["b", "1"]}"#
        );
    }

    #[test]
    fn validation_limits_and_reasons() {
        let mut m = Map::new();
        let ups: Vec<_> = (0..91)
            .map(|i| upd(&format!("X-Container-Meta-K{i}"), "v", "1"))
            .collect();
        merge_into(&mut m, &ups);
        let err = validate(&m, MAX_META_COUNT, MAX_META_OVERALL_SIZE).unwrap_err();
        assert_eq!(err.to_string(), "Too many metadata items; max 90");
        let mut m = Map::new();
        merge_into(
            &mut m,
            &[upd("X-Container-Meta-Big", &"x".repeat(4094), "1")],
        );
        assert_eq!(
            validate(&m, MAX_META_COUNT, MAX_META_OVERALL_SIZE)
                .unwrap_err()
                .to_string(),
            "Total metadata too large; max 4096"
        );
        let mut m = Map::new();
        merge_into(
            &mut m,
            &[upd("X-Container-Meta-Big", &"x".repeat(4093), "1")],
        );
        validate(&m, MAX_META_COUNT, MAX_META_OVERALL_SIZE).unwrap();
        // Empty values and non-user keys do not count.
        merge_into(
            &mut m,
            &[
                upd("X-Container-Meta-E", "", "1"),
                upd("X-Container-Read", "r", "1"),
            ],
        );
        validate(&m, MAX_META_COUNT, MAX_META_OVERALL_SIZE).unwrap();
        merge_into(&mut m, &[upd("X-Container-Meta-N", "a\0b", "1")]);
        assert_eq!(
            validate(&m, MAX_META_COUNT, MAX_META_OVERALL_SIZE)
                .unwrap_err()
                .to_string(),
            "Metadata must be valid UTF-8"
        );
    }
}
