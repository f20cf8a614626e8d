//! One resolved [`Settings`] value from flags > `S3SYNC_*` env >
//! django-storages env > file > base (`S3SYNC_BASE_CONFIG`) > default. This is the only place that layers
//! them; the engine reads nothing else.
//!
//! [`Settings::resolve`] reads the [`Layers`] once, then asks one function
//! per section (in `resolve/`). Each section reports what is wrong to
//! [`Problems`] and goes on with a default, so the user sees every problem
//! at once.

mod cdn;
mod local;
mod objects;
mod redirects;
mod s3;
mod setup;
mod storage;
mod sync;

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::base::{BASE_CONFIG_ENV, BaseConfig};
use super::error::ConfigError;
use super::file::{FileConfig, LoadedFile, StorageSection};
use super::settings::{GlobSpec, Overrides, Settings};

/// Environment lookups, injected so resolution is a pure function in tests.
pub(super) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Layer flags, environment and file into one value, or list every
    /// problem found.
    pub fn resolve(
        flags: &Overrides,
        env: Env,
        file: Option<&LoadedFile>,
        cwd: &Path,
    ) -> Result<Self, ConfigError> {
        let mut problems = Problems::default();
        let layers = Layers::new(flags, env, file, cwd, &mut problems);
        let (destination, prefix) = storage::destination(&layers, &mut problems);
        // Sections are resolved in the order written, which is the order
        // their problems are listed in.
        let settings = Self {
            config_file: file.map(|f| f.path.clone()),
            source: storage::source(&layers),
            destination,
            prefix,
            s3: s3::settings(&layers, &mut problems),
            objects: objects::defaults(&layers, &mut problems),
            hashed: objects::hashed(&layers, &mut problems),
            gzip: objects::gzip(&layers, &mut problems),
            rules: objects::rules(&layers, &mut problems),
            filter: local::filter(&layers, &mut problems),
            sync: sync::settings(&layers, &mut problems),
            public: storage::public(&layers, &mut problems),
            hash_cache: local::hash_cache(&layers, &mut problems),
            redirects: redirects::redirects(&layers, &mut problems),
            setup: setup::settings(&layers, &mut problems),
            cdn: cdn::settings(&layers, &mut problems),
            target_name: layers.target_name,
        };
        problems.into_result(settings)
    }
}

/// Collects every problem so the user sees them all at once.
#[derive(Debug, Default)]
struct Problems(Vec<String>);

impl Problems {
    /// Report a problem; the caller goes on with a default.
    fn push(&mut self, message: impl Into<String>) {
        self.0.push(message.into());
    }

    /// The value, or `None` with its error reported.
    fn check<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    /// The value, or `fallback` with the error reported.
    fn check_or<T>(&mut self, result: Result<T, String>, fallback: T) -> T {
        self.check(result).unwrap_or(fallback)
    }

    fn into_result<T>(self, value: T) -> Result<T, ConfigError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ConfigError::Invalid(self.0))
        }
    }
}

/// What resolution reads: the flags, the environment, the config file (or
/// an empty one), its `[storage]` table with the chosen named target laid
/// over it, and the folders relative paths start from.
struct Layers<'a> {
    flags: &'a Overrides,
    env: Env<'a>,
    file: Option<&'a LoadedFile>,
    config: &'a FileConfig,
    /// `[storage]`, overlaid with `[targets.NAME]` when a target is chosen.
    storage: Option<StorageSection>,
    target_name: Option<String>,
    /// Where flags and environment paths are relative to.
    cwd: &'a Path,
    /// Where config file paths are relative to (the working directory when
    /// there is no file).
    file_dir: PathBuf,
    /// The layer beneath the file (`S3SYNC_BASE_CONFIG`); its `[storage]`
    /// is already under `storage`.
    base: BaseConfig,
}

/// The config of a run without a config file.
static EMPTY_CONFIG: std::sync::LazyLock<FileConfig> =
    std::sync::LazyLock::new(FileConfig::default);

impl<'a> Layers<'a> {
    fn new(
        flags: &'a Overrides,
        env: Env<'a>,
        file: Option<&'a LoadedFile>,
        cwd: &'a Path,
        problems: &mut Problems,
    ) -> Self {
        let config = file.map_or(&*EMPTY_CONFIG, |f| &f.config);
        let target_name = flags
            .target
            .clone()
            .or_else(|| env("S3SYNC_TARGET"))
            .or_else(|| config.default_target.clone());
        let base = env(BASE_CONFIG_ENV)
            .and_then(|json| problems.check(BaseConfig::parse(&json)))
            .unwrap_or_default();
        let storage = storage::chosen_table(config, target_name.as_deref(), problems);
        let storage = base.storage_under(storage);
        Self {
            flags,
            env,
            file,
            config,
            storage,
            target_name,
            cwd,
            file_dir: file.map_or(cwd.to_path_buf(), |f| cwd.join(f.dir())),
            base,
        }
    }

    fn env(&self, name: &str) -> Option<String> {
        (self.env)(name)
    }

    /// First of `S3SYNC_<ours>` then the django-storages variable, with the
    /// name of the one that was set.
    fn env_pair(&self, ours: &str, django: &str) -> Option<(String, String)> {
        let ours = format!("S3SYNC_{ours}");
        if let Some(v) = self.env(&ours) {
            return Some((ours, v));
        }
        self.env(django).map(|v| (django.to_string(), v))
    }

    /// A `[storage]` key (after the named target's overlay).
    fn storage_key(&self, get: fn(&StorageSection) -> Option<&String>) -> Option<String> {
        self.storage.as_ref().and_then(get).cloned()
    }

    /// `S3SYNC_<ours>`, else the django-storages variable, else the
    /// `[storage]` key.
    fn storage_value(
        &self,
        ours: &str,
        django: &str,
        get: fn(&StorageSection) -> Option<&String>,
    ) -> Option<String> {
        self.env_pair(ours, django)
            .map(|(_, v)| v)
            .or_else(|| self.storage_key(get))
    }

    /// Where a byte offset of the config file is, for messages:
    /// `s3sync.toml line 7`.
    fn origin(&self, offset: usize) -> String {
        match self.file {
            Some(f) => format!("{} line {}", f.path.display(), f.line_of(offset)),
            None => "config".to_string(),
        }
    }

    /// A glob list of the file, each glob with where it was written.
    fn globs(&self, list: Option<&Vec<Spanned<String>>>) -> Vec<GlobSpec> {
        list.into_iter()
            .flatten()
            .map(|g| GlobSpec {
                pattern: g.get_ref().clone(),
                origin: self.origin(g.span().start),
            })
            .collect()
    }
}

/// A boolean environment variable; anything else is a problem.
fn parse_bool(name: &str, value: &str, problems: &mut Problems) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => {
            problems.push(format!(
                "{name} '{value}' is not a boolean: use true or false"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests;
