//! The conventions on the layouts of the frameworks' default builds.

use super::*;
use crate::config::settings_from_toml;

fn hashed(paths: &[&str], config: &str) -> BTreeMap<String, HashedBy> {
    let settings = settings_from_toml(config);
    detect(paths.iter().copied(), &settings.hashed).unwrap()
}

fn names(paths: &[&str], config: &str) -> Vec<String> {
    hashed(paths, config).into_keys().collect()
}

#[test]
fn framework_folders_are_immutable_at_any_depth_but_not_their_stable_names() {
    let paths = [
        "index.html",
        "_app/version.json",
        "_app/immutable/entry/start.BXm2C5dq.js",
        "_app/immutable/nodes/0.DlFoKMAF.js",
        "_next/static/chunks/main-app-0f1b2c3d4e5f6a7b.js",
        "_next/static/css/a1b2c3d4e5f6a7b8.css",
        "_next/static/Tr8Vd0bqO1mKcm3Xp8dQf/_buildManifest.js",
        "_astro/index.C1Dz2Wv5.css",
        "docs/_astro/hoisted.DXbQr8fk.js",
        "_nuxt/entry.DhTz8z9a.js",
        "_nuxt/builds/latest.json",
        "_nuxt/builds/meta/3f2b6c1d-1c4e-4b7a-9a8e-2f6d5c4b3a21.json",
        "my_app/immutable/x.js",
    ];
    let found = hashed(&paths, "");
    let mut expected: Vec<&str> = paths.to_vec();
    expected.retain(|p| {
        !matches!(
            *p,
            "index.html"
                | "_app/version.json"
                | "_nuxt/builds/latest.json"
                | "my_app/immutable/x.js"
        )
    });
    expected.sort_unstable();
    assert_eq!(found.keys().collect::<Vec<_>>(), expected);
    assert_eq!(
        found["docs/_astro/hoisted.DXbQr8fk.js"].to_string(),
        "it is in docs/_astro/, Astro's folder of content-hashed files"
    );
    assert_eq!(
        found["_nuxt/builds/meta/3f2b6c1d-1c4e-4b7a-9a8e-2f6d5c4b3a21.json"].to_string(),
        "it is in _nuxt/, Nuxt's folder of content-hashed files"
    );
}

/// `npm create vite@9.3.0` (vanilla-ts), built by Vite 8.3.8: two names
/// are hashes by themselves, the camel-case shaped and the capitals-only
/// ones follow them. Public files keep their names.
#[test]
fn a_vite_build_is_hashed_by_name_and_digitless_hashes_by_their_siblings() {
    let paths = [
        "index.html",
        "favicon.svg",
        "icons.svg",
        "assets/hero-CLDdwZDr.png",
        "assets/index-CsUDhMuy.css",
        "assets/index-wktXvZw9.js",
        "assets/vite-BF8QNONU.svg",
    ];
    let found = hashed(&paths, "");
    assert_eq!(found.keys().collect::<Vec<_>>(), paths[3..]);
    assert_eq!(
        found["assets/hero-CLDdwZDr.png"].to_string(),
        "its name carries the content hash CLDdwZDr"
    );
    assert_eq!(
        found["assets/vite-BF8QNONU.svg"].to_string(),
        "its name carries the content hash BF8QNONU (shaped like the hash in assets/hero-CLDdwZDr.png)"
    );
    // Without a proof, such tokens could be words or codes.
    let alone = [
        "assets/index-wktXvZw9.js",
        "assets/vite-BF8QNONU.svg",
        "img/icon-Facebook.svg",
    ];
    assert!(hashed(&alone, "").is_empty());
    // A proof counts in its own folder only, and after the same separator.
    let apart = [
        "assets/hero-CLDdwZDr.png",
        "img/icon-Facebook.svg",
        "assets/icon.Facebook.svg",
    ];
    assert_eq!(names(&apart, ""), ["assets/hero-CLDdwZDr.png"]);
}

/// The same project in the build the research run made (Vite 8.3.8) and
/// under Vite 7.3.8 (Rollup 4): a token holding `-`, and no digits at all.
#[test]
fn other_vite_builds_of_the_default_project() {
    for paths in [
        [
            "assets/hero-CLDdwZDr.png",
            "assets/index-CAoPt-vL.js",
            "assets/index-CsUDhMuy.css",
            "assets/vite-BF8QNONU.svg",
        ],
        [
            "assets/hero-CLDdwZDr.png",
            "assets/index-BxXonjKP.js",
            "assets/index-CbqqwcRB.css",
            "assets/vite-BF8QNONU.svg",
        ],
    ] {
        assert_eq!(names(&paths, ""), paths, "{paths:?}");
    }
}

#[test]
fn detect_narrows_and_patterns_add() {
    let paths = [
        "_astro/a.C1Dz2Wv5.css",
        "assets/index-4889e940.js",
        "static/logo.png",
    ];
    assert_eq!(
        names(&paths, "[hashed]\ndetect = \"folders\"\n"),
        ["_astro/a.C1Dz2Wv5.css"]
    );
    assert!(names(&paths, "[hashed]\ndetect = \"manifests\"\n").is_empty());
    let found = hashed(
        &paths,
        "[hashed]\ndetect = \"manifests\"\npatterns = [\"static/*.png\"]\n",
    );
    assert_eq!(found.keys().collect::<Vec<_>>(), ["static/logo.png"]);
    assert!(
        found["static/logo.png"]
            .to_string()
            .starts_with("[hashed] patterns: static/*.png ("),
        "{}",
        found["static/logo.png"]
    );
    let settings = settings_from_toml("[hashed]\npatterns = [\"[a\"]\n");
    let err = detect(paths.iter().copied(), &settings.hashed).unwrap_err();
    assert!(
        err[0].starts_with("[hashed] patterns: bad glob '[a'"),
        "{err:?}"
    );
}

#[test]
fn exclude_wins_over_every_reason_and_pages_never_carry_hashes() {
    let settings = settings_from_toml("[hashed]\nexclude = [\"img/**\", \"_astro/keep.*\"]\n");
    let mut hashed = crate::local::fingerprints::Hashed::default();
    hashed.files.insert(
        "img/app.4f1c2b3a9d0e.css".into(),
        HashedBy::Manifest("staticfiles.json".into()),
    );
    let paths = [
        "img/case-1a2b3c4d.png",
        "_astro/keep.C1Dz2Wv5.css",
        "_astro/a.C1Dz2Wv5.css",
        "post-a1b2c3d4.html",
        "blog/post-CsUDhMuy.HTM",
    ];
    hashed.add_conventions(paths, &settings).unwrap();
    assert_eq!(
        hashed.files.keys().collect::<Vec<_>>(),
        ["_astro/a.C1Dz2Wv5.css"]
    );
    let bad = settings_from_toml("[hashed]\nexclude = [\"[a\"]\n");
    let err = crate::local::fingerprints::Hashed::default()
        .add_conventions(paths, &bad)
        .unwrap_err();
    assert!(
        err[0].starts_with("[hashed] exclude: bad glob '[a'"),
        "{err:?}"
    );
}
