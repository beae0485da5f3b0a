//! URL helpers shaped like the Python ones sync uses: `urlparse` (for the path the realm
//! signature covers) and Swift's `quote`.

/// The pieces of a URL as Python's `urllib.parse.urlparse` splits them (only what sync needs).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UrlParts {
    /// Lower-cased scheme ('' when none).
    pub scheme: String,
    /// `host[:port]` with any userinfo.
    pub netloc: String,
    /// Path without params.
    pub path: String,
    /// `;params` of the last path segment.
    pub params: String,
    /// Query string.
    pub query: String,
    /// Fragment.
    pub fragment: String,
    /// Lower-cased host name, without brackets or port; None when empty.
    pub hostname: Option<String>,
}

impl UrlParts {
    /// Splits `url` the way `urlparse` does.
    pub fn parse(url: &str) -> UrlParts {
        let mut rest = url;
        let mut scheme = String::new();
        if let Some(i) = url.find(':') {
            let cand = &url[..i];
            let first_ok = cand.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
            if i > 0
                && first_ok
                && cand
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            {
                scheme = cand.to_ascii_lowercase();
                rest = &url[i + 1..];
            }
        }
        let mut netloc = String::new();
        if let Some(after) = rest.strip_prefix("//") {
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            netloc = after[..end].to_string();
            rest = &after[end..];
        }
        let mut fragment = String::new();
        if let Some(i) = rest.find('#') {
            fragment = rest[i + 1..].to_string();
            rest = &rest[..i];
        }
        let mut query = String::new();
        if let Some(i) = rest.find('?') {
            query = rest[i + 1..].to_string();
            rest = &rest[..i];
        }
        let mut path = rest.to_string();
        let mut params = String::new();
        let uses_params = [
            "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp",
        ];
        if uses_params.contains(&scheme.as_str()) && path.contains(';') {
            let start = path.rfind('/').unwrap_or(0);
            if let Some(i) = path[start..].find(';').map(|i| i + start) {
                let i = if path.contains('/') {
                    i
                } else {
                    path.find(';').unwrap_or(i)
                };
                params = path[i + 1..].to_string();
                path.truncate(i);
            }
        }
        let hostinfo = netloc.rsplit_once('@').map(|(_, h)| h).unwrap_or(&netloc);
        let host = if let Some(b) = hostinfo.strip_prefix('[') {
            b.split(']').next().unwrap_or("")
        } else {
            hostinfo.split(':').next().unwrap_or("")
        };
        let hostname = if host.is_empty() {
            None
        } else {
            Some(host.to_lowercase())
        };
        UrlParts {
            scheme,
            netloc,
            path,
            params,
            query,
            fragment,
            hostname,
        }
    }
}

/// Swift's `quote(value, safe='/')` on UTF-8: every byte except ASCII letters, digits, `_.-~/`
/// is percent-encoded in upper-case hex.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlparse_and_quote_match_python() {
        let p = UrlParts::parse("http://h/x;y/z;w");
        assert_eq!(
            (p.path.as_str(), p.params.as_str(), p.hostname.as_deref()),
            ("/x;y/z", "w", Some("h"))
        );
        let p = UrlParts::parse("https://[::1]:80/v1/a/c?q#f");
        assert_eq!(
            (p.path.as_str(), p.query.as_str(), p.fragment.as_str()),
            ("/v1/a/c", "q", "f")
        );
        assert_eq!(p.hostname.as_deref(), Some("::1"));
        assert_eq!(UrlParts::parse("http:///a").hostname, None);
        assert_eq!(quote("a b/ü~x%"), "a%20b/%C3%BC~x%25");
    }
}
