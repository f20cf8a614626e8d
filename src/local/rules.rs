//! Per-file upload parameters: defaults from `[storage]` and `[gzip]`, then
//! the first `[[rules]]` entry whose glob matches (`encoding.rs`: how the
//! bytes are stored).

mod encoding;

pub use encoding::brotli_warning;

use globset::GlobMatcher;

use crate::config::{Acl, CACHE_CONTROL_SHORT, Encoding, RuleSpec, Settings};
use crate::local::encode;
use crate::local::fingerprints::{Hashed, HashedBy};
use crate::local::globs;
use crate::record::manifest::Headers;

/// What one file will be stored as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSpec {
    pub headers: Headers,
    /// How the stored bytes encode the source (`headers.content_encoding`
    /// names it).
    pub encoding: Encoding,
    /// The rule that matched (its glob and where it was written).
    pub rule: Option<String>,
    /// Why the file is stored with `encoding`, for `explain`.
    pub encoding_reason: String,
    /// Where the Cache-Control came from, for `explain`.
    pub cache_control_from: String,
    /// Why this file (or the bundle it is the source map of) is taken for
    /// a hashed output.
    pub hashed_by: Option<HashedBy>,
    /// The hashed bundle this file is the source map of.
    pub source_map_of: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Rules {
    compiled: Vec<(GlobMatcher, RuleSpec)>,
    settings: Settings,
    hashed: Hashed,
}

impl Rules {
    pub fn new(settings: &Settings, hashed: Hashed) -> Result<Self, Vec<String>> {
        let matchers = globs::compile_each("rule `match`", settings.rules.iter().map(|r| &r.glob))?;
        let compiled = matchers
            .into_iter()
            .zip(settings.rules.iter().cloned())
            .collect();
        Ok(Self {
            compiled,
            settings: settings.clone(),
            hashed,
        })
    }

    /// Whether `path` is taken for a fingerprint (or the map of one).
    pub fn is_hashed(&self, path: &str) -> bool {
        self.hashed.reason_for(path).is_some()
    }

    /// Resolve the parameters for one slash path relative to the source.
    pub fn resolve(&self, path: &str) -> ObjectSpec {
        let hashed_by = self.hashed.reason_for(path).cloned();
        let source_map_of = self.hashed.map_of(path).map(str::to_string);
        self.resolve_as(path, hashed_by, source_map_of)
    }

    /// The parameters `path` gets if it is not a fingerprint after all
    /// (`plan::demotion`): the short cache of the tree's other files.
    pub fn resolve_unhashed(&self, path: &str) -> ObjectSpec {
        self.resolve_as(path, None, None)
    }

    fn resolve_as(
        &self,
        path: &str,
        hashed_by: Option<HashedBy>,
        source_map_of: Option<String>,
    ) -> ObjectSpec {
        let defaults = &self.settings.objects;
        let rule = self
            .compiled
            .iter()
            .find(|(m, _)| m.is_match(path))
            .map(|(_, r)| r);
        let content_type = rule
            .and_then(|r| r.content_type.as_deref())
            .map_or_else(|| encode::content_type_for(path), encode::with_charset);
        let (encoding, encoding_reason) =
            encoding::resolve(path, &content_type, rule, &self.settings.gzip);
        let hashed = &self.settings.hashed;
        let (cache_control, cache_control_from) =
            match (rule.and_then(|r| r.cache_control.clone()), &hashed_by) {
                (Some(cc), _) => (Some(cc), "the matching rule".to_string()),
                (None, Some(by)) => (
                    Some(hashed.cache_control.clone()),
                    match &source_map_of {
                        Some(bundle) => format!(
                            "[hashed] cache_control: source map of {bundle}, a hashed file ({by})"
                        ),
                        None => format!("[hashed] cache_control: {by}"),
                    },
                ),
                (None, None) if self.hashed.active() => {
                    match (&hashed.other_cache_control, &defaults.cache_control) {
                        (Some(cc), _) => (
                            Some(cc.clone()),
                            "[hashed] other_cache_control: not a hashed file".into(),
                        ),
                        (None, Some(cc)) => {
                            (Some(cc.clone()), "object_parameters CacheControl".into())
                        }
                        (None, None) => (
                            Some(CACHE_CONTROL_SHORT.to_string()),
                            "short default for files that are not hashed".into(),
                        ),
                    }
                }
                (None, None) => (
                    defaults.cache_control.clone(),
                    if defaults.cache_control.is_some() {
                        "object_parameters CacheControl".into()
                    } else {
                        "none set".into()
                    },
                ),
            };
        let acl = rule
            .and_then(|r| r.acl.as_ref())
            .unwrap_or(&defaults.acl)
            .header()
            .map(str::to_string);
        // A private object must not inherit a Cache-Control that lets a
        // shared cache or CDN keep it and serve it to others; a rule that
        // sets cache_control itself still wins.
        let rule_sets_cc = rule.is_some_and(|r| r.cache_control.is_some());
        let private = !meant_public(acl.as_deref(), &defaults.acl);
        let (cache_control, cache_control_from) = if private && !rule_sets_cc {
            (
                Some(private_cache_control(cache_control.as_deref())),
                format!(
                    "{cache_control_from}, made `private`: the object is private (ACL {}), so no shared cache may keep it",
                    acl.as_deref()
                        .unwrap_or("none sent, under a public default_acl")
                ),
            )
        } else {
            (cache_control, cache_control_from)
        };
        let headers = Headers {
            content_type,
            content_encoding: encoding.header().map(str::to_string),
            cache_control,
            content_disposition: rule
                .and_then(|r| r.content_disposition.clone())
                .or_else(|| defaults.content_disposition.clone()),
            content_language: defaults.content_language.clone(),
            acl,
            metadata: rule
                .and_then(|r| r.metadata.clone())
                .unwrap_or_else(|| defaults.metadata.clone()),
            storage_class: defaults.storage_class.clone(),
            website_redirect_location: None,
        };
        ObjectSpec {
            headers,
            encoding,
            rule: rule.map(|r| format!("{} ({})", r.glob.pattern, r.glob.origin)),
            encoding_reason,
            cache_control_from,
            hashed_by,
            source_map_of,
        }
    }
}

/// Whether an object stored with the ACL header `acl` (`None`: no header)
/// is meant to be read by everyone, given the configured `default_acl`.
/// Without a header an object is private, unless the config sends no ACLs
/// at all (`default_acl = "none"`): then a public bucket policy is how the
/// objects are made public.
pub fn meant_public(acl: Option<&str>, default: &Acl) -> bool {
    match acl {
        Some(acl) => matches!(acl, "public-read" | "public-read-write"),
        None => *default == Acl::Omit,
    }
}

/// `cache_control` for a private object: `private` instead of `public`,
/// without the directives only shared caches read (`s-maxage`,
/// `proxy-revalidate`); the browser's own caching (`max-age`, `immutable`)
/// is kept. No Cache-Control at all becomes `private`.
fn private_cache_control(cache_control: Option<&str>) -> String {
    let kept = cache_control
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|d| {
            let name = d.split('=').next().unwrap_or_default().trim();
            !d.is_empty()
                && !["public", "private", "s-maxage", "proxy-revalidate"]
                    .iter()
                    .any(|n| name.eq_ignore_ascii_case(n))
        });
    std::iter::once("private")
        .chain(kept)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(path: &str) -> HashedBy {
        HashedBy::Manifest(path.into())
    }

    fn rules(text: &str) -> Rules {
        Rules::new(&crate::config::settings_from_toml(text), Hashed::default()).unwrap()
    }

    #[test]
    fn defaults_gzip_text_and_set_public_read() {
        let r = rules("");
        let css = r.resolve("css/app.css");
        assert_eq!(css.encoding, Encoding::Gzip);
        assert_eq!(css.headers.content_encoding.as_deref(), Some("gzip"));
        assert_eq!(css.headers.acl.as_deref(), Some("public-read"));
        assert_eq!(css.headers.content_type, "text/css; charset=utf-8");
        let png = r.resolve("img/logo.png");
        assert_eq!(png.encoding, Encoding::None);
        assert_eq!(png.headers.content_encoding, None);
        let html = r.resolve("index.html");
        assert_eq!(html.encoding, Encoding::Gzip, "text/html is a default type");
        let br = rules("[gzip]\nencoding = \"br\"\n").resolve("index.html");
        assert_eq!(br.headers.content_encoding.as_deref(), Some("br"));
        let none = rules("[gzip]\nencoding = \"none\"\n").resolve("index.html");
        assert_eq!(none.headers.content_encoding, None);
    }

    #[test]
    fn first_matching_rule_wins_and_unset_fields_fall_back() {
        let r = rules(
            "[storage.object_parameters]\nCacheControl = \"max-age=60\"\nMetadata = { team = \"web\" }\n\n[[rules]]\nmatch = \"**/*.html\"\ncache_control = \"no-cache\"\n\n[[rules]]\nmatch = \"*.html\"\ncache_control = \"never-used\"\nacl = \"private\"\n",
        );
        let html = r.resolve("blog/post.html");
        assert_eq!(html.headers.cache_control.as_deref(), Some("no-cache"));
        assert_eq!(html.headers.acl.as_deref(), Some("public-read"));
        assert_eq!(
            html.headers.metadata.get("team").map(String::as_str),
            Some("web")
        );
        assert!(
            html.rule
                .unwrap()
                .starts_with("**/*.html (/p/s3sync.toml line 6)")
        );
        let js = r.resolve("app.js");
        assert_eq!(js.headers.cache_control.as_deref(), Some("max-age=60"));
        assert_eq!(js.rule, None);
    }

    #[test]
    fn private_objects_never_get_a_shared_cache_control() {
        let r = rules(
            "[storage.object_parameters]\nCacheControl = \"public, max-age=86400, s-maxage=600\"\n\n[[rules]]\nmatch = \"reports/**\"\nacl = \"private\"\n\n[[rules]]\nmatch = \"own/**\"\nacl = \"private\"\ncache_control = \"public, max-age=5\"\n",
        );
        let report = r.resolve("reports/q3.pdf");
        assert_eq!(
            report.headers.cache_control.as_deref(),
            Some("private, max-age=86400")
        );
        assert!(report.cache_control_from.contains("made `private`"));
        assert_eq!(
            r.resolve("css/app.css").headers.cache_control.as_deref(),
            Some("public, max-age=86400, s-maxage=600"),
            "public objects keep theirs"
        );
        assert_eq!(
            r.resolve("own/x.txt").headers.cache_control.as_deref(),
            Some("public, max-age=5"),
            "a rule that sets cache_control wins"
        );
        let all_private = rules("[storage]\ndefault_acl = \"authenticated-read\"\n");
        assert_eq!(
            all_private
                .resolve("a.css")
                .headers
                .cache_control
                .as_deref(),
            Some("private")
        );
        let no_acl = rules("[storage]\ndefault_acl = \"none\"\n");
        assert_eq!(no_acl.resolve("a.css").headers.cache_control, None);
        // No ACL header under a public-read default: the object is private.
        let unlisted = rules(
            "[storage.object_parameters]\nCacheControl = \"public, max-age=86400\"\n[[rules]]\nmatch = \"drafts/**\"\nacl = \"none\"\n",
        );
        assert_eq!(
            unlisted
                .resolve("drafts/a.html")
                .headers
                .cache_control
                .as_deref(),
            Some("private, max-age=86400")
        );
    }

    #[test]
    fn rule_cannot_gzip_precompressed_files() {
        let r = rules("[[rules]]\nmatch = \"*\"\ngzip = true\n");
        let gz = r.resolve("bundle.js.gz");
        assert_eq!(gz.encoding, Encoding::None);
        assert_eq!(gz.headers.content_encoding, None);
        let bin = r.resolve("data.bin");
        assert_eq!(bin.encoding, Encoding::Gzip, "rule may gzip other types");
    }

    #[test]
    fn rule_acl_none_omits_the_header_and_content_type_gets_charset() {
        let r = rules(
            "[[rules]]\nmatch = \"*.txt\"\nacl = \"none\"\ncontent_type = \"text/x-custom\"\n",
        );
        let spec = r.resolve("notes.txt");
        assert_eq!(spec.headers.acl, None);
        assert_eq!(spec.headers.content_type, "text/x-custom; charset=utf-8");
    }

    #[test]
    fn hashed_files_get_immutable_others_short_and_rules_still_win() {
        let text = "[[rules]]\nmatch = \"admin/**\"\ncache_control = \"private\"\n";
        let base = rules(text);
        let hashed = Hashed {
            manifests: vec!["staticfiles.json".into()],
            files: ["css/app.4f1c.css", "admin/x.1a.js"]
                .into_iter()
                .map(|a| (a.to_string(), manifest("staticfiles.json")))
                .collect(),
            ..Hashed::default()
        };
        let r = Rules::new(&base.settings, hashed).unwrap();
        let spec = r.resolve("css/app.4f1c.css");
        assert_eq!(
            spec.headers.cache_control.as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(spec.hashed_by, Some(manifest("staticfiles.json")));
        assert_eq!(
            r.resolve("css/app.css").headers.cache_control.as_deref(),
            Some("public, max-age=60, must-revalidate")
        );
        assert_eq!(
            r.resolve("staticfiles.json")
                .headers
                .cache_control
                .as_deref(),
            Some("public, max-age=60, must-revalidate")
        );
        assert_eq!(
            r.resolve("admin/x.1a.js").headers.cache_control.as_deref(),
            Some("private")
        );
        // Without a manifest nothing changes.
        assert_eq!(base.resolve("css/app.4f1c.css").headers.cache_control, None);
    }

    #[test]
    fn the_source_map_of_a_hashed_file_is_as_immutable_as_its_file() {
        let hashed = Hashed {
            manifests: vec![".vite/manifest.json".into()],
            files: ["assets/app-3f2a1b.css", "app.3f2a.js", "named.9c.js.map"]
                .into_iter()
                .map(|f| (f.to_string(), manifest(".vite/manifest.json")))
                .collect(),
            ..Hashed::default()
        };
        let r = Rules::new(&crate::config::settings_from_toml(""), hashed).unwrap();
        for map in ["app.3f2a.js.map", "assets/app-3f2a1b.css.map"] {
            let spec = r.resolve(map);
            assert_eq!(
                spec.headers.cache_control.as_deref(),
                Some("public, max-age=31536000, immutable"),
                "{map}"
            );
            assert_eq!(spec.hashed_by, Some(manifest(".vite/manifest.json")));
            assert_eq!(
                spec.source_map_of.as_deref(),
                map.strip_suffix(".map"),
                "{map}"
            );
            assert!(
                spec.cache_control_from.contains(&format!(
                    "source map of {}, a hashed file (.vite/manifest.json names it",
                    map.strip_suffix(".map").unwrap()
                )),
                "{}",
                spec.cache_control_from
            );
        }
        // A map named itself is a hashed file, not a map of one; the map
        // of an unhashed file, and a map of a map, get the short cache.
        assert_eq!(r.resolve("named.9c.js.map").source_map_of, None);
        for short in ["app.js.map", "app.3f2a.js.map.map"] {
            let spec = r.resolve(short);
            assert_eq!(spec.hashed_by, None, "{short}");
            assert_eq!(
                spec.headers.cache_control.as_deref(),
                Some("public, max-age=60, must-revalidate")
            );
        }
    }
}
