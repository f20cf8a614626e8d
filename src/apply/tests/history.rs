//! The deploy history through a push: a record per push that changes the
//! bucket, written before the manifest that lists it; the newest
//! `[sync] history` kept, older records deleted only after a manifest that
//! no longer names them; a no-op push records nothing.

use super::fixture::{Fixture, without_ids};
use crate::record::history::{DeployRecord, deploy_key};
use crate::store::Store;

const MANIFEST: &str = "static/.s3sync-manifest.json";

fn deploy_records(f: &Fixture) -> Vec<String> {
    f.store
        .keys()
        .into_iter()
        .filter(|k| k.contains(".deploys/"))
        .collect()
}

#[tokio::test]
async fn history_keeps_the_newest_and_deletes_older_records_after_the_manifest() {
    let f = Fixture::new(&[("a.css", "v1")]);
    let settings = f.settings("[sync]\nhistory = 2\n");
    for body in ["v2", "v3"] {
        f.push(&settings).await;
        f.write("a.css", body);
    }
    f.store.take_log();
    let (_, applied) = f.push(&settings).await;
    let third = applied.deploy.clone().expect("a deploy was recorded");
    // The record, then the manifest that lists it, then the record that
    // fell out of the history.
    let log = without_ids(f.store.take_log());
    assert_eq!(
        log[log.len() - 3..],
        [
            "put static/.s3sync-manifest.json.deploys/ID",
            "put static/.s3sync-manifest.json",
            "delete static/.s3sync-manifest.json.deploys/ID",
        ]
    );
    let m = f.remote_manifest().await;
    let ids: Vec<&str> = m.deploys.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[1], third);
    assert!(ids[0] < ids[1], "ids sort in deploy order: {ids:?}");
    assert_eq!(
        deploy_records(&f),
        ids.iter()
            .map(|id| deploy_key(MANIFEST, id))
            .collect::<Vec<_>>()
    );
    // Each record holds the manifest its deploy left.
    let stored = f
        .store
        .get(&deploy_key(MANIFEST, &third))
        .await
        .unwrap()
        .unwrap();
    let record = DeployRecord::from_stored(&stored.bytes).unwrap();
    assert_eq!(record.deploy, m.deploys[1]);
    assert_eq!(record.deploy.counts.changed, 1);
    assert_eq!(record.manifest.entries, m.entries);

    // A no-op push reads two objects and records nothing.
    f.store.take_log();
    let (_, applied) = f.push(&settings).await;
    assert_eq!(applied.deploy, None);
    assert_eq!(
        f.store.take_log(),
        [format!("get {MANIFEST}"), format!("get {MANIFEST}.intent")]
    );
    assert_eq!(f.remote_manifest().await.deploys, m.deploys);
}

#[tokio::test]
async fn history_zero_records_nothing_and_drops_what_was_kept() {
    let f = Fixture::new(&[("a.css", "v1")]);
    f.push(&f.settings("")).await;
    assert_eq!(deploy_records(&f).len(), 1);
    f.write("a.css", "v2");
    let (_, applied) = f.push(&f.settings("[sync]\nhistory = 0\n")).await;
    assert_eq!(applied.deploy, None);
    assert!(f.remote_manifest().await.deploys.is_empty());
    assert!(deploy_records(&f).is_empty(), "{:?}", f.store.keys());
}
