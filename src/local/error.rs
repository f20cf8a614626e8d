//! Why the local side could not build the tree: each variant names the
//! file, key or setting at fault and the fix.

use std::path::PathBuf;

use crate::local::scan::ScanError;

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("invalid rules or build manifests:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Rules(Vec<String>),
    #[error(
        "the key for {path} would be {len} bytes, over S3's limit of 1024: shorten the path or the location prefix"
    )]
    KeyTooLong { path: String, len: usize },
    #[error(
        "{path} maps to the key {key}, which s3sync uses for its records (the manifest, its intent, the deploy history): rename the file or set [sync] manifest to another name"
    )]
    ManifestClash { path: String, key: String },
    #[error(
        "[[redirects]] at {origin} redirects {}, which is also a file in the source ({}): a key holds a file or a redirect, not both. Remove the file from the build (or `exclude` it), or remove the redirect from the config",
        crate::escape::for_terminal(.from),
        crate::escape::path(.file)
    )]
    RedirectOverFile {
        origin: String,
        from: String,
        file: PathBuf,
    },
    #[error(
        "[[redirects]] at {origin} redirects {} to the key {}, which s3sync uses for its records: change its `from`, or set [sync] manifest to another name",
        crate::escape::for_terminal(.from),
        crate::escape::for_terminal(.key)
    )]
    RedirectOnRecord {
        origin: String,
        from: String,
        key: String,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no source folder: pass SOURCE, set `source` in s3sync.toml, or set S3SYNC_SOURCE")]
    NoSource,
}
