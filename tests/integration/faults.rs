//! Faults on the wire, a killed push, Ctrl-C and concurrent pushes: the
//! bucket ends byte-for-byte equal to the tree and the manifest never
//! claims what the bucket does not hold.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::proxy::{Fault, Faults, Proxy, Seen};
use crate::support::{S3, Sandbox, summary};

pub const MANIFEST: &str = "static/.s3sync-manifest.json";

/// A tree of `n` small files of mixed types (text ones get gzipped).
pub fn tree(sb: &Sandbox, n: usize, salt: &str) {
    for i in 0..n {
        let (dir, ext) = match i % 4 {
            0 => ("css", "css"),
            1 => ("js", "js"),
            2 => ("img", "png"),
            _ => ("data", "json"),
        };
        let body = format!("/* {salt} file {i} */ {}\n", "x".repeat(i % 700));
        sb.write(&format!("site/{dir}/f{i:04}.{ext}"), body);
    }
}

/// Faults at config that retries quickly (short stall timeout, more attempts).
pub fn config(s3: &S3, endpoint: &str, attempts: u32) -> String {
    s3.config(
        endpoint,
        &format!("[sync]\nattempts = {attempts}\nstall_timeout = 0.5\ntimeout = 60\n"),
    )
}

/// Read the whole bucket back and compare it with the tree, byte for byte;
/// check the manifest records exactly the objects, with their ETags.
pub async fn assert_bucket_matches(s3: &S3, sb: &Sandbox) -> u64 {
    let mut expected = BTreeMap::new();
    for entry in walkdir::WalkDir::new(sb.path("site")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(sb.path("site")).unwrap();
            expected.insert(
                format!("static/{}", rel.to_str().unwrap()),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    let mut keys = all_keys(s3).await;
    keys.retain(|k| k != MANIFEST);
    assert_eq!(
        keys,
        expected.keys().cloned().collect::<Vec<_>>(),
        "bucket keys"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.bytes).unwrap();
    let entries = manifest["entries"].as_object().unwrap();
    assert_eq!(
        entries.keys().cloned().collect::<Vec<_>>(),
        keys,
        "manifest keys"
    );
    let mut bytes = 0;
    for (key, want) in &expected {
        let object = s3.get(key).await;
        assert_eq!(&object.decoded(), want, "{key} bytes");
        assert_eq!(
            entries[key]["etag"], object.etag,
            "{key} ETag in the manifest"
        );
        bytes += want.len() as u64;
    }
    bytes
}

/// Every key in the bucket (all pages).
pub async fn all_keys(s3: &S3) -> Vec<String> {
    let mut keys = Vec::new();
    let mut pages = s3
        .client
        .list_objects_v2()
        .bucket(&s3.bucket)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        keys.extend(
            page.unwrap()
                .contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
    }
    keys.sort();
    keys
}

/// Whatever the bucket holds, everything the manifest records is there with
/// the recorded ETag (the invariant after any failure or kill).
pub async fn assert_manifest_true(s3: &S3) {
    let keys = all_keys(s3).await;
    if !keys.contains(&MANIFEST.to_string()) {
        return;
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.bytes).unwrap();
    for (key, entry) in manifest["entries"].as_object().unwrap() {
        assert!(
            keys.contains(key),
            "manifest records {key}, which is missing"
        );
        assert_eq!(
            entry["etag"],
            s3.get(key).await.etag,
            "{key}: manifest ETag differs from the bucket"
        );
    }
}

#[tokio::test]
async fn ten_percent_faults_still_publish_the_exact_tree() {
    let s3 = S3::new("faults10").await;
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_faults(Some(Faults {
        percent: 10,
        kinds: vec![
            Fault::SlowDown,
            Fault::Internal,
            Fault::Reset,
            Fault::Stall(Duration::from_secs(2)),
        ],
        seed: 7,
        applies: Arc::new(|_: &Seen| true),
    }));
    let sb = Sandbox::new();
    tree(&sb, 500, "v1");
    sb.config(&config(&s3, &proxy.endpoint, 10));
    let run = sb.run(&["push", "--json"]);
    run.expect(0);
    assert_eq!(summary(&run, "new"), 500);
    let injected = proxy.injected();
    assert!(injected >= 25, "only {injected} faults were injected");
    let bytes = assert_bucket_matches(&s3, &sb).await;
    eprintln!(
        "faults: {injected} injected over {} requests; {bytes} bytes verified",
        proxy.take().len()
    );
}

#[tokio::test]
async fn puts_that_always_fail_exit_2_and_leave_a_true_manifest() {
    let s3 = S3::new("faults100").await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::new();
    tree(&sb, 40, "v1");
    sb.config(&config(&s3, &proxy.endpoint, 2));
    sb.run(&["push"]).expect(0);

    tree(&sb, 10, "v2");
    proxy.set_faults(Some(Faults {
        percent: 100,
        kinds: vec![Fault::SlowDown, Fault::Internal],
        seed: 1,
        applies: Arc::new(|r: &Seen| r.method == "PUT"),
    }));
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(run.stdout.contains("10 failed"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("rerun the push to retry only what failed"),
        "{}",
        run.stdout
    );
    assert_manifest_true(&s3).await;

    proxy.set_faults(None);
    let rerun = sb.run(&["push", "--json"]);
    rerun.expect(0);
    assert_eq!(summary(&rerun, "changed"), 10);
    assert_bucket_matches(&s3, &sb).await;
}
