//! Retention, as the plan decides it: a key whose file left the source is
//! retired for its grace period (the object stays, untouched) and pruned
//! once that has passed; a retired file that comes back is live again; and
//! a key once published as a fingerprint keeps its Cache-Control while its
//! bytes stay the same. `prune_plan` is the plan of `s3sync prune`, made
//! from the record alone.

use std::borrow::Cow;
use std::time::Duration;

use crate::clock::Stamp;
use crate::plan::steps::{Change, Kept, Plan, Step};
use crate::plan::{PlanOptions, RemoteState};
use crate::record::manifest::{Entry, Headers, Retired};

/// What becomes of a recorded key whose file is not in the source.
pub(super) enum Removed {
    Step(Step),
    /// Retired earlier and kept: goes at this time.
    Retained(Stamp),
    /// Kept without deletes on.
    Stale,
}

/// The grace period of a key whose file leaves the source now.
fn grace(entry: &Entry, options: &PlanOptions) -> Duration {
    options.keep_removed.unwrap_or(if entry.fingerprint {
        options.fingerprint_grace
    } else {
        Duration::ZERO
    })
}

/// When a retired key goes: the end of the grace decided at retirement,
/// unless `keep_removed` is set explicitly (it applies to all).
fn due(retired: &Retired, options: &PlanOptions) -> Stamp {
    options
        .keep_removed
        .map_or(retired.delete_after, |d| retired.at.plus(d))
}

fn prune_step(key: &str, entry: &Entry, due: Stamp, remote_etag: Option<String>) -> Step {
    Step {
        key: key.to_string(),
        reason: format!(
            "retired {}, its grace ended {}: deleted",
            entry.retired.map_or_else(String::new, |r| r.at.human()),
            due.human()
        )
        .into(),
        change: Change::Prune {
            path: entry.path.clone(),
            due,
            remote_etag,
        },
    }
}

/// Decide a recorded key whose file left the source. `delete` builds the
/// step of a plain delete (grace 0).
pub(super) fn removed(
    key: &str,
    entry: &Entry,
    remote_etag: Option<String>,
    options: &PlanOptions,
    delete: impl FnOnce() -> Step,
) -> Removed {
    if let Some(retired) = &entry.retired {
        let due = due(retired, options);
        return if options.delete && due <= options.now {
            Removed::Step(prune_step(key, entry, due, remote_etag))
        } else {
            Removed::Retained(due)
        };
    }
    if !options.delete {
        return Removed::Stale;
    }
    let grace = grace(entry, options);
    if grace.is_zero() {
        return Removed::Step(delete());
    }
    let retired = Retired {
        at: options.now,
        delete_after: options.now.plus(grace),
    };
    let why = if options.keep_removed.is_some() {
        format!("keep_removed = {}", short_duration(grace))
    } else {
        format!("a hashed file: kept {} by default", short_duration(grace))
    };
    Removed::Step(Step {
        key: key.to_string(),
        reason: format!(
            "retired, deleted after {} (not in the source; {why})",
            retired.delete_after.human(),
        )
        .into(),
        change: Change::Retire {
            path: entry.path.clone(),
            retired,
        },
    })
}

/// A duration as `keep_removed` takes it: `7d`, `1d 12h`, `90s`.
fn short_duration(duration: Duration) -> String {
    let mut left = duration.as_secs();
    let mut parts = Vec::new();
    for (unit, seconds) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if left >= seconds {
            parts.push(format!("{}{unit}", left / seconds));
            left %= seconds;
        }
    }
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.join(" ")
    }
}

/// The local entry as the plan compares it: a key once published as a
/// fingerprint whose bytes are unchanged stays one, with the Cache-Control
/// it was published with, even when no build manifest names it any more (a
/// build folder keeps old hashed copies that the new manifest leaves out).
pub(super) fn remembered<'a>(local: &'a Entry, recorded: Option<&Entry>) -> Cow<'a, Entry> {
    match recorded {
        Some(old) if old.fingerprint && !local.fingerprint && local.same_content(old) => {
            Cow::Owned(Entry {
                fingerprint: true,
                headers: Headers {
                    cache_control: old.headers.cache_control.clone(),
                    ..local.headers.clone()
                },
                ..local.clone()
            })
        }
        _ => Cow::Borrowed(local),
    }
}

/// The step for a key whose bytes and headers are as recorded: the record
/// stays as it is, unless the key was retired (it is live again) or is now
/// named as a fingerprint.
pub(super) fn unchanged(local: &Entry, old: &Entry, etag: Option<String>) -> (&'static str, Kept) {
    let promoted = local.fingerprint && !old.fingerprint;
    if old.retired.is_none() && !promoted {
        return (
            "same SHA-256 and headers as recorded",
            Kept::Recorded {
                path: local.path.clone(),
                etag,
            },
        );
    }
    let entry = Entry {
        etag: old.etag.clone().or(etag),
        fingerprint: old.fingerprint || local.fingerprint,
        retired: None,
        ..old.clone()
    };
    let why = if old.retired.is_some() {
        "back in the source while retired: live again (same SHA-256 and headers)"
    } else {
        "same SHA-256 and headers as recorded; now named as a hashed file"
    };
    (
        why,
        Kept::Refreshed {
            entry: Box::new(entry),
        },
    )
}

/// The plan of `s3sync prune`: from the record alone (no source, no
/// listing), delete the retired keys whose grace has ended; list the rest.
/// A retired key already gone from the bucket is deleted all the same (a
/// delete of a missing key succeeds).
pub fn prune_plan(remote: &RemoteState, options: &PlanOptions) -> Plan {
    let mut out = Plan::default();
    let Some(manifest) = &remote.manifest else {
        return out;
    };
    let intent_key = crate::record::intent::intent_key(&options.manifest_key);
    for (key, entry) in &manifest.entries {
        if *key == options.manifest_key
            || *key == intent_key
            || !key.starts_with(&options.key_prefix)
        {
            continue;
        }
        let Some(retired) = &entry.retired else {
            continue;
        };
        let due = due(retired, options);
        if due <= options.now {
            out.steps
                .push(prune_step(key, entry, due, entry.etag.clone()));
        } else {
            out.retained.push((key.clone(), due));
        }
    }
    out
}
