//! `s3sync destroy --to URL --yes [--dry-run] [--max-deletes N] [--json]`:
//! the end of a preview deploy. Deletes every key the manifest at the
//! prefix owns, then its records, the manifest last; planned from the
//! record and a listing of the prefix (no source tree). It never prompts:
//! without `--yes` it refuses (exit 2) and says how many keys would go.

use std::time::Instant;

use anyhow::bail;

use super::{Exit, load_settings};
use crate::cli::{DestroyArgs, GlobalArgs};
use crate::config::Overrides;
use crate::pipeline;
use crate::report;
use crate::ui::Ui;

/// The flags `destroy` layers over environment and file.
pub fn overrides(global: &GlobalArgs, args: &DestroyArgs) -> Overrides {
    Overrides {
        target: global.target.clone(),
        to: args.to.clone(),
        max_deletes: args.max_deletes,
        ..Overrides::default()
    }
}

pub async fn command(global: &GlobalArgs, args: &DestroyArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let settings = load_settings(global, &overrides(global, args))?;
    let store = pipeline::open_store(&settings).await?;
    let observer = ui.observer();
    let planned = pipeline::destroy::load_and_plan(&settings, &store, &observer).await?;
    let plan = &planned.plan;
    if args.dry_run {
        pipeline::destroy::check_guard(&settings, &planned)?;
        if args.json {
            ui.out_data(&report::destroy_json(plan, None, &planned.target))?;
        } else if !ui.quiet {
            ui.out(&report::destroy_plan_text(plan, &planned.target, true))?;
        }
        return Ok(Exit::Success);
    }
    if !args.yes {
        bail!(
            "refusing to destroy {} without --yes: it would delete {} keys ({} objects, {} records). See the list with `s3sync destroy --dry-run`, then rerun with --yes",
            planned.target,
            plan.deletes(),
            plan.objects.len(),
            plan.records.len()
        );
    }
    let done = pipeline::destroy::guard_and_destroy(&settings, &store, &planned).await?;
    let failed = done.error.is_some() || !done.failed.is_empty();
    if args.json {
        ui.out_data(&report::destroy_json(plan, Some(&done), &planned.target))?;
    } else if !ui.quiet || failed {
        ui.out(&report::destroyed_text(
            plan,
            &done,
            &planned.target,
            started.elapsed().as_secs_f64(),
        ))?;
    }
    Ok(if failed { Exit::Error } else { Exit::Success })
}
