//! The deploy history: each push (or rollback) that changes the bucket is
//! a [`Deploy`] (id, UTC time, counts, source commit, s3sync version). The
//! live manifest keeps the last `[sync] history` of them (metadata only, so
//! `s3sync log` is one read), and each one's whole manifest is its own
//! object, `<manifest>.deploys/<id>.json.gz` (a [`DeployRecord`]), which
//! `rollback` reads. Like every record object they are read as hostile:
//! bounded and validated.

use std::fmt;
use std::time::SystemTime;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::record::manifest::{MANIFEST_VERSION, Manifest, ManifestError};

pub const DEPLOY_RECORD_VERSION: u32 = 1;

/// The most deploys the history keeps (`[sync] history` at most this).
pub const MAX_DEPLOYS: usize = 1000;

/// What one deploy did, per kind of step that landed. New kinds (retired,
/// pruned, ...) are new fields: older records read them as 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeployCounts {
    pub new: u64,
    pub changed: u64,
    pub headers: u64,
    pub deleted: u64,
    /// Removed files kept for their grace period.
    #[serde(default)]
    pub retired: u64,
    /// Retired files deleted once their grace ended.
    #[serde(default)]
    pub pruned: u64,
    /// Copied back from an earlier version (rollback).
    pub restored: u64,
    /// Object bytes sent.
    pub bytes: u64,
}

impl DeployCounts {
    /// `3 new, 1 changed, 1 deleted`: the non-zero counts (bytes aside).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.new, "new"),
            (self.changed, "changed"),
            (self.headers, "headers"),
            (self.restored, "restored"),
            (self.deleted, "deleted"),
            (self.retired, "retired"),
            (self.pruned, "pruned"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "no changes".into()
        } else {
            parts.join(", ")
        }
    }
}

/// One deploy, as the live manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deploy {
    /// Sortable, time-based: `20261203T100000Z`, with `-001`, `-002`, ...
    /// when a second already has one (see [`deploy_id`]).
    pub id: String,
    /// When it was recorded: UTC, RFC 3339 to the second.
    pub time: String,
    pub counts: DeployCounts,
    /// The source's git commit (or `GITHUB_SHA`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The s3sync version that made it.
    pub s3sync: String,
    /// For a rollback: the deploy whose manifest it restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_to: Option<String>,
}

impl Deploy {
    /// Every field has its expected form: `(field, why)` otherwise.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !is_deploy_id(&self.id) {
            return Err(("id", "not a deploy id"));
        }
        if humantime::parse_rfc3339(&self.time).is_err() {
            return Err(("time", "not an RFC 3339 UTC time"));
        }
        if self.commit.as_deref().is_some_and(|c| !is_commit(c)) {
            return Err(("commit", "not a git commit in hex"));
        }
        let printable = |t: &str| {
            !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        };
        if !printable(&self.s3sync) {
            return Err(("s3sync", "not a version"));
        }
        if self
            .rollback_to
            .as_deref()
            .is_some_and(|t| !is_deploy_id(t))
        {
            return Err(("rollback_to", "not a deploy id"));
        }
        Ok(())
    }
}

/// A deploy id: 1 to 64 of `[0-9A-Za-z._-]`, so it is safe in an object
/// key and in messages.
pub fn is_deploy_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !text.starts_with('.')
}

/// A git commit id: 7 to 64 hex digits (SHA-1 or SHA-256).
pub fn is_commit(text: &str) -> bool {
    (7..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The id of a deploy made at `now`, after the newest one (`last`): the
/// UTC second (`20261203T100000Z`), or, when that is not after `last` (two
/// deploys in one second, or a clock that went back), `last` with its
/// counter raised (`-001`, `-002`, ...). Ids sort in the order deploys
/// were made.
pub fn deploy_id(now: SystemTime, last: Option<&str>) -> String {
    let second: String = humantime::format_rfc3339_seconds(now)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    let Some(last) = last.filter(|l| **l >= *second) else {
        return second;
    };
    let (base, counter) = match last.rsplit_once('-') {
        Some((base, n)) if n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()) => {
            (base, n.parse::<u32>().unwrap_or(0))
        }
        _ => (last, 0),
    };
    if counter < 999 {
        format!("{base}-{:03}", counter + 1)
    } else {
        // A thousand in one second: extend (still sorts after `last`).
        format!("{last}-001")
    }
}

/// The folder of the deploy records, beside the manifest (`/` at the end).
pub fn deploys_folder(manifest_key: &str) -> String {
    format!("{manifest_key}.deploys/")
}

/// The key of one deploy's record.
pub fn deploy_key(manifest_key: &str, id: &str) -> String {
    format!("{}{id}.json.gz", deploys_folder(manifest_key))
}

/// Add `deploy` to the history, keeping the newest `keep`; returns the ids
/// that fell out (their records are deleted once the manifest no longer
/// names them).
pub fn add(history: &mut Vec<Deploy>, deploy: Deploy, keep: usize) -> Vec<String> {
    if keep > 0 {
        history.push(deploy);
    }
    let excess = history.len().saturating_sub(keep);
    history.drain(..excess).map(|d| d.id).collect()
}

/// The ids a history of `keep` drops (for `history = 0`, or a smaller
/// `history` than before, on a push that records nothing new).
pub fn trim(history: &mut Vec<Deploy>, keep: usize) -> Vec<String> {
    let excess = history.len().saturating_sub(keep);
    history.drain(..excess).map(|d| d.id).collect()
}

/// One deploy's record object: the deploy and the manifest it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployRecord {
    pub version: u32,
    pub deploy: Deploy,
    /// The manifest as the deploy left it (its own `deploys` list empty).
    pub manifest: Manifest,
}

impl DeployRecord {
    pub fn new(deploy: Deploy, manifest: &Manifest) -> Self {
        let mut manifest = manifest.clone();
        manifest.deploys.clear();
        Self {
            version: DEPLOY_RECORD_VERSION,
            deploy,
            manifest,
        }
    }

    /// Compact JSON, gzip-compressed.
    pub fn to_stored(&self) -> Vec<u8> {
        crate::record::manifest::gzip_json(self)
    }

    /// Read a stored deploy record, bounded and validated like the manifest.
    pub fn from_stored(bytes: &[u8]) -> Result<Self, ManifestError> {
        let json = crate::record::manifest::gunzip_if_gzip(bytes)?;
        #[derive(Deserialize)]
        struct Probe {
            version: u32,
            manifest: ManifestProbe,
        }
        #[derive(Deserialize)]
        struct ManifestProbe {
            version: u32,
        }
        let probe: Probe =
            serde_json::from_slice(&json).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        if probe.version > DEPLOY_RECORD_VERSION {
            return Err(ManifestError::TooNew(probe.version));
        }
        if probe.manifest.version > MANIFEST_VERSION {
            return Err(ManifestError::TooNew(probe.manifest.version));
        }
        let record: Self =
            serde_json::from_slice(&json).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        record.manifest.validate()?;
        record
            .deploy
            .validate()
            .map_err(|(field, why)| ManifestError::BadEntry {
                key: "(the deploy record)".into(),
                field,
                why,
            })?;
        Ok(record)
    }
}

/// `deserialize_with` for the manifest's history: at most [`MAX_DEPLOYS`].
pub fn bounded_deploys<'de, D>(deserializer: D) -> Result<Vec<Deploy>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Deploys;
    impl<'de> Visitor<'de> for Deploys {
        type Value = Vec<Deploy>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of deploys")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(deploy) = seq.next_element::<Deploy>()? {
                if out.len() >= MAX_DEPLOYS {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX_DEPLOYS} deploys, over s3sync's limit for the history"
                    )));
                }
                out.push(deploy);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(Deploys)
}

#[cfg(test)]
mod tests;
