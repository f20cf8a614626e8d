//! Which build writes the tree, seen from the project folder `init` runs in:
//! the framework's dependency in `package.json` (or its own config file) and
//! the folder its static build writes, so the starter config's `source` is
//! right from the start.

use std::path::Path;

/// A framework `init` recognised: its name, the folder its static build
/// writes (relative to the project), and what the build needs, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Detected {
    pub(super) framework: &'static str,
    pub(super) source: String,
    pub(super) note: Option<&'static str>,
}

/// `package.json` dependencies, most specific first (a SvelteKit or Astro
/// project depends on Vite too).
const BY_DEPENDENCY: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "@sveltejs/kit",
        "SvelteKit",
        "build",
        Some(
            "publish a static build: @sveltejs/adapter-static, and `export const prerender = true` in the root +layout.js",
        ),
    ),
    (
        "next",
        "Next.js",
        "out",
        Some("publish a static export: `output: \"export\"` in next.config"),
    ),
    ("astro", "Astro", "dist", None),
    (
        "nuxt",
        "Nuxt",
        ".output/public",
        Some("build it with `nuxt generate`"),
    ),
    (
        "@react-router/dev",
        "React Router",
        "build/client",
        Some("publish a static build: `ssr: false` in react-router.config"),
    ),
    (
        "@remix-run/dev",
        "Remix",
        "build/client",
        Some("publish a static build: SPA mode (`ssr: false`)"),
    ),
    ("@docusaurus/core", "Docusaurus", "build", None),
    ("gatsby", "Gatsby", "public", None),
    ("@11ty/eleventy", "Eleventy", "_site", None),
    ("react-scripts", "Create React App", "build", None),
    ("vite", "Vite", "dist", None),
];

/// Frameworks known by a config file of their own.
const BY_FILE: &[(&str, &str, &str)] = &[
    ("hugo.toml", "Hugo", "public"),
    ("hugo.yaml", "Hugo", "public"),
    ("_config.yml", "Jekyll", "_site"),
    ("mkdocs.yml", "MkDocs", "site"),
];

/// The most a `package.json` may weigh before `init` ignores it.
const MAX_PACKAGE_JSON: u64 = 4 * 1024 * 1024;

/// The framework of the project in `dir`, if `init` knows it.
pub(super) fn detect(dir: &Path) -> Option<Detected> {
    from_package_json(dir).or_else(|| {
        BY_FILE
            .iter()
            .find(|(file, ..)| dir.join(file).is_file())
            .map(|(_, framework, source)| Detected {
                framework,
                source: (*source).to_string(),
                note: None,
            })
    })
}

fn from_package_json(dir: &Path) -> Option<Detected> {
    let path = dir.join("package.json");
    let bytes = crate::local::regular::read_capped(&path, MAX_PACKAGE_JSON).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let has = |name: &str| {
        ["dependencies", "devDependencies"]
            .iter()
            .any(|field| json.get(field).and_then(|d| d.get(name)).is_some())
    };
    if has("@angular/core") {
        // Angular 17+ writes dist/<project>/browser; the project is the
        // package's name unless angular.json says otherwise.
        let name = json.get("name").and_then(serde_json::Value::as_str)?;
        let safe = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        return safe.then(|| Detected {
            framework: "Angular",
            source: format!("dist/{name}/browser"),
            note: None,
        });
    }
    BY_DEPENDENCY
        .iter()
        .find(|(dependency, ..)| has(dependency))
        .map(|(_, framework, source, note)| Detected {
            framework,
            source: (*source).to_string(),
            note: *note,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    fn source_of(files: &[(&str, &str)]) -> Option<(String, String)> {
        detect(project(files).path()).map(|d| (d.framework.to_string(), d.source))
    }

    #[test]
    fn the_build_folder_comes_from_the_framework_the_project_depends_on() {
        for (deps, framework, source) in [
            (r#"{"devDependencies": {"vite": "^8"}}"#, "Vite", "dist"),
            (
                r#"{"devDependencies": {"@sveltejs/kit": "^2", "vite": "^8"}}"#,
                "SvelteKit",
                "build",
            ),
            (
                r#"{"dependencies": {"next": "16", "react": "19"}}"#,
                "Next.js",
                "out",
            ),
            (r#"{"dependencies": {"astro": "^5"}}"#, "Astro", "dist"),
            (
                r#"{"devDependencies": {"@react-router/dev": "^7", "vite": "^7"}}"#,
                "React Router",
                "build/client",
            ),
            (
                r#"{"dependencies": {"nuxt": "^4"}}"#,
                "Nuxt",
                ".output/public",
            ),
            (
                r#"{"name": "ng-app", "dependencies": {"@angular/core": "^21"}}"#,
                "Angular",
                "dist/ng-app/browser",
            ),
        ] {
            assert_eq!(
                source_of(&[("package.json", deps)]),
                Some((framework.to_string(), source.to_string())),
                "{deps}"
            );
        }
        assert_eq!(
            source_of(&[("hugo.toml", "baseURL = '/'")]),
            Some(("Hugo".into(), "public".into()))
        );
    }

    #[test]
    fn unknown_or_hostile_projects_get_no_guess() {
        assert_eq!(source_of(&[]), None);
        assert_eq!(source_of(&[("package.json", "not json")]), None);
        assert_eq!(
            source_of(&[("package.json", r#"{"dependencies": {"left-pad": "1"}}"#)]),
            None
        );
        // A package name that is not a plain folder name is not put in a path.
        assert_eq!(
            source_of(&[(
                "package.json",
                r#"{"name": "../../etc", "dependencies": {"@angular/core": "^21"}}"#
            )]),
            None
        );
    }
}
