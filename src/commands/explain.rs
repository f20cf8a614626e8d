//! `s3sync explain PATH`: what one file (or `[[redirects]]` entry) would be
//! stored as, and why.

use std::fmt::Write as _;
use std::path::Path;

use super::{Exit, load_settings, tree_overrides};
use crate::cli::{ExplainArgs, GlobalArgs};
use crate::config::Overrides;
use crate::config::Settings;
use crate::local::globs::GlobList;
use crate::local::precompressed::Skipped;
use crate::local::scan::Scan;
use crate::local::scan_error::ScanError;
use crate::local::{self, LocalError};
use crate::ui::Ui;

/// Why a path is left out of the publish, if it is.
fn excluded(settings: &Settings, path: &str) -> Result<Option<String>, LocalError> {
    let filter = &settings.filter;
    let include = GlobList::new(&filter.include).map_err(LocalError::Rules)?;
    let exclude = GlobList::new(&filter.exclude).map_err(LocalError::Rules)?;
    let name = path.rsplit('/').next().unwrap_or(path);
    Ok(if name == ".DS_Store" {
        Some(".DS_Store files are never published".into())
    } else if !filter.include_hidden && path.split('/').any(|s| s.starts_with('.')) {
        Some(
            "hidden (a path segment starts with '.'); set include_hidden = true to publish it"
                .into(),
        )
    } else if !include.is_empty() && !include.is_match(path) {
        Some("not matched by any `include` glob".into())
    } else if exclude.is_match(path) {
        Some("matched by an `exclude` glob".into())
    } else {
        None
    })
}

/// Why the walk would not publish `path` (a link out of the source, a
/// special file, a link to a hidden or excluded file, a precompressed copy
/// of a published file), if it would not:
/// the scan itself is asked, so `explain` and `push` cannot disagree.
fn skipped_by_scan(settings: &Settings, path: &str) -> Option<String> {
    let source = settings.source.as_ref()?;
    skipped_in(
        &crate::local::precompressed::published(source, settings),
        path,
    )
}

/// [`skipped_by_scan`] on a scan already made.
fn skipped_in(scanned: &Result<(Scan, Vec<Skipped>), ScanError>, path: &str) -> Option<String> {
    match scanned {
        Err(e) => Some(format!("the push would stop: {e}")),
        Ok((scan, _)) if scan.files.iter().any(|f| f.path == path) => None,
        Ok((_, skipped)) if let Some(s) = skipped.iter().find(|s| s.path == path) => {
            Some(s.reason())
        }
        Ok((scan, _)) => Some(
            scan.warnings
                .iter()
                .find(|w| w.contains(&format!("/{path}")))
                .cloned()
                .unwrap_or_else(|| "the walk of the source skips it".into()),
        ),
    }
}

/// Why `path` (relative to the source) would not be published by a push, if
/// it would not: missing, excluded, hidden, or skipped by the walk. `None`
/// also when no source is configured (nothing to check against), and for
/// the `from` of a `[[redirects]]` entry (its object is published).
pub fn not_published(settings: &Settings, path: &str) -> Result<Option<String>, LocalError> {
    let Some(source) = settings.source.as_ref() else {
        return Ok(None);
    };
    if local::redirects::find(settings, path).is_some() {
        return Ok(None);
    }
    if !source.join(path).is_file() {
        return Ok(Some(format!("no such file in {}", source.display())));
    }
    Ok(excluded(settings, path)?.or_else(|| skipped_by_scan(settings, path)))
}

/// The explanation as text. `path` is relative to the source: a file of
/// the source, or the `from` of a `[[redirects]]` entry.
pub fn explain(settings: &Settings, path: &str) -> Result<String, LocalError> {
    let source = settings.source.as_ref().ok_or(LocalError::NoSource)?;
    let file = source.join(path);
    let redirect = local::redirects::find(settings, path);
    if redirect.is_none() && !file.is_file() {
        return Err(LocalError::Read {
            path: file,
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file in the source, and no [[redirects]] entry has this `from` (give a path relative to the source)",
            ),
        });
    }
    let mut warnings = Vec::new();
    // The name rule looks at the folder's other names: the ones a push
    // would publish.
    let scanned = crate::local::precompressed::published(source, settings);
    let paths = scanned
        .iter()
        .flat_map(|(scan, _)| scan.files.iter().map(|f| f.path.as_str()))
        .chain([path]);
    let rules = local::rules_for(settings, Path::new(source), paths, &mut warnings)?;
    let spec = match redirect {
        Some(r) => local::redirects::spec(&rules, r),
        None => rules.resolve(path),
    };
    let h = &spec.headers;
    let mut out = String::new();
    let mut line = |label: &str, value: &str| {
        let _ = writeln!(out, "{label:<20}{value}");
    };
    line("path", path);
    let unpublished = match redirect {
        Some(r) if file.is_file() => Some(format!(
            "the push stops: it is also a file in the source ({}); remove the file or the [[redirects]] at {}",
            crate::escape::path(&file),
            r.origin
        )),
        Some(_) => None,
        None => excluded(settings, path)?.or_else(|| skipped_in(&scanned, path)),
    };
    if let Some(why) = unpublished {
        line("published", &format!("no: {why}"));
    }
    line("key", &local::key_for(&settings.prefix, path));
    if let Some(r) = redirect {
        line(
            "redirect",
            &format!("{} ([[redirects]] at {})", r.to, r.origin),
        );
        line(
            "object",
            "zero bytes with x-amz-website-redirect-location: S3's website endpoint answers 301 with that Location",
        );
    }
    line("content type", &h.content_type);
    line(
        "content encoding",
        &format!(
            "{} ({})",
            h.content_encoding.as_deref().unwrap_or("none"),
            spec.encoding_reason
        ),
    );
    line(
        "cache control",
        &format!(
            "{} ({})",
            h.cache_control.as_deref().unwrap_or("none"),
            spec.cache_control_from
        ),
    );
    line("acl", h.acl.as_deref().unwrap_or("none (no ACL header)"));
    let metadata: Vec<String> = h.metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
    line(
        "metadata",
        &if metadata.is_empty() {
            "none".to_string()
        } else {
            metadata.join(", ")
        },
    );
    if let Some(v) = &h.content_disposition {
        line("content disposition", v);
    }
    if let Some(v) = &h.content_language {
        line("content language", v);
    }
    if let Some(v) = &h.storage_class {
        line("storage class", v);
    }
    line("rule", spec.rule.as_deref().unwrap_or("none matched"));
    if redirect.is_none() {
        line(
            "hashed",
            &match (&spec.hashed_by, &spec.source_map_of) {
                (Some(by), Some(bundle)) => format!(
                    "yes, source map of {bundle}, a hashed file ({by}): it changes only with that file"
                ),
                (Some(by), None) => format!("yes: {by}"),
                (None, _) => "no".to_string(),
            },
        );
    }
    for w in &warnings {
        line("warning", w);
    }
    Ok(out)
}

/// The overrides `explain` runs with: SOURCE (or the older `--source`)
/// and `--to`.
pub fn overrides(global: &GlobalArgs, args: &ExplainArgs) -> Overrides {
    let mut overrides = tree_overrides(global, &args.tree);
    overrides.source = overrides.source.or_else(|| args.source_flag.clone());
    overrides
}

pub fn command(global: &GlobalArgs, args: &ExplainArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &overrides(global, args))?;
    let path = crate::urls::source_relative(settings.source.as_deref(), &args.path);
    ui.out(&crate::commands::explain::explain(&settings, &path)?)?;
    Ok(Exit::Success)
}
