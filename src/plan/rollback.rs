//! The rollback plan: a pure function of (the bucket's record now, the
//! record of the deploy to return to) → a [`Plan`] that makes the bucket
//! hold exactly that deploy's manifest, with the bytes taken from the
//! bucket itself. A key with the same SHA-256 and headers needs nothing;
//! the same SHA-256 with other headers is a header update; anything else
//! is a copy of the version the deploy recorded ([`Change::Restore`]).
//! Keys the deploy did not hold go through the push's removal path. Keys
//! whose bytes cannot be found are listed, so nothing starts.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Change, Kept, Plan, PlanOptions, RemovedKey, Step, content_reason, removal};
use crate::record::manifest::{Entry, Headers, Manifest};

/// S3's limit on one CopyObject: larger objects cannot be restored by one.
const MAX_COPY_BYTES: u64 = 5 * 1024 * 1024 * 1024;

/// A key of the target deploy whose bytes cannot be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrestorable {
    pub key: String,
    pub why: String,
}

/// The plan, or the keys that stop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackPlan {
    pub plan: Plan,
    /// Keys whose bytes cannot be found: when not empty, nothing may start.
    pub missing: Vec<Unrestorable>,
}

/// Plan the return from `current` (the effective record now) to `target`
/// (the manifest deploy `target_id` left). `options.delete` says whether
/// keys `target` lacks are deleted or kept, as for a push.
pub fn rollback(
    current: &Manifest,
    target: &Manifest,
    target_id: &str,
    options: &PlanOptions,
) -> RollbackPlan {
    let keys: BTreeSet<&String> = current
        .entries
        .keys()
        .chain(&current.pending)
        .chain(target.entries.keys())
        .chain(&target.pending)
        .filter(|k| {
            !crate::record::is_record_key(&options.manifest_key, k)
                && k.starts_with(&options.key_prefix)
        })
        .collect();
    let mut out = RollbackPlan {
        plan: Plan::default(),
        missing: Vec::new(),
    };
    for key in keys {
        let now = current.entries.get(key);
        let Some(then) = target.entries.get(key) else {
            if target.pending.contains(key) {
                out.missing.push(Unrestorable {
                    key: key.clone(),
                    why: format!(
                        "deploy {target_id} left it in an unknown state (a request that may or may not have landed)"
                    ),
                });
            } else {
                let removed = RemovedKey {
                    key,
                    recorded: now,
                    trusted: now,
                    listing_present: false,
                    listed: None,
                };
                removal(&mut out.plan, &removed, options);
            }
            continue;
        };
        let pending = current.pending.contains(key);
        let then = still_demoted(now, then);
        match restore(key, now, pending, &then, target_id) {
            Ok(step) => out.plan.steps.push(step),
            Err(why) => out.missing.push(Unrestorable {
                key: key.clone(),
                why,
            }),
        }
    }
    out
}

/// A key demoted since the target deploy (its bytes changed under its
/// name: `plan::demotion`) stays demoted: its old bytes come back with the
/// short cache it has now, never as immutable again.
fn still_demoted<'a>(now: Option<&Entry>, then: &'a Entry) -> Cow<'a, Entry> {
    match now {
        Some(now) if now.demoted && !then.demoted => Cow::Owned(Entry {
            demoted: true,
            fingerprint: false,
            headers: Headers {
                cache_control: now.headers.cache_control.clone(),
                ..then.headers.clone()
            },
            ..then.clone()
        }),
        _ => Cow::Borrowed(then),
    }
}

/// The step that makes `key` hold `then` again, given what it holds `now`
/// (its entry; `None`: absent, or `pending`: unknown).
fn restore(
    key: &str,
    now: Option<&Entry>,
    pending: bool,
    then: &Entry,
    target_id: &str,
) -> Result<Step, String> {
    let step = |reason: String, change| Step {
        key: key.to_string(),
        reason: reason.into(),
        change,
    };
    if let Some(now) = now.filter(|n| n.same_content(then)) {
        let diffs = then.headers.differences(&now.headers, true);
        if diffs.is_empty() && now.retired == then.retired {
            return Ok(step(
                format!("same SHA-256 and headers as deploy {target_id}"),
                Change::Unchanged(Kept::Recorded {
                    path: now.path.clone(),
                    etag: None,
                }),
            ));
        }
        if diffs.is_empty() {
            // The same object, but retired now and live in the target (or
            // the other way round): only the record changes. Keeping the
            // current entry would let a prune delete a file the restored
            // deploy serves.
            return Ok(step(
                format!(
                    "same SHA-256 and headers as deploy {target_id}; its retirement follows that deploy"
                ),
                Change::Unchanged(Kept::Refreshed {
                    entry: Box::new(Entry {
                        etag: now.etag.clone(),
                        version_id: now.version_id.clone(),
                        ..then.clone()
                    }),
                }),
            ));
        }
        return Ok(step(
            diffs.join("; "),
            Change::Headers {
                local: Box::new(then.clone()),
                recorded: Some(Box::new(now.clone())),
                remote_etag: now.etag.clone(),
            },
        ));
    }
    let Some(version_id) = then.version_id.clone() else {
        return Err(format!(
            "deploy {target_id} recorded no version of it (the bucket was not versioned when it was uploaded)"
        ));
    };
    if then.size > MAX_COPY_BYTES && then.headers.content_encoding.is_none() {
        return Err("it is over 5 GiB, more than one CopyObject restores".into());
    }
    let mut reason = match now {
        Some(now) => content_reason(then, now),
        None if pending => "its content is unknown (an interrupted run)".into(),
        None => "not in the bucket".into(),
    };
    let _ = write!(
        reason,
        "; copy back version {version_id} of deploy {target_id}"
    );
    Ok(step(
        reason,
        Change::Restore {
            local: Box::new(then.clone()),
            version_id,
            recorded: now.cloned().map(Box::new),
            remote_etag: now.and_then(|n| n.etag.clone()),
        },
    ))
}

#[cfg(test)]
mod tests;
