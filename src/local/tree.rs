//! The local side: scan the source, resolve each file's parameters, hash it,
//! and build the manifest of what the bucket should hold (the files, and
//! the `[[redirects]]` objects, see `redirects`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::config::Settings;
use crate::local::cache::{self, HashCache};
use crate::local::encode;
pub use crate::local::error::LocalError;
use crate::local::fingerprints::HashedBy;
use crate::local::hash;
pub use crate::local::keys::{MAX_KEY_BYTES, Source, key_for, key_prefix, manifest_key};
use crate::local::rules::Rules;
use crate::progress::{Event, Observer};
use crate::record::manifest::{Entry, Headers, Manifest};

/// The local tree: the manifest of what the bucket should hold, and where
/// each key's bytes come from.
#[derive(Debug)]
pub struct LocalTree {
    pub manifest: Manifest,
    pub sources: BTreeMap<String, Source>,
    pub warnings: Vec<String>,
    /// Each key taken for a fingerprint: why, and the headers it gets if
    /// its bytes change under its name (`plan::demotion`).
    pub fingerprints: BTreeMap<String, (HashedBy, Headers)>,
}

/// The rules for a source: config rules plus the hashed files among
/// `paths` (the files it publishes): named by its build manifests, matched
/// by `[hashed] patterns`, or found by the conventions. Auto-detected
/// manifests that could not be read are skipped with a warning pushed onto
/// `warnings`.
pub fn rules_for<'a>(
    settings: &Settings,
    source: &std::path::Path,
    paths: impl IntoIterator<Item = &'a str>,
    warnings: &mut Vec<String>,
) -> Result<Rules, LocalError> {
    let mut hashed = crate::local::fingerprints::detect(source, settings, warnings)
        .map_err(|e| LocalError::Rules(vec![e]))?;
    hashed
        .add_conventions(paths, settings)
        .map_err(LocalError::Rules)?;
    Rules::new(settings, hashed).map_err(LocalError::Rules)
}

pub fn build(settings: &Settings, observer: &Arc<dyn Observer>) -> Result<LocalTree, LocalError> {
    let source = settings.source.as_ref().ok_or(LocalError::NoSource)?;
    let (mut scan, _) = crate::local::precompressed::published(source, settings)?;
    let paths: Vec<&str> = scan.files.iter().map(|f| f.path.as_str()).collect();
    let rules = rules_for(settings, source, paths, &mut scan.warnings)?;
    for w in &scan.warnings {
        observer.event(Event::Warning(w));
    }
    observer.event(Event::Scanned {
        files: scan.files.len(),
        bytes: scan.files.iter().map(|f| f.size).sum(),
    });
    let manifest_key = manifest_key(settings);
    let mut keyed = Vec::with_capacity(scan.files.len());
    for file in &scan.files {
        let key = key_for(&settings.prefix, &file.path);
        if key.len() > MAX_KEY_BYTES {
            return Err(LocalError::KeyTooLong {
                path: file.path.clone(),
                len: key.len(),
            });
        }
        if crate::record::is_record_key(&manifest_key, &key) {
            return Err(LocalError::ManifestClash {
                path: file.path.clone(),
                key,
            });
        }
        keyed.push(key);
    }
    let hashes = hash_with_cache(settings, source, &scan.files, observer);
    observer.event(Event::Hashed);
    let mut manifest = Manifest::new(&settings.prefix);
    let mut sources = BTreeMap::new();
    let mut fingerprints = BTreeMap::new();
    for ((file, key), hashed) in scan.files.iter().zip(keyed).zip(hashes) {
        let hashed = hashed.map_err(|e| LocalError::Read {
            path: file.abs.clone(),
            source: e,
        })?;
        let spec = rules.resolve(&file.path);
        if let Some(by) = &spec.hashed_by {
            let unhashed = rules.resolve_unhashed(&file.path).headers;
            fingerprints.insert(key.clone(), (by.clone(), unhashed));
        }
        sources.insert(
            key.clone(),
            Source::File {
                abs: file.abs.clone(),
                encoding: spec.encoding,
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
                fingerprint: spec.hashed_by.is_some(),
                demoted: false,
                retired: None,
                version_id: None,
            },
        );
    }
    crate::local::redirects::add(settings, source, &rules, &mut manifest, &mut sources)?;
    if let Some(w) = crate::local::rules::brotli_warning(settings, &manifest) {
        observer.event(Event::Warning(&w));
    }
    Ok(LocalTree {
        manifest,
        sources,
        warnings: scan.warnings,
        fingerprints,
    })
}

/// Hash every file, taking unchanged files' hashes from the local hash
/// cache when it is on, and write the cache back.
fn hash_with_cache(
    settings: &Settings,
    source: &std::path::Path,
    files: &[crate::local::scan::LocalFile],
    observer: &Arc<dyn Observer>,
) -> Vec<std::io::Result<hash::FileHash>> {
    let on_bytes = |n| observer.event(Event::HashBytes(n));
    let Some(dir) = &settings.hash_cache else {
        let paths: Vec<_> = files.iter().map(|f| (f.abs.as_path(), f.stamp)).collect();
        return hash::hash_all(&paths, hash::default_threads(), &on_bytes);
    };
    let source = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
    let file = HashCache::file_for(dir, &source);
    let cache = HashCache::load(&file, &source);
    let mut out: Vec<Option<std::io::Result<hash::FileHash>>> = files
        .iter()
        .map(|f| {
            let sha256 = cache.lookup(&f.path, f.stamp.as_ref()?)?;
            on_bytes(f.size);
            Some(Ok(hash::FileHash {
                sha256,
                size: f.size,
            }))
        })
        .collect();
    let misses: Vec<usize> = (0..files.len()).filter(|&i| out[i].is_none()).collect();
    if misses.is_empty() && cache.len() == files.len() {
        // Every file hit and nothing else is cached: the cache is current.
        return out.into_iter().flatten().collect();
    }
    let paths: Vec<_> = misses
        .iter()
        .map(|&i| (files[i].abs.as_path(), files[i].stamp))
        .collect();
    let hashed = hash::hash_all(&paths, hash::default_threads(), &on_bytes);
    for (i, h) in misses.into_iter().zip(hashed) {
        out[i] = Some(h);
    }
    let out: Vec<std::io::Result<hash::FileHash>> = out
        .into_iter()
        .map(|h| h.expect("every file is hit or hashed"))
        .collect();
    let entries = files
        .iter()
        .zip(&out)
        .filter_map(|(f, h)| {
            let h = h.as_ref().ok()?;
            let stamp = f.stamp?;
            (h.size == stamp.size).then(|| (f.path.clone(), stamp, h.sha256))
        })
        .collect();
    if let Err(e) = cache::save(&file, &source, entries) {
        observer.event(Event::Warning(&format!(
            "the hash cache {} was not written ({e}); the next run hashes every file. Use --no-cache or set S3SYNC_CACHE_DIR to a writable folder",
            file.display()
        )));
    }
    out
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
            let (abs, encoding) = match source {
                Source::File { abs, encoding } => (abs, *encoding),
                Source::Empty => {
                    return Ok(((*key).clone(), hex::encode(encode::digest_bytes(b"").md5)));
                }
            };
            let digest = match encode::Codec::of(encoding, gzip_level) {
                Some(codec) => {
                    encode::compress_file(abs, codec, encode::MAX_MEMORY).map(|e| e.digests)
                }
                None => encode::digest_file(abs),
            };
            digest
                .map(|d| ((*key).clone(), hex::encode(d.md5)))
                .map_err(|e| LocalError::Read {
                    path: abs.clone(),
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

    fn hashed(settings: &Settings) -> String {
        let observer: Arc<dyn Observer> = Arc::new(crate::progress::Silent);
        build(settings, &observer).unwrap().manifest.entries["a.css"]
            .sha256
            .clone()
    }

    #[test]
    fn the_hash_cache_is_trusted_only_while_the_file_stamp_holds() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir(&site).unwrap();
        let css = site.join("a.css");
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let write = |text: &str| {
            std::fs::write(&css, text).unwrap();
            std::fs::File::options()
                .write(true)
                .open(&css)
                .unwrap()
                .set_modified(an_hour_ago)
                .unwrap();
        };
        write("one");
        let mut settings = crate::config::settings_from_toml(&format!(
            "source = {:?}\nto = \"file://unused\"\n",
            site.to_str().unwrap()
        ));
        settings.hash_cache = Some(dir.path().join("cache"));
        let real_one = hex::encode(encode::digest_bytes(b"one").sha256);
        assert_eq!(hashed(&settings), real_one);

        // A cache entry with the file's exact stamp is believed, even when
        // wrong: proof that the file was not read.
        let source = std::fs::canonicalize(&site).unwrap();
        let file = HashCache::file_for(dir.path().join("cache").as_path(), &source);
        let stamp = crate::local::cache::Stamp::of(&std::fs::metadata(&css).unwrap()).unwrap();
        cache::save(&file, &source, vec![("a.css".into(), stamp, [9; 32])]).unwrap();
        assert_eq!(hashed(&settings), hex::encode([9; 32]));

        // --no-cache ignores it.
        let mut uncached = settings.clone();
        uncached.hash_cache = None;
        assert_eq!(hashed(&uncached), real_one);

        // A same-size edit with the mtime set back still changes the ctime:
        // the wrong entry no longer matches and the file is hashed again.
        cache::save(&file, &source, vec![("a.css".into(), stamp, [9; 32])]).unwrap();
        write("two");
        assert_eq!(
            hashed(&settings),
            hex::encode(encode::digest_bytes(b"two").sha256)
        );
    }

    #[test]
    fn keys_join_prefix_with_a_slash() {
        assert_eq!(key_for("", "a/b.css"), "a/b.css");
        assert_eq!(key_for("static", "a/b.css"), "static/a/b.css");
        assert_eq!(key_prefix(""), "");
        assert_eq!(key_prefix("static"), "static/");
    }
}
