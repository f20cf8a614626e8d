//! `apply` through a push: ordering (intent, assets, HTML, manifest),
//! gzip bodies, failures that skip deletes or stop new uploads, files that
//! changed after hashing, and Ctrl-C; `history.rs`: the deploy history.

use std::sync::Arc;

use super::*;
use crate::pipeline::{self, PipelineOptions};
use crate::progress::Silent;
use crate::store::{ErrorKind, StoreError};
use fixture::{Fixture, no_cancel, puts, without_ids};

/// Shared with the record writer's tests.
pub(super) mod fixture;
mod history;
mod retention;

#[tokio::test]
async fn html_goes_after_assets_and_the_manifest_last() {
    let f = Fixture::new(&[
        ("index.html", "<html>"),
        ("a.css", "a{}"),
        ("sub/page.html", "<p>"),
        ("b.js", "x"),
    ]);
    let settings = f.settings("[sync]\njobs = 1\n");
    let (_, applied) = f.push(&settings).await;
    assert_eq!(applied.failed(), 0);
    let log = without_ids(f.store.take_log());
    let order = puts(&log);
    // The intent first, assets, then HTML, then the deploy's record, then
    // the manifest that lists it.
    assert_eq!(
        order,
        [
            "static/.s3sync-manifest.json.intent",
            "static/a.css",
            "static/b.js",
            "static/index.html",
            "static/sub/page.html",
            "static/.s3sync-manifest.json.deploys/ID",
            "static/.s3sync-manifest.json"
        ]
    );
    // A second push reads the record and sends nothing.
    let (prepared, applied) = f.push(&settings).await;
    assert!(!prepared.plan.has_changes());
    assert!(!applied.manifest_written);
    assert_eq!(
        f.store.take_log(),
        [
            "get static/.s3sync-manifest.json",
            "get static/.s3sync-manifest.json.intent"
        ]
    );
}

#[tokio::test]
async fn gzip_objects_hold_gzip_bytes_and_others_the_source() {
    let f = Fixture::new(&[("a.css", "body{}"), ("logo.png", "PNGDATA")]);
    f.push(&f.settings("")).await;
    let css = f.store.object("static/a.css").unwrap();
    assert_eq!(&css.bytes[..2], &[0x1f, 0x8b]);
    assert_eq!(css.headers.content_encoding.as_deref(), Some("gzip"));
    let png = f.store.object("static/logo.png").unwrap();
    assert_eq!(png.bytes, b"PNGDATA");
    assert_eq!(png.headers.content_encoding, None);
}

#[tokio::test]
async fn a_failed_upload_skips_deletes_and_the_manifest_stays_exact() {
    let f = Fixture::new(&[("keep.css", "k"), ("edit.css", "v1"), ("drop.css", "d")]);
    let settings = f.settings("[sync]\ndelete = true\n");
    f.push(&settings).await;
    let before = f.remote_manifest().await;

    std::fs::remove_file(f.dir.path().join("site/drop.css")).unwrap();
    f.write("edit.css", "v2");
    f.store.fail_puts(
        "edit.css",
        StoreError::new(ErrorKind::Other, "injected 500"),
    );
    let (prepared, applied) = f.push(&settings).await;
    assert_eq!(prepared.plan.count(crate::plan::Action::Changed), 1);
    assert_eq!(
        applied.failed(),
        2,
        "the upload failed and the delete was not attempted"
    );
    assert!(
        f.store.object("static/drop.css").is_some(),
        "no delete after a failed upload"
    );
    let after = f.remote_manifest().await;
    assert_eq!(
        (after.entries, after.pending),
        (before.entries, before.pending),
        "nothing succeeded that the manifest would record"
    );

    f.store.clear_faults();
    f.store.take_log();
    let (_, applied) = f.push(&settings).await;
    assert_eq!(applied.failed(), 0);
    // The record read, the intent recorded (the upload and the delete), the
    // upload, the delete, the final record: the manifest is written once.
    assert_eq!(
        without_ids(f.store.take_log()),
        [
            "get static/.s3sync-manifest.json",
            "get static/.s3sync-manifest.json.intent",
            "put static/.s3sync-manifest.json.intent",
            "put static/edit.css",
            "delete static/drop.css",
            "put static/.s3sync-manifest.json.deploys/ID",
            "put static/.s3sync-manifest.json"
        ]
    );
    let m = f.remote_manifest().await;
    assert_eq!(
        m.entries.keys().collect::<Vec<_>>(),
        ["static/edit.css", "static/keep.css"]
    );
}

#[tokio::test]
async fn an_error_that_fails_everything_stops_new_uploads() {
    // A bucket refusing ACLs fails every object here: all carry public-read.
    let f = Fixture::numbered(10, 1);
    f.store.fail_puts(
        ".css",
        StoreError::new(ErrorKind::AclNotSupported, "bucket does not allow ACLs"),
    );
    let (_, applied) = f.push(&f.settings("[sync]\njobs = 1\n")).await;
    assert_eq!(applied.failed(), 10);
    assert_eq!(
        puts(&f.store.take_log()),
        [
            "static/.s3sync-manifest.json.intent",
            "static/f0.css",
            "static/.s3sync-manifest.json"
        ],
        "the intent, one attempt, then stop and record"
    );
    let not_attempted = applied
        .outcomes
        .iter()
        .filter(|o| {
            o.error
                .as_deref()
                .is_some_and(|e| e.starts_with("not attempted"))
        })
        .count();
    assert_eq!(not_attempted, 9);
    assert_eq!(
        f.store.keys(),
        [
            "static/.s3sync-manifest.json",
            "static/.s3sync-manifest.json.intent"
        ]
    );
    let m = f.remote_manifest().await;
    assert!(m.entries.is_empty() && m.pending.is_empty(), "{m:?}");
}

#[tokio::test]
async fn a_file_changed_or_deleted_after_hashing_is_not_uploaded() {
    let f = Fixture::new(&[("a.css", "original"), ("b.txt", "same-b"), ("c.js", "x")]);
    let settings = f.settings("");
    let observer: Arc<dyn Observer> = Arc::new(Silent);
    let prepared = pipeline::load_and_plan(
        &settings,
        &f.shared(),
        &PipelineOptions::default(),
        &observer,
    )
    .await
    .unwrap();
    f.write("a.css", "modified");
    f.write("b.txt", "other-b");
    std::fs::remove_file(f.dir.path().join("site/c.js")).unwrap();
    let applied =
        pipeline::guard_and_apply(&settings, f.shared(), &prepared, observer, no_cancel())
            .await
            .unwrap();
    assert_eq!(applied.failed(), 3);
    let errors: Vec<&str> = applied
        .outcomes
        .iter()
        .map(|o| o.error.as_deref().unwrap())
        .collect();
    assert!(
        errors[0].contains("a.css changed after it was hashed"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("b.txt changed after it was hashed"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("cannot read") && errors[2].contains("c.js"),
        "{errors:?}"
    );
    for key in ["static/a.css", "static/b.txt", "static/c.js"] {
        assert!(f.store.object(key).is_none(), "{key} must not be uploaded");
    }
    // Nothing wrong is recorded either.
    let m = f.remote_manifest().await;
    assert!(m.entries.is_empty(), "{:?}", m.entries);
}

/// Sets the cancel flag when the `after`-th step finishes (like Ctrl-C).
struct CancelAfter {
    cancel: Arc<std::sync::atomic::AtomicBool>,
    seen: std::sync::atomic::AtomicUsize,
    after: usize,
}

impl Observer for CancelAfter {
    fn event(&self, event: Event<'_>) {
        if let Event::Transferred { .. } = event
            && self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1 == self.after
        {
            self.cancel
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

#[tokio::test]
async fn cancel_stops_new_work_and_records_what_was_done() {
    let f = Fixture::numbered(20, 2);
    let settings = f.settings("[sync]\njobs = 1\n");
    let silent: Arc<dyn Observer> = Arc::new(Silent);
    let prepared =
        pipeline::load_and_plan(&settings, &f.shared(), &PipelineOptions::default(), &silent)
            .await
            .unwrap();
    let cancel = no_cancel();
    let observer: Arc<dyn Observer> = Arc::new(CancelAfter {
        cancel: cancel.clone(),
        seen: 0.into(),
        after: 5,
    });
    let applied = pipeline::guard_and_apply(&settings, f.shared(), &prepared, observer, cancel)
        .await
        .unwrap();
    let done = applied
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Done)
        .count();
    assert_eq!(done, 5);
    assert_eq!(
        applied.outcomes[5].error.as_deref(),
        Some("not attempted: interrupted")
    );
    let m = f.remote_manifest().await;
    assert_eq!(m.entries.len(), 5, "the record matches the bucket");
    assert_eq!(
        f.store.keys().len(),
        5 + 3,
        "5 files, the manifest, the intent, the deploy record"
    );
    assert_eq!(
        m.deploys[0].counts.new, 5,
        "an interrupted push is a deploy"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_file_swapped_for_a_fifo_after_hashing_is_refused_without_blocking() {
    let f = Fixture::new(&[("a.css", "original")]);
    let (settings, observer) = (f.settings(""), Arc::new(Silent) as Arc<dyn Observer>);
    let (opts, store) = (PipelineOptions::default(), f.shared());
    let prepared = pipeline::load_and_plan(&settings, &store, &opts, &observer).await;
    let prepared = prepared.unwrap();
    let path = f.dir.path().join("site/a.css");
    std::fs::remove_file(&path).unwrap();
    let mkfifo = std::process::Command::new("mkfifo").arg(&path).status();
    assert!(mkfifo.unwrap().success());
    let push = pipeline::guard_and_apply(&settings, f.shared(), &prepared, observer, no_cancel());
    let applied = tokio::time::timeout(std::time::Duration::from_secs(20), push).await;
    let applied = applied.expect("the push blocked on a FIFO").unwrap();
    let error = applied.outcomes[0].error.as_deref().unwrap_or_default();
    assert!(error.contains("a.css") && error.contains("FIFO"), "{error}");
    assert!(f.store.object("static/a.css").is_none());
}
