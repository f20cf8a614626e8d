//! CloudFront invalidation computed from the plan. The keys whose cached
//! copies go stale ([`stale_keys`]: changed, re-headered, deleted, pruned;
//! never new keys or retirements) become viewer paths through each origin
//! that serves the bucket (`paths.rs`), are folded to the budget
//! (`fold.rs`), and one invalidation per distribution is created, retried
//! while CloudFront has too many in progress, and with `--wait` followed
//! until it completes. The distributions are read (and an origin for the
//! bucket required) before anything changes: [`Invalidator::prepare`].

pub mod fold;
pub mod paths;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

use crate::apply::{Applied, Status};
use crate::config::{Destination, Settings};
use crate::plan::{Action, Plan};
use crate::progress::{Event, Observer};
use crate::store::cloudfront::{Cdn, CdnErrorKind, CloudFront, Origin};

pub use fold::Fold;

/// A distribution and those of its origins that serve the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub distribution: String,
    pub origins: Vec<Origin>,
}

/// One invalidation: as planned (`id` is `None`) or as created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invalidation {
    pub distribution: String,
    pub id: Option<String>,
    /// The paths, percent-encoded as sent.
    pub paths: Vec<String>,
    /// The wildcards that replaced paths past `[cdn] max_paths`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub folded: Vec<Fold>,
    /// With `--wait`: whether it completed in time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    /// Why it could not be created (or followed), with the fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Waits between tries (injected, so tests never sleep).
#[async_trait]
pub trait Sleeper: Send + Sync {
    async fn sleep(&self, duration: Duration);
}

/// The real clock's sleep.
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// The keys whose cached copies are stale once `plan` is applied (or, with
/// `applied`, once what landed did): changed, re-headered, deleted and
/// pruned keys, every key a rollback copies back (a key the current
/// record only holds as pending was still served before), and every key an
/// interrupted run left unsettled (it may have published new bytes and
/// never invalidated them). A new key was never cached; a retired one is
/// untouched.
pub fn stale_keys<'a>(plan: &'a Plan, applied: Option<&Applied>) -> Vec<&'a str> {
    plan.steps
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(s.change, crate::plan::Change::Restore { .. })
                || matches!(
                    s.action(),
                    Action::Changed | Action::Headers | Action::Delete | Action::Prune
                )
                || plan.unsettled.contains(&s.key)
        })
        .filter(|(i, s)| {
            // An unsettled key whose bytes are already right was published
            // by the interrupted run, which never invalidated it.
            (s.action() == Action::Unchanged && plan.unsettled.contains(&s.key))
                || applied.is_none_or(|a| {
                    a.outcomes
                        .get(*i)
                        .is_some_and(|o| o.status == Status::Done || o.maybe_landed)
                })
        })
        .map(|(_, s)| s.key.as_str())
        .collect()
}

/// Read each distribution's origins and keep those that serve `bucket`;
/// a distribution with none is refused (naming it and the fix).
pub async fn targets(
    cdn: &dyn Cdn,
    distributions: &[String],
    bucket: &str,
) -> anyhow::Result<Vec<Target>> {
    let mut out = Vec::new();
    for distribution in distributions {
        let origins = cdn.origins(distribution).await?;
        let (serving, others): (Vec<Origin>, Vec<Origin>) = origins
            .into_iter()
            .partition(|o| paths::serves_bucket(&o.domain, bucket));
        if serving.is_empty() {
            let listed: Vec<String> = others
                .iter()
                .map(|o| format!("{} ({})", o.id, o.domain))
                .collect();
            anyhow::bail!(
                "CloudFront distribution {distribution} has no origin for bucket {bucket} (its origins: {}), so s3sync cannot tell which paths to invalidate. Nothing was changed. Fix: make the bucket an origin of the distribution ({bucket}.s3.REGION.amazonaws.com, or its website endpoint), or remove {distribution} from [cdn] cloudfront_distribution_id / --cloudfront",
                crate::escape::for_terminal(&if listed.is_empty() {
                    "none".to_string()
                } else {
                    listed.join(", ")
                })
            );
        }
        out.push(Target {
            distribution: distribution.clone(),
            origins: serving,
        });
    }
    Ok(out)
}

/// The invalidations of `keys` on each target, folded to `max_paths`:
/// one per distribution (more only past CloudFront's limits), none for a
/// distribution that no key reaches.
pub fn invalidations(targets: &[Target], keys: &[&str], max_paths: usize) -> Vec<Invalidation> {
    let mut out = Vec::new();
    for target in targets {
        let all: BTreeSet<String> = keys
            .iter()
            .flat_map(|k| {
                target
                    .origins
                    .iter()
                    .flat_map(move |o| paths::invalidation_paths(k, &o.path))
            })
            .collect();
        if all.is_empty() {
            continue;
        }
        let folded = fold::fold(&all, max_paths);
        let batches = fold::batches(&folded.paths);
        for (i, batch) in batches.into_iter().enumerate() {
            out.push(Invalidation {
                distribution: target.distribution.clone(),
                id: None,
                paths: batch,
                folded: if i == 0 {
                    folded.folds.clone()
                } else {
                    Vec::new()
                },
                completed: None,
                error: None,
            });
        }
    }
    out
}

/// The waits between tries: 1 s doubling to 30 s, while their sum stays
/// within `budget`.
fn delays(budget: Duration) -> impl Iterator<Item = Duration> {
    let mut spent = Duration::ZERO;
    (0u32..).map_while(move |n| {
        let delay = Duration::from_secs(1u64 << n.min(5)).min(Duration::from_secs(30));
        spent += delay;
        (spent <= budget).then_some(delay)
    })
}

/// The command that does by hand what a failed invalidation did not.
fn by_hand(invalidation: &Invalidation) -> String {
    let paths: Vec<String> = invalidation
        .paths
        .iter()
        .map(|p| format!("'{}'", p.replace('\'', "'\\''")))
        .collect();
    format!(
        "aws cloudfront create-invalidation --distribution-id {} --paths {}",
        invalidation.distribution,
        paths.join(" ")
    )
}

/// Create each invalidation (retrying while CloudFront has too many in
/// progress, within `budget`), and with `wait` follow it until it has
/// completed (within `budget` too). Failures are recorded in each
/// invalidation's `error`, with the fix.
pub async fn create(
    cdn: &dyn Cdn,
    sleeper: &dyn Sleeper,
    planned: Vec<Invalidation>,
    wait: bool,
    budget: Duration,
) -> Vec<Invalidation> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let mut out = Vec::with_capacity(planned.len());
    for (i, mut inv) in planned.into_iter().enumerate() {
        let reference = format!("s3sync-{stamp}-{}-{i}", std::process::id());
        let mut waits = delays(budget);
        let created = loop {
            match cdn
                .create_invalidation(&inv.distribution, &inv.paths, &reference)
                .await
            {
                Err(e) if e.kind == CdnErrorKind::TooMany => match waits.next() {
                    Some(d) => sleeper.sleep(d).await,
                    None => {
                        break Err(format!(
                            "{} (still after {} s)",
                            e.message,
                            budget.as_secs()
                        ));
                    }
                },
                other => break other.map_err(|e| e.message),
            }
        };
        match created {
            Ok(id) => inv.id = Some(id),
            Err(e) => {
                inv.error = Some(format!(
                    "the bucket changed, but the CloudFront invalidation was not created: {e}. Fix: once the cause is fixed, run `{}`",
                    by_hand(&inv)
                ));
            }
        }
        if wait && let Some(id) = inv.id.clone() {
            let mut waits = delays(budget);
            let done = loop {
                match cdn.invalidation_done(&inv.distribution, &id).await {
                    Ok(true) => break Ok(true),
                    Ok(false) => match waits.next() {
                        Some(d) => sleeper.sleep(d).await,
                        None => break Ok(false),
                    },
                    Err(e) => break Err(e.message),
                }
            };
            match done {
                Ok(true) => inv.completed = Some(true),
                Ok(false) => {
                    inv.completed = Some(false);
                    inv.error = Some(format!(
                        "invalidation {id} on CloudFront distribution {} has not completed after {} s ([sync] timeout); it goes on. Fix: `aws cloudfront wait invalidation-completed --distribution-id {} --id {id}` waits for it, or raise [sync] timeout",
                        inv.distribution,
                        budget.as_secs(),
                        inv.distribution
                    ));
                }
                Err(e) => {
                    inv.error = Some(format!(
                        "invalidation {id} was created, but its progress cannot be read: {e}. Fix: `aws cloudfront get-invalidation --distribution-id {} --id {id}` shows it",
                        inv.distribution
                    ));
                }
            }
        }
        out.push(inv);
    }
    out
}

/// The distributions of a run, read before anything changes, and the
/// client that invalidates on them afterwards.
pub struct Invalidator {
    cdn: Arc<dyn Cdn>,
    targets: Vec<Target>,
    max_paths: usize,
    budget: Duration,
}

impl Invalidator {
    /// When the settings name distributions and `keys` (what the plan
    /// makes stale) is not empty: connect and read each distribution, so a
    /// distribution without an origin for the bucket stops the run before
    /// anything changes. `None`: nothing to invalidate (or a `file://`
    /// target, with a warning).
    pub async fn prepare(
        settings: &Settings,
        keys: &[&str],
        observer: &Arc<dyn Observer>,
    ) -> anyhow::Result<Option<Self>> {
        if settings.cdn.distributions.is_empty() || keys.is_empty() {
            return Ok(None);
        }
        let Some(Destination::S3 { bucket }) = &settings.destination else {
            observer.event(Event::Warning(
                "[cdn] is ignored for a file:// target: CloudFront serves buckets",
            ));
            return Ok(None);
        };
        let cdn = CloudFront::connect(&settings.s3, settings.cdn.endpoint_url.as_deref()).await?;
        let targets = targets(&cdn, &settings.cdn.distributions, bucket).await?;
        Ok(Some(Self {
            cdn: Arc::new(cdn),
            targets,
            max_paths: settings.cdn.max_paths,
            budget: settings.s3.retry.timeout,
        }))
    }

    /// The invalidations `keys` need (for `diff`, and before creating).
    pub fn plan(&self, keys: &[&str]) -> Vec<Invalidation> {
        invalidations(&self.targets, keys, self.max_paths)
    }

    /// After a run: invalidate what landed (or may have) of `plan`, on the
    /// CDN when one is configured; nothing otherwise.
    pub async fn after(
        invalidator: Option<&Self>,
        plan: &Plan,
        applied: &Applied,
        wait: bool,
    ) -> Vec<Invalidation> {
        match invalidator {
            Some(i) => i.invalidate(&stale_keys(plan, Some(applied)), wait).await,
            None => Vec::new(),
        }
    }

    /// Create the invalidations `keys` need; with `wait`, follow them
    /// until they complete (within `[sync] timeout`).
    pub async fn invalidate(&self, keys: &[&str], wait: bool) -> Vec<Invalidation> {
        create(
            self.cdn.as_ref(),
            &TokioSleeper,
            self.plan(keys),
            wait,
            self.budget,
        )
        .await
    }
}

#[cfg(test)]
mod tests;
