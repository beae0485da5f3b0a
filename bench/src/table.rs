//! The results table: reads the lines `scripts/bench` collected (`figure<TAB>side<TAB>k=v ...`)
//! and prints each figure for Python and ours, the gain, and ours as a share of the limits.
//!
//! Sides: `python`, `ours`, and the limits `axum` (bare HTTP server) and `sqlite` (batched
//! insert). Several rounds of one figure are reduced to their median. A `show=a,b` key on a line
//! picks the metrics shown for that figure (default: rate, p50_ms, p99_ms).

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Metrics of one figure for one side, every round's value kept.
type SideValues = BTreeMap<String, Vec<f64>>;

/// One figure: its metrics to show and the values per side.
#[derive(Debug, Default)]
struct Figure {
    name: String,
    show: Vec<String>,
    sides: BTreeMap<String, SideValues>,
}

/// Builds the table text from the collected lines.
pub fn render(input: &str) -> String {
    let figures = parse(input);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<50} {:<12} {:>11} {:>11} {:>8}  {:>8}  vs limits",
        "figure", "metric", "python", "ours", "gain", "gen cpu"
    );
    for fig in &figures {
        let mut first = true;
        for metric in &fig.show {
            let py = median_of(fig, "python", metric);
            let ours = median_of(fig, "ours", metric);
            if py.is_none() && ours.is_none() {
                continue;
            }
            let gain = match (py, ours) {
                (Some(p), Some(o)) if p > 0.0 && o > 0.0 => {
                    let g = if lower_is_better(metric) {
                        p / o
                    } else {
                        o / p
                    };
                    format!("{g:.1}x")
                }
                _ => "-".to_string(),
            };
            let gen_cpu = if first {
                ["python", "ours"]
                    .iter()
                    .filter_map(|s| median_of(fig, s, "gen_cpu"))
                    .fold(None, |acc: Option<f64>, v| {
                        Some(acc.map_or(v, |a| a.max(v)))
                    })
                    .map(|v| format!("{:.0}%", v * 100.0))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            let limits = if is_throughput(metric) {
                limit_note(fig, ours)
            } else {
                String::new()
            };
            let row = format!(
                "{:<50} {:<12} {:>11} {:>11} {:>8}  {:>8}  {}",
                if first { fig.name.as_str() } else { "" },
                label(metric),
                fmt_value(py),
                fmt_value(ours),
                gain,
                gen_cpu,
                limits
            );
            let _ = writeln!(out, "{}", row.trim_end());
            first = false;
        }
    }
    out
}

fn parse(input: &str) -> Vec<Figure> {
    let mut figures: Vec<Figure> = Vec::new();
    for line in input.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(name), Some(side), Some(kvs)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let index = match figures.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                figures.push(Figure {
                    name: name.to_string(),
                    show: vec!["rate".into(), "p50_ms".into(), "p99_ms".into()],
                    ..Figure::default()
                });
                figures.len() - 1
            }
        };
        let fig = &mut figures[index];
        let values = fig.sides.entry(side.to_string()).or_default();
        for kv in kvs.split_whitespace() {
            let Some((k, v)) = kv.split_once('=') else {
                continue;
            };
            if k == "show" {
                fig.show = v.split(',').map(str::to_string).collect();
            } else if let Ok(n) = v.parse::<f64>() {
                values.entry(k.to_string()).or_default().push(n);
            }
        }
    }
    figures
}

fn median_of(fig: &Figure, side: &str, metric: &str) -> Option<f64> {
    let mut v = fig.sides.get(side)?.get(metric)?.clone();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn limit_note(fig: &Figure, ours: Option<f64>) -> String {
    let mut notes = Vec::new();
    for side in ["axum", "sqlite"] {
        let limit = median_of(fig, side, "rows_per_s").or_else(|| median_of(fig, side, "rate"));
        if let Some(limit) = limit {
            let share = ours
                .filter(|_| limit > 0.0)
                .map(|o| format!(" = {:.0}%", o / limit * 100.0))
                .unwrap_or_default();
            notes.push(format!("{side} {}{share}", fmt_value(Some(limit))));
        }
    }
    notes.join(", ")
}

fn is_throughput(metric: &str) -> bool {
    matches!(metric, "rate" | "rows_per_s")
}

fn lower_is_better(metric: &str) -> bool {
    !is_throughput(metric)
}

fn label(metric: &str) -> String {
    match metric {
        "rate" => "req/s".into(),
        "rows_per_s" => "rows/s".into(),
        "p50_ms" => "p50 ms".into(),
        "p99_ms" => "p99 ms".into(),
        "mean_ms" => "mean ms".into(),
        "secs" => "seconds".into(),
        "server_us_per_req" => "srv CPU µs/req".into(),
        "mib" => "MiB".into(),
        "bytes_per_row" => "bytes/row".into(),
        other => other.replace('_', " "),
    }
}

fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v >= 1000.0 => {
            let whole = v.round() as u64;
            let digits = whole.to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push(',');
                }
                out.push(c);
            }
            out
        }
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_gains_and_limits() {
        let input = "\
PUT c=64\tpython\trate=3900 p50_ms=10 p99_ms=300 gen_cpu=0.05
PUT c=64\tours\trate=40000 p50_ms=1 p99_ms=20 gen_cpu=0.3
PUT c=64\tpython\trate=4100 p50_ms=12 p99_ms=290 gen_cpu=0.05
PUT c=64\tours\trate=42000 p50_ms=1 p99_ms=10 gen_cpu=0.3
PUT c=64\taxum\trate=140000
PUT c=64\tsqlite\trows_per_s=56000
peak RSS\tpython\tmib=200 show=mib
peak RSS\tours\tmib=40
";
        let table = render(input);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert!(lines[1].starts_with("PUT c=64"), "{table}");
        assert!(lines[1].contains("4,000"), "{table}");
        assert!(lines[1].contains("41,000"), "{table}");
        assert!(lines[1].contains("10.2x"), "{table}");
        assert!(lines[1].contains("30%"), "{table}");
        assert!(lines[1].contains("axum 140,000 = 29%"), "{table}");
        assert!(lines[1].contains("sqlite 56,000 = 73%"), "{table}");
        assert!(lines[3].contains("p99 ms"), "{table}");
        assert!(lines[3].contains("19.7x"), "{table}");
        assert!(lines[4].starts_with("peak RSS"), "{table}");
        assert!(lines[4].contains("5.0x"), "{table}");
    }

    #[test]
    fn one_sided_figures_show_a_dash() {
        let table = render("list 10M rows\tours\tp50_ms=50 p99_ms=70 show=p50_ms,p99_ms\n");
        assert!(table.lines().nth(1).unwrap().contains('-'), "{table}");
        assert_eq!(render("garbage line\n").lines().count(), 1);
    }
}
