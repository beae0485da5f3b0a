//! A loaded Swift config (one file or a conf.d directory) and the two ways Swift looks a section
//! up in it: paste.deploy for `[app:*]`/`[filter:*]`/`[pipeline:*]`, readconf for the rest.

use super::ini::{get_pair, interpolate, set_pair, Interpolation, KeyCase, Pairs, RawIni};
use super::values::{config_true_value, parse_python_float, parse_python_int};
use super::ConfigError;
use std::path::{Component, Path, PathBuf};

/// paste.deploy's section prefixes that make a section a paste section (looked up with paste
/// semantics); everything else is a readconf section.
const PASTE_PREFIXES: [&str; 8] = [
    "app",
    "application",
    "composite",
    "composit",
    "pipeline",
    "filter-app",
    "filter",
    "server",
];

/// How many `use = <other section>` hops paste may follow before we call it a loop.
const MAX_USE_DEPTH: usize = 16;

/// A parsed Swift config file (or conf.d directory), ready for section lookups.
#[derive(Debug, Clone)]
pub struct ConfFile {
    ini: RawIni,
    /// paste's `here`: the directory of the file (or the conf.d directory itself).
    here: String,
    /// `__file__`: the absolute path given (file or directory).
    file: String,
}

/// One section's effective options, after `[DEFAULT]` merging, `set` overrides, `use` and
/// interpolation, exactly the dict Swift's code would see.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    name: String,
    values: Pairs,
    entry_point: Option<String>,
}

/// paste.deploy's LoaderContext: what a section contributes before `config()` merges it.
struct PasteContext {
    global: Pairs,
    local: Pairs,
    entry_point: Option<String>,
}

/// Lexical `os.path.abspath`: absolute, normalised, without touching the filesystem.
fn abspath(path: &Path) -> PathBuf {
    let base = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
    };
    let mut out = PathBuf::new();
    for comp in base.join(path).components() {
        match comp {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl ConfFile {
    /// Reads a config file, or every `*.conf` (not starting with `.`) of a directory in sorted
    /// order, as Swift's `readconf` and its paste `config_dir` loader do.
    pub fn load(path_or_confd: &Path) -> Result<ConfFile, ConfigError> {
        let io_err = |message: String| ConfigError::Io {
            path: path_or_confd.to_path_buf(),
            message,
        };
        let abs = abspath(path_or_confd);
        let mut ini = RawIni::default();
        let here = if path_or_confd.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path_or_confd)
                .map_err(|e| io_err(e.to_string()))?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".conf") && !n.starts_with('.'))
                })
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(io_err("no *.conf files in directory".into()));
            }
            for f in &files {
                let text = std::fs::read_to_string(f)
                    .map_err(|e| io_err(format!("{}: {e}", f.display())))?;
                ini.read_str(&text, &f.display().to_string(), KeyCase::Preserve, true)?;
            }
            abs.display().to_string()
        } else {
            let text = std::fs::read_to_string(path_or_confd).map_err(|e| io_err(e.to_string()))?;
            ini.read_str(
                &text,
                &path_or_confd.display().to_string(),
                KeyCase::Preserve,
                true,
            )?;
            abs.parent()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "/".into())
        };
        let conf = ConfFile {
            ini,
            here,
            file: abs.display().to_string(),
        };
        conf.validate()?;
        Ok(conf)
    }

    /// Parses config text (Swift's `ConfigString`: `here` and `__file__` are `string`).
    pub fn parse_str(text: &str) -> Result<ConfFile, ConfigError> {
        let mut ini = RawIni::default();
        ini.read_str(text, "string", KeyCase::Preserve, true)?;
        let conf = ConfFile {
            ini,
            here: "string".into(),
            file: "string".into(),
        };
        conf.validate()?;
        Ok(conf)
    }

    /// Resolves every section once so that interpolation errors surface at load time, where
    /// Swift would refuse to start, and lookups afterwards cannot fail.
    fn validate(&self) -> Result<(), ConfigError> {
        self.paste_defaults()?;
        for (name, _) in &self.ini.sections {
            self.try_section(name)?;
        }
        Ok(())
    }

    /// `__file__`: the absolute path this config was loaded from (`string` for text).
    pub fn path(&self) -> &str {
        &self.file
    }

    /// The raw parsed INI (before any merging), for tools that need it.
    pub fn raw(&self) -> &RawIni {
        &self.ini
    }

    /// Section names in file order (without `DEFAULT`).
    pub fn section_names(&self) -> impl Iterator<Item = &str> {
        self.ini.sections.iter().map(|(n, _)| n.as_str())
    }

    /// Whether a section with exactly this name exists.
    pub fn has_section(&self, name: &str) -> bool {
        self.ini.section(name).is_some()
    }

    /// The `[DEFAULT]` options, interpolated as readconf would.
    pub fn defaults(&self) -> Pairs {
        let lookup = |k: &str| get_pair(&self.ini.defaults, k).map(str::to_string);
        self.ini
            .defaults
            .iter()
            .map(|(k, v)| {
                let v = interpolate(v, k, &lookup, Interpolation::Nicer, KeyCase::Preserve)
                    .unwrap_or_else(|_| v.clone());
                (k.clone(), v)
            })
            .collect()
    }

    /// The effective options of a section as Swift would hand them to its code: for paste
    /// sections (`app:`, `filter:`, `pipeline:`, ...) paste.deploy's rules, otherwise readconf's
    /// (with `log_name` defaulting to the section name). `None` when there is no such section.
    pub fn section(&self, name: &str) -> Option<Section> {
        self.try_section(name).ok().flatten()
    }

    /// [`ConfFile::section`], reporting interpolation problems instead of hiding them.
    pub fn try_section(&self, name: &str) -> Result<Option<Section>, ConfigError> {
        if let Some((prefix, rest)) = name.split_once(':') {
            if PASTE_PREFIXES.contains(&prefix) {
                let Some(real) = self.find_paste_section(&[prefix], rest.trim()) else {
                    return Ok(None);
                };
                return self.paste_section(&real, rest.trim(), None, 0).map(Some);
            }
        }
        self.readconf_section(name)
    }

    /// Swift's `appconfig(conf, name=app)`: the `[app:<name>]` (or `application:`, `composite:`,
    /// `pipeline:`, `filter-app:`) section under paste.deploy's rules, e.g. `container-server`.
    pub fn app_config(&self, name: &str) -> Result<Section, ConfigError> {
        let groups: [&[&str]; 4] = [
            &["app", "application"],
            &["composite", "composit"],
            &["pipeline"],
            &["filter-app"],
        ];
        let mut found = Vec::new();
        for group in groups {
            if let Some(s) = self.find_paste_section(group, name) {
                found.push(s);
            }
        }
        match found.len() {
            0 => Err(ConfigError::MissingSection {
                section: format!("app:{name}"),
                conf: self.file.clone(),
            }),
            1 => self.paste_section(&found[0], name, None, 0),
            _ => Err(ConfigError::Paste(format!(
                "Ambiguous section names {found:?} for section {name:?}"
            ))),
        }
    }

    /// The `pipeline` of `[pipeline:<name>]` split on whitespace (e.g. `healthcheck recon
    /// container-server`), or `None` when that section is absent.
    pub fn pipeline(&self, name: &str) -> Option<Vec<String>> {
        let sect = self.find_paste_section(&["pipeline"], name)?;
        let raw = self.ini.section(&sect)?;
        let value = get_pair(raw, "pipeline")?;
        Some(value.split_whitespace().map(str::to_string).collect())
    }

    /// The first section whose name is `<prefix>:<name>` (name compared trimmed) for the first
    /// prefix of `prefixes` that has one, as paste's `_find_sections`.
    fn find_paste_section(&self, prefixes: &[&str], name: &str) -> Option<String> {
        for prefix in prefixes {
            for (sect, _) in &self.ini.sections {
                if let Some(rest) = sect.strip_prefix(prefix).and_then(|r| r.strip_prefix(':')) {
                    if rest.trim() == name {
                        return Some(sect.clone());
                    }
                }
            }
            if name == "main" && self.ini.section(prefix).is_some() {
                return Some((*prefix).to_string());
            }
        }
        None
    }

    /// The raw defaults paste sees: `here`, `__file__`, then `[DEFAULT]` (which may override them).
    fn paste_raw_defaults(&self) -> Pairs {
        let mut d: Pairs = vec![
            ("here".into(), self.here.clone()),
            ("__file__".into(), self.file.clone()),
        ];
        for (k, v) in &self.ini.defaults {
            set_pair(&mut d, k, v.clone());
        }
        d
    }

    /// paste's `parser.defaults()`: each default interpolated against the defaults.
    fn paste_defaults(&self) -> Result<Pairs, ConfigError> {
        let raw = self.paste_raw_defaults();
        let lookup = |k: &str| get_pair(&raw, k).map(str::to_string);
        let mut out = Pairs::with_capacity(raw.len());
        for (k, v) in &raw {
            let iv = interpolate(v, k, &lookup, Interpolation::Nicer, KeyCase::Preserve)?;
            out.push((k.clone(), if iv.is_empty() { v.clone() } else { iv }));
        }
        Ok(out)
    }

    /// paste.deploy's `ConfigLoader.get_context(...).config()` for one concrete section.
    fn paste_section(
        &self,
        section: &str,
        name: &str,
        incoming: Option<&Pairs>,
        depth: usize,
    ) -> Result<Section, ConfigError> {
        let ctx = self.paste_context(section, name, incoming, depth)?;
        let mut values = ctx.global;
        for (k, v) in ctx.local {
            set_pair(&mut values, &k, v);
        }
        Ok(Section {
            name: section.to_string(),
            values,
            entry_point: ctx.entry_point,
        })
    }

    /// paste.deploy's `ConfigLoader.get_context`: the (global_conf, local_conf) pair of a section.
    fn paste_context(
        &self,
        section: &str,
        name: &str,
        incoming: Option<&Pairs>,
        depth: usize,
    ) -> Result<PasteContext, ConfigError> {
        if depth > MAX_USE_DEPTH {
            return Err(ConfigError::Paste(format!(
                "too many `use` hops resolving [{section}]"
            )));
        }
        let raw_defaults = self.paste_raw_defaults();
        let defaults = self.paste_defaults()?;
        let sect_raw = self.ini.section(section).cloned().unwrap_or_default();
        let mut global = defaults;
        if let Some(inc) = incoming {
            for (k, v) in inc {
                set_pair(&mut global, k, v.clone());
            }
        }
        // Values are interpolated against the section merged over the raw defaults.
        let lookup = |k: &str| {
            get_pair(&sect_raw, k)
                .or_else(|| get_pair(&raw_defaults, k))
                .map(str::to_string)
        };
        let get =
            |k: &str, v: &str| interpolate(v, k, &lookup, Interpolation::Nicer, KeyCase::Preserve);
        // parser.options(section): the section's keys, then the defaults' keys not in it.
        let mut options: Pairs = sect_raw.clone();
        for (k, v) in &raw_defaults {
            if get_pair(&options, k).is_none() {
                options.push((k.clone(), v.clone()));
            }
        }
        let mut local = Pairs::new();
        let mut additions = Pairs::new();
        let mut get_from_globals: Vec<(String, String)> = Vec::new();
        for (opt, raw) in &options {
            if let Some(target) = opt.strip_prefix("set ") {
                let v = get(opt, raw)?;
                set_pair(&mut additions, target.trim(), v.clone());
                set_pair(&mut global, target.trim(), v);
            } else if let Some(target) = opt.strip_prefix("get ") {
                get_from_globals.push((target.trim().to_string(), get(opt, raw)?));
            } else if get_pair(&raw_defaults, opt).is_some() {
                // paste's quirk: a key also in [DEFAULT] is ignored here unless `set` is used.
                continue;
            } else {
                local.push((opt.clone(), get(opt, raw)?));
            }
        }
        for (local_var, glob_var) in get_from_globals {
            let v = get_pair(&global, &glob_var).ok_or_else(|| {
                ConfigError::Paste(format!(
                    "no global option {glob_var:?} for get in [{section}]"
                ))
            })?;
            set_pair(&mut local, &local_var, v.to_string());
        }
        local.retain(|(k, _)| k != "filter-with" && k != "require");

        let is_pipeline = section.starts_with("pipeline:") || section == "pipeline";
        let use_pos = if is_pipeline {
            None
        } else {
            local.iter().position(|(k, _)| k == "use")
        };
        let mut ctx = match use_pos {
            None => PasteContext {
                global,
                local,
                entry_point: None,
            },
            Some(pos) => {
                let use_spec = local.remove(pos).1;
                let has_scheme = use_spec.split_once(':').is_some_and(|(s, _)| {
                    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic())
                });
                if has_scheme {
                    // egg:/config:/call: targets add no options of their own for us.
                    PasteContext {
                        global,
                        local,
                        entry_point: Some(use_spec),
                    }
                } else {
                    let prefixes: &[&str] = match section.split_once(':').map(|(p, _)| p) {
                        Some("filter") | Some("filter-app") => &["filter"],
                        _ => &[
                            "app",
                            "application",
                            "composite",
                            "composit",
                            "pipeline",
                            "filter-app",
                        ],
                    };
                    let target = self
                        .find_paste_section(prefixes, use_spec.trim())
                        .ok_or_else(|| {
                            ConfigError::Paste(format!(
                                "No section {use_spec:?} found for use in [{section}]"
                            ))
                        })?;
                    let mut inner =
                        self.paste_context(&target, use_spec.trim(), Some(&global), depth + 1)?;
                    for (k, v) in additions {
                        set_pair(&mut inner.global, &k, v);
                    }
                    for (k, v) in local {
                        set_pair(&mut inner.local, &k, v);
                    }
                    set_pair(&mut inner.global, "__file__", self.file.clone());
                    inner
                }
            }
        };
        set_pair(&mut ctx.local, "__name__", name.to_string());
        Ok(ctx)
    }

    /// Swift's `readconf(conf, section)`: `[DEFAULT]` then the section (section wins),
    /// interpolated, plus `log_name` (defaulting to the section name) and `__file__`.
    fn readconf_section(&self, name: &str) -> Result<Option<Section>, ConfigError> {
        let Some(sect_raw) = self.ini.section(name) else {
            return Ok(None);
        };
        let mut merged: Pairs = self.ini.defaults.clone();
        for (k, v) in sect_raw {
            set_pair(&mut merged, k, v.clone());
        }
        let lookup = |k: &str| get_pair(&merged, k).map(str::to_string);
        let mut values = Pairs::with_capacity(merged.len() + 2);
        for (k, v) in &merged {
            values.push((
                k.clone(),
                interpolate(v, k, &lookup, Interpolation::Nicer, KeyCase::Preserve)?,
            ));
        }
        if get_pair(&values, "log_name").is_none() {
            values.push(("log_name".into(), name.to_string()));
        }
        set_pair(&mut values, "__file__", self.file.clone());
        Ok(Some(Section {
            name: name.to_string(),
            values,
            entry_point: None,
        }))
    }
}

impl Section {
    /// Builds a section from explicit options (tests, embedded defaults).
    pub fn from_pairs(name: &str, values: Pairs) -> Section {
        Section {
            name: name.to_string(),
            values,
            entry_point: None,
        }
    }

    /// The section's name as written in the file (e.g. `app:container-server`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The paste `use = egg:...` target this section resolved to, if any.
    pub fn entry_point(&self) -> Option<&str> {
        self.entry_point.as_deref()
    }

    /// Every effective option in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// An option's value (`conf.get(key)`).
    pub fn get(&self, key: &str) -> Option<&str> {
        get_pair(&self.values, key)
    }

    /// `conf.get(key, default)`.
    pub fn get_or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }

    /// `config_true_value(conf.get(key, default))`: missing gives `default`, a present value is
    /// true only when it is one of Swift's TRUE_VALUES.
    pub fn get_bool(&self, key: &str, default: bool) -> bool {
        self.get(key).map_or(default, config_true_value)
    }

    /// `int(conf.get(key, default))` for a non-negative integer.
    pub fn get_u64(&self, key: &str, default: u64) -> Result<u64, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => parse_python_int(v)
                .and_then(|i| u64::try_from(i).ok())
                .ok_or_else(|| invalid(key, v, "must be a non-negative integer")),
        }
    }

    /// `int(conf.get(key, default))`.
    pub fn get_i64(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => parse_python_int(v).ok_or_else(|| invalid(key, v, "must be an integer")),
        }
    }

    /// `float(conf.get(key, default))`.
    pub fn get_f64(&self, key: &str, default: f64) -> Result<f64, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => parse_python_float(v).ok_or_else(|| invalid(key, v, "must be a number")),
        }
    }

    /// Sets (or replaces) an option, e.g. to apply command-line overrides.
    pub fn set(&mut self, key: &str, value: &str) {
        set_pair(&mut self.values, key, value.to_string());
    }
}

fn invalid(key: &str, value: &str, message: &str) -> ConfigError {
    ConfigError::InvalidValue {
        option: key.to_string(),
        value: value.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
[DEFAULT]
bind_port = 6201
workers = 2
log_level = WARNING
root = /srv
devices = %(root)s/node

[pipeline:main]
pipeline = healthcheck recon container-server

[app:container-server]
use = egg:swift#container
bind_port = 7000
set log_level = DEBUG
node_timeout = 5
files = %(here)s/x

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:recon]
use = egg:swift#recon
recon_cache_path = /var/cache/swift

[container-sync]
log_level = ERROR
interval = 10
";

    #[test]
    fn paste_rules_for_app_sections() {
        let conf = ConfFile::parse_str(SAMPLE).unwrap();
        let app = conf.section("app:container-server").unwrap();
        // A key in [DEFAULT] beats the app section unless `set` is used (paste.deploy).
        assert_eq!(app.get("bind_port"), Some("6201"));
        assert_eq!(app.get("log_level"), Some("DEBUG"));
        assert_eq!(app.get("node_timeout"), Some("5"));
        assert_eq!(app.get("devices"), Some("/srv/node"));
        assert_eq!(app.get("files"), Some("string/x"));
        assert_eq!(app.get("use"), None);
        assert_eq!(app.get("__name__"), Some("container-server"));
        assert_eq!(app.entry_point(), Some("egg:swift#container"));
        assert_eq!(conf.app_config("container-server").unwrap(), app);
        assert_eq!(
            conf.pipeline("main").unwrap(),
            vec!["healthcheck", "recon", "container-server"]
        );
        let recon = conf.section("filter:recon").unwrap();
        assert_eq!(recon.get("recon_cache_path"), Some("/var/cache/swift"));
        assert_eq!(recon.get("workers"), Some("2"));
    }

    #[test]
    fn readconf_rules_for_daemon_sections() {
        let conf = ConfFile::parse_str(SAMPLE).unwrap();
        let sync = conf.section("container-sync").unwrap();
        assert_eq!(sync.get("log_level"), Some("ERROR"));
        assert_eq!(sync.get("log_name"), Some("container-sync"));
        assert_eq!(sync.get("bind_port"), Some("6201"));
        assert_eq!(sync.get_u64("interval", 300).unwrap(), 10);
        assert_eq!(sync.get_u64("missing", 300).unwrap(), 300);
        assert!(conf.section("container-updater").is_none());
        assert!(conf.section("DEFAULT").is_none());
    }

    #[test]
    fn use_of_another_section_and_get() {
        let conf = ConfFile::parse_str(
            "[DEFAULT]\nuser = swift\n[app:base]\nuse = egg:swift#container\na = 1\nb = 2\n[app:main]\nuse = base\nb = 3\nget who = user\n",
        )
        .unwrap();
        let s = conf.app_config("main").unwrap();
        assert_eq!(s.get("a"), Some("1"));
        assert_eq!(s.get("b"), Some("3"));
        assert_eq!(s.get("who"), Some("swift"));
        assert_eq!(s.entry_point(), Some("egg:swift#container"));
    }

    #[test]
    fn interpolation_errors_fail_load() {
        assert!(ConfFile::parse_str("[app:x]\nuse = egg:swift#container\na = %(nope)s\n").is_err());
        assert!(ConfFile::parse_str("[container-sync]\na = %(here)s\n").is_err());
        // A lone % is fine when there is no %( in the value (Swift's NicerInterpolation).
        let conf = ConfFile::parse_str("[DEFAULT]\nfallocate_reserve = 1%\n[x]\n").unwrap();
        assert_eq!(
            conf.section("x").unwrap().get("fallocate_reserve"),
            Some("1%")
        );
    }

    #[test]
    fn conf_d_directory_merges_sorted_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("20-b.conf"),
            "[app:container-server]\nnode_timeout = 9\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("10-a.conf"), "[DEFAULT]\nworkers = 3\n[app:container-server]\nuse = egg:swift#container\nnode_timeout = 1\nconn_timeout = 2\n").unwrap();
        std::fs::write(
            dir.path().join(".hidden.conf"),
            "[app:container-server]\nconn_timeout = 7\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "garbage").unwrap();
        let conf = ConfFile::load(dir.path()).unwrap();
        let app = conf.section("app:container-server").unwrap();
        assert_eq!(app.get("node_timeout"), Some("9"));
        assert_eq!(app.get("conn_timeout"), Some("2"));
        assert_eq!(app.get("workers"), Some("3"));
        assert_eq!(app.get("here"), Some(dir.path().to_str().unwrap()));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            ConfFile::load(empty.path()),
            Err(ConfigError::Io { .. })
        ));
    }
}
