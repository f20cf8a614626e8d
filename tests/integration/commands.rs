//! The commands that remove the usual S3 pain (check, policy, url, explain,
//! init, completions, man), named targets, hashed-file caching and the CI
//! step summary: against file:// targets and the loopback S3 server.

use std::sync::Arc;

use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::proxy::{Proxy, Seen, reject_acls_on, s3_error};
use crate::support::{S3, Sandbox, summary, with_storage};

pub(crate) async fn http_get(url: &str) -> (u16, Vec<u8>) {
    let client: Client<_, Empty<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let response = client
        .get(url.parse().unwrap())
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, body)
}

#[test]
fn explain_names_key_headers_rule_and_exclusion() {
    let sb = Sandbox::with_assets();
    sb.config(
        "source = \"site\"\nto = \"file://out\"\nexclude = [\"*.map\"]\n[storage]\nlocation = \"static\"\n[[rules]]\nmatch = \"**/*.html\"\ncache_control = \"no-cache\"\n",
    );
    let run = sb.run(&["explain", "about/index.html"]);
    run.expect(0);
    insta::assert_snapshot!("explain_html", run.stdout);
    let css = sb.run(&["explain", "site/css/app.css"]);
    css.expect(0);
    assert!(
        css.stdout
            .contains("key                 static/css/app.css\n"),
        "{}",
        css.stdout
    );
    assert!(
        css.stdout
            .contains("content encoding    gzip (text/css is in [gzip] content_types)"),
        "{}",
        css.stdout
    );
    let map = sb.run(&["explain", "js/app.js.map"]);
    assert!(
        map.stdout
            .contains("published           no: matched by an `exclude` glob"),
        "{}",
        map.stdout
    );
    let missing = sb.run(&["explain", "nope.css"]);
    missing.expect(2);
    assert!(
        missing.stderr.contains("no such file in the source"),
        "{}",
        missing.stderr
    );
}

#[test]
fn init_writes_a_config_that_parses_and_never_overwrites() {
    let sb = Sandbox::new();
    sb.run(&["init"]).expect(0);
    let text = String::from_utf8(sb.read("s3sync.toml")).unwrap();
    assert!(text.contains("[storage]"));
    // The starter is valid: explain reads it (source "public").
    sb.write("public/app.css", "x");
    sb.run(&["explain", "app.css"]).expect(0);
    let again = sb.run(&["init"]);
    again.expect(2);
    assert!(
        again.stderr.contains("never overwrites"),
        "{}",
        again.stderr
    );
    assert_eq!(String::from_utf8(sb.read("s3sync.toml")).unwrap(), text);
}

#[test]
fn policy_derives_actions_from_the_config() {
    let sb = Sandbox::new();
    sb.config("[storage]\nbucket_name = \"site-assets\"\nlocation = \"static\"\n");
    let run = sb.run(&["policy", "--delete"]);
    run.expect(0);
    let policy: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        policy["Statement"][1]["Action"],
        serde_json::json!([
            "s3:GetObject",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:GetObjectVersion",
            "s3:PutObjectAcl",
            "s3:DeleteObject"
        ])
    );
    sb.config("[storage]\nbucket_name = \"site-assets\"\ndefault_acl = \"none\"\n");
    let run = sb.run(&["policy"]);
    run.expect(0);
    let policy: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        policy["Statement"][1]["Action"],
        serde_json::json!([
            "s3:GetObject",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:GetObjectVersion"
        ])
    );
    // --public: stdout is the bucket policy alone, one JSON document for
    // `put-bucket-policy`; the heading and notes go to stderr.
    let run = sb.run(&["policy", "--public", "--referer", "www.example.com"]);
    run.expect(0);
    let bucket_policy: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", run.stdout));
    assert_eq!(bucket_policy["Statement"][0]["Principal"], "*");
    assert_eq!(
        bucket_policy["Statement"][0]["Condition"]["StringLike"]["aws:Referer"][0],
        "https://www.example.com/*"
    );
    assert_eq!(bucket_policy["Statement"][1]["Effect"], "Deny");
    assert!(
        run.stderr
            .contains("the Referer condition is not access control"),
        "{}",
        run.stderr
    );
}

#[test]
fn completions_and_man_page() {
    let sb = Sandbox::new();
    let bash = sb.run(&["completions", "bash"]);
    bash.expect(0);
    assert!(
        bash.stdout.contains("s3sync") && bash.stdout.contains("explain"),
        "{}",
        bash.stdout
    );
    let man = sb.run(&["man"]);
    man.expect(0);
    assert!(
        man.stdout.starts_with(".ie"),
        "{}",
        &man.stdout[..80.min(man.stdout.len())]
    );
    assert!(man.stdout.contains(".TH s3sync"));
}

#[test]
fn step_summary_is_appended_in_ci() {
    let sb = Sandbox::with_assets();
    sb.config("source = \"site\"\nto = \"file://out\"\n");
    sb.write("summary.md", "previous step\n");
    let summary_path = sb.path("summary.md");
    sb.run_env(
        &["push"],
        &[("GITHUB_STEP_SUMMARY", summary_path.to_str().unwrap())],
    )
    .expect(0);
    let text = String::from_utf8(sb.read("summary.md")).unwrap();
    assert!(
        text.starts_with("previous step\n### s3sync push to `file://"),
        "{text}"
    );
    assert!(text.contains("| new | changed |"), "{text}");
    assert!(text.contains("| 10 | 0 | 0 | 0 | 0 | 0 |"), "{text}");
}

#[tokio::test]
async fn public_and_presigned_urls_fetch_the_object() {
    let s3 = S3::new("urls").await;
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&s3.endpoint, ""));
    sb.run(&["push"]).expect(0);
    let public = sb.run(&["url", "robots.txt"]);
    public.expect(0);
    let url = public.stdout.trim();
    assert_eq!(
        url,
        format!("{}/{}/static/robots.txt", s3.endpoint, s3.bucket)
    );
    let (status, body) = http_get(url).await;
    // Stored gzip-encoded (text/plain is on the default list).
    assert_eq!(
        (status, crate::support::gunzip(&body)),
        (200, sb.read("site/robots.txt"))
    );

    let signed = sb.run(&["url", "css/app.css", "--expires", "300"]);
    signed.expect(0);
    let url = signed.stdout.trim();
    assert!(
        url.contains("X-Amz-Signature=") && url.contains("X-Amz-Expires=300"),
        "{url}"
    );
    let (status, body) = http_get(url).await;
    assert_eq!(status, 200);
    assert_eq!(crate::support::gunzip(&body), sb.read("site/css/app.css"));

    let too_long = sb.run(&["url", "css/app.css", "--expires", "999999"]);
    too_long.expect(2);
    assert!(
        too_long.stderr.contains("1 to 604800 seconds"),
        "{}",
        too_long.stderr
    );

    sb.config(&with_storage(
        &s3.config(&s3.endpoint, ""),
        "custom_domain = \"cdn.example.com\"",
    ));
    let cdn = sb.run(&["url", "robots.txt"]);
    assert_eq!(
        cdn.stdout.trim(),
        "https://cdn.example.com/static/robots.txt"
    );
}

#[tokio::test]
async fn check_passes_then_names_each_failure_with_its_fix() {
    let s3 = S3::new("check").await;
    let sb = Sandbox::with_assets();
    // With deletes on, the probe is deleted (with them off it is never
    // tried: see iam::check_under_the_policy_without_delete_…).
    let deletes = "[sync]\ndelete = true\n";
    sb.config(&s3.config(&s3.endpoint, deletes));
    let ok = sb.run(&["check"]);
    ok.expect(0);
    assert!(ok.stdout.contains("ok   s3://"), "{}", ok.stdout);
    assert!(
        ok.stdout
            .contains("ok   objects may carry the ACL public-read"),
        "{}",
        ok.stdout
    );
    assert!(ok.stdout.ends_with("all checks passed\n"), "{}", ok.stdout);
    assert!(s3.keys().await.is_empty(), "the probe is cleaned up");

    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_rule(reject_acls_on("/"));
    sb.config(&s3.config(&proxy.endpoint, deletes));
    let acl = sb.run(&["check"]);
    acl.expect(2);
    assert!(
        acl.stdout
            .contains("FAIL objects may carry the ACL public-read: bucket"),
        "{}",
        acl.stdout
    );
    assert!(
        acl.stdout.contains("default_acl = \"none\""),
        "{}",
        acl.stdout
    );
    assert!(
        s3.keys().await.is_empty(),
        "the probe is cleaned up after a failure too"
    );

    proxy.set_rule(Arc::new(|r: &Seen| {
        (r.method == "PUT").then(|| s3_error(403, "AccessDenied", "Access Denied"))
    }));
    let denied = sb.run(&["check"]);
    denied.expect(2);
    assert!(
        denied
            .stdout
            .contains("FAIL can write under static/: access denied: s3:PutObject"),
        "{}",
        denied.stdout
    );

    sb.config(
        &s3.config(&s3.endpoint, "")
            .replace(&s3.bucket, "absent-bucket-s3sync"),
    );
    let missing = sb.run(&["check"]);
    missing.expect(2);
    assert!(missing.stdout.contains("FAIL s3://absent-bucket-s3sync exists and is reachable: bucket absent-bucket-s3sync does not exist"), "{}", missing.stdout);
}

#[tokio::test]
async fn named_targets_choose_the_bucket() {
    let staging = S3::new("staging").await;
    let production = S3::new("production").await;
    let sb = Sandbox::with_assets();
    sb.config(&format!(
        "source = \"site\"\ndefault_target = \"staging\"\n\
         [storage]\nlocation = \"static\"\nendpoint_url = \"{}\"\naddressing_style = \"path\"\nregion_name = \"us-east-1\"\n\
         [targets.staging]\nbucket_name = \"{}\"\n\
         [targets.production]\nbucket_name = \"{}\"\nlocation = \"assets\"\n",
        staging.endpoint, staging.bucket, production.bucket
    ));
    sb.run(&["push"]).expect(0);
    assert_eq!(
        staging.keys().await.len(),
        13,
        "10 files, the manifest, the intent, the deploy record"
    );
    assert!(production.keys().await.is_empty());
    sb.run(&["push", "--target", "production"]).expect(0);
    let keys = production.keys().await;
    assert!(keys.contains(&"assets/index.html".to_string()), "{keys:?}");
    let unknown = sb.run(&["push", "--target", "prod"]);
    unknown.expect(2);
    assert!(
        unknown
            .stderr
            .contains("unknown target 'prod': the config defines production, staging"),
        "{}",
        unknown.stderr
    );
}

#[tokio::test]
async fn django_manifest_makes_hashed_files_immutable_in_one_push() {
    let s3 = S3::new("hashed").await;
    let sb = Sandbox::new();
    sb.write("site/css/app.css", "body{}");
    sb.write("site/css/app.4f1c2b.css", "body{}");
    sb.write("site/admin/base.9a8b.js", "x()");
    sb.write("site/index.html", "<p>");
    sb.write(
        "site/staticfiles.json",
        r#"{"paths": {"css/app.css": "css/app.4f1c2b.css", "admin/base.js": "admin/base.9a8b.js"}, "version": "1.1"}"#,
    );
    sb.config(&s3.config(
        &s3.endpoint,
        "[[rules]]\nmatch = \"admin/**\"\ncache_control = \"private, max-age=0\"\n",
    ));
    let run = sb.run(&["push", "--json"]);
    run.expect(0);
    assert_eq!(summary(&run, "new"), 5);
    let cc = |key: &'static str| {
        let s3 = &s3;
        async move { s3.get(key).await.cache_control }
    };
    assert_eq!(
        cc("static/css/app.4f1c2b.css").await.as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        cc("static/css/app.css").await.as_deref(),
        Some("public, max-age=60, must-revalidate")
    );
    assert_eq!(
        cc("static/index.html").await.as_deref(),
        Some("public, max-age=60, must-revalidate")
    );
    assert_eq!(
        cc("static/staticfiles.json").await.as_deref(),
        Some("public, max-age=60, must-revalidate")
    );
    assert_eq!(
        cc("static/admin/base.9a8b.js").await.as_deref(),
        Some("private, max-age=0"),
        "a rule wins"
    );
    let explain = sb.run(&["explain", "css/app.4f1c2b.css"]);
    assert!(
        explain
            .stdout
            .contains("hashed              yes: staticfiles.json names it as a hashed file"),
        "{}",
        explain.stdout
    );
}

#[test]
fn check_fails_when_the_source_folder_is_missing_and_skips_an_unset_one() {
    let sb = Sandbox::new();
    sb.config("source = \"build\"\nto = \"file://out\"\n");
    std::fs::create_dir(sb.path("out")).unwrap();
    let run = sb.run(&["check"]);
    run.expect(2);
    assert!(
        run.stdout.contains(&format!(
            "FAIL source {0}: source folder {0} does not exist",
            sb.path("build").display()
        )) && run.stdout.contains("did the build run?"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("1 check(s) failed\n"),
        "{}",
        run.stdout
    );

    sb.write("build/app.css", "body{}");
    let run = sb.run(&["check"]);
    run.expect(0);
    assert!(
        run.stdout.contains(&format!(
            "ok   source {}: 1 files to publish",
            sb.path("build").display()
        )),
        "{}",
        run.stdout
    );

    sb.config("to = \"file://out\"\n");
    let run = sb.run(&["check"]);
    run.expect(0);
    assert!(
        run.stdout.contains("skip source: none configured"),
        "{}",
        run.stdout
    );
}

#[test]
fn commands_that_read_the_tree_take_source_alike_and_url_refuses_a_missing_file() {
    let sb = Sandbox::with_assets();
    // No config: the source comes from the command line, as for push.
    for args in [
        &["explain", "css/app.css", "site"][..],
        &["explain", "css/app.css", "--source", "site"],
        &["url", "css/app.css", "site", "--to", "file://out"],
    ] {
        let run = sb.run(args);
        run.expect(0);
    }
    let check = sb.run(&["check", "site", "--to", "file://out"]);
    assert!(
        check.stdout.contains("ok   source ") && check.stdout.contains("site"),
        "{}",
        check.stdout
    );
    // A URL for a file that is not in the tree would answer 404: refused.
    let missing = sb.run(&["url", "css/nope.css", "site", "--to", "file://out"]);
    missing.expect(2);
    assert!(
        missing
            .stderr
            .contains("css/nope.css is not published from the source")
            && missing.stderr.contains("404"),
        "{}",
        missing.stderr
    );
    let hidden = sb.run(&["url", ".DS_Store", "site", "--to", "file://out"]);
    hidden.expect(2);
}
