//! `[[redirects]]` objects against small tables: a zero-byte entry with a
//! redirect target is planned like any file, and its steps say so: new,
//! unchanged on a re-push, a changed target re-headered in place, removed
//! at once with `--delete` (not a fingerprint: no grace), and a listing
//! that shows another target (or none) is a header update.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::super::*;

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const EMPTY_MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

fn redirect(to: &str) -> Entry {
    Entry {
        path: "old/page.html".into(),
        sha256: EMPTY_SHA256.into(),
        size: 0,
        headers: Headers {
            content_type: "text/html; charset=utf-8".into(),
            acl: Some("public-read".into()),
            website_redirect_location: Some(to.into()),
            ..Headers::default()
        },
        etag: None,
        fingerprint: false,
        demoted: false,
        retired: None,
        version_id: None,
    }
}

fn local(to: &str) -> Manifest {
    let mut m = Manifest::new("p");
    m.entries.insert("p/old/page.html".into(), redirect(to));
    m
}

fn recorded(to: &str) -> RemoteState {
    let mut m = local(to);
    for e in m.entries.values_mut() {
        e.etag = Some(EMPTY_MD5.into());
    }
    RemoteState {
        manifest: Some(Arc::new(m)),
        listing: None,
    }
}

fn opts() -> PlanOptions {
    PlanOptions {
        manifest_key: "p/.s3sync-manifest.json".into(),
        key_prefix: "p/".into(),
        fingerprint_grace: Duration::from_secs(7 * 86_400),
        ..PlanOptions::default()
    }
}

fn only(plan: &Plan) -> (&str, Action, &str) {
    assert_eq!(plan.steps.len(), 1, "{plan:?}");
    let step = &plan.steps[0];
    (step.key.as_str(), step.action(), &step.reason)
}

#[test]
fn a_new_redirect_is_a_new_step_that_names_its_target() {
    let plan = plan(
        &local("/new/page/"),
        &BTreeMap::new(),
        &RemoteState::default(),
        &opts(),
    );
    assert_eq!(
        only(&plan),
        (
            "p/old/page.html",
            Action::New,
            "redirect → /new/page/; not in the remote manifest"
        )
    );
    assert_eq!(plan.steps[0].change.uploads().map(|e| e.size), Some(0));
}

#[test]
fn a_repush_is_unchanged_and_a_new_target_is_a_header_update_in_place() {
    let same = plan(
        &local("/new/page/"),
        &BTreeMap::new(),
        &recorded("/new/page/"),
        &opts(),
    );
    assert_eq!(only(&same).1, Action::Unchanged);
    assert!(!same.has_changes());

    let moved = plan(
        &local("https://example.com/page/"),
        &BTreeMap::new(),
        &recorded("/new/page/"),
        &opts(),
    );
    assert_eq!(
        only(&moved),
        (
            "p/old/page.html",
            Action::Headers,
            "redirect: \"/new/page/\" → \"https://example.com/page/\""
        )
    );
    // The header update sends the new target and no bytes.
    let Change::Headers { local: sent, .. } = &moved.steps[0].change else {
        panic!("{moved:?}");
    };
    assert_eq!(
        sent.headers.website_redirect_location.as_deref(),
        Some("https://example.com/page/")
    );
    assert!(moved.steps[0].change.uploads().is_none());

    // Another header of a redirect changing still says it is a redirect.
    let mut cached = local("/new/page/");
    for e in cached.entries.values_mut() {
        e.headers.cache_control = Some("max-age=60".into());
    }
    let recached = plan(&cached, &BTreeMap::new(), &recorded("/new/page/"), &opts());
    assert_eq!(
        only(&recached).2,
        "redirect → /new/page/; cache_control: (none) → \"max-age=60\""
    );
}

#[test]
fn a_removed_redirect_is_deleted_at_once_with_delete_and_kept_without() {
    let empty = Manifest::new("p");
    let kept = plan(&empty, &BTreeMap::new(), &recorded("/new/page/"), &opts());
    assert!(kept.steps.is_empty());
    assert_eq!(kept.stale, ["p/old/page.html"]);

    let deleting = PlanOptions {
        delete: true,
        ..opts()
    };
    let gone = plan(&empty, &BTreeMap::new(), &recorded("/new/page/"), &deleting);
    assert_eq!(
        only(&gone),
        (
            "p/old/page.html",
            Action::Delete,
            "a redirect no longer in [[redirects]]"
        )
    );
    // An explicit keep_removed applies to redirects as to every file.
    let keeping = PlanOptions {
        keep_removed: Some(Duration::from_secs(3600)),
        ..deleting
    };
    let retired = plan(&empty, &BTreeMap::new(), &recorded("/new/page/"), &keeping);
    assert_eq!(only(&retired).1, Action::Retire);
}

#[test]
fn a_listing_compares_the_redirect_a_head_reads_back() {
    let listed = |to: Option<&str>| RemoteState {
        manifest: None,
        listing: Some(BTreeMap::from([(
            "p/old/page.html".to_string(),
            RemoteObject {
                size: 0,
                etag: EMPTY_MD5.into(),
                headers: Some(Headers {
                    website_redirect_location: to.map(str::to_string),
                    ..redirect("/").headers
                }),
            },
        )])),
    };
    let etags = BTreeMap::from([("p/old/page.html".to_string(), EMPTY_MD5.to_string())]);
    let same = plan(
        &local("/new/page/"),
        &etags,
        &listed(Some("/new/page/")),
        &opts(),
    );
    assert_eq!(only(&same).1, Action::Unchanged);
    // An empty object without the header (a placeholder another tool
    // wrote) is given its redirect in place.
    let bare = plan(&local("/new/page/"), &etags, &listed(None), &opts());
    assert_eq!(
        only(&bare),
        (
            "p/old/page.html",
            Action::Headers,
            "redirect: (none) → \"/new/page/\""
        )
    );
}
