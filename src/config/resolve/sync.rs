//! How a push runs: deletes and their limit, how long removed files stay,
//! uploads in flight, the upload order, the name of the record of the last
//! push, and how many deploys the history keeps.

use std::time::Duration;

use super::{Layers, Problems};
use crate::config::defaults;
use crate::config::settings::{GlobSpec, SyncSettings};

pub(super) fn settings(layers: &Layers, problems: &mut Problems) -> SyncSettings {
    let section = layers.config.sync.as_ref();
    let jobs = jobs(layers, problems);
    let max_deletes = match (layers.flags.max_deletes, layers.env("S3SYNC_MAX_DELETES")) {
        (Some(n), _) => Some(n),
        (None, Some(n)) => problems.check(n.parse::<u64>().map_err(|_| {
            format!("S3SYNC_MAX_DELETES '{n}' is not a whole number of zero or more")
        })),
        (None, None) => section.and_then(|s| s.max_deletes),
    };
    let order = match section.and_then(|s| s.order.as_ref()) {
        Some(order) => layers.globs(Some(order)),
        None => vec![GlobSpec {
            pattern: defaults::ORDER.into(),
            origin: "default [sync] order".into(),
        }],
    };
    let manifest = section
        .and_then(|s| s.manifest.clone())
        .unwrap_or_else(|| defaults::MANIFEST.into());
    if manifest.is_empty() || manifest.contains('/') || manifest == "." || manifest == ".." {
        problems.push(format!(
            "[sync] manifest '{manifest}' must be a plain file name (it is stored under the prefix)"
        ));
    }
    let max = crate::record::history::MAX_DEPLOYS;
    let history = match section.and_then(|s| s.history) {
        None => defaults::HISTORY,
        Some(n) => match usize::try_from(n) {
            Ok(n) if n <= max => n,
            _ => {
                problems.push(format!(
                    "[sync] history is {n}: it must be 0 (no history) to {max} (the deploys kept for `s3sync log` and `rollback`)"
                ));
                defaults::HISTORY
            }
        },
    };
    SyncSettings {
        delete: layers.flags.delete || section.and_then(|s| s.delete).unwrap_or(false),
        max_deletes,
        jobs,
        order,
        manifest,
        keep_removed: keep_removed(layers, problems),
        history,
    }
}

/// `--keep-removed` > `S3SYNC_KEEP_REMOVED` > `[sync] keep_removed` >
/// unset (the default grace, which depends on the file).
fn keep_removed(layers: &Layers, problems: &mut Problems) -> Option<Duration> {
    let from_file = layers
        .config
        .sync
        .as_ref()
        .and_then(|s| s.keep_removed.clone());
    let (what, text) = match (
        layers.flags.keep_removed.clone(),
        layers.env("S3SYNC_KEEP_REMOVED"),
        from_file,
    ) {
        (Some(t), _, _) => ("--keep-removed", t),
        (None, Some(t), _) => ("S3SYNC_KEEP_REMOVED", t),
        (None, None, Some(t)) => ("[sync] keep_removed", t),
        (None, None, None) => return None,
    };
    problems.check(parse_keep_removed(what, &text))
}

/// A grace period as people write it: `"7d"`, `"12h"`, `"90m"`, `"0s"`
/// (humantime's units; whole seconds, at most 3650 days).
pub(in crate::config) fn parse_keep_removed(what: &str, text: &str) -> Result<Duration, String> {
    let shown = crate::escape::for_terminal(text);
    let help = "use a duration such as \"7d\", \"12h\" or \"0s\" (units s, m, h, d; \"0s\" deletes removed files at once)";
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("{what} '{shown}' is not a duration ({e}): {help}"))?;
    if duration.subsec_nanos() != 0 {
        return Err(format!(
            "{what} '{shown}' has a fraction of a second: {help}"
        ));
    }
    if duration > defaults::KEEP_REMOVED_MAX {
        return Err(format!("{what} '{shown}' is longer than 3650d: {help}"));
    }
    Ok(duration)
}

/// Uploads in flight: `--jobs` > `S3SYNC_JOBS` > `[sync] jobs` > default.
fn jobs(layers: &Layers, problems: &mut Problems) -> usize {
    let from_file = layers.config.sync.as_ref().and_then(|s| s.jobs);
    match (layers.flags.jobs, layers.env("S3SYNC_JOBS"), from_file) {
        (Some(j), _, _) => positive("--jobs", j, problems),
        (None, Some(j), _) => match j.parse::<i64>() {
            Ok(j) => positive("S3SYNC_JOBS", j, problems),
            Err(_) => {
                problems.push(format!("S3SYNC_JOBS '{j}' is not a whole number"));
                defaults::JOBS
            }
        },
        (None, None, Some(j)) => positive("[sync] jobs", j, problems),
        (None, None, None) => defaults::JOBS,
    }
}

fn positive(what: &str, value: i64, problems: &mut Problems) -> usize {
    if value < 1 {
        problems.push(format!(
            "{what} is {value}: it must be at least 1 (it is how many uploads run at once)"
        ));
        return defaults::JOBS;
    }
    usize::try_from(value).unwrap_or(defaults::JOBS)
}
