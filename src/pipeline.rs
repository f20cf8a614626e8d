//! The push pipeline, in its order: load the facts (the local tree, the
//! remote record, a listing when needed), make the pure plan, check the
//! guards, then apply. `diff` stops after the plan (`load_and_plan`); `push`
//! goes on (`guard_and_apply`). `prune` plans from the record alone
//! (`prune::load_and_plan`) and `rollback` plans the return to an earlier
//! deploy; both are then applied the same way.

pub mod destroy;
pub mod prune;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::sync::Arc;

use anyhow::{Context, bail};

use crate::apply::{self, Applied, ApplyOptions, Base, DeployOptions, UploadOptions};
use crate::config::{Destination, Settings};
use crate::local::globs::GlobList;
use crate::local::{self, LocalTree};
use crate::plan::{self, Action, Plan, PlanOptions, RemoteObject, RemoteState};
use crate::pool::{self, Job};
use crate::progress::{Event, Observer};
use crate::record::intent::{self, Intent, RemoteRecord};
use crate::record::manifest::Manifest;
use crate::store::dir::DirStore;
use crate::store::s3::S3Store;
use crate::store::{ConditionalRead, SharedStore, StoreError};

mod rollback;

pub use rollback::{RollbackPlanned, load_and_plan_rollback};

/// What the user asked for besides the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineOptions {
    pub force: bool,
    pub verify: bool,
    pub delete_foreign: bool,
    /// The time of this run ([`crate::clock::now`], read once).
    pub now: crate::clock::Stamp,
}

/// The facts loaded and the plan made from them: everything known before
/// anything changes.
pub struct Planned {
    pub tree: LocalTree,
    pub remote: RemoteState,
    /// The manifest and intent objects as stored.
    pub record: RemoteRecord,
    pub plan: Plan,
    pub target: String,
    pub timings: Timings,
    /// The command the plan is for (`push` or `prune`), for messages.
    pub command: &'static str,
    /// The time of this run, read once: the plan's and the deploy's.
    pub now: crate::clock::Stamp,
}

/// How long each stage of `load_and_plan` took (shown with `-v`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Walk, hash (or hash cache) and rules.
    pub local: std::time::Duration,
    /// Reading the record (and listing, when needed).
    pub remote: std::time::Duration,
    pub plan: std::time::Duration,
}

impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "local tree {:.3} s, remote record {:.3} s, plan {:.3} s",
            self.local.as_secs_f64(),
            self.remote.as_secs_f64(),
            self.plan.as_secs_f64()
        )
    }
}

/// Open the configured target.
pub async fn open_store(settings: &Settings) -> anyhow::Result<SharedStore> {
    match &settings.destination {
        Some(Destination::S3 { bucket }) => {
            Ok(Arc::new(S3Store::connect(bucket, &settings.s3).await?))
        }
        Some(Destination::Dir { root }) => Ok(Arc::new(DirStore::new(root.clone()))),
        None => Err(crate::config::ConfigError::NoTarget.into()),
    }
}

/// Read one record object (the manifest or the intent) unless it still has
/// the ETag `unless`, and parse it. An unreadable one stops the push unless
/// `--verify` rebuilds the record from a listing anyway. Returns the content
/// (`None`: missing, unchanged or ignored) and the ETag.
async fn read_record_object<T>(
    store: &SharedStore,
    key: &str,
    unless: Option<&str>,
    what: &str,
    parse: fn(&[u8]) -> Result<T, crate::record::manifest::ManifestError>,
    options: &PipelineOptions,
    observer: &Arc<dyn Observer>,
) -> anyhow::Result<(Option<T>, Option<String>)> {
    let target = store.describe();
    let read = store
        .get_unless(key, unless)
        .await
        .with_context(|| format!("reading the remote {what} {target}/{key}"))?;
    match read {
        ConditionalRead::Missing => Ok((None, None)),
        ConditionalRead::Unchanged => Ok((None, unless.map(str::to_string))),
        ConditionalRead::Fetched(f) => match parse(&f.bytes) {
            Ok(m) => Ok((Some(m), Some(f.etag))),
            Err(e) if options.verify => {
                observer.event(Event::Warning(&format!(
                    "ignoring the remote {what} {target}/{key}: {e}"
                )));
                Ok((None, Some(f.etag)))
            }
            Err(e) => bail!("the remote {what} {target}/{key} cannot be used: {e}"),
        },
    }
}

/// Read the remote record: the manifest, then the intent object unless it
/// is the one the manifest settled (then it costs a request, no body).
pub async fn read_record(
    store: &SharedStore,
    settings: &Settings,
    options: &PipelineOptions,
    observer: &Arc<dyn Observer>,
) -> anyhow::Result<RemoteRecord> {
    let key = local::manifest_key(settings);
    let (manifest, manifest_etag) = read_record_object(
        store,
        &key,
        None,
        "manifest",
        Manifest::from_stored,
        options,
        observer,
    )
    .await?;
    let settled = manifest.as_ref().and_then(|m| m.settled.clone());
    let (intent, intent_etag) = read_record_object(
        store,
        &intent::intent_key(&key),
        settled.as_deref(),
        "intent record",
        Intent::from_stored,
        options,
        observer,
    )
    .await?;
    Ok(RemoteRecord {
        manifest: manifest.map(Arc::new),
        manifest_etag,
        intent,
        intent_etag,
    })
}

/// Read the remote record; list (and HEAD where the bytes match) when
/// there is none or `--verify` asks for it.
async fn read_remote(
    store: &SharedStore,
    settings: &Settings,
    tree: &LocalTree,
    options: &PipelineOptions,
    observer: &Arc<dyn Observer>,
) -> anyhow::Result<(RemoteState, RemoteRecord, BTreeMap<String, String>)> {
    let target = store.describe();
    let record = read_record(store, settings, options, observer).await?;
    let manifest = record.effective();
    let unattributed = record.unattributed().len();
    if unattributed > 0 && manifest.is_some() {
        observer.event(Event::Warning(&format!(
            "an interrupted push (or a hand-edited intent record) named {unattributed} key(s) the manifest does not record; s3sync lists the prefix and reports them as foreign (kept; `--delete --delete-foreign` removes them)"
        )));
    }
    // `--delete-foreign` needs to see what is in the bucket, manifest or
    // not; so does an intent naming keys the manifest does not record.
    if !options.verify && !options.delete_foreign && unattributed == 0 && manifest.is_some() {
        return Ok((
            RemoteState {
                manifest,
                listing: None,
            },
            record,
            BTreeMap::new(),
        ));
    }
    let key_prefix = local::key_prefix(&settings.prefix);
    let listed = store
        .list(&key_prefix)
        .await
        .with_context(|| format!("listing {target}/{key_prefix}"))?;
    let mut listing: BTreeMap<String, RemoteObject> = listed
        .into_iter()
        .map(|l| {
            (
                l.key,
                RemoteObject {
                    size: l.size,
                    etag: l.etag,
                    headers: None,
                },
            )
        })
        .collect();
    // Keys whose bytes must be compared by ETag: present locally and in the
    // bucket, and not vouched for by a manifest entry with the same ETag.
    let needs: BTreeSet<String> = tree
        .manifest
        .entries
        .keys()
        .filter(|k| {
            listing.get(*k).is_some_and(|o| {
                manifest
                    .as_ref()
                    .and_then(|m| m.entries.get(*k))
                    .and_then(|e| e.etag.as_ref())
                    != Some(&o.etag)
            })
        })
        .cloned()
        .collect();
    let sources = tree.sources.clone();
    let level = settings.gzip.level;
    let etags = tokio::task::spawn_blocking(move || local::stored_etags(&sources, &needs, level))
        .await
        .expect("etag task panicked")?;
    // Same bytes: fetch headers to see whether only they differ.
    let same: Vec<String> = etags
        .iter()
        .filter(|(k, e)| listing.get(*k).is_some_and(|o| &o.etag == *e))
        .map(|(k, _)| k.clone())
        .collect();
    for (key, headers) in head_all(store, same, settings.sync.jobs).await? {
        if let Some(o) = listing.get_mut(&key) {
            o.headers = headers;
        }
    }
    Ok((
        RemoteState {
            manifest,
            listing: Some(listing),
        },
        record,
        etags,
    ))
}

/// HEAD each of `keys`, `jobs` at a time: their headers (`None`: gone
/// since the listing). The first error stops it.
async fn head_all(
    store: &SharedStore,
    keys: Vec<String>,
    jobs: usize,
) -> Result<Vec<(String, Option<crate::record::manifest::Headers>)>, StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    let mut failed = None;
    pool::run_bounded(
        keys,
        jobs,
        || true,
        |key| {
            let store = store.clone();
            Job::Run(async move {
                let headers = store.head(&key).await;
                (key, headers)
            })
        },
        |(key, headers)| match headers {
            Ok(headers) => {
                out.push((key, headers));
                ControlFlow::Continue(())
            }
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        },
    )
    .await;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Load the facts (scan, hash, read the remote state) and plan. Changes
/// nothing.
pub async fn load_and_plan(
    settings: &Settings,
    store: &SharedStore,
    options: &PipelineOptions,
    observer: &Arc<dyn Observer>,
) -> anyhow::Result<Planned> {
    let started = std::time::Instant::now();
    let build_settings = settings.clone();
    let build_observer = observer.clone();
    let tree = tokio::task::spawn_blocking(move || local::build(&build_settings, &build_observer))
        .await
        .expect("scan task panicked")?;
    let local_done = std::time::Instant::now();
    let (remote, record, local_etags) =
        read_remote(store, settings, &tree, options, observer).await?;
    let mut tree = tree;
    // The manifest as stored, not the effective one: a key an interrupted
    // push left pending keeps, there, the bytes it was published with.
    demote(&mut tree, record.manifest.as_deref(), observer);
    let remote_done = std::time::Instant::now();
    let plan = plan::plan(
        &tree.manifest,
        &local_etags,
        &remote,
        &PlanOptions {
            delete: settings.sync.delete,
            delete_foreign: options.delete_foreign,
            force: options.force,
            ..plan_options(settings, options.now)
        },
    );
    let timings = Timings {
        local: local_done - started,
        remote: remote_done - local_done,
        plan: remote_done.elapsed(),
    };
    Ok(Planned {
        timings,
        tree,
        remote,
        record,
        plan,
        target: target_url(settings),
        command: "push",
        now: options.now,
    })
}

/// Demote the fingerprints whose bytes changed under their names since
/// `recorded` (`plan::demotion`), with a warning for each.
fn demote(tree: &mut local::LocalTree, recorded: Option<&Manifest>, observer: &Arc<dyn Observer>) {
    let unhashed = tree
        .fingerprints
        .iter()
        .map(|(key, (_, headers))| (key, headers));
    for d in plan::demote(&mut tree.manifest, unhashed, recorded) {
        let Some((by, _)) = tree.fingerprints.get(&d.key) else {
            continue;
        };
        observer.event(Event::Warning(&format!(
            "{} is not a fingerprint: its bytes changed under the same name (it was taken for one because {by}). It gets the short Cache-Control from now on and is replaced like any changed file; browsers that cached the old bytes as immutable keep them until they expire. Give changed content a new name; if it is meant to change in place, {}",
            d.path,
            by.opt_out(&d.path)
        )));
    }
}

/// The target as people read it (`s3://bucket/prefix`).
fn target_url(settings: &Settings) -> String {
    settings
        .destination
        .as_ref()
        .map(|d| d.display_url(&settings.prefix))
        .unwrap_or_default()
}

/// The plan options every command shares: the record's keys, the time of
/// the run and the retention settings (no deletes, no force).
fn plan_options(settings: &Settings, now: crate::clock::Stamp) -> PlanOptions {
    PlanOptions {
        manifest_key: local::manifest_key(settings),
        key_prefix: local::key_prefix(&settings.prefix),
        now,
        keep_removed: settings.sync.keep_removed,
        fingerprint_grace: crate::config::KEEP_REMOVED_FINGERPRINTS,
        ..PlanOptions::default()
    }
}

/// Refuse, before anything changes, a plan that deletes more than allowed
/// (deletes and prunes of this run together). `command` is `push` or
/// `prune`.
pub fn check_guards(settings: &Settings, plan: &Plan, command: &str) -> anyhow::Result<()> {
    let deletes = plan.deletes();
    if let Some(max) = settings.sync.max_deletes
        && deletes as u64 > max
    {
        let pruned = plan.count(Action::Prune);
        let hint = if command == "prune" {
            "See the list with `s3sync prune --dry-run`"
        } else {
            "Check that the source is the complete build (run `s3sync diff --delete` to see the list)"
        };
        let of_which = if pruned > 0 && pruned < deletes {
            format!(" ({pruned} of them retired keys whose grace has ended)")
        } else {
            String::new()
        };
        bail!(
            "refusing to {command}: the plan deletes {deletes} objects{of_which}, more than --max-deletes {max}. Nothing was changed. {hint}, or raise --max-deletes"
        );
    }
    Ok(())
}

/// How a plan is applied under `settings`, recording a deploy as `deploy`
/// says.
pub fn apply_options(
    settings: &Settings,
    deploy: Option<DeployOptions>,
) -> anyhow::Result<ApplyOptions> {
    let order = GlobList::new(&settings.sync.order)
        .map_err(|p| anyhow::anyhow!("[sync] order: {}", p.join("; ")))?;
    Ok(ApplyOptions {
        jobs: settings.sync.jobs,
        upload: UploadOptions {
            gzip_level: settings.gzip.level,
            max_memory: local::encode::MAX_MEMORY,
            checksum: settings.s3.checksum,
            multipart_threshold: settings.s3.multipart.threshold,
        },
        order,
        prefix: settings.prefix.clone(),
        manifest_key: local::manifest_key(settings),
        deploy,
    })
}

/// What the deploy a push records says about itself: the time, and the
/// source's commit when the plan changes anything (git is not asked for a
/// push that records no deploy).
pub async fn deploy_options(
    settings: &Settings,
    plan: &Plan,
    rollback_to: Option<String>,
    now: crate::clock::Stamp,
) -> DeployOptions {
    let keep = settings.sync.history;
    let commit = if keep > 0 && plan.has_changes() && rollback_to.is_none() {
        local::commit::source_commit(settings.source.as_deref()).await
    } else {
        None
    };
    DeployOptions {
        keep,
        now: now.to_system(),
        commit,
        rollback_to,
    }
}

/// Check the guards, then apply the plan.
pub async fn guard_and_apply(
    settings: &Settings,
    store: SharedStore,
    planned: &Planned,
    observer: Arc<dyn Observer>,
    cancel: Arc<std::sync::atomic::AtomicBool>,
) -> anyhow::Result<Applied> {
    check_guards(settings, &planned.plan, planned.command)?;
    let deploy = deploy_options(settings, &planned.plan, None, planned.now).await;
    let options = apply_options(settings, Some(deploy))?;
    let base = Base {
        manifest: planned.remote.manifest.as_deref(),
        record: &planned.record,
    };
    Ok(apply::apply(
        store,
        &planned.plan,
        &planned.tree.sources,
        &base,
        options,
        observer,
        cancel,
    )
    .await)
}
