//! The renderings of `s3sync destroy`: the list of what goes (and what is
//! left, with the reason) as text, and one JSON document.

use std::fmt::Write as _;

use super::plural;
use crate::apply::destroy::Destroyed;
use crate::escape::for_terminal;
use crate::plan::DestroyPlan;

/// The plan as text: every key that goes, in order, then what stays.
pub fn destroy_plan_text(plan: &DestroyPlan, target: &str, dry_run: bool) -> String {
    let mut out = String::new();
    for key in &plan.objects {
        let _ = writeln!(out, "delete  {}", for_terminal(key));
    }
    for key in &plan.records {
        let _ = writeln!(out, "delete  {}  (record)", for_terminal(key));
    }
    for (key, why) in &plan.skipped {
        let _ = writeln!(
            out,
            "keep    {}  ({})",
            for_terminal(key),
            for_terminal(why)
        );
    }
    let verb = if dry_run { "would delete" } else { "deletes" };
    let _ = writeln!(
        out,
        "destroy {}: {verb} {} and {}{}",
        for_terminal(target),
        plural(plan.objects.len(), "object", "objects"),
        plural(plan.records.len(), "record", "records"),
        if plan.skipped.is_empty() {
            String::new()
        } else {
            format!(", keeps {} keys it does not own", plan.skipped.len())
        }
    );
    out
}

/// The outcome as text.
pub fn destroyed_text(plan: &DestroyPlan, done: &Destroyed, target: &str, secs: f64) -> String {
    let mut out = String::new();
    for (key, why) in &plan.skipped {
        let _ = writeln!(
            out,
            "kept    {}  ({})",
            for_terminal(key),
            for_terminal(why)
        );
    }
    for (key, e) in &done.failed {
        let _ = writeln!(out, "failed  {}: {}", for_terminal(key), for_terminal(e));
    }
    if let Some(e) = &done.error {
        let _ = writeln!(out, "error: {}", for_terminal(e));
    }
    let _ = writeln!(
        out,
        "destroyed {}: {} of {} keys deleted in {secs:.1} s",
        for_terminal(target),
        done.deleted,
        plan.deletes()
    );
    out
}

/// One JSON document: the plan and, after a run, the outcome.
pub fn destroy_json(plan: &DestroyPlan, done: Option<&Destroyed>, target: &str) -> String {
    let skipped: Vec<serde_json::Value> = plan
        .skipped
        .iter()
        .map(|(k, why)| serde_json::json!({ "key": k, "reason": why }))
        .collect();
    let mut report = serde_json::json!({
        "target": target,
        "dry_run": done.is_none(),
        "objects": plan.objects,
        "records": plan.records,
        "skipped": skipped,
    });
    if let Some(done) = done {
        let failed: Vec<serde_json::Value> = done
            .failed
            .iter()
            .map(|(k, e)| serde_json::json!({ "key": k, "error": e }))
            .collect();
        report["deleted"] = done.deleted.into();
        report["failed"] = failed.into();
        report["error"] = done.error.clone().into();
    }
    let mut out = report.to_string();
    out.push('\n');
    out
}
