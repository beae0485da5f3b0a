//! Pushing a whole DB file to a peer's `tmp` dir with rsync, as Swift's `_rsync_file` does.

use std::path::Path;
use std::process::{Command, Stdio};

use swift_ring::Device;

/// Swift's `rsync_module_interpolation`: `{ip}`, `{port}`, `{replication_ip}`,
/// `{replication_port}`, `{region}`, `{zone}`, `{device}`, `{meta}` in the module template.
pub fn interpolate_module(template: &str, dev: &Device) -> Result<String, String> {
    let bracket = |ip: &str| {
        if ip.contains(':') {
            format!("[{ip}]")
        } else {
            ip.to_string()
        }
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or_else(|| {
            format!("Cannot interpolate rsync_module: unmatched '{{' in {template}")
        })?;
        let value = match &after[..close] {
            "ip" => bracket(&dev.ip),
            "port" => dev.port.to_string(),
            "replication_ip" => bracket(&dev.replication_ip),
            "replication_port" => dev.replication_port.to_string(),
            "region" => dev.region.to_string(),
            "zone" => dev.zone.to_string(),
            "device" => dev.device.clone(),
            "meta" => dev.meta.clone(),
            other => {
                return Err(format!(
                    "Cannot interpolate rsync_module, invalid variable: '{other}'"
                ))
            }
        };
        out.push_str(&value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// rsync options for one push.
#[derive(Debug, Clone, Copy)]
pub struct RsyncOptions {
    /// `--timeout`, seconds (node_timeout rounded up).
    pub timeout: u64,
    /// `--contimeout`, seconds (conn_timeout rounded up).
    pub contimeout: u64,
    /// `--whole-file` (first pass) or block-level (second pass).
    pub whole_file: bool,
    /// `--compress` (only to other regions, when rsync_compress is on).
    pub compress: bool,
}

/// Runs rsync from `local` to `remote`; true on success.
pub fn rsync_file(local: &Path, remote: &str, opts: RsyncOptions) -> bool {
    let mut cmd = Command::new("rsync");
    cmd.args([
        "--quiet".to_string(),
        "--no-motd".to_string(),
        format!("--timeout={}", opts.timeout),
    ]);
    // rsync refuses --contimeout unless it talks to a daemon; a plain path (tests, or a shared
    // filesystem) gets the copy without it where Swift would fail.
    if is_daemon_target(remote) {
        cmd.arg(format!("--contimeout={}", opts.contimeout));
    }
    if opts.whole_file {
        cmd.arg("--whole-file");
    }
    if opts.compress {
        cmd.arg("--compress");
    }
    cmd.arg(local).arg(remote).stdin(Stdio::null());
    match cmd.status() {
        Ok(status) if status.success() => true,
        Ok(status) => {
            tracing::error!("ERROR rsync failed with {status}: {cmd:?}");
            false
        }
        Err(e) => {
            tracing::error!("ERROR rsync could not run: {e}: {cmd:?}");
            false
        }
    }
}

/// `host::module/...` or `rsync://...`: a destination served by an rsync daemon.
pub fn is_daemon_target(remote: &str) -> bool {
    remote.starts_with("rsync://") || remote.contains("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(ip: &str) -> Device {
        Device {
            id: 3,
            region: 2,
            zone: 4,
            ip: ip.into(),
            port: 6201,
            replication_ip: ip.into(),
            replication_port: 6211,
            device: "sdb1".into(),
            weight: 1.0,
            meta: "m".into(),
        }
    }

    #[test]
    fn module_templates() {
        let d = dev("10.0.0.1");
        assert_eq!(
            interpolate_module("{replication_ip}::container{replication_port}", &d).unwrap(),
            "10.0.0.1::container6211"
        );
        assert_eq!(
            interpolate_module("{ip}:{port}/{region}/{zone}/{device}/{meta}", &d).unwrap(),
            "10.0.0.1:6201/2/4/sdb1/m"
        );
        assert_eq!(
            interpolate_module("{replication_ip}::c", &dev("::1")).unwrap(),
            "[::1]::c"
        );
        assert!(interpolate_module("{nope}::c", &d).is_err());
        assert_eq!(
            interpolate_module("/local/path", &d).unwrap(),
            "/local/path"
        );
    }
}
