//! One module per command body. `app` parses the command line and calls
//! one of these; each resolves its settings here (one layering: flag >
//! `S3SYNC_*` env > django-storages env > file > default) and returns the
//! exit status.

pub mod check;
pub mod destroy;
pub mod explain;
pub mod init;
pub mod log;
pub mod manifest;
pub mod policy;
pub mod prune;
pub mod push;
pub mod rollback;
pub mod setup;
mod shown;
pub mod url;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::{Command, GlobalArgs, SourceArgs, SyncArgs, TargetArgs, TreeArgs};
use crate::config::{self, Overrides, Settings};

/// The process exit status: 0 success or in sync, 1 `diff --exit-code`
/// found changes, 2 any error, 130 interrupted (README, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Changes = 1,
    Error = 2,
    Interrupted = 130,
}

pub fn target_overrides(global: &GlobalArgs, target: &TargetArgs) -> Overrides {
    Overrides {
        target: global.target.clone(),
        to: target.to.clone(),
        ..Overrides::default()
    }
}

pub fn s3_bucket(settings: &Settings, command: &str) -> anyhow::Result<String> {
    match &settings.destination {
        Some(config::Destination::S3 { bucket }) => Ok(bucket.clone()),
        Some(config::Destination::Dir { .. }) => {
            anyhow::bail!("`s3sync {command}` is for s3:// targets; this config targets a folder")
        }
        None => Err(config::ConfigError::NoTarget.into()),
    }
}

/// The exit status after changes were applied: 130 when interrupted, 2
/// when a step, the record or the CDN invalidation failed, else 0.
pub fn exit_after(interrupted: bool, applied: &crate::apply::Applied, cdn_failed: bool) -> Exit {
    if interrupted {
        Exit::Interrupted
    } else if applied.has_errors() || cdn_failed {
        Exit::Error
    } else {
        Exit::Success
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
    // Keep the path as given, so messages say `s3sync.toml line 7`.
    let file = config::file::load(&path, required)?;
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

/// The overrides of a command that reads the tree but does not push.
pub fn tree_overrides(global: &GlobalArgs, tree: &TreeArgs) -> Overrides {
    Overrides {
        target: global.target.clone(),
        source: tree.source.clone(),
        to: tree.to.clone(),
        ..Overrides::default()
    }
}

pub fn overrides(global: &GlobalArgs, source: &SourceArgs, sync: Option<&SyncArgs>) -> Overrides {
    Overrides {
        target: global.target.clone(),
        source: source.source.clone(),
        to: source.to.clone(),
        delete: sync.is_some_and(|s| s.delete),
        max_deletes: sync.and_then(|s| s.max_deletes),
        keep_removed: sync.and_then(|s| s.retention.keep_removed.clone()),
        jobs: sync.and_then(|s| s.jobs),
        no_cache: source.no_cache,
        cloudfront: sync.map(|s| s.cdn.cloudfront.clone()).unwrap_or_default(),
    }
}

/// The flags `command` layers over environment and file, as its body
/// passes them (for `--show-settings`).
pub fn overrides_for(global: &GlobalArgs, command: &Command) -> Overrides {
    match command {
        Command::Push(args) => overrides(global, &args.sync.source, Some(&args.sync)),
        Command::Diff(args) => overrides(global, &args.sync.source, Some(&args.sync)),
        Command::Prune(args) => prune::overrides(global, args),
        Command::Destroy(args) => destroy::overrides(global, args),
        Command::Log(args) => target_overrides(global, &args.target),
        Command::Rollback(args) => rollback::overrides(global, args),
        Command::Manifest(args) => overrides(global, args, None),
        Command::Check(args) => tree_overrides(global, args),
        Command::Policy(args) => target_overrides(global, &args.target),
        Command::Setup(args) => target_overrides(global, &args.target),
        Command::Url(args) => tree_overrides(global, &args.tree),
        Command::Explain(args) => explain::overrides(global, args),
        Command::Init | Command::Completions { .. } | Command::Man => Overrides {
            target: global.target.clone(),
            ..Overrides::default()
        },
    }
}
