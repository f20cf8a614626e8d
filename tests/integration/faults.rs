//! Faults on the wire, a killed push, Ctrl-C and concurrent pushes: the
//! bucket ends byte-for-byte equal to the tree and the manifest never
//! claims what the bucket does not hold.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::proxy::{Fault, Faults, Proxy, Seen};
use crate::support::{S3, Sandbox, summary};

pub(crate) const MANIFEST: &str = "static/.s3sync-manifest.json";
pub(crate) const INTENT: &str = "static/.s3sync-manifest.json.intent";
pub(crate) const DEPLOYS: &str = "static/.s3sync-manifest.json.deploys/";

/// A tree of `n` small files of mixed types (text ones get gzipped).
pub(crate) fn tree(sb: &Sandbox, n: usize, salt: &str) {
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
pub(crate) fn config(s3: &S3, endpoint: &str, attempts: u32) -> String {
    s3.config(
        endpoint,
        &format!("[sync]\nattempts = {attempts}\nstall_timeout = 0.5\ntimeout = 60\n"),
    )
}

/// Read the whole bucket back and compare it with the tree, byte for byte;
/// check the manifest records exactly the objects, with their ETags.
pub(crate) async fn assert_bucket_matches(s3: &S3, sb: &Sandbox) -> u64 {
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
    keys.retain(|k| k != MANIFEST && k != INTENT && !k.starts_with(DEPLOYS));
    assert_eq!(
        keys,
        expected.keys().cloned().collect::<Vec<_>>(),
        "bucket keys"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.decoded()).unwrap();
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
pub(crate) async fn all_keys(s3: &S3) -> Vec<String> {
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

/// Whatever the bucket holds, everything the record claims is there with
/// the recorded ETag (the invariant after any failure or kill). The record
/// is the manifest with the keys of an intent it has not settled (its ETag is
/// not the manifest's `settled`: a push that stopped early) taken out of its
/// entries.
pub(crate) async fn assert_manifest_true(s3: &S3) {
    let keys = all_keys(s3).await;
    if !keys.contains(&MANIFEST.to_string()) {
        return;
    }
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.decoded()).unwrap();
    if keys.contains(&INTENT.to_string()) {
        let object = s3.get(INTENT).await;
        let intent: serde_json::Value = serde_json::from_slice(&object.decoded()).unwrap();
        if manifest["settled"].as_str() != Some(object.etag.as_str()) {
            let entries = manifest["entries"].as_object_mut().unwrap();
            for key in intent["pending"].as_array().unwrap() {
                entries.remove(key.as_str().unwrap());
            }
        }
    }
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
    // Every object is either recorded, pending, or not s3sync's.
    let pending: Vec<&str> = manifest["pending"]
        .as_array()
        .map(|p| p.iter().filter_map(|k| k.as_str()).collect())
        .unwrap_or_default();
    for key in pending {
        assert!(
            manifest["entries"].get(key).is_none(),
            "{key} is both recorded and pending"
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

fn sandbox_with(s3: &S3, endpoint: &str, files: usize, salt: &str, jobs: usize) -> Sandbox {
    let sb = Sandbox::new();
    tree(&sb, files, salt);
    sb.config(&s3.config(
        endpoint,
        &format!("[sync]\njobs = {jobs}\nattempts = 3\nstall_timeout = 2\n"),
    ));
    sb
}

fn puts_of_files(seen: &[Seen]) -> usize {
    seen.iter()
        .filter(|r| r.method == "PUT" && !r.path.contains(".s3sync-manifest.json"))
        .count()
}

#[tokio::test]
async fn pushes_killed_at_many_points_always_converge() {
    let s3 = S3::new("kill").await;
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_delay(Some(Duration::from_millis(5)));
    let sb = sandbox_with(&s3, &proxy.endpoint, 10, "start", 8);
    let sizes = [120, 90, 150, 60, 140, 100, 130, 80, 110, 70];
    let mut kills = 0;
    for (round, files) in sizes.iter().enumerate() {
        // A new tree each round: every file edited, some added or removed.
        std::fs::remove_dir_all(sb.path("site")).unwrap();
        tree(&sb, *files, &format!("round {round}"));
        proxy.take();
        let mut child = sb.spawn(&["push", "--delete"]);
        // Kill after a different number of requests each round: during
        // the intent, the uploads, the deletes or the final record.
        let after = 1 + (round * 37) % (files + 4);
        if proxy.wait_for(|seen| seen.len() >= after, Duration::from_secs(30)) {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        assert_manifest_true(&s3).await;
    }
    // A killed push may have uploaded keys its tree added; an intent
    // record never makes them s3sync's (a hand-written one could name
    // anything), so they are foreign now and `--delete-foreign` removes them.
    let last = sb.run(&["push", "--delete", "--delete-foreign"]);
    last.expect(0);
    let bytes = assert_bucket_matches(&s3, &sb).await;
    eprintln!(
        "kill: {kills} SIGKILLs in {} rounds, then one push converged ({bytes} bytes verified)",
        sizes.len()
    );
    assert!(kills >= 8, "only {kills} pushes were killed mid-way");
}

#[tokio::test]
async fn ctrl_c_stops_cleanly_records_what_landed_and_exits_130() {
    let s3 = S3::new("sigint").await;
    let proxy = Proxy::start(&s3.endpoint);
    proxy.set_delay(Some(Duration::from_millis(40)));
    let sb = sandbox_with(&s3, &proxy.endpoint, 120, "v1", 4);
    let child = sb.spawn(&["push"]);
    assert!(proxy.wait_for(|seen| puts_of_files(seen) >= 12, Duration::from_secs(30)));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: finishing the requests in flight"),
        "{stderr}"
    );
    assert_manifest_true(&s3).await;
    let manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.decoded()).unwrap();
    let recorded = manifest["entries"].as_object().unwrap().len();
    assert!((12..120).contains(&recorded), "recorded {recorded}");
    proxy.set_delay(None);
    let rerun = sb.run(&["push", "--json"]);
    rerun.expect(0);
    assert_eq!(summary(&rerun, "new") as usize, 120 - recorded);
    assert_bucket_matches(&s3, &sb).await;
}

#[tokio::test]
async fn concurrent_pushes_of_different_trees_never_leave_a_false_record() {
    let s3 = S3::new("race").await;
    let proxy = Proxy::start(&s3.endpoint);
    let a = sandbox_with(&s3, &proxy.endpoint, 60, "tree A", 8);
    let b = sandbox_with(&s3, &s3.endpoint, 50, "tree B", 8);
    // Hold push A's manifest write (its only one, after its uploads) while
    // B runs.
    proxy.hold(Arc::new(|r: &Seen| {
        r.method == "PUT" && r.path.ends_with(".s3sync-manifest.json")
    }));
    let child = a.spawn(&["push"]);
    let manifest_put = |seen: &[Seen]| {
        seen.iter()
            .filter(|r| r.method == "PUT" && r.path.ends_with(".s3sync-manifest.json"))
            .count()
    };
    assert!(proxy.wait_for(|seen| manifest_put(seen) >= 1, Duration::from_secs(30)));
    b.run(&["push"]).expect(0);
    proxy.release();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("concurrent push"), "{text}");
    assert_manifest_true(&s3).await;
    // Rerunning A converges to tree A exactly.
    a.run(&["push"]).expect(0);
    assert_bucket_matches(&s3, &a).await;
}

#[tokio::test]
async fn a_second_ctrl_c_stops_at_once_through_the_exit_point() {
    let s3 = S3::new("sigint2").await;
    let proxy = Proxy::start(&s3.endpoint);
    let sb = Sandbox::new();
    tree(&sb, 20, "v1");
    // Requests that would wait two minutes for an answer: only the second
    // Ctrl-C can end this push quickly.
    sb.config(&s3.config(
        &proxy.endpoint,
        "[sync]\njobs = 4\nattempts = 1\nstall_timeout = 120\ntimeout = 300\n",
    ));
    proxy.hold(Arc::new(|r: &Seen| {
        r.method == "PUT" && !r.path.contains(".s3sync-manifest.json")
    }));
    let mut child = sb.spawn(&["push"]);
    assert!(proxy.wait_for(|seen| puts_of_files(seen) >= 4, Duration::from_secs(30)));
    let stderr = child.stderr.take().unwrap();
    let (lines, said) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let pid = child.id().to_string();
    let sigint = || {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    let (exited, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = exited.send(child.wait());
    });
    sigint();
    // The first Ctrl-C is taken (the push waits for its requests in flight).
    let taken = |line: &String| line.contains("interrupted: finishing the requests in flight");
    let mut before = Vec::new();
    while !before.last().is_some_and(taken) {
        before.push(
            said.recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no message after Ctrl-C: {before:?}")),
        );
    }
    assert!(ended.try_recv().is_err(), "still running after one Ctrl-C");
    sigint();
    let status = ended
        .recv_timeout(Duration::from_secs(20))
        .expect("a second Ctrl-C stops the push at once")
        .unwrap();
    proxy.release();
    assert_eq!(status.code(), Some(130));
    let rest: Vec<String> = said.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("stopped at once")),
        "{rest:?}"
    );
    // The record stays true, and the next push converges.
    assert_manifest_true(&s3).await;
    sb.run(&["push"]).expect(0);
    assert_bucket_matches(&s3, &sb).await;
}
