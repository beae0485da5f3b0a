//! CPU time and memory of processes, read from /proc (Linux only, like Swift's own target).

use std::fs;
use std::time::Duration;

/// CPU time (user + system) a process has used so far; `None` when it is gone or unreadable.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    parse_cpu_time(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// CPU time (user + system) of this process so far.
pub fn own_cpu_time() -> Duration {
    fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|text| parse_cpu_time(&text))
        .unwrap_or_default()
}

/// Sum of [`cpu_time`] over several processes (missing ones count as zero).
pub fn total_cpu_time(pids: &[u32]) -> Duration {
    pids.iter().filter_map(|&pid| cpu_time(pid)).sum()
}

/// Reads utime + stime (fields 14 and 15) from the text of /proc/PID/stat. The command name in
/// field 2 may hold spaces and parentheses, so fields are counted after its closing ')'.
pub fn parse_cpu_time(stat: &str) -> Option<Duration> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // Field 3 (state) is the first after the name; utime is field 14, stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(ticks_to_duration(utime + stime))
}

fn ticks_to_duration(ticks: u64) -> Duration {
    // SAFETY: sysconf only reads a constant of the running system.
    let per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let per_sec = if per_sec > 0 { per_sec as u64 } else { 100 };
    Duration::from_micros(ticks * 1_000_000 / per_sec)
}

/// Peak resident set size (VmHWM) of a process in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:").map(|kib| kib * 1024)
}

/// Current resident set size (VmRSS) of a process in bytes.
pub fn current_rss(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:").map(|kib| kib * 1024)
}

fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kib(&status, key)
}

/// The number of KiB on the line starting with `key` in /proc/PID/status text.
pub fn parse_status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// The process and its direct children (how Swift's Python server runs: a parent and one
/// process per worker).
pub fn with_children(pid: u32) -> Vec<u32> {
    let mut pids = vec![pid];
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return pids;
    };
    for task in tasks.flatten() {
        let children = fs::read_to_string(task.path().join("children")).unwrap_or_default();
        pids.extend(
            children
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok()),
        );
    }
    let mut seen = std::collections::HashSet::new();
    pids.retain(|p| seen.insert(*p));
    pids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_fields_after_a_name_with_spaces() {
        let stat = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0";
        let ticks = 300;
        assert_eq!(parse_cpu_time(stat), Some(ticks_to_duration(ticks)));
        assert_eq!(parse_cpu_time("garbage"), None);
    }

    #[test]
    fn parses_status_lines() {
        let status = "Name:\tpython\nVmHWM:\t  151234 kB\nVmRSS:\t  100 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM:"), Some(151_234));
        assert_eq!(parse_status_kib(status, "VmRSS:"), Some(100));
        assert_eq!(parse_status_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(peak_rss(me).unwrap() > 0);
        assert!(current_rss(me).unwrap() > 0);
        assert!(cpu_time(me).is_some());
        assert_eq!(with_children(me)[0], me);
    }
}
