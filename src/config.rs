//! Configuration: the file schema (`file`), the base layer beneath it
//! (`base`: what `manage.py s3sync` derives from Django), the layering of
//! flags, environment, file and base into one resolved [`Settings`] value (`resolve`,
//! one function per section), the resolved types (`settings`), the
//! defaults, and the errors that name the setting at fault.

mod base;
mod defaults;
mod error;
pub mod file;
mod resolve;
mod settings;
mod target;
mod validate;

pub use defaults::{
    CACHE_CONTROL_IMMUTABLE, CACHE_CONTROL_SHORT, DEFAULT_GZIP_TYPES, KEEP_REMOVED_FINGERPRINTS,
};
pub use error::ConfigError;
pub use settings::{
    Acl, AddressingStyle, CdnSettings, ChecksumMode, Encoding, FilterSettings, FollowSymlinks,
    GlobSpec, GzipSettings, HashedDetect, HashedManifests, HashedSettings, Multipart,
    ObjectDefaults, Overrides, Precompressed, PublicSettings, RedirectSpec, RetryPolicy, RuleSpec,
    S3Settings, Settings, SetupSettings, SyncSettings, WebsiteSettings,
};
pub use target::Destination;

/// Settings from config text as if read from `/p/s3sync.toml`, with no
/// environment and no flags (for tests).
#[cfg(test)]
pub fn settings_from_toml(text: &str) -> Settings {
    let file = file::LoadedFile {
        path: std::path::PathBuf::from("/p/s3sync.toml"),
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
