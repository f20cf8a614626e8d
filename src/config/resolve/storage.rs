//! Where from and where to: the `[storage]` table (with a named target laid
//! over it), the source folder, the destination and its prefix, and the
//! public URL settings that go with the bucket.

use std::path::PathBuf;

use super::{Layers, Problems};
use crate::config::file::{FileConfig, StorageSection};
use crate::config::settings::PublicSettings;
use crate::config::target::{Destination, TargetUrl, parse_target};
use crate::config::{defaults, validate};

/// `[storage]`, overlaid with `[targets.NAME]` when `target_name` is set.
pub(super) fn chosen_table(
    config: &FileConfig,
    target_name: Option<&str>,
    problems: &mut Problems,
) -> Option<StorageSection> {
    let Some(name) = target_name else {
        return config.storage.clone();
    };
    if let Some(target) = config.targets.as_ref().and_then(|t| t.get(name)) {
        return Some(config.storage.clone().unwrap_or_default().overlaid(target));
    }
    let known: Vec<&str> = config
        .targets
        .iter()
        .flat_map(|t| t.keys().map(String::as_str))
        .collect();
    problems.push(format!(
        "unknown target '{name}': the config defines {}",
        if known.is_empty() {
            "no [targets.NAME] tables".to_string()
        } else {
            known.join(", ")
        }
    ));
    config.storage.clone()
}

/// The source: flag > env > file (relative to the file) > base > none.
pub(super) fn source(layers: &Layers) -> Option<PathBuf> {
    match (
        &layers.flags.source,
        layers.env("S3SYNC_SOURCE"),
        &layers.config.source,
    ) {
        (Some(p), _, _) => Some(layers.cwd.join(p)),
        (None, Some(p), _) => Some(layers.cwd.join(p)),
        (None, None, Some(p)) => Some(layers.file_dir.join(p)),
        (None, None, None) => layers.base.source.as_ref().map(|p| layers.cwd.join(p)),
    }
}

/// The destination and the key prefix. The target: `--to` > `S3SYNC_TO` >
/// env bucket > file `to` > file `bucket_name`; the prefix: the target
/// URL's path > env location > file `location` > none.
pub(super) fn destination(
    layers: &Layers,
    problems: &mut Problems,
) -> (Option<Destination>, String) {
    let (destination, url_prefix) = target(layers, problems);
    if let Some(Destination::S3 { bucket }) = &destination {
        problems.check(validate::bucket_name(bucket));
    }
    let location = url_prefix
        .or_else(|| layers.env_pair("LOCATION", "AWS_LOCATION").map(|(_, v)| v))
        .or_else(|| layers.storage_key(|s| s.location.as_ref()))
        .unwrap_or_default();
    let prefix = problems
        .check(validate::location(&location))
        .unwrap_or_default();
    (destination, prefix)
}

/// The destination, and the prefix its URL names (if any).
fn target(layers: &Layers, problems: &mut Problems) -> (Option<Destination>, Option<String>) {
    let parsed = |url: &str, base, what: &str, problems: &mut Problems| {
        split(problems.check(parse_target(url, base).map_err(|e| format!("{what}: {e}"))))
    };
    if let Some(url) = &layers.flags.to {
        return parsed(url, layers.cwd, "--to", problems);
    }
    if let Some(url) = layers.env("S3SYNC_TO") {
        return parsed(&url, layers.cwd, "S3SYNC_TO", problems);
    }
    if let Some((_, bucket)) = layers.env_pair("BUCKET_NAME", "AWS_STORAGE_BUCKET_NAME") {
        return (Some(Destination::S3 { bucket }), None);
    }
    let config = layers.config;
    if let Some(url) = &config.to {
        let file_bucket = config.storage.as_ref().and_then(|s| s.bucket_name.as_ref());
        if file_bucket.is_some() {
            problems.push("config sets both `to` and `[storage] bucket_name`: keep one of them");
        }
        return parsed(url, &layers.file_dir, "to", problems);
    }
    match layers.storage_key(|s| s.bucket_name.as_ref()) {
        Some(bucket) => (Some(Destination::S3 { bucket }), None),
        None => (None, None),
    }
}

fn split(target: Option<TargetUrl>) -> (Option<Destination>, Option<String>) {
    target.map_or((None, None), |t| (Some(t.destination), t.prefix))
}

/// How public URLs are built: a custom domain, or presigned URLs.
pub(super) fn public(layers: &Layers, problems: &mut Problems) -> PublicSettings {
    let storage = layers.storage.as_ref();
    let querystring_expire = match layers.env_pair("QUERYSTRING_EXPIRE", "AWS_QUERYSTRING_EXPIRE") {
        Some((name, v)) => problems.check_or(
            v.parse::<u64>()
                .map_err(|_| format!("{name} '{v}' is not a number of seconds")),
            defaults::QUERYSTRING_EXPIRE,
        ),
        None => storage
            .and_then(|s| s.querystring_expire)
            .unwrap_or(defaults::QUERYSTRING_EXPIRE),
    };
    PublicSettings {
        custom_domain: layers.storage_value("CUSTOM_DOMAIN", "AWS_S3_CUSTOM_DOMAIN", |s| {
            s.custom_domain.as_ref()
        }),
        querystring_auth: storage.and_then(|s| s.querystring_auth).unwrap_or(false),
        querystring_expire,
    }
}
