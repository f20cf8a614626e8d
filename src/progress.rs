//! Progress events. The library reports what it is doing through an
//! [`Observer`]; only the binary side turns events into bars or log lines.

use crate::plan::Action;

#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The tree was walked.
    Scanned { files: usize, bytes: u64 },
    /// Some bytes were hashed.
    HashBytes(u64),
    /// Hashing finished.
    Hashed,
    /// Applying the plan starts: this many objects and body bytes.
    TransferStart { objects: usize, bytes: u64 },
    /// One step finished.
    Transferred {
        key: &'a str,
        action: Action,
        bytes: u64,
        error: Option<&'a str>,
    },
    /// Applying finished.
    TransferDone,
    /// Something the user should know that is not an error.
    Warning(&'a str),
}

pub trait Observer: Send + Sync {
    fn event(&self, event: Event<'_>);
}

/// Reports nothing.
#[derive(Debug, Default)]
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _: Event<'_>) {}
}
