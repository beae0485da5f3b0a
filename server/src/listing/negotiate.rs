//! Content negotiation for listings as Swift's `get_listing_content_type` does it: a non-empty
//! `format=` replaces the Accept header (`json`, `xml`, anything else means plain), then swob's
//! `Accept.best_match` picks among text/plain, application/json, application/xml and text/xml.
//! Swift's matching is case-sensitive and treats `q=0` as acceptable; we do the same.

use super::error::ListingError;
use super::py::{py_float, PY_SPACE_CLASS};
use regex::Regex;
use std::sync::OnceLock;

/// The listing format chosen for a response; it fixes both the body and the Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain`: one name per line.
    Plain,
    /// `application/json`.
    Json,
    /// `application/xml`.
    Xml,
    /// `text/xml` (same body as `Xml`).
    TextXml,
}

/// The candidates in Swift's preference order.
const OPTIONS: [(&str, Format); 4] = [
    ("text/plain", Format::Plain),
    ("application/json", Format::Json),
    ("application/xml", Format::Xml),
    ("text/xml", Format::TextXml),
];

impl Format {
    /// The bare media type (`application/json`).
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Plain => "text/plain",
            Format::Json => "application/json",
            Format::Xml => "application/xml",
            Format::TextXml => "text/xml",
        }
    }

    /// The Content-Type header of a listing (or HEAD) response: `<type>; charset=utf-8`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Plain => "text/plain; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "application/xml; charset=utf-8",
            Format::TextXml => "text/xml; charset=utf-8",
        }
    }
}

/// One `type/subtype;params` of an Accept header, anchored as swob's `acc_pattern`.
fn accept_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let s = format!("[{PY_SPACE_CLASS}]");
        let token = r#"[^()<>@,;:\\"/\[\]?={}\x00-\x20\x7f]+"#;
        let quoted = r#""(?:[^"\\]|\\[^\n])*""#;
        let extension = format!(r"(?:{s}*;{s}*(?:{token}){s}*={s}*(?:{token}|{quoted}))");
        let pattern = format!(r"^{s}*({token})/({token})({extension}*?{s}*)\z");
        Regex::new(&pattern).unwrap_or_else(|e| panic!("static accept regex: {e}"))
    })
}

/// Whether `part` (a media-range half, possibly `*`) matches `value` as swob's pattern does.
fn half_matches(part: &str, value: &str) -> bool {
    part == "*" || part == value
}

/// swob's `Accept._get_types` + `best_match` over the listing candidates. `header` is the Accept
/// value as text (bytes read as Latin-1, like a WSGI string).
fn best_match(header: &str) -> Result<Option<Format>, ListingError> {
    if header.is_empty() {
        return Ok(Some(Format::Plain));
    }
    // (type, subtype, quality, has no glob), kept in header order for a stable sort.
    let mut ranges: Vec<(String, String, f64, bool)> = Vec::new();
    for piece in header.split(',') {
        let caps = accept_pattern()
            .captures(piece)
            .ok_or(ListingError::InvalidAccept)?;
        let typ = caps.get(1).map_or("", |m| m.as_str());
        let subtype = caps.get(2).map_or("", |m| m.as_str());
        let params = caps.get(3).map_or("", |m| m.as_str());
        let mut quality = 1.0;
        let mut seen_q = false;
        for param in params.split(';') {
            let param = param.trim_matches(super::py::is_py_space);
            if param.is_empty() {
                continue;
            }
            let mut kv = param.split('=');
            let (Some(name), Some(value), None) = (kv.next(), kv.next(), kv.next()) else {
                return Err(ListingError::InvalidAccept);
            };
            if name.trim_matches(super::py::is_py_space) == "q" {
                if seen_q {
                    return Err(ListingError::InvalidAccept);
                }
                seen_q = true;
                quality = py_float(value).ok_or(ListingError::InvalidAccept)?;
            }
        }
        let exact = typ != "*" && subtype != "*";
        ranges.push((typ.to_string(), subtype.to_string(), quality, exact));
    }
    // Python's stable sort with reverse=True on (quality, exact).
    ranges.sort_by(|a, b| {
        b.2.partial_cmp(&a.2)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(b.3.cmp(&a.3))
    });
    for (typ, subtype, _, _) in &ranges {
        for (option, format) in OPTIONS {
            let (otype, osub) = option.split_once('/').unwrap_or((option, ""));
            if half_matches(typ, otype) && half_matches(subtype, osub) {
                return Ok(Some(format));
            }
        }
    }
    Ok(None)
}

/// Picks the listing format from the `format` query value (already UTF-8 checked) and the raw
/// Accept header (all Accept header values joined with `,`). 400 `Invalid Accept header` when
/// the header does not parse, 406 when nothing is acceptable.
pub fn negotiate(
    format_param: Option<&str>,
    accept: Option<&[u8]>,
) -> Result<Format, ListingError> {
    if let Some(f) = format_param.filter(|f| !f.is_empty()) {
        return Ok(match f.to_lowercase().as_str() {
            "json" => Format::Json,
            "xml" => Format::Xml,
            _ => Format::Plain,
        });
    }
    let header: String = accept
        .unwrap_or_default()
        .iter()
        .map(|&b| char::from(b))
        .collect();
    best_match(&header)?.ok_or(ListingError::NotAcceptable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(h: &str) -> Result<Format, ListingError> {
        negotiate(None, Some(h.as_bytes()))
    }

    #[test]
    fn format_param_wins() {
        assert_eq!(negotiate(Some("JSON"), Some(b"bad")), Ok(Format::Json));
        assert_eq!(negotiate(Some("xml"), None), Ok(Format::Xml));
        assert_eq!(negotiate(Some("yaml"), None), Ok(Format::Plain));
        assert_eq!(
            negotiate(Some(""), Some(b"application/json")),
            Ok(Format::Json)
        );
    }

    #[test]
    fn accept_rules() {
        assert_eq!(negotiate(None, None), Ok(Format::Plain));
        assert_eq!(acc("application/json"), Ok(Format::Json));
        assert_eq!(acc("text/*;q=0.5, application/xml"), Ok(Format::Xml));
        assert_eq!(acc("*/*"), Ok(Format::Plain));
        assert_eq!(acc("*/xml"), Ok(Format::Xml));
        assert_eq!(acc("text/xml"), Ok(Format::TextXml));
        assert_eq!(acc("application/json;q=0"), Ok(Format::Json));
        assert_eq!(acc("image/png"), Err(ListingError::NotAcceptable));
        assert_eq!(acc("Application/JSON"), Err(ListingError::NotAcceptable));
        assert_eq!(acc("bad"), Err(ListingError::InvalidAccept));
        assert_eq!(acc("text/plain;q=x"), Err(ListingError::InvalidAccept));
        assert_eq!(acc("text/plain;q=1;q=1"), Err(ListingError::InvalidAccept));
    }
}
