//! `s3sync rollback [DEPLOY_ID]`: plan the return to an earlier deploy
//! (`pipeline::load_and_plan_rollback`), then apply it like a push: the
//! same guards, intent, record writer and deploy history.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::shown::Shown;
use super::{Exit, load_settings};
use crate::apply::{self, Base};
use crate::cdn;
use crate::cli::{GlobalArgs, RollbackArgs};
use crate::config::Overrides;
use crate::pipeline;
use crate::report;
use crate::ui::Ui;

/// The flags `rollback` layers over environment and file.
pub fn overrides(global: &GlobalArgs, args: &RollbackArgs) -> Overrides {
    Overrides {
        target: global.target.clone(),
        to: args.target.to.clone(),
        delete: args.delete,
        max_deletes: args.max_deletes,
        jobs: args.jobs,
        cloudfront: args.cdn.cloudfront.clone(),
        ..Overrides::default()
    }
}

pub async fn command(global: &GlobalArgs, args: &RollbackArgs, ui: Ui) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let settings = load_settings(global, &overrides(global, args))?;
    let store = pipeline::open_store(&settings).await?;
    let observer = ui.observer();
    let planned =
        pipeline::load_and_plan_rollback(&settings, &store, args.deploy.as_deref(), &observer)
            .await?;
    let plan = &planned.plan;
    let what = format!(
        "{} (rollback to deploy {})",
        planned.target, planned.deploy.id
    );
    let stale = cdn::stale_keys(plan, None);
    let invalidator = cdn::Invalidator::prepare(&settings, &stale, &observer).await?;
    let shown = Shown::new(&ui, args.json, plan, &planned.target, &settings, None);
    if args.dry_run {
        let refused = pipeline::check_guards(&settings, plan, "roll back").err();
        let invalidations = invalidator.map(|i| i.plan(&stale)).unwrap_or_default();
        shown.preview(&invalidations, || {
            report::plan_text(plan, &what, ui.verbose > 0)
        })?;
        return refused.map_or(Ok(Exit::Success), Err);
    }
    pipeline::check_guards(&settings, plan, "roll back")?;
    let mut deploy = pipeline::deploy_options(
        &settings,
        plan,
        Some(planned.deploy.id.clone()),
        planned.now,
    )
    .await;
    // What is live again is that deploy's build.
    deploy.commit.clone_from(&planned.deploy.commit);
    let options = pipeline::apply_options(&settings, Some(deploy))?;
    let base = Base {
        manifest: Some(&planned.current),
        record: &planned.record,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let sources = BTreeMap::new();
    let applied = tokio::select! {
        applied = apply::apply(store, plan, &sources, &base, options, observer, cancel.clone()) => applied,
        () = super::push::interrupted_twice(cancel.clone(), ui) => {
            ui.info("stopped at once: the keys this rollback was changing stay pending in the record; rerun the rollback to finish them");
            return Ok(Exit::Interrupted);
        }
    };
    let invalidations =
        cdn::Invalidator::after(invalidator.as_ref(), plan, &applied, args.wait.wait).await;
    let cdn_failed = shown.outcome(&applied, &invalidations, || {
        report::push_text(plan, &applied, &what, started.elapsed().as_secs_f64())
    })?;
    Ok(super::exit_after(
        cancel.load(Ordering::Relaxed),
        &applied,
        cdn_failed,
    ))
}
