//! The record writer: the intent first, before anything changes, and the
//! remote manifest last, both written with a condition on what was read so
//! two pushes cannot silently overwrite each other's record. A push that
//! loses the race on its final manifest keeps the other push's record, with
//! the keys it changed marked pending.

use std::sync::Arc;

use crate::record::intent::{Intent, RemoteRecord, intent_key};
use crate::record::manifest::{Headers, Manifest};
use crate::store::{Condition, ErrorKind, SharedStore, Upload};

/// The remote manifest as this push last wrote (or read) it.
pub(super) struct RecordWriter<'a> {
    store: &'a SharedStore,
    key: &'a str,
    /// ETag of the manifest now in the bucket, for `If-Match`.
    etag: Option<String>,
    /// What the manifest in the bucket says now.
    pub(super) stored: Option<Arc<Manifest>>,
    /// Why the record could not be written, once it could not.
    pub(super) error: Option<String>,
}

impl<'a> RecordWriter<'a> {
    /// A writer for the manifest at `key`, starting from the record as read
    /// when the plan was made.
    pub(super) fn new(store: &'a SharedStore, key: &'a str, read: &RemoteRecord) -> Self {
        Self {
            store,
            key,
            etag: read.manifest_etag.clone(),
            stored: read.manifest.clone(),
            error: None,
        }
    }

    /// Write the intent object, only if it is still the one read when the
    /// plan was made (`etag`; `None`: there was none). Two pushes that
    /// planned against the same record cannot both pass: the loser stops
    /// here, before changing anything.
    /// Returns the new intent's ETag; `None` (with `self.error` set) when it
    /// was not written.
    pub(super) async fn write_intent(
        &mut self,
        intent: &Intent,
        etag: Option<&str>,
    ) -> Option<String> {
        let key = intent_key(self.key);
        let condition = Condition::unchanged_since(etag);
        let upload = Upload::from_bytes(&key, intent.to_stored(), record_headers());
        match self.store.put(upload, condition).await {
            Ok(stored) => Some(stored.etag),
            Err(e) if e.kind == ErrorKind::PreconditionFailed => {
                self.error = Some(format!(
                    "concurrent push: another push wrote the intent record {}/{key} first; this push changed nothing. Rerun it",
                    self.store.describe(),
                ));
                None
            }
            Err(e) => {
                self.error = Some(format!(
                    "the intent record {}/{key} was not written, so nothing was changed: {e}",
                    self.store.describe()
                ));
                None
            }
        }
    }

    /// Save unless the bucket already holds exactly this record.
    pub(super) async fn save_if_changed(
        &mut self,
        manifest: &Manifest,
        touched: &[String],
    ) -> bool {
        let same = match &self.stored {
            Some(m) => {
                m.entries == manifest.entries
                    && m.pending == manifest.pending
                    && m.settled == manifest.settled
                    && m.deploys == manifest.deploys
            }
            None => {
                manifest.entries.is_empty()
                    && manifest.pending.is_empty()
                    && manifest.settled.is_none()
                    && manifest.deploys.is_empty()
            }
        };
        same || self.save(manifest, touched).await
    }

    /// Write `manifest` conditionally; on success it is what is stored. On a
    /// concurrent write, keep the other push's record minus the keys this
    /// push changed (their state is no longer known), and fail.
    async fn save(&mut self, manifest: &Manifest, touched: &[String]) -> bool {
        let condition = Condition::unchanged_since(self.etag.as_deref());
        match self
            .store
            .put(manifest_upload(self.key, manifest), condition)
            .await
        {
            Ok(stored) => {
                self.etag = Some(stored.etag);
                self.stored = Some(Arc::new(manifest.clone()));
                return true;
            }
            Err(e) if e.kind != ErrorKind::PreconditionFailed => {
                self.error = Some(format!("the remote manifest was not written: {e}"));
                return false;
            }
            Err(_) => {}
        }
        if touched.is_empty() {
            self.error = Some(format!(
                "concurrent push: another push wrote the remote manifest {}/{} first; this push changed nothing. Rerun it",
                self.store.describe(),
                self.key
            ));
            return false;
        }
        let concurrent = format!(
            "concurrent push: another push wrote the remote manifest {}/{} while this one ran. Its record was kept, with the {} object(s) this push changed marked as pending, so the next push re-sends them. Rerun the push",
            self.store.describe(),
            self.key,
            touched.len()
        );
        self.error = Some(match self.merge(manifest, touched).await {
            Ok(()) => concurrent,
            Err(e) => format!("{concurrent}; {e}"),
        });
        false
    }

    async fn merge(&mut self, manifest: &Manifest, touched: &[String]) -> Result<(), String> {
        for _ in 0..5 {
            let current = self
                .store
                .get(self.key)
                .await
                .map_err(|e| format!("re-reading the manifest failed: {e}"))?;
            let (mut merged, condition) = match current {
                Some(f) => (
                    Manifest::from_stored(&f.bytes)
                        .map_err(|e| format!("the other manifest is unreadable: {e}"))?,
                    Condition::Matches(f.etag),
                ),
                None => (Manifest::new(&manifest.prefix), Condition::Absent),
            };
            // Still ours, but their content is no longer known.
            for k in touched {
                merged.entries.remove(k);
                merged.pending.insert(k.clone());
            }
            match self
                .store
                .put(manifest_upload(self.key, &merged), condition)
                .await
            {
                Ok(stored) => {
                    self.etag = Some(stored.etag);
                    self.stored = Some(Arc::new(merged));
                    return Ok(());
                }
                Err(e) if e.kind == ErrorKind::PreconditionFailed => {}
                Err(e) => return Err(format!("writing the merged manifest failed: {e}")),
            }
        }
        Err("the manifest kept changing, so it was left as the other push wrote it".into())
    }
}

fn manifest_upload(key: &str, manifest: &Manifest) -> Upload {
    Upload::from_bytes(key, manifest.to_stored(), record_headers())
}

/// The record objects (the manifest, the intent, deploy records): gzip
/// JSON, private, never cached.
pub(super) fn record_headers() -> Headers {
    Headers {
        content_type: "application/json".into(),
        content_encoding: Some("gzip".into()),
        cache_control: Some("no-store".into()),
        ..Headers::default()
    }
}

#[cfg(test)]
mod tests;
