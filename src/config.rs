//! Configuration: the file schema, the layering of flags, environment and
//! file into one resolved [`Settings`] value, and the errors that name the
//! setting at fault.

pub mod file;
mod settings;
mod target;
mod validate;

use std::path::PathBuf;

pub use settings::{
    Acl, AddressingStyle, CACHE_CONTROL_IMMUTABLE, CACHE_CONTROL_SHORT, ChecksumMode,
    DEFAULT_GZIP_TYPES, FilterSettings, FollowSymlinks, GlobSpec, GzipSettings, HashedManifests,
    HashedSettings, Multipart, ObjectDefaults, Overrides, PublicSettings, RetryPolicy, RuleSpec,
    S3Settings, Settings, SyncSettings,
};
pub use target::Destination;

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
}

/// Settings from config text as if read from `/p/s3sync.toml`, with no
/// environment and no flags (for tests).
#[cfg(test)]
pub fn settings_from_toml(text: &str) -> Settings {
    let file = file::LoadedFile {
        path: PathBuf::from("/p/s3sync.toml"),
        text: text.into(),
        config: file::parse(text).unwrap(),
    };
    Settings::resolve(
        &Overrides::default(),
        &|_| None,
        Some(&file),
        std::path::Path::new("/"),
    )
    .unwrap()
}
