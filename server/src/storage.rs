//! Where a container's DB lives and whether its drive may be used: Swift's `check_drive`
//! (a drive name that cannot escape the devices dir, a directory or a mount point), the
//! `fallocate_reserve` free-space check, and the broker for a request's container.

use crate::app::AppState;
use crate::error::ApiError;
use crate::request::Placement;
use crate::settings::Settings;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use swift_common::config::FallocateReserve;
use swift_common::db::ContainerBroker;
use swift_common::hash::hash_path;

/// Swift's `check_drive`: the drive name must be unchanged by `quote_plus` (so no `/`, `..` or
/// odd bytes reach the filesystem) and be a directory, or a mount point when `mount_check`.
/// Any failure is a 507 naming the drive.
pub fn check_drive(settings: &Settings, drive: &str) -> Result<PathBuf, ApiError> {
    let fail = || ApiError::InsufficientStorage(drive.to_string());
    if drive.is_empty() || !drive.bytes().all(is_quote_plus_safe) {
        return Err(fail());
    }
    let path = settings.devices.join(drive);
    let ok = if settings.mount_check {
        is_mount(&path)
    } else {
        path.is_dir()
    };
    if ok {
        Ok(path)
    } else {
        Err(fail())
    }
}

/// Bytes Python's `quote_plus` leaves alone.
fn is_quote_plus_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~')
}

/// Swift's `ismount`: a directory whose device differs from its parent's, or whose inode is the
/// parent's (the root); a symlink is never a mount point.
pub fn is_mount(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return false;
    }
    let Ok(parent) = std::fs::metadata(path.join("..")) else {
        return false;
    };
    meta.dev() != parent.dev() || meta.ino() == parent.ino()
}

/// Swift's `fs_has_free_space` with `fallocate_reserve`: false (507) when the drive's free space
/// is below the reserve (bytes, or percent of the filesystem).
pub fn check_free_space(
    settings: &Settings,
    drive_path: &Path,
    drive: &str,
) -> Result<(), ApiError> {
    let Some((free_bytes, free_percent)) = free_space(drive_path) else {
        return Ok(());
    };
    let enough = match settings.fallocate_reserve {
        FallocateReserve::Percent(p) => free_percent >= p,
        FallocateReserve::Bytes(b) => free_bytes as f64 >= b as f64,
    };
    if enough {
        Ok(())
    } else {
        Err(ApiError::InsufficientStorage(drive.to_string()))
    }
}

/// (free bytes for unprivileged users, free percent) of the filesystem holding `path`.
fn free_space(path: &Path) -> Option<(u64, f64)> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only writes into the zeroed struct we own; the path is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut st) };
    if rc != 0 || st.f_blocks == 0 {
        return None;
    }
    let free = st.f_bavail as u64 * st.f_frsize as u64;
    let percent = 100.0 * st.f_bavail as f64 / st.f_blocks as f64;
    Some((free, percent))
}

/// The directory holding a container's DB files:
/// `<devices>/<drive>/containers/<part>/<last 3 hex of hash>/<hash>`.
pub fn container_db_dir(settings: &Settings, placement: &Placement) -> PathBuf {
    let hash = hash_path(
        &settings.hash_salt,
        &placement.account,
        Some(&placement.container),
        None,
    );
    let suffix = &hash[hash.len().saturating_sub(3)..];
    // Swift uses the partition string as given (it need not be a number).
    settings
        .devices
        .join(&placement.drive)
        .join("containers")
        .join(&placement.part)
        .join(suffix)
        .join(&hash)
}

/// The shared broker for the request's container.
pub fn broker_for(state: &AppState, placement: &Placement) -> Arc<ContainerBroker> {
    let dir = container_db_dir(&state.settings, placement);
    state
        .brokers
        .get_or_open(&dir, &placement.account, &placement.container)
}
