//! Rolling deploys on a real S3 server (moto): a Django-like build whose
//! hashed CSS is replaced keeps the old hashed object, immutable, through
//! `push --delete`; `diff` says when it goes; `prune` deletes it (and only
//! it) once the grace has passed, without the source tree. Time comes from
//! `S3SYNC_NOW`, never from sleeping.

use crate::support::{S3, Sandbox, summary};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const OLD: &str = "static/css/site.3f2a.css";
const NEW: &str = "static/css/site.9b1c.css";

/// The day before v2 (v1's push), v2's push, and 8 days after v2.
const V1_AT: &str = "2026-11-25T10:00:00Z";
const V2_AT: &str = "2026-11-26T10:00:00Z";
const LATER: &str = "2026-12-04T10:00:00Z";

fn at(now: &str) -> [(&str, &str); 1] {
    [("S3SYNC_NOW", now)]
}

fn staticfiles(site: &str) -> String {
    format!(
        r#"{{"paths": {{"css/site.css": "css/{site}", "admin/css/base.css": "admin/css/base.5af6.css"}}, "version": "1.1"}}"#
    )
}

/// `collectstatic` of v1: the CSS, its hashed copy, Django admin's CSS.
fn build_v1(sb: &Sandbox) {
    sb.write("site/staticfiles.json", staticfiles("site.3f2a.css"));
    sb.write("site/css/site.css", "body{color:red}");
    sb.write("site/css/site.3f2a.css", "body{color:red}");
    sb.write("site/admin/css/base.css", "#header{}");
    sb.write("site/admin/css/base.5af6.css", "#header{}");
    sb.write("site/robots.txt", "User-agent: *\n");
}

/// v2: a same-size CSS edit under a new hashed name. `keep_old`: the build
/// folder still holds the old hashed copy (collectstatic without --clear).
fn build_v2(sb: &Sandbox, keep_old: bool) {
    sb.write("site/staticfiles.json", staticfiles("site.9b1c.css"));
    sb.write("site/css/site.css", "body{color:tan}");
    sb.write("site/css/site.9b1c.css", "body{color:tan}");
    if !keep_old {
        sb.remove("site/css/site.3f2a.css");
    }
}

async fn pushed_v1(hint: &str) -> (Sandbox, S3) {
    let s3 = S3::new(hint).await;
    let sb = Sandbox::new();
    sb.config(&s3.config(&s3.endpoint, ""));
    build_v1(&sb);
    sb.run_env(&["push"], &at(V1_AT)).expect(0);
    (sb, s3)
}

async fn sorted_keys(s3: &S3) -> Vec<String> {
    let mut keys = s3.keys().await;
    keys.sort();
    keys
}

#[tokio::test]
async fn a_replaced_hashed_file_stays_immutable_until_a_prune_after_its_grace() {
    let (sb, s3) = pushed_v1("retain").await;
    let old = s3.get(OLD).await;
    assert_eq!(old.cache_control.as_deref(), Some(IMMUTABLE));
    build_v2(&sb, false);

    let push = sb.run_env(&["push", "--delete", "--json"], &at(V2_AT));
    push.expect(0);
    assert_eq!(summary(&push, "retired"), 1);
    assert_eq!(summary(&push, "deleted"), 0);
    assert_eq!(summary(&push, "new"), 1);
    let retire = push.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == OLD)
        .cloned()
        .unwrap();
    assert_eq!(retire["action"], "retire");
    assert_eq!(retire["delete_after"], "2026-12-03T10:00:00Z");

    // Old pages still get the old CSS, untouched: bytes and headers.
    let still = s3.get(OLD).await;
    assert_eq!(still.decoded(), b"body{color:red}");
    assert_eq!(still.cache_control.as_deref(), Some(IMMUTABLE));
    assert_eq!(still.etag, old.etag);
    assert!(s3.public_read(OLD).await);
    assert_eq!(s3.get(NEW).await.cache_control.as_deref(), Some(IMMUTABLE));

    let diff = sb.run_env(&["diff", "--delete"], &at("2026-11-27T10:00:00Z"));
    diff.expect(0);
    assert!(
        diff.stdout.contains(
            "  - static/css/site.3f2a.css  retired, deleted after 2026-12-03 10:00 UTC\n"
        ),
        "{}",
        diff.stdout
    );
    assert!(diff.stdout.contains(": in sync ("), "{}", diff.stdout);
    let diff = sb.run_env(&["diff", "--delete", "--json"], &at(V2_AT));
    assert_eq!(
        diff.json()["retained"],
        serde_json::json!([{"key": OLD, "delete_after": "2026-12-03T10:00:00Z"}])
    );

    // The build may be gone when CI prunes after the rollout.
    std::fs::remove_dir_all(sb.path("site")).unwrap();
    let before = sorted_keys(&s3).await;
    let manifest_before = s3.get("static/.s3sync-manifest.json").await.etag;

    let early = sb.run_env(&["prune"], &at("2026-12-02T10:00:00Z"));
    early.expect(0);
    assert!(
        early.stdout.contains("0 pruned, 0 failed"),
        "{}",
        early.stdout
    );

    let dry = sb.run_env(&["prune", "--dry-run"], &at(LATER));
    dry.expect(0);
    assert!(
        dry.stdout.contains(&format!(
            "  - {OLD}  retired 2026-11-26 10:00 UTC, its grace ended 2026-12-03 10:00 UTC: deleted"
        )),
        "{}",
        dry.stdout
    );
    assert_eq!(sorted_keys(&s3).await, before, "a dry run changes nothing");
    assert_eq!(
        s3.get("static/.s3sync-manifest.json").await.etag,
        manifest_before
    );

    let prune = sb.run_env(&["prune", "--json"], &at(LATER));
    prune.expect(0);
    assert_eq!(summary(&prune, "pruned"), 1);
    let mut expected = before.clone();
    expected.retain(|k| k != OLD);
    // A prune is a deploy: its record is the one key that comes.
    let after = sorted_keys(&s3).await;
    let added: Vec<&String> = after.iter().filter(|k| !before.contains(k)).collect();
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(
        added[0].starts_with("static/.s3sync-manifest.json.deploys/"),
        "{added:?}"
    );
    assert_eq!(
        after
            .iter()
            .filter(|k| before.contains(k))
            .cloned()
            .collect::<Vec<_>>(),
        expected,
        "only the retired key goes"
    );
    let again = sb.run_env(&["prune"], &at(LATER));
    again.expect(0);
    assert!(
        again.stdout.contains("0 pruned, 0 failed"),
        "{}",
        again.stdout
    );
}

#[tokio::test]
async fn keep_removed_zero_deletes_at_once() {
    let (sb, s3) = pushed_v1("retain-zero").await;
    build_v2(&sb, false);
    let push = sb.run_env(
        &["push", "--delete", "--keep-removed", "0s", "--json"],
        &at(V2_AT),
    );
    push.expect(0);
    assert_eq!(summary(&push, "deleted"), 1);
    assert_eq!(summary(&push, "retired"), 0);
    assert!(!s3.keys().await.iter().any(|k| k == OLD));
}

#[tokio::test]
async fn an_old_hashed_copy_left_in_the_build_keeps_its_immutable_cache_control() {
    let (sb, s3) = pushed_v1("retain-orphan").await;
    // collectstatic without --clear: the old hashed copy stays in the tree,
    // but the new staticfiles.json no longer names it.
    build_v2(&sb, true);
    let diff = sb.run_env(&["diff", "-v"], &at(V2_AT));
    diff.expect(0);
    assert!(!diff.stdout.contains("headers ("), "{}", diff.stdout);
    let push = sb.run_env(&["push", "--delete", "--json"], &at(V2_AT));
    push.expect(0);
    assert_eq!(summary(&push, "headers"), 0, "{}", push.stdout);
    assert_eq!(summary(&push, "retired"), 0);
    assert_eq!(s3.get(OLD).await.cache_control.as_deref(), Some(IMMUTABLE));
    // And it stays so on the next push.
    let next = sb.run_env(&["diff", "--exit-code"], &at(LATER));
    next.expect(0);
}

#[tokio::test]
async fn max_deletes_refuses_a_prune_that_deletes_too_much() {
    let (sb, s3) = pushed_v1("retain-max").await;
    build_v2(&sb, false);
    sb.run_env(&["push", "--delete"], &at(V2_AT)).expect(0);
    let before = sorted_keys(&s3).await;
    let refused = sb.run_env(&["prune", "--max-deletes", "0"], &at(LATER));
    refused.expect(2);
    assert!(
        refused.stderr.contains(
            "refusing to prune: the plan deletes 1 objects, more than --max-deletes 0. Nothing was changed."
        ),
        "{}",
        refused.stderr
    );
    assert_eq!(sorted_keys(&s3).await, before);
    // A push after the grace prunes too, and counts it.
    let push = sb.run_env(&["push", "--delete", "--max-deletes", "0"], &at(LATER));
    push.expect(2);
    assert!(push.stderr.contains("refusing to push"), "{}", push.stderr);
    let push = sb.run_env(&["push", "--delete", "--json"], &at(LATER));
    push.expect(0);
    assert_eq!(summary(&push, "pruned"), 1);
    assert!(!s3.keys().await.iter().any(|k| k == OLD));
}

#[tokio::test]
async fn a_bad_clock_override_is_an_error_naming_it() {
    let sb = Sandbox::new();
    let run = sb.run_env(
        &["prune", "--to", "file://out"],
        &[("S3SYNC_NOW", "next tuesday")],
    );
    run.expect(2);
    assert!(
        run.stderr.contains(
            "S3SYNC_NOW 'next tuesday' is not an RFC 3339 UTC time such as 2026-12-03T10:00:00Z"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_retired_key_already_gone_from_the_bucket_is_not_an_error() {
    let (sb, s3) = pushed_v1("retain-gone").await;
    build_v2(&sb, false);
    sb.run_env(&["push", "--delete"], &at(V2_AT)).expect(0);
    s3.client
        .delete_object()
        .bucket(&s3.bucket)
        .key(OLD)
        .send()
        .await
        .unwrap();
    let prune = sb.run_env(&["prune", "--json"], &at(LATER));
    prune.expect(0);
    assert_eq!(summary(&prune, "pruned"), 1);
    let diff = sb.run_env(&["diff", "--delete", "--exit-code"], &at(LATER));
    diff.expect(0);
    assert!(!diff.stdout.contains("site.3f2a"), "{}", diff.stdout);
}
