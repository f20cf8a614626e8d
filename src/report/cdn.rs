//! The CloudFront invalidations of a run, rendered: the paths a push would
//! invalidate (`diff`), what was created (push, prune, rollback), what was
//! folded into wildcards, and the step summary's lines.

use std::fmt::Write as _;

use crate::cdn::Invalidation;
use crate::escape::{code_span, for_markdown, for_terminal};

/// Paths listed in a push's text before "… and N more".
const SHOWN: usize = 10;

fn folds_line(out: &mut String, inv: &Invalidation) {
    for fold in &inv.folded {
        let _ = writeln!(
            out,
            "  folded {} paths into {} (over [cdn] max_paths)",
            fold.paths,
            for_terminal(&fold.wildcard)
        );
    }
}

/// What a push would invalidate, one path a line (`diff`, dry runs).
pub fn planned_text(invalidations: &[Invalidation]) -> String {
    let mut out = String::new();
    for inv in invalidations {
        let _ = writeln!(
            out,
            "invalidate on CloudFront {} ({}):",
            for_terminal(&inv.distribution),
            plural(inv.paths.len())
        );
        for path in &inv.paths {
            let _ = writeln!(out, "  ! {}", for_terminal(path));
        }
        folds_line(&mut out, inv);
    }
    out
}

fn plural(n: usize) -> String {
    format!("{n} {}", if n == 1 { "path" } else { "paths" })
}

/// What was invalidated, after a push: the id and the paths (the first
/// few), what was folded, and each failure with its fix.
pub fn done_text(invalidations: &[Invalidation]) -> String {
    let mut out = String::new();
    for inv in invalidations {
        let distribution = for_terminal(&inv.distribution);
        if let Some(id) = &inv.id {
            let mut shown: Vec<String> = inv
                .paths
                .iter()
                .take(SHOWN)
                .map(|p| for_terminal(p).into_owned())
                .collect();
            if inv.paths.len() > SHOWN {
                shown.push(format!("… and {} more", inv.paths.len() - SHOWN));
            }
            let completed = match inv.completed {
                Some(true) => ", completed",
                _ => "",
            };
            let _ = writeln!(
                out,
                "invalidated {} on CloudFront {distribution} (invalidation {}{completed}): {}",
                plural(inv.paths.len()),
                for_terminal(id),
                shown.join(", ")
            );
            folds_line(&mut out, inv);
        }
        if let Some(e) = &inv.error {
            let _ = writeln!(out, "error: {}", for_terminal(e));
        }
    }
    out
}

/// Whether any invalidation failed (the run exits 2).
pub fn failed(invalidations: &[Invalidation]) -> bool {
    invalidations.iter().any(|i| i.error.is_some())
}

/// The step summary's lines for the invalidations (Markdown).
pub fn markdown(invalidations: &[Invalidation]) -> String {
    let mut out = String::new();
    if invalidations.is_empty() {
        return out;
    }
    out.push_str("\nCloudFront invalidations:\n\n");
    for inv in invalidations {
        let paths: Vec<String> = inv.paths.iter().map(|p| code_span(p)).collect();
        let id = inv
            .id
            .as_deref()
            .map_or_else(|| "not created".to_string(), code_span);
        let _ = writeln!(
            out,
            "- {} {id}: {}",
            code_span(&inv.distribution),
            paths.join(" ")
        );
        for fold in &inv.folded {
            let _ = writeln!(
                out,
                "  - folded {} paths into {}",
                fold.paths,
                code_span(&fold.wildcard)
            );
        }
        if let Some(e) = &inv.error {
            let _ = writeln!(out, "  - {}", for_markdown(e));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdn::Fold;

    fn sample(id: Option<&str>) -> Invalidation {
        Invalidation {
            distribution: "E1".into(),
            id: id.map(str::to_string),
            paths: vec!["/".into(), "/css/*".into(), "/index.html".into()],
            folded: vec![Fold {
                wildcard: "/css/*".into(),
                paths: 40,
            }],
            completed: None,
            error: None,
        }
    }

    #[test]
    fn a_diff_lists_every_path_and_what_was_folded() {
        assert_eq!(
            planned_text(&[sample(None)]),
            "invalidate on CloudFront E1 (3 paths):\n  ! /\n  ! /css/*\n  ! /index.html\n  folded 40 paths into /css/* (over [cdn] max_paths)\n"
        );
    }

    #[test]
    fn a_push_names_the_invalidation_and_each_failure_with_its_fix() {
        let mut failed_one = sample(None);
        failed_one.error = Some("the bucket changed, but … Fix: run `aws …`".into());
        let text = done_text(&[sample(Some("I2")), failed_one.clone()]);
        assert!(
            text.starts_with("invalidated 3 paths on CloudFront E1 (invalidation I2): /, /css/*, /index.html\n  folded 40 paths into /css/*"),
            "{text}"
        );
        assert!(
            text.ends_with("error: the bucket changed, but … Fix: run `aws …`\n"),
            "{text}"
        );
        assert!(failed(&[failed_one]));
        let md = markdown(&[sample(Some("I2"))]);
        assert!(
            md.contains("- `E1` `I2`: `/` `/css/*` `/index.html`"),
            "{md}"
        );
    }
}
