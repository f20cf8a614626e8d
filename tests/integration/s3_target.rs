//! The S3 path against a real S3 server on loopback (moto), read back with a
//! real client: bytes, headers, ACL grants, the manifest, request counts.

use std::sync::Arc;

use crate::proxy::{Proxy, Seen, reject_acls_on, s3_error};
use crate::support::{S3, Sandbox, copy_tree, summary, with_storage};

const RULES: &str = r#"
[storage.object_parameters]
CacheControl = "public, max-age=86400"
Metadata = { team = "web" }
[[rules]]
match = "**/*.html"
cache_control = "no-cache"
[[rules]]
match = "fonts/**"
cache_control = "public, max-age=31536000, immutable"
metadata = { kind = "font" }
"#;

const MANIFEST: &str = "static/.s3sync-manifest.json";
const INTENT: &str = "static/.s3sync-manifest.json.intent";

async fn pushed(hint: &str) -> (Sandbox, S3) {
    let s3 = S3::new(hint).await;
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&s3.endpoint, RULES));
    sb.run(&["push"]).expect(0);
    (sb, s3)
}

#[tokio::test]
async fn first_push_stores_exact_bytes_headers_and_public_read() {
    let (sb, s3) = pushed("first").await;
    let mut keys: Vec<String> = s3
        .keys()
        .await
        .into_iter()
        .map(|k| match k.split_once(".deploys/") {
            Some((manifest, _)) => format!("{manifest}.deploys/ID"),
            None => k,
        })
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            MANIFEST,
            "static/.s3sync-manifest.json.deploys/ID",
            INTENT,
            "static/about/index.html",
            "static/css/app.css",
            "static/fonts/inter.woff2",
            "static/img/logo.svg",
            "static/img/photo.png",
            "static/index.html",
            "static/js/app.js",
            "static/js/app.js.map",
            "static/robots.txt",
            "static/site.webmanifest",
        ]
    );
    let expect = [
        (
            "css/app.css",
            "text/css; charset=utf-8",
            Some("gzip"),
            "public, max-age=86400",
        ),
        (
            "js/app.js",
            "text/javascript; charset=utf-8",
            Some("gzip"),
            "public, max-age=86400",
        ),
        (
            "img/logo.svg",
            "image/svg+xml; charset=utf-8",
            Some("gzip"),
            "public, max-age=86400",
        ),
        ("img/photo.png", "image/png", None, "public, max-age=86400"),
        (
            "fonts/inter.woff2",
            "font/woff2",
            None,
            "public, max-age=31536000, immutable",
        ),
        (
            "index.html",
            "text/html; charset=utf-8",
            Some("gzip"),
            "no-cache",
        ),
        (
            "site.webmanifest",
            "application/manifest+json; charset=utf-8",
            Some("gzip"),
            "public, max-age=86400",
        ),
        (
            "js/app.js.map",
            "application/json; charset=utf-8",
            Some("gzip"),
            "public, max-age=86400",
        ),
    ];
    for (path, content_type, encoding, cache) in expect {
        let key = format!("static/{path}");
        let o = s3.get(&key).await;
        assert_eq!(o.decoded(), sb.read(&format!("site/{path}")), "{key} bytes");
        assert_eq!(o.content_type.as_deref(), Some(content_type), "{key}");
        assert_eq!(o.content_encoding.as_deref(), encoding, "{key}");
        assert_eq!(o.cache_control.as_deref(), Some(cache), "{key}");
        assert!(s3.public_read(&key).await, "{key} must be public-read");
    }
    assert_eq!(
        s3.get("static/css/app.css")
            .await
            .metadata
            .get("team")
            .map(String::as_str),
        Some("web")
    );
    assert_eq!(
        s3.get("static/fonts/inter.woff2")
            .await
            .metadata
            .get("kind")
            .map(String::as_str),
        Some("font")
    );
    // The manifest is private and records every object with its ETag.
    assert!(!s3.public_read(MANIFEST).await);
    let manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.decoded()).unwrap();
    let css = &manifest["entries"]["static/css/app.css"];
    assert_eq!(css["etag"], s3.get("static/css/app.css").await.etag);
    assert_eq!(css["headers"]["acl"], "public-read");
}

#[tokio::test]
async fn repush_and_fresh_checkout_send_nothing_and_only_read_the_record() {
    let (sb, s3) = pushed("noop").await;
    let proxy = Proxy::start(&s3.endpoint);
    sb.config(&s3.config(&proxy.endpoint, RULES));
    let again = sb.run(&["push", "--json"]);
    again.expect(0);
    assert_eq!(summary(&again, "unchanged"), 10);
    assert_eq!(summary(&again, "bytes_uploaded"), 0);
    let record_gets = |seen: &[Seen]| {
        let mut paths: Vec<String> = seen
            .iter()
            .map(|r| format!("{} {}", r.method, r.path.rsplit('/').next().unwrap()))
            .collect();
        paths.sort();
        paths
    };
    let reads = [
        "GET .s3sync-manifest.json",
        "GET .s3sync-manifest.json.intent",
    ];
    let seen = proxy.take();
    assert_eq!(record_gets(&seen), reads, "only the record is read");
    assert!(
        seen.iter()
            .any(|r| r.path.ends_with(".intent") && r.header("if-none-match").is_some()),
        "the settled intent is read conditionally (no body)"
    );

    // Fresh checkout: same bytes, new mtimes.
    std::fs::rename(sb.path("site"), sb.path("old")).unwrap();
    copy_tree(&sb.path("old"), &sb.path("site"));
    let fresh = sb.run(&["push", "--json"]);
    fresh.expect(0);
    assert_eq!(
        summary(&fresh, "new") + summary(&fresh, "changed") + summary(&fresh, "headers"),
        0
    );
    assert_eq!(record_gets(&proxy.take()), reads);
}

#[tokio::test]
async fn same_size_edit_uploads_exactly_that_file_with_a_checksum() {
    let (sb, s3) = pushed("edit").await;
    let proxy = Proxy::start(&s3.endpoint);
    sb.config(&s3.config(&proxy.endpoint, RULES));
    let old = sb.read("site/js/app.js");
    let mut new = old.clone();
    new[10] = if new[10] == b'x' { b'y' } else { b'x' };
    sb.write("site/js/app.js", &new);
    let run = sb.run(&["push", "--json"]);
    run.expect(0);
    assert_eq!(summary(&run, "changed"), 1);
    assert_eq!(summary(&run, "new"), 0);
    assert_eq!(s3.get("static/js/app.js").await.decoded(), new);
    let puts: Vec<_> = proxy
        .take()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    let paths: Vec<_> = puts
        .iter()
        .map(|r| {
            let name = r.path.rsplit('/').next().unwrap();
            if r.path.contains(".deploys/") {
                "ID.json.gz"
            } else {
                name
            }
        })
        .collect();
    assert_eq!(
        paths,
        [
            ".s3sync-manifest.json.intent",
            "app.js",
            "ID.json.gz",
            ".s3sync-manifest.json"
        ],
        "intent, file, deploy record, manifest"
    );
    assert!(
        puts[1].header("x-amz-checksum-sha256").is_some(),
        "uploads carry a checksum"
    );
    for manifest in [&puts[0], &puts[3]] {
        assert!(
            manifest.header("if-match").is_some_and(|e| e.len() > 2),
            "conditional manifest write"
        );
    }
}

#[tokio::test]
async fn cache_control_rule_change_copies_headers_without_bytes() {
    let (sb, s3) = pushed("headers").await;
    let before = s3.get("static/index.html").await.etag;
    let proxy = Proxy::start(&s3.endpoint);
    sb.config(&s3.config(
        &proxy.endpoint,
        &RULES.replace("no-cache", "public, max-age=120"),
    ));
    let run = sb.run(&["push", "--json"]);
    run.expect(0);
    assert_eq!(summary(&run, "headers"), 2);
    assert_eq!(summary(&run, "bytes_uploaded"), 0);
    let copies: Vec<_> = proxy
        .take()
        .into_iter()
        .filter(|r| r.header("x-amz-copy-source").is_some())
        .collect();
    assert_eq!(copies.len(), 2);
    assert!(
        copies
            .iter()
            .all(|r| r.body_len == 0 && r.header("x-amz-metadata-directive") == Some("REPLACE"))
    );
    let html = s3.get("static/index.html").await;
    assert_eq!(html.cache_control.as_deref(), Some("public, max-age=120"));
    assert_eq!(
        html.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(html.etag, before, "same bytes");
    assert!(
        s3.public_read("static/index.html").await,
        "ACL kept through the copy"
    );
    sb.run(&["diff", "--exit-code"]).expect(0);
}

#[tokio::test]
async fn delete_removes_exactly_the_removed_files_and_respects_max_deletes() {
    let (sb, s3) = pushed("delete").await;
    s3.put("static/uploads/user.jpg", b"not ours").await;
    sb.remove("site/robots.txt");
    sb.remove("site/about/index.html");
    let refused = sb.run(&["push", "--delete", "--max-deletes", "1"]);
    refused.expect(2);
    assert!(
        refused.stderr.contains("more than --max-deletes 1"),
        "{}",
        refused.stderr
    );
    assert_eq!(s3.keys().await.len(), 14, "nothing changed");

    let run = sb.run(&["push", "--delete", "--max-deletes", "2", "--json"]);
    run.expect(0);
    assert_eq!(summary(&run, "deleted"), 2);
    let keys = s3.keys().await;
    assert!(!keys.contains(&"static/robots.txt".to_string()));
    assert!(!keys.contains(&"static/about/index.html".to_string()));
    assert!(
        keys.contains(&"static/uploads/user.jpg".to_string()),
        "foreign object kept"
    );
    assert_eq!(
        keys.len(),
        13,
        "8 files, the foreign one, the manifest, the intent, two deploy records"
    );
}

#[tokio::test]
async fn acl_disabled_bucket_fails_clearly_and_a_rerun_converges() {
    let s3 = S3::new("noacl").await;
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_rule(reject_acls_on("/"));
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&proxy.endpoint, RULES));
    let run = sb.run(&["push"]);
    run.expect(2);
    let out = run.all();
    assert!(out.contains("does not allow ACLs"), "{out}");
    assert!(out.contains("default_acl = \"none\""), "{out}");
    assert!(out.contains("s3sync policy --public"), "{out}");
    let puts = proxy
        .take()
        .iter()
        .filter(|r| r.method == "PUT" && !r.path.contains(".s3sync-manifest.json"))
        .count();
    assert!(
        puts <= 10,
        "no file is retried after an ACL refusal: sent {puts}"
    );
    assert_eq!(s3.keys().await, [MANIFEST, INTENT], "nothing half-written");
    let manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.decoded()).unwrap();
    assert!(
        manifest["entries"].as_object().unwrap().is_empty(),
        "{manifest}"
    );

    // The fix the message gives works.
    sb.config(&with_storage(
        &s3.config(&proxy.endpoint, RULES),
        "default_acl = \"none\"",
    ));
    sb.run(&["push"]).expect(0);
    assert_eq!(
        s3.keys().await.len(),
        13,
        "10 files, the manifest, the intent, the deploy record"
    );
}

#[tokio::test]
async fn partly_failed_push_records_exactly_what_landed_and_the_rerun_redoes_only_that() {
    let s3 = S3::new("partial").await;
    let proxy = Proxy::start(&s3.endpoint);
    // Only CSS gets an ACL, and the bucket refuses ACLs.
    let config = |with_acl: bool| {
        let rule = if with_acl {
            "[[rules]]\nmatch = \"*.css\"\nacl = \"public-read\"\n"
        } else {
            ""
        };
        with_storage(&s3.config(&proxy.endpoint, rule), "default_acl = \"none\"")
    };
    proxy.set_rule(reject_acls_on("/"));
    let sb = Sandbox::with_assets();
    sb.config(&config(true));
    let run = sb.run(&["push", "--json"]);
    run.expect(2);
    assert_eq!(summary(&run, "failed"), 1);
    assert_eq!(summary(&run, "new"), 9);
    let failed: Vec<_> = run.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "failed")
        .map(|a| a["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failed, ["static/css/app.css"]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.decoded()).unwrap();
    let entries = manifest["entries"].as_object().unwrap();
    assert_eq!(
        entries.len(),
        9,
        "records exactly the objects in the bucket"
    );
    assert!(!entries.contains_key("static/css/app.css"));
    assert_eq!(s3.keys().await.len(), 12, "9 files, 3 records");

    // Rerun with the fix: only the failed file is sent.
    sb.config(&config(false));
    proxy.take();
    let rerun = sb.run(&["push", "--json"]);
    rerun.expect(0);
    assert_eq!(summary(&rerun, "new"), 1);
    assert_eq!(summary(&rerun, "unchanged"), 9);
    sb.run(&["diff", "--exit-code"]).expect(0);
}

#[tokio::test]
async fn bucket_filled_by_another_tool_is_reconciled_by_etag() {
    let s3 = S3::new("adopt").await;
    let sb = Sandbox::with_assets();
    // Another tool uploaded two files with identical bytes (one gzip-typed,
    // so its stored bytes differ from the source) and a stale one.
    s3.put("static/img/photo.png", &sb.read("site/img/photo.png"))
        .await;
    s3.put("static/css/app.css", &sb.read("site/css/app.css"))
        .await;
    s3.put("static/robots.txt", b"old").await;
    sb.config(&s3.config(&s3.endpoint, ""));
    let diff = sb.run(&["diff", "--json"]);
    diff.expect(0);
    let actions = diff.json()["actions"].clone();
    let action = |key: &str| {
        actions
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| {
                (
                    a["action"].as_str().unwrap().to_string(),
                    a["reason"].as_str().unwrap().to_string(),
                )
            })
            .unwrap()
    };
    // Same bytes, but no Cache-Control/ACL from the other tool: headers only.
    assert_eq!(action("static/img/photo.png").0, "headers");
    assert_eq!(
        action("static/css/app.css").0,
        "changed",
        "stored bytes must be gzip"
    );
    assert_eq!(action("static/robots.txt").0, "changed");
    assert_eq!(action("static/index.html").0, "new");
    sb.run(&["push"]).expect(0);
    sb.run(&["diff", "--exit-code", "--verify"]).expect(0);
}

#[tokio::test]
async fn verify_finds_objects_removed_behind_our_back() {
    let (sb, s3) = pushed("verify").await;
    s3.client
        .delete_object()
        .bucket(&s3.bucket)
        .key("static/robots.txt")
        .send()
        .await
        .unwrap();
    sb.run(&["diff", "--exit-code"]).expect(0);
    let verify = sb.run(&["diff", "--verify", "--exit-code"]);
    verify.expect(1);
    assert!(
        verify
            .stdout
            .contains("static/robots.txt  recorded in the manifest but missing from the bucket"),
        "{}",
        verify.stdout
    );
    sb.run(&["push", "--verify"]).expect(0);
    assert_eq!(
        s3.get("static/robots.txt").await.decoded(),
        sb.read("site/robots.txt")
    );
}

#[tokio::test]
async fn missing_bucket_and_unreachable_endpoint_are_named() {
    let s3 = S3::new("errors").await;
    let sb = Sandbox::with_assets();
    sb.config(
        &s3.config(&s3.endpoint, "")
            .replace(&s3.bucket, "no-such-bucket-s3sync"),
    );
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("bucket no-such-bucket-s3sync does not exist"),
        "{}",
        run.stderr
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    sb.config(&s3.config(&dead, ""));
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(
        run.stderr.contains(&format!("cannot reach {dead}")),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn access_denied_names_the_action_and_resource() {
    let s3 = S3::new("denied").await;
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_rule(Arc::new(|r: &Seen| {
        (r.method == "PUT" && r.path.ends_with("/static/robots.txt"))
            .then(|| s3_error(403, "AccessDenied", "Access Denied"))
    }));
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&proxy.endpoint, ""));
    let run = sb.run(&["push"]);
    run.expect(2);
    let expected = format!(
        "access denied: s3:PutObject on arn:aws:s3:::{}/static/robots.txt",
        s3.bucket
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    assert!(run.stdout.contains("s3sync policy"), "{}", run.stdout);
    // Everything else landed and is recorded.
    assert_eq!(s3.keys().await.len(), 12, "9 files, 3 records");

    // Denied listing (no manifest yet, so s3sync must list).
    let s3 = S3::new("denied-list").await;
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_rule(Arc::new(|r: &Seen| {
        (r.method == "GET" && !r.path.contains(".s3sync-manifest"))
            .then(|| s3_error(403, "AccessDenied", "Access Denied"))
    }));
    sb.config(&s3.config(&proxy.endpoint, ""));
    let run = sb.run(&["push"]);
    run.expect(2);
    let expected = format!("access denied: s3:ListBucket on arn:aws:s3:::{}", s3.bucket);
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(s3.keys().await.is_empty());
}

#[tokio::test]
async fn rejected_credentials_say_how_to_fix_them() {
    let s3 = S3::new("creds").await;
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_rule(Arc::new(|_: &Seen| {
        Some(s3_error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        ))
    }));
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&proxy.endpoint, ""));
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("the credentials were rejected (InvalidAccessKeyId"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("AWS_ACCESS_KEY_ID"), "{}", run.stderr);
    assert!(s3.keys().await.is_empty());
}

#[tokio::test]
async fn wrong_region_and_expired_credentials_say_how_to_fix_them() {
    let s3 = S3::new("region").await;
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_rule(Arc::new(|_: &Seen| {
        Some(s3_error(
            400,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'",
        ))
    }));
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&proxy.endpoint, ""));
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(
        run.stderr.contains("is in another region"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("set region_name"), "{}", run.stderr);

    proxy.set_rule(Arc::new(|_: &Seen| {
        Some(s3_error(
            400,
            "ExpiredToken",
            "The provided token has expired.",
        ))
    }));
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("the credentials were rejected (ExpiredToken"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("aws sso login"), "{}", run.stderr);
    assert!(s3.keys().await.is_empty(), "bucket untouched");
}

#[tokio::test]
async fn secrets_never_appear_in_output_logs_or_the_manifest() {
    let s3 = S3::new("secrets").await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&proxy.endpoint, ""));
    let token = "s3sync-test-session-token-never-print-me";
    let env = [("AWS_SESSION_TOKEN", token)];
    // Every verbosity, a failure, JSON: Run::expect checks the secret key;
    // check the session token here too.
    let mut outputs = Vec::new();
    for args in [&["push", "-v"][..], &["diff", "-v", "--json"], &["check"]] {
        let run = sb.run_env(args, &env);
        run.expect(0);
        outputs.push(run.all());
    }
    // A URL presigned with temporary credentials must carry the session
    // token (X-Amz-Security-Token), as every presigner's does; never the
    // secret key.
    let url = sb.run_env(&["url", "robots.txt", "--presign"], &env);
    url.expect(0);
    assert!(url.stdout.contains("X-Amz-Security-Token="));
    proxy.set_rule(Arc::new(|_: &Seen| {
        Some(s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ))
    }));
    sb.write("site/new.txt", "x");
    let run = sb.run_env(&["push", "-v"], &env);
    run.expect(2);
    outputs.push(run.all());
    let manifest =
        String::from_utf8(s3.get("static/.s3sync-manifest.json").await.decoded()).unwrap();
    outputs.push(manifest);
    for text in &outputs {
        assert!(!text.contains(token), "session token leaked: {text}");
        assert!(
            !text.contains(crate::support::SECRET_KEY),
            "secret key leaked: {text}"
        );
    }
}

/// 12 MiB and a bit of bytes that do not repeat, so a part in the wrong
/// place would show.
fn large_bytes() -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..12 * 1024 * 1024 + 7)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

const MULTIPART: &str = "[sync]\nmultipart_threshold = \"5MiB\"\nmultipart_chunksize = \"5MiB\"\n";

/// A bucket behind a proxy and the test site plus `video.bin` (the large
/// bytes, returned), with 5 MiB multipart settings.
async fn with_large_file(hint: &str) -> (S3, Proxy, Sandbox, Vec<u8>) {
    let s3 = S3::new(hint).await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::with_assets();
    let big = large_bytes();
    std::fs::write(sb.path("site/video.bin"), &big).unwrap();
    sb.config(&s3.config(&proxy.endpoint, MULTIPART));
    (s3, proxy, sb, big)
}

#[tokio::test]
async fn large_files_go_in_parallel_parts_with_checksums_and_read_back_exactly() {
    let (s3, proxy, sb, big) = with_large_file("multipart").await;
    sb.run(&["push"]).expect(0);

    let object = s3.get("static/video.bin").await;
    assert!(object.decoded() == big, "the bytes read back differ");
    assert!(
        object.etag.ends_with("-3"),
        "a 3-part upload: {}",
        object.etag
    );
    let seen = proxy.take();
    let parts: Vec<&Seen> = seen
        .iter()
        .filter(|r| r.method == "PUT" && r.query.contains("partNumber="))
        .collect();
    assert_eq!(parts.len(), 3);
    assert!(
        parts
            .iter()
            .all(|p| p.header("x-amz-checksum-sha256").is_some()),
        "every part carries its SHA-256"
    );
    assert!(parts.iter().all(|p| p.body_len <= 5 * 1024 * 1024));
    assert_eq!(
        seen.iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("video.bin"))
            .count(),
        2,
        "create and complete"
    );
    // The manifest records the multipart ETag: a re-push sends nothing.
    let again = sb.run(&["push", "--json"]);
    again.expect(0);
    assert_eq!(summary(&again, "bytes_uploaded"), 0);
}

#[tokio::test]
async fn a_failed_part_aborts_the_upload_and_the_rerun_converges() {
    let (s3, proxy, sb, big) = with_large_file("partfail").await;
    proxy.set_rule(Arc::new(|r: &Seen| {
        (r.method == "PUT" && r.query.contains("partNumber=2"))
            .then(|| s3_error(400, "InvalidRequest", "injected part failure"))
    }));
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(run.stdout.contains("static/video.bin"), "{}", run.stdout);
    assert!(
        run.stdout.contains("s3:PutObject (UploadPart)"),
        "{}",
        run.stdout
    );
    let left = s3
        .client
        .list_multipart_uploads()
        .bucket(&s3.bucket)
        .send()
        .await
        .unwrap();
    assert!(left.uploads().is_empty(), "aborted, no parts left behind");
    assert!(!s3.keys().await.contains(&"static/video.bin".to_string()));

    proxy.set_rule(Arc::new(|_: &Seen| None));
    let rerun = sb.run(&["push", "--json"]);
    rerun.expect(0);
    assert_eq!(summary(&rerun, "new"), 1, "only the large file is sent");
    assert!(s3.get("static/video.bin").await.decoded() == big);
}
