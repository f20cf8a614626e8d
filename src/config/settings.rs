//! The resolved settings: what the command line said ([`Overrides`]) and the
//! one [`Settings`] value the engine reads, section by section. Plain data;
//! how it is layered from flags, environment and file is in `resolve`, the
//! defaults are in `defaults`.
//!
//! `--show-settings` prints a [`Settings`] whole (as JSON, with the config
//! file's spelling of each value), so it must never hold a secret:
//! credentials stay with the AWS SDK's own chain.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::target::Destination;

/// What the command line said. Plain data so resolution is testable without
/// clap.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Overrides {
    pub source: Option<PathBuf>,
    pub to: Option<String>,
    pub delete: bool,
    pub max_deletes: Option<u64>,
    /// `--keep-removed DURATION`, as typed (checked where it is layered).
    pub keep_removed: Option<String>,
    pub jobs: Option<i64>,
    /// `--target NAME`: a `[targets.NAME]` table.
    pub target: Option<String>,
    /// `--no-cache`: hash every file, ignoring the local hash cache.
    pub no_cache: bool,
    /// `--cloudfront ID` (repeatable): the distributions to invalidate.
    pub cloudfront: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// The config file that was read, if any.
    #[serde(serialize_with = "as_text::optional_path")]
    pub config_file: Option<PathBuf>,
    /// The local tree; `None` when nothing names one.
    #[serde(serialize_with = "as_text::optional_path")]
    pub source: Option<PathBuf>,
    /// Where objects go; `None` when nothing names a target.
    pub destination: Option<Destination>,
    /// Key prefix (`location`), no leading or trailing `/`.
    pub prefix: String,
    pub s3: S3Settings,
    pub objects: ObjectDefaults,
    pub gzip: GzipSettings,
    pub rules: Vec<RuleSpec>,
    pub filter: FilterSettings,
    pub sync: SyncSettings,
    pub public: PublicSettings,
    pub hashed: HashedSettings,
    /// `[[redirects]]`, in the order written.
    pub redirects: Vec<RedirectSpec>,
    pub setup: SetupSettings,
    /// The named target in use, if any.
    pub target_name: Option<String>,
    /// Where the local hash cache lives; `None`: hash every file.
    #[serde(serialize_with = "as_text::optional_path")]
    pub hash_cache: Option<PathBuf>,
    pub cdn: CdnSettings,
}

/// The CloudFront distributions invalidated after a push that changed
/// objects (none: no invalidation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CdnSettings {
    pub distributions: Vec<String>,
    /// The most paths one invalidation lists before they are folded into
    /// wildcards.
    pub max_paths: usize,
    /// The CloudFront API endpoint (`None`: `AWS_ENDPOINT_URL_CLOUDFRONT`,
    /// else AWS).
    pub endpoint_url: Option<String>,
}

impl Settings {
    /// The settings as pretty JSON, for `--show-settings`: fields in
    /// declaration order, enums spelled as in the config file, durations in
    /// seconds, paths as text.
    pub fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(self)
    }
}

/// Which build manifests name fingerprinted (hashed) files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashedManifests {
    /// Look for Django, Vite and webpack manifests at their usual paths.
    Auto,
    #[serde(rename = "none")]
    Off,
    /// These paths, relative to the source.
    #[serde(untagged)]
    Paths(Vec<String>),
}

/// How fingerprinted files are recognised besides build manifests and
/// `[hashed] patterns` (see `local::fingerprints::conventions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashedDetect {
    /// Framework folders and hashed names too.
    All,
    /// Framework folders (`_app/immutable/`, `_next/static/`, …) too.
    Folders,
    /// Build manifests (and patterns) only.
    Manifests,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashedSettings {
    pub manifests: HashedManifests,
    pub detect: HashedDetect,
    /// Globs of files to treat as fingerprinted whatever their names.
    pub patterns: Vec<GlobSpec>,
    /// Globs of files never treated as fingerprinted (manifests included).
    pub exclude: Vec<GlobSpec>,
    /// For fingerprinted files (a build manifest, a pattern, a framework
    /// folder or the name rule says so).
    pub cache_control: String,
    /// For every other file when a manifest is in use (unset: the
    /// `object_parameters` CacheControl, else a short default).
    pub other_cache_control: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressingStyle {
    /// Let the SDK decide (virtual-hosted on AWS).
    Auto,
    Virtual,
    Path,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumMode {
    /// Send `x-amz-checksum-sha256` (S3 verifies it).
    WhenSupported,
    /// Send only `Content-MD5`, for S3-compatible stores that reject the
    /// newer checksum headers.
    WhenRequired,
}

/// How hard each request tries: attempts with exponential backoff and
/// jitter (adaptive: throttling slows the client down), a stall limit and an
/// overall limit per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetryPolicy {
    pub attempts: u32,
    /// No response bytes for this long: the attempt fails and is retried.
    #[serde(serialize_with = "as_text::seconds")]
    pub stall_timeout: Duration,
    /// All attempts of one request together.
    #[serde(serialize_with = "as_text::seconds")]
    pub timeout: Duration,
}

/// When and how large files are sent in parts (S3 multipart upload).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Multipart {
    /// Objects larger than this are sent in parts.
    pub threshold: u64,
    /// The size of each part (raised for objects that would need more than
    /// 10,000 parts).
    pub chunksize: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct S3Settings {
    pub retry: RetryPolicy,
    pub multipart: Multipart,
    /// Extra CA certificates (PEM) to trust for the endpoint.
    #[serde(serialize_with = "as_text::optional_path")]
    pub ca_bundle: Option<PathBuf>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub addressing_style: AddressingStyle,
    pub profile: Option<String>,
    pub checksum: ChecksumMode,
}

/// A canned ACL to send, or none at all (ACL-disabled buckets). Shown as
/// the config spells it: `"none"` or the canned ACL's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Acl {
    #[serde(rename = "none")]
    Omit,
    #[serde(untagged)]
    Canned(String),
}

impl Acl {
    pub fn header(&self) -> Option<&str> {
        match self {
            Self::Omit => None,
            Self::Canned(acl) => Some(acl),
        }
    }
}

/// Parameters every object gets unless a rule says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectDefaults {
    pub acl: Acl,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub storage_class: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GzipSettings {
    pub enabled: bool,
    /// How the types of `content_types` are stored (`[gzip] encoding`);
    /// `None` when `enabled` is false.
    pub encoding: Encoding,
    pub content_types: Vec<String>,
    pub level: u32,
    /// What becomes of a `.gz` / `.br` file whose uncompressed file is published.
    pub precompressed: Precompressed,
}

/// `[gzip] precompressed`: the `.gz` / `.br` copies a build leaves beside
/// a file it also publishes (whitenoise, vite and webpack compression
/// plugins). S3 never serves them in place of the file, so they are
/// skipped unless asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precompressed {
    /// Left out of the publish, with one warning that counts them.
    #[default]
    Skip,
    /// Uploaded like any other file.
    Upload,
}

/// How an object's bytes are stored: its `Content-Encoding`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// `Content-Encoding: gzip`: every HTTP client decodes it.
    #[default]
    Gzip,
    /// `Content-Encoding: br` (brotli): smaller, but only for clients that
    /// send `Accept-Encoding: br`.
    Br,
    /// The source bytes as they are (identity): a CDN may compress them
    /// per client.
    None,
}

impl Encoding {
    /// The value of `[gzip] encoding` or a rule's `encoding`, as written.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "gzip" => Some(Self::Gzip),
            "br" => Some(Self::Br),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The `Content-Encoding` header of bytes stored this way.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Gzip => Some("gzip"),
            Self::Br => Some("br"),
            Self::None => None,
        }
    }

    /// The name a config file uses for it.
    pub fn name(self) -> &'static str {
        self.header().unwrap_or("none")
    }
}

/// A glob and where it was written, for error messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlobSpec {
    pub pattern: String,
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSpec {
    pub glob: GlobSpec,
    pub cache_control: Option<String>,
    pub content_type: Option<String>,
    pub gzip: Option<bool>,
    /// `encoding = "gzip" | "br" | "none"` (never set together with `gzip`).
    pub encoding: Option<Encoding>,
    pub acl: Option<Acl>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub content_disposition: Option<String>,
}

/// One `[[redirects]]` entry: the object at `<prefix>/<from>` redirects
/// to `to` on a website endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedirectSpec {
    /// A slash path relative to the source: plain segments, no `.`, `..`
    /// or empty ones.
    pub from: String,
    /// A path starting with `/`, or an absolute `https://`/`http://` URL.
    pub to: String,
    /// Where it was written (`s3sync.toml line 12`), for messages.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterSettings {
    pub include: Vec<GlobSpec>,
    pub exclude: Vec<GlobSpec>,
    pub include_hidden: bool,
    pub skip_broken_links: bool,
    pub follow_symlinks: FollowSymlinks,
}

/// `[scan] follow_symlinks`: which symbolic links in the source are followed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FollowSymlinks {
    /// Links whose real path is inside the source; any other is an error.
    #[default]
    Inside,
    /// Any link (still never to /proc, /sys, /dev or a special file).
    Outside,
    /// None: every link is skipped with a warning.
    Never,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncSettings {
    pub delete: bool,
    pub max_deletes: Option<u64>,
    pub jobs: usize,
    pub order: Vec<GlobSpec>,
    pub manifest: String,
    /// How long an object whose file left the source stays before it is
    /// deleted (with deletes on). `None`: the default,
    /// [`KEEP_REMOVED_FINGERPRINTS`](super::defaults::KEEP_REMOVED_FINGERPRINTS)
    /// for fingerprinted files and none for the rest; a
    /// value applies to every file.
    #[serde(serialize_with = "as_text::optional_seconds")]
    pub keep_removed: Option<Duration>,
    /// Deploys kept in the history (0: none).
    pub history: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicSettings {
    pub custom_domain: Option<String>,
    pub querystring_auth: bool,
    pub querystring_expire: u64,
}

/// `[setup]`: the bucket `s3sync setup` prepares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SetupSettings {
    /// Public read of the prefix (a bucket policy when objects carry no
    /// public ACL).
    pub public: bool,
    /// `https://host[:port]` or `*`, allowed to GET and HEAD (CORS).
    pub cors_origins: Vec<String>,
    pub website: Option<WebsiteSettings>,
    pub versioning: bool,
}

/// Static website hosting: the index suffix and the error document (a
/// file of the source, so its key is under the prefix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebsiteSettings {
    pub index: String,
    pub error: Option<String>,
}

/// Serializers that show values as a person reads them.
mod as_text {
    use std::path::PathBuf;
    use std::time::Duration;

    use serde::Serializer;

    #[allow(
        clippy::ref_option,
        reason = "serde's serialize_with passes the field by reference"
    )]
    pub(super) fn optional_path<S: Serializer>(
        path: &Option<PathBuf>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match path {
            // Lossy, so a path that is not UTF-8 is still shown.
            Some(path) => serializer.serialize_str(&path.to_string_lossy()),
            None => serializer.serialize_none(),
        }
    }

    #[allow(
        clippy::ref_option,
        reason = "serde's serialize_with passes the field by reference"
    )]
    pub(super) fn optional_seconds<S: Serializer>(
        duration: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => seconds(duration, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn seconds<S: Serializer>(
        duration: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(duration.as_secs_f64())
    }
}
