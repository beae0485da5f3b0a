//! Reading a backend request the way Swift's container server does: the decoded path split into
//! drive/partition/account/container/object, name validation, `X-Timestamp`, the storage policy
//! header, query parameters, and which headers are container metadata.

use crate::error::ApiError;
use bytes::Bytes;
use http::{HeaderMap, Method};
use swift_common::config::config_true_value;
use swift_common::timestamp::Timestamp;

/// Swift's reserved-namespace marker (names starting with it are internal).
const RESERVED: char = '\0';

/// Accounts under this name hold misplaced objects; object names there are not validated.
const MISPLACED_OBJECTS_ACCOUNT: &str = ".misplaced_objects";

/// One request as the handlers see it: method, percent-decoded path, raw query, headers, body.
#[derive(Debug)]
pub struct SwiftRequest {
    /// HTTP method (Swift's private verbs REPLICATE and UPDATE included).
    pub method: Method,
    /// The path, percent-decoded and checked to be UTF-8.
    pub path: String,
    /// The raw (still encoded) query string, if any.
    pub query: Option<String>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The whole request body (only UPDATE, REPLICATE and shard PUTs read it).
    pub body: Bytes,
    /// `Host` header or bind address, for the `Referer` of account updates.
    pub host: String,
    /// The path as received (still encoded), for the `Referer` of account updates.
    pub raw_path: String,
}

/// The location part of a container or object request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Device directory name under `devices`.
    pub drive: String,
    /// Partition (a directory name; Swift does not require it to be numeric).
    pub part: String,
    /// Account name.
    pub account: String,
    /// Container name.
    pub container: String,
    /// Object name when the path has five segments.
    pub obj: Option<String>,
}

impl SwiftRequest {
    /// A header's value as text (UTF-8, or Latin-1 bytes widened as WSGI does), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| header_text(v.as_bytes()))
    }

    /// Is the header present with one of Swift's true values (`true`, `1`, `yes`, `on`, `t`, `y`)?
    pub fn header_true(&self, name: &str) -> bool {
        self.header(name).is_some_and(|v| config_true_value(&v))
    }

    /// Swift's `valid_timestamp`: `X-Timestamp` parsed, or 400 naming what is wrong.
    pub fn timestamp(&self) -> Result<Timestamp, ApiError> {
        let raw = self
            .header("x-timestamp")
            .ok_or_else(|| ApiError::bad_request_plain("Missing X-Timestamp header"))?;
        Timestamp::parse(&raw)
            .map_err(|_| ApiError::bad_request_plain("Invalid X-Timestamp header"))
    }

    /// A query parameter, percent-decoded (`+` as space), checked to be UTF-8 as Swift's
    /// `get_param` does. The last occurrence wins, as in swob's `params`.
    pub fn param(&self, name: &str) -> Result<Option<String>, ApiError> {
        let Some(query) = self.query.as_deref() else {
            return Ok(None);
        };
        let mut found = None;
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if decode_query_bytes(key) == name.as_bytes() {
                found = Some(value);
            }
        }
        match found {
            None => Ok(None),
            Some(value) => String::from_utf8(decode_query_bytes(value))
                .map(Some)
                .map_err(|_| {
                    ApiError::bad_request_plain(format!("\"{name}\" parameter not valid UTF-8"))
                }),
        }
    }

    /// The path split as `get_obj_name_and_placement` (4 or 5 segments, the object keeps its
    /// slashes) with Swift's reserved-namespace checks.
    pub fn object_placement(&self) -> Result<Placement, ApiError> {
        let segs = split_path(&self.path, 4, 5, true)?;
        let placement = placement_from(segs);
        validate_internal_container(&placement.account, &placement.container)?;
        if let Some(obj) = &placement.obj {
            validate_internal_obj(&placement.account, &placement.container, obj)?;
        }
        Ok(placement)
    }

    /// The path split as `get_container_name_and_placement` (exactly 4 segments).
    pub fn container_placement(&self) -> Result<Placement, ApiError> {
        let segs = split_path(&self.path, 4, 4, false)?;
        let placement = placement_from(segs);
        validate_internal_container(&placement.account, &placement.container)?;
        Ok(placement)
    }

    /// The `Referer` Swift sends on account updates: method and full URL of this request.
    pub fn as_referer(&self) -> String {
        format!("{} http://{}{}", self.method, self.host, self.raw_path)
    }
}

fn placement_from(segs: Vec<Option<String>>) -> Placement {
    let mut it = segs.into_iter();
    let mut next = || it.next().flatten();
    Placement {
        drive: next().unwrap_or_default(),
        part: next().unwrap_or_default(),
        account: next().unwrap_or_default(),
        container: next().unwrap_or_default(),
        obj: next(),
    }
}

/// Header bytes as text: UTF-8 when they are, else each byte as one Latin-1 character.
pub fn header_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

fn decode_query_bytes(s: &str) -> Vec<u8> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).collect()
}

/// Percent-encodes a path as Python's `quote(path)` does (`/` kept).
pub fn quote_path(path: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'_')
        .remove(b'.')
        .remove(b'-')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(path, KEEP).to_string()
}

/// Swift's `split_path` followed by `validate_device_partition`: `min..=max` segments, the
/// last one keeping any further slashes when `rest_with_last`.
pub fn split_path(
    path: &str,
    min: usize,
    max: usize,
    rest_with_last: bool,
) -> Result<Vec<Option<String>>, ApiError> {
    let invalid = || ApiError::bad_request_plain(format!("Invalid path: {}", quote_path(path)));
    let segs: Vec<&str> = path
        .splitn(max + 1 + usize::from(!rest_with_last), '/')
        .collect();
    let (minsegs, maxsegs) = (min + 1, max + 1);
    let count = segs.len();
    if !segs[0].is_empty() || count < minsegs {
        return Err(invalid());
    }
    if rest_with_last {
        if count > maxsegs || segs[1..minsegs].iter().any(|s| s.is_empty()) {
            return Err(invalid());
        }
    } else if count > maxsegs + 1
        || segs[1..minsegs].iter().any(|s| s.is_empty())
        || (count == maxsegs + 1 && !segs[maxsegs].is_empty())
    {
        return Err(invalid());
    }
    let mut out: Vec<Option<String>> = segs[1..count.min(maxsegs)]
        .iter()
        .map(|s| Some(s.to_string()))
        .collect();
    // Every segment but the last must be non-empty.
    if out.len() > 1
        && out[..out.len() - 1]
            .iter()
            .any(|s| s.as_deref() == Some(""))
    {
        return Err(invalid());
    }
    out.resize(max, None);
    validate_device_partition(
        out[0].as_deref().unwrap_or(""),
        out[1].as_deref().unwrap_or(""),
    )?;
    Ok(out)
}

fn validate_device_partition(device: &str, partition: &str) -> Result<(), ApiError> {
    if device.is_empty() || device.contains('/') || device == "." || device == ".." {
        return Err(ApiError::bad_request_plain(format!(
            "Invalid device: {}",
            quote_path(device)
        )));
    }
    if partition.is_empty() || partition.contains('/') || partition == "." || partition == ".." {
        return Err(ApiError::bad_request_plain(format!(
            "Invalid partition: {}",
            quote_path(partition)
        )));
    }
    Ok(())
}

fn validate_internal_name(name: &str, kind: &str) -> Result<(), ApiError> {
    if name.contains(RESERVED) && !name.starts_with(RESERVED) {
        return Err(ApiError::bad_request(format!(
            "Invalid reserved-namespace {kind}"
        )));
    }
    Ok(())
}

fn validate_internal_container(account: &str, container: &str) -> Result<(), ApiError> {
    validate_internal_name(account, "account")?;
    if !container.is_empty() {
        validate_internal_name(container, "container")?;
    }
    Ok(())
}

fn validate_internal_obj(account: &str, container: &str, obj: &str) -> Result<(), ApiError> {
    // Swift skips object checks in auto-create accounts ('.' prefix) and the misplaced one.
    if account.starts_with('.') || account == MISPLACED_OBJECTS_ACCOUNT {
        return Ok(());
    }
    validate_internal_name(obj, "object")?;
    if container.starts_with(RESERVED) && !obj.starts_with(RESERVED) {
        return Err(ApiError::bad_request(
            "Invalid user-namespace object in reserved-namespace container",
        ));
    }
    if obj.starts_with(RESERVED) && !container.starts_with(RESERVED) {
        return Err(ApiError::bad_request(
            "Invalid reserved-namespace object in user-namespace container",
        ));
    }
    Ok(())
}

/// Headers a container keeps as metadata besides `X-Container-Meta-*` and sysmeta.
const SAVED_HEADERS: [&str; 4] = [
    "x-container-read",
    "x-container-write",
    "x-container-sync-key",
    "x-container-sync-to",
];

/// Is this header stored as container metadata (`save_headers` or user/system meta)?
/// `allow_versions` adds `X-Versions-Location` as Swift's deprecated option does.
pub fn is_container_metadata(name: &str, allow_versions: bool) -> bool {
    let lower = name.to_ascii_lowercase();
    if SAVED_HEADERS.contains(&lower.as_str()) || (allow_versions && lower == "x-versions-location")
    {
        return true;
    }
    let user = "x-container-meta-";
    let sys = "x-container-sysmeta-";
    (lower.len() > user.len() && lower.starts_with(user))
        || (lower.len() > sys.len() && lower.starts_with(sys))
}

/// Python's `str.title()` on a header name: how swob spells the keys Swift stores as metadata
/// (`x-container-meta-foo` becomes `X-Container-Meta-Foo`).
pub fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut prev_cased = false;
    for c in name.chars() {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|s| s.map(str::to_string)).collect()
    }

    #[test]
    fn split_path_as_swift() {
        assert_eq!(
            split_path("/d/p/a/c", 4, 5, true).unwrap(),
            segs(&[Some("d"), Some("p"), Some("a"), Some("c"), None])
        );
        assert_eq!(
            split_path("/d/p/a/c/o/r", 4, 5, true).unwrap(),
            segs(&[Some("d"), Some("p"), Some("a"), Some("c"), Some("o/r")])
        );
        assert_eq!(
            split_path("/d/p/a/c/", 4, 5, true).unwrap(),
            segs(&[Some("d"), Some("p"), Some("a"), Some("c"), Some("")])
        );
        assert_eq!(
            split_path("/d/p/a/c/", 4, 4, false).unwrap(),
            segs(&[Some("d"), Some("p"), Some("a"), Some("c")])
        );
        assert!(split_path("/d/p/a", 4, 5, true).is_err());
        assert!(split_path("/d/p/a/c/o", 4, 4, false).is_err());
        assert!(split_path("/d//a/c", 4, 5, true).is_err());
        assert_eq!(
            split_path("/d/p/h", 3, 3, false).unwrap(),
            segs(&[Some("d"), Some("p"), Some("h")])
        );
    }

    #[test]
    fn title_case_as_python() {
        assert_eq!(
            title_case("x-container-meta-foo_bar"),
            "X-Container-Meta-Foo_Bar"
        );
        assert_eq!(title_case("X-CONTAINER-META-1abc"), "X-Container-Meta-1Abc");
    }

    #[test]
    fn metadata_headers() {
        assert!(is_container_metadata("X-Container-Meta-A", false));
        assert!(!is_container_metadata("X-Container-Meta-", false));
        assert!(is_container_metadata("x-container-sysmeta-x", false));
        assert!(is_container_metadata("X-Container-Read", false));
        assert!(!is_container_metadata("X-Versions-Location", false));
        assert!(is_container_metadata("X-Versions-Location", true));
    }
}
