//! Counters for the periodic report line and the per-container report, in Swift's wording.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

/// Daemon-wide counts since the last report.
#[derive(Debug)]
pub struct Stats {
    /// Containers fully synced.
    pub syncs: AtomicU64,
    /// DELETEs sent.
    pub deletes: AtomicU64,
    /// PUTs sent.
    pub puts: AtomicU64,
    /// Containers skipped (sync turned off, versioning).
    pub skips: AtomicU64,
    /// Failures (containers and rows).
    pub failures: AtomicU64,
    /// When the last report was written.
    pub reported: Mutex<SystemTime>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            syncs: AtomicU64::new(0),
            deletes: AtomicU64::new(0),
            puts: AtomicU64::new(0),
            skips: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            reported: Mutex::new(SystemTime::now()),
        }
    }
}

/// Counts of one container's pass.
#[derive(Debug, Default)]
pub struct ContainerStats {
    /// PUTs sent.
    pub puts: AtomicU64,
    /// DELETEs sent.
    pub deletes: AtomicU64,
    /// Bytes of the rows PUT.
    pub bytes: AtomicU64,
}

/// Adds one to a counter.
pub fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    /// Seconds since the last report.
    pub fn since_report(&self) -> f64 {
        let r = *self.reported.lock().unwrap_or_else(|p| p.into_inner());
        SystemTime::now()
            .duration_since(r)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    }

    /// Swift's report line; resets the counters.
    pub fn report_line(&self) -> String {
        let mut reported = self.reported.lock().unwrap_or_else(|p| p.into_inner());
        let take = |c: &AtomicU64| c.swap(0, Ordering::Relaxed);
        let line = format!(
            "Since {}: {} synced [{} deletes, {} puts], {} skipped, {} failed",
            ctime(*reported),
            take(&self.syncs),
            take(&self.deletes),
            take(&self.puts),
            take(&self.skips),
            take(&self.failures)
        );
        *reported = SystemTime::now();
        line
    }
}

/// Python's `time.ctime` in UTC (Swift's daemons run with TZ=UTC+0): `Sun Nov  2 08:03:09 2026`.
pub fn ctime(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {}",
        WD[days.rem_euclid(7) as usize],
        MON[(m - 1) as usize],
        d,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        y
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ctime_matches_python() {
        // time.ctime(1793000000) with TZ=UTC+0
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_793_000_000);
        assert_eq!(ctime(t), "Mon Oct 26 07:33:20 2026");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_793_600_000);
        assert_eq!(ctime(t), "Mon Nov  2 06:13:20 2026");
    }

    #[test]
    fn report_resets() {
        let s = Stats::default();
        bump(&s.puts);
        bump(&s.puts);
        bump(&s.failures);
        let line = s.report_line();
        assert!(
            line.ends_with(": 0 synced [0 deletes, 2 puts], 0 skipped, 1 failed"),
            "{line}"
        );
        assert!(s
            .report_line()
            .ends_with(": 0 synced [0 deletes, 0 puts], 0 skipped, 0 failed"));
    }
}
