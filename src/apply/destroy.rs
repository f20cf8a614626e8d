//! Carrying out a destroy plan so that a run stopped at any point leaves a
//! true record and a rerun finishes: the intent first (every object it will
//! delete, so readers treat them as pending), then the objects, then an
//! empty manifest (the record now claims nothing), then the deploy records
//! and the intent, and the manifest last of all.

use std::collections::BTreeSet;

use super::record_writer::record_headers;
use crate::plan::DestroyPlan;
use crate::record::intent::{Intent, RemoteRecord, intent_key};
use crate::record::manifest::Manifest;
use crate::store::{Condition, ErrorKind, SharedStore, Upload};

/// What a destroy did.
#[derive(Debug, Default)]
pub struct Destroyed {
    /// Keys deleted (objects and records).
    pub deleted: usize,
    /// Keys that could not be deleted, with the error.
    pub failed: Vec<(String, String)>,
    /// Why it stopped before the end, when it did.
    pub error: Option<String>,
}

/// Delete `keys`; count successes into `out`. Returns whether all went.
async fn delete(store: &SharedStore, keys: &[String], out: &mut Destroyed) -> bool {
    let results = store.delete(keys).await;
    let mut all = true;
    for (key, result) in keys.iter().zip(results) {
        match result {
            Ok(()) => out.deleted += 1,
            Err(e) => {
                all = false;
                out.failed.push((key.clone(), e.to_string()));
            }
        }
    }
    all
}

fn concurrent(store: &SharedStore, key: &str) -> String {
    format!(
        "another s3sync run wrote {}/{key} after destroy read it; destroy stopped there. Rerun `s3sync destroy` once it has finished",
        store.describe()
    )
}

/// Apply `plan` to the deploy whose manifest is at `manifest_key`, as read
/// in `record`.
pub async fn destroy(
    store: &SharedStore,
    plan: &DestroyPlan,
    manifest_key: &str,
    record: &RemoteRecord,
) -> Destroyed {
    let mut out = Destroyed::default();
    let target = store.describe();
    let pending: BTreeSet<String> = plan.objects.iter().cloned().collect();
    let intent = Intent::new(pending);
    let ikey = intent_key(manifest_key);
    let upload = Upload::from_bytes(&ikey, intent.to_stored(), record_headers());
    let intent_etag = match store
        .put(
            upload,
            Condition::unchanged_since(record.intent_etag.as_deref()),
        )
        .await
    {
        Ok(stored) => stored.etag,
        Err(e) if e.kind == ErrorKind::PreconditionFailed => {
            out.error = Some(concurrent(store, &ikey));
            return out;
        }
        Err(e) => {
            out.error = Some(format!(
                "writing the intent record {target}/{ikey}: {e}; nothing was deleted"
            ));
            return out;
        }
    };
    if !delete(store, &plan.objects, &mut out).await {
        out.error = Some(format!(
            "{} objects could not be deleted; the record at {target}/{manifest_key} stays, naming them pending. Rerun `s3sync destroy` to finish",
            out.failed.len()
        ));
        return out;
    }
    // The record claims nothing now: a stop from here on leaves no lie.
    let prefix = record
        .manifest
        .as_ref()
        .map_or_else(String::new, |m| m.prefix.clone());
    let mut empty = Manifest::new(&prefix);
    empty.settled = Some(intent_etag);
    let upload = Upload::from_bytes(manifest_key, empty.to_stored(), record_headers());
    match store
        .put(
            upload,
            Condition::unchanged_since(record.manifest_etag.as_deref()),
        )
        .await
    {
        Ok(_) => {}
        Err(e) if e.kind == ErrorKind::PreconditionFailed => {
            out.error = Some(concurrent(store, manifest_key));
            return out;
        }
        Err(e) => {
            out.error = Some(format!(
                "emptying the manifest {target}/{manifest_key}: {e}. Rerun `s3sync destroy` to finish"
            ));
            return out;
        }
    }
    if let Some((last, rest)) = plan.records.split_last()
        && (!delete(store, rest, &mut out).await
            || !delete(store, std::slice::from_ref(last), &mut out).await)
    {
        out.error = Some(format!(
            "some records at {target} could not be deleted. Rerun `s3sync destroy` to finish"
        ));
    }
    out
}
