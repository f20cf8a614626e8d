//! `s3sync push` and `s3sync diff`: one pipeline (load facts, plan, check
//! the guards), then either render the plan or apply it and report.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::shown::Shown;
use super::{Exit, load_settings, overrides};
use crate::cdn;
use crate::cli::{GlobalArgs, SyncArgs};
use crate::pipeline::{self, PipelineOptions};
use crate::report;
use crate::ui::Ui;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Apply; `wait`: follow the CDN invalidation until it completes.
    Push {
        wait: bool,
    },
    DryRun,
    Diff,
    DiffExitCode,
}

pub async fn command(
    global: &GlobalArgs,
    args: &SyncArgs,
    ui: Ui,
    mode: Mode,
) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let settings = load_settings(global, &overrides(global, &args.source, Some(args)))?;
    let store = pipeline::open_store(&settings).await?;
    let observer = ui.observer();
    let options = PipelineOptions {
        force: args.force,
        verify: args.verify,
        delete_foreign: args.delete_foreign,
        now: crate::clock::now()?,
    };
    let prepared = pipeline::load_and_plan(&settings, &store, &options, &observer).await?;
    if ui.verbose > 0 {
        ui.info(&format!("timings: {}", prepared.timings));
    }
    let plan = &prepared.plan;
    // Where the deploy is served (custom domain aware), for a CI job to post.
    let url = crate::urls::public_url(&settings, &crate::local::key_prefix(&settings.prefix)).ok();
    // The CDN is read now, so a distribution without an origin for the
    // bucket stops the push before anything changes.
    let stale = cdn::stale_keys(plan, None);
    let invalidator = cdn::Invalidator::prepare(&settings, &stale, &observer).await;
    let shown = Shown::new(
        &ui,
        args.json,
        plan,
        &prepared.target,
        &settings,
        url.as_deref(),
    );
    if !matches!(mode, Mode::Push { .. }) {
        // A preview always shows the plan; a guard that would refuse the
        // push is reported after it (and fails a dry run).
        let (invalidator, cdn_refused) = match invalidator {
            Ok(i) => (i, None),
            Err(e) => (None, Some(e)),
        };
        let refused = pipeline::check_guards(&settings, plan, "push")
            .err()
            .or(cdn_refused);
        let invalidations = invalidator.map(|i| i.plan(&stale)).unwrap_or_default();
        shown.preview(&invalidations, || {
            report::plan_text(plan, &prepared.target, ui.verbose > 0)
        })?;
        if let Some(refused) = refused {
            if mode == Mode::DryRun {
                return Err(refused);
            }
            ui.info(&format!("warning: a push would be refused: {refused}"));
        }
        let pending = mode == Mode::DiffExitCode && plan.has_changes();
        return Ok(if pending {
            Exit::Changes
        } else {
            Exit::Success
        });
    }
    let invalidator = invalidator?;
    let cancel = Arc::new(AtomicBool::new(false));
    let applied = tokio::select! {
        applied = pipeline::guard_and_apply(&settings, store, &prepared, observer, cancel.clone()) => applied?,
        () = interrupted_twice(cancel.clone(), ui) => {
            // The push future is dropped here: its tasks are aborted and
            // their temporary files removed by their destructors, and the
            // exit status leaves through `main` like every other.
            ui.info("stopped at once: the keys this push was changing stay pending in the record; the next push finishes them");
            return Ok(Exit::Interrupted);
        }
    };
    let interrupted = cancel.load(Ordering::Relaxed);
    // What landed is stale in the CDN, whatever else failed.
    let wait = mode == Mode::Push { wait: true };
    let invalidations = cdn::Invalidator::after(invalidator.as_ref(), plan, &applied, wait).await;
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let mut markdown = report::step_summary(
            plan,
            &applied,
            &prepared.target,
            started.elapsed().as_secs_f64(),
        );
        if let Some(url) = &url {
            markdown.push_str(&report::url_markdown(url));
        }
        markdown.push_str(&report::cdn::markdown(&invalidations));
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, markdown.as_bytes()));
        if let Err(e) = appended {
            ui.info(&format!(
                "warning: cannot append to GITHUB_STEP_SUMMARY ({}): {e}",
                PathBuf::from(&path).display()
            ));
        }
    }
    let cdn_failed = shown.outcome(&applied, &invalidations, || {
        report::push_text(
            plan,
            &applied,
            &prepared.target,
            started.elapsed().as_secs_f64(),
        )
    })?;
    Ok(super::exit_after(interrupted, &applied, cdn_failed))
}

/// First Ctrl-C while changes are applied: start nothing new, let requests
/// in flight finish, record what was done, exit 130 (the push returns and
/// `cancel` tells why). A second Ctrl-C completes this future, and the
/// caller stops the push at once. (Before anything changes, Ctrl-C simply
/// ends the process.)
pub(super) async fn interrupted_twice(cancel: Arc<AtomicBool>, ui: Ui) {
    // One listener for both: a signal stream keeps a Ctrl-C that arrives
    // while the first is being handled (a fresh `ctrl_c()` would miss it).
    let Some(mut interrupts) = Interrupts::listen() else {
        return std::future::pending().await;
    };
    interrupts.next().await;
    cancel.store(true, Ordering::Relaxed);
    ui.info("interrupted: finishing the requests in flight, then recording what was done (Ctrl-C again to stop at once)");
    interrupts.next().await;
}

/// Ctrl-C, as a stream that does not lose one delivered between two waits.
struct Interrupts {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupts {
    fn listen() -> Option<Self> {
        #[cfg(unix)]
        {
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .ok()
                .map(|signal| Self { signal })
        }
        #[cfg(not(unix))]
        {
            Some(Self {})
        }
    }

    /// The next Ctrl-C (never, if the listener stopped).
    async fn next(&mut self) {
        #[cfg(unix)]
        let got = self.signal.recv().await.is_some();
        #[cfg(not(unix))]
        let got = tokio::signal::ctrl_c().await.is_ok();
        if !got {
            std::future::pending::<()>().await;
        }
    }
}
