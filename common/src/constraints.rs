//! Swift's request constraints (`swift/common/constraints.py`) with the `[swift-constraints]`
//! overrides, the metadata checks with Swift's exact 400 bodies, UTF-8/NUL name checks and the
//! reserved-namespace (`\0`-prefixed) name helpers.

use crate::config::{list_from_csv, parse_python_int, ConfigError};

/// Swift's `MAX_FILE_SIZE` default.
pub const MAX_FILE_SIZE: u64 = 5_368_709_122;
/// Swift's `MAX_META_NAME_LENGTH` default.
pub const MAX_META_NAME_LENGTH: usize = 128;
/// Swift's `MAX_META_VALUE_LENGTH` default.
pub const MAX_META_VALUE_LENGTH: usize = 256;
/// Swift's `MAX_META_COUNT` default.
pub const MAX_META_COUNT: usize = 90;
/// Swift's `MAX_META_OVERALL_SIZE` default.
pub const MAX_META_OVERALL_SIZE: usize = 4096;
/// Swift's `MAX_HEADER_SIZE` default.
pub const MAX_HEADER_SIZE: usize = 8192;
/// Swift's `MAX_REQUEST_LINE` default.
pub const MAX_REQUEST_LINE: usize = 8192;
/// Swift's `MAX_OBJECT_NAME_LENGTH` default.
pub const MAX_OBJECT_NAME_LENGTH: usize = 1024;
/// Swift's `CONTAINER_LISTING_LIMIT` default.
pub const CONTAINER_LISTING_LIMIT: usize = 10_000;
/// Swift's `ACCOUNT_LISTING_LIMIT` default.
pub const ACCOUNT_LISTING_LIMIT: usize = 10_000;
/// Swift's `MAX_ACCOUNT_NAME_LENGTH` default.
pub const MAX_ACCOUNT_NAME_LENGTH: usize = 256;
/// Swift's `MAX_CONTAINER_NAME_LENGTH` default.
pub const MAX_CONTAINER_NAME_LENGTH: usize = 256;
/// Swift's `EXTRA_HEADER_COUNT` default.
pub const EXTRA_HEADER_COUNT: i64 = 0;
/// Swift's `AUTO_CREATE_ACCOUNT_PREFIX` default.
pub const AUTO_CREATE_ACCOUNT_PREFIX: &str = ".";
/// The account that holds misplaced-object queues (`MISPLACED_OBJECTS_ACCOUNT`).
pub const MISPLACED_OBJECTS_ACCOUNT: &str = ".misplaced_objects";
/// The reserved-namespace marker (`RESERVED`).
pub const RESERVED: char = '\0';
/// The reserved-namespace marker as a string.
pub const RESERVED_STR: &str = "\0";

/// The effective constraints: Swift's defaults with swift.conf's `[swift-constraints]` applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraints {
    /// `max_file_size`.
    pub max_file_size: u64,
    /// `max_meta_name_length`.
    pub max_meta_name_length: usize,
    /// `max_meta_value_length`.
    pub max_meta_value_length: usize,
    /// `max_meta_count`.
    pub max_meta_count: usize,
    /// `max_meta_overall_size`.
    pub max_meta_overall_size: usize,
    /// `max_header_size`.
    pub max_header_size: usize,
    /// `max_request_line`.
    pub max_request_line: usize,
    /// `max_object_name_length`.
    pub max_object_name_length: usize,
    /// `container_listing_limit`.
    pub container_listing_limit: usize,
    /// `account_listing_limit`.
    pub account_listing_limit: usize,
    /// `max_account_name_length`.
    pub max_account_name_length: usize,
    /// `max_container_name_length`.
    pub max_container_name_length: usize,
    /// `valid_api_versions`.
    pub valid_api_versions: Vec<String>,
    /// `extra_header_count`.
    pub extra_header_count: i64,
    /// `auto_create_account_prefix`.
    pub auto_create_account_prefix: String,
}

impl Default for Constraints {
    fn default() -> Self {
        Constraints {
            max_file_size: MAX_FILE_SIZE,
            max_meta_name_length: MAX_META_NAME_LENGTH,
            max_meta_value_length: MAX_META_VALUE_LENGTH,
            max_meta_count: MAX_META_COUNT,
            max_meta_overall_size: MAX_META_OVERALL_SIZE,
            max_header_size: MAX_HEADER_SIZE,
            max_request_line: MAX_REQUEST_LINE,
            max_object_name_length: MAX_OBJECT_NAME_LENGTH,
            container_listing_limit: CONTAINER_LISTING_LIMIT,
            account_listing_limit: ACCOUNT_LISTING_LIMIT,
            max_account_name_length: MAX_ACCOUNT_NAME_LENGTH,
            max_container_name_length: MAX_CONTAINER_NAME_LENGTH,
            valid_api_versions: vec!["v1".into(), "v1.0".into()],
            extra_header_count: EXTRA_HEADER_COUNT,
            auto_create_account_prefix: AUTO_CREATE_ACCOUNT_PREFIX.into(),
        }
    }
}

impl Constraints {
    /// Applies `[swift-constraints]` options (already merged with swift.conf's `[DEFAULT]`):
    /// integers must parse (Swift lets `int()` fail at import), strings are taken as they are,
    /// `valid_api_versions` is a comma-separated list. Unknown options are ignored.
    pub fn with_overrides<'a>(
        mut self,
        options: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Constraints, ConfigError> {
        for (key, value) in options {
            let int = || -> Result<i64, ConfigError> {
                parse_python_int(value).ok_or_else(|| ConfigError::InvalidValue {
                    option: format!("swift-constraints/{key}"),
                    value: value.to_string(),
                    message: "must be an integer".into(),
                })
            };
            // Negative limits make no sense for us; Swift would accept and misbehave, we clamp to 0.
            let size = || int().map(|v| v.max(0) as usize);
            match key {
                "max_file_size" => self.max_file_size = int()?.max(0) as u64,
                "max_meta_name_length" => self.max_meta_name_length = size()?,
                "max_meta_value_length" => self.max_meta_value_length = size()?,
                "max_meta_count" => self.max_meta_count = size()?,
                "max_meta_overall_size" => self.max_meta_overall_size = size()?,
                "max_header_size" => self.max_header_size = size()?,
                "max_request_line" => self.max_request_line = size()?,
                "max_object_name_length" => self.max_object_name_length = size()?,
                "container_listing_limit" => self.container_listing_limit = size()?,
                "account_listing_limit" => self.account_listing_limit = size()?,
                "max_account_name_length" => self.max_account_name_length = size()?,
                "max_container_name_length" => self.max_container_name_length = size()?,
                "valid_api_versions" => self.valid_api_versions = list_from_csv(value),
                "extra_header_count" => self.extra_header_count = int()?,
                "auto_create_account_prefix" => self.auto_create_account_prefix = value.to_string(),
                _ => {}
            }
        }
        Ok(self)
    }

    /// `MAX_HEADER_COUNT`: meta count + 36 + extra headers.
    pub fn max_header_count(&self) -> usize {
        self.max_meta_count + 36 + self.extra_header_count.max(0) as usize
    }

    /// Swift's `check_metadata(req, target_type)`: `Err(body)` is the 400 Swift answers.
    /// `headers` are (name, raw value bytes) in request order; names may be any case.
    pub fn check_metadata<'a>(
        &self,
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        target_type: &str,
    ) -> Result<(), String> {
        let target = target_type.to_ascii_lowercase();
        let prefix = format!("x-{target}-meta-");
        let mut count = 0usize;
        let mut size = 0usize;
        for (name, value) in headers {
            // Swift sees WSGI header names title-cased (X-Container-Meta-Foo) and reports them so.
            let key = wsgi_title(name);
            if value.len() > self.max_header_size {
                let cut: String = key.chars().take(self.max_meta_name_length).collect();
                return Err(format!("Header value too long: {cut}"));
            }
            if !key.to_ascii_lowercase().starts_with(&prefix) {
                continue;
            }
            let meta_key = &key[prefix.len()..];
            if meta_key.is_empty() {
                return Err("Metadata name cannot be empty".into());
            }
            let bad_key = !check_utf8(meta_key.as_bytes(), false);
            let bad_value = !value.is_empty() && !check_utf8(value, false);
            if (target == "account" || target == "container") && (bad_key || bad_value) {
                return Err("Metadata must be valid UTF-8".into());
            }
            count += 1;
            size += meta_key.len() + value.len();
            if meta_key.len() > self.max_meta_name_length {
                return Err(format!("Metadata name too long: {prefix}{meta_key}"));
            }
            if value.len() > self.max_meta_value_length {
                return Err(format!(
                    "Metadata value longer than {}: {prefix}{meta_key}",
                    self.max_meta_value_length
                ));
            }
            if count > self.max_meta_count {
                return Err(format!(
                    "Too many metadata items; max {}",
                    self.max_meta_count
                ));
            }
            if size > self.max_meta_overall_size {
                return Err(format!(
                    "Total metadata too large; max {}",
                    self.max_meta_overall_size
                ));
            }
        }
        Ok(())
    }

    /// Swift's `valid_api_version`.
    pub fn valid_api_version(&self, version: &str) -> bool {
        self.valid_api_versions.iter().any(|v| v == version)
    }
}

/// Header names as WSGI hands them to Swift: `HTTP_X_FOO_BAR` back to `X-Foo-Bar`, i.e.
/// underscores become dashes and Python's `str.title()` is applied.
pub fn wsgi_title(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut prev_cased = false;
    for c in name.chars() {
        let c = if c == '_' { '-' } else { c };
        if c.is_alphabetic() {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            prev_cased = true;
        } else {
            out.push(c);
            prev_cased = false;
        }
    }
    out
}

/// Swift's `check_utf8(value, internal)`: non-empty, valid UTF-8, and no NUL unless `internal`
/// (reserved names start with NUL).
pub fn check_utf8(value: &[u8], internal: bool) -> bool {
    if value.is_empty() || std::str::from_utf8(value).is_err() {
        return false;
    }
    internal || !value.contains(&0)
}

/// Swift's `check_name_format` for account/container names (412 bodies): `kind` is `Account`
/// or `Container`.
pub fn check_name_format(name: &str, kind: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{kind} name cannot be empty"));
    }
    if name.contains('/') {
        return Err(format!("{kind} name cannot contain slashes"));
    }
    Ok(())
}

/// Swift's `get_reserved_name(*parts)`: `\0` + parts joined by `\0`; parts must not contain `\0`.
pub fn get_reserved_name(parts: &[&str]) -> Result<String, String> {
    if parts.iter().any(|p| p.contains(RESERVED)) {
        return Err("Invalid reserved part in components".into());
    }
    Ok(format!("{RESERVED_STR}{}", parts.join(RESERVED_STR)))
}

/// Swift's `split_reserved_name(name)`.
pub fn split_reserved_name(name: &str) -> Result<Vec<String>, String> {
    if !name.starts_with(RESERVED) {
        return Err("Invalid reserved name".into());
    }
    Ok(name.split(RESERVED).skip(1).map(str::to_string).collect())
}

/// Whether a name lives in the reserved namespace.
pub fn is_reserved_name(name: &str) -> bool {
    name.starts_with(RESERVED)
}

fn validate_internal_name(name: &str, kind: &str) -> Result<(), String> {
    if name.contains(RESERVED) && !name.starts_with(RESERVED) {
        return Err(format!("Invalid reserved-namespace {kind}"));
    }
    Ok(())
}

/// Swift's `validate_internal_account` (400 body on error).
pub fn validate_internal_account(account: &str) -> Result<(), String> {
    validate_internal_name(account, "account")
}

/// Swift's `validate_internal_container` (400 body on error).
pub fn validate_internal_container(account: &str, container: &str) -> Result<(), String> {
    validate_internal_account(account)?;
    if !container.is_empty() {
        validate_internal_name(container, "container")?;
    }
    Ok(())
}

/// Swift's `validate_internal_obj` (400 body on error); `auto_create_prefix` is the effective
/// auto-create account prefix, whose accounts (and `.misplaced_objects`) are exempt.
pub fn validate_internal_obj(
    account: &str,
    container: &str,
    obj: &str,
    auto_create_prefix: &str,
) -> Result<(), String> {
    validate_internal_container(account, container)?;
    let exempt = account.starts_with(auto_create_prefix) || account == MISPLACED_OBJECTS_ACCOUNT;
    if !obj.is_empty() && !exempt {
        validate_internal_name(obj, "object")?;
        if container.starts_with(RESERVED) && !obj.starts_with(RESERVED) {
            return Err("Invalid user-namespace object in reserved-namespace container".into());
        }
        if obj.starts_with(RESERVED) && !container.starts_with(RESERVED) {
            return Err("Invalid reserved-namespace object in user-namespace container".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(headers: &[(&str, &str)]) -> Result<(), String> {
        Constraints::default()
            .check_metadata(headers.iter().map(|(k, v)| (*k, v.as_bytes())), "container")
    }

    #[test]
    fn metadata_bodies_match_swift() {
        assert_eq!(
            check(&[("x-container-meta-a", "b"), ("content-length", "0")]),
            Ok(())
        );
        assert_eq!(
            check(&[("x-container-meta-", "b")]),
            Err("Metadata name cannot be empty".into())
        );
        let long = "n".repeat(129);
        assert_eq!(
            check(&[(&format!("x-container-meta-{long}"), "v")]),
            Err(format!(
                "Metadata name too long: x-container-meta-N{}",
                &long[1..]
            ))
        );
        assert_eq!(
            check(&[("x-container-meta-key", &"v".repeat(257))]),
            Err("Metadata value longer than 256: x-container-meta-Key".into())
        );
        assert_eq!(
            check(&[("x-foo", &"v".repeat(8193))]),
            Err("Header value too long: X-Foo".into())
        );
        let many: Vec<(String, String)> = (0..91)
            .map(|i| (format!("x-container-meta-k{i}"), "v".into()))
            .collect();
        let refs: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(check(&refs), Err("Too many metadata items; max 90".into()));
        let big: Vec<(String, String)> = (0..20)
            .map(|i| (format!("x-container-meta-k{i:02}"), "v".repeat(250)))
            .collect();
        let refs: Vec<(&str, &str)> = big.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            check(&refs),
            Err("Total metadata too large; max 4096".into())
        );
        let bad = Constraints::default()
            .check_metadata([("x-container-meta-a", &b"\xff"[..])], "container");
        assert_eq!(bad, Err("Metadata must be valid UTF-8".into()));
        let nul = Constraints::default()
            .check_metadata([("x-container-meta-a", &b"a\0b"[..])], "container");
        assert_eq!(nul, Err("Metadata must be valid UTF-8".into()));
        // Objects do not get the UTF-8 check.
        let obj =
            Constraints::default().check_metadata([("x-object-meta-a", &b"\xff"[..])], "object");
        assert_eq!(obj, Ok(()));
    }

    #[test]
    fn title_case_like_python() {
        assert_eq!(
            wsgi_title("x-container-meta-abc1def_x"),
            "X-Container-Meta-Abc1Def-X"
        );
    }

    #[test]
    fn utf8_and_names() {
        assert!(check_utf8("héllo".as_bytes(), false));
        assert!(!check_utf8(b"", false));
        assert!(!check_utf8(b"a\0", false));
        assert!(check_utf8(b"\0a", true));
        assert!(!check_utf8(b"\xed\xa0\x80", true));
        assert_eq!(
            check_name_format("", "Container"),
            Err("Container name cannot be empty".into())
        );
        assert_eq!(
            check_name_format("a/b", "Account"),
            Err("Account name cannot contain slashes".into())
        );
        assert_eq!(get_reserved_name(&["a", "b"]).unwrap(), "\0a\0b");
        assert!(get_reserved_name(&["a\0"]).is_err());
        assert_eq!(split_reserved_name("\0a\0b").unwrap(), vec!["a", "b"]);
        assert!(validate_internal_container("a", "c\0").is_err());
        assert_eq!(
            validate_internal_obj("AUTH_a", "\0c", "o", "."),
            Err("Invalid user-namespace object in reserved-namespace container".into())
        );
        assert_eq!(validate_internal_obj(".a", "\0c", "o", "."), Ok(()));
    }

    #[test]
    fn overrides() {
        let c = Constraints::default()
            .with_overrides([
                ("max_meta_count", "5"),
                ("valid_api_versions", "v1, v2"),
                ("bogus", "x"),
            ])
            .unwrap();
        assert_eq!(c.max_meta_count, 5);
        assert_eq!(c.valid_api_versions, vec!["v1", "v2"]);
        assert_eq!(c.max_header_count(), 41);
        assert!(Constraints::default()
            .with_overrides([("max_file_size", "big")])
            .is_err());
    }
}
