//! `swift.conf`: the `[swift-hash]` salt (Swift refuses to run without one), the
//! `[storage-policy:N]` sections under Swift's validation rules, and `[swift-constraints]`.

use super::ini::{get_pair, interpolate, Interpolation, KeyCase, Pairs, RawIni};
use super::values::{config_true_value, list_from_csv, parse_python_int};
use super::ConfigError;
use crate::constraints::Constraints;
use crate::hash::HashSalt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `policy_type` of a replicated policy (the default).
pub const POLICY_TYPE_REPLICATION: &str = "replication";
/// `policy_type` of an erasure-coded policy.
pub const POLICY_TYPE_EC: &str = "erasure_coding";
/// The name of the implicit policy 0 (`LEGACY_POLICY_NAME`).
pub const LEGACY_POLICY_NAME: &str = "Policy-0";

/// Options a replication policy section may carry (Swift's `_config_options_map`).
const REPL_OPTIONS: [&str; 6] = [
    "name",
    "aliases",
    "policy_type",
    "default",
    "deprecated",
    "diskfile_module",
];
/// The extra options of an erasure-coding policy section.
const EC_OPTIONS: [&str; 6] = [
    "ec_type",
    "ec_num_data_fragments",
    "ec_num_parity_fragments",
    "ec_object_segment_size",
    "ec_duplication_factor",
    "ec_type_validation",
];

/// One `[storage-policy:N]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePolicy {
    /// The index N.
    pub index: u32,
    /// The primary name (first of `aliases`).
    pub name: String,
    /// Every name, primary first (Swift's `alias_list`).
    pub aliases: Vec<String>,
    /// `default = yes`.
    pub is_default: bool,
    /// `deprecated = yes`.
    pub is_deprecated: bool,
    /// `policy_type` (`replication` or `erasure_coding`).
    pub policy_type: String,
    /// The section's options as written (EC parameters etc.).
    pub options: Pairs,
}

impl StoragePolicy {
    /// The object ring's name for this policy (`object` or `object-N`).
    pub fn ring_name(&self) -> String {
        if self.index == 0 {
            "object".into()
        } else {
            format!("object-{}", self.index)
        }
    }
}

/// The parsed swift.conf.
#[derive(Debug, Clone, PartialEq)]
pub struct SwiftConf {
    /// Where it was read from.
    pub path: PathBuf,
    /// `[swift-hash]` prefix and suffix.
    pub hash_salt: HashSalt,
    /// Every policy, ordered by index.
    pub policies: Vec<StoragePolicy>,
    /// The effective constraints.
    pub constraints: Constraints,
}

fn policy_err(path: &Path, message: String) -> ConfigError {
    ConfigError::Policy {
        path: path.display().to_string(),
        message,
    }
}

/// `conf.items(section)` of a bare `ConfigParser()`: defaults then section, interpolated.
fn items(ini: &RawIni, section: &str) -> Result<Option<Pairs>, ConfigError> {
    let Some(sect) = ini.section(section) else {
        return Ok(None);
    };
    let mut merged = ini.defaults.clone();
    for (k, v) in sect {
        super::ini::set_pair(&mut merged, k, v.clone());
    }
    let lookup = |k: &str| get_pair(&merged, k).map(str::to_string);
    let mut out = Pairs::with_capacity(merged.len());
    for (k, v) in &merged {
        out.push((
            k.clone(),
            interpolate(v, k, &lookup, Interpolation::Basic, KeyCase::Lower)?,
        ));
    }
    Ok(Some(out))
}

impl SwiftConf {
    /// Reads `<swift_dir>/swift.conf` as Swift does at startup; refuses a missing file, a salt
    /// with both prefix and suffix empty, and policy sections that break Swift's rules.
    pub fn load(swift_dir: &Path) -> Result<SwiftConf, ConfigError> {
        let path = swift_dir.join("swift.conf");
        let bytes = std::fs::read(&path).map_err(|e| ConfigError::Io {
            path: path.clone(),
            message: e.to_string(),
        })?;
        // Swift reads the salt as latin-1 bytes; ours must be UTF-8 (the usual case) so that the
        // String salt hashes the same bytes.
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::Io {
            path: path.clone(),
            message: "swift.conf is not valid UTF-8".into(),
        })?;
        SwiftConf::parse(&text, &path)
    }

    /// Parses swift.conf text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<SwiftConf, ConfigError> {
        let mut ini = RawIni::default();
        // The hash and constraints readers are strict; the policy reader is not, but a file with
        // duplicates fails the hash reader first in Swift too.
        ini.read_str(text, &path.display().to_string(), KeyCase::Lower, true)?;

        let hash = items(&ini, "swift-hash")?.unwrap_or_default();
        let hash_salt = HashSalt {
            prefix: get_pair(&hash, "swift_hash_path_prefix")
                .unwrap_or("")
                .to_string(),
            suffix: get_pair(&hash, "swift_hash_path_suffix")
                .unwrap_or("")
                .to_string(),
        };
        if hash_salt.prefix.is_empty() && hash_salt.suffix.is_empty() {
            return Err(ConfigError::HashPathNotSet(path.display().to_string()));
        }

        let constraints = match items(&ini, "swift-constraints")? {
            Some(opts) => Constraints::default()
                .with_overrides(opts.iter().map(|(k, v)| (k.as_str(), v.as_str())))?,
            None => Constraints::default(),
        };

        let mut parsed = Vec::new();
        for (name, _) in &ini.sections {
            let Some(idx) = name.strip_prefix("storage-policy:") else {
                continue;
            };
            let opts = items(&ini, name)?.unwrap_or_default();
            parsed.push(parse_policy(idx, opts, path)?);
        }
        let policies = validate_policies(parsed, path)?;
        Ok(SwiftConf {
            path: path.to_path_buf(),
            hash_salt,
            policies,
            constraints,
        })
    }

    /// The default policy (there always is exactly one after loading; a hand-built empty
    /// list falls back to Swift's implicit `Policy-0`).
    pub fn default_policy(&self) -> &StoragePolicy {
        static LEGACY: OnceLock<StoragePolicy> = OnceLock::new();
        self.policies
            .iter()
            .find(|p| p.is_default)
            .or_else(|| self.policies.first())
            .unwrap_or_else(|| LEGACY.get_or_init(legacy_policy))
    }

    /// The policy with this index.
    pub fn policy_by_index(&self, index: u32) -> Option<&StoragePolicy> {
        self.policies.iter().find(|p| p.index == index)
    }

    /// The policy with this name or alias (case-insensitive, as Swift's `get_by_name`).
    pub fn policy_by_name(&self, name: &str) -> Option<&StoragePolicy> {
        let upper = name.to_uppercase();
        self.policies
            .iter()
            .find(|p| p.aliases.iter().any(|a| a.to_uppercase() == upper))
    }
}

/// Swift's implicit policy 0 when swift.conf defines none.
fn legacy_policy() -> StoragePolicy {
    StoragePolicy {
        index: 0,
        name: LEGACY_POLICY_NAME.into(),
        aliases: vec![LEGACY_POLICY_NAME.into()],
        is_default: true,
        is_deprecated: false,
        policy_type: POLICY_TYPE_REPLICATION.into(),
        options: Pairs::new(),
    }
}

fn is_valid_name_char(c: char) -> bool {
    c == '-' || c.is_ascii_alphanumeric()
}

fn check_name(name: &str, index: u32, existing: &[String], path: &Path) -> Result<(), ConfigError> {
    if name.is_empty() {
        return Err(policy_err(
            path,
            format!("Invalid name {name:?}, index {index}"),
        ));
    }
    if !name.chars().all(is_valid_name_char) {
        return Err(policy_err(
            path,
            format!("Names are used as HTTP headers, and can not reliably contain any characters not in \"-A-Za-z0-9\". Invalid name {name:?}, index {index}"),
        ));
    }
    if name.eq_ignore_ascii_case(LEGACY_POLICY_NAME) && index != 0 {
        return Err(policy_err(
            path,
            format!("The name {LEGACY_POLICY_NAME} is reserved for policy index 0. Invalid name {name:?}, index {index}"),
        ));
    }
    if existing.iter().any(|e| e.eq_ignore_ascii_case(name)) {
        return Err(policy_err(
            path,
            format!("The name {name} is already assigned to this policy., index {index}"),
        ));
    }
    Ok(())
}

/// Swift's `BaseStoragePolicy.from_config` for one section.
fn parse_policy(idx: &str, opts: Pairs, path: &Path) -> Result<StoragePolicy, ConfigError> {
    let index = parse_python_int(idx)
        .filter(|i| *i >= 0)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| policy_err(path, format!("Invalid index, index {idx}")))?;
    let policy_type = get_pair(&opts, "policy_type")
        .unwrap_or(POLICY_TYPE_REPLICATION)
        .to_string();
    if policy_type != POLICY_TYPE_REPLICATION && policy_type != POLICY_TYPE_EC {
        return Err(policy_err(path, format!("Invalid type {policy_type}")));
    }
    for (k, _) in &opts {
        let known = REPL_OPTIONS.contains(&k.as_str())
            || (policy_type == POLICY_TYPE_EC && EC_OPTIONS.contains(&k.as_str()));
        if !known {
            return Err(policy_err(
                path,
                format!("Invalid option '{k}' in storage-policy section, index {idx}"),
            ));
        }
    }
    let name = get_pair(&opts, "name").unwrap_or("").to_string();
    let mut aliases: Vec<String> = Vec::new();
    check_name(&name, index, &aliases, path)?;
    aliases.push(name.clone());
    for alias in list_from_csv(get_pair(&opts, "aliases").unwrap_or("")) {
        if alias == name {
            continue;
        }
        check_name(&alias, index, &aliases, path)?;
        aliases.push(alias);
    }
    let is_deprecated = config_true_value(get_pair(&opts, "deprecated").unwrap_or(""));
    let is_default = config_true_value(get_pair(&opts, "default").unwrap_or(""));
    if is_deprecated && is_default {
        return Err(policy_err(
            path,
            format!("Deprecated policy can not be default.  Invalid config, index {index}"),
        ));
    }
    if policy_type == POLICY_TYPE_EC && get_pair(&opts, "ec_type").is_none_or(str::is_empty) {
        return Err(policy_err(path, "Missing ec_type".into()));
    }
    Ok(StoragePolicy {
        index,
        name,
        aliases,
        is_default,
        is_deprecated,
        policy_type,
        options: opts,
    })
}

/// Swift's `StoragePolicyCollection._validate_policies`.
fn validate_policies(
    parsed: Vec<StoragePolicy>,
    path: &Path,
) -> Result<Vec<StoragePolicy>, ConfigError> {
    let mut out: Vec<StoragePolicy> = Vec::with_capacity(parsed.len() + 1);
    let mut have_default = false;
    for p in parsed {
        if out.iter().any(|o| o.index == p.index) {
            return Err(policy_err(
                path,
                format!("Duplicate index {} conflicts with {}", p.index, p.index),
            ));
        }
        for name in &p.aliases {
            if let Some(other) = out
                .iter()
                .find(|o| o.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
            {
                return Err(policy_err(
                    path,
                    format!("Duplicate name {name} conflicts with {}", other.name),
                ));
            }
        }
        if p.is_default {
            if have_default {
                return Err(policy_err(
                    path,
                    format!(
                        "Duplicate default {} conflicts with the existing default",
                        p.name
                    ),
                ));
            }
            have_default = true;
        }
        out.push(p);
    }
    if !out.iter().any(|p| p.index == 0) {
        if !out.is_empty() {
            return Err(policy_err(
                path,
                "You must specify a storage policy section for policy index 0 in order to define multiple policies".into(),
            ));
        }
        out.push(StoragePolicy {
            is_default: false,
            ..legacy_policy()
        });
    }
    if out.iter().all(|p| p.is_deprecated) {
        return Err(policy_err(
            path,
            "Unable to find policy that's not deprecated!".into(),
        ));
    }
    if !have_default {
        if out.len() > 1 {
            return Err(policy_err(path, "Unable to find default policy".into()));
        }
        if let Some(only) = out.first_mut() {
            only.is_default = true;
        }
    }
    out.sort_by_key(|p| p.index);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SwiftConf, ConfigError> {
        SwiftConf::parse(text, Path::new("/etc/swift/swift.conf"))
    }

    const HASH: &str = "[swift-hash]\nswift_hash_path_suffix = changeme\n";

    #[test]
    fn hash_salt_required() {
        assert!(matches!(
            parse("[swift-hash]\n"),
            Err(ConfigError::HashPathNotSet(_))
        ));
        assert!(matches!(
            parse("[swift-hash]\nswift_hash_path_prefix =\nswift_hash_path_suffix =\n"),
            Err(ConfigError::HashPathNotSet(_))
        ));
        let c = parse("[swift-hash]\nSWIFT_HASH_PATH_PREFIX = p%%x\n").unwrap();
        assert_eq!(
            c.hash_salt,
            HashSalt {
                prefix: "p%x".into(),
                suffix: String::new()
            }
        );
        // A bare % is an interpolation error in a plain ConfigParser.
        assert!(parse("[swift-hash]\nswift_hash_path_prefix = 100%\n").is_err());
    }

    #[test]
    fn implicit_policy_zero() {
        let c = parse(HASH).unwrap();
        assert_eq!(c.policies.len(), 1);
        let p = c.default_policy();
        assert_eq!(
            (p.index, p.name.as_str(), p.is_default),
            (0, "Policy-0", true)
        );
        assert_eq!(c.constraints, Constraints::default());
    }

    #[test]
    fn policy_rules() {
        let ok = parse(&format!(
            "{HASH}[storage-policy:0]\nname = gold\naliases = yellow, orange\n\
             [storage-policy:1]\nname = silver\ndefault = yes\n[storage-policy:2]\nname = old\ndeprecated = true\n"
        ))
        .unwrap();
        assert_eq!(ok.default_policy().index, 1);
        assert_eq!(ok.policy_by_name("ORANGE").unwrap().index, 0);
        assert!(ok.policy_by_index(2).unwrap().is_deprecated);
        assert_eq!(ok.policy_by_index(2).unwrap().ring_name(), "object-2");
        // Only policy 0, not marked default: it becomes the default.
        let single = parse(&format!("{HASH}[storage-policy:0]\nname = gold\n")).unwrap();
        assert!(single.default_policy().is_default);
        for bad in [
            "[storage-policy:1]\nname = a\ndefault = yes\n",
            "[storage-policy:0]\nname = a\n[storage-policy:1]\nname = b\n",
            "[storage-policy:0]\nname = a\ndefault = yes\n[storage-policy:1]\nname = b\ndefault = yes\n",
            "[storage-policy:0]\nname = a\ndefault = yes\ndeprecated = yes\n",
            "[storage-policy:0]\nname = a\ndeprecated = yes\n",
            "[storage-policy:0]\n",
            "[storage-policy:0]\nname = a b\n",
            "[storage-policy:0]\nname = a\n[storage-policy:1]\nname = A\ndefault = y\n",
            "[storage-policy:0]\nname = a\ndefault = y\n[storage-policy:1]\nname = policy-0\n",
            "[storage-policy:0]\nname = a\nbogus = 1\n",
            "[storage-policy:-1]\nname = a\n",
            "[storage-policy:0]\nname = a\npolicy_type = weird\n",
            "[storage-policy:0]\nname = a\npolicy_type = erasure_coding\n",
        ] {
            assert!(matches!(parse(&format!("{HASH}{bad}")), Err(ConfigError::Policy { .. })), "{bad}");
        }
    }

    #[test]
    fn constraints_overrides() {
        let c = parse(&format!(
            "{HASH}[swift-constraints]\nmax_meta_count = 10\nauto_create_account_prefix = _\n"
        ))
        .unwrap();
        assert_eq!(c.constraints.max_meta_count, 10);
        assert_eq!(c.constraints.auto_create_account_prefix, "_");
        assert!(parse(&format!(
            "{HASH}[swift-constraints]\nmax_meta_count = ten\n"
        ))
        .is_err());
    }

    #[test]
    fn load_from_dir() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            SwiftConf::load(dir.path()),
            Err(ConfigError::Io { .. })
        ));
        std::fs::write(dir.path().join("swift.conf"), HASH).unwrap();
        assert_eq!(
            SwiftConf::load(dir.path()).unwrap().hash_salt.suffix,
            "changeme"
        );
    }
}
