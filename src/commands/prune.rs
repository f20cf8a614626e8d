//! `s3sync prune [--dry-run]`: delete the objects `push --delete` retired
//! whose grace period has ended, and nothing else. It reads only the record
//! (no source tree: the build may be gone when CI runs it after a rollout)
//! and is applied like a push: `--max-deletes`, the intent first, the
//! manifest written last and conditionally.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::shown::Shown;
use super::{Exit, load_settings};
use crate::cdn;
use crate::cli::{GlobalArgs, PruneArgs};
use crate::config::Overrides;
use crate::pipeline;
use crate::report;
use crate::ui::Ui;

/// The flags `prune` layers over environment and file.
pub fn overrides(global: &GlobalArgs, args: &PruneArgs) -> Overrides {
    Overrides {
        target: global.target.clone(),
        to: args.to.clone(),
        delete: true,
        max_deletes: args.max_deletes,
        keep_removed: args.retention.keep_removed.clone(),
        cloudfront: args.cdn.cloudfront.clone(),
        ..Overrides::default()
    }
}

pub async fn command(global: &GlobalArgs, args: &PruneArgs, ui: Ui) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let settings = load_settings(global, &overrides(global, args))?;
    let now = crate::clock::now()?;
    let store = pipeline::open_store(&settings).await?;
    let observer = ui.observer();
    let planned = pipeline::prune::load_and_plan(&settings, &store, now, &observer).await?;
    if ui.verbose > 0 {
        ui.info(&format!("timings: {}", planned.timings));
    }
    if planned.remote.manifest.is_none() {
        ui.info(&format!(
            "no s3sync record at {}: nothing was retired there, so there is nothing to prune",
            planned.target
        ));
    }
    let plan = &planned.plan;
    let stale = cdn::stale_keys(plan, None);
    let invalidator = cdn::Invalidator::prepare(&settings, &stale, &observer).await?;
    let shown = Shown::new(&ui, args.json, plan, &planned.target, &settings, None);
    if args.dry_run {
        pipeline::check_guards(&settings, plan, "prune")?;
        let invalidations = invalidator.map(|i| i.plan(&stale)).unwrap_or_default();
        shown.preview(&invalidations, || {
            report::prune_plan_text(plan, &planned.target)
        })?;
        return Ok(Exit::Success);
    }
    // Nothing to ask of Ctrl-C here: one batched delete, and the intent
    // written before it leaves the keys pending if the process is stopped.
    let cancel = Arc::new(AtomicBool::new(false));
    let applied = pipeline::guard_and_apply(&settings, store, &planned, observer, cancel).await?;
    let invalidations =
        cdn::Invalidator::after(invalidator.as_ref(), plan, &applied, args.wait.wait).await;
    let cdn_failed = shown.outcome(&applied, &invalidations, || {
        report::prune_text(
            plan,
            &applied,
            &planned.target,
            started.elapsed().as_secs_f64(),
        )
    })?;
    Ok(super::exit_after(false, &applied, cdn_failed))
}
