//! The intent record: before a push changes anything it writes the keys it
//! is about to upload, update or delete as a small object beside the
//! manifest (`<manifest>.intent`, gzip JSON). Its final manifest names that
//! intent's ETag as `settled`. A push killed in between leaves an intent the
//! manifest has not settled, and whoever reads the bucket next treats those
//! keys as pending (s3sync's, content unknown), so the record never claims
//! bytes the bucket may not hold.
//!
//! This keeps the whole manifest written once per push: the intent carries
//! only the keys, not a second copy of every entry. Readers fetch it with
//! `If-None-Match: <settled>`, so a settled intent costs no body.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::record::fresh_id;
use crate::record::manifest::{Manifest, ManifestError};

pub const INTENT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub version: u32,
    /// Unique per push, so every intent object has its own ETag.
    pub id: String,
    /// Keys whose state is unknown until this push records its result.
    #[serde(deserialize_with = "crate::record::bounds::keys")]
    pub pending: BTreeSet<String>,
}

impl Intent {
    pub fn new(pending: BTreeSet<String>) -> Self {
        Self {
            version: INTENT_VERSION,
            id: fresh_id(),
            pending,
        }
    }

    /// Compact JSON, gzip-compressed (an initial push names every key).
    pub fn to_stored(&self) -> Vec<u8> {
        crate::record::manifest::gzip_json(self)
    }

    /// Read a stored intent: gzip-compressed or plain JSON.
    pub fn from_stored(bytes: &[u8]) -> Result<Self, ManifestError> {
        let json = crate::record::manifest::gunzip_if_gzip(bytes)?;
        let intent: Self =
            serde_json::from_slice(&json).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        if intent.version > INTENT_VERSION {
            return Err(ManifestError::TooNew(intent.version));
        }
        Ok(intent)
    }
}

/// The key of the intent object for a manifest key.
pub fn intent_key(manifest_key: &str) -> String {
    format!("{manifest_key}.intent")
}

/// The record as read from the bucket: the manifest and the intent object,
/// each with its ETag (for conditional writes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteRecord {
    pub manifest: Option<Arc<Manifest>>,
    pub manifest_etag: Option<String>,
    /// The intent's content; not read when it is the settled one.
    pub intent: Option<Intent>,
    pub intent_etag: Option<String>,
}

impl RemoteRecord {
    /// The intent of a push that stopped before its final record, if any.
    pub fn unsettled(&self) -> Option<&Intent> {
        let intent = self.intent.as_ref()?;
        let settled = self.manifest.as_ref().and_then(|m| m.settled.as_deref());
        (self.intent_etag.as_deref() != settled).then_some(intent)
    }

    /// What the bucket is known to hold: the manifest with an unsettled
    /// intent's keys moved to pending. `None` when there is no manifest.
    /// The manifest is shared, not copied, when no intent changes it.
    ///
    /// Only keys the manifest attributes to s3sync (its entries and its own
    /// pending keys) are moved: the intent is a claim about content, never
    /// about ownership. Anyone who can write the intent object could name
    /// any key in it, and a pending key is one `--delete` may remove, so an
    /// intent alone must not make an object s3sync's. (The cost: a new key
    /// an interrupted push uploaded, then removed from the source, is not
    /// deleted; it is reported as foreign when the bucket is listed.)
    pub fn effective(&self) -> Option<Arc<Manifest>> {
        let manifest = self.manifest.as_ref()?;
        let Some(intent) = self.unsettled() else {
            return Some(manifest.clone());
        };
        let attributed: Vec<&String> = intent
            .pending
            .iter()
            .filter(|k| manifest.entries.contains_key(*k))
            .collect();
        if attributed.is_empty() {
            return Some(manifest.clone());
        }
        let mut m = Manifest::clone(manifest);
        for key in attributed {
            if m.entries.remove(key).is_some_and(|e| e.demoted) {
                m.pending_demoted.insert(key.clone());
            }
            m.pending.insert(key.clone());
        }
        Some(Arc::new(m))
    }

    /// Keys an unsettled intent names that the manifest does not attribute
    /// to s3sync: an interrupted push may have written them, or the intent
    /// was written by hand. They are never deleted on the intent's word.
    pub fn unattributed(&self) -> Vec<&String> {
        let Some(intent) = self.unsettled() else {
            return Vec::new();
        };
        let manifest = self.manifest.as_deref();
        intent
            .pending
            .iter()
            .filter(|k| {
                manifest.is_none_or(|m| !m.entries.contains_key(*k) && !m.pending.contains(*k))
            })
            .collect()
    }

    /// The `settled` a manifest written now carries when this push wrote no
    /// intent of its own: an unsettled intent is folded into it, otherwise
    /// the stored one carries over.
    pub fn settled(&self) -> Option<String> {
        if self.unsettled().is_some() {
            self.intent_etag.clone()
        } else {
            self.manifest.as_ref().and_then(|m| m.settled.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::manifest::{Entry, Headers};

    fn manifest_with(keys: &[&str], settled: Option<&str>) -> Manifest {
        let mut m = Manifest::new("static");
        for k in keys {
            m.entries.insert(
                (*k).to_string(),
                Entry {
                    path: k.trim_start_matches("static/").into(),
                    sha256: "a".repeat(64),
                    size: 1,
                    headers: Headers::default(),
                    etag: Some("e".into()),
                    fingerprint: false,
                    demoted: false,
                    retired: None,
                    version_id: None,
                },
            );
        }
        m.settled = settled.map(str::to_string);
        m
    }

    fn intent(id: &str, keys: &[&str]) -> Intent {
        Intent {
            version: INTENT_VERSION,
            id: id.into(),
            pending: keys.iter().map(|k| (*k).to_string()).collect(),
        }
    }

    #[test]
    fn an_unsettled_intent_makes_only_the_manifests_keys_pending() {
        let record = RemoteRecord {
            manifest: Some(Arc::new(manifest_with(
                &["static/a.css", "static/b.css"],
                Some("old"),
            ))),
            intent: Some(intent("i2", &["static/b.css", "static/c.css"])),
            intent_etag: Some("new".into()),
            ..RemoteRecord::default()
        };
        let m = record.effective().unwrap();
        assert_eq!(m.entries.keys().collect::<Vec<_>>(), ["static/a.css"]);
        // c.css is not the manifest's: the intent cannot make it s3sync's
        // (pending keys are deleted by --delete).
        assert_eq!(m.pending.iter().collect::<Vec<_>>(), ["static/b.css"]);
        assert_eq!(record.unattributed(), ["static/c.css"]);
        assert_eq!(record.settled().as_deref(), Some("new"));
    }

    #[test]
    fn a_hand_written_intent_cannot_claim_foreign_keys() {
        let record = RemoteRecord {
            manifest: Some(Arc::new(manifest_with(&["static/a.css"], Some("old")))),
            intent: Some(intent(
                "evil",
                &["static/other-teams-file.pdf", "elsewhere/x"],
            )),
            intent_etag: Some("hand".into()),
            ..RemoteRecord::default()
        };
        let m = record.effective().unwrap();
        assert!(m.pending.is_empty(), "{:?}", m.pending);
        assert_eq!(m.entries.len(), 1);
        assert_eq!(record.unattributed().len(), 2);
    }

    #[test]
    fn a_settled_intent_changes_nothing() {
        let manifest = manifest_with(&["static/a.css"], Some("done"));
        let record = RemoteRecord {
            manifest: Some(Arc::new(manifest.clone())),
            intent: Some(intent("i1", &["static/a.css"])),
            intent_etag: Some("done".into()),
            ..RemoteRecord::default()
        };
        assert_eq!(record.effective().as_deref(), Some(&manifest));
        assert_eq!(record.settled().as_deref(), Some("done"));
        // Read with If-None-Match: the store said "unchanged", no content.
        let unread = RemoteRecord {
            intent: None,
            ..record
        };
        assert_eq!(unread.effective().as_deref(), Some(&manifest));
        assert_eq!(unread.settled().as_deref(), Some("done"));
    }

    #[test]
    fn an_intent_without_a_manifest_attributes_nothing() {
        let record = RemoteRecord {
            intent: Some(intent("first", &["static/a.css"])),
            intent_etag: Some("e1".into()),
            ..RemoteRecord::default()
        };
        // No manifest: the bucket is listed and reconciled instead.
        assert_eq!(record.effective(), None);
        assert_eq!(record.unattributed(), ["static/a.css"]);
        assert_eq!(RemoteRecord::default().effective(), None);
    }

    #[test]
    fn ids_are_unique_and_the_stored_form_round_trips() {
        let a = Intent::new(BTreeSet::from(["k".to_string()]));
        let b = Intent::new(BTreeSet::new());
        assert_ne!(a.id, b.id);
        assert_ne!(a.to_stored(), b.to_stored(), "so their ETags differ");
        assert_eq!(Intent::from_stored(&a.to_stored()).unwrap(), a);
        let err = Intent::from_stored(br#"{"version":9,"id":"x","pending":[]}"#).unwrap_err();
        assert!(err.to_string().contains("upgrade s3sync"), "{err}");
        assert!(Intent::from_stored(b"{").is_err());
    }
}
