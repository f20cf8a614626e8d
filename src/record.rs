//! What a push leaves in the bucket about itself: the `manifest` (the keys
//! s3sync wrote, with hashes, headers and ETags) and the `intent` written
//! before anything changes.

pub mod bounds;
pub mod intent;
pub mod manifest;
