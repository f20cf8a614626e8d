//! Every command works under exactly the IAM policy `s3sync policy` prints,
//! as AWS evaluates it (the IAM-evaluating proxy of `iam_proxy.rs` in front
//! of moto), and `policy --public` publishes neither the records nor the
//! files a rule keeps private.

use serde_json::{Value, json};

use crate::commands::http_get;
use crate::iam_proxy::Iam;
use crate::proxy::Proxy;
use crate::support::{S3, Sandbox, client, summary};

/// The policy document `s3sync <args>` prints on stdout.
fn printed(sb: &Sandbox, args: &[&str]) -> Value {
    let run = sb.run(args);
    run.expect(0);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", run.stdout))
}

#[track_caller]
fn no_denials(iam: &Iam, step: &str) {
    let denied = iam.take_denied();
    assert!(denied.is_empty(), "{step}: denied requests: {denied:#?}");
}

const CONFIG: &str = "[sync]\nmultipart_threshold = \"5MiB\"\nmultipart_chunksize = \"5MiB\"\n\
    [[rules]]\nmatch = \"robots.txt\"\ncache_control = \"max-age=60\"\n\
    [[rules]]\nmatch = \"private/**\"\nacl = \"private\"\n";

fn big_bytes() -> Vec<u8> {
    let mut x: u32 = 0x9E37_79B9;
    (0..11 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

#[tokio::test]
async fn every_command_works_under_the_printed_policy_and_once_the_manifest_exists_nothing_is_denied()
 {
    let s3 = S3::new("iam").await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::with_assets();
    sb.write("site/private/report.txt", "for the team only\n");
    sb.config(&s3.config(&proxy.endpoint, CONFIG));
    let policy = printed(&sb, &["policy", "--delete"]);
    let iam = Iam::new(vec![policy.clone()], None);
    iam.install(&proxy);

    // Before anything exists: check and the first push succeed. (AWS
    // answers 403 for the missing manifest under this policy; s3sync tells
    // that from a real denial with a listing of the key.)
    let check = sb.run(&["check"]);
    check.expect(0);
    assert!(
        check.stdout.contains("ok   s3://") && check.stdout.ends_with("all checks passed\n"),
        "{}",
        check.stdout
    );
    assert!(
        !proxy
            .take()
            .iter()
            .any(|r| r.method == "HEAD" && r.path.trim_matches('/') == s3.bucket),
        "no HeadBucket"
    );
    let first = sb.run(&["push", "--json"]);
    first.expect(0);
    assert_eq!(summary(&first, "new"), 11);
    let before = iam.take_denied();
    assert!(
        before.iter().all(|d| d.contains(".s3sync-manifest.json")),
        "only the missing records' reads may be denied: {before:#?}"
    );

    // From here on the manifest exists: not one denied request.
    let again = sb.run(&["push", "--json"]);
    again.expect(0);
    assert_eq!(summary(&again, "bytes_uploaded"), 0);
    sb.run(&["diff", "--exit-code"]).expect(0);
    sb.run(&["diff", "--verify", "--exit-code"]).expect(0);
    no_denials(&iam, "re-push and diff");

    sb.write("site/css/app.css", "body { color: teal }\n");
    let edit = sb.run(&["push", "--json"]);
    edit.expect(0);
    assert_eq!(summary(&edit, "changed"), 1);
    no_denials(&iam, "edit");

    sb.config(&s3.config(
        &proxy.endpoint,
        &CONFIG.replace("max-age=60", "max-age=120"),
    ));
    proxy.take();
    sb.run(&["push"]).expect(0);
    assert!(
        proxy
            .take()
            .iter()
            .any(|r| r.header("x-amz-copy-source").is_some()),
        "a header-only change is a CopyObject"
    );
    assert_eq!(
        s3.get("static/robots.txt").await.cache_control.as_deref(),
        Some("max-age=120")
    );
    no_denials(&iam, "header-only change");

    let big = big_bytes();
    std::fs::write(sb.path("site/big.bin"), &big).unwrap();
    sb.run(&["push"]).expect(0);
    assert!(
        proxy
            .take()
            .iter()
            .any(|r| r.method == "POST" && r.query.contains("uploads")),
        "a multipart upload"
    );
    assert!(s3.get("static/big.bin").await.bytes == big);
    no_denials(&iam, "multipart upload");

    let url = sb.run(&["url", "robots.txt", "--presign"]);
    url.expect(0);
    let (status, body) = http_get(url.stdout.trim()).await;
    assert_eq!(
        (status, crate::support::gunzip(&body)),
        (200, sb.read("site/robots.txt"))
    );
    // A private file gets a presigned URL without asking: a plain one
    // would answer 403.
    let private = sb.run(&["url", "private/report.txt"]);
    private.expect(0);
    assert!(
        private
            .stderr
            .contains("static/private/report.txt is private (ACL \"private\")"),
        "{}",
        private.stderr
    );
    assert!(
        private.stdout.contains("X-Amz-Signature="),
        "{}",
        private.stdout
    );
    let (status, body) = http_get(private.stdout.trim()).await;
    assert_eq!(
        (status, crate::support::gunzip(&body)),
        (200, b"for the team only\n".to_vec())
    );
    no_denials(&iam, "url --presign");

    sb.remove("site/img/photo.png");
    let delete = sb.run(&["push", "--delete", "--json"]);
    delete.expect(0);
    assert_eq!(summary(&delete, "deleted"), 1);
    assert!(
        !s3.keys()
            .await
            .contains(&"static/img/photo.png".to_string())
    );
    sb.run(&["check"]).expect(0);
    no_denials(&iam, "push --delete and check");

    // The proxy bites: HeadBucket (an unscoped s3:ListBucket) is denied
    // under the printed policy...
    let head = client(&proxy.endpoint)
        .head_bucket()
        .bucket(&s3.bucket)
        .send()
        .await;
    let status = head
        .err()
        .and_then(|e| e.raw_response().map(|r| r.status().as_u16()));
    assert_eq!(status, Some(403));
    assert_eq!(iam.take_denied().len(), 1);

    // ...and a real denial of the manifest is not read as "missing" (which
    // would re-upload everything): the listing shows the key, so the 403
    // stands, with its fix.
    let mut denying = policy;
    denying["Statement"].as_array_mut().unwrap().push(json!({
        "Effect": "Deny", "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{}/static/.s3sync-manifest.json", s3.bucket),
    }));
    Iam::new(vec![denying], None).install(&proxy);
    let diff = sb.run(&["diff"]);
    diff.expect(2);
    assert!(
        diff.stderr
            .contains("access denied: s3:GetObject on arn:aws:s3:::")
            && diff.stderr.contains("s3sync policy"),
        "{}",
        diff.stderr
    );
}

#[tokio::test]
async fn a_whole_bucket_or_a_location_with_wildcards_works_under_its_printed_policy() {
    for (location, denied_at_first) in [("", false), ("v*1?/$x", true)] {
        let s3 = S3::new("iamloc").await;
        let proxy = Proxy::start(&s3.endpoint);
        let sb = Sandbox::with_assets();
        sb.config(&s3.config(&proxy.endpoint, "").replace(
            "location = \"static\"\n",
            &format!("location = \"{location}\"\n"),
        ));
        let policy = printed(&sb, &["policy", "--delete"]);
        let iam = Iam::new(vec![policy], None);
        iam.install(&proxy);
        sb.run(&["check"]).expect(0);
        sb.run(&["push"]).expect(0);
        // With no location, ListBucket is unconditioned: a missing record
        // answers 404 and nothing is ever denied.
        assert_eq!(!iam.take_denied().is_empty(), denied_at_first, "{location}");
        sb.write("site/robots.txt", "User-agent: *\nDisallow: /\n");
        let again = sb.run(&["push", "--json"]);
        again.expect(0);
        assert_eq!(summary(&again, "changed"), 1);
        no_denials(&iam, location);
        let key = if location.is_empty() {
            "robots.txt".to_string()
        } else {
            format!("{location}/robots.txt")
        };
        assert!(s3.keys().await.contains(&key), "{location}");
    }
}

#[tokio::test]
async fn a_policy_without_put_object_fails_the_push_with_access_denied() {
    let s3 = S3::new("iamput").await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&proxy.endpoint, ""));
    let mut policy = printed(&sb, &["policy"]);
    let actions = policy["Statement"][1]["Action"].as_array_mut().unwrap();
    actions.retain(|a| a != "s3:PutObject");
    let iam = Iam::new(vec![policy], None);
    iam.install(&proxy);
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(
        run.all().contains("access denied: s3:PutObject"),
        "{}",
        run.all()
    );
    assert!(iam.denied() > 0);
    assert!(s3.keys().await.is_empty(), "nothing was written");
}

#[tokio::test]
async fn the_public_bucket_policy_hides_the_records_and_private_files_from_everyone_else() {
    let s3 = S3::new("iampublic").await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::with_assets();
    sb.write("site/docs/plan.pdf", "%PDF-1.4 internal\n");
    // public-read objects (the default ACL), so that moto, which checks
    // ACLs on anonymous reads, serves what the policy allows; the proxy
    // decides with the bucket policy and counts what it denies.
    sb.config(&s3.config(
        &proxy.endpoint,
        "[[rules]]\nmatch = \"*.pdf\"\nacl = \"private\"\n",
    ));
    let identity = printed(&sb, &["policy"]);
    let public = sb.run(&["policy", "--public"]);
    public.expect(0);
    let bucket_policy: Value = serde_json::from_str(&public.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", public.stdout));
    let iam = Iam::new(vec![identity], Some(bucket_policy));
    iam.install(&proxy);
    sb.run(&["push"]).expect(0);
    iam.take_denied();

    let base = format!("{}/{}/static", proxy.endpoint, s3.bucket);
    let anonymous = |key: &str| http_get_status(format!("{base}/{key}"));
    assert_eq!(anonymous("index.html").await, 200, "public");
    assert_eq!(anonymous("css/app.css").await, 200, "public");
    assert_eq!(anonymous(".s3sync-manifest.json").await, 403, "the record");
    assert_eq!(
        anonymous(".s3sync-manifest.json.intent").await,
        403,
        "the record"
    );
    assert_eq!(anonymous("docs/plan.pdf").await, 403, "a private rule");
    assert_eq!(iam.take_denied().len(), 3);

    // The identity running s3sync still reads its records and the private
    // file (a presigned URL is signed by it).
    sb.run(&["diff", "--exit-code"]).expect(0);
    let url = sb.run(&["url", "docs/plan.pdf"]);
    url.expect(0);
    assert_eq!(http_get(url.stdout.trim()).await.0, 200);
    let plain = sb.run(&["url", "index.html"]);
    assert!(
        !plain.stdout.contains("X-Amz-Signature"),
        "{}",
        plain.stdout
    );
    no_denials(&iam, "the owner's requests");
}

async fn http_get_status(url: String) -> u16 {
    http_get(&url).await.0
}

#[tokio::test]
async fn check_under_the_policy_without_delete_sends_nothing_it_would_be_denied() {
    let s3 = S3::new("iamcheck").await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&proxy.endpoint, ""));
    let iam = Iam::new(vec![printed(&sb, &["policy"])], None);
    iam.install(&proxy);
    sb.run(&["push"]).expect(0);
    iam.take_denied();
    for _ in 0..2 {
        let check = sb.run(&["check"]);
        check.expect(0);
        assert!(
            check.stdout.contains("ok   deletes are off"),
            "{}",
            check.stdout
        );
    }
    no_denials(&iam, "check with deletes off");
    // One probe, overwritten by each check; never a pile of them.
    let probes: Vec<String> = s3
        .keys()
        .await
        .into_iter()
        .filter(|k| k.contains(".s3sync-check"))
        .collect();
    assert_eq!(probes, ["static/.s3sync-check-probe"]);
}

#[tokio::test]
async fn the_history_and_rollback_work_under_the_printed_policy_without_deletes() {
    let s3 = S3::new("iamhistory").await;
    crate::history::enable_versioning(&s3).await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::with_assets();
    sb.config(&s3.config(&proxy.endpoint, "[sync]\nhistory = 2\n"));
    let policy = printed(&sb, &["policy"]);
    let iam = Iam::new(vec![policy], None);
    iam.install(&proxy);
    sb.run(&["push"]).expect(0);
    iam.take_denied();
    // Three more deploys: the oldest records fall out of the history and
    // are deleted, in the deploy folder only.
    for (file, body) in [
        ("css/app.css", "body { color: teal }\n"),
        ("index.html", "<!doctype html><p>v3\n"),
        ("robots.txt", "User-agent: *\n"),
    ] {
        sb.write(&format!("site/{file}"), body);
        sb.run(&["push"]).expect(0);
    }
    no_denials(&iam, "pushes that trim the history");
    let records = s3
        .keys()
        .await
        .into_iter()
        .filter(|k| k.contains(".s3sync-manifest.json.deploys/"))
        .count();
    assert_eq!(records, 2);
    // A rollback: versions are checked and copied back.
    proxy.take();
    sb.run(&["rollback"]).expect(0);
    assert!(
        proxy.take().iter().any(|r| r
            .header("x-amz-copy-source")
            .is_some_and(|c| c.contains("versionId="))),
        "a copy of a version"
    );
    let original = std::fs::read(crate::support::repo_root().join("assets-example/robots.txt"));
    assert_eq!(
        s3.get("static/robots.txt").await.decoded(),
        original.unwrap()
    );
    sb.run(&["log"]).expect(0);
    no_denials(&iam, "rollback and log");
}
