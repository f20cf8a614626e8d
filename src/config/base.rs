//! The base layer: settings derived from another tool's configuration,
//! beneath the config file. `python manage.py s3sync` (the `s3sync_django`
//! app) reads Django's settings (`STATIC_ROOT`, the django-storages options)
//! and passes them here as one JSON document in `S3SYNC_BASE_CONFIG`, with
//! the shape of `s3sync.toml` (`source`, `[storage]`, `[gzip]`).
//!
//! It is the lowest layer above the defaults, so every key an `s3sync.toml`
//! sets wins over the derived one: flag > `S3SYNC_*` env > django-storages
//! env > file > base > default. Credentials have no key here: they stay with
//! the AWS credential chain.

use serde::Deserialize;

use super::file::{GzipSection, StorageSection};

/// The environment variable that holds the base layer.
pub(super) const BASE_CONFIG_ENV: &str = "S3SYNC_BASE_CONFIG";

/// What the base layer may set: a subset of the file's schema.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct BaseConfig {
    /// The folder to publish (Django's `STATIC_ROOT`), relative to the
    /// working directory.
    pub(super) source: Option<String>,
    pub(super) storage: Option<StorageSection>,
    pub(super) gzip: Option<GzipSection>,
}

impl BaseConfig {
    /// The base layer from its JSON text; the error names the variable and
    /// the fix.
    pub(super) fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| {
            format!(
                "{BASE_CONFIG_ENV} is not a valid base config ({e}): it is a JSON object with the \
                 keys of s3sync.toml (source, storage, gzip), normally set by `python manage.py \
                 s3sync`; unset it to run without it"
            )
        })
    }

    /// The file's `[storage]` table (after the named target) laid over the
    /// base one: each key the file sets wins.
    pub(super) fn storage_under(&self, file: Option<StorageSection>) -> Option<StorageSection> {
        match (&self.storage, file) {
            (Some(base), Some(file)) => Some(base.overlaid(&file)),
            (Some(base), None) => Some(base.clone()),
            (None, file) => file,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_key_wins_and_a_base_key_fills_in() {
        let base = BaseConfig::parse(
            r#"{"source": "/app/staticfiles", "storage": {"bucket_name": "from-django",
                "location": "static", "querystring_expire": 60}}"#,
        )
        .unwrap();
        let file = StorageSection {
            bucket_name: Some("from-file".into()),
            ..StorageSection::default()
        };
        let merged = base.storage_under(Some(file)).unwrap();
        assert_eq!(merged.bucket_name.as_deref(), Some("from-file"));
        assert_eq!(merged.location.as_deref(), Some("static"));
        assert_eq!(merged.querystring_expire, Some(60));
    }

    #[test]
    fn an_unknown_key_is_refused_with_the_variable_name() {
        let err = BaseConfig::parse(r#"{"storage": {"access_key": "AKIA"}}"#).unwrap_err();
        assert!(err.contains("S3SYNC_BASE_CONFIG"), "{err}");
        assert!(err.contains("access_key"), "{err}");
    }
}
