//! The facts of `s3sync destroy`: the record at the prefix and a listing of
//! the prefix (the deploy records, and the manifests of deploys nested
//! under it, whose keys are never this one's), then the plan, the guard and
//! the destroy itself.

use std::sync::Arc;

use anyhow::bail;

use super::{PipelineOptions, read_record, target_url};
use crate::apply::destroy::{Destroyed, destroy};
use crate::config::Settings;
use crate::local;
use crate::plan::{DestroyPlan, RecordKeys, destroy_plan};
use crate::progress::Observer;
use crate::record::intent::RemoteRecord;
use crate::store::SharedStore;

/// What destroy knows before anything changes.
pub struct DestroyPlanned {
    pub record: RemoteRecord,
    pub plan: DestroyPlan,
    /// `s3://bucket/prefix`.
    pub target: String,
    pub manifest_key: String,
}

/// Read the record and list the prefix; plan. A prefix with no manifest is
/// an error (there is nothing recorded to destroy). Changes nothing.
pub async fn load_and_plan(
    settings: &Settings,
    store: &SharedStore,
    observer: &Arc<dyn Observer>,
) -> anyhow::Result<DestroyPlanned> {
    let target = target_url(settings);
    let record = read_record(store, settings, &PipelineOptions::default(), observer).await?;
    let manifest_key = local::manifest_key(settings);
    let Some(manifest) = record.manifest.clone() else {
        bail!(
            "nothing recorded at {target} (no manifest {}/{manifest_key}), nothing to destroy. Check the --to URL and `[sync] manifest`",
            store.describe()
        );
    };
    let key_prefix = local::key_prefix(&settings.prefix);
    let listed: Vec<String> = store
        .list(&key_prefix)
        .await
        .map_err(|e| anyhow::anyhow!("listing {target}: {e}"))?
        .into_iter()
        .map(|l| l.key)
        .collect();
    let plan = destroy_plan(
        &manifest,
        &RecordKeys {
            manifest_key: &manifest_key,
            key_prefix: &key_prefix,
            manifest_name: &settings.sync.manifest,
        },
        &listed,
    );
    Ok(DestroyPlanned {
        record,
        plan,
        target,
        manifest_key,
    })
}

/// Refuse a destroy that deletes more than `--max-deletes` keys (objects
/// and records together).
pub fn check_guard(settings: &Settings, planned: &DestroyPlanned) -> anyhow::Result<()> {
    let deletes = planned.plan.deletes();
    if let Some(max) = settings.sync.max_deletes
        && deletes as u64 > max
    {
        bail!(
            "refusing to destroy {}: it deletes {deletes} keys ({} objects and {} records), more than --max-deletes {max}. Nothing was changed. See the list with `s3sync destroy --dry-run`, or raise --max-deletes",
            planned.target,
            planned.plan.objects.len(),
            planned.plan.records.len()
        );
    }
    Ok(())
}

/// Check the guard, then destroy.
pub async fn guard_and_destroy(
    settings: &Settings,
    store: &SharedStore,
    planned: &DestroyPlanned,
) -> anyhow::Result<Destroyed> {
    check_guard(settings, planned)?;
    Ok(destroy(store, &planned.plan, &planned.manifest_key, &planned.record).await)
}
