//! What a plan is: one [`Step`] per key, each with its reason and a
//! [`Change`] holding exactly the facts that applying it needs (one variant
//! per [`Action`]), and the keys it leaves alone.

use std::borrow::Cow;

use serde::Serialize;

use crate::record::manifest::Entry;

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
}

impl Change {
    pub fn action(&self) -> Action {
        match self {
            Self::New { .. } => Action::New,
            Self::Changed { .. } => Action::Changed,
            Self::Headers { .. } => Action::Headers,
            Self::Delete { .. } => Action::Delete,
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
            Self::Delete { .. } | Self::Unchanged(_) => None,
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
            Self::New { .. } | Self::Unchanged(_) => None,
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
            Change::Unchanged(Kept::Recorded { path, .. }) => Some(path),
            Change::Delete { path, .. } => path.as_deref(),
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
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action() == action).count()
    }

    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| s.action().is_change()) || !self.vanished.is_empty()
    }
}
