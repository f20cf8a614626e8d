//! What Django's `{% static %}` tag does: the hashed name a build manifest
//! gives a file's original path (`css/app.css` → `css/app.4f1c2b.css` in
//! `staticfiles.json`; `src/main.ts` → its entry's `file` in a Vite
//! manifest; the value of a webpack or Create React App manifest), for
//! `s3sync url`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Hashed, normalise};

/// Original path → hashed path, as the manifest `json` names them; empty
/// when it is not a manifest of a known kind. Names that do not change are
/// left out, and so are a Vite manifest's HTML entries: their `file` is
/// the page's script, while the page itself is published under its own
/// name.
pub fn hashed_names(json: &Value) -> BTreeMap<String, String> {
    let Some(map) = json.as_object() else {
        return BTreeMap::new();
    };
    let pairs: Vec<(&String, &str)> = if let Some(paths) =
        map.get("paths").and_then(Value::as_object)
        && map.contains_key("version")
    {
        // Django: {"paths": {"css/app.css": "css/app.4f1c.css"}, "version": ...}
        paths
            .iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?)))
            .collect()
    } else if let Some(files) = map.get("files").and_then(Value::as_object) {
        // Create React App: {"files": {"main.js": "/static/js/main.1a2b.js"}}
        files
            .iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?)))
            .collect()
    } else if !map.is_empty()
        && map
            .values()
            .all(|v| v.get("file").is_some_and(Value::is_string))
    {
        // Vite: {"src/main.ts": {"file": "assets/main-4889e940.js"}}
        map.iter()
            .filter(|(k, _)| !k.ends_with(".html"))
            .filter_map(|(k, v)| Some((k, v.get("file")?.as_str()?)))
            .collect()
    } else if !map.is_empty() && map.values().all(Value::is_string) {
        // webpack-manifest-plugin: {"main.js": "main.1a2b3c.js"}
        map.iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?)))
            .collect()
    } else {
        Vec::new()
    };
    pairs
        .into_iter()
        .map(|(original, hashed)| (normalise(original), normalise(hashed)))
        .filter(|(original, hashed)| original != hashed)
        .collect()
}

/// The name `{% static %}` would give `path`: its hashed name from the
/// first manifest that maps it, with that manifest; `None` when `path` is
/// already a hashed name, or no manifest maps it (publish it as it is).
pub fn hashed_name<'a>(hashed: &'a Hashed, path: &str) -> Option<(&'a str, &'a str)> {
    if hashed.files.contains_key(path) {
        return None;
    }
    let (name, manifest) = hashed.names.get(path)?;
    Some((name.as_str(), manifest.as_str()))
}

#[cfg(test)]
mod tests {
    use super::super::HashedBy;
    use super::*;
    use serde_json::json;

    fn names(json: &Value) -> Vec<(String, String)> {
        hashed_names(json).into_iter().collect()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect()
    }

    #[test]
    fn django_names_map_originals_to_hashed_and_skip_unchanged_ones() {
        let m = json!({"paths": {"css/app.css": "css/app.4f1c2b.css", "robots.txt": "robots.txt"}, "version": "1.1"});
        assert_eq!(names(&m), pairs(&[("css/app.css", "css/app.4f1c2b.css")]));
    }

    #[test]
    fn vite_names_are_the_entries_file_and_html_entries_keep_their_page() {
        let m = json!({
            "index.html": {"file": "assets/index-4889e940.js", "css": ["assets/index-b82dbe22.css"], "isEntry": true},
            "src/main.ts": {"file": "assets/main-4889e940.js"},
            "logo.svg": {"file": "assets/logo-abc123.svg"}
        });
        assert_eq!(
            names(&m),
            pairs(&[
                ("logo.svg", "assets/logo-abc123.svg"),
                ("src/main.ts", "assets/main-4889e940.js")
            ])
        );
    }

    #[test]
    fn webpack_and_create_react_app_names() {
        let m = json!({"main.js": "/static/main.1a2b3c.js"});
        assert_eq!(names(&m), pairs(&[("main.js", "static/main.1a2b3c.js")]));
        let cra = json!({"files": {"main.js": "/static/js/main.1a2b.js"}});
        assert_eq!(names(&cra), pairs(&[("main.js", "static/js/main.1a2b.js")]));
        assert!(hashed_names(&json!({"name": "App", "icons": []})).is_empty());
    }

    #[test]
    fn a_hashed_name_is_its_own_static_name_and_unmapped_paths_have_none() {
        let mut hashed = Hashed::default();
        hashed.manifests.push("staticfiles.json".into());
        hashed.files.insert(
            "css/app.4f1c.css".into(),
            HashedBy::Manifest("staticfiles.json".into()),
        );
        hashed.names.insert(
            "css/app.css".into(),
            ("css/app.4f1c.css".into(), "staticfiles.json".into()),
        );
        assert_eq!(
            hashed_name(&hashed, "css/app.css"),
            Some(("css/app.4f1c.css", "staticfiles.json"))
        );
        assert_eq!(hashed_name(&hashed, "css/app.4f1c.css"), None);
        assert_eq!(hashed_name(&hashed, "robots.txt"), None);
    }

    #[test]
    fn detect_reads_the_names_of_django_and_vite_manifests_first_one_winning() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "staticfiles.json",
            r#"{"paths": {"css/app.css": "css/app.4f1c.css"}, "version": "1.1"}"#,
        );
        write(
            ".vite/manifest.json",
            r#"{"src/main.ts": {"file": "assets/main-4889e940.js"}, "css/app.css": {"file": "assets/app-00.css"}}"#,
        );
        let settings = crate::config::settings_from_toml("");
        let hashed = super::super::detect(dir.path(), &settings, &mut Vec::new()).unwrap();
        assert_eq!(
            hashed_name(&hashed, "css/app.css"),
            Some(("css/app.4f1c.css", "staticfiles.json"))
        );
        assert_eq!(
            hashed_name(&hashed, "src/main.ts"),
            Some(("assets/main-4889e940.js", ".vite/manifest.json"))
        );
        assert_eq!(hashed_name(&hashed, "assets/main-4889e940.js"), None);
    }
}
