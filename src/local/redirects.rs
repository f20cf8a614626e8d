//! `[[redirects]]` as entries of the local manifest. Each is a zero-byte
//! object at `<prefix>/<from>` whose `x-amz-website-redirect-location` is
//! the target, so the plan treats it like any file: recorded with the
//! SHA-256 of the empty body, re-pushed as nothing, re-headered in place
//! when the target changes, removed with `--delete` when it leaves the
//! config. Its other headers are those a file at `from` would get (the
//! same rules, ACL and Cache-Control), without gzip: there is no body.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{RedirectSpec, Settings};
use crate::local::encode;
use crate::local::error::LocalError;
use crate::local::keys::{MAX_KEY_BYTES, Source, key_for};
use crate::local::rules::{ObjectSpec, Rules};
use crate::record::manifest::{Entry, Manifest};

/// The `[[redirects]]` entry for `path` (relative to the source), if any.
pub fn find<'a>(settings: &'a Settings, path: &str) -> Option<&'a RedirectSpec> {
    settings.redirects.iter().find(|r| r.from == path)
}

/// What a redirect is stored as: the rules' answer for a file at `from`,
/// with no content encoding and the redirect target.
pub fn spec(rules: &Rules, redirect: &RedirectSpec) -> ObjectSpec {
    let mut spec = rules.resolve(&redirect.from);
    spec.encoding = crate::config::Encoding::None;
    spec.encoding_reason = "a redirect has no body: never encoded".into();
    spec.headers.content_encoding = None;
    spec.headers.website_redirect_location = Some(redirect.to.clone());
    spec
}

/// The manifest entry of a redirect: zero bytes, never a fingerprint.
pub fn entry(rules: &Rules, redirect: &RedirectSpec) -> Entry {
    let empty = encode::digest_bytes(b"");
    Entry {
        path: redirect.from.clone(),
        sha256: hex::encode(empty.sha256),
        size: 0,
        headers: spec(rules, redirect).headers,
        etag: None,
        fingerprint: false,
        demoted: false,
        retired: None,
        version_id: None,
    }
}

/// Add every redirect of `settings` to the local manifest (whose files are
/// already in it) and its empty body to `sources`. A redirect whose key a
/// file of the source already holds is an error naming both.
pub fn add(
    settings: &Settings,
    source: &Path,
    rules: &Rules,
    manifest: &mut Manifest,
    sources: &mut BTreeMap<String, Source>,
) -> Result<(), LocalError> {
    let manifest_key = crate::local::keys::manifest_key(settings);
    for redirect in &settings.redirects {
        let key = key_for(&settings.prefix, &redirect.from);
        if key.len() > MAX_KEY_BYTES {
            return Err(LocalError::KeyTooLong {
                path: redirect.from.clone(),
                len: key.len(),
            });
        }
        if crate::record::is_record_key(&manifest_key, &key) {
            return Err(LocalError::RedirectOnRecord {
                origin: redirect.origin.clone(),
                from: redirect.from.clone(),
                key,
            });
        }
        if manifest.entries.contains_key(&key) {
            return Err(LocalError::RedirectOverFile {
                origin: redirect.origin.clone(),
                from: redirect.from.clone(),
                file: source.join(&redirect.from),
            });
        }
        manifest.entries.insert(key.clone(), entry(rules, redirect));
        sources.insert(key, Source::Empty);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::local::build;
    use crate::progress::{Observer, Silent};

    fn site(config: &str) -> (tempfile::TempDir, crate::config::Settings) {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("new")).unwrap();
        std::fs::write(site.join("new/page.html"), "<p>new</p>").unwrap();
        let mut settings = crate::config::settings_from_toml(&format!(
            "source = {:?}\n[storage]\nbucket_name = \"bucket\"\nlocation = \"static\"\n{config}",
            site.to_str().unwrap()
        ));
        settings.hash_cache = None;
        (dir, settings)
    }

    const REDIRECT: &str = "[[rules]]\nmatch = \"old/**\"\ncache_control = \"max-age=300\"\n\n[[redirects]]\nfrom = \"old/page.html\"\nto = \"/new/page/\"\n";

    #[test]
    fn a_redirect_is_a_zero_byte_entry_with_its_target_and_the_rules_headers() {
        let (_dir, settings) = site(REDIRECT);
        let observer: Arc<dyn Observer> = Arc::new(Silent);
        let tree = build(&settings, &observer).unwrap();
        let entry = &tree.manifest.entries["static/old/page.html"];
        assert_eq!(entry.path, "old/page.html");
        assert_eq!(entry.size, 0);
        assert_eq!(
            entry.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            entry.headers.website_redirect_location.as_deref(),
            Some("/new/page/")
        );
        assert_eq!(entry.headers.content_type, "text/html; charset=utf-8");
        assert_eq!(entry.headers.content_encoding, None);
        assert_eq!(entry.headers.cache_control.as_deref(), Some("max-age=300"));
        assert_eq!(entry.headers.acl.as_deref(), Some("public-read"));
        assert!(!entry.fingerprint);
        assert!(matches!(
            tree.sources["static/old/page.html"],
            crate::local::Source::Empty
        ));
        // Files are entries as before, without a redirect.
        let file = &tree.manifest.entries["static/new/page.html"];
        assert_eq!(file.headers.website_redirect_location, None);
    }

    #[test]
    fn a_redirect_over_a_file_of_the_source_names_both() {
        let (_dir, settings) = site("[[redirects]]\nfrom = \"new/page.html\"\nto = \"/x/\"\n");
        let observer: Arc<dyn Observer> = Arc::new(Silent);
        let err = build(&settings, &observer).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "[[redirects]] at /p/s3sync.toml line 6 redirects new/page.html, which is also a file in the source ("
            ),
            "{err}"
        );
        assert!(err.contains("site/new/page.html)"), "{err}");
        assert!(err.contains("remove the redirect"), "{err}");
    }

    #[test]
    fn a_redirect_cannot_take_a_record_key() {
        let (_dir, settings) =
            site("[[redirects]]\nfrom = \".s3sync-manifest.json\"\nto = \"/x/\"\n");
        let observer: Arc<dyn Observer> = Arc::new(Silent);
        let err = build(&settings, &observer).unwrap_err().to_string();
        assert_eq!(
            err,
            "[[redirects]] at /p/s3sync.toml line 6 redirects .s3sync-manifest.json to the key static/.s3sync-manifest.json, which s3sync uses for its records: change its `from`, or set [sync] manifest to another name"
        );
    }
}
