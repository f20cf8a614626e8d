//! Apply a plan: record the intent, then uploads and header updates with
//! bounded concurrency (files matching `order` last), then deletes and
//! prunes (only if every upload succeeded), then the deploy record
//! (`history`), then the remote manifest, which also carries the
//! record-only steps (retirements, keys live again).
//!
//! `upload` turns a source file into an upload body, `outcome` holds what
//! each step did, `record_writer` writes the intent and the manifest with
//! conditions so two pushes cannot silently overwrite each other's record.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::local::Source;
use crate::local::globs::GlobList;
use crate::plan::{Action, Change, Effect, Plan, Step, manifest_after};
use crate::pool::{self, Job};
use crate::progress::{Event, Observer};
use crate::record::intent::{Intent, RemoteRecord};
use crate::record::manifest::{Entry, Headers, Manifest};
use crate::store::{Condition, ErrorKind, SharedStore, StoreError};

pub mod destroy;
mod history;
mod outcome;
mod record_writer;
mod upload;

pub use history::DeployOptions;
pub use outcome::{Applied, Outcome, Status};
use record_writer::RecordWriter;
pub use upload::UploadOptions;

pub struct ApplyOptions {
    /// Steps run at once.
    pub jobs: usize,
    pub upload: UploadOptions,
    /// Files matching these go last (by default HTML, so a page is never
    /// served before the assets it names).
    pub order: GlobList,
    pub prefix: String,
    pub manifest_key: String,
    /// Record a deploy in the history when something landed (`None`: keep
    /// the history as it is).
    pub deploy: Option<DeployOptions>,
}

/// What the plan was made against: the effective remote manifest (an
/// unsettled intent folded in) and the record objects as stored.
pub struct Base<'a> {
    pub manifest: Option<&'a Manifest>,
    pub record: &'a RemoteRecord,
}

/// One step that writes the bucket, as its task carries it out.
enum Write {
    Upload {
        key: String,
        local: Entry,
        source: Source,
    },
    Headers {
        key: String,
        headers: Headers,
        remote_etag: Option<String>,
    },
    /// Copy an earlier version back (rollback).
    Restore {
        key: String,
        version_id: String,
        /// The version's ETag, as recorded.
        etag: Option<String>,
        headers: Headers,
    },
}

impl Write {
    /// The write for `step`; an error for a step that writes nothing or an
    /// upload without its source file.
    fn of(step: &Step, sources: &BTreeMap<String, Source>) -> Result<Self, String> {
        let key = step.key.clone();
        match &step.change {
            Change::New { local } | Change::Changed { local, .. } => match sources.get(&step.key) {
                Some(source) => Ok(Self::Upload {
                    key,
                    local: Entry::clone(local),
                    source: source.clone(),
                }),
                None => Err(format!(
                    "internal error: no source file for {key}; nothing was sent for it"
                )),
            },
            Change::Headers {
                local, remote_etag, ..
            } => Ok(Self::Headers {
                key,
                headers: local.headers.clone(),
                remote_etag: remote_etag.clone(),
            }),
            Change::Restore {
                local, version_id, ..
            } => Ok(Self::Restore {
                key,
                version_id: version_id.clone(),
                etag: local.etag.clone(),
                headers: local.headers.clone(),
            }),
            Change::Delete { .. }
            | Change::Retire { .. }
            | Change::Prune { .. }
            | Change::Unchanged(_) => Err(format!(
                "internal error: {key} was given to the upload phase; nothing was sent for it"
            )),
        }
    }

    async fn run(
        self,
        store: SharedStore,
        options: Arc<ApplyOptions>,
    ) -> Result<Outcome, StoreError> {
        match self {
            Self::Headers {
                key,
                headers,
                remote_etag,
            } => {
                let stored = store
                    .update_headers(&key, &headers, remote_etag.as_deref())
                    .await?;
                Ok(Outcome {
                    stored: Some(stored),
                    ..Outcome::done()
                })
            }
            Self::Restore {
                key,
                version_id,
                etag,
                headers,
            } => {
                let stored = store
                    .restore_version(&key, &version_id, etag.as_deref(), &headers)
                    .await?;
                Ok(Outcome {
                    stored: Some(stored),
                    ..Outcome::done()
                })
            }
            Self::Upload { key, local, source } => {
                let ready = tokio::task::spawn_blocking(move || {
                    upload::read_upload(&key, &local, &source, &options.upload)
                })
                .await
                .expect("the task reading an upload panicked")
                .map_err(|e| StoreError::new(ErrorKind::Other, e))?;
                let bytes = ready.upload.size;
                let stored = store.put(ready.upload, Condition::Always).await?;
                drop(ready.spill);
                Ok(Outcome {
                    bytes,
                    gzip_saved: ready.gzip_saved,
                    stored: Some(stored),
                    ..Outcome::done()
                })
            }
        }
    }
}

fn sends_acl(step: &Step) -> bool {
    step.change
        .writes()
        .is_some_and(|l| l.headers.acl.is_some())
}

/// A step's index and what became of it.
type Finished = (usize, Result<Outcome, StoreError>);

/// What every step of one push shares.
struct Runner<'a> {
    store: SharedStore,
    plan: &'a Plan,
    sources: &'a BTreeMap<String, Source>,
    options: Arc<ApplyOptions>,
    observer: Arc<dyn Observer>,
    /// Set by an error that would fail every request: start nothing more.
    stop: AtomicBool,
    /// Set when the bucket refuses ACLs: start nothing more that sends one.
    no_acl: AtomicBool,
    /// Set by Ctrl-C: start nothing more.
    cancel: Arc<AtomicBool>,
}

impl Runner<'_> {
    /// Run the given steps with at most `jobs` at once.
    async fn phase(&self, indices: &[usize], outcomes: &mut [Outcome]) {
        let not_started = pool::run_bounded(
            indices.iter().copied(),
            self.options.jobs,
            || !self.stop.load(Ordering::Relaxed) && !self.cancel.load(Ordering::Relaxed),
            |i| self.start(i),
            |(i, result)| {
                outcomes[i] = self.settle(result);
                self.report(i, &outcomes[i]);
                ControlFlow::Continue(())
            },
        )
        .await;
        let why = if self.cancel.load(Ordering::Relaxed) {
            "not attempted: interrupted"
        } else {
            "not attempted: the push stopped after an error that fails every request"
        };
        for i in not_started {
            outcomes[i] = Outcome::failed(why.into());
        }
    }

    /// The task for step `i`, or its outcome when it is not attempted.
    fn start(&self, i: usize) -> Job<impl Future<Output = Finished> + Send + 'static, Finished> {
        let step = &self.plan.steps[i];
        if self.no_acl.load(Ordering::Relaxed) && sends_acl(step) {
            return Job::Ready((
                i,
                Ok(Outcome::failed(
                    "not attempted: the bucket does not allow ACLs (see the first error)".into(),
                )),
            ));
        }
        let write = match Write::of(step, self.sources) {
            Ok(write) => write,
            Err(e) => return Job::Ready((i, Ok(Outcome::failed(e)))),
        };
        let store = self.store.clone();
        let options = self.options.clone();
        Job::Run(async move { (i, write.run(store, options).await) })
    }

    /// The outcome of a finished step; an error that fails every request
    /// (or every ACL) stops what has not started.
    fn settle(&self, result: Result<Outcome, StoreError>) -> Outcome {
        result.unwrap_or_else(|e| {
            if e.kind == ErrorKind::AclNotSupported {
                self.no_acl.store(true, Ordering::Relaxed);
            } else if e.is_fatal() {
                self.stop.store(true, Ordering::Relaxed);
            }
            Outcome::from_error(e)
        })
    }

    fn report(&self, i: usize, outcome: &Outcome) {
        let step = &self.plan.steps[i];
        self.observer.event(Event::Transferred {
            key: &step.key,
            action: step.action(),
            bytes: outcome.bytes,
            error: outcome.error.as_deref(),
        });
    }
}

/// Carry out `plan` against `store` and record what landed. `sources` are
/// the files to upload, by key; `cancel` (Ctrl-C) stops new work.
pub async fn apply(
    store: SharedStore,
    plan: &Plan,
    sources: &BTreeMap<String, Source>,
    base: &Base<'_>,
    options: ApplyOptions,
    observer: Arc<dyn Observer>,
    cancel: Arc<AtomicBool>,
) -> Applied {
    let options = Arc::new(options);
    let mut outcomes: Vec<Outcome> = plan.steps.iter().map(|_| Outcome::planned()).collect();
    let (last, first): (Vec<usize>, Vec<usize>) = (0..plan.steps.len())
        .filter(|&i| plan.steps[i].change.writes().is_some())
        .partition(|&i| {
            plan.steps[i]
                .path()
                .is_some_and(|p| options.order.is_match(p))
        });
    let bytes = first
        .iter()
        .chain(&last)
        .filter_map(|&i| plan.steps[i].change.uploads())
        .map(|l| l.size)
        .sum();
    let deletes: Vec<usize> = (0..plan.steps.len())
        .filter(|&i| plan.steps[i].action().deletes())
        .collect();
    observer.event(Event::TransferStart {
        objects: first.len() + last.len() + deletes.len(),
        bytes,
    });
    let runner = Runner {
        store: store.clone(),
        plan,
        sources,
        options: options.clone(),
        observer: observer.clone(),
        stop: AtomicBool::new(false),
        no_acl: AtomicBool::new(false),
        cancel: cancel.clone(),
    };
    let mut record = RecordWriter::new(&store, &options.manifest_key, base.record);
    let changing: Vec<usize> = first.iter().chain(&last).copied().collect();
    // Record the intent first: a push killed while uploading or deleting
    // leaves those keys pending, never recorded with content they may not
    // have. The keys an earlier unsettled intent named stay pending too.
    let mut settled = base.record.settled();
    let intent_ok = changing.is_empty() && deletes.is_empty() || {
        let mut pending = base.manifest.map(|m| m.pending.clone()).unwrap_or_default();
        pending.extend(keys_of(plan, &changing));
        pending.extend(keys_of(plan, &deletes));
        let intent = Intent::new(pending);
        match record
            .write_intent(&intent, base.record.intent_etag.as_deref())
            .await
        {
            Some(etag) => {
                settled = Some(etag);
                true
            }
            None => false,
        }
    };
    if intent_ok {
        for phase in [&first, &last] {
            runner.phase(phase, &mut outcomes).await;
        }
    } else {
        for &i in changing.iter().chain(&deletes) {
            outcomes[i] =
                Outcome::failed("not attempted: the push could not record its intent first".into());
        }
    }
    // Retirements change only the record: done when it is written.
    let retires: Vec<usize> = (0..plan.steps.len())
        .filter(|&i| plan.steps[i].action() == Action::Retire)
        .collect();
    for &i in &retires {
        outcomes[i] = if intent_ok {
            Outcome::done()
        } else {
            Outcome::failed("not recorded: the push could not record its intent first".into())
        };
    }

    let upload_failed = outcomes.iter().any(|o| o.status == Status::Failed);
    let interrupted = cancel.load(Ordering::Relaxed);
    if intent_ok && !deletes.is_empty() {
        let skipped = if interrupted {
            Some("not attempted: interrupted, so nothing was deleted")
        } else if upload_failed {
            Some("not attempted: an upload failed, so nothing was deleted")
        } else {
            None
        };
        if let Some(why) = skipped {
            for &i in &deletes {
                outcomes[i] = Outcome::failed(why.into());
            }
        } else {
            let keys = keys_of(plan, &deletes);
            debug_assert!(
                keys.iter().all(|k| *k != options.manifest_key),
                "the plan never deletes the manifest"
            );
            let results = store.delete(&keys).await;
            for (&i, result) in deletes.iter().zip(results) {
                outcomes[i] = match result {
                    Ok(()) => Outcome::done(),
                    Err(e) => Outcome::from_error(e),
                };
                runner.report(i, &outcomes[i]);
            }
        }
    }
    observer.event(Event::TransferDone);

    for (step, outcome) in plan.steps.iter().zip(outcomes.iter_mut()) {
        if step.action() == Action::Unchanged {
            outcome.status = Status::Done;
        }
    }
    let mut deploy = None;
    if record.error.is_none() {
        let mut after = manifest_after(
            &options.prefix,
            base.manifest,
            plan,
            &landed_now(plan, &outcomes),
        );
        after.settled = settled;
        let landed = landed_keys(plan, &outcomes);
        let mut dropped = Vec::new();
        if let Some(options_deploy) = &options.deploy {
            let before: Vec<String> = after.deploys.iter().map(|d| d.id.clone()).collect();
            crate::record::history::trim(&mut after.deploys, options_deploy.keep);
            // A rollback that stopped short (Ctrl-C, a failed copy) records
            // no deploy: otherwise running `rollback` again would aim at
            // the deploy before it, the one being left, instead of
            // finishing the way back.
            let unfinished_rollback = options_deploy.rollback_to.is_some()
                && (cancel.load(Ordering::Relaxed)
                    || outcomes.iter().any(|o| o.status == Status::Failed));
            if !landed.is_empty() && options_deploy.keep > 0 && !unfinished_rollback {
                let counts = history::counts(plan, &outcomes);
                match history::record(
                    &store,
                    &options.manifest_key,
                    &mut after,
                    counts,
                    options_deploy,
                )
                .await
                {
                    Ok(id) => deploy = Some(id),
                    Err(e) => observer.event(Event::Warning(&e)),
                }
            }
            dropped = before
                .into_iter()
                .filter(|id| !after.deploys.iter().any(|d| d.id == *id))
                .collect();
        }
        record.save_if_changed(&after, &landed).await;
        let listed = record.stored.as_deref().map(|m| &m.deploys);
        if record.error.is_none() && listed == Some(&after.deploys) {
            if let Some(warning) =
                history::delete_records(&store, &options.manifest_key, &dropped).await
            {
                observer.event(Event::Warning(&warning));
            }
        } else {
            deploy = None;
        }
    }
    if let Some(error) = &record.error {
        for &i in &retires {
            if outcomes[i].status == Status::Done {
                outcomes[i] = Outcome::failed(format!("not recorded: {error}"));
            }
        }
    }
    Applied {
        outcomes,
        manifest_written: record.stored != base.record.manifest,
        manifest_error: record.error,
        deploy,
    }
}

/// How each step has landed so far.
fn landed_now(plan: &Plan, outcomes: &[Outcome]) -> Vec<Effect> {
    plan.steps
        .iter()
        .zip(outcomes)
        .map(|(s, o)| {
            if s.action() == Action::Unchanged {
                Effect::Untouched
            } else {
                o.landed()
            }
        })
        .collect()
}

/// Keys whose object changed or may have (a retirement changes only the
/// record: if another push wrote the record first, it is simply not
/// recorded, and the next push decides again).
fn landed_keys(plan: &Plan, outcomes: &[Outcome]) -> Vec<String> {
    plan.steps
        .iter()
        .zip(outcomes)
        .filter(|(s, o)| s.action().touches_bucket() && o.landed() != Effect::Untouched)
        .map(|(s, _)| s.key.clone())
        .collect()
}

fn keys_of(plan: &Plan, indices: &[usize]) -> Vec<String> {
    indices.iter().map(|&i| plan.steps[i].key.clone()).collect()
}

#[cfg(test)]
mod tests;
