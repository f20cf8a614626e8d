//! Recording a deploy: after the steps, before the manifest. Its record
//! object (`<manifest>.deploys/<id>.json.gz`: the deploy and the manifest
//! it leaves) is written first, then the manifest that lists it; deploy
//! records that fell out of the history are deleted only once a manifest
//! that no longer names them is stored. A push killed at any point leaves a
//! true history: at worst a record no manifest names (never listed, never
//! read), never a listed deploy without its record.

use std::time::SystemTime;

use crate::apply::outcome::{Outcome, Status};
use crate::plan::{Change, Plan};
use crate::record::history::{self, Deploy, DeployCounts, DeployRecord};
use crate::record::manifest::Manifest;
use crate::store::{Condition, SharedStore, Upload};

/// What a deploy records besides what landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployOptions {
    /// `[sync] history`: deploys kept (0: none).
    pub keep: usize,
    pub now: SystemTime,
    /// The source's git commit, when known.
    pub commit: Option<String>,
    /// For a rollback: the deploy it restores.
    pub rollback_to: Option<String>,
}

/// What the steps that landed did, by kind.
pub(super) fn counts(plan: &Plan, outcomes: &[Outcome]) -> DeployCounts {
    let mut counts = DeployCounts::default();
    for (step, outcome) in plan.steps.iter().zip(outcomes) {
        if outcome.status != Status::Done {
            continue;
        }
        counts.bytes += outcome.bytes;
        let count = match &step.change {
            Change::New { .. } => &mut counts.new,
            Change::Changed { .. } => &mut counts.changed,
            Change::Headers { .. } => &mut counts.headers,
            Change::Restore { .. } => &mut counts.restored,
            Change::Delete { .. } => &mut counts.deleted,
            Change::Retire { .. } => &mut counts.retired,
            Change::Prune { .. } => &mut counts.pruned,
            Change::Unchanged(_) => continue,
        };
        *count += 1;
    }
    counts
}

/// Write the record of a deploy that leaves `after` and list it there.
/// Returns the deploy's id, or why it was not recorded (the push itself
/// stands: `after` is then left without it).
pub(super) async fn record(
    store: &SharedStore,
    manifest_key: &str,
    after: &mut Manifest,
    counts: DeployCounts,
    options: &DeployOptions,
) -> Result<String, String> {
    let id = history::deploy_id(options.now, after.deploys.last().map(|d| d.id.as_str()));
    let deploy = Deploy {
        id: id.clone(),
        time: humantime::format_rfc3339_seconds(options.now).to_string(),
        counts,
        commit: options.commit.clone(),
        s3sync: env!("CARGO_PKG_VERSION").into(),
        rollback_to: options.rollback_to.clone(),
    };
    let key = history::deploy_key(manifest_key, &id);
    let stored = DeployRecord::new(deploy.clone(), after).to_stored();
    // Always: an object at this key is a record no manifest names (a push
    // killed before its manifest), free to replace.
    store
        .put(
            Upload::from_bytes(&key, stored, super::record_writer::record_headers()),
            Condition::Always,
        )
        .await
        .map_err(|e| {
            format!(
                "the deploy record {}/{key} was not written ({e}); the push is recorded, but this deploy is not in `s3sync log` and cannot be rolled back to",
                store.describe()
            )
        })?;
    // `keep` is at least 1 here: the trim drops only older deploys.
    history::add(&mut after.deploys, deploy, options.keep);
    Ok(id)
}

/// Delete the records of deploys the stored manifest no longer lists;
/// returns a warning for those that stay.
pub(super) async fn delete_records(
    store: &SharedStore,
    manifest_key: &str,
    ids: &[String],
) -> Option<String> {
    if ids.is_empty() {
        return None;
    }
    let keys: Vec<String> = ids
        .iter()
        .map(|id| history::deploy_key(manifest_key, id))
        .collect();
    let failed: Vec<String> = store
        .delete(&keys)
        .await
        .into_iter()
        .filter_map(Result::err)
        .map(|e| e.message)
        .collect();
    (!failed.is_empty()).then(|| {
        format!(
            "{} old deploy record(s) beyond [sync] history were not deleted (they are no longer listed, so nothing reads them): {}",
            failed.len(),
            failed.join("; ")
        )
    })
}
