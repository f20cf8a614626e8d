//! What a plan is: one [`Step`] per key, each with its reason and a
//! [`Change`] holding exactly the facts that applying it needs (one variant
//! per [`Action`]), and the keys it leaves alone.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde::Serialize;

use crate::clock::Stamp;
use crate::record::manifest::{Entry, Retired};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    New,
    Changed,
    Headers,
    Delete,
    /// Record that a key's file left the source; the object stays.
    Retire,
    /// Delete a retired key whose grace period has ended.
    Prune,
    Unchanged,
}

impl Action {
    pub const ALL: [Self; 7] = [
        Self::New,
        Self::Changed,
        Self::Headers,
        Self::Delete,
        Self::Retire,
        Self::Prune,
        Self::Unchanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Changed => "changed",
            Self::Headers => "headers",
            Self::Delete => "delete",
            Self::Retire => "retire",
            Self::Prune => "prune",
            Self::Unchanged => "unchanged",
        }
    }

    /// Whether applying the action changes the bucket or its record.
    pub fn is_change(self) -> bool {
        self != Self::Unchanged
    }

    /// Whether applying the action changes an object (`retire` changes
    /// only the record).
    pub fn touches_bucket(self) -> bool {
        !matches!(self, Self::Unchanged | Self::Retire)
    }

    /// Whether the action deletes an object (counted by `--max-deletes`).
    pub fn deletes(self) -> bool {
        matches!(self, Self::Delete | Self::Prune)
    }

    /// Whether the action sends object bytes.
    pub fn uploads(self) -> bool {
        matches!(self, Self::New | Self::Changed)
    }
}

/// One key's step: what the plan decided, why, and exactly the facts that
/// applying it needs (an upload without a local entry cannot be built).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub key: String,
    /// Why, for people (most reasons are fixed text: no allocation).
    pub reason: Cow<'static, str>,
    pub change: Change,
}

/// What a step does to its key. Each variant is one [`Action`].
///
/// `local` is what the bucket should hold afterwards. `recorded` is the
/// manifest entry that is true of the bucket *now* for the key, so a failed
/// step leaves an exact record (`None`: nothing is recorded for it).
/// `remote_etag` is the ETag of the object the step replaces, re-headers or
/// removes, if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Send the bytes of a key the bucket does not hold, as far as is known.
    New { local: Box<Entry> },
    /// Send the bytes of a key the bucket holds with other content (or
    /// `--force`).
    Changed {
        local: Box<Entry>,
        recorded: Option<Box<Entry>>,
        remote_etag: Option<String>,
    },
    /// Same bytes, other headers: update the headers in place.
    Headers {
        local: Box<Entry>,
        recorded: Option<Box<Entry>>,
        remote_etag: Option<String>,
    },
    /// Make an earlier version of the key current again, with the
    /// headers of `local` (rollback): a copy inside the bucket, no bytes
    /// sent. `local` is the entry the target deploy recorded.
    Restore {
        local: Box<Entry>,
        /// The version to copy from.
        version_id: String,
        recorded: Option<Box<Entry>>,
        remote_etag: Option<String>,
    },
    /// Remove a key that is not in the source.
    Delete {
        /// The source path the manifest recorded (`None` for a key no
        /// manifest entry names).
        path: Option<String>,
        recorded: Option<Box<Entry>>,
        remote_etag: Option<String>,
    },
    /// A key whose file left the source, kept for its grace period: only
    /// the record changes (the object, bytes and headers, is untouched).
    Retire {
        /// The source path the manifest recorded.
        path: String,
        retired: Retired,
    },
    /// Remove a retired key whose grace period has ended.
    Prune {
        path: String,
        /// When it was due (its grace ended).
        due: Stamp,
        remote_etag: Option<String>,
    },
    /// Nothing to send.
    Unchanged(Kept),
}

/// How an unchanged key is recorded afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// Its manifest entry stays (a 100,000-file plan does not copy 100,000
    /// entries); `etag`, from a listing, fills in an entry that had none.
    Recorded { path: String, etag: Option<String> },
    /// No manifest vouched for it, but a listed object has the same bytes
    /// (ETag) and headers: recorded as s3sync's from now on.
    Listed { local: Box<Entry>, etag: String },
    /// The object is as recorded, but its record changes to `entry`: back
    /// in the source while retired, or now named as a fingerprint.
    Refreshed { entry: Box<Entry> },
}

impl Change {
    pub fn action(&self) -> Action {
        match self {
            Self::New { .. } => Action::New,
            Self::Changed { .. } => Action::Changed,
            Self::Headers { .. } => Action::Headers,
            Self::Delete { .. } => Action::Delete,
            Self::Retire { .. } => Action::Retire,
            Self::Prune { .. } => Action::Prune,
            Self::Unchanged(_) => Action::Unchanged,
            // Bytes come back: a key the record holds changes, any other
            // is new to it.
            Self::Restore { recorded, .. } => {
                if recorded.is_some() {
                    Action::Changed
                } else {
                    Action::New
                }
            }
        }
    }

    /// The entry a step that writes the key (`new`, `changed`, `headers`,
    /// a restore) makes true of the bucket.
    pub fn writes(&self) -> Option<&Entry> {
        match self {
            Self::New { local }
            | Self::Changed { local, .. }
            | Self::Headers { local, .. }
            | Self::Restore { local, .. } => Some(local),
            Self::Delete { .. } | Self::Retire { .. } | Self::Prune { .. } | Self::Unchanged(_) => {
                None
            }
        }
    }

    /// The entry a step that sends bytes (`new`, `changed`) uploads.
    pub fn uploads(&self) -> Option<&Entry> {
        match self {
            Self::New { local } | Self::Changed { local, .. } => Some(local),
            _ => None,
        }
    }

    /// The manifest entry true of the bucket before the step.
    pub(super) fn recorded(&self) -> Option<&Entry> {
        match self {
            Self::Changed { recorded, .. }
            | Self::Headers { recorded, .. }
            | Self::Restore { recorded, .. }
            | Self::Delete { recorded, .. } => recorded.as_deref(),
            Self::New { .. } | Self::Retire { .. } | Self::Prune { .. } | Self::Unchanged(_) => {
                None
            }
        }
    }
}

impl Step {
    pub fn action(&self) -> Action {
        self.change.action()
    }

    /// The source path (for deletes, the path the manifest recorded).
    pub fn path(&self) -> Option<&str> {
        match &self.change {
            Change::New { local }
            | Change::Changed { local, .. }
            | Change::Headers { local, .. }
            | Change::Restore { local, .. }
            | Change::Unchanged(Kept::Listed { local, .. }) => Some(&local.path),
            Change::Unchanged(Kept::Refreshed { entry }) => Some(&entry.path),
            Change::Unchanged(Kept::Recorded { path, .. })
            | Change::Retire { path, .. }
            | Change::Prune { path, .. } => Some(path),
            Change::Delete { path, .. } => path.as_deref(),
        }
    }

    /// When the key goes: a retired key's end of grace, a pruned key's
    /// due time.
    pub fn delete_after(&self) -> Option<Stamp> {
        match &self.change {
            Change::Retire { retired, .. } => Some(retired.delete_after),
            Change::Prune { due, .. } => Some(*due),
            _ => None,
        }
    }
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
    /// Keys retired by an earlier push and kept (still in their grace
    /// period, or due without deletes on), with when they go.
    pub retained: Vec<(String, Stamp)>,
    /// Keys an interrupted run left in an unknown state (pending in the
    /// record), which this plan publishes: a CDN may hold any version of
    /// them, so they are invalidated even when the bucket already holds
    /// the right bytes (`cdn::stale_keys`).
    pub unsettled: BTreeSet<String>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action() == action).count()
    }

    /// Objects this plan deletes (`delete` and `prune`).
    pub fn deletes(&self) -> usize {
        self.steps.iter().filter(|s| s.action().deletes()).count()
    }

    /// Whether a push would change anything: an object, the record (a
    /// vanished key, a key an interrupted run left unsettled), or the CDN
    /// (an unsettled key is invalidated): what `diff --exit-code` reports.
    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| s.action().is_change())
            || !self.vanished.is_empty()
            || !self.unsettled.is_empty()
    }
}
