//! `s3sync check`: before a deploy, check the local side (config, source
//! tree) and probe the target with the configured credentials. One result
//! per check, each failure with its fix.
//!
//! Every request is one the printed IAM policy (`s3sync policy`) allows:
//! reachability is a listing scoped to the prefix, never HeadBucket. With
//! a `[setup]` table, `bucket.rs` adds the bucket's settings (read-only,
//! skipped when these credentials cannot read them).

mod bucket;

use std::fmt::Write as _;

use super::{Exit, load_settings, tree_overrides};
use crate::cli::{GlobalArgs, TreeArgs};
use crate::config::Settings;
use crate::local;
use crate::pipeline;
use crate::record::manifest::{Headers, Manifest};
use crate::store::{Condition, ErrorKind, SharedStore, StoreError, Upload};
use crate::ui::Ui;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Ok,
    Fail,
    /// Not checked, and not a failure (say why in the detail).
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub mark: Mark,
    pub what: String,
    /// The error and its fix, for a failure; a detail otherwise.
    pub detail: Option<String>,
}

impl CheckResult {
    /// Passed or skipped: nothing to fix.
    pub fn ok(&self) -> bool {
        self.mark != Mark::Fail
    }
}

fn pass(what: impl Into<String>, detail: Option<String>) -> CheckResult {
    CheckResult {
        mark: Mark::Ok,
        what: what.into(),
        detail,
    }
}

fn failed(what: impl Into<String>, detail: impl Into<String>) -> CheckResult {
    CheckResult {
        mark: Mark::Fail,
        what: what.into(),
        detail: Some(detail.into()),
    }
}

fn fail(what: impl Into<String>, e: &StoreError) -> CheckResult {
    failed(what, e.message.clone())
}

/// The local side: the config's rules compile, and the source is a
/// readable folder with files to publish (and readable build manifests).
/// A config that names no source is skipped, not failed: `push SOURCE`
/// takes it on the command line, so a target-only config is legitimate.
pub fn local_checks(settings: &Settings) -> Vec<CheckResult> {
    let config = settings.config_file.as_ref().map_or_else(
        || "config (no config file: environment and defaults)".to_string(),
        |p| format!("config {}", p.display()),
    );
    let mut out = vec![match crate::local::rules::Rules::new(
        settings,
        crate::local::fingerprints::Hashed::default(),
    ) {
        Ok(_) => pass(config, None),
        Err(problems) => failed(config, problems.join("; ")),
    }];
    let Some(source) = &settings.source else {
        out.push(CheckResult {
            mark: Mark::Skip,
            what: "source".into(),
            detail: Some(
                "none configured, so not checked (set `source` in s3sync.toml, or pass SOURCE to push)"
                    .into(),
            ),
        });
        return out;
    };
    let what = format!("source {}", source.display());
    out.push(
        match crate::local::precompressed::published(source, settings) {
            Ok((mut scan, _)) => match local::rules_for(
                settings,
                source,
                scan.files.iter().map(|f| f.path.as_str()),
                &mut scan.warnings,
            ) {
                Ok(rules) => pass(
                    what,
                    Some(format!(
                        "{} files to publish{}, {}{}",
                        scan.files.len(),
                        match scan
                            .files
                            .iter()
                            .filter(|f| rules.is_hashed(&f.path))
                            .count()
                        {
                            0 => String::new(),
                            n => format!(" ({n} fingerprinted: the long cache)"),
                        },
                        humansize::format_size(
                            scan.files.iter().map(|f| f.size).sum::<u64>(),
                            humansize::DECIMAL
                        ),
                        scan.warnings
                            .iter()
                            .map(|w| format!("; warning: {w}"))
                            .collect::<String>()
                    )),
                ),
                Err(e) => failed(what, e.to_string()),
            },
            Err(e) => failed(what, e.to_string()),
        },
    );
    out
}

/// The probe's name when deletes are off (it matches `.s3sync-check-*`,
/// which `policy --public` keeps private).
const FIXED_PROBE: &str = ".s3sync-check-probe";

fn probe(key: &str, acl: Option<&str>) -> Upload {
    Upload::from_bytes(
        key,
        b"s3sync check probe: safe to delete\n".to_vec(),
        Headers {
            content_type: "text/plain; charset=utf-8".into(),
            acl: acl.map(str::to_string),
            ..Headers::default()
        },
    )
}

/// Run every check; stop early only where later checks cannot mean anything
/// (no bucket).
pub async fn run(settings: &Settings, store: &SharedStore) -> Vec<CheckResult> {
    let target = store.describe();
    let prefix = local::key_prefix(&settings.prefix);
    let local_settings = settings.clone();
    let mut out = tokio::task::spawn_blocking(move || local_checks(&local_settings))
        .await
        .unwrap_or_else(|e| vec![failed("source", format!("the check stopped: {e}"))]);
    if let Err(e) = store.bucket_exists(&prefix).await {
        out.push(fail(format!("{target} exists and is reachable"), &e));
        return out;
    }
    out.push(pass(format!("{target} exists and is reachable"), None));

    out.push(match store.list_page(&prefix).await {
        Ok(page) => pass(
            format!("can list {target}/{prefix}"),
            Some(format!(
                "{}{} objects on the first page",
                page.len(),
                if page.len() >= 1000 { "+" } else { "" }
            )),
        ),
        Err(e) => fail(format!("can list {target}/{prefix}"), &e),
    });

    let manifest_key = local::manifest_key(settings);
    out.push(match store.get(&manifest_key).await {
        Ok(None) => pass(
            "remote manifest",
            Some("none yet: the first push lists the prefix and reconciles".into()),
        ),
        Ok(Some(f)) => match Manifest::from_stored(&f.bytes) {
            Ok(m) => pass(
                "remote manifest",
                Some(format!("{} objects recorded", m.entries.len())),
            ),
            Err(e) => failed("remote manifest", format!("{manifest_key}: {e}")),
        },
        Err(e) => fail("can read the remote manifest", &e),
    });

    // With deletes on, a probe of its own is written and deleted. With
    // deletes off the printed policy grants no s3:DeleteObject, and a denied
    // request is noise for whoever watches the account: the probe goes to
    // one fixed key instead, overwritten by every check, never deleted.
    let delete_needed = settings.sync.delete;
    let (key, condition) = if delete_needed {
        (
            format!("{prefix}.s3sync-check-{}", crate::record::fresh_id()),
            Condition::Absent,
        )
    } else {
        (format!("{prefix}{FIXED_PROBE}"), Condition::Always)
    };
    let wrote = store.put(probe(&key, None), condition).await;
    let under = if prefix.is_empty() {
        "the root of the target".to_string()
    } else {
        prefix.clone()
    };
    out.push(match &wrote {
        Ok(_) => pass(format!("can write under {under}"), None),
        Err(e) => fail(format!("can write under {under}"), e),
    });
    if wrote.is_err() {
        return out;
    }
    if let Some(acl) = settings.objects.acl.header() {
        out.push(
            match store.put(probe(&key, Some(acl)), Condition::Always).await {
                Ok(_) => pass(format!("objects may carry the ACL {acl}"), None),
                Err(e) if e.kind == ErrorKind::AclNotSupported => {
                    fail(format!("objects may carry the ACL {acl}"), &e)
                }
                Err(e) => fail(
                    format!("objects may carry the ACL {acl}"),
                    &StoreError::new(
                        e.kind,
                        format!("{} (setting an ACL also needs s3:PutObjectAcl)", e.message),
                    ),
                ),
            },
        );
    } else {
        out.push(pass("no ACL is sent (default_acl = \"none\")", None));
    }
    if !delete_needed {
        out.push(pass(
            "deletes are off ([sync] delete = false)",
            Some(format!(
                "not tried (the policy needs no s3:DeleteObject); the probe {key} stays, overwritten by each check"
            )),
        ));
        return out;
    }
    let deleted = store.delete(std::slice::from_ref(&key)).await.remove(0);
    out.push(match deleted {
        Ok(()) => pass("can delete under the prefix", None),
        Err(e) => fail("can delete under the prefix ([sync] delete = true)", &e),
    });
    out
}

/// One line per check.
pub fn render(results: &[CheckResult]) -> String {
    let mut out = String::new();
    for r in results {
        let mark = match r.mark {
            Mark::Ok => "ok  ",
            Mark::Fail => "FAIL",
            Mark::Skip => "skip",
        };
        let _ = write!(out, "{mark} {}", r.what);
        if let Some(d) = &r.detail {
            let _ = write!(out, ": {d}");
        }
        out.push('\n');
    }
    let failed = results.iter().filter(|r| !r.ok()).count();
    if failed == 0 {
        out.push_str("all checks passed\n");
    } else {
        let _ = writeln!(out, "{failed} check(s) failed");
    }
    out
}

pub async fn command(global: &GlobalArgs, args: &TreeArgs, ui: Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &tree_overrides(global, args))?;
    let store = pipeline::open_store(&settings).await?;
    let mut results = crate::commands::check::run(&settings, &store).await;
    results.extend(bucket::checks(&settings).await);
    ui.out(&crate::commands::check::render(&results))?;
    Ok(
        if results.iter().all(crate::commands::check::CheckResult::ok) {
            Exit::Success
        } else {
            Exit::Error
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;
    use crate::store::memory::MemoryStore;
    use std::path::Path;
    use std::sync::Arc;

    fn settings() -> Settings {
        let lookup = |k: &str| (k == "S3SYNC_LOCATION").then(|| "static".to_string());
        Settings::resolve(&Overrides::default(), &lookup, None, Path::new("/")).unwrap()
    }

    #[tokio::test]
    async fn all_pass_on_a_working_store_and_the_probe_is_removed() {
        let store = Arc::new(MemoryStore::new());
        let shared: SharedStore = store.clone();
        let with_deletes = crate::config::settings_from_toml(
            "[storage]\nlocation = \"static\"\n[sync]\ndelete = true\n",
        );
        let results = run(&with_deletes, &shared).await;
        assert!(results.iter().all(CheckResult::ok), "{results:?}");
        assert_eq!(results.len(), 8);
        assert_eq!(results[1].mark, Mark::Skip, "no source configured");
        assert!(store.keys().is_empty(), "probe deleted");
        assert!(render(&results).ends_with("all checks passed\n"));
    }

    #[tokio::test]
    async fn with_deletes_off_no_delete_is_sent_and_one_fixed_probe_stays() {
        let store = Arc::new(MemoryStore::new());
        let shared: SharedStore = store.clone();
        for _ in 0..2 {
            let results = run(&settings(), &shared).await;
            assert!(results.iter().all(CheckResult::ok), "{results:?}");
            assert!(
                render(&results).contains("ok   deletes are off"),
                "{}",
                render(&results)
            );
        }
        let log = store.take_log();
        assert!(!log.iter().any(|op| op.starts_with("delete")), "{log:?}");
        assert_eq!(store.keys(), ["static/.s3sync-check-probe"]);
    }

    #[tokio::test]
    async fn a_refused_write_fails_and_stops_there() {
        let store = Arc::new(MemoryStore::new());
        store.fail_puts(
            "",
            StoreError::new(ErrorKind::AccessDenied, "access denied: s3:PutObject"),
        );
        let shared: SharedStore = store.clone();
        let results = run(&settings(), &shared).await;
        let last = results.last().unwrap();
        assert!(!last.ok());
        assert_eq!(last.what, "can write under static/");
        let text = render(&results);
        assert!(
            text.contains("FAIL can write under static/: access denied: s3:PutObject"),
            "{text}"
        );
        assert!(text.ends_with("1 check(s) failed\n"), "{text}");
    }

    fn with_source(source: &Path) -> Settings {
        let source = source.to_str().unwrap().to_string();
        let lookup = move |k: &str| match k {
            "S3SYNC_LOCATION" => Some("static".to_string()),
            "S3SYNC_SOURCE" => Some(source.clone()),
            _ => None,
        };
        Settings::resolve(&Overrides::default(), &lookup, None, Path::new("/")).unwrap()
    }

    #[tokio::test]
    async fn a_missing_source_fails_with_its_fix_while_the_target_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("build");
        let shared: SharedStore = Arc::new(MemoryStore::new());
        let results = run(&with_source(&missing), &shared).await;
        let text = render(&results);
        assert!(
            text.contains(&format!(
                "FAIL source {}: source folder {} does not exist",
                missing.display(),
                missing.display()
            )) && text.contains("did the build run?"),
            "{text}"
        );
        assert!(text.ends_with("1 check(s) failed\n"), "{text}");

        std::fs::create_dir(&missing).unwrap();
        let empty = render(&run(&with_source(&missing), &shared).await);
        assert!(empty.contains("has no files to publish"), "{empty}");

        std::fs::write(missing.join("app.css"), "body{}").unwrap();
        let results = run(&with_source(&missing), &shared).await;
        assert!(results.iter().all(CheckResult::ok), "{results:?}");
        assert_eq!(
            results[1].detail.as_deref(),
            Some("1 files to publish, 6 B")
        );
    }

    #[test]
    fn a_bad_rule_glob_fails_the_config_check() {
        let s =
            crate::config::settings_from_toml("[[rules]]\nmatch = \"css/[a\"\nacl = \"private\"\n");
        let results = local_checks(&s);
        assert_eq!(results[0].mark, Mark::Fail);
        assert!(
            results[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("bad glob 'css/[a'"),
            "{results:?}"
        );
    }
}
