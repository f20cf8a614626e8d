//! What applying a plan did: one [`Outcome`] per step, and the [`Applied`]
//! result of the whole push (outcomes plus the record's fate).

use serde::Serialize;

use crate::plan::Effect;
use crate::record::manifest::Stored;
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Planned,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub error: Option<String>,
    /// Body bytes sent.
    pub bytes: u64,
    /// Bytes gzip saved on this object.
    pub gzip_saved: u64,
    /// What the store said of the object written (ETag, version).
    pub stored: Option<Stored>,
    /// A failure after which the change may still have landed (a timeout,
    /// a cut connection, a 5xx).
    pub maybe_landed: bool,
}

impl Outcome {
    pub fn planned() -> Self {
        Self {
            status: Status::Planned,
            error: None,
            bytes: 0,
            gzip_saved: 0,
            stored: None,
            maybe_landed: false,
        }
    }

    pub(super) fn done() -> Self {
        Self {
            status: Status::Done,
            ..Self::planned()
        }
    }

    pub(super) fn failed(error: String) -> Self {
        Self {
            status: Status::Failed,
            error: Some(error),
            ..Self::planned()
        }
    }

    pub(super) fn from_error(e: StoreError) -> Self {
        Self {
            maybe_landed: e.may_have_landed,
            ..Self::failed(e.message)
        }
    }

    /// What the step did to the bucket, as far as is known.
    pub(super) fn landed(&self) -> Effect {
        match (self.status, self.maybe_landed) {
            (Status::Done, _) => Effect::Applied(self.stored.clone()),
            (_, true) => Effect::Unknown,
            _ => Effect::Untouched,
        }
    }
}

#[derive(Debug)]
pub struct Applied {
    pub outcomes: Vec<Outcome>,
    /// Why the remote manifest could not be written, if it could not.
    pub manifest_error: Option<String>,
    pub manifest_written: bool,
    /// The id of the deploy this run recorded in the history, if it did.
    pub deploy: Option<String>,
}

impl Applied {
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.status == Status::Failed)
            .count()
    }

    /// Whether anything went wrong: a step failed or the record was not
    /// written.
    pub fn has_errors(&self) -> bool {
        self.failed() > 0 || self.manifest_error.is_some()
    }
}
