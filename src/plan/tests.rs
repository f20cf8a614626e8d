//! The plan against small tables: remote manifests, listings, deletes,
//! drift, force, and the manifest each outcome leaves.

use super::plan as plan_fn;
use super::*;

/// Retired, pruned and remembered keys.
mod retention;

/// `[[redirects]]` objects: new, unchanged, re-targeted, removed.
mod redirects;

fn entry(path: &str, sha: &str, size: u64, cache: &str) -> Entry {
    Entry {
        path: path.into(),
        sha256: sha.into(),
        size,
        headers: Headers {
            content_type: "text/css; charset=utf-8".into(),
            cache_control: Some(cache.into()),
            acl: Some("public-read".into()),
            ..Headers::default()
        },
        etag: None,
        fingerprint: false,
        demoted: false,
        retired: None,
        version_id: None,
    }
}

fn remote(entries: &[(&str, Entry)]) -> std::sync::Arc<Manifest> {
    std::sync::Arc::new(manifest(entries))
}

fn manifest(entries: &[(&str, Entry)]) -> Manifest {
    let mut m = Manifest::new("p");
    for (k, e) in entries {
        m.entries.insert((*k).into(), e.clone());
    }
    m
}

fn with_etag(mut e: Entry, etag: &str) -> Entry {
    e.etag = Some(etag.into());
    e
}

fn opts() -> PlanOptions {
    PlanOptions {
        manifest_key: "p/.s3sync-manifest.json".into(),
        key_prefix: "p/".into(),
        ..PlanOptions::default()
    }
}

fn actions(plan: &Plan) -> Vec<(&str, Action)> {
    plan.steps
        .iter()
        .map(|s| (s.key.as_str(), s.action()))
        .collect()
}

#[test]
fn table_against_a_remote_manifest() {
    let a = entry("a.css", "aaaa", 10, "max-age=60");
    let b = entry("b.css", "bbbb", 10, "max-age=60");
    let c = entry("c.css", "cccc", 10, "max-age=60");
    let local = manifest(&[
        ("p/a.css", a.clone()),
        // same size, different bytes
        ("p/b.css", entry("b.css", "b222", 10, "max-age=60")),
        // same bytes, new Cache-Control
        ("p/c.css", entry("c.css", "cccc", 10, "max-age=3600")),
        ("p/d.css", entry("d.css", "dddd", 4, "max-age=60")),
    ]);
    let remote = RemoteState {
        manifest: Some(remote(&[
            ("p/a.css", with_etag(a, "ea")),
            ("p/b.css", with_etag(b, "eb")),
            ("p/c.css", with_etag(c, "ec")),
            ("p/gone.css", entry("gone.css", "9999", 1, "x")),
        ])),
        listing: None,
    };
    let plan = plan(&local, &BTreeMap::new(), &remote, &opts());
    assert_eq!(
        actions(&plan),
        [
            ("p/a.css", Action::Unchanged),
            ("p/b.css", Action::Changed),
            ("p/c.css", Action::Headers),
            ("p/d.css", Action::New),
        ]
    );
    assert!(
        plan.steps[1].reason.contains("same size 10"),
        "{}",
        plan.steps[1].reason
    );
    assert_eq!(
        plan.steps[2].reason,
        "cache_control: \"max-age=60\" → \"max-age=3600\""
    );
    assert!(
        matches!(&plan.steps[2].change, Change::Headers { remote_etag: Some(e), .. } if e == "ec"),
        "{:?}",
        plan.steps[2].change
    );
    assert_eq!(plan.stale, ["p/gone.css"]);
    assert!(plan.has_changes());
}

#[test]
fn deletes_only_when_asked_and_only_for_recorded_keys() {
    let local = manifest(&[("p/a.css", entry("a.css", "aaaa", 1, "x"))]);
    let remote = RemoteState {
        manifest: Some(remote(&[
            ("p/a.css", entry("a.css", "aaaa", 1, "x")),
            ("p/old.css", entry("old.css", "oooo", 1, "x")),
        ])),
        listing: Some(
            [
                ("p/a.css", "e1"),
                ("p/old.css", "e2"),
                ("p/foreign.txt", "e3"),
                ("p/.s3sync-manifest.json", "e4"),
            ]
            .into_iter()
            .map(|(k, e)| {
                (
                    k.to_string(),
                    RemoteObject {
                        size: 1,
                        etag: e.into(),
                        headers: None,
                    },
                )
            })
            .collect(),
        ),
    };
    let no_delete = plan(&local, &BTreeMap::new(), &remote, &opts());
    assert_eq!(actions(&no_delete), [("p/a.css", Action::Unchanged)]);
    assert_eq!(no_delete.stale, ["p/old.css"]);
    assert_eq!(no_delete.foreign, ["p/foreign.txt"]);

    let delete = PlanOptions {
        delete: true,
        ..opts()
    };
    let with_delete = plan(&local, &BTreeMap::new(), &remote, &delete);
    assert_eq!(
        actions(&with_delete),
        [
            ("p/a.css", Action::Unchanged),
            ("p/old.css", Action::Delete)
        ]
    );
    assert_eq!(
        with_delete.foreign,
        ["p/foreign.txt"],
        "foreign objects are kept"
    );

    let foreign = PlanOptions {
        delete: true,
        delete_foreign: true,
        ..opts()
    };
    let all = plan(&local, &BTreeMap::new(), &remote, &foreign);
    assert_eq!(all.count(Action::Delete), 2);
    assert!(all.steps.iter().all(|s| s.key != "p/.s3sync-manifest.json"));
}

#[test]
fn listing_reconciles_by_etag_when_there_is_no_manifest() {
    let local = manifest(&[
        ("p/same.css", entry("same.css", "s", 3, "x")),
        ("p/diff.css", entry("diff.css", "d", 3, "x")),
        ("p/hdr.css", entry("hdr.css", "h", 3, "x")),
        ("p/multi.bin", entry("multi.bin", "m", 3, "x")),
        ("p/new.css", entry("new.css", "n", 3, "x")),
    ]);
    let listed = |etag: &str, cache: &str| RemoteObject {
        size: 3,
        etag: etag.into(),
        headers: Some(Headers {
            content_type: "text/css; charset=utf-8".into(),
            cache_control: Some(cache.into()),
            ..Headers::default()
        }),
    };
    let remote = RemoteState {
        manifest: None,
        listing: Some(BTreeMap::from([
            ("p/same.css".to_string(), listed("m1", "x")),
            ("p/diff.css".to_string(), listed("zz", "x")),
            ("p/hdr.css".to_string(), listed("m3", "old")),
            ("p/multi.bin".to_string(), listed("abc-2", "x")),
        ])),
    };
    let etags = BTreeMap::from([
        ("p/same.css".to_string(), "m1".to_string()),
        ("p/diff.css".to_string(), "m2".to_string()),
        ("p/hdr.css".to_string(), "m3".to_string()),
        ("p/multi.bin".to_string(), "m4".to_string()),
    ]);
    let plan = plan(&local, &etags, &remote, &opts());
    assert_eq!(
        actions(&plan),
        [
            ("p/diff.css", Action::Changed),
            ("p/hdr.css", Action::Headers),
            ("p/multi.bin", Action::Changed),
            ("p/new.css", Action::New),
            ("p/same.css", Action::Unchanged),
        ]
    );
    assert_eq!(plan.steps[3].reason, "not in the bucket");
    // An object with the same bytes is recorded as ours afterwards.
    let after = manifest_after("p", None, &plan, &vec![Effect::Untouched; plan.steps.len()]);
    assert_eq!(after.entries.keys().collect::<Vec<_>>(), ["p/same.css"]);
    assert_eq!(after.entries["p/same.css"].etag.as_deref(), Some("m1"));
}

#[test]
fn verify_catches_drift_and_missing_objects() {
    let a = entry("a.css", "aaaa", 1, "x");
    let local = manifest(&[
        ("p/a.css", a.clone()),
        ("p/b.css", entry("b.css", "bbbb", 1, "x")),
    ]);
    let remote = RemoteState {
        manifest: Some(remote(&[
            ("p/a.css", with_etag(a, "recorded")),
            ("p/b.css", with_etag(entry("b.css", "bbbb", 1, "x"), "eb")),
            ("p/c.css", with_etag(entry("c.css", "cccc", 1, "x"), "ec")),
        ])),
        listing: Some(BTreeMap::from([(
            "p/a.css".to_string(),
            RemoteObject {
                size: 1,
                etag: "someone-else".into(),
                headers: None,
            },
        )])),
    };
    let plan = plan(&local, &BTreeMap::new(), &remote, &opts());
    assert_eq!(
        actions(&plan),
        [("p/a.css", Action::Changed), ("p/b.css", Action::New)]
    );
    assert!(plan.steps[0].reason.starts_with("bucket object drifted"));
    assert_eq!(
        plan.steps[1].reason,
        "recorded in the manifest but missing from the bucket"
    );
    assert_eq!(plan.vanished, ["p/c.css"]);
    // If both uploads fail, the manifest no longer claims either object.
    let after = manifest_after(
        "p",
        remote.manifest.as_deref(),
        &plan,
        &[Effect::Untouched, Effect::Untouched],
    );
    assert!(after.entries.is_empty(), "{:?}", after.entries.keys());
}

#[test]
fn mtimes_play_no_part_and_force_reuploads() {
    // Entries carry no mtime at all: identical bytes and headers are unchanged.
    let a = entry("a.css", "aaaa", 1, "x");
    let local = manifest(&[("p/a.css", a.clone())]);
    let remote = RemoteState {
        manifest: Some(remote(&[("p/a.css", with_etag(a, "e"))])),
        listing: None,
    };
    assert!(!plan(&local, &BTreeMap::new(), &remote, &opts()).has_changes());
    let force = PlanOptions {
        force: true,
        ..opts()
    };
    assert_eq!(
        actions(&plan(&local, &BTreeMap::new(), &remote, &force)),
        [("p/a.css", Action::Changed)]
    );
}

#[test]
fn manifest_after_records_exactly_what_succeeded() {
    let old = |p: &str| with_etag(entry(p, "old", 1, "x"), "old-etag");
    let local = manifest(&[
        ("p/ok.css", entry("ok.css", "new", 1, "x")),
        ("p/fail.css", entry("fail.css", "new", 1, "x")),
        ("p/newfail.css", entry("newfail.css", "new", 1, "x")),
    ]);
    let remote = RemoteState {
        manifest: Some(remote(&[
            ("p/ok.css", old("ok.css")),
            ("p/fail.css", old("fail.css")),
            ("p/del.css", old("del.css")),
        ])),
        listing: None,
    };
    let delete = PlanOptions {
        delete: true,
        ..opts()
    };
    let plan = plan(&local, &BTreeMap::new(), &remote, &delete);
    assert_eq!(
        actions(&plan),
        [
            ("p/del.css", Action::Delete),
            ("p/fail.css", Action::Changed),
            ("p/newfail.css", Action::New),
            ("p/ok.css", Action::Changed),
        ]
    );
    // The delete and ok.css succeed; the other two fail.
    let done = [
        Effect::Applied(None),
        Effect::Untouched,
        Effect::Untouched,
        Effect::Applied(Some(crate::record::manifest::Stored {
            etag: "new-etag".to_string(),
            version_id: Some("v2".to_string()),
        })),
    ];
    let after = manifest_after("p", remote.manifest.as_deref(), &plan, &done);
    assert_eq!(
        after.entries.keys().collect::<Vec<_>>(),
        ["p/fail.css", "p/ok.css"]
    );
    assert_eq!(
        after.entries["p/fail.css"].sha256, "old",
        "failed upload keeps the old record"
    );
    assert_eq!(after.entries["p/ok.css"].sha256, "new");
    assert_eq!(after.entries["p/ok.css"].etag.as_deref(), Some("new-etag"));
    assert_eq!(
        after.entries["p/ok.css"].version_id.as_deref(),
        Some("v2"),
        "the version a write made is recorded"
    );
}

#[test]
fn keys_outside_the_prefix_are_never_planned() {
    // A manifest edited by hand (or another tool) names a key elsewhere.
    let local = manifest(&[("p/a.css", entry("a.css", "aaaa", 1, "x"))]);
    let remote = RemoteState {
        manifest: Some(remote(&[
            ("p/a.css", entry("a.css", "aaaa", 1, "x")),
            ("other/index.html", entry("index.html", "iiii", 1, "x")),
            ("p-old/x.css", entry("x.css", "xxxx", 1, "x")),
        ])),
        listing: None,
    };
    let delete = PlanOptions {
        delete: true,
        delete_foreign: true,
        ..opts()
    };
    let plan = plan(&local, &BTreeMap::new(), &remote, &delete);
    assert_eq!(actions(&plan), [("p/a.css", Action::Unchanged)]);
    assert!(plan.stale.is_empty());
}

#[test]
fn steps_that_may_have_landed_are_pending_never_content() {
    let old = |p: &str| with_etag(entry(p, "old", 1, "x"), "old-etag");
    let local = manifest(&[
        ("p/a.css", entry("a.css", "new", 1, "x")),
        ("p/b.css", entry("b.css", "new", 1, "x")),
    ]);
    let remote = RemoteState {
        manifest: Some(remote(&[
            ("p/a.css", old("a.css")),
            ("p/gone.css", old("gone.css")),
        ])),
        listing: None,
    };
    let delete = PlanOptions {
        delete: true,
        ..opts()
    };
    let plan = plan(&local, &BTreeMap::new(), &remote, &delete);
    assert_eq!(
        actions(&plan),
        [
            ("p/a.css", Action::Changed),
            ("p/b.css", Action::New),
            ("p/gone.css", Action::Delete)
        ]
    );
    // Killed with everything in flight: nothing is claimed, all is owned.
    let after = manifest_after(
        "p",
        remote.manifest.as_deref(),
        &plan,
        &[Effect::Unknown, Effect::Unknown, Effect::Unknown],
    );
    assert!(after.entries.is_empty());
    assert_eq!(
        after.pending.iter().collect::<Vec<_>>(),
        ["p/a.css", "p/b.css", "p/gone.css"]
    );
    // The next push re-sends pending keys that are local, deletes the others.
    let next = plan_fn(
        &local,
        &BTreeMap::new(),
        &RemoteState {
            manifest: Some(std::sync::Arc::new(after)),
            listing: None,
        },
        &delete,
    );
    assert_eq!(
        actions(&next),
        [
            ("p/a.css", Action::New),
            ("p/b.css", Action::New),
            ("p/gone.css", Action::Delete)
        ]
    );
}

#[test]
fn a_server_etag_that_is_not_ascii_is_shown_not_sliced() {
    // A listing is the server's text: a hostile endpoint may answer with
    // any ETag. Reasons shorten it by characters, never mid-character.
    let local = manifest(&[("p/a.css", entry("a.css", "aaaa", 10, "max-age=60"))]);
    let listing = BTreeMap::from([(
        "p/a.css".to_string(),
        RemoteObject {
            size: 10,
            etag: "ééééééééééééééé".into(),
            headers: None,
        },
    )]);
    let etags = BTreeMap::from([("p/a.css".to_string(), "0123456789abcdef".to_string())]);
    let plan = plan_fn(
        &local,
        &etags,
        &RemoteState {
            manifest: None,
            listing: Some(listing),
        },
        &opts(),
    );
    assert_eq!(plan.steps[0].action(), Action::Changed);
    assert!(
        plan.steps[0].reason.contains("éééééééééééé ≠ 0123456789ab"),
        "{}",
        plan.steps[0].reason
    );
}

#[test]
fn a_new_encoding_is_new_content_never_a_header_copy() {
    let encoded = |e: Option<&str>| {
        let mut x = entry("a.css", "aaaa", 10, "max-age=60");
        x.headers.content_encoding = e.map(str::to_string);
        x
    };
    let local = manifest(&[("p/a.css", encoded(Some("br"))), ("p/b.css", encoded(None))]);
    let remote = RemoteState {
        manifest: Some(remote(&[
            ("p/a.css", with_etag(encoded(Some("gzip")), "ea")),
            ("p/b.css", with_etag(encoded(Some("gzip")), "eb")),
        ])),
        listing: None,
    };
    let plan = plan(&local, &BTreeMap::new(), &remote, &opts());
    assert_eq!(
        actions(&plan),
        [("p/a.css", Action::Changed), ("p/b.css", Action::Changed)]
    );
    assert_eq!(
        plan.steps[0].reason,
        "encoding gzip → br: the stored bytes change"
    );
    assert_eq!(
        plan.steps[1].reason,
        "encoding gzip → none: the stored bytes change"
    );
}
