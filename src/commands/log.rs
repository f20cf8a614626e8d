//! `s3sync log`: the recent deploys the live manifest lists, newest first,
//! one line each (or one JSON document). One read: the manifest.

use std::fmt::Write as _;

use anyhow::Context;
use serde::Serialize;

use super::{Exit, load_settings, target_overrides};
use crate::cli::{GlobalArgs, LogArgs};
use crate::record::history::{Deploy, DeployCounts};
use crate::record::manifest::Manifest;
use crate::ui::Ui;

/// The version of `log --json`'s document.
const LOG_JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonDeploy<'a> {
    id: &'a str,
    time: &'a str,
    counts: &'a DeployCounts,
    commit: Option<&'a str>,
    rollback_to: Option<&'a str>,
    s3sync: &'a str,
}

#[derive(Serialize)]
struct JsonLog<'a> {
    version: u32,
    target: &'a str,
    /// Newest first.
    deploys: Vec<JsonDeploy<'a>>,
}

/// `2026-12-03T10:00:00Z` as `2026-12-03 10:00:00 UTC`.
fn readable_time(rfc3339: &str) -> String {
    rfc3339.strip_suffix('Z').map_or_else(
        || rfc3339.to_string(),
        |t| format!("{} UTC", t.replacen('T', " ", 1)),
    )
}

/// One line per deploy, newest first.
pub fn text(history: &[Deploy], target: &str) -> String {
    if history.is_empty() {
        return format!(
            "{target}: no deploys recorded (each push that changes the bucket records one, unless [sync] history = 0)\n"
        );
    }
    let mut out = String::new();
    for d in history.iter().rev() {
        let what = match &d.rollback_to {
            Some(to) => format!("rollback to {to}: {}", d.counts.describe()),
            None => d.counts.describe(),
        };
        let _ = write!(out, "{}  {}  {what}", d.id, readable_time(&d.time));
        if let Some(commit) = &d.commit {
            let _ = write!(out, "  commit {}", commit.get(..12).unwrap_or(commit));
        }
        out.push('\n');
    }
    out
}

/// The JSON document: newest first, every field present (`null` when
/// unknown).
pub fn json(history: &[Deploy], target: &str) -> String {
    let doc = JsonLog {
        version: LOG_JSON_VERSION,
        target,
        deploys: history
            .iter()
            .rev()
            .map(|d| JsonDeploy {
                id: &d.id,
                time: &d.time,
                counts: &d.counts,
                commit: d.commit.as_deref(),
                rollback_to: d.rollback_to.as_deref(),
                s3sync: &d.s3sync,
            })
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("the log serialises");
    out.push('\n');
    out
}

pub async fn command(global: &GlobalArgs, args: &LogArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &target_overrides(global, &args.target))?;
    let store = crate::pipeline::open_store(&settings).await?;
    let key = crate::local::manifest_key(&settings);
    let target = settings
        .destination
        .as_ref()
        .map(|d| d.display_url(&settings.prefix))
        .unwrap_or_default();
    let url = format!("{}/{key}", store.describe());
    let history = match store
        .get(&key)
        .await
        .with_context(|| format!("reading the remote manifest {url}"))?
    {
        Some(f) => {
            Manifest::from_stored(&f.bytes)
                .map_err(|e| anyhow::anyhow!("the remote manifest {url} cannot be used: {e}"))?
                .deploys
        }
        None => Vec::new(),
    };
    if args.json {
        ui.out_data(&json(&history, &target))?;
    } else {
        ui.out(&text(&history, &target))?;
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deploy(id: &str, rollback_to: Option<&str>) -> Deploy {
        Deploy {
            id: id.into(),
            time: "2026-12-03T10:00:00Z".into(),
            counts: DeployCounts {
                new: 1,
                changed: 2,
                ..DeployCounts::default()
            },
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            s3sync: "0.1.0".into(),
            rollback_to: rollback_to.map(str::to_string),
        }
    }

    #[test]
    fn newest_first_one_line_each() {
        let history = [deploy("D1", None), deploy("D2", Some("D1"))];
        assert_eq!(
            text(&history, "s3://b/static"),
            "D2  2026-12-03 10:00:00 UTC  rollback to D1: 1 new, 2 changed  commit 0123456789ab\n\
             D1  2026-12-03 10:00:00 UTC  1 new, 2 changed  commit 0123456789ab\n"
        );
        let doc: serde_json::Value =
            serde_json::from_str(&json(&history, "s3://b/static")).unwrap();
        assert_eq!(doc["deploys"][0]["id"], "D2");
        assert_eq!(doc["deploys"][0]["rollback_to"], "D1");
        assert_eq!(doc["deploys"][1]["rollback_to"], serde_json::Value::Null);
        assert_eq!(doc["deploys"][1]["counts"]["changed"], 2);
        assert!(text(&[], "s3://b/static").contains("no deploys recorded"));
    }
}
