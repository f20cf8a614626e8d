//! The plan of `s3sync destroy`: from the record (and a listing of the
//! prefix, to find the records and other manifests under it), every key the
//! manifest owns, then its own records, the manifest last. Pure.
//!
//! Owned: the manifest's entries (retired ones too) and its pending keys,
//! under its prefix. Never: a key outside the prefix, a record key, or a key
//! under a nested prefix that holds a manifest of its own (a root deploy
//! whose source had a `previews/` folder lists keys a preview now owns;
//! those are skipped and said so).

use std::collections::BTreeSet;

use crate::record::history::{deploy_key, deploys_folder};
use crate::record::intent::intent_key;
use crate::record::manifest::Manifest;

/// What destroy deletes, in order: `objects`, then `records` as listed
/// (deploy records, the intent, the manifest last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestroyPlan {
    pub objects: Vec<String>,
    pub records: Vec<String>,
    /// Keys the manifest names that destroy leaves, with the reason.
    pub skipped: Vec<(String, String)>,
}

impl DestroyPlan {
    /// Every key it deletes (what `--max-deletes` counts).
    pub fn deletes(&self) -> usize {
        self.objects.len() + self.records.len()
    }
}

/// Where the records of this manifest live.
pub struct RecordKeys<'a> {
    pub manifest_key: &'a str,
    /// The key prefix of the deploy (`static/`, or empty for the bucket).
    pub key_prefix: &'a str,
    /// The manifest's file name (`.s3sync-manifest.json`), to find others.
    pub manifest_name: &'a str,
}

/// Plan the destroy of `manifest`. `listed` is every key under the prefix.
pub fn destroy_plan(manifest: &Manifest, keys: &RecordKeys<'_>, listed: &[String]) -> DestroyPlan {
    let own_intent = intent_key(keys.manifest_key);
    let own_deploys = deploys_folder(keys.manifest_key);
    // The prefixes of the other manifests under this one
    // (`static/previews/pr-1/`).
    let suffix = format!("/{}", keys.manifest_name);
    let nested: Vec<&str> = listed
        .iter()
        .filter(|k| *k != keys.manifest_key && k.ends_with(&suffix))
        .map(|k| &k[..k.len() - keys.manifest_name.len()])
        .filter(|p| p.starts_with(keys.key_prefix) && p.len() > keys.key_prefix.len())
        .collect();
    let mut out = DestroyPlan::default();
    let named: BTreeSet<&String> = manifest.entries.keys().chain(&manifest.pending).collect();
    for key in named {
        let why = if !key.starts_with(keys.key_prefix) {
            Some(format!("outside the prefix {}", keys.key_prefix))
        } else if *key == keys.manifest_key || *key == own_intent || key.starts_with(&own_deploys) {
            // Deleted below, in the records' order.
            continue;
        } else {
            nested
                .iter()
                .find(|p| key.starts_with(**p))
                .map(|p| format!("under {p}, which has a manifest of its own"))
        };
        match why {
            Some(why) => out.skipped.push((key.clone(), why)),
            None => out.objects.push(key.clone()),
        }
    }
    let deploys: BTreeSet<String> = manifest
        .deploys
        .iter()
        .map(|d| deploy_key(keys.manifest_key, &d.id))
        .chain(
            listed
                .iter()
                .filter(|k| k.starts_with(&own_deploys))
                .cloned(),
        )
        .collect();
    out.records.extend(deploys);
    out.records.push(own_intent);
    out.records.push(keys.manifest_key.to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::manifest::{Entry, Headers};

    const NAME: &str = ".s3sync-manifest.json";

    fn manifest(prefix: &str, keys: &[&str], pending: &[&str]) -> Manifest {
        let mut m = Manifest::new(prefix);
        for k in keys {
            let entry = Entry {
                path: (*k).to_string(),
                sha256: String::new(),
                size: 0,
                headers: Headers::default(),
                etag: None,
                fingerprint: false,
                demoted: false,
                retired: None,
                version_id: None,
            };
            m.entries.insert((*k).to_string(), entry);
        }
        m.pending = pending.iter().map(|k| (*k).to_string()).collect();
        m
    }

    fn strings(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| (*k).to_string()).collect()
    }

    fn root_keys() -> RecordKeys<'static> {
        RecordKeys {
            manifest_key: "static/.s3sync-manifest.json",
            key_prefix: "static/",
            manifest_name: NAME,
        }
    }

    #[test]
    fn entries_and_pending_go_first_then_deploys_intent_and_the_manifest_last() {
        let m = manifest(
            "static/previews/pr-1",
            &["static/previews/pr-1/a.css"],
            &["static/previews/pr-1/b.js"],
        );
        let keys = RecordKeys {
            manifest_key: "static/previews/pr-1/.s3sync-manifest.json",
            key_prefix: "static/previews/pr-1/",
            manifest_name: NAME,
        };
        let listed = strings(&[
            "static/previews/pr-1/.s3sync-manifest.json",
            "static/previews/pr-1/.s3sync-manifest.json.deploys/20260101T000000Z.json.gz",
            "static/previews/pr-1/a.css",
            "static/previews/pr-1/stray.txt",
        ]);
        let plan = destroy_plan(&m, &keys, &listed);
        assert_eq!(
            plan.objects,
            strings(&["static/previews/pr-1/a.css", "static/previews/pr-1/b.js"])
        );
        assert_eq!(
            plan.records,
            strings(&[
                "static/previews/pr-1/.s3sync-manifest.json.deploys/20260101T000000Z.json.gz",
                "static/previews/pr-1/.s3sync-manifest.json.intent",
                "static/previews/pr-1/.s3sync-manifest.json",
            ])
        );
        assert!(
            plan.skipped.is_empty(),
            "a key it does not name is not named"
        );
        assert_eq!(plan.deletes(), 5);
    }

    #[test]
    fn a_root_never_deletes_what_a_nested_manifest_owns() {
        // The root's source once had a previews/ folder: its manifest names
        // a key the preview at static/previews/pr-1/ now owns.
        let m = manifest(
            "static",
            &[
                "static/app.css",
                "static/previews/pr-1/index.html",
                "static/previews/pr-1/.s3sync-manifest.json",
                "elsewhere/x",
            ],
            &[],
        );
        let listed = strings(&[
            "static/.s3sync-manifest.json",
            "static/app.css",
            "static/previews/pr-1/.s3sync-manifest.json",
            "static/previews/pr-1/.s3sync-manifest.json.deploys/1.json.gz",
            "static/previews/pr-1/index.html",
        ]);
        let plan = destroy_plan(&m, &root_keys(), &listed);
        assert_eq!(plan.objects, strings(&["static/app.css"]));
        assert_eq!(
            plan.records,
            strings(&[
                "static/.s3sync-manifest.json.intent",
                "static/.s3sync-manifest.json"
            ])
        );
        let skipped: Vec<&str> = plan.skipped.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            skipped,
            [
                "elsewhere/x",
                "static/previews/pr-1/.s3sync-manifest.json",
                "static/previews/pr-1/index.html"
            ]
        );
        assert!(plan.skipped[2].1.contains("static/previews/pr-1/"));
    }

    #[test]
    fn a_file_merely_ending_in_the_manifest_name_is_not_a_manifest() {
        let m = manifest("static", &["static/x/my.s3sync-manifest.json/a"], &[]);
        let listed = strings(&["static/x/my.s3sync-manifest.json"]);
        let plan = destroy_plan(&m, &root_keys(), &listed);
        assert_eq!(
            plan.objects,
            strings(&["static/x/my.s3sync-manifest.json/a"])
        );
    }
}
