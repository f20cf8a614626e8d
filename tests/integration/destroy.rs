//! `s3sync destroy` on a real S3 server (moto): a root deploy at `static/`
//! and two previews under `static/previews/` share a bucket; destroying
//! one preview removes exactly its objects and records, and every other
//! object keeps its bytes and ETag. `--dry-run`, a missing `--yes` and
//! `--max-deletes` change nothing.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{S3, Sandbox, with_storage};

const PR1: &str = "static/previews/pr-1/";

/// Every object in the bucket: key → (ETag, bytes).
async fn snapshot(s3: &S3) -> BTreeMap<String, (String, Vec<u8>)> {
    let mut out = BTreeMap::new();
    for key in s3.keys().await {
        let object = s3.get(&key).await;
        out.insert(key, (object.etag, object.bytes));
    }
    out
}

/// A root deploy and two previews, each pushed from its own build.
async fn three_deploys() -> (Sandbox, S3) {
    let s3 = S3::new("destroy").await;
    let sb = Sandbox::new();
    sb.config(&s3.config(&s3.endpoint, ""));
    sb.write("site/index.html", "<h1>root</h1>");
    sb.write("site/app.css", "body{}");
    sb.run(&["push"]).expect(0);
    for pr in ["pr-1", "pr-2"] {
        sb.write(&format!("{pr}/index.html"), format!("<h1>{pr}</h1>"));
        sb.write(&format!("{pr}/app.css"), format!("/* {pr} */"));
        let to = format!("s3://{}/static/previews/{pr}", s3.bucket);
        sb.run(&["push", pr, "--to", &to]).expect(0);
    }
    (sb, s3)
}

#[tokio::test]
async fn destroying_a_preview_removes_exactly_its_objects_and_records() {
    let (sb, s3) = three_deploys().await;
    let before = snapshot(&s3).await;
    let pr1: Vec<&String> = before.keys().filter(|k| k.starts_with(PR1)).collect();
    assert!(
        pr1.iter()
            .any(|k| k.contains(".s3sync-manifest.json.deploys/")),
        "the preview recorded a deploy: {pr1:?}"
    );
    let to = format!("s3://{}/static/previews/pr-1", s3.bucket);

    // Without --yes (stdin is not a terminal here): refused, nothing changes.
    let refused = sb.run(&["destroy", "--to", &to]);
    refused.expect(2);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    // More deletes than allowed: refused, nothing changes.
    let capped = sb.run(&["destroy", "--to", &to, "--yes", "--max-deletes", "1"]);
    capped.expect(2);
    assert!(
        capped.stderr.contains("--max-deletes 1"),
        "{}",
        capped.stderr
    );
    // A dry run lists every key of the preview and changes nothing.
    let dry = sb.run(&["destroy", "--to", &to, "--dry-run", "--json"]);
    dry.expect(0);
    let report = dry.json();
    let listed: Vec<&str> = ["objects", "records"]
        .iter()
        .flat_map(|f| report[f].as_array().unwrap())
        .map(|k| k.as_str().unwrap())
        .collect();
    let sorted: BTreeSet<&str> = listed.iter().copied().collect();
    let expected: BTreeSet<&str> = pr1.iter().map(|k| k.as_str()).collect();
    assert_eq!(sorted, expected);
    assert_eq!(sorted.len(), listed.len(), "each key once");
    assert_eq!(
        listed.last().copied(),
        Some("static/previews/pr-1/.s3sync-manifest.json"),
        "the manifest goes last"
    );
    assert_eq!(
        snapshot(&s3).await,
        before,
        "refusals and the dry run changed nothing"
    );

    sb.run(&["destroy", "--to", &to, "--yes"]).expect(0);
    let after = snapshot(&s3).await;
    let untouched: BTreeMap<_, _> = before
        .into_iter()
        .filter(|(k, _)| !k.starts_with(PR1))
        .collect();
    assert_eq!(after, untouched, "everything else byte-for-byte as it was");

    // Nothing recorded there any more.
    let again = sb.run(&["destroy", "--to", &to, "--yes"]);
    again.expect(2);
    assert!(
        again.stderr.contains("nothing to destroy"),
        "{}",
        again.stderr
    );
}

#[tokio::test]
async fn destroying_the_root_never_lists_a_previews_keys() {
    let (sb, s3) = three_deploys().await;
    let dry = sb.run(&["destroy", "--dry-run", "--json"]);
    dry.expect(0);
    let report = dry.json();
    for field in ["objects", "records"] {
        for key in report[field].as_array().unwrap() {
            let key = key.as_str().unwrap();
            assert!(
                key.starts_with("static/") && !key.starts_with("static/previews/"),
                "{key}"
            );
        }
    }
    assert_eq!(report["objects"].as_array().unwrap().len(), 2);
    drop(s3);
}

#[tokio::test]
async fn a_preview_push_names_its_public_url_for_ci_to_post() {
    let s3 = S3::new("preview-url").await;
    let sb = Sandbox::new();
    let config = s3.config(&s3.endpoint, "");
    sb.config(&with_storage(
        &config,
        "custom_domain = \"cdn.example.com\"",
    ));
    sb.write("pr-123/index.html", "<h1>pr-123</h1>");
    let to = format!("s3://{}/static/previews/pr-123", s3.bucket);
    let summary = sb.path("summary.md");
    let push = sb.run_env(
        &["push", "pr-123", "--to", &to, "--json"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    push.expect(0);
    let url = "https://cdn.example.com/static/previews/pr-123/";
    assert_eq!(push.json()["url"], url);
    let markdown = String::from_utf8(sb.read("summary.md")).unwrap();
    assert!(
        markdown.contains(&format!("Published at <{url}>")),
        "{markdown}"
    );
    // Without a custom domain: the bucket's own URL (path style here).
    sb.config(&config);
    let text = sb.run(&["push", "pr-123", "--to", &to]);
    text.expect(0);
    let own = format!("{}/{}/static/previews/pr-123/", s3.endpoint, s3.bucket);
    assert!(
        text.stdout.contains(&format!("published at {own}")),
        "{}",
        text.stdout
    );
}
