//! Fingerprinted build outputs. Build tools write a manifest of the files
//! whose names carry a content hash (Django's `ManifestStaticFilesStorage`
//! writes `staticfiles.json`; Vite `.vite/manifest.json`; webpack and
//! Create React App `manifest.json` / `asset-manifest.json`). Those files can
//! be cached forever, and so can a hashed bundle's source map
//! (`app.3f2a.js.map`); everything else needs a short cache. `names` maps
//! original paths to hashed ones, as Django's `{% static %}` does.
//!
//! A manifest is read only if it is a regular file, at most
//! [`MAX_MANIFEST_BYTES`], whose real path obeys the symlink rule (`links`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::config::{FollowSymlinks, HashedManifests, Settings};
use crate::local::links::is_system;
use crate::local::regular::CappedError;

pub mod conventions;
pub mod names;
pub mod token;

/// Where auto-detection looks, relative to the source.
pub const AUTO_PATHS: &[&str] = &[
    "staticfiles.json",
    ".vite/manifest.json",
    "manifest.json",
    "asset-manifest.json",
];

/// Why a file is taken for a fingerprint (content-hashed, so immutable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashedBy {
    /// A build manifest names it (the manifest's source-relative path).
    Manifest(String),
    /// A `[hashed] patterns` glob matches it (the glob and where it is set).
    Pattern(String),
    /// It is in a framework's immutable output folder.
    Folder {
        folder: String,
        framework: &'static str,
    },
    /// Its name carries a content hash (the name rule).
    Name { token: String },
    /// Its name carries a digit-less hash: a sibling's name proves the
    /// folder's hashes have that shape.
    Sibling { token: String, sibling: String },
}

impl HashedBy {
    /// How to stop `path` being taken for a fingerprint this way.
    pub fn opt_out(&self, path: &str) -> String {
        let exclude = format!("`[hashed] exclude = [\"{path}\"]`");
        match self {
            Self::Manifest(m) => format!("{exclude} (the build manifest {m} names it)"),
            Self::Pattern(glob) => format!("narrow the glob {glob}, or {exclude}"),
            Self::Folder { .. } => format!("{exclude}, or `[hashed] detect = \"manifests\"`"),
            Self::Name { .. } | Self::Sibling { .. } => {
                format!("{exclude}, or `[hashed] detect = \"folders\"` (no name rule)")
            }
        }
    }
}

impl std::fmt::Display for HashedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Manifest(m) => write!(f, "{m} names it as a hashed file"),
            Self::Pattern(glob) => write!(f, "[hashed] patterns: {glob} matches it"),
            Self::Folder { folder, framework } => write!(
                f,
                "it is in {folder}, {framework}'s folder of content-hashed files"
            ),
            Self::Name { token } => write!(f, "its name carries the content hash {token}"),
            Self::Sibling { token, sibling } => write!(
                f,
                "its name carries the content hash {token} (shaped like the hash in {sibling})"
            ),
        }
    }
}

/// Hashed outputs found in the source's build manifests, patterns, folders
/// and names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashed {
    /// Manifests in use (source-relative paths).
    pub manifests: Vec<String>,
    /// Hashed file path → why it is taken for one.
    pub files: BTreeMap<String, HashedBy>,
    /// Original path → (its hashed path, the manifest that maps it), for
    /// `s3sync url` (see `names`).
    pub names: BTreeMap<String, (String, String)>,
}

impl Hashed {
    /// Whether the tree is fingerprint-aware (a manifest is in use or some
    /// file is hashed): then every other file gets the short cache.
    pub fn active(&self) -> bool {
        !self.manifests.is_empty() || !self.files.is_empty()
    }

    /// Why `path` is hashed: it is, or it is the source map of a bundle
    /// that is (see [`Hashed::map_of`]).
    pub fn reason_for(&self, path: &str) -> Option<&HashedBy> {
        self.files
            .get(path)
            .or_else(|| self.files.get(self.map_of(path)?))
    }

    /// Add what the conventions find among `paths` (the files a push
    /// would publish; a file a manifest names keeps that reason), then drop
    /// what `[hashed] exclude` matches, whatever named it.
    pub fn add_conventions<'a>(
        &mut self,
        paths: impl IntoIterator<Item = &'a str>,
        settings: &Settings,
    ) -> Result<(), Vec<String>> {
        for (path, by) in conventions::detect(paths, &settings.hashed)? {
            self.files.entry(path).or_insert(by);
        }
        if !settings.hashed.exclude.is_empty() {
            let exclude = crate::local::globs::GlobList::new(&settings.hashed.exclude).map_err(
                |problems| {
                    problems
                        .into_iter()
                        .map(|p| format!("[hashed] exclude: {p}"))
                        .collect::<Vec<_>>()
                },
            )?;
            self.files.retain(|path, _| !exclude.is_match(path));
        }
        Ok(())
    }

    /// The hashed bundle `path` is the source map of, when no manifest
    /// names `path` itself: `app.3f2a.js` for `app.3f2a.js.map`. A source
    /// map changes only with its bundle, so it is as immutable.
    pub fn map_of<'a>(&self, path: &'a str) -> Option<&'a str> {
        if self.files.contains_key(path) {
            return None;
        }
        path.strip_suffix(".map")
            .filter(|bundle| self.files.contains_key(*bundle))
    }
}

fn normalise(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_start_matches('/')
        .to_string()
}

/// The output paths a manifest names as hashed, or `None` when the JSON is
/// not a manifest of a known kind (a PWA `manifest.json`, say).
pub fn hashed_outputs(json: &Value) -> Option<BTreeSet<String>> {
    let map = json.as_object()?;
    // Django: {"paths": {"css/app.css": "css/app.4f1c.css"}, "version": ...}
    if let Some(paths) = map.get("paths").and_then(Value::as_object)
        && map.contains_key("version")
    {
        return Some(
            paths
                .iter()
                .filter_map(|(original, hashed)| {
                    hashed.as_str().filter(|h| h != original).map(normalise)
                })
                .collect(),
        );
    }
    // Create React App: {"files": {"main.js": "/static/js/main.1a2b.js"}, ...}
    if let Some(files) = map.get("files").and_then(Value::as_object) {
        return Some(
            files
                .values()
                .filter_map(Value::as_str)
                .map(normalise)
                .collect(),
        );
    }
    // Vite: {"src/main.ts": {"file": "assets/main-4889e940.js", "css": [..], "assets": [..]}}
    if !map.is_empty()
        && map
            .values()
            .all(|v| v.get("file").is_some_and(Value::is_string))
    {
        let mut out = BTreeSet::new();
        for chunk in map.values() {
            out.extend(chunk.get("file").and_then(Value::as_str).map(normalise));
            for list in ["css", "assets"] {
                let names = chunk
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                out.extend(names.filter_map(Value::as_str).map(normalise));
            }
        }
        return Some(out);
    }
    // webpack-manifest-plugin: {"main.js": "main.1a2b3c.js", ...}
    if !map.is_empty() && map.values().all(Value::is_string) {
        return Some(
            map.iter()
                .filter_map(|(k, v)| {
                    v.as_str()
                        .filter(|v| normalise(v) != normalise(k))
                        .map(normalise)
                })
                .collect(),
        );
    }
    None
}

/// The largest build manifest read (real ones are well under a megabyte).
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

/// Why a manifest was not read.
enum Unread {
    Missing,
    Refused(String),
}

/// Read one manifest: a regular file under [`MAX_MANIFEST_BYTES`], whose
/// real path is inside `root` (the canonical source) unless `[scan]
/// follow_symlinks = "outside"` allows a link out, and never under /proc,
/// /sys or /dev. The read stops past the cap whatever size the file claims,
/// and a FIFO is refused without waiting for a writer.
fn read_manifest(root: &Path, path: &Path, mode: FollowSymlinks) -> Result<Vec<u8>, Unread> {
    let real = match std::fs::canonicalize(path) {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unread::Missing),
        Err(e) => return Err(Unread::Refused(e.to_string())),
    };
    if !real.starts_with(root) && (mode != FollowSymlinks::Outside || is_system(&real)) {
        return Err(Unread::Refused(format!(
            "it leads outside the source, to {} (see `[scan] follow_symlinks`)",
            real.display()
        )));
    }
    match std::fs::metadata(&real) {
        Ok(m) if !m.is_file() => {
            return Err(Unread::Refused(format!(
                "it is {}, not a regular file",
                crate::local::regular::kind(&m)
            )));
        }
        Ok(_) => {}
        Err(e) => return Err(Unread::Refused(e.to_string())),
    }
    // Checked again on the open file (it may have been swapped since).
    crate::local::regular::read_capped(&real, MAX_MANIFEST_BYTES).map_err(|e| match e {
        CappedError::TooLarge { .. } => Unread::Refused(format!(
            "it is larger than {} MiB, the limit for a build manifest",
            MAX_MANIFEST_BYTES >> 20
        )),
        CappedError::Io(e) => Unread::Refused(e.to_string()),
    })
}

/// Read the configured (or auto-detected) manifests under `source`.
///
/// A manifest named in `[hashed] manifests` that cannot be read (missing,
/// not a regular file, over the size cap, a link out of the source) is an
/// error. An auto-detected one is skipped with a warning pushed onto
/// `warnings`: the push goes on without it (its hashed files get the short
/// cache).
pub fn detect(
    source: &Path,
    settings: &Settings,
    warnings: &mut Vec<String>,
) -> Result<Hashed, String> {
    let (candidates, explicit): (Vec<String>, bool) = match &settings.hashed.manifests {
        HashedManifests::Off => return Ok(Hashed::default()),
        HashedManifests::Auto => (AUTO_PATHS.iter().map(|p| (*p).to_string()).collect(), false),
        HashedManifests::Paths(paths) => (paths.clone(), true),
    };
    let root = std::fs::canonicalize(source)
        .map_err(|e| format!("cannot read source folder {}: {e}", source.display()))?;
    let mut out = Hashed::default();
    for rel in candidates {
        let path = source.join(&rel);
        let text = match read_manifest(&root, &path, settings.filter.follow_symlinks) {
            Ok(text) => text,
            Err(Unread::Missing) if !explicit => continue,
            Err(Unread::Missing) => {
                return Err(format!(
                    "[hashed] manifests: {} does not exist; give a path relative to the source, or remove it from the list",
                    path.display()
                ));
            }
            Err(Unread::Refused(why)) if !explicit => {
                warnings.push(format!(
                    "build manifest {} was not read: {why}. Files it names get the short cache; replace it with the real manifest, or set `[hashed] manifests = \"none\"`",
                    path.display()
                ));
                continue;
            }
            Err(Unread::Refused(why)) => {
                return Err(format!(
                    "[hashed] manifests: cannot read {}: {why}; list only regular files inside the source (under {} MiB), or remove it from the list",
                    path.display(),
                    MAX_MANIFEST_BYTES >> 20
                ));
            }
        };
        let parsed = serde_json::from_slice::<Value>(&text).ok();
        let Some(outputs) = parsed.as_ref().and_then(hashed_outputs) else {
            if explicit {
                return Err(format!(
                    "[hashed] manifests: {} is not a Django staticfiles.json, Vite, webpack or Create React App manifest",
                    path.display()
                ));
            }
            continue;
        };
        for file in outputs {
            out.files
                .entry(file)
                .or_insert_with(|| HashedBy::Manifest(rel.clone()));
        }
        for (original, hashed) in parsed.as_ref().map(names::hashed_names).unwrap_or_default() {
            out.names
                .entry(original)
                .or_insert_with(|| (hashed, rel.clone()));
        }
        out.manifests.push(rel);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(items: &[&str]) -> Option<BTreeSet<String>> {
        Some(items.iter().map(|s| (*s).to_string()).collect())
    }

    #[test]
    fn django_staticfiles_json() {
        let m = json!({"paths": {"css/app.css": "css/app.4f1c2b.css", "robots.txt": "robots.txt"}, "version": "1.1", "hash": "x"});
        assert_eq!(hashed_outputs(&m), set(&["css/app.4f1c2b.css"]));
    }

    #[test]
    fn vite_manifest() {
        let m = json!({
            "index.html": {"file": "assets/index-4889e940.js", "css": ["assets/index-b82dbe22.css"], "isEntry": true},
            "logo.svg": {"file": "assets/logo-abc123.svg"}
        });
        assert_eq!(
            hashed_outputs(&m),
            set(&[
                "assets/index-4889e940.js",
                "assets/index-b82dbe22.css",
                "assets/logo-abc123.svg"
            ])
        );
    }

    #[test]
    fn webpack_and_create_react_app_manifests() {
        let m = json!({"main.js": "/static/main.1a2b3c.js", "main.css": "main.9f8e.css"});
        assert_eq!(
            hashed_outputs(&m),
            set(&["main.9f8e.css", "static/main.1a2b3c.js"])
        );
        let cra = json!({"files": {"main.js": "/static/js/main.1a2b.js"}, "entrypoints": ["static/js/main.1a2b.js"]});
        assert_eq!(hashed_outputs(&cra), set(&["static/js/main.1a2b.js"]));
    }

    #[test]
    fn a_web_app_manifest_is_not_a_build_manifest() {
        let pwa = json!({"name": "App", "icons": [{"src": "icon.png"}]});
        assert_eq!(hashed_outputs(&pwa), None);
    }

    fn settings_for(manifests: &str, follow: &str) -> Settings {
        crate::config::settings_from_toml(&format!(
            "[hashed]\nmanifests = {manifests}\n[scan]\nfollow_symlinks = \"{follow}\"\n"
        ))
    }

    /// `detect` on another thread, failing (not hanging) after 20 s.
    fn detect_bounded(source: &Path, settings: Settings) -> (Result<Hashed, String>, Vec<String>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let source = source.to_path_buf();
        std::thread::spawn(move || {
            let mut warnings = Vec::new();
            let result = detect(&source, &settings, &mut warnings);
            let _ = tx.send((result, warnings));
        });
        rx.recv_timeout(std::time::Duration::from_secs(20))
            .expect("detect hung on a hostile manifest")
    }

    const DJANGO: &str = r#"{"paths": {"a.css": "a.1f.css"}, "version": "1.1"}"#;

    #[cfg(unix)]
    #[test]
    fn a_fifo_manifest_is_skipped_or_refused_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("staticfiles.json"))
            .status()
            .unwrap();
        assert!(made.success());
        let (result, warnings) = detect_bounded(dir.path(), settings_for("\"auto\"", "inside"));
        assert!(!result.unwrap().active());
        assert!(
            warnings.len() == 1
                && warnings[0].contains("staticfiles.json")
                && warnings[0].contains("FIFO"),
            "{warnings:?}"
        );
        let (result, _) =
            detect_bounded(dir.path(), settings_for("[\"staticfiles.json\"]", "inside"));
        let err = result.unwrap_err();
        assert!(
            err.contains("[hashed] manifests")
                && err.contains("staticfiles.json")
                && err.contains("FIFO"),
            "{err}"
        );
    }

    #[test]
    fn an_oversize_manifest_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        // Sparse: claims 64 MiB + 1 without using the disk.
        let file = std::fs::File::create(dir.path().join("manifest.json")).unwrap();
        file.set_len(MAX_MANIFEST_BYTES + 1).unwrap();
        let (result, warnings) = detect_bounded(dir.path(), settings_for("\"auto\"", "inside"));
        assert!(!result.unwrap().active());
        assert!(warnings[0].contains("64 MiB"), "{warnings:?}");
        let (result, _) = detect_bounded(dir.path(), settings_for("\"manifest.json\"", "inside"));
        assert!(result.unwrap_err().contains("64 MiB"));
    }

    #[cfg(unix)]
    #[test]
    fn a_manifest_link_out_of_the_source_needs_outside_and_never_reaches_dev() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir(&site).unwrap();
        std::fs::write(dir.path().join("real.json"), DJANGO).unwrap();
        std::os::unix::fs::symlink("../real.json", site.join("staticfiles.json")).unwrap();
        let (result, _) = detect_bounded(&site, settings_for("\"staticfiles.json\"", "inside"));
        let err = result.unwrap_err();
        assert!(err.contains("outside the source"), "{err}");
        let (result, _) = detect_bounded(&site, settings_for("\"staticfiles.json\"", "outside"));
        assert_eq!(result.unwrap().manifests, ["staticfiles.json"]);

        std::os::unix::fs::symlink("/dev/zero", site.join("manifest.json")).unwrap();
        let (result, _) = detect_bounded(&site, settings_for("\"manifest.json\"", "outside"));
        let err = result.unwrap_err();
        assert!(err.contains("/dev/zero"), "{err}");
    }
}
