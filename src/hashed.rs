//! Fingerprinted build outputs. Build tools write a manifest of the files
//! whose names carry a content hash (Django's `ManifestStaticFilesStorage`
//! writes `staticfiles.json`; Vite `.vite/manifest.json`; webpack and
//! Create React App `manifest.json` / `asset-manifest.json`). Those files can
//! be cached forever; everything else needs a short cache.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::config::{HashedManifests, Settings};

/// Where auto-detection looks, relative to the source.
pub const AUTO_PATHS: &[&str] = &[
    "staticfiles.json",
    ".vite/manifest.json",
    "manifest.json",
    "asset-manifest.json",
];

/// Hashed outputs found in the source's build manifests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashed {
    /// Manifests in use (source-relative paths).
    pub manifests: Vec<String>,
    /// Hashed file path → the manifest that names it.
    pub files: BTreeMap<String, String>,
}

impl Hashed {
    pub fn active(&self) -> bool {
        !self.manifests.is_empty()
    }

    pub fn manifest_for(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
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

/// Read the configured (or auto-detected) manifests under `source`.
pub fn detect(source: &Path, settings: &Settings) -> Result<Hashed, String> {
    let (candidates, explicit): (Vec<String>, bool) = match &settings.hashed.manifests {
        HashedManifests::Off => return Ok(Hashed::default()),
        HashedManifests::Auto => (AUTO_PATHS.iter().map(|p| (*p).to_string()).collect(), false),
        HashedManifests::Paths(paths) => (paths.clone(), true),
    };
    let mut out = Hashed::default();
    for rel in candidates {
        let path = source.join(&rel);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(format!(
                    "[hashed] manifests: cannot read {}: {e}",
                    path.display()
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
            out.files.entry(file).or_insert_with(|| rel.clone());
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
}
