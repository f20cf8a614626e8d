//! The deploy history: each push (or rollback) that changes the bucket is
//! a [`Deploy`] (id, UTC time, counts, source commit, s3sync version). The
//! live manifest keeps the last `[sync] history` of them (metadata only, so
//! `s3sync log` is one read), and each one's whole manifest is its own
//! object, `<manifest>.deploys/<id>.json.gz` (a [`DeployRecord`]), which
//! `rollback` reads. Like every record object they are read as hostile:
//! bounded and validated.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

pub use crate::record::deploy::{
    Deploy, DeployCounts, MAX_DEPLOYS, bounded_deploys, is_commit, is_deploy_id,
};
use crate::record::manifest::{MANIFEST_VERSION, Manifest, ManifestError};

pub const DEPLOY_RECORD_VERSION: u32 = 1;

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

#[cfg(test)]
mod tests;
