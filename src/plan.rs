//! The plan: a pure function of (local manifest, remote state, options) →
//! one [`Step`] per key, with a reason. `diff`, `push --dry-run`, the
//! summary and `--json` all render this one value. Modification times are
//! never evidence: only SHA-256, size, ETags and headers are compared.
//! `steps` holds what a plan is, `manifest_after` the record a push leaves,
//! `rollback` the plan that returns the bucket to an earlier deploy.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::clock::Stamp;
use crate::record::manifest::{Entry, Headers, Manifest};

mod demotion;
mod destroy;
mod manifest_after;
mod retention;
mod rollback;
mod steps;

pub use demotion::{Demoted, demote};
pub use destroy::{DestroyPlan, RecordKeys, destroy_plan};
pub use manifest_after::{Effect, manifest_after};
use retention::Removed;
pub use retention::prune_plan;
pub use rollback::{RollbackPlan, Unrestorable, rollback};
pub use steps::{Action, Change, Kept, Plan, Step};

/// One object as a bucket listing shows it (plus its headers when a HEAD
/// was made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteObject {
    pub size: u64,
    /// Unquoted ETag.
    pub etag: String,
    pub headers: Option<Headers>,
}

/// What is known of the bucket: the remote manifest, a listing, or both
/// (`--verify`, or no manifest yet).
#[derive(Debug, Clone, Default)]
pub struct RemoteState {
    /// Shared with the record as read (no copy of a large manifest).
    pub manifest: Option<std::sync::Arc<Manifest>>,
    pub listing: Option<BTreeMap<String, RemoteObject>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    pub delete: bool,
    /// Also delete objects under the prefix that no manifest attributes to
    /// s3sync.
    pub delete_foreign: bool,
    /// Re-upload every file.
    pub force: bool,
    /// The remote manifest's key; no record object (it, its intent, the
    /// deploy records) is ever planned as an object.
    pub manifest_key: String,
    /// The key prefix with its trailing `/` (empty for the whole bucket):
    /// keys outside it are never planned, whatever a manifest says.
    pub key_prefix: String,
    /// The time of this run: retirements start now, and a retired key
    /// whose grace has ended by now is pruned.
    pub now: Stamp,
    /// An explicit `keep_removed`: how long every key whose file left the
    /// source stays (`None`: `fingerprint_grace` for fingerprints, 0 for
    /// the rest). It also counts from the retirement of keys retired
    /// earlier.
    pub keep_removed: Option<Duration>,
    /// The default grace of a key published as a fingerprint.
    pub fingerprint_grace: Duration,
}

/// The first 12 characters of a hash or ETag, for reasons. (Character-
/// wise: an ETag from a listing is the server's text, not ours.)
fn short(hex: &str) -> &str {
    hex.char_indices().nth(12).map_or(hex, |(at, _)| &hex[..at])
}

fn content_reason(local: &Entry, old: &Entry) -> String {
    if local.sha256 == old.sha256 && local.size == old.size {
        let name = |e: &Entry| e.headers.content_encoding.clone().unwrap_or("none".into());
        format!(
            "encoding {} → {}: the stored bytes change",
            name(old),
            name(local)
        )
    } else if local.size == old.size {
        format!(
            "content differs, same size {} (sha256 {} → {})",
            local.size,
            short(&old.sha256),
            short(&local.sha256)
        )
    } else {
        format!(
            "content differs (size {} → {}, sha256 {} → {})",
            old.size,
            local.size,
            short(&old.sha256),
            short(&local.sha256)
        )
    }
}

/// Everything known of one key the source holds: the input of
/// [`plan_local`].
struct KeyFacts<'a> {
    key: &'a str,
    local: &'a Entry,
    /// Its manifest entry, unless a listing contradicts it.
    trusted: Option<&'a Entry>,
    /// Whether the manifest names the key at all (trusted or not).
    in_manifest: bool,
    listed: Option<&'a RemoteObject>,
    listing_present: bool,
    /// MD5 (hex) of the bytes s3sync would store, when a listing needs it.
    local_etag: Option<&'a String>,
    force: bool,
}

/// Compare one local entry with what is known remotely; a step that
/// writes a `[[redirects]]` object says so, with its target.
fn plan_local(facts: &KeyFacts<'_>) -> Step {
    let mut step = compare_local(facts);
    if facts.local.demoted
        && facts.trusted.is_some_and(|old| !old.demoted)
        && step.change.writes().is_some()
    {
        step.reason = format!(
            "not a fingerprint: its bytes changed under a hashed name, so the short cache from now on; {}",
            step.reason
        )
        .into();
    }
    if let Some(to) = &facts.local.headers.website_redirect_location
        && step.change.writes().is_some()
        && !step.reason.starts_with("redirect")
    {
        step.reason = format!("redirect → {to}; {}", step.reason).into();
    }
    step
}

fn compare_local(facts: &KeyFacts<'_>) -> Step {
    let step = |reason: Cow<'static, str>, change| Step {
        key: facts.key.to_string(),
        reason,
        change,
    };
    let remembered = retention::remembered(facts.local, facts.trusted);
    let local = || Box::new(Entry::clone(&remembered));
    if let Some(old) = facts.trusted {
        let back = if old.retired.is_some() {
            "back in the source while retired; "
        } else {
            ""
        };
        let remote_etag = old
            .etag
            .clone()
            .or_else(|| facts.listed.map(|o| o.etag.clone()));
        let changed = |remote_etag| Change::Changed {
            local: local(),
            recorded: Some(Box::new(old.clone())),
            remote_etag,
        };
        if facts.force {
            return step(
                format!("{back}--force: re-upload").into(),
                changed(remote_etag),
            );
        }
        if !remembered.same_content(old) {
            return step(
                format!("{back}{}", content_reason(&remembered, old)).into(),
                changed(remote_etag),
            );
        }
        let diffs = remembered.headers.differences(&old.headers, true);
        if diffs.is_empty() {
            let (why, kept) = retention::unchanged(&remembered, old, remote_etag);
            return step(why.into(), Change::Unchanged(kept));
        }
        return step(
            format!("{back}{}", diffs.join("; ")).into(),
            Change::Headers {
                local: local(),
                recorded: Some(Box::new(old.clone())),
                remote_etag,
            },
        );
    }
    if let Some(obj) = facts.listed {
        let drift = if facts.in_manifest {
            "bucket object drifted from the manifest; "
        } else {
            ""
        };
        let changed = || Change::Changed {
            local: local(),
            recorded: None,
            remote_etag: Some(obj.etag.clone()),
        };
        if facts.force {
            return step("--force: re-upload".into(), changed());
        }
        if obj.etag.contains('-') {
            return step(
                format!(
                    "{drift}bucket object was uploaded in parts; its ETag cannot prove the bytes"
                )
                .into(),
                changed(),
            );
        }
        if facts.local_etag != Some(&obj.etag) {
            return step(
                format!(
                    "{drift}bucket object differs (ETag {} ≠ {})",
                    short(&obj.etag),
                    facts.local_etag.map_or("?", |e| short(e))
                )
                .into(),
                changed(),
            );
        }
        let diffs = obj
            .headers
            .as_ref()
            .map(|h| facts.local.headers.differences(h, false))
            .unwrap_or_default();
        if diffs.is_empty() {
            return step(
                format!("{drift}bucket object has the same bytes (ETag) and headers").into(),
                Change::Unchanged(Kept::Listed {
                    local: local(),
                    etag: obj.etag.clone(),
                }),
            );
        }
        return step(
            format!("{drift}{}", diffs.join("; ")).into(),
            Change::Headers {
                local: local(),
                recorded: None,
                remote_etag: Some(obj.etag.clone()),
            },
        );
    }
    let reason = if facts.in_manifest && facts.listing_present {
        "recorded in the manifest but missing from the bucket"
    } else if facts.listing_present {
        "not in the bucket"
    } else {
        "not in the remote manifest"
    };
    step(reason.into(), Change::New { local: local() })
}

/// A key s3sync wrote (or may have: pending) that the tree being
/// published no longer holds: the input of [`removal`].
pub(crate) struct RemovedKey<'a> {
    pub(crate) key: &'a String,
    /// Its manifest entry (`None`: only pending).
    pub(crate) recorded: Option<&'a Entry>,
    /// The entry, unless a listing contradicts it.
    pub(crate) trusted: Option<&'a Entry>,
    pub(crate) listing_present: bool,
    pub(crate) listed: Option<&'a RemoteObject>,
}

/// What happens to a key the source no longer holds: the one removal path
/// `push` and `rollback` share. Gone already: vanished; deletes on: a
/// delete step; otherwise kept (stale).
pub(crate) fn removal(out: &mut Plan, removed: &RemovedKey<'_>, options: &PlanOptions) {
    let key = removed.key;
    if removed.listing_present && removed.listed.is_none() {
        out.vanished.push(key.clone());
    } else if let Some(m) = removed.recorded {
        // Retire (kept for its grace period), prune (grace over), delete
        // (no grace), or keep (deletes off): `retention` decides.
        let remote_etag = removed
            .listed
            .map(|o| o.etag.clone())
            .or_else(|| m.etag.clone());
        let plain_delete = || Step {
            key: key.clone(),
            reason: if m.headers.website_redirect_location.is_some() {
                "a redirect no longer in [[redirects]]".into()
            } else {
                "not in the source".into()
            },
            change: Change::Delete {
                path: Some(m.path.clone()),
                recorded: removed.trusted.cloned().map(Box::new),
                remote_etag: remote_etag.clone(),
            },
        };
        match retention::removed(key, m, remote_etag.clone(), options, plain_delete) {
            Removed::Step(step) => out.steps.push(step),
            Removed::Retained(due) => out.retained.push((key.clone(), due)),
            Removed::Stale => out.stale.push(key.clone()),
        }
    } else if !options.delete {
        out.stale.push(key.clone());
    } else {
        // A delete an earlier push started and did not finish.
        out.steps.push(Step {
            key: key.clone(),
            reason: "not in the source (an interrupted push had started writing or deleting it)"
                .into(),
            change: Change::Delete {
                path: None,
                recorded: None,
                remote_etag: removed.listed.map(|o| o.etag.clone()),
            },
        });
    }
}

/// Build the plan. `local_etags` holds, for keys that need a listing
/// comparison, the MD5 (hex) of the bytes s3sync would store.
pub fn plan(
    local: &Manifest,
    local_etags: &BTreeMap<String, String>,
    remote: &RemoteState,
    options: &PlanOptions,
) -> Plan {
    let empty = BTreeMap::new();
    let no_pending = BTreeSet::new();
    let manifest = remote.manifest.as_ref().map_or(&empty, |m| &m.entries);
    let pending = remote.manifest.as_ref().map_or(&no_pending, |m| &m.pending);
    let listing = remote.listing.as_ref();
    let keys: BTreeSet<&String> = local
        .entries
        .keys()
        .chain(manifest.keys())
        .chain(pending)
        .chain(listing.into_iter().flat_map(BTreeMap::keys))
        .filter(|k| {
            !crate::record::is_record_key(&options.manifest_key, k)
                && k.starts_with(&options.key_prefix)
        })
        .collect();
    let mut out = Plan::default();
    out.steps.reserve(keys.len());
    for key in keys {
        let m = manifest.get(key);
        let o = listing.and_then(|l| l.get(key));
        // A manifest entry is trusted unless a listing contradicts it.
        let trusted = m.filter(|m| {
            listing.is_none() || o.is_some_and(|o| m.etag.as_ref().is_none_or(|e| *e == o.etag))
        });
        if let Some(l) = local.entries.get(key) {
            if pending.contains(key) {
                out.unsettled.insert(key.clone());
            }
            out.steps.push(plan_local(&KeyFacts {
                key,
                local: l,
                trusted,
                in_manifest: m.is_some(),
                listed: o,
                listing_present: listing.is_some(),
                local_etag: local_etags.get(key),
                force: options.force,
            }));
        } else if m.is_some() || pending.contains(key) {
            removal(
                &mut out,
                &RemovedKey {
                    key,
                    recorded: m,
                    trusted,
                    listing_present: listing.is_some(),
                    listed: o,
                },
                options,
            );
        } else if let Some(o) = o {
            if options.delete && options.delete_foreign {
                out.steps.push(Step {
                    key: key.clone(),
                    reason: "not in the source; not written by s3sync (--delete-foreign)".into(),
                    change: Change::Delete {
                        path: None,
                        recorded: None,
                        remote_etag: Some(o.etag.clone()),
                    },
                });
            } else {
                out.foreign.push(key.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
