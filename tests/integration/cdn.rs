//! CloudFront invalidation on a real API (moto's CloudFront): a
//! distribution whose origin is the test bucket with OriginPath `/static`.
//! The first push (only new keys) invalidates nothing; a push of edits
//! invalidates exactly their viewer paths (read back with
//! ListInvalidations and GetInvalidation), never a new hashed file; 200
//! changed files fold under the budget; a push without changes invalidates
//! nothing; a distribution with no origin for the bucket stops the push
//! before anything changes; a refused invalidation after a push exits 2
//! with the command that finishes the job, the record written.

use aws_sdk_cloudfront::Client;
use aws_sdk_cloudfront::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig, ViewerProtocolPolicy,
};

use std::sync::Arc;

use crate::proxy::{Proxy, Seen};
use crate::support::{ACCESS_KEY, S3, SECRET_KEY, Sandbox, endpoint};

fn cloudfront() -> Client {
    let config = aws_sdk_cloudfront::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(Credentials::new(
            ACCESS_KEY, SECRET_KEY, None, None, "tests",
        ))
        .build();
    Client::from_conf(config)
}

/// A distribution with one S3 origin at `domain` (OriginPath `/static`):
/// its id.
async fn distribution(client: &Client, domain: &str) -> String {
    let origin = Origin::builder()
        .id("assets")
        .domain_name(domain)
        .origin_path("/static")
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference(format!("s3sync-test-{domain}"))
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("assets")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .build()
                .unwrap(),
        )
        .comment("s3sync test")
        .enabled(true)
        .build()
        .unwrap();
    let out = client
        .create_distribution()
        .distribution_config(config)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create a distribution on moto: {e:?}"));
    out.distribution().unwrap().id().to_string()
}

/// Every invalidation of the distribution, as CloudFront holds it: (id,
/// sorted paths), oldest first.
pub(crate) async fn invalidations(client: &Client, id: &str) -> Vec<(String, Vec<String>)> {
    let list = client
        .list_invalidations()
        .distribution_id(id)
        .send()
        .await
        .unwrap();
    let mut out = Vec::new();
    for summary in list
        .invalidation_list()
        .map(aws_sdk_cloudfront::types::InvalidationList::items)
        .unwrap_or_default()
    {
        let got = client
            .get_invalidation()
            .distribution_id(id)
            .id(summary.id())
            .send()
            .await
            .unwrap();
        let batch = got.invalidation().unwrap().invalidation_batch().unwrap();
        let mut paths = batch.paths().unwrap().items().to_vec();
        paths.sort();
        out.push((summary.id().to_string(), paths));
    }
    out
}

/// The site at v1: two pages, a stylesheet, a hashed script.
fn build_v1(sb: &Sandbox) {
    sb.write("site/index.html", "<h1>home</h1>");
    sb.write("site/about/index.html", "<h1>about</h1>");
    sb.write("site/css/site.css", "body{color:red}");
    sb.write("site/js/app.3f2a9c.js", "console.log(1)");
    sb.write("site/robots.txt", "User-agent: *\n");
}

/// A bucket, a distribution serving it, and a sandbox pointed at both
/// (CloudFront's endpoint from the SDK's own variable).
pub(crate) async fn setup(hint: &str) -> (Sandbox, S3, Client, String) {
    let s3 = S3::new(hint).await;
    let client = cloudfront();
    let id = distribution(
        &client,
        &format!("{}.s3.us-east-1.amazonaws.com", s3.bucket),
    )
    .await;
    let sb = Sandbox::new();
    sb.config(&s3.config(
        &s3.endpoint,
        &format!("[cdn]\ncloudfront_distribution_id = \"{id}\"\n"),
    ));
    (sb, s3, client, id)
}

fn cdn_env() -> [(&'static str, String); 1] {
    [("AWS_ENDPOINT_URL_CLOUDFRONT", endpoint())]
}

pub(crate) fn run(sb: &Sandbox, args: &[&str]) -> crate::support::Run {
    let env = cdn_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    sb.run_env(args, &env)
}

#[tokio::test]
async fn a_push_invalidates_exactly_the_viewer_paths_of_what_changed() {
    let (sb, s3, client, id) = setup("cdn-exact").await;
    build_v1(&sb);
    let first = run(&sb, &["push", "--json"]);
    first.expect(0);
    assert_eq!(first.json()["invalidations"], serde_json::json!([]));
    assert!(
        invalidations(&client, &id).await.is_empty(),
        "new keys need no invalidation"
    );

    // v2: three edits and a new hashed script.
    sb.write("site/index.html", "<h1>home v2</h1>");
    sb.write("site/about/index.html", "<h1>about v2</h1>");
    sb.write("site/css/site.css", "body{color:tan}");
    sb.write("site/js/app.9b1c77.js", "console.log(2)");
    let want = [
        "/",
        "/about",
        "/about/",
        "/about/index.html",
        "/css/site.css",
        "/index.html",
    ];
    let diff = run(&sb, &["diff", "--json"]);
    diff.expect(0);
    let planned = &diff.json()["invalidations"];
    assert_eq!(planned[0]["distribution"], id.as_str());
    assert!(planned[0]["id"].is_null());
    assert_eq!(planned[0]["paths"], serde_json::json!(want));
    let text = run(&sb, &["diff"]);
    assert!(
        text.expect(0).stdout.contains(&format!(
            "invalidate on CloudFront {id} (6 paths):\n  ! /\n  ! /about\n"
        )),
        "{}",
        text.stdout
    );

    let summary = sb.path("summary.md");
    let env = cdn_env();
    let pushed = sb.run_env(
        &["push", "--json", "--wait"],
        &[
            ("AWS_ENDPOINT_URL_CLOUDFRONT", env[0].1.as_str()),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    pushed.expect(0);
    let created = invalidations(&client, &id).await;
    assert_eq!(created.len(), 1, "one invalidation: {created:?}");
    assert_eq!(
        created[0].1, want,
        "exactly the viewer paths, nothing for the new script"
    );
    let report = &pushed.json()["invalidations"][0];
    assert_eq!(report["id"], created[0].0.as_str());
    assert_eq!(report["paths"], serde_json::json!(want));
    assert_eq!(report["completed"], true);
    let markdown = String::from_utf8(sb.read("summary.md")).unwrap();
    assert!(
        markdown.contains(&format!("- `{id}` `{}`: `/` `/about`", created[0].0)),
        "{markdown}"
    );
    assert_eq!(
        s3.get("static/css/site.css").await.decoded(),
        b"body{color:tan}"
    );

    // Nothing changed: nothing to invalidate, and the API is not asked.
    let again = run(&sb, &["push"]);
    again.expect(0);
    assert!(!again.stdout.contains("invalidated"), "{}", again.stdout);
    assert_eq!(invalidations(&client, &id).await.len(), 1);
}

#[tokio::test]
async fn a_push_of_200_changed_files_folds_under_the_budget() {
    let s3 = S3::new("cdn-fold").await;
    let client = cloudfront();
    let id = distribution(
        &client,
        &format!("{}.s3-website-us-east-1.amazonaws.com", s3.bucket),
    )
    .await;
    let sb = Sandbox::new();
    // The endpoint from the config this time, not the environment.
    sb.config(&s3.config(
        &s3.endpoint,
        &format!(
            "[sync]\njobs = 16\n[cdn]\ncloudfront_distribution_id = [\"{id}\"]\nendpoint_url = \"{}\"\n",
            s3.endpoint
        ),
    ));
    for i in 0..200 {
        sb.write(
            &format!("site/css/part{i:03}.css"),
            format!("a{{order:{i}}}"),
        );
    }
    sb.write("site/index.html", "<h1>home</h1>");
    sb.run(&["push"]).expect(0);
    for i in 0..200 {
        sb.write(
            &format!("site/css/part{i:03}.css"),
            format!("b{{order:{i}}}"),
        );
    }
    sb.write("site/index.html", "<h1>home v2</h1>");
    let pushed = sb.run(&["push"]);
    pushed.expect(0);
    assert!(
        pushed
            .stdout
            .contains("folded 200 paths into /css/* (over [cdn] max_paths)"),
        "{}",
        pushed.stdout
    );
    let created = invalidations(&client, &id).await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].1, ["/", "/css/*", "/index.html"]);
}

#[tokio::test]
async fn a_distribution_without_an_origin_for_the_bucket_stops_the_push_before_anything_changes() {
    let s3 = S3::new("cdn-none").await;
    let client = cloudfront();
    let id = distribution(&client, "some-other-bucket.s3.amazonaws.com").await;
    let sb = Sandbox::new();
    sb.config(&s3.config(&s3.endpoint, ""));
    build_v1(&sb);
    sb.run(&["push"]).expect(0);
    sb.write("site/css/site.css", "body{color:tan}");
    let refused = run(&sb, &["push", "--cloudfront", &id]);
    refused.expect(2);
    assert!(
        refused.stderr.contains(&format!(
            "CloudFront distribution {id} has no origin for bucket {}",
            s3.bucket
        )) && refused
            .stderr
            .contains("Nothing was changed. Fix: make the bucket an origin"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        s3.get("static/css/site.css").await.decoded(),
        b"body{color:red}"
    );
    assert!(invalidations(&client, &id).await.is_empty());
    // `diff` shows the plan and says the push would be refused.
    let diff = run(&sb, &["diff", "--cloudfront", &id]);
    diff.expect(0);
    assert!(
        diff.stderr
            .contains("a push would be refused: CloudFront distribution"),
        "{}",
        diff.stderr
    );
}

#[tokio::test]
async fn a_failed_invalidation_after_a_push_exits_2_with_the_fix_and_the_record_is_written() {
    let (sb, s3, client, id) = setup("cdn-denied").await;
    // CloudFront through a proxy that refuses CreateInvalidation.
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_rule(Arc::new(|seen: &Seen| {
        (seen.method == "POST" && seen.path.ends_with("/invalidation")).then(|| {
            (
                403,
                "<?xml version=\"1.0\"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: cloudfront:CreateInvalidation</Message></Error><RequestId>S3SYNCTEST</RequestId></ErrorResponse>".to_string(),
            )
        })
    }));
    sb.config(&s3.config(
        &s3.endpoint,
        &format!(
            "[cdn]\ncloudfront_distribution_id = \"{id}\"\nendpoint_url = \"{}\"\n",
            proxy.endpoint
        ),
    ));
    build_v1(&sb);
    sb.run(&["push"]).expect(0);
    sb.write("site/index.html", "<h1>home v2</h1>");
    let pushed = sb.run(&["push"]);
    pushed.expect(2);
    let out = pushed.all();
    assert!(
        out.contains("error: the bucket changed, but the CloudFront invalidation was not created: CreateInvalidation on CloudFront distribution")
            && out.contains("cloudfront:CreateInvalidation")
            && out.contains(&format!(
                "run `aws cloudfront create-invalidation --distribution-id {id} --paths '/' '/index.html'`"
            )),
        "{out}"
    );
    assert!(invalidations(&client, &id).await.is_empty());
    // The bucket changed and the record says so: the next push has
    // nothing to do.
    assert_eq!(
        s3.get("static/index.html").await.decoded(),
        b"<h1>home v2</h1>"
    );
    let again = sb.run(&["diff", "--json"]);
    assert_eq!(again.expect(0).json()["summary"]["changed"], 0);
}

#[tokio::test]
async fn a_retired_key_is_not_invalidated_until_prune_deletes_it() {
    let (sb, _s3, client, id) = setup("cdn-prune").await;
    build_v1(&sb);
    let at = |now: &'static str| {
        [
            ("AWS_ENDPOINT_URL_CLOUDFRONT", endpoint()),
            ("S3SYNC_NOW", now.to_string()),
        ]
    };
    let run_at = |args: &[&str], now: &'static str| {
        let env = at(now);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        sb.run_env(args, &env)
    };
    run_at(&["push"], "2026-11-25T10:00:00Z").expect(0);
    sb.remove("site/about/index.html");
    let retired = run_at(
        &["push", "--delete", "--keep-removed", "1d"],
        "2026-11-26T10:00:00Z",
    );
    assert!(
        retired.expect(0).stdout.contains("1 retired"),
        "{}",
        retired.stdout
    );
    assert!(
        invalidations(&client, &id).await.is_empty(),
        "a retired object is untouched"
    );
    let pruned = run_at(&["prune", "--json"], "2026-11-28T10:00:00Z");
    assert_eq!(pruned.expect(0).json()["summary"]["pruned"], 1);
    let created = invalidations(&client, &id).await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].1, ["/about", "/about/", "/about/index.html"]);
}

/// A push killed after its uploads but before its record and invalidation
/// leaves the new bytes in the bucket, the key pending in the record, and
/// the CDN serving the old copy. The next push finds the bytes already
/// right, and still invalidates the key.
#[tokio::test]
async fn a_key_an_interrupted_push_left_unsettled_is_invalidated_by_the_next_push() {
    let (sb, s3, client, id) = setup("cdn-unsettled").await;
    build_v1(&sb);
    run(&sb, &["push"]).expect(0);
    let manifest_v1 = s3.get("static/.s3sync-manifest.json").await.bytes;

    // The killed push's end state: v2's bytes in the bucket (a full push
    // puts them there exactly), v1's record, an intent naming the key.
    sb.write("site/css/site.css", "body{color:tan}");
    run(&sb, &["push"]).expect(0);
    let before = invalidations(&client, &id).await.len();
    s3.put("static/.s3sync-manifest.json", &manifest_v1).await;
    let intent =
        serde_json::json!({"version": 1, "id": "killed", "pending": ["static/css/site.css"]});
    s3.put(
        "static/.s3sync-manifest.json.intent",
        &serde_json::to_vec(&intent).unwrap(),
    )
    .await;

    let diff = run(&sb, &["diff", "--json"]);
    assert_eq!(
        diff.expect(0).json()["invalidations"][0]["paths"],
        serde_json::json!(["/css/site.css"])
    );
    // A CI job that pushes only when `diff --exit-code` says so pays it.
    run(&sb, &["diff", "--exit-code"]).expect(1);
    let pushed = run(&sb, &["push", "--json"]);
    assert_eq!(pushed.expect(0).json()["summary"]["changed"], 0);
    let created = invalidations(&client, &id).await;
    assert_eq!(created.len(), before + 1, "{created:?}");
    assert!(
        created.iter().any(|(_, paths)| paths == &["/css/site.css"]),
        "{created:?}"
    );
    // Settled now: the push after invalidates nothing.
    run(&sb, &["diff", "--exit-code"]).expect(0);
    run(&sb, &["push"]).expect(0);
    assert_eq!(invalidations(&client, &id).await.len(), before + 1);
}
