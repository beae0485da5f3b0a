//! `container-sync-realms.conf`: realms, clusters and keys, and the request signature they define.
//!
//! Behaves as Swift's `ContainerSyncRealms`: a missing file means no realms, a broken file is
//! logged and the previous contents kept, the file's mtime is checked at most every
//! `mtime_check_interval` seconds (default 300) and it is re-read when it changed. Realm and
//! cluster names are case-insensitive (stored upper-cased).

use crate::config::ini::{get_pair, interpolate, set_pair, Interpolation, KeyCase, Pairs, RawIni};
use crate::config::{parse_python_float, ConfigError};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

/// Default seconds between mtime checks.
pub const DEFAULT_MTIME_CHECK_INTERVAL: f64 = 300.0;

/// One realm: its keys and its clusters (upper-cased name → endpoint URL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Realm {
    /// `key`.
    pub key: Option<String>,
    /// `key2` (accepted too, for key rotation).
    pub key2: Option<String>,
    /// `cluster_<name> = <url>` entries, by upper-cased name.
    pub clusters: BTreeMap<String, String>,
}

/// The parsed contents of the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RealmsData {
    /// Realms by upper-cased name.
    pub realms: BTreeMap<String, Realm>,
    /// `[DEFAULT] mtime_check_interval`: `None` when absent, `Some(None)` when not a number.
    pub mtime_check_interval: Option<Option<f64>>,
}

impl RealmsData {
    /// Parses the file's text as Swift's `ContainerSyncRealms._reload` does (a plain
    /// `ConfigParser`: lower-cased option names, `%` interpolation, `[DEFAULT]` inherited).
    pub fn parse_str(text: &str) -> Result<RealmsData, ConfigError> {
        let mut ini = RawIni::default();
        ini.read_str(text, "container-sync-realms.conf", KeyCase::Lower, true)?;
        let default_lookup = |k: &str| get_pair(&ini.defaults, k).map(str::to_string);
        let mtime_check_interval = match get_pair(&ini.defaults, "mtime_check_interval") {
            None => None,
            Some(raw) => {
                let v = interpolate(
                    raw,
                    "mtime_check_interval",
                    &default_lookup,
                    Interpolation::Basic,
                    KeyCase::Lower,
                )?;
                // Swift logs a bad value and keeps its previous interval.
                Some(parse_python_float(&v))
            }
        };
        let mut realms = BTreeMap::new();
        for (name, sect) in &ini.sections {
            let mut merged: Pairs = ini.defaults.clone();
            for (k, v) in sect {
                set_pair(&mut merged, k, v.clone());
            }
            let lookup = |k: &str| get_pair(&merged, k).map(str::to_string);
            let mut realm = Realm::default();
            for (k, raw) in &merged {
                let v = interpolate(raw, k, &lookup, Interpolation::Basic, KeyCase::Lower)?;
                match k.as_str() {
                    "key" => realm.key = Some(v),
                    "key2" => realm.key2 = Some(v),
                    _ => {
                        if let Some(cluster) = k.strip_prefix("cluster_") {
                            realm.clusters.insert(cluster.to_uppercase(), v);
                        }
                    }
                }
            }
            realms.insert(name.to_uppercase(), realm);
        }
        Ok(RealmsData {
            realms,
            mtime_check_interval,
        })
    }
}

#[derive(Debug)]
struct State {
    data: RealmsData,
    interval: f64,
    next_check: Option<Instant>,
    mtime: Option<SystemTime>,
}

/// The realms file, re-read when it changes (checked at most every `mtime_check_interval`).
#[derive(Debug)]
pub struct Realms {
    path: PathBuf,
    state: Mutex<State>,
}

impl Realms {
    /// Loads `path` (usually `<swift_dir>/container-sync-realms.conf`). Never fails: a missing or
    /// broken file gives no realms, as in Swift (broken files are logged).
    pub fn load(path: &Path) -> Realms {
        let realms = Realms {
            path: path.to_path_buf(),
            state: Mutex::new(State {
                data: RealmsData::default(),
                interval: DEFAULT_MTIME_CHECK_INTERVAL,
                next_check: None,
                mtime: None,
            }),
        };
        realms.maybe_reload();
        realms
    }

    /// Realms from already-parsed data (tests, embedded configs); never reloads.
    pub fn from_data(data: RealmsData) -> Realms {
        Realms {
            path: PathBuf::new(),
            state: Mutex::new(State {
                data,
                interval: f64::INFINITY,
                next_check: Some(Instant::now() + std::time::Duration::from_secs(u32::MAX as u64)),
                mtime: None,
            }),
        }
    }

    /// The file this was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Forces a re-read on the next access (Swift's `reload()`).
    pub fn reload(&self) {
        if let Ok(mut st) = self.state.lock() {
            st.next_check = None;
            st.mtime = None;
        }
        self.maybe_reload();
    }

    fn maybe_reload(&self) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        let now = Instant::now();
        if st.next_check.is_some_and(|t| now < t) {
            return;
        }
        st.next_check = Some(now + secs(st.interval));
        let mtime = match std::fs::metadata(&self.path).and_then(|m| m.modified()) {
            Ok(m) => m,
            Err(e) => {
                if e.kind() == std::io::ErrorKind::NotFound {
                    tracing::debug!("Could not load {:?}: {e}", self.path);
                } else {
                    tracing::error!("Could not load {:?}: {e}", self.path);
                }
                return;
            }
        };
        if st.mtime == Some(mtime) {
            return;
        }
        st.mtime = Some(mtime);
        let parsed = std::fs::read_to_string(&self.path)
            .map_err(|e| ConfigError::Io {
                path: self.path.clone(),
                message: e.to_string(),
            })
            .and_then(|t| RealmsData::parse_str(&t));
        match parsed {
            Ok(data) => {
                match data.mtime_check_interval {
                    Some(Some(i)) if i.is_finite() => st.interval = i,
                    Some(_) => {
                        tracing::error!("Error in {:?} with mtime_check_interval", self.path)
                    }
                    None => st.interval = DEFAULT_MTIME_CHECK_INTERVAL,
                }
                st.next_check = Some(now + secs(st.interval));
                st.data = data;
            }
            Err(e) => tracing::error!("Could not load {:?}: {e}", self.path),
        }
    }

    fn with_data<T>(&self, f: impl FnOnce(&RealmsData) -> T) -> T {
        self.maybe_reload();
        match self.state.lock() {
            Ok(st) => f(&st.data),
            Err(poisoned) => f(&poisoned.into_inner().data),
        }
    }

    /// The realm names (upper-cased).
    pub fn realms(&self) -> Vec<String> {
        self.with_data(|d| d.realms.keys().cloned().collect())
    }

    /// The realm's `key`.
    pub fn key(&self, realm: &str) -> Option<String> {
        self.with_data(|d| {
            d.realms
                .get(&realm.to_uppercase())
                .and_then(|r| r.key.clone())
        })
    }

    /// The realm's `key2`.
    pub fn key2(&self, realm: &str) -> Option<String> {
        self.with_data(|d| {
            d.realms
                .get(&realm.to_uppercase())
                .and_then(|r| r.key2.clone())
        })
    }

    /// The realm's cluster names (upper-cased).
    pub fn clusters(&self, realm: &str) -> Vec<String> {
        self.with_data(|d| {
            d.realms
                .get(&realm.to_uppercase())
                .map(|r| r.clusters.keys().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// The endpoint URL of `cluster` in `realm`.
    pub fn endpoint(&self, realm: &str, cluster: &str) -> Option<String> {
        self.with_data(|d| {
            d.realms
                .get(&realm.to_uppercase())
                .and_then(|r| r.clusters.get(&cluster.to_uppercase()).cloned())
        })
    }

    /// [`get_sig`], as the method Swift exposes.
    pub fn get_sig(
        &self,
        method: &str,
        path: &str,
        x_timestamp: &str,
        nonce: &str,
        realm_key: &str,
        user_key: &str,
    ) -> String {
        get_sig(method, path, x_timestamp, nonce, realm_key, user_key)
    }
}

fn secs(s: f64) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(s.max(0.0))
        .unwrap_or(std::time::Duration::from_secs(u32::MAX as u64))
}

/// Swift's container-sync signature: hex HMAC-SHA1 keyed with `realm_key` over
/// `method \n path \n x_timestamp \n nonce \n user_key`.
pub fn get_sig(
    method: &str,
    path: &str,
    x_timestamp: &str,
    nonce: &str,
    realm_key: &str,
    user_key: &str,
) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(realm_key.as_bytes()) else {
        return String::new();
    };
    for (i, part) in [method, path, x_timestamp, nonce, user_key]
        .iter()
        .enumerate()
    {
        if i > 0 {
            mac.update(b"\n");
        }
        mac.update(part.as_bytes());
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A validated `X-Container-Sync-To`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncTarget {
    /// Where to send rows (`<endpoint>/<account>/<container>` for realm form).
    pub endpoint: String,
    /// The realm (upper-cased) when the `//realm/cluster/account/container` form was used.
    pub realm: Option<String>,
    /// That realm's key.
    pub realm_key: Option<String>,
}

/// Swift's `validate_sync_to(value, allowed_sync_hosts, realms_conf)`: `Ok(None)` for an empty
/// value, `Err(reason)` with Swift's exact text (the 400 body) when invalid.
pub fn validate_sync_to(
    value: &str,
    allowed_sync_hosts: &[String],
    realms: &Realms,
) -> Result<Option<SyncTarget>, String> {
    let trimmed = value.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(None);
    }
    if let Some(rest) = trimmed.strip_prefix("//") {
        let data: Vec<&str> = rest.split('/').collect();
        let [realm, cluster, account, container] = data.as_slice() else {
            return Err(format!(
                "Invalid X-Container-Sync-To format {}",
                py_repr(value)
            ));
        };
        let Some(realm_key) = realms.key(realm).filter(|k| !k.is_empty()) else {
            return Err(format!("No realm key for {}", py_repr(realm)));
        };
        let Some(endpoint) = realms.endpoint(realm, cluster).filter(|e| !e.is_empty()) else {
            return Err(format!(
                "No cluster endpoint for {} {}",
                py_repr(realm),
                py_repr(cluster)
            ));
        };
        return Ok(Some(SyncTarget {
            endpoint: format!("{}/{account}/{container}", endpoint.trim_end_matches('/')),
            realm: Some(realm.to_uppercase()),
            realm_key: Some(realm_key),
        }));
    }
    let url = UrlParts::parse(trimmed)?;
    if url.scheme != "http" && url.scheme != "https" {
        return Err(format!(
            "Invalid scheme {} in X-Container-Sync-To, must be \"//\", \"http\", or \"https\".",
            py_repr(&url.scheme)
        ));
    }
    if url.path.is_empty() {
        return Err("Path required in X-Container-Sync-To".into());
    }
    if url.has_params_query_fragment {
        return Err("Params, queries, and fragments not allowed in X-Container-Sync-To".into());
    }
    match url.hostname {
        Some(h) if allowed_sync_hosts.contains(&h) => Ok(Some(SyncTarget {
            endpoint: trimmed.to_string(),
            realm: None,
            realm_key: None,
        })),
        Some(h) => Err(format!(
            "Invalid host {} in X-Container-Sync-To",
            py_repr(&h)
        )),
        None => Err("Invalid host None in X-Container-Sync-To".into()),
    }
}

/// The parts of Python's `urlparse` that `validate_sync_to` looks at.
struct UrlParts {
    scheme: String,
    hostname: Option<String>,
    path: String,
    has_params_query_fragment: bool,
}

impl UrlParts {
    fn parse(url: &str) -> Result<UrlParts, String> {
        let mut rest = url;
        let mut scheme = String::new();
        if let Some(i) = rest.find(':') {
            let cand = &rest[..i];
            let first_alpha = cand.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
            if i > 0
                && first_alpha
                && cand
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                scheme = cand.to_ascii_lowercase();
                rest = &rest[i + 1..];
            }
        }
        let mut netloc = "";
        if let Some(after) = rest.strip_prefix("//") {
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            netloc = &after[..end];
            rest = &after[end..];
            if netloc.contains('[') != netloc.contains(']') {
                return Err("Invalid IPv6 URL".into());
            }
        }
        let (before_frag, frag) = match rest.split_once('#') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        let (path_params, query) = match before_frag.split_once('?') {
            Some((a, b)) => (a, Some(b)),
            None => (before_frag, None),
        };
        // Params live in the last path segment, after ';' (http/https use params).
        let last_seg_start = path_params.rfind('/').unwrap_or(0);
        let (path, params) = match path_params[last_seg_start..].find(';') {
            Some(i) => (
                &path_params[..last_seg_start + i],
                &path_params[last_seg_start + i + 1..],
            ),
            None => (path_params, ""),
        };
        let host_port = netloc.rsplit_once('@').map_or(netloc, |(_, h)| h);
        let host = if let Some(start) = host_port.find('[') {
            let inner = &host_port[start + 1..];
            inner.split_once(']').map_or(inner, |(h, _)| h)
        } else {
            host_port.split_once(':').map_or(host_port, |(h, _)| h)
        };
        let hostname = if host.is_empty() {
            None
        } else {
            Some(host.to_lowercase())
        };
        Ok(UrlParts {
            scheme,
            hostname,
            path: path.to_string(),
            has_params_query_fragment: !params.is_empty()
                || query.is_some_and(|q| !q.is_empty())
                || frag.is_some_and(|f| !f.is_empty()),
        })
    }
}

/// Python's `repr()` of a str, as Swift's `%r` messages show it.
pub fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (0x80..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "[DEFAULT]\nmtime_check_interval = 60\n[realm1]\nkey = realm1key\nkey2 = realm1key2\n\
        cluster_clustername1 = https://host1/v1/\ncluster_Clustername2 = https://host2/v1/\n[Realm2]\nkey = k2\n";

    // Signatures computed with swift 2.38.3's ContainerSyncRealms.get_sig in the venv.
    #[test]
    fn signature_matches_python() {
        assert_eq!(
            get_sig(
                "PUT",
                "/v1/AUTH_a/c/o",
                "1700000000.12345",
                "nonce",
                "realmkey",
                "userkey"
            ),
            "6c569e390696fa056f52563b6fc1f702a89ed55e"
        );
        assert_eq!(
            get_sig(
                "DELETE",
                "/v1/AUTH_%C3%BC/c%20x/%E2%98%83",
                "0000000001.00000",
                "n\u{fc}",
                "r\u{e9}alm",
                "\u{2603}"
            ),
            "04be0ada7e99bef601019577fe98dfe1d5b9b7ae"
        );
    }

    #[test]
    fn parse_realms_like_swift() {
        let d = RealmsData::parse_str(SAMPLE).unwrap();
        assert_eq!(d.mtime_check_interval, Some(Some(60.0)));
        let r = Realms::from_data(d);
        assert_eq!(r.realms(), vec!["REALM1", "REALM2"]);
        assert_eq!(r.key("realm1").as_deref(), Some("realm1key"));
        assert_eq!(r.key2("REALM1").as_deref(), Some("realm1key2"));
        assert_eq!(r.key2("realm2"), None);
        assert_eq!(r.clusters("Realm1"), vec!["CLUSTERNAME1", "CLUSTERNAME2"]);
        assert_eq!(
            r.endpoint("realm1", "clustername2").as_deref(),
            Some("https://host2/v1/")
        );
        assert_eq!(r.endpoint("realm1", "nope"), None);
        assert_eq!(r.endpoint("nope", "clustername1"), None);
    }

    #[test]
    fn load_missing_broken_and_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("container-sync-realms.conf");
        let r = Realms::load(&path);
        assert!(r.realms().is_empty());
        std::fs::write(&path, SAMPLE).unwrap();
        r.reload();
        assert_eq!(r.key("realm2").as_deref(), Some("k2"));
        std::fs::write(&path, "garbage without section\n").unwrap();
        // Make sure the mtime differs from the previous write.
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(later)
            .unwrap();
        r.reload();
        assert_eq!(
            r.key("realm2").as_deref(),
            Some("k2"),
            "broken file keeps the old realms"
        );
    }

    #[test]
    fn sync_to_validation_matches_swift() {
        let r = Realms::from_data(RealmsData::parse_str(SAMPLE).unwrap());
        let hosts = vec!["127.0.0.1".to_string()];
        let v = |s: &str| validate_sync_to(s, &hosts, &r);
        assert_eq!(v(""), Ok(None));
        assert_eq!(v("/"), Ok(None));
        assert_eq!(
            v("//realm1/clustername1/AUTH_a/c"),
            Ok(Some(SyncTarget {
                endpoint: "https://host1/v1/AUTH_a/c".into(),
                realm: Some("REALM1".into()),
                realm_key: Some("realm1key".into())
            }))
        );
        assert_eq!(
            v("//realm1/clustername1/a"),
            Err("Invalid X-Container-Sync-To format '//realm1/clustername1/a'".into())
        );
        assert_eq!(v("//nope/c/a/c"), Err("No realm key for 'nope'".into()));
        assert_eq!(
            v("//realm1/x/a/c"),
            Err("No cluster endpoint for 'realm1' 'x'".into())
        );
        assert_eq!(
            v("http://127.0.0.1:8080/v1/a/c/"),
            Ok(Some(SyncTarget {
                endpoint: "http://127.0.0.1:8080/v1/a/c".into(),
                realm: None,
                realm_key: None
            }))
        );
        assert_eq!(
            v("ftp://127.0.0.1/v1/a/c"),
            Err("Invalid scheme 'ftp' in X-Container-Sync-To, must be \"//\", \"http\", or \"https\".".into())
        );
        assert_eq!(
            v("no-scheme"),
            Err(
                "Invalid scheme '' in X-Container-Sync-To, must be \"//\", \"http\", or \"https\"."
                    .into()
            )
        );
        assert_eq!(
            v("http://127.0.0.1"),
            Err("Path required in X-Container-Sync-To".into())
        );
        assert_eq!(
            v("http://127.0.0.1/v1/a/c?x=1"),
            Err("Params, queries, and fragments not allowed in X-Container-Sync-To".into())
        );
        assert_eq!(
            v("http://127.0.0.1/v1/a/c;p"),
            Err("Params, queries, and fragments not allowed in X-Container-Sync-To".into())
        );
        assert_eq!(
            v("http://evil.example.com/v1/a/c"),
            Err("Invalid host 'evil.example.com' in X-Container-Sync-To".into())
        );
        assert_eq!(
            v("http:///v1/a/c"),
            Err("Invalid host None in X-Container-Sync-To".into())
        );
        assert_eq!(py_repr("it's"), "\"it's\"");
        let hosts6 = vec!["127.0.0.1".to_string(), "::1".to_string()];
        assert_eq!(
            validate_sync_to("HTTP://127.0.0.1/v1/a/c", &hosts, &r).map(|t| t.map(|t| t.endpoint)),
            Ok(Some("HTTP://127.0.0.1/v1/a/c".to_string()))
        );
        assert_eq!(
            validate_sync_to("http://user@[::1]:80/v", &hosts6, &r).map(|t| t.map(|t| t.endpoint)),
            Ok(Some("http://user@[::1]:80/v".to_string()))
        );
    }
}
