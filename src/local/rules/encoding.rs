//! Which encoding a file is stored with, and why (for `explain`): a file
//! whose bytes are compressed already is stored as it is, whatever a rule
//! says (never encoded twice); then a rule's `encoding` or `gzip`; then
//! `[gzip] content_types` with `[gzip] encoding`. And the warning for
//! brotli objects served straight from the bucket.

use crate::config::{Destination, Encoding, GzipSettings, RuleSpec, Settings};
use crate::local::encode;
use crate::record::manifest::Manifest;

/// The encoding of the file at `path` (of type `content_type`), matched by
/// `rule`, and the reason.
pub(super) fn resolve(
    path: &str,
    content_type: &str,
    rule: Option<&RuleSpec>,
    gzip: &GzipSettings,
) -> (Encoding, String) {
    let base = encode::base_type(content_type);
    if encode::is_precompressed(path, content_type) {
        return (
            Encoding::None,
            "already compressed: stored as it is, never encoded twice".into(),
        );
    }
    if let Some(e) = rule.and_then(|r| r.encoding) {
        return (e, format!("rule sets encoding = \"{}\"", e.name()));
    }
    match rule.and_then(|r| r.gzip) {
        Some(false) => return (Encoding::None, "rule sets gzip = false".into()),
        // `gzip = true` compresses the file whatever its type, with the
        // global encoding when that compresses.
        Some(true) if gzip.encoding == Encoding::Br => {
            return (
                Encoding::Br,
                "rule sets gzip = true, compressed with [gzip] encoding = \"br\"".into(),
            );
        }
        Some(true) => return (Encoding::Gzip, "rule sets gzip = true".into()),
        None => {}
    }
    if !gzip.enabled {
        return (Encoding::None, "[gzip] enabled = false".into());
    }
    if !gzip.content_types.iter().any(|t| t == base) {
        return (
            Encoding::None,
            format!("{base} is not in [gzip] content_types"),
        );
    }
    let why = match gzip.encoding {
        Encoding::None => format!(
            "{base} is in [gzip] content_types, but [gzip] encoding = \"none\": stored as it is"
        ),
        _ => format!("{base} is in [gzip] content_types"),
    };
    (gzip.encoding, why)
}

/// A warning when objects will be stored brotli-encoded in a bucket that
/// is served straight to clients: no custom domain (`custom_domain`) and
/// no CloudFront distribution (`[cdn]`) in front of it. A bucket object has
/// one encoding; a client that does not send `Accept-Encoding: br` (curl,
/// any browser over plain HTTP, an S3 website endpoint) gets bytes it
/// cannot read.
pub fn brotli_warning(settings: &Settings, manifest: &Manifest) -> Option<String> {
    let br = manifest
        .entries
        .values()
        .filter(|e| e.headers.content_encoding.as_deref() == Some("br"))
        .count();
    let direct = matches!(settings.destination, Some(Destination::S3 { .. }))
        && settings.public.custom_domain.is_none()
        && settings.cdn.distributions.is_empty();
    (br > 0 && direct).then(|| {
        format!(
            "{br} object(s) will be stored brotli-encoded (Content-Encoding: br), and nothing says a CDN serves them: a client that does not send Accept-Encoding: br (curl, a browser over plain HTTP, an S3 website endpoint) gets bytes it cannot read. Serve the bucket over HTTPS through a CDN (set custom_domain or [cdn] distributions to say so), or use [gzip] encoding = \"gzip\", or \"none\" and let the CDN compress"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> crate::config::Settings {
        crate::config::settings_from_toml(text)
    }

    fn encoding_of(text: &str, path: &str) -> Encoding {
        let s = settings(text);
        let rule = s.rules.first();
        let ct = encode::content_type_for(path);
        resolve(path, &ct, rule, &s.gzip).0
    }

    #[test]
    fn the_global_encoding_applies_to_the_listed_types_only() {
        for (config, css, png) in [
            ("", Encoding::Gzip, Encoding::None),
            ("[gzip]\nencoding = \"br\"\n", Encoding::Br, Encoding::None),
            (
                "[gzip]\nencoding = \"none\"\n",
                Encoding::None,
                Encoding::None,
            ),
            (
                "[gzip]\nenabled = false\nencoding = \"br\"\n",
                Encoding::None,
                Encoding::None,
            ),
        ] {
            assert_eq!(encoding_of(config, "css/app.css"), css, "{config}");
            assert_eq!(encoding_of(config, "img/logo.png"), png, "{config}");
        }
        let only_css = "[gzip]\nencoding = \"br\"\ncontent_types = [\"text/css\"]\n";
        assert_eq!(encoding_of(only_css, "a.css"), Encoding::Br);
        assert_eq!(encoding_of(only_css, "a.js"), Encoding::None);
    }

    /// A config with a global encoding and one rule matching every path.
    fn text(global: &str, rule: &str) -> String {
        format!("[gzip]\nencoding = \"{global}\"\n[[rules]]\nmatch = \"**\"\n{rule}\n")
    }

    #[test]
    fn a_rule_encoding_wins_over_the_list_and_the_global_setting() {
        assert_eq!(
            encoding_of(&text("gzip", "encoding = \"br\""), "a.html"),
            Encoding::Br
        );
        assert_eq!(
            encoding_of(&text("br", "encoding = \"gzip\""), "a.html"),
            Encoding::Gzip
        );
        assert_eq!(
            encoding_of(&text("br", "encoding = \"none\""), "a.html"),
            Encoding::None
        );
        // A type not on the list is compressed when a rule says so.
        assert_eq!(
            encoding_of(&text("gzip", "encoding = \"br\""), "data.bin"),
            Encoding::Br
        );
    }

    #[test]
    fn the_gzip_field_of_a_rule_keeps_working() {
        assert_eq!(
            encoding_of(&text("gzip", "gzip = false"), "a.css"),
            Encoding::None
        );
        assert_eq!(
            encoding_of(&text("br", "gzip = false"), "a.css"),
            Encoding::None
        );
        assert_eq!(
            encoding_of(&text("gzip", "gzip = true"), "data.bin"),
            Encoding::Gzip
        );
        // `gzip = true` compresses with the global encoding when that
        // compresses; under `none` (or `enabled = false`) it means gzip.
        assert_eq!(
            encoding_of(&text("br", "gzip = true"), "data.bin"),
            Encoding::Br
        );
        assert_eq!(
            encoding_of(&text("none", "gzip = true"), "data.bin"),
            Encoding::Gzip
        );
        assert_eq!(
            encoding_of(
                "[gzip]\nenabled = false\n[[rules]]\nmatch = \"**\"\ngzip = true\n",
                "a.css"
            ),
            Encoding::Gzip
        );
    }

    #[test]
    fn compressed_files_are_never_encoded_again() {
        for rule in ["encoding = \"br\"", "encoding = \"gzip\"", "gzip = true"] {
            for global in ["gzip", "br"] {
                let text =
                    format!("[gzip]\nencoding = \"{global}\"\n[[rules]]\nmatch = \"**\"\n{rule}\n");
                for path in ["app.js.gz", "app.js.br", "a.png", "f.woff2", "a.zst"] {
                    let s = settings(&text);
                    let (e, why) = resolve(
                        path,
                        &encode::content_type_for(path),
                        s.rules.first(),
                        &s.gzip,
                    );
                    assert_eq!(e, Encoding::None, "{text} {path}");
                    assert!(why.contains("never encoded twice"), "{why}");
                }
            }
        }
    }

    #[test]
    fn brotli_served_straight_from_the_bucket_is_warned_about() {
        let warn = |extra: &str| {
            let s = settings(&format!(
                "[storage]\nbucket_name = \"assets\"\n{extra}\n[gzip]\nencoding = \"br\"\n"
            ));
            let mut m = Manifest::new("");
            let rules = crate::local::rules::Rules::new(&s, Default::default()).unwrap();
            for path in ["a.css", "b.js", "c.png"] {
                m.entries.insert(
                    path.into(),
                    crate::record::manifest::Entry {
                        path: path.into(),
                        sha256: String::new(),
                        size: 0,
                        headers: rules.resolve(path).headers,
                        etag: None,
                        fingerprint: false,
                        demoted: false,
                        retired: None,
                        version_id: None,
                    },
                );
            }
            brotli_warning(&s, &m)
        };
        let w = warn("").unwrap();
        assert!(
            w.starts_with("2 object(s) will be stored brotli-encoded"),
            "{w}"
        );
        assert_eq!(warn("custom_domain = \"cdn.example.com\""), None);
    }

    #[test]
    fn the_default_list_covers_the_text_types_of_a_site() {
        for path in [
            "index.html",
            "data.json",
            "app.js.map",
            "feed.xml",
            "robots.txt",
            "site.webmanifest",
            "app.wasm",
            "favicon.ico",
            "f.ttf",
            "f.otf",
            "table.csv",
            "notes.md",
            "mod.mjs",
            "a.css",
            "a.js",
            "a.svg",
            "page.xhtml",
            "feed.rss",
            "feed.atom",
            "f.eot",
        ] {
            assert_eq!(encoding_of("", path), Encoding::Gzip, "{path}");
        }
        for path in [
            "a.png", "a.jpg", "a.webp", "a.avif", "f.woff", "f.woff2", "a.gz",
        ] {
            assert_eq!(encoding_of("", path), Encoding::None, "{path}");
        }
    }
}
