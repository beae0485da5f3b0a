//! Checks an `X-Container-Sync-To` value with the server's `allowed_sync_hosts` and realms.

use crate::settings::Settings;

/// Swift's `validate_sync_to` for this server; `Err` holds Swift's 400 body.
pub fn validate_sync_to(settings: &Settings, value: &str) -> Result<(), String> {
    swift_common::realms::validate_sync_to(value, &settings.allowed_sync_hosts, &settings.realms)
        .map(|_| ())
}
