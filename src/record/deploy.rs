//! One deploy as the live manifest lists it ([`Deploy`]: id, UTC time,
//! counts, source commit, s3sync version) and the bounds on reading that
//! list. Its own file so the manifest (which holds the list) and the
//! history (which writes deploy records) do not import each other.

use std::fmt;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

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
