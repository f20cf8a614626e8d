//! The record a push leaves: the manifest that is true of the bucket once
//! each step of a plan has landed, failed, or may have landed.

use crate::plan::steps::{Change, Kept, Plan};
use crate::record::manifest::{Entry, Manifest, Stored};

/// What a step did to the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Applied; the object's new ETag and version, if it has them.
    Applied(Option<Stored>),
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
        out.deploys.clone_from(&base.deploys);
    }
    for key in &plan.vanished {
        out.entries.remove(key);
        out.pending.remove(key);
    }
    for (step, landed) in plan.steps.iter().zip(landed) {
        let key = &step.key;
        match (&step.change, landed) {
            (Change::Unchanged(kept), _) => {
                match kept {
                    // Unchanged from its manifest entry: keep it (learning
                    // its ETag from a listing if it had none). An entry
                    // missing here is not possible (the step was planned
                    // from it); leaving the key out would only cost a
                    // re-upload.
                    Kept::Recorded { etag, .. } => {
                        if let Some(entry) = out.entries.get_mut(key)
                            && entry.etag.is_none()
                        {
                            entry.etag.clone_from(etag);
                        }
                    }
                    // Proved unchanged by a listing: record it.
                    Kept::Listed { local, etag } => {
                        out.entries.insert(
                            key.clone(),
                            Entry {
                                etag: Some(etag.clone()),
                                ..Entry::clone(local)
                            },
                        );
                    }
                    // Unchanged object, new record (live again, or now a
                    // fingerprint).
                    Kept::Refreshed { entry } => {
                        out.entries.insert(key.clone(), Entry::clone(entry));
                    }
                }
                out.pending.remove(key);
            }
            // Record-only: the object is untouched whatever happened, and
            // its entry says so unless the retirement was recorded.
            (Change::Retire { retired, .. }, landed) => {
                if matches!(landed, Effect::Applied(_))
                    && let Some(entry) = out.entries.get_mut(key)
                {
                    entry.retired = Some(*retired);
                }
            }
            (_, Effect::Unknown) => {
                out.entries.remove(key);
                out.pending.insert(key.clone());
            }
            (Change::Delete { .. } | Change::Prune { .. }, Effect::Applied(_)) => {
                out.entries.remove(key);
                out.pending.remove(key);
            }
            (Change::Delete { .. } | Change::Prune { .. }, Effect::Untouched) => {}
            (
                Change::New { local }
                | Change::Changed { local, .. }
                | Change::Headers { local, .. }
                | Change::Restore { local, .. },
                Effect::Applied(stored),
            ) => {
                out.entries.insert(
                    key.clone(),
                    Entry {
                        etag: stored.as_ref().map(|s| s.etag.clone()),
                        version_id: stored.as_ref().and_then(|s| s.version_id.clone()),
                        ..Entry::clone(local)
                    },
                );
                out.pending.remove(key);
            }
            (change, Effect::Untouched) => match change.recorded() {
                Some(r) => {
                    out.entries.insert(key.clone(), r.clone());
                }
                None => {
                    out.entries.remove(key);
                }
            },
        }
    }
    out.pending_demoted = pending_demoted(&out, base, plan);
    out
}

/// The keys of `after` left pending that were demoted fingerprints: before
/// the plan (their entry, or the base's own set), or by it (the entry the
/// step wrote). A demotion outlives the entry a pending key loses.
fn pending_demoted(
    after: &Manifest,
    base: Option<&Manifest>,
    plan: &Plan,
) -> std::collections::BTreeSet<String> {
    let planned: std::collections::BTreeMap<&str, bool> = plan
        .steps
        .iter()
        .filter_map(|s| Some((s.key.as_str(), s.change.writes()?.demoted)))
        .collect();
    after
        .pending
        .iter()
        .filter(|key| {
            planned.get(key.as_str()).copied().unwrap_or(false)
                || base.is_some_and(|b| {
                    b.pending_demoted.contains(*key)
                        || b.entries.get(*key).is_some_and(|e| e.demoted)
                })
        })
        .cloned()
        .collect()
}
