//! The INI dialect of Python's `configparser.ConfigParser` as Swift uses it: `=`/`:` delimiters,
//! full-line `#`/`;` comments only (no inline comments), indented continuation lines, blank lines
//! kept inside multi-line values, `[DEFAULT]`, strict duplicate checks within one file, later
//! files overriding earlier ones, and `%(name)s` interpolation.

use super::ConfigError;

/// Key/value pairs in insertion order (configparser keeps dict order; lookups are few and
/// sections are small, so a vector beats a map here).
pub type Pairs = Vec<(String, String)>;

/// Sets `key` in `pairs`, keeping the first position of an existing key (dict semantics).
pub(crate) fn set_pair(pairs: &mut Pairs, key: &str, value: String) {
    match pairs.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => pairs.push((key.to_string(), value)),
    }
}

/// Looks `key` up in `pairs`.
pub(crate) fn get_pair<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The raw (uninterpolated) contents of one or more INI files, merged as configparser merges them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawIni {
    /// The `[DEFAULT]` section.
    pub defaults: Pairs,
    /// Every other section, in order of first appearance.
    pub sections: Vec<(String, Pairs)>,
}

/// How option names are normalised: Swift's readconf/paste keep case, a bare `ConfigParser()`
/// (swift.conf) lower-cases them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCase {
    /// `optionxform = str`.
    Preserve,
    /// configparser's default `optionxform` (`str.lower`).
    Lower,
}

/// The name configparser gives the defaults section.
pub const DEFAULT_SECTION: &str = "DEFAULT";

impl RawIni {
    /// The options of section `name` (not `DEFAULT`), without defaults merged.
    pub fn section(&self, name: &str) -> Option<&Pairs> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p)
    }

    fn section_index(&mut self, name: &str) -> usize {
        match self.sections.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.sections.push((name.to_string(), Vec::new()));
                self.sections.len() - 1
            }
        }
    }

    /// Reads one file's text into this INI (configparser's `read_file`): later values win,
    /// sections already seen in earlier files are extended. `strict` refuses a section or an
    /// option repeated within this text, as `ConfigParser(strict=True)` does.
    pub fn read_str(
        &mut self,
        text: &str,
        source: &str,
        case: KeyCase,
        strict: bool,
    ) -> Result<(), ConfigError> {
        // Universal newlines, as Python's text mode.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        // Where the current option lives: None = defaults, Some(i) = sections[i].
        let mut cur: Option<Option<usize>> = None;
        let mut cur_name = String::new();
        let mut optname: Option<String> = None;
        // The lines of the current option's value, joined at the end of the option.
        let mut indent_level = 0usize;
        let mut seen_sections: Vec<String> = Vec::new();
        let mut seen_options: Vec<(String, String)> = Vec::new();
        let mut bad_lines: Vec<(usize, String)> = Vec::new();
        // Values are collected as line lists then joined, like configparser.
        let mut pending: Vec<(Option<usize>, String, Vec<String>)> = Vec::new();

        for (idx, line) in text.split('\n').enumerate() {
            let lineno = idx + 1;
            let stripped = line.trim();
            let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
            let value = if is_comment { "" } else { stripped };
            if value.is_empty() {
                // Blank lines stay in a value (empty_lines_in_values); comment lines do not.
                if !is_comment && cur.is_some() {
                    if let (Some(_), Some(last)) = (&optname, pending.last_mut()) {
                        last.2.push(String::new());
                    }
                }
                continue;
            }
            let cur_indent = line.find(|c: char| !c.is_whitespace()).unwrap_or(0);
            if cur.is_some() && optname.is_some() && cur_indent > indent_level {
                if let Some(last) = pending.last_mut() {
                    last.2.push(value.to_string());
                }
                continue;
            }
            indent_level = cur_indent;
            if let Some(header) = section_header(value) {
                if header == DEFAULT_SECTION {
                    cur = Some(None);
                } else {
                    if strict && seen_sections.iter().any(|s| s == header) {
                        return Err(ConfigError::Parse {
                            source_name: source.to_string(),
                            line: lineno,
                            message: format!("section {header:?} already exists"),
                        });
                    }
                    seen_sections.push(header.to_string());
                    cur = Some(Some(self.section_index(header)));
                }
                cur_name = header.to_string();
                optname = None;
                continue;
            }
            let Some(target) = cur else {
                return Err(ConfigError::Parse {
                    source_name: source.to_string(),
                    line: lineno,
                    message: format!("File contains no section headers: {line:?}"),
                });
            };
            match split_option(value) {
                Some((name, val)) if !name.is_empty() => {
                    let name = match case {
                        KeyCase::Preserve => name.to_string(),
                        KeyCase::Lower => name.to_lowercase(),
                    };
                    if strict
                        && seen_options
                            .iter()
                            .any(|(s, o)| *s == cur_name && *o == name)
                    {
                        return Err(ConfigError::Parse {
                            source_name: source.to_string(),
                            line: lineno,
                            message: format!(
                                "option {name:?} in section {cur_name:?} already exists"
                            ),
                        });
                    }
                    seen_options.push((cur_name.clone(), name.clone()));
                    pending.push((target, name.clone(), vec![val.to_string()]));
                    optname = Some(name);
                }
                _ => {
                    bad_lines.push((lineno, line.to_string()));
                    // configparser keeps going and reports every bad line at the end.
                }
            }
        }
        if let Some((line, text)) = bad_lines.first() {
            return Err(ConfigError::Parse {
                source_name: source.to_string(),
                line: *line,
                message: format!("Source contains parsing errors: {text:?}"),
            });
        }
        for (target, name, lines) in pending {
            let joined = lines.join("\n");
            let value = joined.trim_end().to_string();
            match target {
                None => set_pair(&mut self.defaults, &name, value),
                Some(i) => set_pair(&mut self.sections[i].1, &name, value),
            }
        }
        Ok(())
    }
}

/// configparser's `SECTCRE`: `[` + anything + `]` (to the last `]` on the line).
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    if end == 0 {
        return None;
    }
    Some(&rest[..end])
}

/// configparser's `OPTCRE` with delimiters `=` and `:`: the name is everything before the first
/// delimiter (right-trimmed), the value everything after it (trimmed).
fn split_option(value: &str) -> Option<(&str, &str)> {
    let pos = value.find(['=', ':'])?;
    Some((value[..pos].trim_end(), value[pos + 1..].trim()))
}

/// Which interpolation rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interpolation {
    /// configparser's `BasicInterpolation` (a bare `ConfigParser()`, e.g. swift.conf):
    /// every `%` must be `%%` or `%(name)s`.
    Basic,
    /// Swift's `NicerInterpolation`: values without `%(` are left untouched (so `1%` works).
    Nicer,
}

/// configparser's `MAX_INTERPOLATION_DEPTH`.
const MAX_DEPTH: usize = 10;

/// Interpolates `value` (of option `option`) against `lookup` (the section merged with its
/// defaults, raw values), as configparser does.
pub fn interpolate(
    value: &str,
    option: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    mode: Interpolation,
    case: KeyCase,
) -> Result<String, ConfigError> {
    if mode == Interpolation::Nicer && !value.contains("%(") {
        return Ok(value.to_string());
    }
    let mut out = String::with_capacity(value.len());
    interpolate_some(value, option, lookup, case, 1, &mut out)?;
    Ok(out)
}

fn interpolate_some(
    mut rest: &str,
    option: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    case: KeyCase,
    depth: usize,
    out: &mut String,
) -> Result<(), ConfigError> {
    if depth > MAX_DEPTH {
        return Err(ConfigError::Interpolation {
            option: option.to_string(),
            message: "recursion limit exceeded in value substitution".into(),
        });
    }
    while !rest.is_empty() {
        let Some(p) = rest.find('%') else {
            out.push_str(rest);
            return Ok(());
        };
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        match rest.as_bytes().get(1) {
            Some(b'%') => {
                out.push('%');
                rest = &rest[2..];
            }
            Some(b'(') => {
                // `%\(([^)]+)\)s`
                let close = rest[2..].find(')').map(|i| i + 2);
                let name = match close {
                    Some(c) if c > 2 && rest.as_bytes().get(c + 1) == Some(&b's') => &rest[2..c],
                    _ => {
                        return Err(ConfigError::Interpolation {
                            option: option.to_string(),
                            message: format!("bad interpolation variable reference {rest:?}"),
                        })
                    }
                };
                let key = match case {
                    KeyCase::Preserve => name.to_string(),
                    KeyCase::Lower => name.to_lowercase(),
                };
                let Some(v) = lookup(&key) else {
                    return Err(ConfigError::Interpolation {
                        option: option.to_string(),
                        message: format!("Bad value substitution: no option {key:?}"),
                    });
                };
                rest = &rest[close.unwrap_or(0) + 2..];
                if v.contains('%') {
                    interpolate_some(&v, option, lookup, case, depth + 1, out)?;
                } else {
                    out.push_str(&v);
                }
            }
            _ => {
                return Err(ConfigError::Interpolation {
                    option: option.to_string(),
                    message: format!("'%' must be followed by '%' or '(', found: {rest:?}"),
                })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> RawIni {
        let mut ini = RawIni::default();
        ini.read_str(text, "test", KeyCase::Preserve, true).unwrap();
        ini
    }

    #[test]
    fn options_comments_and_continuations() {
        let ini = parse(
            "# top comment\n[DEFAULT]\nKey = v1 # not a comment\n[s]\na: b\n  c = d\n\n   more\n; x\n  tail\n\nlast=\n",
        );
        assert_eq!(get_pair(&ini.defaults, "Key"), Some("v1 # not a comment"));
        let s = ini.section("s").unwrap();
        assert_eq!(get_pair(s, "a"), Some("b\nc = d\n\nmore\ntail"));
        assert_eq!(get_pair(s, "last"), Some(""));
    }

    #[test]
    fn strictness_and_errors() {
        let mut ini = RawIni::default();
        assert!(ini
            .read_str("[a]\nx=1\n[a]\n", "t", KeyCase::Preserve, true)
            .is_err());
        let mut ini = RawIni::default();
        assert!(ini
            .read_str("[a]\nx=1\nx=2\n", "t", KeyCase::Preserve, true)
            .is_err());
        let mut ini = RawIni::default();
        assert!(ini.read_str("x=1\n", "t", KeyCase::Preserve, true).is_err());
        let mut ini = RawIni::default();
        assert!(ini
            .read_str("[a]\nnovalue\n", "t", KeyCase::Preserve, true)
            .is_err());
        let mut ini = RawIni::default();
        ini.read_str("[a]\nx=1\n", "t", KeyCase::Preserve, true)
            .unwrap();
        ini.read_str("[a]\nx=2\n[b]\n", "u", KeyCase::Preserve, true)
            .unwrap();
        assert_eq!(get_pair(ini.section("a").unwrap(), "x"), Some("2"));
        assert!(ini.section("b").is_some());
    }

    #[test]
    fn interpolation_rules() {
        let map = |k: &str| match k {
            "here" => Some("/etc/swift".to_string()),
            "nested" => Some("%(here)s/x".to_string()),
            "loop" => Some("%(loop)s".to_string()),
            _ => None,
        };
        let nicer = |v: &str| interpolate(v, "o", &map, Interpolation::Nicer, KeyCase::Preserve);
        let basic = |v: &str| interpolate(v, "o", &map, Interpolation::Basic, KeyCase::Preserve);
        assert_eq!(nicer("1%").unwrap(), "1%");
        assert_eq!(nicer("%(here)s/a 100%%").unwrap(), "/etc/swift/a 100%");
        assert_eq!(nicer("%(nested)s").unwrap(), "/etc/swift/x");
        assert!(nicer("%(missing)s").is_err());
        assert!(nicer("%(loop)s").is_err());
        assert!(nicer("%(here)s 5%").is_err());
        assert!(basic("1%").is_err());
        assert_eq!(basic("a%%b").unwrap(), "a%b");
    }
}
