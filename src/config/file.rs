//! The `s3sync.toml` schema: every field optional, unknown keys rejected.
//!
//! This layer only says what the file *says*; `resolve` decides what the
//! program will do. Glob lists keep their spans so a bad glob can be reported
//! with the line it sits on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::error::ConfigError;

/// The whole file. Setting names follow django-storages where one exists.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub source: Option<String>,
    /// A target URL (`s3://bucket/prefix` or `file://dir`), an alternative to
    /// `[storage] bucket_name` + `location`.
    pub to: Option<String>,
    pub include: Option<Vec<Spanned<String>>>,
    pub exclude: Option<Vec<Spanned<String>>>,
    pub include_hidden: Option<bool>,
    pub skip_broken_links: Option<bool>,
    pub storage: Option<StorageSection>,
    pub gzip: Option<GzipSection>,
    pub rules: Option<Vec<RuleSection>>,
    pub sync: Option<SyncSection>,
    /// Named targets (`[targets.staging]`): `[storage]` keys that override
    /// `[storage]` when chosen with `--target NAME`.
    pub targets: Option<BTreeMap<String, StorageSection>>,
    /// The target used when `--target` is not given.
    pub default_target: Option<String>,
    pub hashed: Option<HashedSection>,
    pub scan: Option<ScanSection>,
    /// `[[redirects]]`: zero-byte objects that redirect on a website
    /// endpoint.
    pub redirects: Option<Vec<RedirectSection>>,
    pub setup: Option<SetupSection>,
    pub cdn: Option<CdnSection>,
}

/// One `[[redirects]]` entry; spans kept so a problem names its line.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RedirectSection {
    /// The old path, relative to the source (the key is `<location>/<from>`).
    pub from: Spanned<String>,
    /// A path starting with `/` or an absolute `https://`/`http://` URL.
    pub to: Spanned<String>,
}

/// `[setup]`: what `s3sync setup` makes of the bucket.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SetupSection {
    /// Public read of the prefix (by bucket policy when no ACL does it).
    pub public: Option<bool>,
    /// Origins allowed to GET and HEAD across origins (CORS).
    pub cors_origins: Option<Vec<Spanned<String>>>,
    /// Static website hosting: `{index = "index.html", error = "404.html"}`.
    pub website: Option<WebsiteSection>,
    pub versioning: Option<bool>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebsiteSection {
    pub index: Option<String>,
    pub error: Option<String>,
}

/// The CDN in front of the bucket: which distributions to invalidate after
/// a push, and how many paths at most.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CdnSection {
    /// One CloudFront distribution id, or a list.
    pub cloudfront_distribution_id: Option<OneOrMany>,
    pub max_paths: Option<i64>,
    /// The CloudFront API endpoint (tests, compatible APIs).
    pub endpoint_url: Option<String>,
}

/// How the source tree is walked.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// `"inside"` (default), `"outside"` or `"never"`; checked in `resolve`.
    pub follow_symlinks: Option<String>,
}

/// One string or a list of them.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Fingerprinted build outputs (Django `staticfiles.json`, Vite and webpack
/// manifests) and the Cache-Control they get.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HashedSection {
    /// `"auto"` (default), `"none"`, or manifest path(s) relative to `source`.
    pub manifests: Option<OneOrMany>,
    /// `"all"` (default: manifests, framework folders, hashed names),
    /// `"folders"` (manifests and framework folders) or `"manifests"`.
    pub detect: Option<String>,
    /// More fingerprinted files: globs relative to `source`.
    pub patterns: Option<Vec<Spanned<String>>>,
    /// Files never taken for fingerprints, whatever says so: globs.
    pub exclude: Option<Vec<Spanned<String>>>,
    pub cache_control: Option<String>,
    pub other_cache_control: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StorageSection {
    pub bucket_name: Option<String>,
    pub location: Option<String>,
    pub region_name: Option<String>,
    pub endpoint_url: Option<String>,
    pub addressing_style: Option<String>,
    pub session_profile: Option<String>,
    pub default_acl: Option<String>,
    pub object_parameters: Option<ObjectParameters>,
    pub custom_domain: Option<String>,
    pub querystring_auth: Option<bool>,
    pub querystring_expire: Option<u64>,
    pub checksum: Option<String>,
    /// django-storages' `verify`: `true`, or a CA bundle (PEM) to trust.
    pub verify: Option<Verify>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Verify {
    Enabled(bool),
    CaBundle(String),
}

impl StorageSection {
    /// This section with every key `over` sets replaced by `over`'s value.
    pub fn overlaid(&self, over: &Self) -> Self {
        let pick = |a: &Option<String>, b: &Option<String>| b.clone().or_else(|| a.clone());
        Self {
            bucket_name: pick(&self.bucket_name, &over.bucket_name),
            location: pick(&self.location, &over.location),
            region_name: pick(&self.region_name, &over.region_name),
            endpoint_url: pick(&self.endpoint_url, &over.endpoint_url),
            addressing_style: pick(&self.addressing_style, &over.addressing_style),
            session_profile: pick(&self.session_profile, &over.session_profile),
            default_acl: pick(&self.default_acl, &over.default_acl),
            object_parameters: over
                .object_parameters
                .clone()
                .or_else(|| self.object_parameters.clone()),
            custom_domain: pick(&self.custom_domain, &over.custom_domain),
            querystring_auth: over.querystring_auth.or(self.querystring_auth),
            querystring_expire: over.querystring_expire.or(self.querystring_expire),
            checksum: pick(&self.checksum, &over.checksum),
            verify: over.verify.clone().or_else(|| self.verify.clone()),
        }
    }
}

/// django-storages' `AWS_S3_OBJECT_PARAMETERS`, with boto3's key spelling.
#[derive(Debug, Default, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ObjectParameters {
    #[serde(rename = "CacheControl")]
    pub cache_control: Option<String>,
    #[serde(rename = "ContentDisposition")]
    pub content_disposition: Option<String>,
    #[serde(rename = "ContentLanguage")]
    pub content_language: Option<String>,
    #[serde(rename = "Metadata")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(rename = "StorageClass")]
    pub storage_class: Option<String>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GzipSection {
    pub enabled: Option<bool>,
    /// `"gzip"`, `"br"` or `"none"`: how the `content_types` are stored.
    pub encoding: Option<String>,
    pub content_types: Option<Vec<String>>,
    pub level: Option<u32>,
    /// "skip" or "upload": `.gz` / `.br` copies of published files.
    pub precompressed: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSection {
    #[serde(rename = "match")]
    pub pattern: Spanned<String>,
    pub cache_control: Option<String>,
    pub content_type: Option<String>,
    pub gzip: Option<bool>,
    /// `"gzip"`, `"br"` or `"none"`, whatever the type.
    pub encoding: Option<String>,
    pub acl: Option<String>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub content_disposition: Option<String>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SyncSection {
    pub delete: Option<bool>,
    pub max_deletes: Option<u64>,
    pub jobs: Option<i64>,
    pub order: Option<Vec<Spanned<String>>>,
    pub manifest: Option<String>,
    /// How long a removed file's object stays: "7d", "12h", "0s".
    pub keep_removed: Option<String>,
    pub history: Option<i64>,
    pub attempts: Option<i64>,
    pub stall_timeout: Option<f64>,
    pub timeout: Option<f64>,
    pub multipart_threshold: Option<Size>,
    pub multipart_chunksize: Option<Size>,
}

/// A size in bytes: a number, or text such as "64MiB" or "8 MB".
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Size {
    Bytes(i64),
    Text(String),
}

/// A parsed config file and where it came from (for messages and for
/// resolving `source` relative to it).
#[derive(Debug)]
pub struct LoadedFile {
    pub path: PathBuf,
    pub text: String,
    pub config: FileConfig,
}

impl LoadedFile {
    /// The 1-based line of a byte offset in the file, for error messages.
    pub fn line_of(&self, offset: usize) -> usize {
        line_of(&self.text, offset)
    }

    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or_else(|| Path::new("."))
    }
}

pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Read and parse a config file. `required` is true when the user named the
/// file; the default `./s3sync.toml` may be absent.
pub fn load(path: &Path, required: bool) -> Result<Option<LoadedFile>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    let config = parse(&text).map_err(|message| ConfigError::Parse {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(Some(LoadedFile {
        path: path.to_path_buf(),
        text,
        config,
    }))
}

/// Parse config text; the error text names the line, the key, the fix, and
/// shows the offending line.
pub fn parse(text: &str) -> Result<FileConfig, String> {
    let deserializer =
        toml::de::Deserializer::parse(text).map_err(|e| describe_toml_error(text, &e, ""))?;
    serde_path_to_error::deserialize::<_, FileConfig>(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let key = if path == "." { String::new() } else { path };
        describe_toml_error(text, e.inner(), &key)
    })
}

fn describe_toml_error(text: &str, e: &toml::de::Error, key: &str) -> String {
    let span = e.span();
    let mut message = e.message().trim_end().to_string();
    // serde: "invalid type: integer `5`, expected a string"; say it the
    // other way round, the setting first: "expected a string, found …".
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        let expected = match expected {
            "i64" | "u64" | "u32" | "i32" | "usize" => "an integer",
            "f64" => "a number",
            other => other,
        };
        message = format!("expected {expected}, found {found}");
    }
    if let Some(hint) = unknown_field_hint(&message) {
        message.push_str(&hint);
    }
    // An unknown field's path ends at the table that holds it.
    if !key.is_empty() && !message.starts_with("unknown field") {
        message = format!("{key}: {message}");
    }
    match span {
        Some(span) => {
            let line = line_of(text, span.start);
            let shown = text.lines().nth(line - 1).unwrap_or_default();
            let shown: String = shown.chars().take(200).collect();
            format!(
                "line {line}: {message}\n    {line} | {}",
                crate::escape::for_terminal(&shown)
            )
        }
        None => message,
    }
}

/// serde says "unknown field `bucket`, expected one of `a`, `b`"; turn that
/// into a suggestion of the closest valid key.
fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let best = expected
        .iter()
        .map(|candidate| (strsim::jaro_winkler(unknown, candidate), *candidate))
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    if best.0 >= 0.75 {
        Some(format!(" (did you mean `{}`?)", best.1))
    } else {
        Some(" (remove it, or check the key names in s3sync.toml.example)".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example with its commented-out examples made active: every line
    /// `# key = value` or `# [table]` loses its `# `.
    fn with_examples_active(text: &str) -> String {
        let example = |rest: &str| {
            rest.starts_with('[')
                || rest.split_once(" = ").is_some_and(|(key, _)| {
                    !key.is_empty()
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                })
        };
        text.lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if example(rest) => rest,
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn full_example_parses() {
        let text = include_str!("../../s3sync.toml.example");
        let parsed = parse(text).expect("the shipped example must parse");
        assert!(parsed.storage.is_some());
        // Its examples (rules among them) are comments; made active, they
        // parse too.
        let examples = parse(&with_examples_active(text))
            .unwrap_or_else(|e| panic!("the example's commented-out examples must parse: {e}"));
        assert!(examples.rules.is_some_and(|r| !r.is_empty()));
        assert!(examples.targets.is_some_and(|t| t.len() == 2));
        assert!(examples.redirects.is_some_and(|r| r.len() == 2));
    }

    #[test]
    fn unknown_key_names_line_and_closest_key() {
        let err = parse("source = \"x\"\n[storage]\nbucket = \"b\"\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
        assert!(err.contains("unknown field `bucket`"), "{err}");
        assert!(err.contains("did you mean `bucket_name`?"), "{err}");
    }

    #[test]
    fn unknown_key_far_from_any_gets_generic_hint() {
        let err = parse("zzzqqq = 1\n").unwrap_err();
        assert!(err.contains("unknown field `zzzqqq`"), "{err}");
        assert!(err.contains("s3sync.toml.example"), "{err}");
    }

    #[test]
    fn wrong_type_names_line_key_and_shows_the_line() {
        let err = parse("[gzip]\nenabled = \"yes\"\n").unwrap_err();
        assert!(
            err.starts_with("line 2: gzip.enabled: expected a boolean, found string"),
            "{err}"
        );
        let err = parse("[storage]\nbucket_name = \"b\"\nlocation = 5\n").unwrap_err();
        assert_eq!(
            err,
            "line 3: storage.location: expected a string, found integer `5`\n    3 | location = 5"
        );
    }

    #[test]
    fn syntax_errors_show_the_offending_line() {
        let err = parse("[storage]\nbucket_name = \"b\nlocation = \"x\"\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
        assert!(err.contains("\n    2 | bucket_name = \"b"), "{err}");
    }

    #[test]
    fn rule_match_keeps_its_span() {
        let text = "[[rules]]\nmatch = \"*.css\"\ncache_control = \"max-age=60\"\n";
        let parsed = parse(text).unwrap();
        let rule = &parsed.rules.unwrap()[0];
        assert_eq!(rule.pattern.get_ref(), "*.css");
        assert_eq!(line_of(text, rule.pattern.span().start), 2);
    }
}
