//! Retention against small tables: which removed keys are retired, deleted
//! or pruned and when, retired files that come back, fingerprint memory,
//! the record each leaves, and the plan of `s3sync prune`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::super::*;
use crate::record::manifest::Retired;

const DAY: u64 = 86_400;
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SHORT: &str = "public, max-age=60, must-revalidate";

/// 2026-11-26T10:00:00Z
fn t0() -> Stamp {
    Stamp::parse("2026-11-26T10:00:00Z").unwrap()
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * DAY)
}

fn entry(path: &str, sha: &str, cache: &str, fingerprint: bool) -> Entry {
    Entry {
        path: path.into(),
        sha256: sha.into(),
        size: 10,
        headers: Headers {
            content_type: "text/css; charset=utf-8".into(),
            cache_control: Some(cache.into()),
            acl: Some("public-read".into()),
            ..Headers::default()
        },
        etag: Some(format!("e-{sha}")),
        fingerprint,
        demoted: false,
        retired: None,
        version_id: None,
    }
}

fn retired(mut e: Entry, at: Stamp, grace: Duration) -> Entry {
    e.retired = Some(Retired {
        at,
        delete_after: at.plus(grace),
    });
    e
}

fn manifest(entries: &[(&str, &Entry)]) -> Manifest {
    let mut m = Manifest::new("p");
    for (k, e) in entries {
        m.entries.insert((*k).into(), Entry::clone(e));
    }
    m
}

fn remote(entries: &[(&str, &Entry)]) -> RemoteState {
    RemoteState {
        manifest: Some(Arc::new(manifest(entries))),
        listing: None,
    }
}

fn opts(delete: bool, now: Stamp) -> PlanOptions {
    PlanOptions {
        delete,
        manifest_key: "p/.s3sync-manifest.json".into(),
        key_prefix: "p/".into(),
        now,
        fingerprint_grace: days(7),
        ..PlanOptions::default()
    }
}

fn run(local: &Manifest, remote: &RemoteState, options: &PlanOptions) -> Plan {
    plan(local, &BTreeMap::new(), remote, options)
}

fn actions(plan: &Plan) -> Vec<(&str, Action)> {
    plan.steps
        .iter()
        .map(|s| (s.key.as_str(), s.action()))
        .collect()
}

fn all(plan: &Plan, effect: &Effect) -> Vec<Effect> {
    vec![effect.clone(); plan.steps.len()]
}

#[test]
fn a_removed_fingerprint_is_retired_for_seven_days_and_other_files_go_at_once() {
    let site = entry("css/site.3f2a.css", "aaaa", IMMUTABLE, true);
    let page = entry("about.txt", "bbbb", SHORT, false);
    let keep = entry("css/site.css", "cccc", SHORT, false);
    let local = manifest(&[("p/css/site.css", &keep)]);
    let state = remote(&[
        ("p/css/site.3f2a.css", &site),
        ("p/about.txt", &page),
        ("p/css/site.css", &keep),
    ]);

    let plan = run(&local, &state, &opts(true, t0()));
    assert_eq!(
        actions(&plan),
        [
            ("p/about.txt", Action::Delete),
            ("p/css/site.3f2a.css", Action::Retire),
            ("p/css/site.css", Action::Unchanged),
        ]
    );
    assert_eq!(
        plan.steps[1].reason,
        "retired, deleted after 2026-12-03 10:00 UTC (not in the source; a hashed file: kept 7d by default)"
    );
    assert_eq!(
        plan.steps[1].change,
        Change::Retire {
            path: "css/site.3f2a.css".into(),
            retired: Retired {
                at: t0(),
                delete_after: t0().plus(days(7)),
            },
        }
    );
    assert_eq!(plan.deletes(), 1, "a retirement deletes nothing");
    assert!(plan.has_changes());
    assert!(Action::Retire.is_change() && !Action::Retire.touches_bucket());

    // The record: the retired key stays, with its retirement; the object
    // is untouched (nothing else in the entry changes).
    let after = manifest_after(
        "p",
        state.manifest.as_deref(),
        &plan,
        &all(&plan, &Effect::Applied(None)),
    );
    let kept = &after.entries["p/css/site.3f2a.css"];
    assert_eq!(
        Entry {
            retired: None,
            ..kept.clone()
        },
        site
    );
    assert_eq!(kept.retired.unwrap().delete_after, t0().plus(days(7)));
    assert!(!after.entries.contains_key("p/about.txt"));

    // Without deletes: both are only reported.
    let plan = run(&local, &state, &opts(false, t0()));
    assert_eq!(plan.stale, ["p/about.txt", "p/css/site.3f2a.css"]);
    assert_eq!(plan.count(Action::Retire), 0);
}

#[test]
fn an_explicit_keep_removed_applies_to_every_file() {
    let site = entry("site.3f2a.css", "aaaa", IMMUTABLE, true);
    let page = entry("about.txt", "bbbb", SHORT, false);
    let state = remote(&[("p/site.3f2a.css", &site), ("p/about.txt", &page)]);
    let local = Manifest::new("p");
    let with = |keep: Duration| PlanOptions {
        keep_removed: Some(keep),
        ..opts(true, t0())
    };
    let hour = run(&local, &state, &with(Duration::from_secs(3600)));
    assert_eq!(
        actions(&hour),
        [
            ("p/about.txt", Action::Retire),
            ("p/site.3f2a.css", Action::Retire)
        ]
    );
    assert_eq!(
        hour.steps[0].reason,
        "retired, deleted after 2026-11-26 11:00 UTC (not in the source; keep_removed = 1h)"
    );
    let odd = run(&local, &state, &with(Duration::from_secs(DAY + 5430)));
    assert!(
        odd.steps[0]
            .reason
            .ends_with("keep_removed = 1d 1h 30m 30s)"),
        "{}",
        odd.steps[0].reason
    );
    let at_once = run(&local, &state, &with(Duration::ZERO));
    assert_eq!(
        actions(&at_once),
        [
            ("p/about.txt", Action::Delete),
            ("p/site.3f2a.css", Action::Delete)
        ]
    );
}

#[test]
fn retired_keys_are_listed_until_their_grace_ends_then_pruned() {
    let old = retired(
        entry("site.0000.css", "aaaa", IMMUTABLE, true),
        t0(),
        days(7),
    );
    let state = remote(&[("p/site.0000.css", &old)]);
    let local = Manifest::new("p");

    // In grace: kept, listed with the date; nothing to do.
    let plan = run(&local, &state, &opts(true, t0().plus(days(1))));
    assert!(plan.steps.is_empty());
    assert_eq!(
        plan.retained,
        [("p/site.0000.css".to_string(), t0().plus(days(7)))]
    );
    assert!(!plan.has_changes());

    // Due, with deletes on: pruned.
    let plan = run(&local, &state, &opts(true, t0().plus(days(8))));
    assert_eq!(actions(&plan), [("p/site.0000.css", Action::Prune)]);
    assert_eq!(
        plan.steps[0].reason,
        "retired 2026-11-26 10:00 UTC, its grace ended 2026-12-03 10:00 UTC: deleted"
    );
    assert_eq!(plan.deletes(), 1);
    let after = manifest_after(
        "p",
        state.manifest.as_deref(),
        &plan,
        &all(&plan, &Effect::Applied(None)),
    );
    assert!(after.entries.is_empty());
    // A failed prune keeps the retired entry as it was.
    let after = manifest_after("p", state.manifest.as_deref(), &plan, &[Effect::Untouched]);
    assert_eq!(after.entries["p/site.0000.css"], old);

    // Due, but deletes are off: a push without --delete deletes nothing.
    let plan = run(&local, &state, &opts(false, t0().plus(days(8))));
    assert!(plan.steps.is_empty());
    assert_eq!(plan.retained.len(), 1);

    // An explicit keep_removed counts from the retirement.
    let plan = run(
        &local,
        &state,
        &PlanOptions {
            keep_removed: Some(Duration::ZERO),
            ..opts(true, t0().plus(days(1)))
        },
    );
    assert_eq!(actions(&plan), [("p/site.0000.css", Action::Prune)]);
    let plan = run(
        &local,
        &state,
        &PlanOptions {
            keep_removed: Some(days(30)),
            ..opts(true, t0().plus(days(8)))
        },
    );
    assert_eq!(plan.retained[0].1, t0().plus(days(30)));
}

#[test]
fn a_retired_file_that_comes_back_is_live_again_without_an_upload() {
    let site = entry("site.3f2a.css", "aaaa", IMMUTABLE, true);
    let old = retired(site.clone(), t0(), days(7));
    let state = remote(&[("p/site.3f2a.css", &old)]);
    let local = manifest(&[(
        "p/site.3f2a.css",
        &Entry {
            etag: None,
            ..site.clone()
        },
    )]);

    let plan = run(&local, &state, &opts(true, t0().plus(days(1))));
    assert_eq!(actions(&plan), [("p/site.3f2a.css", Action::Unchanged)]);
    assert_eq!(
        plan.steps[0].reason,
        "back in the source while retired: live again (same SHA-256 and headers)"
    );
    let after = manifest_after(
        "p",
        state.manifest.as_deref(),
        &plan,
        &all(&plan, &Effect::Untouched),
    );
    assert_eq!(
        after.entries["p/site.3f2a.css"], site,
        "the record drops the retirement and keeps the ETag"
    );

    // Back with other bytes: an upload, and the record is the new file's.
    let changed = manifest(&[(
        "p/site.3f2a.css",
        &entry("site.3f2a.css", "a222", IMMUTABLE, true),
    )]);
    let plan = run(&changed, &state, &opts(true, t0().plus(days(1))));
    assert_eq!(actions(&plan), [("p/site.3f2a.css", Action::Changed)]);
    assert!(
        plan.steps[0]
            .reason
            .starts_with("back in the source while retired; content differs"),
        "{}",
        plan.steps[0].reason
    );
    let after = manifest_after(
        "p",
        state.manifest.as_deref(),
        &plan,
        &[Effect::Applied(Some(crate::record::manifest::Stored {
            etag: "new".into(),
            version_id: None,
        }))],
    );
    assert_eq!(after.entries["p/site.3f2a.css"].retired, None);
}

#[test]
fn a_fingerprint_keeps_its_cache_control_while_its_bytes_stay_the_same() {
    // Published as hashed; the new staticfiles.json no longer names it, but
    // the build folder still holds the same bytes.
    let published = entry("css/site.3f2a.css", "aaaa", IMMUTABLE, true);
    let orphan = Entry {
        etag: None,
        ..entry("css/site.3f2a.css", "aaaa", SHORT, false)
    };
    let state = remote(&[("p/css/site.3f2a.css", &published)]);

    let plan = run(
        &manifest(&[("p/css/site.3f2a.css", &orphan)]),
        &state,
        &opts(true, t0()),
    );
    assert_eq!(
        actions(&plan),
        [("p/css/site.3f2a.css", Action::Unchanged)],
        "not demoted: {}",
        plan.steps[0].reason
    );

    // Another header change still applies, without the demotion.
    let mut private = orphan.clone();
    private.headers.acl = Some("private".into());
    let plan = run(
        &manifest(&[("p/css/site.3f2a.css", &private)]),
        &state,
        &opts(true, t0()),
    );
    assert_eq!(plan.steps[0].reason, "acl: \"public-read\" → \"private\"");
    let written = plan.steps[0].change.writes().unwrap();
    assert_eq!(written.headers.cache_control.as_deref(), Some(IMMUTABLE));
    assert!(written.fingerprint);

    // New bytes under the name: a new file, with the headers it has now.
    let rebuilt = Entry {
        sha256: "a222".into(),
        ..orphan
    };
    let plan = run(
        &manifest(&[("p/css/site.3f2a.css", &rebuilt)]),
        &state,
        &opts(true, t0()),
    );
    let written = plan.steps[0].change.writes().unwrap();
    assert_eq!(written.headers.cache_control.as_deref(), Some(SHORT));
    assert!(!written.fingerprint);
}

#[test]
fn a_file_newly_named_as_hashed_is_recorded_as_a_fingerprint() {
    // Same bytes and headers (a rule sets the Cache-Control), but the
    // build manifest names it now: the record learns it, nothing is sent.
    let before = entry("app.js", "aaaa", IMMUTABLE, false);
    let now = Entry {
        etag: None,
        fingerprint: true,
        ..before.clone()
    };
    let state = remote(&[("p/app.js", &before)]);
    let plan = run(&manifest(&[("p/app.js", &now)]), &state, &opts(true, t0()));
    assert_eq!(actions(&plan), [("p/app.js", Action::Unchanged)]);
    let after = manifest_after("p", state.manifest.as_deref(), &plan, &[Effect::Untouched]);
    assert!(after.entries["p/app.js"].fingerprint);
    assert_eq!(after.entries["p/app.js"].etag, before.etag);
}

#[test]
fn a_retired_key_gone_from_the_bucket_is_dropped_not_an_error() {
    let old = retired(entry("gone.css", "aaaa", IMMUTABLE, true), t0(), days(7));
    let state = RemoteState {
        listing: Some(BTreeMap::new()),
        ..remote(&[("p/gone.css", &old)])
    };
    let plan = run(&Manifest::new("p"), &state, &opts(true, t0().plus(days(8))));
    assert!(plan.steps.is_empty());
    assert_eq!(plan.vanished, ["p/gone.css"]);
    let after = manifest_after("p", state.manifest.as_deref(), &plan, &[]);
    assert!(after.entries.is_empty());
}

#[test]
fn a_retirement_that_was_not_recorded_leaves_the_entry_live() {
    let site = entry("site.3f2a.css", "aaaa", IMMUTABLE, true);
    let state = remote(&[("p/site.3f2a.css", &site)]);
    let plan = run(&Manifest::new("p"), &state, &opts(true, t0()));
    for effect in [Effect::Untouched, Effect::Unknown] {
        let after = manifest_after("p", state.manifest.as_deref(), &plan, &[effect]);
        assert_eq!(after.entries["p/site.3f2a.css"], site);
        assert!(after.pending.is_empty());
    }
}

#[test]
fn prune_plans_from_the_record_alone() {
    let due = retired(entry("a.0001.css", "aaaa", IMMUTABLE, true), t0(), days(7));
    let later = retired(
        entry("b.0002.css", "bbbb", IMMUTABLE, true),
        t0().plus(days(5)),
        days(7),
    );
    let live = entry("c.0003.css", "cccc", IMMUTABLE, true);
    let mut outside = due.clone();
    outside.path = "elsewhere.css".into();
    let state = remote(&[
        ("p/a.0001.css", &due),
        ("p/b.0002.css", &later),
        ("p/c.0003.css", &live),
        ("q/elsewhere.css", &outside),
    ]);
    let options = opts(true, t0().plus(days(8)));
    let plan = prune_plan(&state, &options);
    assert_eq!(actions(&plan), [("p/a.0001.css", Action::Prune)]);
    assert_eq!(
        plan.steps[0].change,
        Change::Prune {
            path: "a.0001.css".into(),
            due: t0().plus(days(7)),
            remote_etag: Some("e-aaaa".into()),
        }
    );
    assert_eq!(
        plan.retained,
        [("p/b.0002.css".to_string(), t0().plus(days(12)))]
    );
    assert!(
        prune_plan(&RemoteState::default(), &options)
            .steps
            .is_empty()
    );
}
