//! The application: parse, resolve settings once, run one command, map the
//! result to an exit code. `main` calls [`run`] and nothing else.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Parser;

use crate::cli::{Cli, Command, GlobalArgs, SourceArgs, SyncArgs};
use crate::config::{self, Overrides, Settings};
use crate::report;
use crate::sync::{self, SyncOptions};
use crate::ui::Ui;

/// The process exit status (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Changes = 1,
    Error = 2,
    Interrupted = 130,
}

/// Parse the command line, run, and return the exit status.
pub fn run() -> Exit {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Error;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(exit) => exit,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            Exit::Error
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    let global = &cli.global;
    match &cli.command {
        Command::Push(args) => {
            let ui = Ui::new(global, args.sync.json);
            sync_command(
                global,
                &args.sync,
                ui,
                if args.dry_run {
                    Mode::DryRun
                } else {
                    Mode::Push
                },
            )
            .await
        }
        Command::Diff(args) => {
            let ui = Ui::new(global, args.sync.json);
            let mode = if args.exit_code {
                Mode::DiffExitCode
            } else {
                Mode::Diff
            };
            sync_command(global, &args.sync, ui, mode).await
        }
        Command::Manifest(args) => manifest_command(global, args, Ui::new(global, true)).await,
    }
}

/// Read the config file (the named one must exist; `./s3sync.toml` may not)
/// and resolve settings with the process environment.
pub fn load_settings(global: &GlobalArgs, overrides: &Overrides) -> anyhow::Result<Settings> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let (path, required) = match &global.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("s3sync.toml"), false),
    };
    let file = config::file::load(&cwd.join(&path), required)?;
    let env = |k: &str| {
        std::env::var(k)
            .ok()
            .filter(|v| !v.is_empty() || k == "AWS_DEFAULT_ACL")
    };
    Ok(Settings::resolve(
        overrides,
        &env,
        file.as_ref(),
        Path::new(&cwd),
    )?)
}

fn overrides(source: &SourceArgs, sync: Option<&SyncArgs>) -> Overrides {
    Overrides {
        source: source.source.clone(),
        to: source.to.clone(),
        delete: sync.is_some_and(|s| s.delete),
        max_deletes: sync.and_then(|s| s.max_deletes),
        jobs: sync.and_then(|s| s.jobs),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Push,
    DryRun,
    Diff,
    DiffExitCode,
}

async fn sync_command(
    global: &GlobalArgs,
    args: &SyncArgs,
    ui: Ui,
    mode: Mode,
) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let settings = load_settings(global, &overrides(&args.source, Some(args)))?;
    let store = sync::open_store(&settings).await?;
    let observer = ui.observer();
    let options = SyncOptions {
        force: args.force,
        verify: args.verify,
        delete_foreign: args.delete_foreign,
    };
    let prepared = sync::prepare(&settings, &store, &options, &observer).await?;
    let plan = &prepared.plan;
    if mode != Mode::Push {
        // A preview always shows the plan; a guard that would refuse the
        // push is reported after it (and fails a dry run).
        let refused = sync::check_guards(&settings, plan).err();
        if args.json {
            ui.out(&report::json(plan, None, true, &prepared.target))?;
        } else if !ui.quiet {
            ui.out(&report::plan_text(plan, &prepared.target, ui.verbose > 0))?;
        }
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
    let applied = sync::push(&settings, store, &prepared, observer).await?;
    if args.json {
        ui.out(&report::json(plan, Some(&applied), false, &prepared.target))?;
    } else if !ui.quiet || applied.failed() > 0 || applied.manifest_error.is_some() {
        let text = report::push_text(
            plan,
            &applied,
            &prepared.target,
            started.elapsed().as_secs_f64(),
        );
        ui.out(&text)?;
    }
    Ok(
        if applied.failed() > 0 || applied.manifest_error.is_some() {
            Exit::Error
        } else {
            Exit::Success
        },
    )
}

async fn manifest_command(global: &GlobalArgs, args: &SourceArgs, ui: Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &overrides(args, None))?;
    let observer = ui.observer();
    let tree = tokio::task::spawn_blocking(move || crate::local::build(&settings, &observer))
        .await
        .expect("scan task panicked")?;
    ui.out(&String::from_utf8(tree.manifest.to_json()).expect("JSON is UTF-8"))?;
    Ok(Exit::Success)
}
