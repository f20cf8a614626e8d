//! The local side: scan the source, resolve each file's parameters, hash it,
//! and build the manifest of what the bucket should hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Settings;
use crate::encode;
use crate::execute::Source;
use crate::hash;
use crate::manifest::{Entry, Manifest};
use crate::progress::{Event, Observer};
use crate::rules::Rules;
use crate::scan::{self, ScanError};

/// S3's limit on key length, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;

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
        "{path} maps to the key {key}, which s3sync uses for its manifest record: rename the file or set [sync] manifest to another name"
    )]
    ManifestClash { path: String, key: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no source folder: pass SOURCE, set `source` in s3sync.toml, or set S3SYNC_SOURCE")]
    NoSource,
}

/// The local tree: the manifest of what the bucket should hold, and where
/// each key's bytes come from.
#[derive(Debug)]
pub struct LocalTree {
    pub manifest: Manifest,
    pub sources: BTreeMap<String, Source>,
    pub warnings: Vec<String>,
}

/// The object key for a source path.
pub fn key_for(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_string()
    } else {
        format!("{prefix}/{path}")
    }
}

/// The key of the remote manifest.
pub fn manifest_key(settings: &Settings) -> String {
    key_for(&settings.prefix, &settings.sync.manifest)
}

/// The rules for a source: config rules plus the hashed files its build
/// manifests name.
pub fn rules_for(settings: &Settings, source: &std::path::Path) -> Result<Rules, LocalError> {
    let hashed = crate::hashed::detect(source, settings).map_err(|e| LocalError::Rules(vec![e]))?;
    Rules::new(settings, hashed).map_err(LocalError::Rules)
}

pub fn build(settings: &Settings, observer: &Arc<dyn Observer>) -> Result<LocalTree, LocalError> {
    let source = settings.source.as_ref().ok_or(LocalError::NoSource)?;
    let scan = scan::scan(source, &settings.filter)?;
    let rules = rules_for(settings, source)?;
    for w in &scan.warnings {
        observer.event(Event::Warning(w));
    }
    observer.event(Event::Scanned {
        files: scan.files.len(),
        bytes: scan.files.iter().map(|f| f.size).sum(),
    });
    let manifest_key = manifest_key(settings);
    let intent_key = crate::intent::intent_key(&manifest_key);
    let mut keyed = Vec::with_capacity(scan.files.len());
    for file in &scan.files {
        let key = key_for(&settings.prefix, &file.path);
        if key.len() > MAX_KEY_BYTES {
            return Err(LocalError::KeyTooLong {
                path: file.path.clone(),
                len: key.len(),
            });
        }
        if key == manifest_key || key == intent_key {
            return Err(LocalError::ManifestClash {
                path: file.path.clone(),
                key,
            });
        }
        keyed.push(key);
    }
    let paths: Vec<&PathBuf> = scan.files.iter().map(|f| &f.abs).collect();
    let hashes = hash::hash_all(&paths, hash::default_threads(), &|n| {
        observer.event(Event::HashBytes(n));
    });
    observer.event(Event::Hashed);
    let mut manifest = Manifest::new(&settings.prefix);
    let mut sources = BTreeMap::new();
    for ((file, key), hashed) in scan.files.iter().zip(keyed).zip(hashes) {
        let hashed = hashed.map_err(|e| LocalError::Read {
            path: file.abs.clone(),
            source: e,
        })?;
        let spec = rules.resolve(&file.path);
        sources.insert(
            key.clone(),
            Source {
                abs: file.abs.clone(),
                gzip: spec.gzip,
            },
        );
        manifest.entries.insert(
            key,
            Entry {
                path: file.path.clone(),
                sha256: hashed.hex(),
                size: hashed.size,
                headers: spec.headers,
                etag: None,
            },
        );
    }
    Ok(LocalTree {
        manifest,
        sources,
        warnings: scan.warnings,
    })
}

/// MD5 (hex) of the bytes s3sync would store for each of `keys`: what S3
/// reports as the ETag of a single-part upload. Needed only to reconcile
/// with a bucket listing.
pub fn stored_etags(
    sources: &BTreeMap<String, Source>,
    keys: &BTreeSet<String>,
    gzip_level: u32,
) -> Result<BTreeMap<String, String>, LocalError> {
    let wanted: Vec<(&String, &Source)> = keys
        .iter()
        .filter_map(|k| sources.get(k).map(|s| (k, s)))
        .collect();
    hash::parallel_map(
        &wanted,
        hash::default_threads(),
        || (),
        |(), (key, source)| {
            let digest = if source.gzip {
                encode::gzip_file(&source.abs, gzip_level, 16 * 1024 * 1024).map(|g| g.digests)
            } else {
                encode::digest_file(&source.abs)
            };
            digest
                .map(|d| ((*key).clone(), hex::encode(d.md5)))
                .map_err(|e| LocalError::Read {
                    path: source.abs.clone(),
                    source: e,
                })
        },
    )
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_join_prefix_with_a_slash() {
        assert_eq!(key_for("", "a/b.css"), "a/b.css");
        assert_eq!(key_for("static", "a/b.css"), "static/a/b.css");
    }
}
