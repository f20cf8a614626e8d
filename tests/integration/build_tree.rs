//! What builds leave in the tree, on a real S3 server (moto) and on
//! `file://` targets: whitenoise's `.gz` / `.br` copies beside the files
//! they compress are not uploaded (one warning counts them), a hashed
//! bundle's source map is as immutable as the bundle, and `url` gives the
//! hashed name as Django's `{% static %}` does.

use crate::commands::http_get;
use crate::support::{S3, Sandbox, summary};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SHORT: &str = "public, max-age=60, must-revalidate";

/// A `collectstatic` with whitenoise's `CompressedManifestStaticFilesStorage`:
/// every file, its hashed copy, and `.gz` / `.br` copies of both; plus a
/// webpack bundle's map (not in the manifest), a lone `.br` and a lone `.gz`.
fn whitenoise_build(sb: &Sandbox) {
    sb.write(
        "site/staticfiles.json",
        r#"{"paths": {"css/app.css": "css/app.4f1c2b.css", "js/app.js": "js/app.3f2a.js"}, "version": "1.1"}"#,
    );
    for (path, text) in [
        ("css/app.css", "body{color:red}"),
        ("css/app.4f1c2b.css", "body{color:red}"),
        ("js/app.js", "console.log(1)"),
        (
            "js/app.3f2a.js",
            "console.log(1)\n//# sourceMappingURL=app.3f2a.js.map",
        ),
    ] {
        sb.write(&format!("site/{path}"), text);
        sb.write(&format!("site/{path}.gz"), format!("gzip of {path}"));
        sb.write(&format!("site/{path}.br"), format!("brotli of {path}"));
    }
    sb.write("site/js/app.3f2a.js.map", r#"{"version":3,"mappings":""}"#);
    sb.write("site/js/app.js.map", r#"{"version":3,"mappings":""}"#);
    sb.write("site/js/vendor.js.br", "a lone brotli file");
    sb.write("site/data/export.csv.gz", "a lone gzip file");
}

/// The keys of the published files (not s3sync's own records).
async fn file_keys(s3: &S3) -> Vec<String> {
    let mut keys: Vec<String> = s3
        .keys()
        .await
        .into_iter()
        .filter(|k| !k.starts_with("static/.s3sync-manifest.json"))
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn whitenoise_copies_are_not_uploaded_and_one_warning_counts_them() {
    let s3 = S3::new("whitenoise").await;
    let sb = Sandbox::new();
    sb.config(&s3.config(&s3.endpoint, ""));
    whitenoise_build(&sb);

    let push = sb.run(&["push", "--json"]);
    push.expect(0);
    let warnings: Vec<&str> = push
        .stderr
        .lines()
        .filter(|l| l.contains("precompressed"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", push.stderr);
    assert!(
        warnings[0].starts_with("warning: skipped 8 precompressed files (.gz, .br)")
            && warnings[0].contains("[gzip] precompressed = \"upload\""),
        "{}",
        warnings[0]
    );
    assert_eq!(summary(&push, "new"), 9);
    assert_eq!(
        file_keys(&s3).await,
        [
            "static/css/app.4f1c2b.css",
            "static/css/app.css",
            "static/data/export.csv.gz",
            "static/js/app.3f2a.js",
            "static/js/app.3f2a.js.map",
            "static/js/app.js",
            "static/js/app.js.map",
            "static/js/vendor.js.br",
            "static/staticfiles.json",
        ]
    );
    // A lone copy is uploaded as it is: its own bytes, no Content-Encoding.
    let lone = s3.get("static/data/export.csv.gz").await;
    assert_eq!(lone.bytes, sb.read("site/data/export.csv.gz"));
    assert_eq!(lone.content_encoding, None);

    // diff and manifest agree with the push: nothing to do, no copy listed.
    let diff = sb.run(&["diff", "--json"]);
    diff.expect(0);
    assert_eq!(summary(&diff, "new") + summary(&diff, "changed"), 0);
    let manifest = sb.run(&["manifest"]);
    manifest.expect(0);
    assert!(
        !manifest.stdout.contains("app.css.gz"),
        "{}",
        manifest.stdout
    );

    // explain says why; url refuses the copy (it would answer 404).
    let explain = sb.run(&["explain", "css/app.css.gz"]);
    explain.expect(0);
    assert!(
        explain.stdout.contains(
            "published           no: a precompressed copy of css/app.css, which is published"
        ) && explain
            .stdout
            .contains("Set `[gzip] precompressed = \"upload\"`"),
        "{}",
        explain.stdout
    );
    sb.run(&["url", "css/app.css.gz"]).expect(2);

    // "upload" publishes them as files of their own.
    sb.config(&s3.config(&s3.endpoint, "[gzip]\nprecompressed = \"upload\"\n"));
    let upload = sb.run(&["push", "--json"]);
    upload.expect(0);
    assert_eq!(summary(&upload, "new"), 8);
    assert!(
        !upload.stderr.contains("precompressed"),
        "{}",
        upload.stderr
    );
    let copy = s3.get("static/css/app.css.gz").await;
    assert_eq!(copy.bytes, b"gzip of css/app.css");
}

#[tokio::test]
async fn the_source_map_of_a_hashed_bundle_is_immutable_when_read_back() {
    let s3 = S3::new("srcmap").await;
    let sb = Sandbox::new();
    sb.config(&s3.config(&s3.endpoint, ""));
    whitenoise_build(&sb);
    sb.run(&["push"]).expect(0);

    let map = s3.get("static/js/app.3f2a.js.map").await;
    assert_eq!(map.cache_control.as_deref(), Some(IMMUTABLE));
    assert_eq!(map.decoded(), sb.read("site/js/app.3f2a.js.map"));
    let bundle = s3.get("static/js/app.3f2a.js").await;
    assert_eq!(bundle.cache_control.as_deref(), Some(IMMUTABLE));
    // The map of the unhashed file changes with it: the short cache.
    let plain = s3.get("static/js/app.js.map").await;
    assert_eq!(plain.cache_control.as_deref(), Some(SHORT));

    let explain = sb.run(&["explain", "js/app.3f2a.js.map"]);
    explain.expect(0);
    assert!(
        explain
            .stdout
            .contains("source map of js/app.3f2a.js, a hashed file (staticfiles.json names it"),
        "{}",
        explain.stdout
    );
}

#[tokio::test]
async fn url_gives_the_hashed_name_like_static_and_unhashed_the_plain_one() {
    let s3 = S3::new("staticurl").await;
    let sb = Sandbox::new();
    sb.config(&s3.config(&s3.endpoint, ""));
    whitenoise_build(&sb);
    sb.run(&["push"]).expect(0);
    let base = format!("{}/{}/static", s3.endpoint, s3.bucket);

    let hashed = sb.run(&["url", "css/app.css"]);
    hashed.expect(0);
    assert_eq!(hashed.stdout.trim(), format!("{base}/css/app.4f1c2b.css"));
    let (status, body) = http_get(hashed.stdout.trim()).await;
    assert_eq!(status, 200);
    assert_eq!(
        crate::support::gunzip(&body),
        sb.read("site/css/app.4f1c2b.css")
    );

    let plain = sb.run(&["url", "css/app.css", "--unhashed"]);
    plain.expect(0);
    assert_eq!(plain.stdout.trim(), format!("{base}/css/app.css"));
    // A hashed name, and a file no manifest maps, are printed as they are.
    let already = sb.run(&["url", "js/app.3f2a.js"]);
    assert_eq!(already.stdout.trim(), format!("{base}/js/app.3f2a.js"));
    let unmapped = sb.run(&["url", "js/app.js.map"]);
    assert_eq!(unmapped.stdout.trim(), format!("{base}/js/app.js.map"));

    // A manifest that names a hashed file the build lacks: refused, with
    // the way out.
    sb.remove("site/css/app.4f1c2b.css");
    let stale = sb.run(&["url", "css/app.css"]);
    stale.expect(2);
    assert!(
        stale.stderr.contains(
            "css/app.4f1c2b.css, the hashed name staticfiles.json gives css/app.css, is not published"
        ) && stale.stderr.contains("--unhashed"),
        "{}",
        stale.stderr
    );
}

#[test]
fn url_resolves_a_vite_entry_to_its_file() {
    let sb = Sandbox::new();
    sb.write(
        "site/.vite/manifest.json",
        r#"{"index.html": {"file": "assets/index-4889e940.js", "isEntry": true}, "src/main.ts": {"file": "assets/main-b82dbe22.js"}}"#,
    );
    sb.write("site/index.html", "<script src=/assets/index-4889e940.js>");
    sb.write("site/assets/index-4889e940.js", "1");
    sb.write("site/assets/main-b82dbe22.js", "2");
    let url = |path: &str| {
        let run = sb.run(&["url", path, "site", "--to", "file://out"]);
        run.expect(0);
        run.stdout.trim().to_string()
    };
    let root = sb.path("out");
    assert_eq!(
        url("src/main.ts"),
        format!("file://{}/assets/main-b82dbe22.js", root.display())
    );
    // The page is published under its own name, not its script's.
    assert_eq!(
        url("index.html"),
        format!("file://{}/index.html", root.display())
    );
}
