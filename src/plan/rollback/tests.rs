//! Rollback planning against small records: what needs nothing, a header
//! update, a copy of a version, a removal, and what stops the rollback.

use super::*;
use crate::plan::Action;

fn entry(path: &str, sha: char, cache: &str, version: Option<&str>) -> Entry {
    Entry {
        path: path.into(),
        sha256: sha.to_string().repeat(64),
        size: 10,
        headers: Headers {
            content_type: "text/css".into(),
            cache_control: Some(cache.into()),
            acl: Some("public-read".into()),
            ..Headers::default()
        },
        etag: Some(format!("etag-{sha}")),
        version_id: version.map(str::to_string),
        fingerprint: false,
        demoted: false,
        retired: None,
    }
}

fn manifest(entries: Vec<(&str, Entry)>) -> Manifest {
    let mut m = Manifest::new("p");
    for (k, e) in entries {
        m.entries.insert(format!("p/{k}"), e);
    }
    m
}

fn options(delete: bool) -> PlanOptions {
    PlanOptions {
        delete,
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

/// v1: same.css, headers.css (max-age=60), edited.css, removed.css.
/// v2 (now): same.css, headers.css (max-age=600), edited.css (new bytes),
/// added.css; removed.css gone.
fn v1_and_v2() -> (Manifest, Manifest) {
    let v1 = manifest(vec![
        (
            "same.css",
            entry("same.css", 'a', "max-age=60", Some("va1")),
        ),
        (
            "headers.css",
            entry("headers.css", 'b', "max-age=60", Some("vb1")),
        ),
        (
            "edited.css",
            entry("edited.css", 'c', "max-age=60", Some("vc1")),
        ),
        (
            "removed.css",
            entry("removed.css", 'd', "max-age=60", Some("vd1")),
        ),
    ]);
    let v2 = manifest(vec![
        (
            "same.css",
            entry("same.css", 'a', "max-age=60", Some("va1")),
        ),
        (
            "headers.css",
            entry("headers.css", 'b', "max-age=600", Some("vb2")),
        ),
        (
            "edited.css",
            entry("edited.css", 'e', "max-age=60", Some("vc2")),
        ),
        (
            "added.css",
            entry("added.css", 'f', "max-age=60", Some("vf2")),
        ),
    ]);
    (v1, v2)
}

#[test]
fn rollback_restores_bytes_from_versions_and_removes_what_the_target_lacks() {
    let (v1, v2) = v1_and_v2();
    let out = rollback(&v2, &v1, "D1", &options(true));
    assert!(out.missing.is_empty(), "{:?}", out.missing);
    assert_eq!(
        actions(&out.plan),
        [
            ("p/added.css", Action::Delete),
            ("p/edited.css", Action::Changed),
            ("p/headers.css", Action::Headers),
            ("p/removed.css", Action::New),
            ("p/same.css", Action::Unchanged),
        ]
    );
    let step = |key: &str| out.plan.steps.iter().find(|s| s.key == key).unwrap();
    match &step("p/edited.css").change {
        Change::Restore {
            version_id,
            local,
            remote_etag,
            ..
        } => {
            assert_eq!(version_id, "vc1");
            assert_eq!(local.sha256, "c".repeat(64));
            assert_eq!(remote_etag.as_deref(), Some("etag-e"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        step("p/edited.css")
            .reason
            .ends_with("copy back version vc1 of deploy D1"),
        "{}",
        step("p/edited.css").reason
    );
    match &step("p/removed.css").change {
        Change::Restore {
            version_id,
            recorded,
            ..
        } => assert_eq!((version_id.as_str(), recorded.is_none()), ("vd1", true)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        step("p/headers.css").reason,
        "cache_control: \"max-age=600\" → \"max-age=60\""
    );
    // Without deletes, what the target lacks is kept, as a push keeps it.
    let kept = rollback(&v2, &v1, "D1", &options(false));
    assert_eq!(kept.plan.stale, ["p/added.css"]);
    assert_eq!(kept.plan.count(Action::Delete), 0);
}

#[test]
fn rolling_back_to_the_current_record_changes_nothing() {
    let (v1, _) = v1_and_v2();
    let out = rollback(&v1, &v1, "D1", &options(true));
    assert!(out.missing.is_empty());
    assert!(!out.plan.has_changes());
}

#[test]
fn bytes_that_cannot_be_found_are_named_and_stop_it() {
    let (mut v1, mut v2) = v1_and_v2();
    // Unversioned bucket: no version recorded for edited.css.
    v1.entries.get_mut("p/edited.css").unwrap().version_id = None;
    // A key the deploy left pending: its content is not known.
    v1.pending.insert("p/unknown.css".into());
    // Keys whose bytes are still there need no version.
    v1.entries.get_mut("p/same.css").unwrap().version_id = None;
    v2.entries.get_mut("p/same.css").unwrap().version_id = None;
    let out = rollback(&v2, &v1, "D1", &options(true));
    let missing: Vec<(&str, &str)> = out
        .missing
        .iter()
        .map(|m| (m.key.as_str(), m.why.as_str()))
        .collect();
    assert_eq!(
        missing,
        [
            (
                "p/edited.css",
                "deploy D1 recorded no version of it (the bucket was not versioned when it was uploaded)"
            ),
            (
                "p/unknown.css",
                "deploy D1 left it in an unknown state (a request that may or may not have landed)"
            ),
        ]
    );
}

#[test]
fn an_interrupted_rollback_is_finished_by_the_next() {
    let (v1, v2) = v1_and_v2();
    // Killed mid-way: edited.css and added.css are pending (unknown).
    let mut now = v2.clone();
    for key in ["p/edited.css", "p/added.css"] {
        now.entries.remove(key);
        now.pending.insert(key.into());
    }
    let out = rollback(&now, &v1, "D1", &options(true));
    assert!(out.missing.is_empty());
    let edited = out
        .plan
        .steps
        .iter()
        .find(|s| s.key == "p/edited.css")
        .unwrap();
    assert!(matches!(edited.change, Change::Restore { .. }));
    assert_eq!(
        edited.reason,
        "its content is unknown (an interrupted run); copy back version vc1 of deploy D1"
    );
    let added = out
        .plan
        .steps
        .iter()
        .find(|s| s.key == "p/added.css")
        .unwrap();
    assert_eq!(added.action(), Action::Delete);
}

#[test]
fn record_keys_and_keys_outside_the_prefix_are_never_planned() {
    let (v1, v2) = v1_and_v2();
    let mut hostile = v1.clone();
    for key in [
        "p/.s3sync-manifest.json",
        "p/.s3sync-manifest.json.intent",
        "p/.s3sync-manifest.json.deploys/D0.json.gz",
        "elsewhere/x.css",
    ] {
        hostile
            .entries
            .insert(key.into(), entry("x.css", '9', "max-age=60", Some("v")));
    }
    let out = rollback(&v2, &hostile, "D1", &options(true));
    assert_eq!(out.plan, rollback(&v2, &v1, "D1", &options(true)).plan);
}

#[test]
fn a_file_retired_now_but_live_in_the_target_is_live_again_after_the_rollback() {
    use crate::clock::Stamp;
    use crate::plan::{Effect, manifest_after};
    use crate::record::manifest::Retired;
    // v1 served site.aaa.css; v2's push --delete retired it for 7 days.
    let v1 = manifest(vec![(
        "site.aaa.css",
        entry("site.aaa.css", 'a', "immutable", Some("va")),
    )]);
    let mut retired = entry("site.aaa.css", 'a', "immutable", Some("va"));
    retired.retired = Some(Retired {
        at: Stamp::from_secs(1_000),
        delete_after: Stamp::from_secs(1_000 + 7 * 86_400),
    });
    let v2 = manifest(vec![("site.aaa.css", retired)]);
    let planned = rollback(&v2, &v1, "D1", &options(true));
    assert!(planned.missing.is_empty());
    assert_eq!(
        actions(&planned.plan),
        [("p/site.aaa.css", Action::Unchanged)]
    );
    let after = manifest_after("p", Some(&v2), &planned.plan, &[Effect::Untouched]);
    assert_eq!(
        after.entries["p/site.aaa.css"].retired, None,
        "a prune must not delete a file the restored deploy serves"
    );
    assert_eq!(
        after.entries["p/site.aaa.css"].version_id.as_deref(),
        Some("va")
    );
}

#[test]
fn a_fingerprint_the_target_lacks_is_retired_not_deleted() {
    use crate::clock::Stamp;
    let v1 = manifest(vec![(
        "a.css",
        entry("a.css", 'a', "immutable", Some("va")),
    )]);
    let mut added = entry("site.bbb.css", 'b', "immutable", Some("vb"));
    added.fingerprint = true;
    let v2 = manifest(vec![
        ("a.css", entry("a.css", 'a', "immutable", Some("va"))),
        ("site.bbb.css", added),
    ]);
    // What the rollback command plans with: the push's clock and grace.
    let opts = PlanOptions {
        now: Stamp::from_secs(10_000),
        fingerprint_grace: crate::config::KEEP_REMOVED_FINGERPRINTS,
        ..options(true)
    };
    let planned = rollback(&v2, &v1, "D1", &opts);
    assert_eq!(
        actions(&planned.plan),
        [
            ("p/a.css", Action::Unchanged),
            ("p/site.bbb.css", Action::Retire)
        ],
        "servers still on the current deploy keep their files for the grace period"
    );
}

#[test]
fn a_key_demoted_since_the_target_deploy_comes_back_with_the_short_cache() {
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";
    const SHORT: &str = "public, max-age=60, must-revalidate";
    let mut then = entry("app-1a2b3c4d.js", 'a', IMMUTABLE, Some("v1"));
    then.fingerprint = true;
    let mut now = entry("app-1a2b3c4d.js", 'b', SHORT, Some("v2"));
    now.demoted = true;
    let target = manifest(vec![("app-1a2b3c4d.js", then)]);
    let current = manifest(vec![("app-1a2b3c4d.js", now)]);
    let plan = rollback(&current, &target, "d1", &options(false));
    assert!(plan.missing.is_empty());
    let Change::Restore { local, .. } = &plan.plan.steps[0].change else {
        panic!("{:?}", plan.plan.steps);
    };
    assert_eq!(local.sha256, "a".repeat(64), "the old bytes");
    assert_eq!(local.headers.cache_control.as_deref(), Some(SHORT));
    assert!(local.demoted && !local.fingerprint);
}
