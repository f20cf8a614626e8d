use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::config::file::{LoadedFile, parse};
use crate::config::{Overrides, Settings};
use crate::pipeline::{self, SyncOptions};
use crate::progress::Silent;
use crate::store::memory::MemoryStore;
use crate::store::{ErrorKind, Store, StoreError};

struct Fixture {
    dir: tempfile::TempDir,
    store: Arc<MemoryStore>,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let f = Self {
            dir,
            store: Arc::new(MemoryStore::new()),
        };
        for (path, body) in files {
            f.write(path, body);
        }
        f
    }

    /// `n` CSS files `f0.css`, `f1.css`, … (numbers zero-padded to `width`),
    /// each holding its number.
    fn numbered(n: usize, width: usize) -> Self {
        let f = Self::new(&[]);
        for i in 0..n {
            f.write(&format!("f{i:0width$}.css"), &i.to_string());
        }
        f
    }

    fn write(&self, path: &str, body: &str) {
        let p = self.dir.path().join("site").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }

    fn settings(&self, extra: &str) -> Settings {
        let text = format!(
            "source = \"site\"\nto = \"file://unused\"\n[storage]\nlocation = \"static\"\n{extra}"
        );
        let file = LoadedFile {
            path: self.dir.path().join("s3sync.toml"),
            config: parse(&text).unwrap(),
            text,
        };
        Settings::resolve(
            &Overrides::default(),
            &|_| None,
            Some(&file),
            Path::new("/"),
        )
        .unwrap()
    }

    fn shared(&self) -> crate::store::SharedStore {
        self.store.clone()
    }

    async fn push(&self, settings: &Settings) -> (pipeline::Prepared, Applied) {
        let observer: Arc<dyn Observer> = Arc::new(Silent);
        let prepared =
            pipeline::prepare(settings, &self.shared(), &SyncOptions::default(), &observer)
                .await
                .unwrap();
        let applied = pipeline::push(settings, self.shared(), &prepared, observer, no_cancel())
            .await
            .unwrap();
        (prepared, applied)
    }

    async fn remote_manifest(&self) -> Manifest {
        let f = self
            .store
            .get("static/.s3sync-manifest.json")
            .await
            .unwrap()
            .unwrap();
        Manifest::from_stored(&f.bytes).unwrap()
    }
}

fn no_cancel() -> Arc<std::sync::atomic::AtomicBool> {
    Arc::new(std::sync::atomic::AtomicBool::new(false))
}

fn puts(log: &[String]) -> Vec<&str> {
    log.iter().filter_map(|l| l.strip_prefix("put ")).collect()
}

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
    let log = f.store.take_log();
    let order = puts(&log);
    // The intent first, assets, then HTML, then the record.
    assert_eq!(
        order,
        [
            "static/.s3sync-manifest.json.intent",
            "static/a.css",
            "static/b.js",
            "static/index.html",
            "static/sub/page.html",
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
        f.store.take_log(),
        [
            "get static/.s3sync-manifest.json",
            "get static/.s3sync-manifest.json.intent",
            "put static/.s3sync-manifest.json.intent",
            "put static/edit.css",
            "delete static/drop.css",
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
    let prepared = pipeline::prepare(&settings, &f.shared(), &SyncOptions::default(), &observer)
        .await
        .unwrap();
    f.write("a.css", "modified");
    f.write("b.txt", "other-b");
    std::fs::remove_file(f.dir.path().join("site/c.js")).unwrap();
    let applied = pipeline::push(&settings, f.shared(), &prepared, observer, no_cancel())
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

#[tokio::test]
async fn a_push_that_loses_the_race_before_changing_anything_changes_nothing() {
    let f = Fixture::new(&[("a.css", "A"), ("b.css", "B")]);
    let one = f.settings("[storage.object_parameters]\nCacheControl = \"max-age=1\"\n");
    let two = f.settings("[storage.object_parameters]\nCacheControl = \"max-age=2\"\n");
    let observer: Arc<dyn Observer> = Arc::new(Silent);
    // Two pushes plan against the same (empty) bucket...
    let first = pipeline::prepare(&one, &f.shared(), &SyncOptions::default(), &observer)
        .await
        .unwrap();
    let second = pipeline::prepare(&two, &f.shared(), &SyncOptions::default(), &observer)
        .await
        .unwrap();
    // ...the second runs first; the first then finds the manifest changed
    // when it records its intent, and stops before sending anything.
    let won = pipeline::push(&two, f.shared(), &second, observer.clone(), no_cancel())
        .await
        .unwrap();
    assert!(won.manifest_error.is_none());
    f.store.take_log();
    let lost = pipeline::push(&one, f.shared(), &first, observer, no_cancel())
        .await
        .unwrap();
    let err = lost.manifest_error.unwrap();
    assert!(
        err.contains("concurrent push") && err.contains("changed nothing"),
        "{err}"
    );
    assert_eq!(
        puts(&f.store.take_log()),
        ["static/.s3sync-manifest.json.intent"]
    );
    let cache = |key: &str| f.store.object(key).unwrap().headers.cache_control;
    assert_eq!(cache("static/a.css").as_deref(), Some("max-age=2"));
    let m = f.remote_manifest().await;
    assert_eq!(
        m.entries["static/a.css"].headers.cache_control.as_deref(),
        Some("max-age=2")
    );
    // Rerunning the first converges to its headers.
    let (_, applied) = f.push(&one).await;
    assert_eq!(applied.failed(), 0);
    assert_eq!(cache("static/a.css").as_deref(), Some("max-age=1"));
}

#[tokio::test]
async fn a_push_killed_mid_delete_leaves_pending_that_the_next_push_finishes() {
    let f = Fixture::new(&[("keep.css", "k"), ("drop.css", "d")]);
    let settings = f.settings("[sync]\ndelete = true\n");
    f.push(&settings).await;
    std::fs::remove_file(f.dir.path().join("site/drop.css")).unwrap();

    // A delete that fails: the object is still there, and so is its record.
    f.store.fail_deletes(true);
    let (_, applied) = f.push(&settings).await;
    assert_eq!(applied.failed(), 1);
    assert!(f.store.object("static/drop.css").is_some());
    assert!(
        f.remote_manifest()
            .await
            .entries
            .contains_key("static/drop.css")
    );
    f.store.fail_deletes(false);

    // The state a push killed between recording its intent and deleting
    // leaves: an intent the manifest has not settled, naming the key.
    let log = f.store.take_log();
    assert!(
        log.iter()
            .position(|l| l == "put static/.s3sync-manifest.json.intent")
            < log.iter().position(|l| l == "delete static/drop.css"),
        "{log:?}"
    );
    let killed = crate::record::intent::Intent::new(["static/drop.css".to_string()].into());
    f.store
        .put(
            Upload::from_bytes(
                "static/.s3sync-manifest.json.intent",
                killed.to_stored(),
                Headers::default(),
            ),
            crate::store::Condition::Always,
        )
        .await
        .unwrap();
    assert!(
        f.remote_manifest()
            .await
            .entries
            .contains_key("static/drop.css"),
        "the manifest alone still records it"
    );

    // Without --delete it is kept and reported; with it, the delete finishes.
    let (prepared, _) = f.push(&f.settings("")).await;
    assert_eq!(prepared.plan.stale, ["static/drop.css"]);
    assert!(
        f.remote_manifest()
            .await
            .pending
            .contains("static/drop.css")
    );
    let (prepared, applied) = f.push(&settings).await;
    assert_eq!(prepared.plan.count(crate::plan::Action::Delete), 1);
    assert_eq!(applied.failed(), 0);
    assert!(f.store.object("static/drop.css").is_none());
    assert!(f.remote_manifest().await.pending.is_empty());
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
    let prepared = pipeline::prepare(&settings, &f.shared(), &SyncOptions::default(), &silent)
        .await
        .unwrap();
    let cancel = no_cancel();
    let observer: Arc<dyn Observer> = Arc::new(CancelAfter {
        cancel: cancel.clone(),
        seen: 0.into(),
        after: 5,
    });
    let applied = pipeline::push(&settings, f.shared(), &prepared, observer, cancel)
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
        5 + 2,
        "5 files, the manifest, the intent"
    );
}

#[tokio::test]
async fn a_push_killed_after_uploading_is_undone_by_the_next_push_of_the_old_tree() {
    // CI pushes v1, a push of v2 is killed after its upload landed, then
    // v1 is pushed again (a re-run of the older pipeline).
    let f = Fixture::new(&[("a.css", "v1"), ("b.css", "b")]);
    let settings = f.settings("");
    f.push(&settings).await;
    f.write("a.css", "v2");
    let killed = pipeline::prepare(
        &settings,
        &f.shared(),
        &SyncOptions::default(),
        &(Arc::new(Silent) as Arc<dyn Observer>),
    )
    .await
    .unwrap();
    assert_eq!(killed.plan.count(crate::plan::Action::Changed), 1);
    // What the killed push did: its intent, then its upload; no record.
    let intent = crate::record::intent::Intent::new(["static/a.css".to_string()].into());
    let put = |key: &str, bytes: Vec<u8>| {
        f.store.put(
            Upload::from_bytes(key, bytes, Headers::default()),
            crate::store::Condition::Always,
        )
    };
    put("static/.s3sync-manifest.json.intent", intent.to_stored())
        .await
        .unwrap();
    put("static/a.css", b"v2".to_vec()).await.unwrap();

    f.write("a.css", "v1");
    let (prepared, applied) = f.push(&settings).await;
    assert_eq!(applied.failed(), 0);
    assert_eq!(
        prepared.plan.count(crate::plan::Action::Changed)
            + prepared.plan.count(crate::plan::Action::New),
        1,
        "the key the killed push named is sent again"
    );
    let css = f.store.object("static/a.css").unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&css.bytes[..]), &mut text)
        .unwrap();
    assert_eq!(text, "v1");
    let m = f.remote_manifest().await;
    assert!(m.pending.is_empty());
    assert!(m.settled.is_some(), "a new intent settled");
    // And now the record is settled: nothing more to send.
    let (prepared, _) = f.push(&settings).await;
    assert!(!prepared.plan.has_changes());
}

#[cfg(unix)]
#[tokio::test]
async fn a_file_swapped_for_a_fifo_after_hashing_is_refused_without_blocking() {
    let f = Fixture::new(&[("a.css", "original")]);
    let (settings, observer) = (f.settings(""), Arc::new(Silent) as Arc<dyn Observer>);
    let (opts, store) = (SyncOptions::default(), f.shared());
    let prepared = pipeline::prepare(&settings, &store, &opts, &observer).await;
    let prepared = prepared.unwrap();
    let path = f.dir.path().join("site/a.css");
    std::fs::remove_file(&path).unwrap();
    let mkfifo = std::process::Command::new("mkfifo").arg(&path).status();
    assert!(mkfifo.unwrap().success());
    let push = pipeline::push(&settings, f.shared(), &prepared, observer, no_cancel());
    let applied = tokio::time::timeout(std::time::Duration::from_secs(20), push).await;
    let applied = applied.expect("the push blocked on a FIFO").unwrap();
    let error = applied.outcomes[0].error.as_deref().unwrap_or_default();
    assert!(error.contains("a.css") && error.contains("FIFO"), "{error}");
    assert!(f.store.object("static/a.css").is_none());
}
