//! `[[redirects]]` end to end: on a real S3 server (moto) each is a
//! zero-byte object whose `x-amz-website-redirect-location` HeadObject
//! reads back; a re-push sends nothing; a new target is a header update in
//! place (no bytes); a removed redirect goes with `--delete`; a bucket
//! without a manifest is reconciled by HEAD, redirect included. The same on
//! a `file://` target (the redirect in the sidecar), and the config errors.

use crate::support::{S3, Sandbox, summary};

const KEY: &str = "static/old/page.html";
const EMPTY_MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

fn redirect(to: &str) -> String {
    format!("[[redirects]]\nfrom = \"old/page.html\"\nto = \"{to}\"\n")
}

fn build(sb: &Sandbox) {
    sb.write("site/index.html", "<a href=\"/new/page/\">new</a>");
    sb.write("site/new/page/index.html", "<p>the new page</p>");
}

/// The redirect as HeadObject (the SDK) reads it: target, size, type, ETag.
async fn head(s3: &S3, key: &str) -> (Option<String>, i64, Option<String>, String) {
    let out = s3
        .client
        .head_object()
        .bucket(&s3.bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("head {key}: {e:?}"));
    (
        out.website_redirect_location().map(str::to_string),
        out.content_length().unwrap_or(-1),
        out.content_type().map(str::to_string),
        out.e_tag()
            .unwrap_or_default()
            .trim_matches('"')
            .to_string(),
    )
}

fn reason<'a>(run: &'a serde_json::Value, key: &str) -> (&'a str, &'a str) {
    let action = run["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .unwrap_or_else(|| panic!("no action for {key} in {run}"));
    (
        action["action"].as_str().unwrap(),
        action["reason"].as_str().unwrap(),
    )
}

#[tokio::test]
async fn a_redirect_on_s3_is_kept_like_a_file_new_repushed_retargeted_removed() {
    let s3 = S3::new("redirects").await;
    let sb = Sandbox::new();
    build(&sb);
    sb.config(&s3.config(&s3.endpoint, &redirect("/new/page/")));

    let push = sb.run(&["push", "--json"]);
    push.expect(0);
    assert_eq!(summary(&push, "new"), 3);
    assert_eq!(
        reason(&push.json(), KEY),
        ("new", "redirect → /new/page/; not in the bucket")
    );
    let (to, size, content_type, etag) = head(&s3, KEY).await;
    assert_eq!(to.as_deref(), Some("/new/page/"));
    assert_eq!(size, 0);
    assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert_eq!(etag, EMPTY_MD5);
    assert!(s3.public_read(KEY).await, "a website serves public objects");
    // Files are not redirects.
    assert_eq!(head(&s3, "static/index.html").await.0, None);

    // Re-push: nothing to send.
    let again = sb.run(&["push", "--json"]);
    again.expect(0);
    for field in ["new", "changed", "headers", "deleted", "bytes_uploaded"] {
        assert_eq!(summary(&again, field), 0, "{field}: {}", again.stdout);
    }

    // A new target: the diff says so, the push updates it in place.
    sb.config(&s3.config(&s3.endpoint, &redirect("https://example.com/page/")));
    let diff = sb.run(&["diff"]);
    diff.expect(0);
    assert!(
        diff.stdout.contains(
            "static/old/page.html  redirect: \"/new/page/\" → \"https://example.com/page/\""
        ),
        "{}",
        diff.stdout
    );
    let moved = sb.run(&["push", "--json"]);
    moved.expect(0);
    assert_eq!(summary(&moved, "headers"), 1);
    assert_eq!(summary(&moved, "new") + summary(&moved, "changed"), 0);
    assert_eq!(summary(&moved, "bytes_uploaded"), 0);
    let (to, size, _, etag) = head(&s3, KEY).await;
    assert_eq!(to.as_deref(), Some("https://example.com/page/"));
    assert_eq!((size, etag.as_str()), (0, EMPTY_MD5));
    assert!(s3.public_read(KEY).await, "the copy keeps the ACL");

    // Without a manifest, the listing and a HEAD prove it is in place.
    s3.client
        .delete_object()
        .bucket(&s3.bucket)
        .key("static/.s3sync-manifest.json")
        .send()
        .await
        .unwrap();
    let listed = sb.run(&["push", "--json"]);
    listed.expect(0);
    for field in ["new", "changed", "headers"] {
        assert_eq!(summary(&listed, field), 0, "{field}: {}", listed.stdout);
    }

    // Removed from the config: kept without --delete, deleted with it
    // (no grace: it is not a fingerprint).
    sb.config(&s3.config(&s3.endpoint, ""));
    let kept = sb.run(&["push", "--json"]);
    kept.expect(0);
    assert_eq!(kept.json()["stale"], serde_json::json!([KEY]));
    let removed = sb.run(&["push", "--delete", "--json"]);
    removed.expect(0);
    assert_eq!(summary(&removed, "deleted"), 1);
    assert_eq!(summary(&removed, "retired"), 0);
    assert_eq!(
        reason(&removed.json(), KEY),
        ("delete", "a redirect no longer in [[redirects]]")
    );
    assert!(!s3.keys().await.contains(&KEY.to_string()));
}

#[test]
fn a_redirect_on_a_file_target_is_an_empty_file_with_its_target_in_the_sidecar() {
    let sb = Sandbox::new();
    build(&sb);
    let config = |extra: &str| format!("source = \"site\"\nto = \"file://out\"\n{extra}");
    sb.config(&config(&redirect("/new/page/")));
    let push = sb.run(&["push", "--json"]);
    push.expect(0);
    assert_eq!(summary(&push, "new"), 3);
    assert_eq!(sb.read("out/old/page.html"), b"");
    let sidecar = || -> serde_json::Value {
        serde_json::from_slice(&sb.read("out/.s3sync-meta/old/page.html.json")).unwrap()
    };
    assert_eq!(
        sidecar()["headers"]["website_redirect_location"],
        "/new/page/"
    );
    assert_eq!(sidecar()["size"], 0);

    let again = sb.run(&["push", "--json"]);
    again.expect(0);
    assert_eq!(summary(&again, "new") + summary(&again, "headers"), 0);

    sb.config(&config(&redirect("/newer/")));
    let moved = sb.run(&["push", "--json"]);
    moved.expect(0);
    assert_eq!(summary(&moved, "headers"), 1);
    assert_eq!(summary(&moved, "bytes_uploaded"), 0);
    assert_eq!(sidecar()["headers"]["website_redirect_location"], "/newer/");

    sb.config(&config(""));
    let removed = sb.run(&["push", "--delete", "--json"]);
    removed.expect(0);
    assert_eq!(summary(&removed, "deleted"), 1);
    assert!(!sb.path("out/old/page.html").exists());
}

#[test]
fn explain_shows_a_redirect_and_where_it_is_written() {
    let sb = Sandbox::new();
    build(&sb);
    sb.config(&format!(
        "source = \"site\"\nto = \"file://out\"\n\n{}",
        redirect("/new/page/")
    ));
    let run = sb.run(&["explain", "old/page.html"]);
    run.expect(0);
    for line in [
        "key                 old/page.html",
        "redirect            /new/page/ ([[redirects]] at s3sync.toml line 5)",
        "content type        text/html; charset=utf-8",
        "content encoding    none (a redirect has no body: never encoded)",
        "acl                 public-read",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
    assert!(!run.stdout.contains("hashed"), "{}", run.stdout);
}

#[test]
fn bad_redirects_are_config_errors_naming_the_line_and_the_fix() {
    let sb = Sandbox::new();
    build(&sb);
    let base = "source = \"site\"\nto = \"file://out\"\n";
    sb.config(&format!("{base}{}", redirect("new/page/")));
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(
        run.stderr.contains(
            "[[redirects]] at s3sync.toml line 5: to = \"new/page/\" cannot be a website redirect: it is neither a path starting with `/`"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("to = \"/new/page/\""), "{}", run.stderr);

    // A redirect over a file of the source names both; nothing is sent.
    sb.config(&format!(
        "{base}[[redirects]]\nfrom = \"index.html\"\nto = \"/new/page/\"\n"
    ));
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(
        run.stderr.contains(
            "[[redirects]] at s3sync.toml line 4 redirects index.html, which is also a file in the source ("
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("site/index.html)"), "{}", run.stderr);
    assert!(!sb.path("out").exists(), "nothing was written");
}
