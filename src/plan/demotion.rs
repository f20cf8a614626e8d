//! Self-correcting fingerprints. A name taken for a fingerprint (by a build
//! manifest, a framework folder, the name rule or a pattern) promises that
//! its bytes never change. The record knows each key's previous SHA-256:
//! when a fingerprinted key's bytes change under the same name, it is not
//! a fingerprint. It is demoted: the headers it would have if it were not
//! hashed (the short cache), recorded as `demoted` so later pushes keep it
//! so, and planned as a changed key (uploaded, and invalidated on the CDN
//! like any changed key). Runs between reading the state and planning, on
//! the local manifest, as a pure function.

use crate::record::manifest::{Headers, Manifest};

/// One key demoted by this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demoted {
    pub key: String,
    /// Its path in the source.
    pub path: String,
}

/// Demote, in `local`, each key of `unhashed` (the fingerprinted keys, with
/// the headers they get when they are not) that the record shows demoted
/// already, or with other bytes under the same name. Returns the keys
/// demoted by this run (not those demoted before).
pub fn demote<'a>(
    local: &mut Manifest,
    unhashed: impl IntoIterator<Item = (&'a String, &'a Headers)>,
    recorded: Option<&Manifest>,
) -> Vec<Demoted> {
    let Some(recorded) = recorded else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, headers) in unhashed {
        let Some(entry) = local.entries.get_mut(key) else {
            continue;
        };
        // A key left pending by a push that was demoting it has no entry:
        // its demotion is kept beside the pending keys.
        let was_demoted = recorded.pending_demoted.contains(key);
        let old = recorded.entries.get(key);
        let changed = old.is_some_and(|o| o.sha256 != entry.sha256 || o.size != entry.size);
        let demoted_before = was_demoted || old.is_some_and(|o| o.demoted);
        if !(demoted_before || changed) {
            continue;
        }
        entry.headers = headers.clone();
        entry.fingerprint = false;
        entry.demoted = true;
        if !demoted_before {
            out.push(Demoted {
                key: key.clone(),
                path: entry.path.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::manifest::Entry;
    use std::collections::BTreeMap;

    const IMMUTABLE: &str = "public, max-age=31536000, immutable";
    const SHORT: &str = "public, max-age=60, must-revalidate";

    fn entry(sha: &str, cache: &str, fingerprint: bool, demoted: bool) -> Entry {
        Entry {
            path: "assets/app-1a2b3c4d.js".into(),
            sha256: sha.into(),
            size: 3,
            headers: Headers {
                content_type: "text/javascript".into(),
                cache_control: Some(cache.into()),
                ..Headers::default()
            },
            etag: None,
            fingerprint,
            demoted,
            retired: None,
            version_id: None,
        }
    }

    fn manifest(entry: Entry) -> Manifest {
        let mut m = Manifest::new("");
        m.entries.insert("assets/app-1a2b3c4d.js".into(), entry);
        m
    }

    fn unhashed() -> BTreeMap<String, Headers> {
        let mut h = entry("x", SHORT, false, false).headers;
        h.cache_control = Some(SHORT.into());
        [("assets/app-1a2b3c4d.js".to_string(), h)].into()
    }

    #[test]
    fn a_fingerprint_whose_bytes_change_under_its_name_is_demoted_once_and_stays_so() {
        let recorded = manifest(entry("aa", IMMUTABLE, true, false));
        // Same bytes: still a fingerprint.
        let mut local = manifest(entry("aa", IMMUTABLE, true, false));
        assert!(demote(&mut local, &unhashed(), Some(&recorded)).is_empty());
        assert!(local.entries["assets/app-1a2b3c4d.js"].fingerprint);

        // Other bytes: demoted, reported.
        let mut local = manifest(entry("bb", IMMUTABLE, true, false));
        let demoted = demote(&mut local, &unhashed(), Some(&recorded));
        assert_eq!(demoted.len(), 1);
        assert_eq!(demoted[0].path, "assets/app-1a2b3c4d.js");
        let e = &local.entries["assets/app-1a2b3c4d.js"];
        assert!(e.demoted && !e.fingerprint);
        assert_eq!(e.headers.cache_control.as_deref(), Some(SHORT));

        // Next push: the record says demoted; the same bytes stay demoted,
        // without a second warning.
        let recorded = local.clone();
        let mut again = manifest(entry("bb", IMMUTABLE, true, false));
        assert!(demote(&mut again, &unhashed(), Some(&recorded)).is_empty());
        assert_eq!(again, recorded);

        // No record: nothing to compare with.
        let mut first = manifest(entry("bb", IMMUTABLE, true, false));
        assert!(demote(&mut first, &unhashed(), None).is_empty());
        assert!(first.entries["assets/app-1a2b3c4d.js"].fingerprint);
    }

    /// A demoted key whose upload was left unknown loses its entry (it is
    /// pending); the record keeps its demotion beside the pending keys, and
    /// the next push keeps the short cache, without a second warning.
    #[test]
    fn a_demoted_key_left_pending_stays_demoted() {
        let key = "assets/app-1a2b3c4d.js";
        let mut local = manifest(entry("cc", IMMUTABLE, true, false));
        let demoted_local = {
            let mut m = local.clone();
            let e = m.entries.get_mut(key).unwrap();
            e.demoted = true;
            e.fingerprint = false;
            e.headers.cache_control = Some(SHORT.into());
            m
        };
        let plan = crate::plan::Plan {
            steps: vec![crate::plan::Step {
                key: key.into(),
                reason: "content differs".into(),
                change: crate::plan::Change::Changed {
                    local: Box::new(demoted_local.entries[key].clone()),
                    recorded: None,
                    remote_etag: None,
                },
            }],
            ..crate::plan::Plan::default()
        };
        let base = manifest(entry("bb", SHORT, false, true));
        let after =
            crate::plan::manifest_after("", Some(&base), &plan, &[crate::plan::Effect::Unknown]);
        assert!(after.entries.is_empty() && after.pending.contains(key));
        assert!(after.pending_demoted.contains(key), "{after:?}");
        // The record as stored round-trips it.
        let stored = Manifest::from_stored(&after.to_stored()).unwrap();
        assert!(stored.pending_demoted.contains(key));

        assert!(demote(&mut local, &unhashed(), Some(&stored)).is_empty());
        let e = &local.entries[key];
        assert!(e.demoted && !e.fingerprint);
        assert_eq!(e.headers.cache_control.as_deref(), Some(SHORT));
    }
}
