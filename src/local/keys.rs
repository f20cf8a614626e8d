//! Object keys of the local side: the key of a source path under the
//! prefix, the record's key, S3's length limit, and where each key's bytes
//! come from. Shared by the tree builder and the redirects.

use std::path::PathBuf;

use crate::config::{Encoding, Settings};

/// What a local key's bytes are.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file of the source, compressed on the way as `encoding` says.
    File { abs: PathBuf, encoding: Encoding },
    /// No bytes at all: the object of a `[[redirects]]` entry.
    Empty,
}

/// S3's limit on key length, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// The object key for a source path.
pub fn key_for(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_string()
    } else {
        format!("{prefix}/{path}")
    }
}

/// The start every key under `prefix` shares: `prefix/` (empty for the
/// whole bucket). What is listed, planned and probed.
pub fn key_prefix(prefix: &str) -> String {
    key_for(prefix, "")
}

/// The key of the remote manifest.
pub fn manifest_key(settings: &Settings) -> String {
    key_for(&settings.prefix, &settings.sync.manifest)
}
