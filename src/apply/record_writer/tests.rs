//! The record a push leaves when pushes race or die: the loser of a race
//! changes nothing, and a push killed between its intent and its manifest
//! leaves keys pending that the next push finishes.

use std::sync::Arc;

use crate::apply::tests::fixture::{Fixture, no_cancel, puts};
use crate::pipeline::{self, PipelineOptions};
use crate::progress::{Observer, Silent};
use crate::record::manifest::Headers;
use crate::store::{Store, Upload};

#[tokio::test]
async fn a_push_that_loses_the_race_before_changing_anything_changes_nothing() {
    let f = Fixture::new(&[("a.css", "A"), ("b.css", "B")]);
    let one = f.settings("[storage.object_parameters]\nCacheControl = \"max-age=1\"\n");
    let two = f.settings("[storage.object_parameters]\nCacheControl = \"max-age=2\"\n");
    let observer: Arc<dyn Observer> = Arc::new(Silent);
    // Two pushes plan against the same (empty) bucket...
    let first = pipeline::load_and_plan(&one, &f.shared(), &PipelineOptions::default(), &observer)
        .await
        .unwrap();
    let second = pipeline::load_and_plan(&two, &f.shared(), &PipelineOptions::default(), &observer)
        .await
        .unwrap();
    // ...the second runs first; the first then finds the manifest changed
    // when it records its intent, and stops before sending anything.
    let won = pipeline::guard_and_apply(&two, f.shared(), &second, observer.clone(), no_cancel())
        .await
        .unwrap();
    assert!(won.manifest_error.is_none());
    f.store.take_log();
    let lost = pipeline::guard_and_apply(&one, f.shared(), &first, observer, no_cancel())
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

#[tokio::test]
async fn a_push_killed_after_uploading_is_undone_by_the_next_push_of_the_old_tree() {
    // CI pushes v1, a push of v2 is killed after its upload landed, then
    // v1 is pushed again (a re-run of the older pipeline).
    let f = Fixture::new(&[("a.css", "v1"), ("b.css", "b")]);
    let settings = f.settings("");
    f.push(&settings).await;
    f.write("a.css", "v2");
    let killed = pipeline::load_and_plan(
        &settings,
        &f.shared(),
        &PipelineOptions::default(),
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
