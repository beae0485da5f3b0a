//! A small `--key value` command-line reader (the tools take a handful of flags; a parser crate
//! would be the only new dependency of the workspace for it).

use std::collections::HashMap;
use std::str::FromStr;

/// Errors from reading the command line: they name the flag so the user can fix it.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    /// A flag was given without the value that must follow it.
    #[error("--{0} needs a value")]
    MissingValue(String),
    /// A positional word where a `--flag` was expected.
    #[error("unexpected argument {0:?} (flags look like --name value)")]
    Unexpected(String),
    /// A value that does not parse as the flag's type.
    #[error("--{flag}: cannot parse {value:?}")]
    BadValue {
        /// The flag's name.
        flag: String,
        /// The text given.
        value: String,
    },
    /// A flag the tool requires was not given.
    #[error("--{0} is required")]
    Required(String),
}

/// Parsed `--key value` pairs plus boolean `--switch`es (a flag followed by another flag or by
/// nothing is a switch).
#[derive(Debug, Default, Clone)]
pub struct Args {
    values: HashMap<String, String>,
}

impl Args {
    /// Reads the flags from an iterator of words (without the program name).
    pub fn parse<I: IntoIterator<Item = String>>(words: I) -> Result<Args, ArgError> {
        let mut values = HashMap::new();
        let mut words = words.into_iter().peekable();
        while let Some(word) = words.next() {
            let Some(name) = word.strip_prefix("--") else {
                return Err(ArgError::Unexpected(word));
            };
            if let Some((key, value)) = name.split_once('=') {
                values.insert(key.to_string(), value.to_string());
                continue;
            }
            let is_switch = words.peek().is_none_or(|next| next.starts_with("--"));
            let value = if is_switch {
                "true".to_string()
            } else {
                words.next().unwrap_or_default()
            };
            values.insert(name.to_string(), value);
        }
        Ok(Args { values })
    }

    /// The raw text of a flag, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The text of a flag, or `default`.
    pub fn str_or(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or(default).to_string()
    }

    /// The text of a required flag.
    pub fn required(&self, key: &str) -> Result<&str, ArgError> {
        self.get(key)
            .ok_or_else(|| ArgError::Required(key.to_string()))
    }

    /// A flag parsed as `T`, or `default` when absent.
    pub fn parsed_or<T: FromStr>(&self, key: &str, default: T) -> Result<T, ArgError> {
        match self.get(key) {
            None => Ok(default),
            Some(text) => text.parse().map_err(|_| ArgError::BadValue {
                flag: key.to_string(),
                value: text.to_string(),
            }),
        }
    }

    /// A flag parsed as `T`, `None` when absent.
    pub fn parsed<T: FromStr>(&self, key: &str) -> Result<Option<T>, ArgError> {
        self.get(key)
            .map(|text| {
                text.parse().map_err(|_| ArgError::BadValue {
                    flag: key.to_string(),
                    value: text.to_string(),
                })
            })
            .transpose()
    }

    /// Whether a switch was given (`--smoke`, `--smoke true`); `--smoke false` is off.
    pub fn switch(&self, key: &str) -> bool {
        matches!(self.get(key), Some(v) if v != "false" && v != "0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(words: &[&str]) -> Args {
        Args::parse(words.iter().map(|w| w.to_string())).unwrap()
    }

    #[test]
    fn reads_values_switches_and_equals_form() {
        let args = parse(&["--mode", "put", "--fsync", "--concurrency=16", "--quiet"]);
        assert_eq!(args.get("mode"), Some("put"));
        assert!(args.switch("fsync"));
        assert!(args.switch("quiet"));
        assert_eq!(args.parsed_or("concurrency", 1usize).unwrap(), 16);
        assert_eq!(args.parsed_or("missing", 7u32).unwrap(), 7);
    }

    #[test]
    fn rejects_positional_words_and_bad_numbers() {
        assert!(Args::parse(["put".to_string()]).is_err());
        let args = parse(&["--concurrency", "lots"]);
        let err = args.parsed_or("concurrency", 1usize).unwrap_err();
        assert_eq!(err.to_string(), "--concurrency: cannot parse \"lots\"");
    }
}
