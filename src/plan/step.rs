//! One step of a plan: the key, the reason, and a [`Change`] with exactly
//! the facts that applying it needs, one variant per [`Action`].

use std::borrow::Cow;

use crate::plan::Action;
use crate::record::manifest::Entry;

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
        }
    }

    /// The entry a step that writes the key (`new`, `changed`, `headers`)
    /// makes true of the bucket.
    pub fn writes(&self) -> Option<&Entry> {
        match self {
            Self::New { local } | Self::Changed { local, .. } | Self::Headers { local, .. } => {
                Some(local)
            }
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
            | Change::Unchanged(Kept::Listed { local, .. }) => Some(&local.path),
            Change::Unchanged(Kept::Recorded { path, .. }) => Some(path),
            Change::Delete { path, .. } => path.as_deref(),
        }
    }
}
