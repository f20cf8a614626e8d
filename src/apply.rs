//! Apply a plan: uploads and header updates with bounded concurrency (files
//! matching `order` last), then deletes (only if every upload succeeded),
//! then the remote manifest, written with a condition so two pushes cannot
//! silently overwrite each other's record.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use tokio::task::JoinSet;

use crate::config::ChecksumMode;
use crate::local::Source;
use crate::local::encode::{self, Spool};
use crate::local::globs::GlobList;
use crate::plan::{Action, Effect, Plan, Step, manifest_after};
use crate::progress::{Event, Observer};
use crate::record::intent::{Intent, RemoteRecord, intent_key};
use crate::record::manifest::{Headers, Manifest};
use crate::store::{Body, Condition, ErrorKind, SharedStore, StoreError, Upload};

/// Files up to this size are read into memory to upload (and re-hashed on
/// the way, so a file changed since hashing is caught locally).
const IN_MEMORY_LIMIT: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Planned,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub error: Option<String>,
    /// Body bytes sent.
    pub bytes: u64,
    /// Bytes gzip saved on this object.
    pub gzip_saved: u64,
    pub etag: Option<String>,
    /// A failure after which the change may still have landed (a timeout,
    /// a cut connection, a 5xx).
    pub maybe_landed: bool,
}

impl Outcome {
    pub fn planned() -> Self {
        Self {
            status: Status::Planned,
            error: None,
            bytes: 0,
            gzip_saved: 0,
            etag: None,
            maybe_landed: false,
        }
    }

    fn failed(error: String) -> Self {
        Self {
            status: Status::Failed,
            error: Some(error),
            ..Self::planned()
        }
    }

    fn from_error(e: StoreError) -> Self {
        Self {
            maybe_landed: e.may_have_landed,
            ..Self::failed(e.message)
        }
    }

    fn landed(&self) -> Effect {
        match (self.status, self.maybe_landed) {
            (Status::Done, _) => Effect::Applied(self.etag.clone()),
            (_, true) => Effect::Unknown,
            _ => Effect::Untouched,
        }
    }
}

pub struct ExecuteOptions {
    pub jobs: usize,
    pub gzip_level: u32,
    pub max_memory: usize,
    pub checksum: ChecksumMode,
    /// Files above this go in parts (see `store::s3`).
    pub multipart_threshold: u64,
    pub order: GlobList,
    pub prefix: String,
    pub manifest_key: String,
}

/// What the plan was made against: the effective remote manifest (an
/// unsettled intent folded in) and the record objects as stored.
pub struct Base<'a> {
    pub manifest: Option<&'a Manifest>,
    pub record: &'a RemoteRecord,
}

#[derive(Debug)]
pub struct Applied {
    pub outcomes: Vec<Outcome>,
    /// Why the remote manifest could not be written, if it could not.
    pub manifest_error: Option<String>,
    pub manifest_written: bool,
}

impl Applied {
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.status == Status::Failed)
            .count()
    }
}

/// Read, check and (if configured) gzip one file into an [`Upload`]. The
/// temporary file, when gzip spilled to disk, must outlive the upload.
fn read_upload(
    step: &Step,
    source: &Source,
    options: &ExecuteOptions,
) -> Result<(Upload, u64, Option<tempfile::NamedTempFile>), String> {
    let local = step.local.as_ref().expect("uploads have a local entry");
    let changed = || {
        format!(
            "{} changed after it was hashed; nothing was uploaded for it, rerun the push",
            source.abs.display()
        )
    };
    let read_error = |e: std::io::Error| format!("cannot read {}: {e}", source.abs.display());
    let upload = |body, digests: &encode::Digests, headers: &Headers| Upload {
        key: step.key.clone(),
        body,
        size: digests.size,
        headers: headers.clone(),
        sha256: digests.sha256,
        md5: Some(digests.md5),
    };
    if source.gzip {
        let g = encode::gzip_file(&source.abs, options.gzip_level, options.max_memory)
            .map_err(read_error)?;
        if hex::encode(g.source_sha256) != local.sha256 {
            return Err(changed());
        }
        let saved = local.size.saturating_sub(g.digests.size);
        return Ok(match g.spool {
            Spool::Memory(v) => (
                upload(Body::Bytes(v.into()), &g.digests, &local.headers),
                saved,
                None,
            ),
            Spool::File(tmp) => (
                upload(
                    Body::File(tmp.path().to_path_buf()),
                    &g.digests,
                    &local.headers,
                ),
                saved,
                Some(tmp),
            ),
        });
    }
    if local.size <= IN_MEMORY_LIMIT {
        use std::io::Read as _;
        // Regular files only; never more than the hashed size plus one
        // byte (a file that grew is refused below).
        let mut bytes = Vec::new();
        crate::local::regular::open(&source.abs)
            .and_then(|f| f.take(local.size.saturating_add(1)).read_to_end(&mut bytes))
            .map_err(read_error)?;
        let digests = encode::digest_bytes(&bytes);
        if hex::encode(digests.sha256) != local.sha256 {
            return Err(changed());
        }
        return Ok((
            upload(Body::Bytes(bytes.into()), &digests, &local.headers),
            0,
            None,
        ));
    }
    // Large files stream from disk; the server checks the SHA-256 recorded
    // when the tree was hashed, so a file that changed since is refused.
    let mut sha256 = [0u8; 32];
    hex::decode_to_slice(&local.sha256, &mut sha256).map_err(|e| e.to_string())?;
    // Content-MD5 of the whole file is only sent with a single PUT; above
    // the multipart threshold each part carries its own (and the whole
    // file's SHA-256 is checked there), so the file is not read twice.
    let md5 = if options.checksum == ChecksumMode::WhenRequired
        && local.size <= options.multipart_threshold
    {
        let d = encode::digest_file(&source.abs).map_err(read_error)?;
        if d.sha256 != sha256 {
            return Err(changed());
        }
        Some(d.md5)
    } else {
        // The store opens the path itself: check here that it still is a
        // regular file (not a FIFO, device or link swapped in since).
        crate::local::regular::open(&source.abs).map_err(read_error)?;
        None
    };
    Ok((
        Upload {
            key: step.key.clone(),
            body: Body::File(source.abs.clone()),
            size: local.size,
            headers: local.headers.clone(),
            sha256,
            md5,
        },
        0,
        None,
    ))
}

async fn run_step(
    store: SharedStore,
    step: Step,
    source: Option<Source>,
    options: Arc<ExecuteOptions>,
) -> Result<Outcome, StoreError> {
    if step.action == Action::Headers {
        let headers = &step
            .local
            .as_ref()
            .expect("header steps have a local entry")
            .headers;
        let etag = store
            .update_headers(&step.key, headers, step.remote_etag.as_deref())
            .await?;
        return Ok(Outcome {
            status: Status::Done,
            etag: Some(etag),
            ..Outcome::planned()
        });
    }
    let source = source.expect("uploads have a source");
    let (upload, saved, _spill) =
        tokio::task::spawn_blocking(move || read_upload(&step, &source, &options))
            .await
            .expect("prepare task panicked")
            .map_err(|e| StoreError::new(ErrorKind::Other, e))?;
    let size = upload.size;
    let etag = store.put(upload, Condition::Always).await?;
    Ok(Outcome {
        status: Status::Done,
        bytes: size,
        gzip_saved: saved,
        etag: Some(etag),
        ..Outcome::planned()
    })
}

fn sends_acl(step: &Step) -> bool {
    step.local.as_ref().is_some_and(|l| l.headers.acl.is_some())
}

/// What every step of one push shares.
struct Runner<'a> {
    store: SharedStore,
    plan: &'a Plan,
    sources: &'a BTreeMap<String, Source>,
    options: Arc<ExecuteOptions>,
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
        let mut running = JoinSet::new();
        let mut pending = indices.iter().copied();
        loop {
            while running.len() < self.options.jobs
                && !self.stop.load(Ordering::Relaxed)
                && !self.cancel.load(Ordering::Relaxed)
            {
                let Some(i) = pending.next() else { break };
                let step = self.plan.steps[i].clone();
                if self.no_acl.load(Ordering::Relaxed) && sends_acl(&step) {
                    outcomes[i] = Outcome::failed(
                        "not attempted: the bucket does not allow ACLs (see the first error)"
                            .into(),
                    );
                    self.report(i, &outcomes[i]);
                    continue;
                }
                let source = self.sources.get(&step.key).cloned();
                let store = self.store.clone();
                let options = self.options.clone();
                running.spawn(async move { (i, run_step(store, step, source, options).await) });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (i, result) = joined.expect("upload task panicked");
            outcomes[i] = match result {
                Ok(outcome) => outcome,
                Err(e) => {
                    if e.kind == ErrorKind::AclNotSupported {
                        self.no_acl.store(true, Ordering::Relaxed);
                    } else if e.is_fatal() {
                        self.stop.store(true, Ordering::Relaxed);
                    }
                    Outcome::from_error(e)
                }
            };
            self.report(i, &outcomes[i]);
        }
        let why = if self.cancel.load(Ordering::Relaxed) {
            "not attempted: interrupted"
        } else {
            "not attempted: the push stopped after an error that fails every request"
        };
        for i in pending {
            outcomes[i] = Outcome::failed(why.into());
        }
    }

    fn report(&self, i: usize, outcome: &Outcome) {
        let step = &self.plan.steps[i];
        self.observer.event(Event::Transferred {
            key: &step.key,
            action: step.action,
            bytes: outcome.bytes,
            error: outcome.error.as_deref(),
        });
    }
}

pub async fn apply(
    store: SharedStore,
    plan: &Plan,
    sources: &BTreeMap<String, Source>,
    base: &Base<'_>,
    options: ExecuteOptions,
    observer: Arc<dyn Observer>,
    cancel: Arc<AtomicBool>,
) -> Applied {
    let options = Arc::new(options);
    let mut outcomes: Vec<Outcome> = plan.steps.iter().map(|_| Outcome::planned()).collect();
    let writes = |a: Action| matches!(a, Action::New | Action::Changed | Action::Headers);
    let (last, first): (Vec<usize>, Vec<usize>) = (0..plan.steps.len())
        .filter(|&i| writes(plan.steps[i].action))
        .partition(|&i| {
            plan.steps[i]
                .path
                .as_deref()
                .is_some_and(|p| options.order.is_match(p))
        });
    let bytes = first
        .iter()
        .chain(&last)
        .filter_map(|&i| {
            plan.steps[i]
                .local
                .as_ref()
                .filter(|_| plan.steps[i].action.uploads())
        })
        .map(|l| l.size)
        .sum();
    let deletes: Vec<usize> = (0..plan.steps.len())
        .filter(|&i| plan.steps[i].action == Action::Delete)
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
    let mut record = RecordWriter {
        store: &store,
        key: &options.manifest_key,
        etag: base.record.manifest_etag.clone(),
        stored: base.record.manifest.clone(),
        error: None,
    };
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
                    Ok(()) => Outcome {
                        status: Status::Done,
                        ..Outcome::planned()
                    },
                    Err(e) => Outcome::from_error(e),
                };
                runner.report(i, &outcomes[i]);
            }
        }
    }
    observer.event(Event::TransferDone);

    for (step, outcome) in plan.steps.iter().zip(outcomes.iter_mut()) {
        if step.action == Action::Unchanged {
            outcome.status = Status::Done;
        }
    }
    if record.error.is_none() {
        let mut after = manifest_after(
            &options.prefix,
            base.manifest,
            plan,
            &landed_now(plan, &outcomes),
        );
        after.settled = settled;
        record
            .save_if_changed(&after, &landed_keys(plan, &outcomes))
            .await;
    }
    Applied {
        outcomes,
        manifest_written: record.stored != base.record.manifest,
        manifest_error: record.error,
    }
}

/// How each step has landed so far.
fn landed_now(plan: &Plan, outcomes: &[Outcome]) -> Vec<Effect> {
    plan.steps
        .iter()
        .zip(outcomes)
        .map(|(s, o)| {
            if s.action == Action::Unchanged {
                Effect::Untouched
            } else {
                o.landed()
            }
        })
        .collect()
}

/// Keys whose change landed or may have.
fn landed_keys(plan: &Plan, outcomes: &[Outcome]) -> Vec<String> {
    plan.steps
        .iter()
        .zip(outcomes)
        .filter(|(s, o)| s.action.is_change() && o.landed() != Effect::Untouched)
        .map(|(s, _)| s.key.clone())
        .collect()
}

fn keys_of(plan: &Plan, indices: &[usize]) -> Vec<String> {
    indices.iter().map(|&i| plan.steps[i].key.clone()).collect()
}

/// The remote manifest as this push last wrote (or read) it.
struct RecordWriter<'a> {
    store: &'a SharedStore,
    key: &'a str,
    /// ETag of the manifest now in the bucket, for `If-Match`.
    etag: Option<String>,
    /// What the manifest in the bucket says now.
    stored: Option<Arc<Manifest>>,
    error: Option<String>,
}

impl RecordWriter<'_> {
    /// Write the intent object, only if it is still the one read when the
    /// plan was made (`etag`; `None`: there was none). Two pushes that
    /// planned against the same record cannot both pass: the loser stops
    /// here, before changing anything.
    /// Returns the new intent's ETag; `None` (with `self.error` set) when it
    /// was not written.
    async fn write_intent(&mut self, intent: &Intent, etag: Option<&str>) -> Option<String> {
        let key = intent_key(self.key);
        let condition = Condition::unchanged_since(etag);
        let upload = Upload::from_bytes(&key, intent.to_stored(), record_headers());
        match self.store.put(upload, condition).await {
            Ok(etag) => Some(etag),
            Err(e) if e.kind == ErrorKind::PreconditionFailed => {
                self.error = Some(format!(
                    "concurrent push: another push wrote the intent record {}/{key} first; this push changed nothing. Rerun it",
                    self.store.describe(),
                ));
                None
            }
            Err(e) => {
                self.error = Some(format!(
                    "the intent record {}/{key} was not written, so nothing was changed: {e}",
                    self.store.describe()
                ));
                None
            }
        }
    }

    /// Save unless the bucket already holds exactly this record.
    async fn save_if_changed(&mut self, manifest: &Manifest, touched: &[String]) -> bool {
        let same = match &self.stored {
            Some(m) => {
                m.entries == manifest.entries
                    && m.pending == manifest.pending
                    && m.settled == manifest.settled
            }
            None => {
                manifest.entries.is_empty()
                    && manifest.pending.is_empty()
                    && manifest.settled.is_none()
            }
        };
        same || self.save(manifest, touched).await
    }

    /// Write `manifest` conditionally; on success it is what is stored. On a
    /// concurrent write, keep the other push's record minus the keys this
    /// push changed (their state is no longer known), and fail.
    async fn save(&mut self, manifest: &Manifest, touched: &[String]) -> bool {
        let condition = Condition::unchanged_since(self.etag.as_deref());
        match self
            .store
            .put(manifest_upload(self.key, manifest), condition)
            .await
        {
            Ok(etag) => {
                self.etag = Some(etag);
                self.stored = Some(Arc::new(manifest.clone()));
                return true;
            }
            Err(e) if e.kind != ErrorKind::PreconditionFailed => {
                self.error = Some(format!("the remote manifest was not written: {e}"));
                return false;
            }
            Err(_) => {}
        }
        if touched.is_empty() {
            self.error = Some(format!(
                "concurrent push: another push wrote the remote manifest {}/{} first; this push changed nothing. Rerun it",
                self.store.describe(),
                self.key
            ));
            return false;
        }
        let concurrent = format!(
            "concurrent push: another push wrote the remote manifest {}/{} while this one ran. Its record was kept, with the {} object(s) this push changed marked as pending, so the next push re-sends them. Rerun the push",
            self.store.describe(),
            self.key,
            touched.len()
        );
        self.error = Some(match self.merge(manifest, touched).await {
            Ok(()) => concurrent,
            Err(e) => format!("{concurrent}; {e}"),
        });
        false
    }

    async fn merge(&mut self, manifest: &Manifest, touched: &[String]) -> Result<(), String> {
        for _ in 0..5 {
            let current = self
                .store
                .get(self.key)
                .await
                .map_err(|e| format!("re-reading the manifest failed: {e}"))?;
            let (mut merged, condition) = match current {
                Some(f) => (
                    Manifest::from_stored(&f.bytes)
                        .map_err(|e| format!("the other manifest is unreadable: {e}"))?,
                    Condition::Matches(f.etag),
                ),
                None => (Manifest::new(&manifest.prefix), Condition::Absent),
            };
            // Still ours, but their content is no longer known.
            for k in touched {
                merged.entries.remove(k);
                merged.pending.insert(k.clone());
            }
            match self
                .store
                .put(manifest_upload(self.key, &merged), condition)
                .await
            {
                Ok(etag) => {
                    self.etag = Some(etag);
                    self.stored = Some(Arc::new(merged));
                    return Ok(());
                }
                Err(e) if e.kind == ErrorKind::PreconditionFailed => {}
                Err(e) => return Err(format!("writing the merged manifest failed: {e}")),
            }
        }
        Err("the manifest kept changing, so it was left as the other push wrote it".into())
    }
}

fn manifest_upload(key: &str, manifest: &Manifest) -> Upload {
    Upload::from_bytes(key, manifest.to_stored(), record_headers())
}

/// The manifest and the intent: gzip JSON, private, never cached.
fn record_headers() -> Headers {
    Headers {
        content_type: "application/json".into(),
        content_encoding: Some("gzip".into()),
        cache_control: Some("no-store".into()),
        ..Headers::default()
    }
}

#[cfg(test)]
mod tests;
