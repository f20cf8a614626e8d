//! What retention adds to the renderings: the keys retired by an earlier
//! push and still kept (`retained`), with when they go, as text and JSON.
//! Steps that retire or prune a key this run are rendered with the others;
//! `prune_text` is what `s3sync prune` reports.

use std::fmt::Write as _;

use serde::Serialize;

use crate::apply::{Applied, Status};
use crate::escape::for_terminal;
use crate::plan::Plan;

/// A retained key in the JSON document.
#[derive(Serialize)]
pub(super) struct JsonRetained<'a> {
    key: &'a str,
    /// RFC 3339: the first push or prune after this deletes it.
    delete_after: String,
}

pub(super) fn json_retained(plan: &Plan) -> Vec<JsonRetained<'_>> {
    plan.retained
        .iter()
        .map(|(key, due)| JsonRetained {
            key,
            delete_after: due.rfc3339(),
        })
        .collect()
}

/// The retained keys, one line each (`diff`, `push --dry-run`, `prune
/// --dry-run`).
pub(super) fn retained_text(out: &mut String, plan: &Plan) {
    if plan.retained.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "retained ({}): retired earlier, kept until their grace period ends (then `s3sync prune` or `push --delete` deletes them):",
        plan.retained.len()
    );
    for (key, due) in &plan.retained {
        let _ = writeln!(
            out,
            "  - {}  retired, deleted after {}",
            for_terminal(key),
            due.human()
        );
    }
}

/// One line after a push or prune: how many retired keys are still kept,
/// and when the next one goes.
pub(super) fn retained_summary(out: &mut String, plan: &Plan) {
    let Some(next) = plan.retained.iter().map(|(_, due)| *due).min() else {
        return;
    };
    let n = plan.retained.len();
    let _ = writeln!(
        out,
        "retained: {n} retired {} kept until {} grace period ends; the next is deleted after {}",
        if n == 1 { "object" } else { "objects" },
        if n == 1 { "its" } else { "their" },
        next.human()
    );
}

/// What `s3sync prune --dry-run` would do: each key it would delete, the
/// count, and the retained keys.
pub fn prune_plan_text(plan: &Plan, target: &str) -> String {
    let mut out = String::new();
    for step in &plan.steps {
        let _ = writeln!(
            out,
            "  - {}  {}",
            for_terminal(&step.key),
            for_terminal(&step.reason)
        );
    }
    retained_text(&mut out, plan);
    let _ = writeln!(out, "{target}: {} to prune", plan.steps.len());
    out
}

/// What `s3sync prune` did: each key it deleted (or failed to), then the
/// counts and the retained keys.
pub fn prune_text(plan: &Plan, applied: &Applied, target: &str, seconds: f64) -> String {
    let mut out = String::new();
    let mut pruned = 0;
    let mut failed = 0;
    for (step, outcome) in plan.steps.iter().zip(&applied.outcomes) {
        let _ = match (&outcome.status, &outcome.error) {
            (Status::Failed, error) => {
                failed += 1;
                writeln!(
                    out,
                    "  ! {}  not deleted: {}",
                    for_terminal(&step.key),
                    for_terminal(error.as_deref().unwrap_or("unknown error"))
                )
            }
            _ => {
                pruned += 1;
                writeln!(
                    out,
                    "  - {}  {}",
                    for_terminal(&step.key),
                    for_terminal(&step.reason)
                )
            }
        };
    }
    let _ = writeln!(
        out,
        "{target}: {pruned} pruned, {failed} failed in {seconds:.1}s"
    );
    retained_summary(&mut out, plan);
    if let Some(e) = &applied.manifest_error {
        let _ = writeln!(out, "error: {e}");
    }
    out
}
