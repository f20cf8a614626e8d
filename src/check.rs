//! `s3sync check`: before a deploy, probe the target with the configured
//! credentials. One result per check, each failure with its fix.

use std::fmt::Write as _;

use crate::config::Settings;
use crate::local;
use crate::manifest::{Headers, Manifest};
use crate::store::{Condition, ErrorKind, SharedStore, StoreError, Upload};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub ok: bool,
    pub what: String,
    /// The error and its fix, for a failure; a detail for a success.
    pub detail: Option<String>,
}

fn pass(what: impl Into<String>, detail: Option<String>) -> CheckResult {
    CheckResult {
        ok: true,
        what: what.into(),
        detail,
    }
}

fn fail(what: impl Into<String>, e: &StoreError) -> CheckResult {
    CheckResult {
        ok: false,
        what: what.into(),
        detail: Some(e.message.clone()),
    }
}

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
    let prefix = if settings.prefix.is_empty() {
        String::new()
    } else {
        format!("{}/", settings.prefix)
    };
    let mut out = Vec::new();
    if let Err(e) = store.bucket_exists().await {
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
            Err(e) => CheckResult {
                ok: false,
                what: "remote manifest".into(),
                detail: Some(format!("{manifest_key}: {e}")),
            },
        },
        Err(e) => fail("can read the remote manifest", &e),
    });

    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let key = format!("{prefix}.s3sync-check-{}-{nonce}", std::process::id());
    let wrote = store.put(probe(&key, None), Condition::Absent).await;
    out.push(match &wrote {
        Ok(_) => pass(format!("can write under {prefix}"), None),
        Err(e) => fail(format!("can write under {prefix}"), e),
    });
    if wrote.is_err() {
        return out;
    }
    if let Some(acl) = settings.objects.acl.header() {
        out.push(
            match store.put(probe(&key, Some(acl)), Condition::None).await {
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
    let deleted = store.delete(std::slice::from_ref(&key)).await.remove(0);
    let delete_needed = settings.sync.delete;
    out.push(match deleted {
        Ok(()) => pass("can delete under the prefix", None),
        Err(e) if !delete_needed => CheckResult {
            ok: true,
            what: "can delete under the prefix".into(),
            detail: Some(format!(
                "no, but deletes are off; the probe {key} was left behind ({})",
                e.message
            )),
        },
        Err(e) => fail("can delete under the prefix ([sync] delete = true)", &e),
    });
    out
}

/// One line per check.
pub fn render(results: &[CheckResult]) -> String {
    let mut out = String::new();
    for r in results {
        let mark = if r.ok { "ok  " } else { "FAIL" };
        let _ = write!(out, "{mark} {}", r.what);
        if let Some(d) = &r.detail {
            let _ = write!(out, ": {d}");
        }
        out.push('\n');
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    if failed == 0 {
        out.push_str("all checks passed\n");
    } else {
        let _ = writeln!(out, "{failed} check(s) failed");
    }
    out
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
        let results = run(&settings(), &shared).await;
        assert!(results.iter().all(|r| r.ok), "{results:?}");
        assert_eq!(results.len(), 6);
        assert!(store.keys().is_empty(), "probe deleted");
        assert!(render(&results).ends_with("all checks passed\n"));
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
        assert!(!last.ok);
        assert_eq!(last.what, "can write under static/");
        let text = render(&results);
        assert!(
            text.contains("FAIL can write under static/: access denied: s3:PutObject"),
            "{text}"
        );
        assert!(text.ends_with("1 check(s) failed\n"), "{text}");
    }
}
