//! What a push leaves in the bucket about itself: the `manifest` (the keys
//! s3sync wrote, with hashes, headers and ETags) and the `intent` written
//! before anything changes; and `fresh_id`, the unique id an intent (or a
//! `check` probe) carries.

use std::sync::atomic::{AtomicU64, Ordering};

pub mod bounds;
pub mod intent;
pub mod manifest;

/// An id no other push (or check) will use: the time in nanoseconds, the
/// process and a per-process counter.
pub fn fresh_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{nanos:x}-{:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
