//! Swift's config value conventions: `config_true_value`, Python's `int()`/`float()` on option
//! strings, `list_from_csv`, `config_auto_int_value` and `config_fallocate_value`.

use super::ConfigError;

/// Swift's `TRUE_VALUES` (compared lower-cased).
pub const TRUE_VALUES: [&str; 6] = ["true", "1", "yes", "on", "t", "y"];
/// The matching false spellings Swift documents (`config_true_value` treats anything not in
/// [`TRUE_VALUES`] as false; these are only for callers that want to reject garbage).
pub const FALSE_VALUES: [&str; 6] = ["false", "0", "no", "off", "f", "n"];

/// Swift's `config_true_value`: true only for a value in [`TRUE_VALUES`] (any case, no trimming).
pub fn config_true_value(value: &str) -> bool {
    TRUE_VALUES.iter().any(|t| value.eq_ignore_ascii_case(t))
}

/// Swift's `list_from_csv`: comma-separated, each item trimmed, empty items dropped.
pub fn list_from_csv(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Python's `int(value)` for base-10 strings: surrounding whitespace, an optional sign and
/// single underscores between digits are accepted.
pub fn parse_python_int(value: &str) -> Option<i64> {
    let t = value.trim();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v: i64 = clean.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Python's `float(value)`: surrounding whitespace, exponents, `inf` and `nan` accepted.
pub fn parse_python_float(value: &str) -> Option<f64> {
    let t = value.trim();
    if t.contains('_') {
        // Python allows `1_000.5`; accept the same by dropping single underscores between digits.
        if t.starts_with('_') || t.ends_with('_') || t.contains("__") {
            return None;
        }
        let clean: String = t.chars().filter(|c| *c != '_').collect();
        return clean.parse().ok();
    }
    t.parse().ok()
}

/// Swift's `config_auto_int_value(value, default)`: missing or `auto` gives `default`.
pub fn config_auto_int_value(
    option: &str,
    value: Option<&str>,
    default: i64,
) -> Result<i64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("auto") => Ok(default),
        Some(v) => parse_python_int(v).ok_or_else(|| ConfigError::InvalidValue {
            option: option.to_string(),
            value: v.to_string(),
            message: format!(
                "Config option must be an integer or the string \"auto\", not \"{v}\"."
            ),
        }),
    }
}

/// `fallocate_reserve`: bytes, or a percentage of the filesystem when written with `%`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FallocateReserve {
    /// A byte count.
    Bytes(i64),
    /// A percentage of the filesystem size.
    Percent(f64),
}

/// Swift's `config_fallocate_value` (default `1%`).
pub fn config_fallocate_value(value: &str) -> Result<FallocateReserve, ConfigError> {
    let bad = || ConfigError::InvalidValue {
        option: "fallocate_reserve".into(),
        value: value.to_string(),
        message: format!("Error: {value} is an invalid value for fallocate_reserve."),
    };
    match value.strip_suffix('%') {
        Some(p) => parse_python_float(p)
            .map(FallocateReserve::Percent)
            .ok_or_else(bad),
        None => parse_python_int(value)
            .map(FallocateReserve::Bytes)
            .ok_or_else(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn true_values() {
        for t in ["true", "TRUE", "1", "yes", "On", "t", "Y"] {
            assert!(config_true_value(t), "{t}");
        }
        for f in ["false", "0", "no", "", " true", "2", "enabled"] {
            assert!(!config_true_value(f), "{f}");
        }
    }

    #[test]
    fn python_numbers() {
        assert_eq!(parse_python_int(" 42 "), Some(42));
        assert_eq!(parse_python_int("+1_000"), Some(1000));
        assert_eq!(parse_python_int("-3"), Some(-3));
        assert_eq!(parse_python_int("1.0"), None);
        assert_eq!(parse_python_int("1__0"), None);
        assert_eq!(parse_python_int(""), None);
        assert_eq!(parse_python_float(" 0.5"), Some(0.5));
        assert_eq!(parse_python_float("1e1"), Some(10.0));
        assert_eq!(parse_python_float("x"), None);
    }

    #[test]
    fn helpers() {
        assert_eq!(list_from_csv(" a, ,b ,"), vec!["a", "b"]);
        assert_eq!(
            config_auto_int_value("workers", Some("AUTO"), 4).unwrap(),
            4
        );
        assert_eq!(config_auto_int_value("workers", None, 4).unwrap(), 4);
        assert_eq!(config_auto_int_value("workers", Some("2"), 4).unwrap(), 2);
        assert!(config_auto_int_value("workers", Some("x"), 4).is_err());
        assert_eq!(
            config_fallocate_value("1%").unwrap(),
            FallocateReserve::Percent(1.0)
        );
        assert_eq!(
            config_fallocate_value("1024").unwrap(),
            FallocateReserve::Bytes(1024)
        );
        assert!(config_fallocate_value("1k").is_err());
    }
}
