//! Renderings of a plan and of what applying it did: human text and the
//! versioned JSON document (README, "In CI"). Pure functions of their inputs.
//! `retention` renders what retention adds (retired and retained keys),
//! `cdn` the CloudFront invalidations.

pub mod cdn;
mod destroy;
mod retention;

pub use destroy::{destroy_json, destroy_plan_text, destroyed_text};
pub use retention::{prune_plan_text, prune_text};

use std::fmt::Write as _;

use humansize::{DECIMAL, format_size};
use serde::Serialize;

use crate::apply::{Applied, Outcome, Status};
use crate::escape::{code_span, for_markdown, for_terminal};
use crate::plan::{Action, Plan, Step};

pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub new: usize,
    pub changed: usize,
    pub headers: usize,
    pub deleted: usize,
    /// Keys whose files left the source, kept for their grace period
    /// (record-only).
    pub retired: usize,
    /// Retired keys deleted once their grace period ended.
    pub pruned: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub bytes_uploaded: u64,
    /// Bytes gzip saved on the objects sent.
    pub bytes_saved_by_gzip: u64,
    /// Objects s3sync wrote that are no longer in the source (kept).
    pub stale: usize,
    /// Objects under the prefix that s3sync did not write (kept).
    pub foreign: usize,
    /// Keys retired earlier, kept until their grace period ends.
    pub retained: usize,
}

impl Summary {
    pub fn new(plan: &Plan, applied: Option<&Applied>) -> Self {
        let outcomes = applied.map(|a| a.outcomes.as_slice());
        let done = |action: Action| match outcomes {
            None => plan.count(action),
            Some(o) => plan
                .steps
                .iter()
                .zip(o)
                .filter(|(s, o)| s.action() == action && o.status == Status::Done)
                .count(),
        };
        Self {
            new: done(Action::New),
            changed: done(Action::Changed),
            headers: done(Action::Headers),
            deleted: done(Action::Delete),
            retired: done(Action::Retire),
            pruned: done(Action::Prune),
            unchanged: plan.count(Action::Unchanged),
            failed: applied.map_or(0, Applied::failed),
            bytes_uploaded: outcomes.map_or(0, |o| o.iter().map(|o| o.bytes).sum()),
            bytes_saved_by_gzip: outcomes.map_or(0, |o| o.iter().map(|o| o.gzip_saved).sum()),
            stale: plan.stale.len(),
            foreign: plan.foreign.len(),
            retained: plan.retained.len(),
        }
    }
}

#[derive(Serialize)]
struct JsonAction<'a> {
    key: &'a str,
    path: Option<&'a str>,
    action: Action,
    reason: &'a str,
    status: Status,
    error: Option<&'a str>,
    /// `retire`: when the key goes; `prune`: when its grace ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_after: Option<String>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    dry_run: bool,
    target: &'a str,
    summary: Summary,
    actions: Vec<JsonAction<'a>>,
    stale: &'a [String],
    foreign: &'a [String],
    /// Keys retired earlier, kept until their grace period ends.
    retained: Vec<retention::JsonRetained<'a>>,
    manifest_error: Option<&'a str>,
    /// The id of the deploy recorded in the history (`s3sync log`).
    #[serde(skip_serializing_if = "Option::is_none")]
    deploy: Option<&'a str>,
    /// The CloudFront invalidations (`id` null in a plan); absent without
    /// `[cdn]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    invalidations: Option<&'a [crate::cdn::Invalidation]>,
    /// The public URL of the prefix root (`push` and `diff` only), for a
    /// CI job to post.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

/// The JSON document of a run: a preview (`applied` = None, `dry_run`) or
/// what landed; with the CloudFront invalidations of the run (`None`: no
/// `[cdn]`, the field is left out) and the public URL of the deploy
/// (`push` and `diff`).
pub fn push_json(
    plan: &Plan,
    applied: Option<&Applied>,
    dry_run: bool,
    target: &str,
    invalidations: Option<&[crate::cdn::Invalidation]>,
    url: Option<&str>,
) -> String {
    let planned = Outcome::planned();
    let actions = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let o = applied.map_or(&planned, |a| &a.outcomes[i]);
            JsonAction {
                key: &s.key,
                path: s.path(),
                action: s.action(),
                reason: &s.reason,
                status: o.status,
                error: o.error.as_deref(),
                delete_after: s.delete_after().map(crate::clock::Stamp::rfc3339),
            }
        })
        .collect();
    let report = JsonReport {
        version: JSON_VERSION,
        dry_run,
        target,
        summary: Summary::new(plan, applied),
        actions,
        stale: &plan.stale,
        foreign: &plan.foreign,
        retained: retention::json_retained(plan),
        manifest_error: applied.and_then(|a| a.manifest_error.as_deref()),
        deploy: applied.and_then(|a| a.deploy.as_deref()),
        invalidations,
        url,
    };
    let mut out = serde_json::to_string_pretty(&report).expect("report serialises");
    out.push('\n');
    out
}

fn sigil(action: Action) -> char {
    match action {
        Action::New => '+',
        Action::Changed => '~',
        Action::Headers => '*',
        Action::Delete | Action::Retire | Action::Prune => '-',
        Action::Unchanged => '=',
    }
}

/// The counts of a summary; `retired` and `pruned` only when not zero (a
/// plan without retention reads as before). `planned`: as a plan says
/// them (`to delete`).
fn counts_line(s: &Summary, planned: bool) -> String {
    let (delete, retire, prune) = if planned {
        ("to delete", "to retire", "to prune")
    } else {
        ("deleted", "retired", "pruned")
    };
    let retention = if s.retired + s.pruned > 0 {
        format!(", {} {retire}, {} {prune}", s.retired, s.pruned)
    } else {
        String::new()
    };
    format!(
        "{} new, {} changed, {} headers, {} {delete}{retention}, {} unchanged",
        s.new, s.changed, s.headers, s.deleted, s.unchanged
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The plan as text, grouped by action (`diff`, `push --dry-run`).
/// `verbose` also lists unchanged keys.
pub fn plan_text(plan: &Plan, target: &str, verbose: bool) -> String {
    let mut out = String::new();
    for action in Action::ALL {
        if action == Action::Unchanged && !verbose {
            continue;
        }
        let steps: Vec<_> = plan.steps.iter().filter(|s| s.action() == action).collect();
        if steps.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{} ({}):", action.as_str(), steps.len());
        for s in steps {
            let _ = writeln!(
                out,
                "  {} {}  {}",
                sigil(action),
                for_terminal(&s.key),
                for_terminal(&s.reason)
            );
        }
    }
    if !plan.stale.is_empty() {
        let _ = writeln!(
            out,
            "kept: {} no longer in the source (push --delete removes them)",
            plural(plan.stale.len(), "object", "objects")
        );
    }
    if !plan.foreign.is_empty() {
        let _ = writeln!(
            out,
            "foreign: {} under the prefix not written by s3sync (kept; --delete --delete-foreign removes them)",
            plural(plan.foreign.len(), "object", "objects")
        );
    }
    retention::retained_text(&mut out, plan);
    let summary = Summary::new(plan, None);
    if plan.has_changes() {
        let _ = writeln!(out, "{target}: {}", counts_line(&summary, true));
    } else {
        let _ = writeln!(out, "{target}: in sync ({} unchanged)", summary.unchanged);
    }
    out
}

/// The steps that failed, with their outcomes.
fn failures<'a>(plan: &'a Plan, applied: &'a Applied) -> Vec<(&'a Step, &'a Outcome)> {
    plan.steps
        .iter()
        .zip(&applied.outcomes)
        .filter(|(_, o)| o.status == Status::Failed)
        .collect()
}

/// What a push did, as text: counts, bytes, failures.
pub fn push_text(plan: &Plan, applied: &Applied, target: &str, seconds: f64) -> String {
    let s = Summary::new(plan, Some(applied));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{target}: {}, {} failed; sent {} (gzip saved {}) in {seconds:.1}s",
        counts_line(&s, false),
        s.failed,
        format_size(s.bytes_uploaded, DECIMAL),
        format_size(s.bytes_saved_by_gzip, DECIMAL),
    );
    let failures = failures(plan, applied);
    if !failures.is_empty() {
        let _ = writeln!(out, "failed ({}):", failures.len());
        for (step, o) in failures.iter().take(20) {
            let _ = writeln!(
                out,
                "  ! {} ({}): {}",
                for_terminal(&step.key),
                step.action().as_str(),
                for_terminal(o.error.as_deref().unwrap_or("unknown error"))
            );
        }
        if failures.len() > 20 {
            let _ = writeln!(
                out,
                "  … and {} more (use --json for all)",
                failures.len() - 20
            );
        }
        let _ = writeln!(
            out,
            "the remote manifest records exactly what the bucket now holds; rerun the push to retry only what failed"
        );
    }
    if !plan.stale.is_empty() {
        let _ = writeln!(
            out,
            "kept: {} no longer in the source (push --delete removes them)",
            plural(plan.stale.len(), "object", "objects")
        );
    }
    retention::retained_summary(&mut out, plan);
    if let Some(id) = &applied.deploy {
        let _ = writeln!(
            out,
            "recorded as deploy {id} (`s3sync log` lists deploys, `s3sync rollback` restores the one before)"
        );
    }
    if let Some(e) = &applied.manifest_error {
        let _ = writeln!(out, "error: {e}");
    }
    out
}

/// The line of the step summary that names where the deploy is served.
pub fn url_markdown(url: &str) -> String {
    format!("\nPublished at <{}>\n", url.replace('>', "%3E"))
}

/// A short Markdown summary of a push, for `GITHUB_STEP_SUMMARY`.
pub fn step_summary(plan: &Plan, applied: &Applied, target: &str, seconds: f64) -> String {
    let s = Summary::new(plan, Some(applied));
    let mut out = String::new();
    let status = if applied.has_errors() {
        "failed"
    } else {
        "done"
    };
    let _ = writeln!(out, "### s3sync push to {}: {status}\n", code_span(target));
    let _ = writeln!(
        out,
        "| new | changed | headers | deleted | retired | pruned | unchanged | failed | sent | gzip saved | time |"
    );
    let _ = writeln!(
        out,
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {seconds:.1} s |",
        s.new,
        s.changed,
        s.headers,
        s.deleted,
        s.retired,
        s.pruned,
        s.unchanged,
        s.failed,
        format_size(s.bytes_uploaded, DECIMAL),
        format_size(s.bytes_saved_by_gzip, DECIMAL),
    );
    let failures: Vec<_> = failures(plan, applied).into_iter().take(10).collect();
    if !failures.is_empty() {
        out.push_str("\nFailures:\n\n");
        for (step, o) in failures {
            let _ = writeln!(
                out,
                "- {}: {}",
                code_span(&step.key),
                for_markdown(o.error.as_deref().unwrap_or("unknown error"))
            );
        }
    }
    if let Some(e) = &applied.manifest_error {
        let _ = writeln!(out, "\n{}", for_markdown(e));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PlanOptions, RemoteState, plan};
    use crate::record::manifest::{Entry, Headers, Manifest};
    use std::collections::BTreeMap;

    fn entry(path: &str, sha: &str) -> Entry {
        Entry {
            path: path.into(),
            sha256: sha.into(),
            size: 4,
            headers: Headers {
                content_type: "text/css; charset=utf-8".into(),
                ..Headers::default()
            },
            etag: Some("e".into()),
            fingerprint: false,
            demoted: false,
            retired: None,
            version_id: None,
        }
    }

    fn sample() -> Plan {
        let mut local = Manifest::new("static");
        local
            .entries
            .insert("static/a.css".into(), entry("a.css", "aaaa"));
        local
            .entries
            .insert("static/b.css".into(), entry("b.css", "b2b2"));
        let mut remote = Manifest::new("static");
        remote
            .entries
            .insert("static/a.css".into(), entry("a.css", "aaaa"));
        remote
            .entries
            .insert("static/b.css".into(), entry("b.css", "b1b1"));
        remote
            .entries
            .insert("static/gone.css".into(), entry("gone.css", "gggg"));
        plan(
            &local,
            &BTreeMap::new(),
            &RemoteState {
                manifest: Some(std::sync::Arc::new(remote)),
                listing: None,
            },
            &PlanOptions {
                delete: true,
                manifest_key: "static/.s3sync-manifest.json".into(),
                key_prefix: "static/".into(),
                ..PlanOptions::default()
            },
        )
    }

    #[test]
    fn plan_text_snapshot() {
        insta::assert_snapshot!(plan_text(&sample(), "s3://bucket/static", false));
    }

    #[test]
    fn plan_json_snapshot() {
        insta::assert_snapshot!(push_json(
            &sample(),
            None,
            true,
            "s3://bucket/static",
            None,
            None
        ));
    }

    #[test]
    fn in_sync_text() {
        let p = Plan::default();
        assert_eq!(
            plan_text(&p, "file://out", false),
            "file://out: in sync (0 unchanged)\n"
        );
    }
}
