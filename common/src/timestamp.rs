//! Swift's `Timestamp`: the normal (`1700000000.12345`) and internal
//! (`1700000000.12345_000000000000000a`) forms, ordering, and the combined `created_at` encoding
//! of the object table (data, content-type and metadata timestamps in one string).
//!
//! Values are kept as Swift's `raw` integer (units of 10 microseconds) so that formatting and
//! comparison never suffer float drift; parsing goes through `f64` exactly as Python's `float()`
//! then `round()` (ties to even) do, so the same strings round the same way.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Why a timestamp string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timestamp: {0}")]
pub struct TimestampError(pub String);

/// Why a request's `X-Timestamp` header was refused; the message is the 400 body Swift sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTimestamp {
    /// No `X-Timestamp` header at all.
    #[error("Missing X-Timestamp header")]
    Missing,
    /// A header that Swift's `Timestamp()` refuses.
    #[error("Invalid X-Timestamp header")]
    Invalid,
}

/// A Swift timestamp: seconds in units of 10 microseconds plus an offset, ordered as Swift orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Seconds since the epoch times 100_000 (Swift's `raw`).
    pub raw: i64,
    /// The offset (the hex part after `_` in the internal form).
    pub offset: u64,
}

/// Units of `raw` per second.
const RAW_PER_SEC: i64 = 100_000;
/// Swift's `PRECISION`.
const PRECISION: f64 = 1e-5;
/// Swift's `MAX_RAW_TIME`: the largest raw value a bounded timestamp may have.
pub const MAX_RAW_TIME: i64 = 999_999_999_999_999;
/// Swift's `MAX_OFFSET`: the offset is at most 16 hex digits.
pub const MAX_OFFSET: u64 = u64::MAX;
/// Swift's `HEX_PART_DIGITS`.
const HEX_PART_DIGITS: usize = 16;

fn err(msg: impl Into<String>) -> TimestampError {
    TimestampError(msg.into())
}

/// Python's `int(s, 16)` for the strings Swift feeds it: surrounding whitespace, an optional
/// sign and an optional `0x` prefix are accepted. Returns the signed value.
fn parse_python_hex(s: &str) -> Result<i128, TimestampError> {
    let t = s.trim();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_hexdigit()) || t.len() > 30 {
        return Err(err(format!(
            "invalid literal for int() with base 16: {s:?}"
        )));
    }
    let v = i128::from_str_radix(t, 16).map_err(|_| err(format!("bad hex {s:?}")))?;
    Ok(if neg { -v } else { v })
}

/// Python's `float(s)`: surrounding whitespace allowed, `inf`/`nan`/exponents accepted.
fn parse_python_float(s: &str) -> Result<f64, TimestampError> {
    let t = s.trim();
    // Rust accepts a few spellings Python does not and vice versa only at the margins
    // (e.g. Python allows `1_0`, but Swift has already split on `_` before we get here).
    t.parse::<f64>()
        .map_err(|_| err(format!("could not convert string to float: {s:?}")))
}

/// Swift's `int(round(value / PRECISION))` (round half to even on the quotient).
fn float_to_raw(value: f64) -> Result<i64, TimestampError> {
    if !value.is_finite() {
        // Python raises OverflowError/ValueError here; either way the value is refused.
        return Err(err(format!("cannot convert {value} to a timestamp")));
    }
    let q = (value / PRECISION).round_ties_even();
    if q.abs() > 9.0e18 {
        return Err(err("timestamp too large"));
    }
    Ok(q as i64)
}

fn check_bounds(raw: i64) -> Result<(), TimestampError> {
    if raw < 0 {
        return Err(err("timestamp cannot be negative"));
    }
    if raw > MAX_RAW_TIME {
        return Err(err("timestamp too large"));
    }
    Ok(())
}

impl Timestamp {
    /// Parses anything Swift's `Timestamp()` accepts from a string (`1.5`, `0000000001.50000`,
    /// `1.5_000000000000000a`, ...), rounding to 5 places as Swift does.
    pub fn parse(s: &str) -> Result<Timestamp, TimestampError> {
        let (float_str, hex_str) = match s.split_once('_') {
            Some((f, h)) => (f, h),
            None => (s, ""),
        };
        if hex_str.contains('_') {
            return Err(err(format!(
                "invalid literal for int() with base 16: {hex_str:?}"
            )));
        }
        if hex_str.len() > HEX_PART_DIGITS {
            return Err(err(format!("hex part too long: {hex_str:?}")));
        }
        let offset = if hex_str.is_empty() {
            0
        } else {
            let v = parse_python_hex(hex_str)?;
            if v < 0 {
                return Err(err("offset must be non-negative"));
            }
            u64::try_from(v).map_err(|_| err("offset too large"))?
        };
        let raw = float_to_raw(parse_python_float(float_str)?)?;
        check_bounds(raw)?;
        Ok(Timestamp { raw, offset })
    }

    /// Swift's `Timestamp(float)`: seconds since the epoch, rounded to 10 microseconds.
    pub fn from_f64(seconds: f64) -> Result<Timestamp, TimestampError> {
        let raw = float_to_raw(seconds)?;
        check_bounds(raw)?;
        Ok(Timestamp { raw, offset: 0 })
    }

    /// A timestamp from Swift's raw units (10 microseconds) and an offset, bounds-checked.
    pub fn from_raw(raw: i64, offset: u64) -> Result<Timestamp, TimestampError> {
        check_bounds(raw)?;
        Ok(Timestamp { raw, offset })
    }

    /// The current time.
    pub fn now() -> Timestamp {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Timestamp::from_f64(secs).unwrap_or_default()
    }

    /// Swift's `Timestamp.zero()`.
    pub fn zero() -> Timestamp {
        Timestamp::default()
    }

    /// Python's truthiness of a Timestamp: false only for zero time and zero offset.
    pub fn is_zero(&self) -> bool {
        self.raw == 0 && self.offset == 0
    }

    /// `float(ts)`: seconds since the epoch.
    pub fn as_f64(&self) -> f64 {
        self.raw as f64 * PRECISION
    }

    /// `ts.ceil()`: whole seconds rounded up (the second-precision Last-Modified value).
    pub fn ceil(&self) -> i64 {
        self.raw.div_euclid(RAW_PER_SEC) + i64::from(self.raw.rem_euclid(RAW_PER_SEC) != 0)
    }

    /// `Timestamp(self.normal, delta=delta)`: moved by `delta` raw units, offset dropped.
    pub fn with_delta(&self, delta: i64) -> Result<Timestamp, TimestampError> {
        let raw = self
            .raw
            .checked_add(delta)
            .ok_or_else(|| err("timestamp too large"))?;
        if raw < 0 {
            return Err(err(format!("delta must be greater than {}", -self.raw - 1)));
        }
        check_bounds(raw)?;
        Ok(Timestamp { raw, offset: 0 })
    }

    /// `ts.normalized()`: the same time without offset.
    pub fn normalized(&self) -> Timestamp {
        Timestamp {
            raw: self.raw,
            offset: 0,
        }
    }

    /// `%016.05f`: the form in HTTP headers and DB columns when there is no offset.
    pub fn normal(&self) -> String {
        if self.raw >= 0 {
            return format!(
                "{:010}.{:05}",
                self.raw / RAW_PER_SEC,
                self.raw % RAW_PER_SEC
            );
        }
        // Only reachable through a hand-built negative raw; formatted as Python would.
        let abs = self.raw.unsigned_abs();
        format!("-{:09}.{:05}", abs / 100_000, abs % 100_000)
    }

    /// `normal` plus `_%016x` when the offset is non-zero.
    pub fn internal(&self) -> String {
        if self.offset != 0 {
            format!("{}_{:016x}", self.normal(), self.offset)
        } else {
            self.normal()
        }
    }

    /// `normal` plus `_%x` when the offset is non-zero (the first part of the combined encoding).
    pub fn short(&self) -> String {
        if self.offset != 0 {
            format!("{}_{:x}", self.normal(), self.offset)
        } else {
            self.normal()
        }
    }

    /// `ts.isoformat`: `1970-01-01T00:00:00.000000` (UTC, microseconds, no zone), as listings show.
    pub fn isoformat(&self) -> String {
        // Swift goes through float(normal) and rounds the fraction to microseconds, which for
        // far-future times can land one microsecond off the exact value; do the same float math.
        let f: f64 = self.raw as f64 / RAW_PER_SEC as f64;
        let f: f64 = self.normal().parse().unwrap_or(f);
        let whole = f.trunc();
        let mut secs = whole as i64;
        let mut micros = ((f - whole) * 1e6).round_ties_even() as i64;
        if micros >= 1_000_000 {
            secs += 1;
            micros -= 1_000_000;
        } else if micros < 0 {
            secs -= 1;
            micros += 1_000_000;
        }
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )
    }

    /// `~ts`: the inverted timestamp Swift uses to sort newest first.
    pub fn invert(&self) -> Timestamp {
        if self.offset == 0 {
            Timestamp {
                raw: MAX_RAW_TIME - self.raw,
                offset: 0,
            }
        } else {
            // MAX_OFFSET + 1 - offset, computed without overflowing u64.
            Timestamp {
                raw: MAX_RAW_TIME - self.raw - 1,
                offset: (MAX_OFFSET - self.offset) + 1,
            }
        }
    }

    /// Swift's `valid_timestamp(req)`: the `X-Timestamp` header as a Timestamp, or the reason
    /// for the 400 Swift answers (`Missing X-Timestamp header` / `Invalid X-Timestamp header`).
    pub fn parse_header(value: Option<&str>) -> Result<Timestamp, InvalidTimestamp> {
        let v = value.ok_or(InvalidTimestamp::Missing)?;
        Timestamp::parse(v).map_err(|_| InvalidTimestamp::Invalid)
    }
}

/// Swift's `normalize_timestamp(value)`: any accepted timestamp string in its `normal` form.
pub fn normalize_timestamp(value: &str) -> Result<String, TimestampError> {
    Ok(Timestamp::parse(value)?.normal())
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl fmt::Display for Timestamp {
    /// Displays the internal form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.internal())
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

/// Python's `'{:+x}'.format(v)`.
fn signed_hex(v: i64) -> String {
    if v < 0 {
        format!("-{:x}", v.unsigned_abs())
    } else {
        format!("+{v:x}")
    }
}

/// Swift's `encode_timestamps(t1, t2, t3, explicit)`: the combined `created_at` value.
pub fn encode_timestamps(
    t1: &Timestamp,
    t2: Option<&Timestamp>,
    t3: Option<&Timestamp>,
    explicit: bool,
) -> String {
    let mut out = t1.short();
    if let Some(t2) = t2 {
        let d2 = t2.raw - t1.raw;
        let d3 = t3.map(|t3| t3.raw - t2.raw);
        let explicit = explicit || d2 != 0 || d3.is_some_and(|d| d != 0);
        if explicit {
            out.push_str(&signed_hex(d2));
            if let Some(d3) = d3 {
                out.push_str(&signed_hex(d3));
            }
        }
    }
    out
}

/// Swift's `decode_timestamps(value, explicit)`: (data, content-type, metadata) timestamps.
pub fn decode_timestamps(
    value: &str,
    explicit: bool,
) -> Result<(Timestamp, Option<Timestamp>, Option<Timestamp>), TimestampError> {
    // Split as Swift does: on '+', then each piece on '-' (every piece after the first of a
    // '-' split is negative).
    let mut parts: Vec<(&str, i64)> = Vec::with_capacity(3);
    for pos in value.split('+') {
        for (i, p) in pos.split('-').enumerate() {
            parts.push((p, if i == 0 { 1 } else { -1 }));
        }
    }
    let t1 = Timestamp::parse(parts[0].0)?;
    let delta_of = |(p, sign): (&str, i64)| -> Result<i64, TimestampError> {
        let v = parse_python_hex(p)? * i128::from(sign);
        i64::try_from(v).map_err(|_| err("delta too large"))
    };
    let t2 = if parts.len() > 1 {
        let d = delta_of(parts[1])?;
        // A zero delta keeps t1 itself (and so its offset).
        Some(if d != 0 { t1.with_delta(d)? } else { t1 })
    } else if !explicit {
        Some(t1)
    } else {
        None
    };
    let t3 = if parts.len() > 2 {
        // Swift only reaches here with t2 set (parts > 2 implies parts > 1).
        let base = t2.unwrap_or(t1);
        let d = delta_of(parts[2])?;
        Some(if d != 0 { base.with_delta(d)? } else { base })
    } else if !explicit {
        t2
    } else {
        None
    };
    Ok((t1, t2, t3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    // Expected values below were produced by swift 2.38.3's
    // `swift.common.utils.Timestamp` in the project's venv.
    #[test]
    fn parse_and_format_match_python() {
        let cases = [
            ("1", "0000000001.00000", "0000000001.00000"),
            ("1.5", "0000000001.50000", "0000000001.50000"),
            ("1700000000.123456", "1700000000.12346", "1700000000.12346"),
            ("1700000000.123455", "1700000000.12346", "1700000000.12346"),
            ("1700000000.000005", "1700000000.00000", "1700000000.00000"),
            ("0.000015", "0000000000.00002", "0000000000.00002"),
            ("0.000025", "0000000000.00002", "0000000000.00002"),
            ("1e9", "1000000000.00000", "1000000000.00000"),
            (" 12.5 ", "0000000012.50000", "0000000012.50000"),
            (
                "1.5_a",
                "0000000001.50000",
                "0000000001.50000_000000000000000a",
            ),
            (
                "1.5_0000000000000000",
                "0000000001.50000",
                "0000000001.50000",
            ),
            ("1.5_", "0000000001.50000", "0000000001.50000"),
            (
                "1.5_0x1F",
                "0000000001.50000",
                "0000000001.50000_000000000000001f",
            ),
            ("9999999999.99999", "9999999999.99999", "9999999999.99999"),
            (
                "1402464677.04188_ffffffffffffffff",
                "1402464677.04188",
                "1402464677.04188_ffffffffffffffff",
            ),
        ];
        for (input, normal, internal) in cases {
            let t = ts(input);
            assert_eq!(t.normal(), normal, "normal of {input:?}");
            assert_eq!(t.internal(), internal, "internal of {input:?}");
        }
    }

    #[test]
    fn parse_refuses_what_python_refuses() {
        for bad in [
            "",
            "abc",
            "-1",
            "10000000000",
            "1.5_a_b",
            "1.5_00000000000000001",
            "1.5_-1",
            "1.5_xyz",
            "inf",
            "nan",
            "1.5+1",
            "1,5",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?} should be refused");
        }
        // 9999999999.999995 is a float just below the rounding point, so it stays in bounds.
        assert_eq!(ts("9999999999.999995").normal(), "9999999999.99999");
        // Python rounds -0.000001 to raw 0, which passes the bounds check.
        assert_eq!(ts("-0.000001").normal(), "0000000000.00000");
    }

    #[test]
    fn ordering_follows_internal_form() {
        assert!(ts("1.5") < ts("1.5_1"));
        assert!(ts("1.5_ff") < ts("1.50001"));
        assert_eq!(ts("1.5_0"), ts("1.50000"));
    }

    #[test]
    fn header_validation_reasons() {
        assert_eq!(
            Timestamp::parse_header(None).unwrap_err().to_string(),
            "Missing X-Timestamp header"
        );
        assert_eq!(
            Timestamp::parse_header(Some("junk"))
                .unwrap_err()
                .to_string(),
            "Invalid X-Timestamp header"
        );
        assert_eq!(Timestamp::parse_header(Some("2")).unwrap(), ts("2"));
    }

    #[test]
    fn float_helpers() {
        let t = Timestamp::from_f64(1700000000.123456).unwrap();
        assert_eq!(t.normal(), "1700000000.12346");
        assert_eq!(ts("1700000000.00001").ceil(), 1700000001);
        assert_eq!(ts("1700000000").ceil(), 1700000000);
        assert!((ts("2.5").as_f64() - 2.5).abs() < 1e-9);
        assert!(Timestamp::zero().is_zero());
        assert!(!ts("0_1").is_zero());
        assert!(Timestamp::from_f64(-1.0).is_err());
        assert_eq!(normalize_timestamp("3").unwrap(), "0000000003.00000");
    }

    #[test]
    fn isoformat_matches_python() {
        assert_eq!(ts("0").isoformat(), "1970-01-01T00:00:00.000000");
        assert_eq!(
            ts("1700000000.12345").isoformat(),
            "2023-11-14T22:13:20.123450"
        );
        assert_eq!(ts("951782400.5").isoformat(), "2000-02-29T00:00:00.500000");
        assert_eq!(
            ts("9999999999.99999").isoformat(),
            "2286-11-20T17:46:39.999990"
        );
    }

    #[test]
    fn invert_matches_python() {
        assert_eq!(
            ts("1700000000.12345").invert().internal(),
            "8299999999.87654"
        );
        assert_eq!(
            ts("1700000000.12345_a").invert().internal(),
            "8299999999.87653_fffffffffffffff6"
        );
    }

    #[test]
    fn encode_matches_python() {
        let t1 = ts("1700000000.12345");
        let t2 = ts("1700000001.00000");
        let t3 = ts("1700000002.5");
        let t1o = ts("1700000000.12345_a");
        let cases: Vec<(String, &str)> = vec![
            (
                encode_timestamps(&t1, None, None, false),
                "1700000000.12345",
            ),
            (
                encode_timestamps(&t1, Some(&t1), Some(&t1), false),
                "1700000000.12345",
            ),
            (
                encode_timestamps(&t1, Some(&t1), Some(&t1), true),
                "1700000000.12345+0+0",
            ),
            (
                encode_timestamps(&t1, Some(&t1), None, true),
                "1700000000.12345+0",
            ),
            (
                encode_timestamps(&t1, Some(&t2), None, false),
                "1700000000.12345+15667",
            ),
            (
                encode_timestamps(&t1, Some(&t2), Some(&t3), false),
                "1700000000.12345+15667+249f0",
            ),
            (
                encode_timestamps(&t2, Some(&t1), Some(&t3), false),
                "1700000001.00000-15667+3a057",
            ),
            (
                encode_timestamps(&t1, Some(&t1), Some(&t2), false),
                "1700000000.12345+0+15667",
            ),
            (
                encode_timestamps(&t1o, Some(&t1), Some(&t1), false),
                "1700000000.12345_a",
            ),
            (
                encode_timestamps(&t1o, Some(&t2), Some(&t2), false),
                "1700000000.12345_a+15667+0",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn decode_matches_python() {
        let show = |v: &str, explicit: bool| {
            let (a, b, c) = decode_timestamps(v, explicit).unwrap();
            (
                a.internal(),
                b.map(|t| t.internal()),
                c.map(|t| t.internal()),
            )
        };
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            show("1700000000.12345", false),
            (
                "1700000000.12345".into(),
                s("1700000000.12345"),
                s("1700000000.12345")
            )
        );
        assert_eq!(
            show("1700000000.12345", true),
            ("1700000000.12345".into(), None, None)
        );
        assert_eq!(
            show("1700000000.12345+1555b", true),
            ("1700000000.12345".into(), s("1700000000.99732"), None)
        );
        assert_eq!(
            show("1700000001.00000-1555b+3c54b", false),
            (
                "1700000001.00000".into(),
                s("1700000000.12613"),
                s("1700000002.59728")
            )
        );
        assert_eq!(
            show("1700000000.12345_a+0+1555b", false),
            (
                "1700000000.12345_000000000000000a".into(),
                s("1700000000.12345_000000000000000a"),
                s("1700000000.99732")
            )
        );
        assert_eq!(
            show("1700000000.12345_a+1555b", false),
            (
                "1700000000.12345_000000000000000a".into(),
                s("1700000000.99732"),
                s("1700000000.99732")
            )
        );
        assert!(decode_timestamps("1.0-186a1", false).is_err());
        assert!(decode_timestamps("1.0+", false).is_err());
        assert!(decode_timestamps("x+1", false).is_err());
    }
}
