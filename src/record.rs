//! What a push leaves in the bucket about itself: the `manifest` (the keys
//! s3sync wrote, with hashes, `headers`, ETags and versions), the `intent`
//! written before anything changes, and the deploy `history`; plus
//! `fresh_id`, the unique id an intent (or a `check` probe) carries, and
//! `is_record_key`, the one test of which keys are records.

use std::sync::atomic::{AtomicU64, Ordering};

pub mod bounds;
pub mod deploy;
pub mod headers;
pub mod history;
pub mod intent;
pub mod manifest;

/// Whether `key` is one of s3sync's record objects for the manifest at
/// `manifest_key` (the manifest, its intent, a deploy record): never
/// planned as an object, never foreign, never public.
pub fn is_record_key(manifest_key: &str, key: &str) -> bool {
    key == manifest_key
        || key == intent::intent_key(manifest_key)
        || key.starts_with(&history::deploys_folder(manifest_key))
}

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
