//! The facts of `s3sync prune`: the record alone. No source tree is read
//! (prune runs after a rollout, when the build may be gone) and the bucket
//! is not listed; the plan deletes the retired keys whose grace has ended
//! and nothing else. It is applied like a push's (`guard_and_apply`:
//! `--max-deletes`, the intent first, the conditional manifest write).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::{PipelineOptions, Planned, Timings, plan_options, read_record, target_url};
use crate::clock::Stamp;
use crate::config::Settings;
use crate::local::LocalTree;
use crate::plan::{self, PlanOptions, RemoteState};
use crate::progress::Observer;
use crate::record::manifest::Manifest;
use crate::store::SharedStore;

/// Read the record and plan the prune at `now`. Changes nothing.
pub async fn load_and_plan(
    settings: &Settings,
    store: &SharedStore,
    now: Stamp,
    observer: &Arc<dyn Observer>,
) -> anyhow::Result<Planned> {
    let started = Instant::now();
    let record = read_record(store, settings, &PipelineOptions::default(), observer).await?;
    let remote = RemoteState {
        manifest: record.effective(),
        listing: None,
    };
    let read = Instant::now();
    let plan = plan::prune_plan(
        &remote,
        &PlanOptions {
            delete: true,
            ..plan_options(settings, now)
        },
    );
    Ok(Planned {
        // Nothing is uploaded: no local tree.
        tree: LocalTree {
            manifest: Manifest::new(&settings.prefix),
            sources: BTreeMap::new(),
            warnings: Vec::new(),
            fingerprints: BTreeMap::new(),
        },
        remote,
        record,
        plan,
        target: target_url(settings),
        now,
        timings: Timings {
            local: std::time::Duration::ZERO,
            remote: read - started,
            plan: read.elapsed(),
        },
        command: "prune",
    })
}
