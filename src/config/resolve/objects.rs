//! What each object gets: the default parameters and ACL, the Cache-Control
//! of fingerprinted files, gzip, and the `[[rules]]` that override them.

use std::collections::BTreeMap;

use super::{Layers, Problems, parse_bool};
use crate::config::defaults::{self, CACHE_CONTROL_IMMUTABLE, DEFAULT_GZIP_TYPES};
use crate::config::file::{ObjectParameters, OneOrMany};
use crate::config::settings::{
    Acl, Encoding, GlobSpec, GzipSettings, HashedDetect, HashedManifests, HashedSettings,
    ObjectDefaults, Precompressed, RuleSpec,
};
use crate::config::validate;

/// `object_parameters` (or `AWS_S3_OBJECT_PARAMETERS` as JSON) and the
/// default ACL.
pub(super) fn defaults(layers: &Layers, problems: &mut Problems) -> ObjectDefaults {
    let storage = layers.storage.as_ref();
    let params: ObjectParameters = match layers.env_pair("OBJECT_PARAMETERS", "AWS_S3_OBJECT_PARAMETERS") {
        Some((name, json)) => problems
            .check(serde_json::from_str(&json).map_err(|e| {
                format!("{name} is not a JSON object of object parameters ({e}): e.g. {{\"CacheControl\": \"max-age=86400\"}}")
            }))
            .unwrap_or_default(),
        None => storage
            .and_then(|s| s.object_parameters.clone())
            .unwrap_or_default(),
    };
    let acl_text = layers
        .env_pair("DEFAULT_ACL", "AWS_DEFAULT_ACL")
        .map(|(_, v)| {
            // django-storages' `AWS_DEFAULT_ACL = None`.
            if v.is_empty() || v == "None" {
                "none".into()
            } else {
                v
            }
        })
        .or_else(|| storage.and_then(|s| s.default_acl.clone()))
        .unwrap_or_else(|| defaults::ACL.into());
    let acl = problems.check_or(
        parse_acl(&acl_text).map_err(|e| format!("default_acl: {e}")),
        Acl::Omit,
    );
    let metadata = params.metadata.unwrap_or_default();
    check_metadata("object_parameters Metadata", &metadata, problems);
    let mut header = |what: &str, v: Option<String>| {
        if let Some(v) = &v {
            problems.check(validate::header_value(what, v));
        }
        v
    };
    let cache_control = header("object_parameters CacheControl", params.cache_control);
    let content_disposition = header(
        "object_parameters ContentDisposition",
        params.content_disposition,
    );
    let content_language = header("object_parameters ContentLanguage", params.content_language);
    let storage_class = header("object_parameters StorageClass", params.storage_class);
    ObjectDefaults {
        acl,
        cache_control,
        content_disposition,
        content_language,
        metadata,
        storage_class,
    }
}

/// `[hashed]`: which build manifests name fingerprinted files, and their
/// Cache-Control.
pub(super) fn hashed(layers: &Layers, problems: &mut Problems) -> HashedSettings {
    let section = layers.config.hashed.as_ref();
    let manifests = match section.and_then(|h| h.manifests.clone()) {
        None => HashedManifests::Auto,
        Some(OneOrMany::One(m)) if m == "auto" => HashedManifests::Auto,
        Some(OneOrMany::One(m)) if m == "none" => HashedManifests::Off,
        Some(OneOrMany::One(m)) => HashedManifests::Paths(vec![m]),
        Some(OneOrMany::Many(v)) => HashedManifests::Paths(v),
    };
    let detect = match section.and_then(|h| h.detect.as_deref()) {
        None | Some("all") => HashedDetect::All,
        Some("folders") => HashedDetect::Folders,
        Some("manifests") => HashedDetect::Manifests,
        Some(other) => {
            problems.push(format!(
                "[hashed] detect '{other}' is not one of \"all\" (build manifests, framework folders and hashed names), \"folders\" (manifests and framework folders) or \"manifests\" (manifests only)"
            ));
            HashedDetect::All
        }
    };
    let patterns = layers.globs(section.and_then(|h| h.patterns.as_ref()));
    let exclude = layers.globs(section.and_then(|h| h.exclude.as_ref()));
    let cache_control = section
        .and_then(|h| h.cache_control.clone())
        .unwrap_or_else(|| CACHE_CONTROL_IMMUTABLE.into());
    problems.check(validate::header_value(
        "[hashed] cache_control",
        &cache_control,
    ));
    let other_cache_control = section.and_then(|h| h.other_cache_control.clone());
    if let Some(v) = &other_cache_control {
        problems.check(validate::header_value("[hashed] other_cache_control", v));
    }
    HashedSettings {
        manifests,
        detect,
        patterns,
        exclude,
        cache_control,
        other_cache_control,
    }
}

/// `[gzip]`, or `S3SYNC_GZIP` / `AWS_IS_GZIPPED`, `S3SYNC_GZIP_ENCODING`
/// and `GZIP_CONTENT_TYPES`, or the base layer's `gzip`.
pub(super) fn gzip(layers: &Layers, problems: &mut Problems) -> GzipSettings {
    let section = layers.config.gzip.as_ref();
    let base = layers.base.gzip.as_ref();
    let enabled = layers
        .env_pair("GZIP", "AWS_IS_GZIPPED")
        .and_then(|(name, v)| parse_bool(&name, &v, problems))
        .or_else(|| section.and_then(|g| g.enabled))
        .or_else(|| base.and_then(|g| g.enabled))
        .unwrap_or(true);
    let encoding = layers
        .env("S3SYNC_GZIP_ENCODING")
        .map(|v| ("S3SYNC_GZIP_ENCODING", v))
        .or_else(|| {
            section
                .and_then(|g| g.encoding.clone())
                .map(|v| ("[gzip] encoding", v))
        })
        .map_or(defaults::ENCODING, |(name, v)| {
            parse_encoding(name, &v, problems).unwrap_or(defaults::ENCODING)
        });
    let content_types = layers
        .env_pair("GZIP_CONTENT_TYPES", "GZIP_CONTENT_TYPES")
        .map(|(_, v)| {
            v.split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .or_else(|| section.and_then(|g| g.content_types.clone()))
        .or_else(|| base.and_then(|g| g.content_types.clone()))
        .unwrap_or_else(|| {
            DEFAULT_GZIP_TYPES
                .iter()
                .map(|t| (*t).to_string())
                .collect()
        });
    let level = section
        .and_then(|g| g.level)
        .or_else(|| base.and_then(|g| g.level))
        .unwrap_or(defaults::GZIP_LEVEL);
    if level > 9 {
        problems.push(format!(
            "[gzip] level is {level}: use 1 (fastest) to 9 (smallest)"
        ));
    }
    GzipSettings {
        enabled,
        encoding: if enabled { encoding } else { Encoding::None },
        content_types,
        level: level.clamp(1, 9),
        precompressed: precompressed(section.and_then(|g| g.precompressed.as_deref()), problems),
    }
}

/// `[gzip] precompressed`: "skip" (the default) or "upload".
fn precompressed(value: Option<&str>, problems: &mut Problems) -> Precompressed {
    match value {
        None => defaults::PRECOMPRESSED,
        Some("skip") => Precompressed::Skip,
        Some("upload") => Precompressed::Upload,
        Some(other) => {
            problems.push(format!(
                "[gzip] precompressed = {other:?} is not a known value: use \"skip\" (the default: leave out a .gz or .br file whose uncompressed file is published) or \"upload\" (upload it too)"
            ));
            defaults::PRECOMPRESSED
        }
    }
}

/// `[[rules]]`, in order, each with the line it was written on.
pub(super) fn rules(layers: &Layers, problems: &mut Problems) -> Vec<RuleSpec> {
    let mut rules = Vec::new();
    for (i, rule) in layers.config.rules.iter().flatten().enumerate() {
        let at = layers.origin(rule.pattern.span().start);
        let what = |field: &str| format!("rule {} ({at}) {field}", i + 1);
        for (field, value) in [
            ("cache_control", &rule.cache_control),
            ("content_type", &rule.content_type),
            ("content_disposition", &rule.content_disposition),
        ] {
            if let Some(v) = value {
                problems.check(validate::header_value(&what(field), v));
            }
        }
        if let Some(metadata) = &rule.metadata {
            check_metadata(&what("metadata"), metadata, problems);
        }
        let encoding = rule
            .encoding
            .as_ref()
            .and_then(|e| parse_encoding(&what("encoding"), e, problems));
        if rule.gzip.is_some() && rule.encoding.is_some() {
            problems.push(format!(
                "rule {} ({at}) sets both `gzip` and `encoding`: keep `encoding` (gzip = false is encoding = \"none\")",
                i + 1
            ));
        }
        let acl = rule.acl.as_ref().and_then(|a| {
            problems.check(parse_acl(a).map_err(|e| format!("{}: {e}", what("acl"))))
        });
        rules.push(RuleSpec {
            glob: GlobSpec {
                pattern: rule.pattern.get_ref().clone(),
                origin: at.clone(),
            },
            cache_control: rule.cache_control.clone(),
            content_type: rule.content_type.clone(),
            gzip: rule.gzip,
            encoding,
            acl,
            metadata: rule.metadata.clone(),
            content_disposition: rule.content_disposition.clone(),
        });
    }
    rules
}

/// `"gzip"`, `"br"` or `"none"`, else a problem naming `what`.
fn parse_encoding(what: &str, value: &str, problems: &mut Problems) -> Option<Encoding> {
    let parsed = Encoding::parse(value);
    if parsed.is_none() {
        problems.push(format!(
            "{what} is {value:?}: use \"gzip\" (every client decodes it), \"br\" (brotli: only where every client accepts it, e.g. behind a CDN over HTTPS) or \"none\" (the bytes as they are; a CDN can compress them per client)"
        ));
    }
    parsed
}

/// A canned ACL, or `none`: send no ACL header.
fn parse_acl(value: &str) -> Result<Acl, String> {
    validate::acl(value)?;
    Ok(if value == "none" {
        Acl::Omit
    } else {
        Acl::Canned(value.to_string())
    })
}

fn check_metadata(what: &str, metadata: &BTreeMap<String, String>, problems: &mut Problems) {
    for (k, v) in metadata {
        problems.check(validate::metadata_key(what, k));
        problems.check(validate::header_value(&format!("{what} '{k}'"), v));
    }
}
