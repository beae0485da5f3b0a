//! Latency summaries from each request's own measured time (no coordinated-omission
//! correction: the generator is closed-loop, so each recorded time is what that request took).

use std::time::Duration;

/// Percentiles and counts of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Requests recorded.
    pub count: u64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Slowest request.
    pub max: Duration,
    /// Mean latency.
    pub mean: Duration,
}

impl Summary {
    /// Summarises latencies in microseconds (sorts the slice in place).
    pub fn from_micros(latencies: &mut [u32]) -> Summary {
        if latencies.is_empty() {
            return Summary::default();
        }
        latencies.sort_unstable();
        let n = latencies.len();
        let at = |q: f64| {
            // Nearest-rank percentile: the smallest value with at least q of the samples <= it.
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
            Duration::from_micros(u64::from(latencies[rank - 1]))
        };
        let total: u64 = latencies.iter().map(|&l| u64::from(l)).sum();
        Summary {
            count: n as u64,
            p50: at(0.50),
            p99: at(0.99),
            max: Duration::from_micros(u64::from(latencies[n - 1])),
            mean: Duration::from_micros(total / n as u64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut lat: Vec<u32> = (1..=100).rev().collect();
        let s = Summary::from_micros(&mut lat);
        assert_eq!(s.count, 100);
        assert_eq!(s.p50, Duration::from_micros(50));
        assert_eq!(s.p99, Duration::from_micros(99));
        assert_eq!(s.max, Duration::from_micros(100));
        assert_eq!(s.mean, Duration::from_micros(50));
    }

    #[test]
    fn single_and_empty_samples() {
        assert_eq!(Summary::from_micros(&mut []), Summary::default());
        let s = Summary::from_micros(&mut [7]);
        assert_eq!(
            (s.p50, s.p99),
            (Duration::from_micros(7), Duration::from_micros(7))
        );
    }
}
