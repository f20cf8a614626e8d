//! The narrow storage interface, in s3sync's own words, and the errors
//! every store shares. `s3.rs` (with its parts under `s3/`) is the only
//! module that knows the AWS SDK; `dir.rs` is a real directory target;
//! `memory.rs` (unit tests only) keeps objects in memory and injects
//! faults. `bucket.rs` is the bucket's own settings (`s3sync setup`), a
//! narrow trait of its own that only the S3 store implements;
//! `cloudfront.rs` is the CDN (the SDK's CloudFront client, behind its own
//! narrow trait).

pub mod bucket;
pub mod cloudfront;
pub mod dir;
#[cfg(test)]
pub mod memory;
pub mod s3;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;

use crate::record::manifest::{Headers, Stored};

/// Object bytes to send.
#[derive(Debug, Clone)]
pub enum Body {
    Bytes(bytes::Bytes),
    /// A file streamed from disk (source file or gzip spool).
    File(PathBuf),
}

/// One object to write: bytes, headers, and digests of the bytes so the
/// receiving side can verify them.
#[derive(Debug, Clone)]
pub struct Upload {
    pub key: String,
    pub body: Body,
    pub size: u64,
    pub headers: Headers,
    pub sha256: [u8; 32],
    /// MD5 of the bytes, when computed (Content-MD5 mode, listings).
    pub md5: Option<[u8; 16]>,
}

impl Upload {
    /// An object held in memory, with its digests computed.
    pub fn from_bytes(key: &str, bytes: Vec<u8>, headers: Headers) -> Self {
        let digests = crate::local::encode::digest_bytes(&bytes);
        Self {
            key: key.to_string(),
            size: digests.size,
            body: Body::Bytes(bytes.into()),
            headers,
            sha256: digests.sha256,
            md5: Some(digests.md5),
        }
    }
}

/// A precondition on a write, for the remote manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Write whatever is there.
    Always,
    /// Only if no object exists at the key (`If-None-Match: *`).
    Absent,
    /// Only if the object still has this ETag (`If-Match`).
    Matches(String),
}

impl Condition {
    /// Only if the object is still the one read (`etag`), or still absent
    /// when none was read.
    pub fn unchanged_since(etag: Option<&str>) -> Self {
        etag.map_or(Self::Absent, |e| Self::Matches(e.to_string()))
    }

    /// Whether a write may proceed, given the ETag of the object now at the
    /// key (`None`: no object).
    pub fn holds(&self, current: Option<&str>) -> bool {
        match self {
            Self::Always => true,
            Self::Absent => current.is_none(),
            Self::Matches(e) => current == Some(e.as_str()),
        }
    }
}

/// A small object read whole (the remote manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub etag: String,
}

/// The answer to a read that is skipped when the object is unchanged
/// (`If-None-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionalRead {
    Missing,
    /// The object still has the ETag the reader named: no body was sent.
    Unchanged,
    Fetched(Fetched),
}

/// One object in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    pub size: u64,
    /// Unquoted ETag.
    pub etag: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    PreconditionFailed,
    AclNotSupported,
    AccessDenied,
    NoSuchBucket,
    Credentials,
    WrongRegion,
    Network,
    BadDigest,
    Other,
}

/// A failed store operation, with a message that names the key or bucket
/// and the fix.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub kind: ErrorKind,
    pub message: String,
    /// Worth another attempt: no answer, throttling or a server error (the
    /// S3 client has already retried it as configured).
    pub transient: bool,
    /// The request may have been applied although it failed (no answer,
    /// or a server error after it was sent), so the outcome is unknown.
    pub may_have_landed: bool,
    /// The underlying error in full (the SDK's error chain), shown only
    /// with `-v`: the message says what happened and the fix in plain words.
    pub detail: Option<String>,
}

impl StoreError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            transient: false,
            may_have_landed: false,
            detail: None,
        }
    }

    /// Errors that will fail every other request too: stop starting work.
    /// (`AclNotSupported` fails only requests that carry an ACL.)
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::NoSuchBucket | ErrorKind::Credentials | ErrorKind::WrongRegion
        )
    }
}

#[async_trait]
pub trait Store: Send + Sync {
    /// The target as a URL, for messages.
    fn describe(&self) -> String;

    /// Read a small object whole (the record objects); `None` when it does
    /// not exist (also when S3 answers 403 for it and a listing of the key
    /// shows it absent: see `s3/prefix.rs`). An object over
    /// `manifest::MAX_RECORD_BYTES` is refused (see [`record_too_large`])
    /// before it is held in memory.
    async fn get(&self, key: &str) -> Result<Option<Fetched>, StoreError>;

    /// Read a small object unless it still has `etag` (`If-None-Match`, so
    /// an unchanged object costs a request but no body).
    async fn get_unless(
        &self,
        key: &str,
        etag: Option<&str>,
    ) -> Result<ConditionalRead, StoreError> {
        Ok(match self.get(key).await? {
            None => ConditionalRead::Missing,
            Some(f) if Some(f.etag.as_str()) == etag => ConditionalRead::Unchanged,
            Some(f) => ConditionalRead::Fetched(f),
        })
    }

    /// Write an object; returns its new ETag (and version, on a versioned
    /// bucket).
    async fn put(&self, upload: Upload, condition: Condition) -> Result<Stored, StoreError>;

    /// Replace an object's headers without sending its bytes again, only if
    /// it still has `etag` (when given). Returns the new ETag (and version).
    async fn update_headers(
        &self,
        key: &str,
        headers: &Headers,
        etag: Option<&str>,
    ) -> Result<Stored, StoreError>;

    /// Whether `key` still has the version `version_id` (a versioned S3
    /// bucket). Stores without versions have none.
    async fn has_version(&self, key: &str, version_id: &str) -> Result<bool, StoreError> {
        let _ = (key, version_id);
        Ok(false)
    }

    /// Make version `version_id` of `key` (with ETag `etag`, when known)
    /// its current version again, with `headers`, by a copy inside the
    /// bucket (S3 only: the bytes never leave it). Returns the new ETag and
    /// version.
    async fn restore_version(
        &self,
        key: &str,
        version_id: &str,
        etag: Option<&str>,
        headers: &Headers,
    ) -> Result<Stored, StoreError> {
        let _ = (version_id, etag, headers);
        Err(StoreError::new(
            ErrorKind::Other,
            format!(
                "{key}: {} keeps no earlier versions, so nothing can be restored from one",
                self.describe()
            ),
        ))
    }

    /// Every object under `prefix` (a folder-like prefix ending in `/`, or
    /// empty for the whole bucket). Always scoped to `prefix`: the printed
    /// IAM policy allows listing only there.
    async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError>;

    /// The first page (up to 1000 objects) under `prefix`: a cheap probe.
    async fn list_page(&self, prefix: &str) -> Result<Vec<Listed>, StoreError>;

    /// Whether the bucket (or folder) exists and `prefix` (as for
    /// [`Store::list`]) can be listed: the one reachability probe that
    /// works under a policy granting only the prefix (S3 authorises
    /// HeadBucket as an unscoped listing).
    async fn bucket_exists(&self, prefix: &str) -> Result<(), StoreError>;

    /// The headers of one object (the ACL is not part of the answer);
    /// `None` when it does not exist, read as for [`Store::get`].
    async fn head(&self, key: &str) -> Result<Option<Headers>, StoreError>;

    /// Delete keys; one result per key, in order.
    async fn delete(&self, keys: &[String]) -> Vec<Result<(), StoreError>>;
}

pub type SharedStore = Arc<dyn Store>;

/// The MD5 ETag of bytes, as S3 computes it for single-part uploads.
pub fn md5_etag(md5: &[u8; 16]) -> String {
    hex::encode(md5)
}

/// The error for a record object too large to read.
pub fn record_too_large(url: &str) -> StoreError {
    StoreError::new(
        ErrorKind::Other,
        format!(
            "{url} is larger than {} MiB, over s3sync's limit for a record object (a hostile or corrupt object?); delete it and run `s3sync push --verify` to rebuild the record from a bucket listing",
            crate::record::manifest::MAX_RECORD_BYTES >> 20
        ),
    )
}

/// The error for bytes that do not match the SHA-256 their sender declared.
pub fn changed_in_flight(key: &str) -> StoreError {
    StoreError::new(
        ErrorKind::BadDigest,
        format!(
            "{key}: the bytes received do not match their SHA-256 (the file changed while it was uploaded?); rerun the push"
        ),
    )
}

/// The error for a file that cannot be read (a source file, a gzip spool,
/// a file in a `file://` target).
pub fn cannot_read(path: &Path, e: &dyn std::fmt::Display) -> StoreError {
    StoreError::new(
        ErrorKind::Other,
        format!("cannot read {}: {e}", path.display()),
    )
}

/// The error for a conditional write whose condition no longer holds.
pub fn precondition_failed(key: &str) -> StoreError {
    StoreError::new(
        ErrorKind::PreconditionFailed,
        format!("{key}: precondition failed (another push changed it)"),
    )
}

/// The error for a header update of an object that changed since the plan
/// read its ETag.
pub fn changed_since_planned(key: &str) -> StoreError {
    StoreError::new(
        ErrorKind::PreconditionFailed,
        format!("{key}: the object changed since it was planned"),
    )
}
