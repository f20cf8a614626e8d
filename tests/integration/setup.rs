//! `s3sync setup` against moto: a missing bucket is created and configured
//! (read back with the SDK), a second run changes nothing, what others put
//! in the bucket policy and CORS survives, `--dry-run` changes nothing, the
//! public prefix answers anonymous GETs and the manifest does not, and
//! `check` names `setup` as the fix.
//!
//! Requests go through the test proxy, which fixes one moto answer the SDK
//! rejects: GetBucketVersioning's root element (moto 5.2.5 sends
//! `GetBucketVersioningResponse`, S3 `VersioningConfiguration`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::commands::http_get;
use crate::iam_proxy::Iam;
use crate::proxy::{Proxy, Seen};
use crate::support::{Run, S3, Sandbox, client, endpoint};

/// A proxy to moto that corrects GetBucketVersioning's answer.
fn moto_proxy() -> Proxy {
    let proxy = Proxy::start(&endpoint());
    proxy.set_body_rewrite(Arc::new(|seen: &Seen, body: &bytes::Bytes| {
        let versioning = seen.method == "GET" && seen.query.split('&').any(|q| q == "versioning");
        versioning.then(|| {
            String::from_utf8_lossy(body)
                .replace("GetBucketVersioningResponse", "VersioningConfiguration")
                .into()
        })
    }));
    proxy
}

static NAMES: AtomicUsize = AtomicUsize::new(0);

/// A bucket name no one has created yet.
fn fresh_name(hint: &str) -> String {
    format!(
        "t-{hint}-{}-{}",
        std::process::id(),
        NAMES.fetch_add(1, Ordering::Relaxed)
    )
}

fn config(bucket: &str, endpoint: &str, region: &str, extra: &str) -> String {
    format!(
        "source = \"site\"\n[storage]\nbucket_name = \"{bucket}\"\nlocation = \"static\"\nendpoint_url = \"{endpoint}\"\naddressing_style = \"path\"\nregion_name = \"{region}\"\ndefault_acl = \"none\"\n{extra}"
    )
}

const EVERYTHING: &str = "[setup]\npublic = true\ncors_origins = [\"https://www.example.com\"]\nwebsite = {index = \"index.html\", error = \"404.html\"}\nversioning = true\n";

fn lines_with(run: &Run, word: &str) -> Vec<String> {
    run.stdout
        .lines()
        .filter(|l| l.starts_with(word))
        .map(str::to_string)
        .collect()
}

fn site(sb: &Sandbox) {
    sb.write("site/index.html", "<h1>home</h1>\n");
    sb.write("site/404.html", "<h1>not found</h1>\n");
}

async fn stored_policy(s3: &aws_sdk_s3::Client, bucket: &str) -> Value {
    let text = s3
        .get_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_string();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn setup_creates_a_missing_bucket_a_second_run_changes_nothing_and_only_the_public_prefix_is_public()
 {
    let proxy = moto_proxy();
    let s3 = client(&endpoint());
    let bucket = fresh_name("setup");
    let sb = Sandbox::new();
    site(&sb);
    sb.config(&config(&bucket, &proxy.endpoint, "eu-west-1", EVERYTHING));

    let dry = sb.run(&["setup", "--dry-run"]);
    dry.expect(0);
    assert!(
        dry.stdout.starts_with(&format!(
            "would change bucket: create s3://{bucket} in eu-west-1\n"
        )),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .ends_with("dry run: 6 would change, 1 ok; run `s3sync setup` to apply\n"),
        "{}",
        dry.stdout
    );
    assert!(
        s3.head_bucket().bucket(&bucket).send().await.is_err(),
        "a dry run creates nothing"
    );

    let first = sb.run(&["setup"]);
    first.expect(0);
    // After creating it, the rest is planned from what the new bucket is
    // (moto: no ownership controls, nothing blocked; AWS blocks public
    // access, which the dry run assumed).
    assert_eq!(
        lines_with(&first, "changed").len(),
        5,
        "bucket, policy, CORS, website, versioning:\n{}",
        first.stdout
    );
    for line in [
        "ok           object ownership: ObjectWriter (no ACL is sent; left as it is)\n",
        "ok           block public access: nothing blocked (allows a public bucket policy ([setup] public = true))\n",
    ] {
        assert!(first.stdout.contains(line), "{line}{}", first.stdout);
    }

    // Read back with the SDK.
    let location = s3
        .get_bucket_location()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        location
            .location_constraint()
            .map(aws_sdk_s3::types::BucketLocationConstraint::as_str),
        Some("eu-west-1")
    );
    let policy = stored_policy(&s3, &bucket).await;
    let sids: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(
        sids,
        ["PublicReadOfThePrefix", "KeepRecordsAndPrivateFilesPrivate"]
    );
    let printed = sb.run(&["policy", "--public"]);
    printed.expect(0);
    let printed: Value = serde_json::from_str(&printed.stdout).unwrap();
    assert_eq!(
        policy["Statement"], printed["Statement"],
        "the statements `policy --public` prints"
    );
    let cors = s3.get_bucket_cors().bucket(&bucket).send().await.unwrap();
    let rule = &cors.cors_rules()[0];
    assert_eq!(rule.id(), Some("s3sync"));
    assert_eq!(rule.allowed_methods(), ["GET", "HEAD"]);
    assert_eq!(rule.allowed_origins(), ["https://www.example.com"]);
    let website = s3
        .get_bucket_website()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(website.index_document().unwrap().suffix(), "index.html");
    assert_eq!(website.error_document().unwrap().key(), "static/404.html");
    // Through the proxy: the SDK cannot read moto's own answer (module doc).
    let versioning = client(&proxy.endpoint)
        .get_bucket_versioning()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        versioning
            .status()
            .map(aws_sdk_s3::types::BucketVersioningStatus::as_str),
        Some("Enabled")
    );

    let second = sb.run(&["setup"]);
    second.expect(0);
    assert_eq!(
        lines_with(&second, "ok").len(),
        7,
        "a second run changes nothing:\n{}",
        second.stdout
    );
    assert!(
        second.stdout.ends_with("setup: 0 changed, 7 ok\n"),
        "{}",
        second.stdout
    );

    // Publish, then ask as nobody. moto evaluates the bucket policy for
    // anonymous requests (the objects carry no public ACL, so the 200 is
    // the policy's Allow); it applies the Deny to everyone, which AWS
    // does only outside the bucket's account. The IAM proxy evaluates the
    // stored document as AWS does.
    sb.run(&["push"]).expect(0);
    let base = format!("{}/{bucket}/static", endpoint());
    assert_eq!(http_get(&format!("{base}/index.html")).await.0, 200);
    assert_eq!(
        http_get(&format!("{base}/.s3sync-manifest.json")).await.0,
        403
    );
    let aws = Proxy::start(&endpoint());
    let iam = Iam::new(Vec::new(), Some(policy));
    iam.install(&aws);
    let base = format!("{}/{bucket}/static", aws.endpoint);
    let (status, body) = http_get(&format!("{base}/index.html")).await;
    assert_eq!(
        (status, crate::support::gunzip(&body).as_slice()),
        (200, b"<h1>home</h1>\n".as_slice())
    );
    assert_eq!(
        http_get(&format!("{base}/.s3sync-manifest.json")).await.0,
        403
    );
    assert_eq!(
        http_get(&format!("{base}/.s3sync-manifest.json.deploys/x"))
            .await
            .0,
        403
    );
    assert_eq!(iam.take_denied().len(), 2);
}

#[tokio::test]
async fn setup_keeps_the_policy_statements_and_cors_rules_of_others() {
    let proxy = moto_proxy();
    let s3 = S3::new("setupkeep").await;
    let theirs = json!({"Sid": "LogDelivery", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:ListBucket", "Resource": format!("arn:aws:s3:::{}", s3.bucket)});
    s3.client
        .put_bucket_policy()
        .bucket(&s3.bucket)
        .policy(json!({"Version": "2012-10-17", "Statement": [theirs.clone()]}).to_string())
        .send()
        .await
        .unwrap();
    let uploads = aws_sdk_s3::types::CorsRule::builder()
        .id("uploads")
        .allowed_methods("PUT")
        .allowed_origins("https://admin.example.com")
        .build()
        .unwrap();
    s3.client
        .put_bucket_cors()
        .bucket(&s3.bucket)
        .cors_configuration(
            aws_sdk_s3::types::CorsConfiguration::builder()
                .cors_rules(uploads.clone())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    block_all_public_access(&s3).await;
    let sb = Sandbox::new();
    site(&sb);
    let setup = "[setup]\npublic = true\ncors_origins = [\"https://www.example.com\"]\n";
    sb.config(&config(&s3.bucket, &proxy.endpoint, "us-east-1", setup));
    let run = sb.run(&["setup"]);
    run.expect(0);
    assert!(
        run.stdout.contains("changed      bucket policy: add PublicReadOfThePrefix, KeepRecordsAndPrivateFilesPrivate (public read of the prefix, records kept private); 1 other statement kept")
            && run.stdout.contains("changed      CORS: add rule s3sync allowing GET, HEAD from https://www.example.com; 1 other rule kept"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("changed      block public access: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets -> BlockPublicAcls, IgnorePublicAcls (allows a public bucket policy ([setup] public = true))\n"),
        "{}",
        run.stdout
    );
    let block = s3
        .client
        .get_public_access_block()
        .bucket(&s3.bucket)
        .send()
        .await
        .unwrap();
    let block = block.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            block.block_public_acls(),
            block.ignore_public_acls(),
            block.block_public_policy(),
            block.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(false), Some(false)),
        "only what the policy needs is opened"
    );
    let policy = stored_policy(&s3.client, &s3.bucket).await;
    assert_eq!(policy["Statement"][0], theirs, "kept as it was");
    assert_eq!(policy["Statement"].as_array().unwrap().len(), 3);

    // Other origins: our rule is updated in place, theirs stays.
    sb.config(&config(
        &s3.bucket,
        &proxy.endpoint,
        "us-east-1",
        &setup.replace("https://www.example.com", "https://app.example.com"),
    ));
    let run = sb.run(&["setup"]);
    run.expect(0);
    assert_eq!(lines_with(&run, "changed").len(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("changed      CORS: update rule s3sync allowing GET, HEAD from https://app.example.com; 1 other rule kept"),
        "{}",
        run.stdout
    );
    let cors = s3
        .client
        .get_bucket_cors()
        .bucket(&s3.bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(cors.cors_rules().len(), 2);
    assert_eq!(cors.cors_rules()[0].id(), Some("uploads"));
    assert_eq!(cors.cors_rules()[0].allowed_methods(), ["PUT"]);
    assert_eq!(
        cors.cors_rules()[1].allowed_origins(),
        ["https://app.example.com"]
    );
    assert_eq!(
        stored_policy(&s3.client, &s3.bucket).await["Statement"][0],
        theirs
    );
}

#[tokio::test]
async fn check_names_setup_as_the_fix_when_cors_or_versioning_are_missing() {
    let proxy = moto_proxy();
    let s3 = S3::new("setupcheck").await;
    let sb = Sandbox::new();
    site(&sb);
    sb.config(&config(
        &s3.bucket,
        &proxy.endpoint,
        "us-east-1",
        "[setup]\ncors_origins = [\"https://www.example.com\"]\nversioning = true\n",
    ));
    let check = sb.run(&["check"]);
    check.expect(2);
    for what in [
        "CORS: needs add rule s3sync",
        "versioning: needs off -> enabled",
    ] {
        let line = check
            .stdout
            .lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no line with {what}:\n{}", check.stdout));
        assert!(
            line.starts_with("FAIL bucket setup: ") && line.contains("Fix: run `s3sync setup`"),
            "{line}"
        );
    }
    assert!(
        check.stdout.ends_with("2 check(s) failed\n"),
        "{}",
        check.stdout
    );
    let dry = sb.run(&["setup", "--dry-run"]);
    dry.expect(0);
    assert_eq!(lines_with(&dry, "would change").len(), 2, "{}", dry.stdout);
    assert!(
        sb.run(&["check"]).stdout.contains("2 check(s) failed"),
        "the dry run changed nothing"
    );
    sb.run(&["setup"]).expect(0);
    let check = sb.run(&["check"]);
    check.expect(0);
    assert!(
        check.stdout.contains(
            "ok   bucket setup: CORS: rule s3sync allows GET, HEAD from https://www.example.com"
        ),
        "{}",
        check.stdout
    );
}

#[test]
fn policy_setup_prints_one_document_apart_from_the_deploy_policy() {
    let sb = Sandbox::new();
    sb.config(&config(
        "site-assets",
        "http://127.0.0.1:9",
        "us-east-1",
        EVERYTHING,
    ));
    let run = sb.run(&["policy", "--setup"]);
    run.expect(0);
    let doc = run.json();
    let actions: Vec<&str> = doc["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for a in [
        "s3:CreateBucket",
        "s3:GetBucketPolicy",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketCORS",
        "s3:PutBucketWebsite",
        "s3:PutBucketVersioning",
    ] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
    assert_eq!(doc["Statement"][0]["Resource"], "arn:aws:s3:::site-assets");
    let deploy = sb.run(&["policy"]);
    deploy.expect(0);
    assert!(!deploy.stdout.contains("PutBucket"), "{}", deploy.stdout);
    let both = sb.run(&["policy", "--setup", "--public"]);
    both.expect(2);
}

#[tokio::test]
async fn deploy_credentials_cannot_set_up_the_bucket_and_are_told_which_policy_can() {
    let s3 = S3::new("setupdenied").await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::new();
    site(&sb);
    sb.config(&config(
        &s3.bucket,
        &proxy.endpoint,
        "us-east-1",
        EVERYTHING,
    ));
    let deploy = sb.run(&["policy"]);
    deploy.expect(0);
    let iam = Iam::new(vec![serde_json::from_str(&deploy.stdout).unwrap()], None);
    iam.install(&proxy);
    let run = sb.run(&["setup"]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("access denied: s3:ListBucket (HeadBucket)")
            && run.stderr.contains("`s3sync policy --setup` prints"),
        "{}",
        run.stderr
    );
    assert!(
        s3.client
            .get_bucket_policy()
            .bucket(&s3.bucket)
            .send()
            .await
            .is_err(),
        "nothing was changed"
    );
}

/// A bucket as AWS creates one since April 2023 (moto does not): Object
/// Ownership `BucketOwnerEnforced` (ACLs off) and every public access
/// blocked.
async fn with_aws_defaults(s3: &S3) {
    let rule = aws_sdk_s3::types::OwnershipControlsRule::builder()
        .object_ownership(aws_sdk_s3::types::ObjectOwnership::BucketOwnerEnforced)
        .build()
        .unwrap();
    s3.client
        .put_bucket_ownership_controls()
        .bucket(&s3.bucket)
        .ownership_controls(
            aws_sdk_s3::types::OwnershipControls::builder()
                .rules(rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    block_all_public_access(s3).await;
}

/// Every public access blocked, as AWS does for a new bucket.
async fn block_all_public_access(s3: &S3) {
    s3.client
        .put_public_access_block()
        .bucket(&s3.bucket)
        .public_access_block_configuration(
            aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// `setup` with every setting on, under exactly the policy `policy
/// --setup` prints, as AWS evaluates it (the IAM proxy, which models the
/// bucket-level actions): nothing denied, and a second run (reads only)
/// neither. Both ways `public` is carried out (a bucket policy with
/// `default_acl = "none"`, public-read ACLs otherwise), each on a bucket
/// that does not exist yet (CreateBucket) and on one in AWS's defaults for
/// a new bucket (so Object Ownership and Block Public Access are changed:
/// moto's new buckets need neither).
#[tokio::test]
async fn setup_works_under_exactly_the_policy_setup_prints() {
    for acl in ["none", "public-read"] {
        for existing in [false, true] {
            let proxy = moto_proxy();
            let bucket = if existing {
                let s3 = S3::new("setupiam").await;
                with_aws_defaults(&s3).await;
                s3.bucket
            } else {
                fresh_name("setupiam")
            };
            let case = format!("default_acl = {acl}, existing bucket: {existing}");
            let sb = Sandbox::new();
            site(&sb);
            sb.config(
                &config(&bucket, &proxy.endpoint, "us-east-1", EVERYTHING).replace(
                    "default_acl = \"none\"",
                    &format!("default_acl = \"{acl}\""),
                ),
            );
            let printed = sb.run(&["policy", "--setup"]);
            printed.expect(0);
            let policy: Value = serde_json::from_str(&printed.stdout).unwrap();
            let iam = Iam::new(vec![policy], None);
            iam.install(&proxy);
            let first = sb.run(&["setup"]);
            first.expect(0);
            let changed = lines_with(&first, "changed");
            if existing {
                let wanted = ["block public access"]
                    .into_iter()
                    .chain((acl != "none").then_some("object ownership"));
                for what in wanted {
                    assert!(
                        changed.iter().any(|l| l.contains(what)),
                        "{case}: {what} not changed:\n{}",
                        first.stdout
                    );
                }
            }
            assert_eq!(
                iam.take_denied(),
                Vec::<String>::new(),
                "{case}: setup was denied a request"
            );
            let second = sb.run(&["setup"]);
            assert!(
                second
                    .expect(0)
                    .stdout
                    .ends_with("setup: 0 changed, 7 ok\n"),
                "{case}: {}",
                second.stdout
            );
            assert_eq!(
                iam.take_denied(),
                Vec::<String>::new(),
                "{case}: the second setup was denied a request"
            );
            // The policy grants only what setup needs: a deploy is refused.
            let push = sb.run(&["push"]);
            assert_eq!(push.code, 2, "{case}: {}", push.stderr);
        }
    }
}
