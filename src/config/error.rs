//! The errors of configuration, each naming the setting at fault and the fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source} (pass --config FILE, or create one with the keys in s3sync.toml.example)", path = .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}", path = .path.display())]
    Parse { path: PathBuf, message: String },
    #[error("invalid settings:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
    /// A command needs a target and nothing names one.
    #[error(
        "no target: set `[storage] bucket_name` (and `location`) or `to = \"s3://BUCKET/PREFIX\"` in s3sync.toml, set AWS_STORAGE_BUCKET_NAME, or pass --to s3://BUCKET/PREFIX (or --to file://DIR)"
    )]
    NoTarget,
}
