//! Retention through a push and a prune on the in-memory store: a retired
//! object stays and only the record changes (no intent, one manifest
//! write), a prune deletes it with the intent first, and `--max-deletes`
//! refuses a prune that deletes too much.

use std::sync::Arc;

use crate::apply::tests::fixture::{Fixture, no_cancel, puts};
use crate::clock::Stamp;
use crate::pipeline;
use crate::plan::Action;
use crate::progress::{Observer, Silent};

const DAY: u64 = 86_400;

fn django(hashed: &str) -> String {
    format!(r#"{{"paths": {{"css/site.css": "css/{hashed}"}}, "version": "1.1"}}"#)
}

fn day(n: u64) -> Stamp {
    Stamp::from_secs(1_795_000_000 + n * DAY)
}

#[tokio::test]
async fn a_removed_hashed_file_stays_until_a_prune_after_its_grace() {
    let f = Fixture::new(&[
        ("staticfiles.json", &django("site.3f2a.css")),
        ("css/site.css", "a{}"),
        ("css/site.3f2a.css", "a{}"),
    ]);
    let settings = f.settings("[sync]\ndelete = true\njobs = 1\n");
    f.push_at(&settings, day(0)).await;
    let immutable = f.store.object("static/css/site.3f2a.css").unwrap();
    f.store.take_log();

    // Only the hashed file leaves the source: a record-only change.
    std::fs::remove_file(f.dir.path().join("site/css/site.3f2a.css")).unwrap();
    let (prepared, applied) = f.push_at(&settings, day(1)).await;
    assert_eq!(prepared.plan.count(Action::Retire), 1);
    assert_eq!(applied.failed(), 0);
    assert!(applied.manifest_written, "a retirement is recorded");
    assert_eq!(
        puts(&f.store.take_log()),
        ["static/.s3sync-manifest.json"],
        "no object is touched and no intent is needed"
    );
    let kept = f.store.object("static/css/site.3f2a.css").unwrap();
    assert_eq!(kept.bytes, immutable.bytes);
    assert_eq!(kept.headers, immutable.headers);
    let retired = f.remote_manifest().await.entries["static/css/site.3f2a.css"]
        .retired
        .unwrap();
    assert_eq!(retired.delete_after, day(8));

    // Still in grace: a push changes nothing and writes nothing.
    let (prepared, applied) = f.push_at(&settings, day(2)).await;
    assert!(!prepared.plan.has_changes());
    assert!(!applied.manifest_written);
    assert_eq!(prepared.plan.retained.len(), 1);
    f.store.take_log();

    // A prune after the grace: the intent first, the delete, the record.
    let observer: Arc<dyn Observer> = Arc::new(Silent);
    let store = f.shared();
    let planned = pipeline::prune::load_and_plan(&settings, &store, day(9), &observer)
        .await
        .unwrap();
    assert_eq!(planned.plan.count(Action::Prune), 1);
    let refusing = crate::config::Settings {
        sync: crate::config::SyncSettings {
            max_deletes: Some(0),
            ..settings.sync.clone()
        },
        ..settings.clone()
    };
    let err = pipeline::guard_and_apply(
        &refusing,
        store.clone(),
        &planned,
        observer.clone(),
        no_cancel(),
    )
    .await
    .err()
    .unwrap();
    assert!(
        err.to_string().starts_with(
            "refusing to prune: the plan deletes 1 objects, more than --max-deletes 0. Nothing was changed."
        ),
        "{err}"
    );
    assert!(f.store.object("static/css/site.3f2a.css").is_some());
    f.store.take_log();
    let applied = pipeline::guard_and_apply(&settings, store, &planned, observer, no_cancel())
        .await
        .unwrap();
    assert_eq!(applied.failed(), 0);
    let log = f.store.take_log();
    // A prune is a deploy too: its record goes before the manifest.
    assert_eq!(
        log.iter()
            .filter(|l| !l.starts_with("get "))
            .map(|l| {
                if l.starts_with("put static/.s3sync-manifest.json.deploys/") {
                    "put <deploy record>"
                } else {
                    l.as_str()
                }
            })
            .collect::<Vec<_>>(),
        [
            "put static/.s3sync-manifest.json.intent",
            "delete static/css/site.3f2a.css",
            "put <deploy record>",
            "put static/.s3sync-manifest.json"
        ]
    );
    assert!(f.store.object("static/css/site.3f2a.css").is_none());
    let after = f.remote_manifest().await;
    assert!(!after.entries.contains_key("static/css/site.3f2a.css"));
    assert!(after.entries.contains_key("static/css/site.css"));
}

#[tokio::test]
async fn a_retired_file_that_comes_back_is_live_again_with_one_record_write() {
    let f = Fixture::new(&[
        ("staticfiles.json", &django("site.3f2a.css")),
        ("css/site.3f2a.css", "a{}"),
    ]);
    let settings = f.settings("[sync]\ndelete = true\n");
    f.push_at(&settings, day(0)).await;
    std::fs::remove_file(f.dir.path().join("site/css/site.3f2a.css")).unwrap();
    f.push_at(&settings, day(1)).await;
    f.write("css/site.3f2a.css", "a{}");
    f.store.take_log();

    let (prepared, applied) = f.push_at(&settings, day(2)).await;
    assert!(!prepared.plan.has_changes(), "no object changes");
    assert!(applied.manifest_written, "the record drops the retirement");
    assert_eq!(puts(&f.store.take_log()), ["static/.s3sync-manifest.json"]);
    let entry = &f.remote_manifest().await.entries["static/css/site.3f2a.css"];
    assert_eq!(entry.retired, None);
    assert!(entry.fingerprint);
    // And it is not pruned later.
    let (prepared, _) = f.push_at(&settings, day(30)).await;
    assert_eq!(prepared.plan.deletes(), 0);
    assert!(f.store.object("static/css/site.3f2a.css").is_some());
}
