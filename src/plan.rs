//! The plan: a pure function of (local manifest, remote state, options) →
//! one action per key, with a reason. `diff`, `push --dry-run`, the summary
//! and `--json` all render this one value. Modification times are never
//! evidence: only SHA-256, size, ETags and headers are compared.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::record::manifest::{Entry, Headers, Manifest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    New,
    Changed,
    Headers,
    Delete,
    Unchanged,
}

impl Action {
    pub const ALL: [Self; 5] = [
        Self::New,
        Self::Changed,
        Self::Headers,
        Self::Delete,
        Self::Unchanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Changed => "changed",
            Self::Headers => "headers",
            Self::Delete => "delete",
            Self::Unchanged => "unchanged",
        }
    }

    /// Whether applying the action changes the bucket.
    pub fn is_change(self) -> bool {
        self != Self::Unchanged
    }

    /// Whether the action sends object bytes.
    pub fn uploads(self) -> bool {
        matches!(self, Self::New | Self::Changed)
    }
}

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
    /// The remote manifest's key; neither it nor its intent record is
    /// ever planned as an object.
    pub manifest_key: String,
    /// The key prefix with its trailing `/` (empty for the whole bucket):
    /// keys outside it are never planned, whatever a manifest says.
    pub key_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub key: String,
    /// Source path (for deletes, the path the manifest recorded).
    pub path: Option<String>,
    pub action: Action,
    /// Why, for people (most reasons are fixed text: no allocation).
    pub reason: Cow<'static, str>,
    /// What the bucket should hold afterwards. `None` for deletes, and for
    /// keys unchanged from their manifest entry (that entry stays): a
    /// 100,000-file plan does not copy 100,000 entries.
    pub local: Option<Box<Entry>>,
    /// The manifest entry that is true of the bucket *now* for this key, so a
    /// failed step leaves an exact record. `None` for unchanged keys (their
    /// record is `local` with `remote_etag`).
    pub recorded: Option<Box<Entry>>,
    /// ETag of the object the step replaces or re-headers, if known.
    pub remote_etag: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Objects under the prefix not written by s3sync (kept).
    pub foreign: Vec<String>,
    /// Keys s3sync wrote that are no longer in the source (kept without
    /// `--delete`).
    pub stale: Vec<String>,
    /// Manifest keys whose objects are already gone from the bucket.
    pub vanished: Vec<String>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }

    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| s.action.is_change()) || !self.vanished.is_empty()
    }
}

/// The first 12 characters of a hash or ETag, for reasons. (Character-
/// wise: an ETag from a listing is the server's text, not ours.)
fn short(hex: &str) -> &str {
    hex.char_indices().nth(12).map_or(hex, |(at, _)| &hex[..at])
}

fn content_reason(local: &Entry, old: &Entry) -> String {
    if local.size == old.size {
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

/// Compare one local entry with what is known remotely.
fn plan_local(
    local: &Entry,
    trusted: Option<&Entry>,
    manifest_entry: Option<&Entry>,
    listed: Option<&RemoteObject>,
    listing_present: bool,
    local_etag: Option<&String>,
    force: bool,
) -> (
    Action,
    Cow<'static, str>,
    Option<Box<Entry>>,
    Option<String>,
) {
    if let Some(old) = trusted {
        let etag = old.etag.clone().or_else(|| listed.map(|o| o.etag.clone()));
        let recorded = Some(Box::new(old.clone()));
        if force {
            return (Action::Changed, "--force: re-upload".into(), recorded, etag);
        }
        if !local.same_content(old) {
            return (
                Action::Changed,
                content_reason(local, old).into(),
                recorded,
                etag,
            );
        }
        let diffs = local.headers.differences(&old.headers, true);
        if diffs.is_empty() {
            return (
                Action::Unchanged,
                "same SHA-256 and headers as recorded".into(),
                None,
                etag,
            );
        }
        return (Action::Headers, diffs.join("; ").into(), recorded, etag);
    }
    if let Some(obj) = listed {
        let drift = if manifest_entry.is_some() {
            "bucket object drifted from the manifest; "
        } else {
            ""
        };
        let etag = Some(obj.etag.clone());
        if force {
            return (Action::Changed, "--force: re-upload".into(), None, etag);
        }
        if obj.etag.contains('-') {
            return (
                Action::Changed,
                format!(
                    "{drift}bucket object was uploaded in parts; its ETag cannot prove the bytes"
                )
                .into(),
                None,
                etag,
            );
        }
        if local_etag != Some(&obj.etag) {
            return (
                Action::Changed,
                format!(
                    "{drift}bucket object differs (ETag {} ≠ {})",
                    short(&obj.etag),
                    local_etag.map_or("?", |e| short(e))
                )
                .into(),
                None,
                etag,
            );
        }
        let diffs = obj
            .headers
            .as_ref()
            .map(|h| local.headers.differences(h, false))
            .unwrap_or_default();
        if diffs.is_empty() {
            return (
                Action::Unchanged,
                format!("{drift}bucket object has the same bytes (ETag) and headers").into(),
                None,
                etag,
            );
        }
        return (
            Action::Headers,
            format!("{drift}{}", diffs.join("; ")).into(),
            None,
            etag,
        );
    }
    let reason = if manifest_entry.is_some() && listing_present {
        "recorded in the manifest but missing from the bucket"
    } else if listing_present {
        "not in the bucket"
    } else {
        "not in the remote manifest"
    };
    (Action::New, reason.into(), None, None)
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
    let intent_key = crate::record::intent::intent_key(&options.manifest_key);
    let keys: BTreeSet<&String> = local
        .entries
        .keys()
        .chain(manifest.keys())
        .chain(pending)
        .chain(listing.into_iter().flat_map(BTreeMap::keys))
        .filter(|k| {
            **k != options.manifest_key && **k != intent_key && k.starts_with(&options.key_prefix)
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
            let (action, reason, recorded, remote_etag) = plan_local(
                l,
                trusted,
                m,
                o,
                listing.is_some(),
                local_etags.get(key),
                options.force,
            );
            let kept = action == Action::Unchanged && trusted.is_some();
            out.steps.push(Step {
                key: key.clone(),
                path: Some(l.path.clone()),
                action,
                reason,
                local: (!kept).then(|| Box::new(l.clone())),
                recorded,
                remote_etag,
            });
        } else if let Some(m) = m {
            if listing.is_some() && o.is_none() {
                out.vanished.push(key.clone());
            } else if options.delete {
                out.steps.push(Step {
                    key: key.clone(),
                    path: Some(m.path.clone()),
                    action: Action::Delete,
                    reason: "not in the source".into(),
                    local: None,
                    recorded: trusted.cloned().map(Box::new),
                    remote_etag: o.map(|o| o.etag.clone()).or_else(|| m.etag.clone()),
                });
            } else {
                out.stale.push(key.clone());
            }
        } else if pending.contains(key) {
            // A delete an earlier push started and did not finish.
            if listing.is_some() && o.is_none() {
                out.vanished.push(key.clone());
            } else if options.delete {
                out.steps.push(Step {
                    key: key.clone(),
                    path: None,
                    action: Action::Delete,
                    reason:
                        "not in the source (an interrupted push had started writing or deleting it)"
                            .into(),
                    local: None,
                    recorded: None,
                    remote_etag: o.map(|o| o.etag.clone()),
                });
            } else {
                out.stale.push(key.clone());
            }
        } else if let Some(o) = o {
            if options.delete && options.delete_foreign {
                out.steps.push(Step {
                    key: key.clone(),
                    path: None,
                    action: Action::Delete,
                    reason: "not in the source; not written by s3sync (--delete-foreign)".into(),
                    local: None,
                    recorded: None,
                    remote_etag: Some(o.etag.clone()),
                });
            } else {
                out.foreign.push(key.clone());
            }
        }
    }
    out
}

/// What a step did to the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Applied; the object's new ETag, if it has one.
    Applied(Option<String>),
    /// Not applied: the bucket is as before for this key.
    Untouched,
    /// Unknown (in flight when the push stopped, or failed in a way that
    /// may have landed): recorded as pending, never as content.
    Unknown,
}

/// The manifest that is true of the bucket when each step of `plan` has
/// landed as `landed` says.
pub fn manifest_after(
    prefix: &str,
    base: Option<&Manifest>,
    plan: &Plan,
    landed: &[Effect],
) -> Manifest {
    let mut out = Manifest::new(prefix);
    if let Some(base) = base {
        out.entries.clone_from(&base.entries);
        out.pending.clone_from(&base.pending);
    }
    for key in &plan.vanished {
        out.entries.remove(key);
        out.pending.remove(key);
    }
    for (step, landed) in plan.steps.iter().zip(landed) {
        let key = &step.key;
        match (step.action, landed) {
            (Action::Unchanged, _) => {
                match (&step.local, out.entries.get_mut(key)) {
                    // Unchanged from its manifest entry: keep it (learning
                    // its ETag from a listing if it had none).
                    (None, Some(kept)) => {
                        if kept.etag.is_none() {
                            kept.etag.clone_from(&step.remote_etag);
                        }
                    }
                    // Not possible (such a step was planned from this entry);
                    // leaving the key out would only cost a re-upload.
                    (None, None) => {}
                    // Proved unchanged by a listing: record it.
                    (Some(local), _) => {
                        out.entries.insert(
                            key.clone(),
                            Entry {
                                etag: step.remote_etag.clone(),
                                ..Entry::clone(local)
                            },
                        );
                    }
                }
                out.pending.remove(key);
            }
            (_, Effect::Unknown) => {
                out.entries.remove(key);
                out.pending.insert(key.clone());
            }
            (Action::Delete, Effect::Applied(_)) => {
                out.entries.remove(key);
                out.pending.remove(key);
            }
            (Action::Delete, Effect::Untouched) => {}
            (_, Effect::Applied(etag)) => {
                let local = step.local.as_deref().expect("uploads have a local entry");
                out.entries.insert(
                    key.clone(),
                    Entry {
                        etag: etag.clone(),
                        ..local.clone()
                    },
                );
                out.pending.remove(key);
            }
            (_, Effect::Untouched) => match &step.recorded {
                Some(r) => {
                    out.entries.insert(key.clone(), Entry::clone(r));
                }
                None => {
                    out.entries.remove(key);
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod tests;
