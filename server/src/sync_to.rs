//! Swift's `validate_sync_to`: an `X-Container-Sync-To` value must be `//realm/cluster/a/c` with
//! a known realm and cluster, or an http(s) URL with a path whose host is in
//! `allowed_sync_hosts`. Errors are the 400 bodies Swift sends.

use crate::handlers::py_repr;
use crate::settings::Settings;
use std::path::Path;
use swift_common::config::ini::{KeyCase, RawIni};

/// Checks an `X-Container-Sync-To` value; `Err` holds Swift's error message.
pub fn validate_sync_to(settings: &Settings, value: &str) -> Result<(), String> {
    let orig = value;
    let value = value.trim_end_matches('/');
    if value.is_empty() {
        return Ok(());
    }
    if let Some(rest) = value.strip_prefix("//") {
        let data: Vec<&str> = rest.split('/').collect();
        if data.len() != 4 {
            return Err(format!(
                "Invalid X-Container-Sync-To format {}",
                py_repr(orig)
            ));
        }
        let (realm, cluster) = (data[0], data[1]);
        let realms = SyncRealms::load(&settings.realms_path);
        if realms.key(realm).is_none() {
            return Err(format!("No realm key for {}", py_repr(realm)));
        }
        if realms.endpoint(realm, cluster).is_none() {
            return Err(format!(
                "No cluster endpoint for {} {}",
                py_repr(realm),
                py_repr(cluster)
            ));
        }
        return Ok(());
    }
    let url = UrlParts::parse(value);
    if url.scheme != "http" && url.scheme != "https" {
        return Err(format!(
            "Invalid scheme {} in X-Container-Sync-To, must be \"//\", \"http\", or \"https\".",
            py_repr(&url.scheme)
        ));
    }
    if url.path.is_empty() {
        return Err("Path required in X-Container-Sync-To".to_string());
    }
    if url.has_params_query_or_fragment {
        return Err(
            "Params, queries, and fragments not allowed in X-Container-Sync-To".to_string(),
        );
    }
    match url.hostname {
        Some(host) if settings.allowed_sync_hosts.contains(&host) => Ok(()),
        Some(host) => Err(format!(
            "Invalid host {} in X-Container-Sync-To",
            py_repr(&host)
        )),
        None => Err("Invalid host None in X-Container-Sync-To".to_string()),
    }
}

/// `container-sync-realms.conf` as far as validation needs it: which realms have a key and
/// which clusters an endpoint. Read when a value names a realm (rare), so edits apply at once.
#[derive(Debug, Default)]
struct SyncRealms {
    ini: RawIni,
}

impl SyncRealms {
    /// Reads the file; a missing or unreadable file means no realms (Swift logs and goes on).
    fn load(path: &Path) -> SyncRealms {
        let mut ini = RawIni::default();
        if let Ok(text) = std::fs::read_to_string(path) {
            let name = path.display().to_string();
            if ini.read_str(&text, &name, KeyCase::Lower, false).is_err() {
                tracing::error!("Could not load {name:?}");
                ini = RawIni::default();
            }
        }
        SyncRealms { ini }
    }

    /// The options of a realm (realm names are case-insensitive).
    fn realm(&self, realm: &str) -> Option<&[(String, String)]> {
        let upper = realm.to_uppercase();
        self.ini
            .sections
            .iter()
            .find(|(name, _)| name.to_uppercase() == upper)
            .map(|(_, pairs)| pairs.as_slice())
    }

    fn key(&self, realm: &str) -> Option<&str> {
        self.realm(realm)?
            .iter()
            .find(|(k, v)| k == "key" && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn endpoint(&self, realm: &str, cluster: &str) -> Option<&str> {
        let wanted = cluster.to_uppercase();
        self.realm(realm)?
            .iter()
            .find(|(k, v)| {
                k.strip_prefix("cluster_")
                    .is_some_and(|c| c.to_uppercase() == wanted)
                    && !v.is_empty()
            })
            .map(|(_, v)| v.as_str())
    }
}

/// The parts of a URL as Python's `urlparse` splits them, as far as sync-to validation needs.
#[derive(Debug, Default, PartialEq)]
struct UrlParts {
    scheme: String,
    hostname: Option<String>,
    path: String,
    has_params_query_or_fragment: bool,
}

impl UrlParts {
    fn parse(url: &str) -> UrlParts {
        let mut out = UrlParts::default();
        let mut rest = url;
        if let Some((scheme, after)) = url.split_once(':') {
            let valid = scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if valid {
                out.scheme = scheme.to_ascii_lowercase();
                rest = after;
            }
        }
        if let Some((before, _)) = rest.split_once('#') {
            out.has_params_query_or_fragment = true;
            rest = before;
        }
        if let Some((before, _)) = rest.split_once('?') {
            out.has_params_query_or_fragment = true;
            rest = before;
        }
        if let Some(after) = rest.strip_prefix("//") {
            let end = after.find('/').unwrap_or(after.len());
            let netloc = &after[..end];
            rest = &after[end..];
            let hostport = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
            let host = if let Some(v6) = hostport.strip_prefix('[') {
                v6.split_once(']').map_or(v6, |(h, _)| h)
            } else {
                hostport.split_once(':').map_or(hostport, |(h, _)| h)
            };
            if !host.is_empty() {
                out.hostname = Some(host.to_lowercase());
            }
        }
        // urlparse splits `;params` off the last path segment.
        let last_seg_start = rest.rfind('/').map_or(0, |i| i + 1);
        if let Some(i) = rest[last_seg_start..].find(';') {
            out.has_params_query_or_fragment = true;
            rest = &rest[..last_seg_start + i];
        }
        out.path = rest.to_string();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlparse_like_python() {
        let u = UrlParts::parse("HTTP://User@Host.Example:8080/v1/a/c");
        assert_eq!(u.scheme, "http");
        assert_eq!(u.hostname.as_deref(), Some("host.example"));
        assert_eq!(u.path, "/v1/a/c");
        assert!(!u.has_params_query_or_fragment);
        assert!(UrlParts::parse("http://h/a/c?x").has_params_query_or_fragment);
        assert!(UrlParts::parse("http://h/a/c;p").has_params_query_or_fragment);
        assert_eq!(
            UrlParts::parse("http://[::1]:80/a").hostname.as_deref(),
            Some("::1")
        );
        assert_eq!(UrlParts::parse("http://h").path, "");
    }
}
