//! The rollback pipeline: read the record (one manifest, its intent), pick
//! the deploy to return to, read that deploy's record object, make the
//! pure rollback plan, and make sure every version it copies from is still
//! in the bucket. Nothing changes here, and nothing may start when some
//! bytes cannot be found: the error names the keys and the fix.

use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::{PipelineOptions, read_record};
use crate::config::Settings;
use crate::local;
use crate::plan::{self, Change, Plan, PlanOptions, Unrestorable};
use crate::pool::{self, Job};
use crate::progress::Observer;
use crate::record::history::{Deploy, DeployRecord, deploy_key};
use crate::record::intent::RemoteRecord;
use crate::record::manifest::Manifest;
use crate::store::{SharedStore, StoreError};

/// Everything known before a rollback changes anything.
pub struct RollbackPlanned {
    /// The record as read, and the effective manifest now.
    pub record: RemoteRecord,
    pub current: Arc<Manifest>,
    /// The deploy returned to.
    pub deploy: Deploy,
    pub plan: Plan,
    pub target: String,
    /// The time of this run, read once: the plan's and the deploy's.
    pub now: crate::clock::Stamp,
}

/// The deploy `id` names, or the one before the newest.
fn pick<'a>(history: &'a [Deploy], id: Option<&str>, target: &str) -> anyhow::Result<&'a Deploy> {
    if history.is_empty() {
        bail!(
            "{target} has no deploy history to roll back to: s3sync records one with each push that changes the bucket, unless [sync] history = 0. To return to an earlier build now, check it out and push it"
        );
    }
    match id {
        Some(id) => history.iter().find(|d| d.id == id).with_context(|| {
            format!(
                "{target} has no deploy {}; `s3sync log` lists the {} it keeps (newest: {})",
                crate::escape::for_terminal(id),
                history.len(),
                history.last().map_or("", |d| d.id.as_str())
            )
        }),
        None => match history.len() {
            1 => bail!(
                "{target} has only one deploy in its history ({}): there is none before it to roll back to. Name a deploy with `s3sync rollback ID` (`s3sync log` lists them)",
                history[0].id
            ),
            n => Ok(&history[n - 2]),
        },
    }
}

/// The error that stops a rollback whose bytes cannot all be found
/// (`bucket`: the S3 bucket, `None` for a `file://` target).
fn refusal(deploy: &Deploy, missing: &[Unrestorable], bucket: Option<&str>) -> anyhow::Error {
    let mut text = format!(
        "cannot roll back to deploy {}: the bytes of {} object(s) it holds cannot be found in the bucket, so nothing was changed:",
        deploy.id,
        missing.len()
    );
    for m in missing.iter().take(20) {
        let _ = write!(
            text,
            "\n  {}: {}",
            crate::escape::for_terminal(&m.key),
            m.why
        );
    }
    if missing.len() > 20 {
        let _ = write!(text, "\n  … and {} more", missing.len() - 20);
    }
    let build = deploy
        .commit
        .as_deref()
        .map_or_else(String::new, |c| format!(" (commit {c})"));
    let _ = write!(
        text,
        "\nFix: to return to that deploy now, check out its build{build} and push it."
    );
    let _ = match bucket {
        Some(bucket) => write!(
            text,
            " So that later deploys can be rolled back, enable versioning on the bucket (`aws s3api put-bucket-versioning --bucket {bucket} --versioning-configuration Status=Enabled`); s3sync records each object's version from the next push on"
        ),
        None => write!(
            text,
            " A file:// target keeps no earlier versions, so only deploys whose bytes are still there can be rolled back to"
        ),
    };
    anyhow::anyhow!(text)
}

/// Load the facts and plan the return to deploy `id` (default: the one
/// before the newest). Changes nothing.
pub async fn load_and_plan_rollback(
    settings: &Settings,
    store: &SharedStore,
    id: Option<&str>,
    observer: &Arc<dyn Observer>,
) -> anyhow::Result<RollbackPlanned> {
    let target = settings
        .destination
        .as_ref()
        .map(|d| d.display_url(&settings.prefix))
        .unwrap_or_default();
    let now = crate::clock::now()?;
    let record = read_record(store, settings, &PipelineOptions::default(), observer).await?;
    let Some(current) = record.effective() else {
        bail!("{target} has no s3sync record yet: there is nothing to roll back (push first)");
    };
    let deploy = pick(&current.deploys, id, &target)?.clone();
    let manifest_key = local::manifest_key(settings);
    let key = deploy_key(&manifest_key, &deploy.id);
    let url = format!("{}/{key}", store.describe());
    let fetched = store
        .get(&key)
        .await
        .with_context(|| format!("reading the deploy record {url}"))?
        .with_context(|| {
            format!(
                "the record of deploy {} ({url}) is missing, so s3sync cannot tell what it held: it cannot be rolled back to. Check out that build{} and push it",
                deploy.id,
                deploy
                    .commit
                    .as_deref()
                    .map_or_else(String::new, |c| format!(" (commit {c})"))
            )
        })?;
    let stored = DeployRecord::from_stored(&fetched.bytes)
        .map_err(|e| anyhow::anyhow!("the deploy record {url} cannot be used: {e}"))?;
    if stored.deploy.id != deploy.id {
        bail!(
            "the deploy record {url} is for deploy {}, not {}: it cannot be trusted. Check out that build and push it",
            stored.deploy.id,
            deploy.id
        );
    }
    // The same options a push plans with (the clock, keep_removed and the
    // fingerprint grace), so what the target lacks is retired like any
    // removal, never deleted at once when a grace applies.
    let options = PlanOptions {
        delete: settings.sync.delete,
        manifest_key,
        ..super::plan_options(settings, now)
    };
    let mut planned = plan::rollback(&current, &stored.manifest, &deploy.id, &options);
    if planned.missing.is_empty() {
        planned.missing = versions_gone(store, &planned.plan, settings.sync.jobs).await?;
    }
    if !planned.missing.is_empty() {
        let bucket = match &settings.destination {
            Some(crate::config::Destination::S3 { bucket }) => Some(bucket.as_str()),
            _ => None,
        };
        return Err(refusal(&deploy, &planned.missing, bucket));
    }
    Ok(RollbackPlanned {
        record,
        current,
        deploy,
        plan: planned.plan,
        target,
        now,
    })
}

/// The restores whose version is no longer in the bucket (HEAD of each
/// version, `jobs` at a time); the first error stops it.
async fn versions_gone(
    store: &SharedStore,
    plan: &Plan,
    jobs: usize,
) -> Result<Vec<Unrestorable>, StoreError> {
    let restores: Vec<(String, String)> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::Restore { version_id, .. } => Some((s.key.clone(), version_id.clone())),
            _ => None,
        })
        .collect();
    let mut gone = Vec::new();
    let mut failed = None;
    pool::run_bounded(
        restores,
        jobs,
        || true,
        |(key, version)| {
            let store = store.clone();
            Job::Run(async move {
                let exists = store.has_version(&key, &version).await;
                (key, version, exists)
            })
        },
        |(key, version, exists)| match exists {
            Ok(true) => ControlFlow::Continue(()),
            Ok(false) => {
                gone.push(Unrestorable {
                    key,
                    why: format!(
                        "its version {version} is no longer in the bucket (deleted, or expired by a lifecycle rule)"
                    ),
                });
                ControlFlow::Continue(())
            }
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        },
    )
    .await;
    if let Some(e) = failed {
        return Err(e);
    }
    gone.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(gone)
}
