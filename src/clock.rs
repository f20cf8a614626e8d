//! The time s3sync stamps on deploys: `S3SYNC_NOW` (RFC 3339, UTC, e.g.
//! `2026-12-03T10:00:00Z`) when set, a testing aid, else the system clock.

use std::time::SystemTime;

use anyhow::Context;

/// Now, or the time `S3SYNC_NOW` names.
pub fn now() -> anyhow::Result<SystemTime> {
    match std::env::var("S3SYNC_NOW") {
        Ok(text) if !text.is_empty() => humantime::parse_rfc3339_weak(&text).with_context(|| {
            format!(
                "S3SYNC_NOW '{}' is not an RFC 3339 UTC time; write it like 2026-12-03T10:00:00Z, or unset it to use the clock",
                crate::escape::for_terminal(&text)
            )
        }),
        _ => Ok(SystemTime::now()),
    }
}
