//! `last_modified` as Swift writes it: `Timestamp(created_at).isoformat`, i.e. the normal form
//! read back as a float, split with `modf`, microseconds rounded half-to-even, and printed as
//! `YYYY-MM-DDTHH:MM:SS.ffffff` in UTC. Reproducing the float steps keeps the rare
//! one-microsecond rounding effects of large timestamps identical to Swift's.

use super::error::ListingError;
use swift_common::timestamp::Timestamp;

/// `Timestamp(value).isoformat` for a stored timestamp string (normal or internal form).
pub fn isoformat(value: &str) -> Result<String, ListingError> {
    let ts = Timestamp::parse(value)
        .map_err(|e| ListingError::Internal(format!("bad timestamp {value:?}: {e}")))?;
    Ok(isoformat_raw(ts.raw))
}

/// The isoformat of a timestamp given as Swift's `raw` (units of 10 microseconds).
pub fn isoformat_raw(raw: i64) -> String {
    // float(self.normal): the decimal `%016.05f` text parsed as a double.
    let normal = format!("{}.{:05}", raw.div_euclid(100_000), raw.rem_euclid(100_000));
    let t: f64 = normal.parse().unwrap_or(0.0);
    let whole = t.trunc();
    let frac = t - whole;
    let mut secs = whole as i64;
    let mut us = (frac * 1e6).round_ties_even() as i64;
    if us >= 1_000_000 {
        secs += 1;
        us -= 1_000_000;
    } else if us < 0 {
        secs -= 1;
        us += 1_000_000;
    }
    let (y, m, d, hh, mm, ss) = civil_from_unix(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{us:06}")
}

/// UTC calendar fields of a Unix time (proleptic Gregorian; Howard Hinnant's days algorithm).
pub fn civil_from_unix(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (sod / 3600) as u32,
        (sod % 3600 / 60) as u32,
        (sod % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(isoformat_raw(0), "1970-01-01T00:00:00.000000");
        assert_eq!(
            isoformat_raw(170_000_000_112_345),
            "2023-11-14T22:13:21.123450"
        );
        assert_eq!(
            isoformat_raw(951_782_400 * 100_000),
            "2000-02-29T00:00:00.000000"
        );
    }
}
