//! Swift's `Timestamp`: the normal (`1700000000.12345`) and internal
//! (`1700000000.12345_000000000000000a`) forms, ordering, and the combined `created_at` encoding
//! of the object table (data, content-type and metadata timestamps in one string).

use std::fmt;

/// Why a timestamp string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp: {0}")]
pub struct TimestampError(pub String);

/// A Swift timestamp: seconds in units of 10 microseconds plus an offset, ordered as Swift orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Seconds since the epoch times 100_000 (Swift's `raw`).
    pub raw: i64,
    /// The offset (the hex part after `_` in the internal form).
    pub offset: u64,
}

impl Timestamp {
    /// Parses anything Swift's `Timestamp()` accepts from a string (`1.5`, `0000000001.50000`,
    /// `1.5_000000000000000a`, ...), rounding to 5 places as Swift does.
    pub fn parse(_s: &str) -> Result<Timestamp, TimestampError> {
        todo!("owner: basics helper")
    }
    /// The current time.
    pub fn now() -> Timestamp {
        todo!("owner: basics helper")
    }
    /// `%016.05f`: the form in HTTP headers and DB columns when there is no offset.
    pub fn normal(&self) -> String {
        todo!("owner: basics helper")
    }
    /// `normal` plus `_%016x` when the offset is non-zero.
    pub fn internal(&self) -> String {
        todo!("owner: basics helper")
    }
}

impl fmt::Display for Timestamp {
    /// Displays the internal form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.internal())
    }
}

/// Swift's `encode_timestamps(t1, t2, t3, explicit)`: the combined `created_at` value.
pub fn encode_timestamps(
    _t1: &Timestamp,
    _t2: Option<&Timestamp>,
    _t3: Option<&Timestamp>,
    _explicit: bool,
) -> String {
    todo!("owner: basics helper")
}

/// Swift's `decode_timestamps(value, explicit)`: (data, content-type, metadata) timestamps.
pub fn decode_timestamps(
    _value: &str,
    _explicit: bool,
) -> Result<(Timestamp, Option<Timestamp>, Option<Timestamp>), TimestampError> {
    todo!("owner: basics helper")
}
