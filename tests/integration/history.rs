//! Deploy history and rollback against moto, read back with the SDK: a
//! versioned bucket returns to an earlier deploy exactly (bytes, headers,
//! ACLs) with the bytes copied inside the bucket; an unversioned one is
//! refused before anything changes; a killed rollback converges on the
//! next run; `[sync] history` trims old deploy records.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::faults::{DEPLOYS, all_keys, assert_bucket_matches, assert_manifest_true, tree};
use crate::proxy::{Proxy, Seen};
use crate::support::{S3, Sandbox};

const SHA1: &str = "1111111111111111111111111111111111111111";
const SHA2: &str = "2222222222222222222222222222222222222222";

pub(crate) async fn enable_versioning(s3: &S3) {
    s3.client
        .put_bucket_versioning()
        .bucket(&s3.bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// What a browser and the bucket's ACL say of one object.
#[derive(Debug, PartialEq)]
struct Object {
    bytes: Vec<u8>,
    content_type: Option<String>,
    content_encoding: Option<String>,
    cache_control: Option<String>,
    public: bool,
}

/// Every object but s3sync's records, read back with the SDK.
async fn objects(s3: &S3) -> BTreeMap<String, Object> {
    let mut out = BTreeMap::new();
    for key in all_keys(s3).await {
        if key.contains(".s3sync-manifest.json") {
            continue;
        }
        let o = s3.get(&key).await;
        let public = s3.public_read(&key).await;
        out.insert(
            key,
            Object {
                bytes: o.bytes,
                content_type: o.content_type,
                content_encoding: o.content_encoding,
                cache_control: o.cache_control,
                public,
            },
        );
    }
    out
}

/// When to kill a run, from the requests seen so far.
type KillPoint<'a> = dyn Fn(&[Seen]) -> bool + 'a;

/// Each key with its ETag: what a listing shows.
async fn listing(s3: &S3) -> Vec<(String, String)> {
    let out = s3
        .client
        .list_objects_v2()
        .bucket(&s3.bucket)
        .send()
        .await
        .unwrap();
    out.contents()
        .iter()
        .map(|o| {
            (
                o.key().unwrap_or_default().to_string(),
                o.e_tag().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const V2_RULES: &str =
    "[[rules]]\nmatch = \"robots.txt\"\nacl = \"private\"\ncache_control = \"max-age=5\"\n";

/// v1: the example site. v2: an HTML edit, a CSS edit, a file added, a
/// file removed, and robots.txt made private with another Cache-Control
/// (a header-only change), pushed with `--delete`.
fn push_v1_then_v2(sb: &Sandbox, s3: &S3) {
    sb.config(&s3.config(&s3.endpoint, ""));
    let v1 = sb.run_env(
        &["push"],
        &[("S3SYNC_NOW", "2026-12-03T10:00:00Z"), ("GITHUB_SHA", SHA1)],
    );
    v1.expect(0);
    sb.write(
        "site/index.html",
        "<!doctype html><title>v2</title><p>new home\n",
    );
    sb.write("site/css/app.css", "body { color: rebeccapurple }\n");
    sb.write("site/js/extra.js", "console.log('v2 only');\n");
    sb.remove("site/img/photo.png");
    sb.config(&s3.config(&s3.endpoint, V2_RULES));
    let v2 = sb.run_env(
        &["push", "--delete"],
        &[("S3SYNC_NOW", "2026-12-03T10:05:00Z"), ("GITHUB_SHA", SHA2)],
    );
    v2.expect(0);
}

/// Back to the v1 tree and config.
fn check_out_v1(sb: &Sandbox, s3: &S3) {
    std::fs::remove_dir_all(sb.path("site")).unwrap();
    crate::support::copy_tree(
        &crate::support::repo_root().join("assets-example"),
        &sb.path("site"),
    );
    sb.config(&s3.config(&s3.endpoint, ""));
}

#[tokio::test]
async fn rollback_on_a_versioned_bucket_restores_bytes_headers_and_acls() {
    let s3 = S3::new("rollback").await;
    enable_versioning(&s3).await;
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&s3.endpoint, ""));
    sb.run_env(
        &["push"],
        &[("S3SYNC_NOW", "2026-12-03T10:00:00Z"), ("GITHUB_SHA", SHA1)],
    )
    .expect(0);
    let v1 = objects(&s3).await;
    assert!(v1["static/robots.txt"].public, "v1 is public");
    // (push_v1_then_v2 pushes v1 again: unchanged, no new deploy.)
    push_v1_then_v2(&sb, &s3);
    let v2 = objects(&s3).await;
    assert_ne!(v2, v1);
    assert!(!v2["static/robots.txt"].public);

    let dry = sb.run(&["rollback", "--delete", "--dry-run"]);
    dry.expect(0);
    eprintln!("--- rollback --dry-run\n{}", dry.stdout);
    assert!(dry.stdout.contains("copy back version"), "{}", dry.stdout);
    assert_eq!(objects(&s3).await, v2, "a dry run changes nothing");

    let run = sb.run_env(
        &["rollback", "--delete"],
        &[("S3SYNC_NOW", "2026-12-03T10:10:00Z")],
    );
    run.expect(0);
    eprintln!("--- rollback\n{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("rollback to deploy 20261203T100000Z")
            && run.stdout.contains("recorded as deploy 20261203T101000Z"),
        "{}",
        run.stdout
    );
    // Every object as v1 left it: bytes, Content-Type, Content-Encoding,
    // Cache-Control and ACL; what v2 added is gone.
    assert_eq!(objects(&s3).await, v1);

    let log = sb.run(&["log"]);
    log.expect(0);
    eprintln!("--- log\n{}", log.stdout);
    let lines: Vec<&str> = log.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", log.stdout);
    assert!(
        lines[0].starts_with(
            "20261203T101000Z  2026-12-03 10:10:00 UTC  rollback to 20261203T100000Z: "
        ) && lines[0].ends_with("commit 111111111111"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("20261203T100500Z  2026-12-03 10:05:00 UTC  "),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with("commit 222222222222"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("20261203T100000Z  2026-12-03 10:00:00 UTC  10 new"),
        "{}",
        lines[2]
    );
    let json = sb.run(&["log", "--json"]).json();
    let deploys = json["deploys"].as_array().unwrap();
    assert_eq!(deploys.len(), 3);
    assert_eq!(deploys[0]["rollback_to"], "20261203T100000Z");
    assert_eq!(deploys[0]["counts"]["restored"], 3, "{json}");
    assert_eq!(deploys[0]["counts"]["headers"], 1, "{json}");
    assert_eq!(deploys[0]["counts"]["deleted"], 1, "{json}");
    assert_eq!(deploys[1]["commit"], SHA2);

    // The v1 tree is in sync with the bucket.
    check_out_v1(&sb, &s3);
    let diff = sb.run(&["diff", "--exit-code"]);
    diff.expect(0);
    assert!(diff.stdout.contains("in sync"), "{}", diff.stdout);

    // A rollback is a deploy: rolling it back returns to v2.
    sb.run_env(
        &["rollback", "--delete"],
        &[("S3SYNC_NOW", "2026-12-03T10:15:00Z")],
    )
    .expect(0);
    assert_eq!(objects(&s3).await, v2);
}

#[tokio::test]
async fn rollback_on_an_unversioned_bucket_is_refused_and_changes_nothing() {
    let s3 = S3::new("rollbacknover").await;
    let sb = Sandbox::with_assets();
    push_v1_then_v2(&sb, &s3);
    let before = listing(&s3).await;
    let run = sb.run(&["rollback", "--delete"]);
    run.expect(2);
    eprintln!("--- rollback (unversioned)\n{}", run.stderr);
    for key in [
        "static/css/app.css",
        "static/img/photo.png",
        "static/index.html",
    ] {
        assert!(
            run.stderr.contains(&format!(
                "\n  {key}: deploy 20261203T100000Z recorded no version"
            )),
            "{key}: {}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("nothing was changed")
            && run.stderr.contains(
                "check out its build (commit 1111111111111111111111111111111111111111) and push it"
            )
            && run.stderr.contains("put-bucket-versioning"),
        "{}",
        run.stderr
    );
    assert_eq!(listing(&s3).await, before, "the bucket is unchanged");
}

#[tokio::test]
async fn a_killed_rollback_converges_on_the_next_run() {
    let s3 = S3::new("rollbackkill").await;
    enable_versioning(&s3).await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::new();
    tree(&sb, 40, "v1");
    sb.config(&s3.config(&proxy.endpoint, "[sync]\njobs = 4\nattempts = 2\n"));
    sb.run_env(&["push"], &[("S3SYNC_NOW", "2026-12-03T10:00:00Z")])
        .expect(0);
    std::fs::remove_dir_all(sb.path("site")).unwrap();
    tree(&sb, 30, "v2");
    sb.run_env(
        &["push", "--delete"],
        &[("S3SYNC_NOW", "2026-12-03T10:05:00Z")],
    )
    .expect(0);

    proxy.set_delay(Some(Duration::from_millis(20)));
    let copies = |seen: &[Seen]| {
        seen.iter()
            .filter(|r| r.header("x-amz-copy-source").is_some())
            .count()
    };
    let record_put = |seen: &[Seen]| {
        seen.iter()
            .any(|r| r.method == "PUT" && r.path.contains(".deploys/"))
    };
    // Kill it after its first copies, half-way, and once its deploy record
    // is written but not the manifest that lists it.
    let kill_points: [&KillPoint<'_>; 3] = [
        &|seen| copies(seen) >= 2,
        &|seen| copies(seen) >= 20,
        &|seen| record_put(seen),
    ];
    let mut kills = 0;
    for (round, kill_when) in kill_points.into_iter().enumerate() {
        proxy.take();
        let mut child = sb.spawn(&["rollback", "--delete", "20261203T100000Z"]);
        if proxy.wait_for(kill_when, Duration::from_secs(30)) {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        assert_manifest_true(&s3).await;
        eprintln!(
            "round {round}: {} copies before the kill",
            copies(&proxy.take())
        );
    }
    assert_eq!(kills, 3, "every rollback was killed mid-way");
    proxy.set_delay(None);
    sb.run(&["rollback", "--delete", "20261203T100000Z"])
        .expect(0);
    std::fs::remove_dir_all(sb.path("site")).unwrap();
    tree(&sb, 40, "v1");
    assert_bucket_matches(&s3, &sb).await;
    sb.run(&["diff", "--exit-code"]).expect(0);
}

#[tokio::test]
async fn history_keeps_the_configured_number_of_deploy_records() {
    let s3 = S3::new("history2").await;
    let sb = Sandbox::new();
    sb.config(&s3.config(&s3.endpoint, "[sync]\nhistory = 2\n"));
    for (i, now) in ["10:00", "10:01", "10:02", "10:03"].iter().enumerate() {
        sb.write("site/a.css", format!("a{{}} /* {i} */"));
        sb.run_env(
            &["push"],
            &[("S3SYNC_NOW", &format!("2026-12-03T{now}:00Z"))],
        )
        .expect(0);
    }
    let records: Vec<String> = all_keys(&s3)
        .await
        .into_iter()
        .filter(|k| k.starts_with(DEPLOYS))
        .collect();
    assert_eq!(
        records,
        [
            format!("{DEPLOYS}20261203T100200Z.json.gz"),
            format!("{DEPLOYS}20261203T100300Z.json.gz"),
        ]
    );
    let json = sb.run(&["log", "--json"]).json();
    let ids: Vec<&str> = json["deploys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["20261203T100300Z", "20261203T100200Z"]);
    // Record objects are private, and never foreign: --delete-foreign
    // leaves them.
    let record = &records[0];
    assert!(!s3.public_read(record).await);
    let run = sb.run(&["push", "--delete", "--delete-foreign", "--json"]);
    run.expect(0);
    assert_eq!(crate::support::summary(&run, "foreign"), 0);
    assert!(all_keys(&s3).await.contains(record));
    // The clock of the tests, when it is wrong, stops a push before it
    // changes anything.
    sb.write("site/a.css", "a{} /* later */");
    let bad = sb.run_env(&["push"], &[("S3SYNC_NOW", "yesterday")]);
    bad.expect(2);
    assert!(
        bad.stderr
            .contains("S3SYNC_NOW 'yesterday' is not an RFC 3339 UTC time"),
        "{}",
        bad.stderr
    );
    // Rolling back past what the history keeps names the deploys it has.
    let old = sb.run(&["rollback", "20261203T100000Z"]);
    old.expect(2);
    assert!(
        old.stderr.contains("has no deploy 20261203T100000Z"),
        "{}",
        old.stderr
    );
}

/// A rollback stopped by a failed copy records no deploy: otherwise running
/// `rollback` again would aim at the deploy before it (the one being left)
/// instead of finishing the way back. The rerun, with the same target,
/// finishes it and is recorded once.
#[tokio::test]
async fn a_rollback_stopped_by_a_failed_copy_records_no_deploy_and_the_rerun_finishes_it() {
    let s3 = S3::new("rollbackfail").await;
    enable_versioning(&s3).await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::new();
    tree(&sb, 8, "v1");
    sb.config(&s3.config(&proxy.endpoint, "[sync]\nattempts = 1\n"));
    sb.run_env(&["push"], &[("S3SYNC_NOW", "2026-12-03T10:00:00Z")])
        .expect(0);
    tree(&sb, 8, "v2");
    sb.run_env(&["push"], &[("S3SYNC_NOW", "2026-12-03T10:05:00Z")])
        .expect(0);
    let deploys = |sb: &Sandbox| -> Vec<String> {
        sb.run(&["log", "--json"]).json()["deploys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(deploys(&sb), ["20261203T100500Z", "20261203T100000Z"]);

    // One copy is refused: the rollback stops short, and says so.
    proxy.set_rule(std::sync::Arc::new(|seen: &Seen| {
        (seen.header("x-amz-copy-source").is_some() && seen.path.ends_with("/f0002.png"))
            .then(|| crate::proxy::s3_error(403, "AccessDenied", "Access Denied"))
    }));
    let stopped = sb.run_env(
        &["rollback", "20261203T100000Z"],
        &[("S3SYNC_NOW", "2026-12-03T10:10:00Z")],
    );
    assert_ne!(stopped.code, 0, "{}", stopped.stderr);
    assert!(stopped.all().contains("f0002.png"), "{}", stopped.all());
    assert_eq!(
        deploys(&sb),
        ["20261203T100500Z", "20261203T100000Z"],
        "no deploy recorded for a rollback that stopped short"
    );
    assert_manifest_true(&s3).await;

    // The rerun aims at the same deploy and finishes the way back.
    proxy.set_rule(std::sync::Arc::new(|_: &Seen| None));
    sb.run_env(
        &["rollback", "20261203T100000Z"],
        &[("S3SYNC_NOW", "2026-12-03T10:15:00Z")],
    )
    .expect(0);
    assert_eq!(
        deploys(&sb),
        ["20261203T101500Z", "20261203T100500Z", "20261203T100000Z"]
    );
    tree(&sb, 8, "v1");
    assert_bucket_matches(&s3, &sb).await;
    sb.run(&["diff", "--exit-code"]).expect(0);
}
