//! Query-string parameters as Swift's container server reads them: `parse_qsl` with blank values
//! kept and the last duplicate winning, values checked for UTF-8 only when non-empty (Swift's
//! `get_param`), and the listing parameters with the `limit` rules of `constrain_req_limit`.

use super::error::ListingError;
use super::py::{py_isdigit_int, PyDigits};
use std::collections::HashMap;

/// Swift's CONTAINER_LISTING_LIMIT default: the largest `limit` a listing accepts.
pub const CONTAINER_LISTING_LIMIT: u64 = 10_000;

/// Decoded query parameters (`%XX` and `+` decoded to raw bytes), last occurrence of a name wins.
#[derive(Debug, Clone, Default)]
pub struct QueryParams {
    params: HashMap<Vec<u8>, Vec<u8>>,
}

/// Percent-decodes as Python's `unquote` does (invalid `%` escapes stay as they are), after
/// turning `+` into a space.
fn unquote_plus(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                decode_escape(raw, &mut i, &mut out);
                continue;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Handles a `%` at `raw[*i]`: decodes `%XX` when two hex digits follow, else keeps the `%`.
fn decode_escape(raw: &[u8], i: &mut usize, out: &mut Vec<u8>) {
    let hex = |b: u8| (b as char).to_digit(16);
    if let (Some(h), Some(l)) = (
        raw.get(*i + 1).copied().and_then(hex),
        raw.get(*i + 2).copied().and_then(hex),
    ) {
        out.push((h * 16 + l) as u8);
        *i += 3;
    } else {
        out.push(b'%');
        *i += 1;
    }
}

impl QueryParams {
    /// Parses a raw query string (the bytes after `?`, undecoded) as Swift's `req.params` does:
    /// split on `&`, empty pieces skipped, a piece without `=` is a name with an empty value.
    pub fn parse(raw: &[u8]) -> QueryParams {
        let mut params = HashMap::new();
        for piece in raw.split(|b| *b == b'&') {
            if piece.is_empty() {
                continue;
            }
            let (name, value) = match piece.iter().position(|b| *b == b'=') {
                Some(eq) => (&piece[..eq], &piece[eq + 1..]),
                None => (piece, &b""[..]),
            };
            params.insert(unquote_plus(name), unquote_plus(value));
        }
        QueryParams { params }
    }

    /// The raw (decoded) bytes of a parameter.
    pub fn get_bytes(&self, name: &str) -> Option<&[u8]> {
        self.params.get(name.as_bytes()).map(Vec::as_slice)
    }

    /// Whether the parameter is present (even with an empty value).
    pub fn contains(&self, name: &str) -> bool {
        self.params.contains_key(name.as_bytes())
    }

    /// Swift's `get_param`: None when absent, the value as UTF-8 text, or 400 when a non-empty
    /// value is not UTF-8.
    pub fn get(&self, name: &str) -> Result<Option<String>, ListingError> {
        match self.get_bytes(name) {
            None => Ok(None),
            Some(bytes) => String::from_utf8(bytes.to_vec())
                .map(Some)
                .map_err(|_| ListingError::ParamNotUtf8(name.to_string())),
        }
    }
}

/// Swift's `config_true_value`: `true`, `1`, `yes`, `on`, `t`, `y` in any case.
pub fn config_true(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "on" | "t" | "y"
        )
    })
}

/// The parameters of a container GET, validated in Swift's order (`validate_container_params`):
/// each present parameter as text, then `limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListingQuery {
    /// `marker` (None when absent).
    pub marker: Option<String>,
    /// `end_marker`.
    pub end_marker: Option<String>,
    /// `prefix`.
    pub prefix: Option<String>,
    /// `delimiter`.
    pub delimiter: Option<String>,
    /// Swift's deprecated `path`.
    pub path: Option<String>,
    /// `format` (negotiate with [`crate::listing::negotiate`]).
    pub format: Option<String>,
    /// Raw `reverse` value; see [`ListingQuery::reverse`].
    pub reverse_raw: Option<String>,
    /// Shard listings: `states`.
    pub states: Option<String>,
    /// Shard listings: `includes`.
    pub includes: Option<String>,
    /// The effective limit: the given one when it is all digits, else the maximum.
    pub limit: u64,
}

impl ListingQuery {
    /// Validates a container GET's query: 400 for the first non-UTF-8 parameter (in Swift's
    /// order), 412 `Maximum limit is 10000` above the maximum, 500 where Python's `int()` fails.
    pub fn parse(params: &QueryParams) -> Result<ListingQuery, ListingError> {
        let mut q = ListingQuery {
            marker: params.get("marker")?,
            end_marker: params.get("end_marker")?,
            prefix: params.get("prefix")?,
            delimiter: params.get("delimiter")?,
            path: params.get("path")?,
            format: params.get("format")?,
            reverse_raw: params.get("reverse")?,
            states: params.get("states")?,
            includes: params.get("includes")?,
            limit: CONTAINER_LISTING_LIMIT,
        };
        q.limit = constrain_limit(params.get("limit")?.as_deref(), CONTAINER_LISTING_LIMIT)?;
        Ok(q)
    }

    /// Parses a raw query string; see [`ListingQuery::parse`].
    pub fn from_raw(raw_query: Option<&str>) -> Result<ListingQuery, ListingError> {
        Self::parse(&QueryParams::parse(raw_query.unwrap_or("").as_bytes()))
    }

    /// `reverse` as Swift reads it (`config_true_value`).
    pub fn reverse(&self) -> bool {
        config_true(self.reverse_raw.as_deref())
    }
}

/// Swift's `constrain_req_limit`: a value of digits is the limit (412 above `max`); anything
/// else (absent, empty, negative, words) means `max`.
pub fn constrain_limit(given: Option<&str>, max: u64) -> Result<u64, ListingError> {
    match given.map(py_isdigit_int) {
        None | Some(PyDigits::NotDigits) => Ok(max),
        Some(PyDigits::Value(v)) if v > max => Err(ListingError::LimitTooLarge(max)),
        Some(PyDigits::Value(v)) => Ok(v),
        Some(PyDigits::IntFails) => Err(ListingError::Internal(
            "limit is a digit Python's int() refuses".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_qsl_rules() {
        let p = QueryParams::parse(b"a=1&&b&c=%41%zz+x&a=2&m%61rker=%FF");
        assert_eq!(p.get_bytes("a"), Some(&b"2"[..]));
        assert_eq!(p.get_bytes("b"), Some(&b""[..]));
        assert_eq!(p.get_bytes("c"), Some(&b"A%zz x"[..]));
        assert_eq!(
            p.get("marker"),
            Err(ListingError::ParamNotUtf8("marker".into()))
        );
        assert_eq!(p.get("nope"), Ok(None));
    }

    #[test]
    fn limit_rules() {
        assert_eq!(constrain_limit(None, 10000), Ok(10000));
        assert_eq!(constrain_limit(Some("-1"), 10000), Ok(10000));
        assert_eq!(constrain_limit(Some("0"), 10000), Ok(0));
        assert_eq!(constrain_limit(Some("10000"), 10000), Ok(10000));
        assert_eq!(
            constrain_limit(Some("10001"), 10000),
            Err(ListingError::LimitTooLarge(10000))
        );
        let q = ListingQuery::from_raw(Some("limit=99999999999999999999999999")).unwrap_err();
        assert_eq!(q.status(), 412);
        assert_eq!(q.body().as_deref(), Some("Maximum limit is 10000"));
    }
}
