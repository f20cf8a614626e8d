//! One resolved [`Settings`] value from flags > `S3SYNC_*` env >
//! django-storages env > file > default. This is the only place that layers
//! them; the engine reads nothing else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::file::{FileConfig, LoadedFile, ObjectParameters, OneOrMany, StorageSection, Verify};
use super::target::{Destination, parse_target};
use super::{ConfigError, validate};

pub const DEFAULT_GZIP_TYPES: &[&str] = &[
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "image/svg+xml",
];
const DEFAULT_JOBS: usize = 32;
const DEFAULT_GZIP_LEVEL: u32 = 9;
const DEFAULT_MANIFEST: &str = ".s3sync-manifest.json";
const DEFAULT_ORDER: &str = "**/*.html";
pub const CACHE_CONTROL_IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const CACHE_CONTROL_SHORT: &str = "public, max-age=60, must-revalidate";

/// What the command line said. Plain data so resolution is testable without
/// clap.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Overrides {
    pub source: Option<PathBuf>,
    pub to: Option<String>,
    pub delete: bool,
    pub max_deletes: Option<u64>,
    pub jobs: Option<i64>,
    /// `--target NAME`: a `[targets.NAME]` table.
    pub target: Option<String>,
    /// `--no-cache`: hash every file, ignoring the local hash cache.
    pub no_cache: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// The local tree; `None` when nothing names one.
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
    /// The named target in use, if any.
    pub target_name: Option<String>,
    /// Where the local hash cache lives; `None`: hash every file.
    pub hash_cache: Option<PathBuf>,
}

/// Which build manifests name fingerprinted (hashed) files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashedManifests {
    /// Look for Django, Vite and webpack manifests at their usual paths.
    Auto,
    Off,
    /// These paths, relative to the source.
    Paths(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedSettings {
    pub manifests: HashedManifests,
    /// For files a manifest names as hashed outputs.
    pub cache_control: String,
    /// For every other file when a manifest is in use (unset: the
    /// `object_parameters` CacheControl, else a short default).
    pub other_cache_control: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressingStyle {
    /// Let the SDK decide (virtual-hosted on AWS).
    Auto,
    Virtual,
    Path,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub attempts: u32,
    /// No response bytes for this long: the attempt fails and is retried.
    pub stall_timeout: std::time::Duration,
    /// All attempts of one request together.
    pub timeout: std::time::Duration,
}

/// When and how large files are sent in parts (S3 multipart upload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multipart {
    /// Objects larger than this are sent in parts.
    pub threshold: u64,
    /// The size of each part (raised for objects that would need more than
    /// 10,000 parts).
    pub chunksize: u64,
}

pub const MIB: u64 = 1024 * 1024;
/// S3's smallest part (all but the last) and largest single PUT.
const MIN_PART: u64 = 5 * MIB;
const MAX_PART: u64 = 5 * 1024 * MIB;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub retry: RetryPolicy,
    pub multipart: Multipart,
    /// Extra CA certificates (PEM) to trust for the endpoint.
    pub ca_bundle: Option<PathBuf>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub addressing_style: AddressingStyle,
    pub profile: Option<String>,
    pub checksum: ChecksumMode,
}

/// A canned ACL to send, or none at all (ACL-disabled buckets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acl {
    Omit,
    Canned(String),
}

impl Acl {
    fn parse(value: &str) -> Result<Self, String> {
        validate::acl(value)?;
        Ok(if value == "none" {
            Self::Omit
        } else {
            Self::Canned(value.to_string())
        })
    }

    pub fn header(&self) -> Option<&str> {
        match self {
            Self::Omit => None,
            Self::Canned(acl) => Some(acl),
        }
    }
}

/// Parameters every object gets unless a rule says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDefaults {
    pub acl: Acl,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_language: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub storage_class: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GzipSettings {
    pub enabled: bool,
    pub content_types: Vec<String>,
    pub level: u32,
}

/// A glob and where it was written, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobSpec {
    pub pattern: String,
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub glob: GlobSpec,
    pub cache_control: Option<String>,
    pub content_type: Option<String>,
    pub gzip: Option<bool>,
    pub acl: Option<Acl>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub content_disposition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterSettings {
    pub include: Vec<GlobSpec>,
    pub exclude: Vec<GlobSpec>,
    pub include_hidden: bool,
    pub skip_broken_links: bool,
    pub follow_symlinks: FollowSymlinks,
}

/// `[scan] follow_symlinks`: which symbolic links in the source are followed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FollowSymlinks {
    /// Links whose real path is inside the source; any other is an error.
    #[default]
    Inside,
    /// Any link (still never to /proc, /sys, /dev or a special file).
    Outside,
    /// None: every link is skipped with a warning.
    Never,
}

fn resolve_follow_symlinks(cfg: &FileConfig, problems: &mut Problems) -> FollowSymlinks {
    match cfg.scan.as_ref().and_then(|s| s.follow_symlinks.as_deref()) {
        None | Some("inside") => FollowSymlinks::Inside,
        Some("outside") => FollowSymlinks::Outside,
        Some("never") => FollowSymlinks::Never,
        Some(other) => {
            problems.0.push(format!(
                "[scan] follow_symlinks = {other:?} is not a known value: use \"inside\" (the default: follow links that stay inside the source), \"outside\" (follow links anywhere) or \"never\" (skip every link)"
            ));
            FollowSymlinks::Inside
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    pub delete: bool,
    pub max_deletes: Option<u64>,
    pub jobs: usize,
    pub order: Vec<GlobSpec>,
    pub manifest: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSettings {
    pub custom_domain: Option<String>,
    pub querystring_auth: bool,
    pub querystring_expire: u64,
}

/// Environment lookups, injected so resolution is a pure function in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// First of `S3SYNC_<name>` then the django-storages variable.
fn env_pair(env: Env, ours: &str, django: Option<&str>) -> Option<(String, String)> {
    let ours = format!("S3SYNC_{ours}");
    if let Some(v) = env(&ours) {
        return Some((ours, v));
    }
    let django = django?;
    env(django).map(|v| (django.to_string(), v))
}

/// Collects every problem so the user sees them all at once.
struct Problems(Vec<String>);

impl Problems {
    fn check<T>(&mut self, result: Result<T, String>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }
}

impl Settings {
    /// Layer flags, environment and file into one value.
    pub fn resolve(
        flags: &Overrides,
        env: Env,
        file: Option<&LoadedFile>,
        cwd: &Path,
    ) -> Result<Self, ConfigError> {
        let empty = FileConfig::default();
        let cfg = file.map_or(&empty, |f| &f.config);
        let file_dir = file.map_or(cwd.to_path_buf(), |f| cwd.join(f.dir()));
        let origin = |offset: usize| match file {
            Some(f) => format!("{} line {}", f.path.display(), f.line_of(offset)),
            None => "config".to_string(),
        };
        let mut problems = Problems(Vec::new());
        let target_name = flags
            .target
            .clone()
            .or_else(|| env("S3SYNC_TARGET"))
            .or_else(|| cfg.default_target.clone());
        let merged = match &target_name {
            None => cfg.storage.clone(),
            Some(name) => {
                if let Some(t) = cfg.targets.as_ref().and_then(|t| t.get(name)) {
                    Some(cfg.storage.clone().unwrap_or_default().overlaid(t))
                } else {
                    let known: Vec<&str> = cfg
                        .targets
                        .iter()
                        .flat_map(|t| t.keys().map(String::as_str))
                        .collect();
                    problems.0.push(format!(
                        "unknown target '{name}': the config defines {}",
                        if known.is_empty() {
                            "no [targets.NAME] tables".to_string()
                        } else {
                            known.join(", ")
                        }
                    ));
                    cfg.storage.clone()
                }
            }
        };
        let storage = merged.as_ref();
        let from_storage = |get: fn(&super::file::StorageSection) -> Option<&String>| {
            storage.and_then(get).cloned()
        };

        // source: flag > env > file (relative to the file) > none
        let source = match (&flags.source, env("S3SYNC_SOURCE"), &cfg.source) {
            (Some(p), _, _) => Some(cwd.join(p)),
            (None, Some(p), _) => Some(cwd.join(p)),
            (None, None, Some(p)) => Some(file_dir.join(p)),
            (None, None, None) => None,
        };

        // target: --to > S3SYNC_TO > env bucket > file `to` > file bucket_name
        let env_bucket = env_pair(env, "BUCKET_NAME", Some("AWS_STORAGE_BUCKET_NAME"));
        let env_location = env_pair(env, "LOCATION", Some("AWS_LOCATION"));
        let (destination, url_prefix) = if let Some(url) = &flags.to {
            split_target(problems.check(parse_target(url, cwd).map_err(|e| format!("--to: {e}"))))
        } else if let Some(url) = env("S3SYNC_TO") {
            split_target(
                problems.check(parse_target(&url, cwd).map_err(|e| format!("S3SYNC_TO: {e}"))),
            )
        } else if let Some((_, bucket)) = &env_bucket {
            (
                Some(Destination::S3 {
                    bucket: bucket.clone(),
                }),
                None,
            )
        } else if let Some(url) = &cfg.to {
            if cfg
                .storage
                .as_ref()
                .and_then(|s| s.bucket_name.as_ref())
                .is_some()
            {
                problems.0.push(
                    "config sets both `to` and `[storage] bucket_name`: keep one of them".into(),
                );
            }
            split_target(
                problems.check(parse_target(url, &file_dir).map_err(|e| format!("to: {e}"))),
            )
        } else if let Some(bucket) = from_storage(|s| s.bucket_name.as_ref()) {
            (Some(Destination::S3 { bucket }), None)
        } else {
            (None, None)
        };
        if let Some(Destination::S3 { bucket }) = &destination {
            problems.check(validate::bucket_name(bucket));
        }

        let location = url_prefix
            .or_else(|| env_location.map(|(_, v)| v))
            .or_else(|| from_storage(|s| s.location.as_ref()))
            .unwrap_or_default();
        let prefix = problems
            .check(validate::location(&location))
            .unwrap_or_default();

        let pick =
            |ours: &str, django: &str, get: fn(&super::file::StorageSection) -> Option<&String>| {
                env_pair(env, ours, Some(django))
                    .map(|(_, v)| v)
                    .or_else(|| from_storage(get))
            };
        let addressing_style = match pick("ADDRESSING_STYLE", "AWS_S3_ADDRESSING_STYLE", |s| {
            s.addressing_style.as_ref()
        })
        .as_deref()
        {
            None | Some("auto") => AddressingStyle::Auto,
            Some("virtual") => AddressingStyle::Virtual,
            Some("path") => AddressingStyle::Path,
            Some(other) => {
                problems.0.push(format!(
                    "addressing_style '{other}' is not valid: use \"virtual\" or \"path\""
                ));
                AddressingStyle::Auto
            }
        };
        let checksum = match env("S3SYNC_CHECKSUM")
            .or_else(|| from_storage(|s| s.checksum.as_ref()))
            .as_deref()
        {
            None | Some("when_supported") => ChecksumMode::WhenSupported,
            Some("when_required") => ChecksumMode::WhenRequired,
            Some(other) => {
                problems.0.push(format!(
                    "checksum '{other}' is not valid: use \"when_supported\" (SHA-256, AWS) or \"when_required\" (Content-MD5 only, for stores that reject SHA-256 checksum headers)"
                ));
                ChecksumMode::WhenSupported
            }
        };
        let retry = resolve_retry(cfg, &mut problems);
        let ca_bundle = resolve_verify(env, storage, cwd, &file_dir, &mut problems);
        let multipart = resolve_multipart(cfg, &mut problems);
        let s3 = S3Settings {
            retry,
            multipart,
            ca_bundle,
            region: pick("REGION_NAME", "AWS_S3_REGION_NAME", |s| {
                s.region_name.as_ref()
            }),
            endpoint_url: pick("ENDPOINT_URL", "AWS_S3_ENDPOINT_URL", |s| {
                s.endpoint_url.as_ref()
            }),
            addressing_style,
            profile: pick("SESSION_PROFILE", "AWS_S3_SESSION_PROFILE", |s| {
                s.session_profile.as_ref()
            }),
            checksum,
        };
        if let Some(url) = &s3.endpoint_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            problems.0.push(format!(
                "endpoint_url '{url}' must start with http:// or https://"
            ));
        }

        let objects = resolve_object_defaults(env, storage, &mut problems);
        let hashed = resolve_hashed(cfg, &mut problems);
        let gzip = resolve_gzip(env, cfg, &mut problems);
        let rules = resolve_rules(cfg, &origin, &mut problems);

        let globs = |list: &Option<Vec<toml::Spanned<String>>>| -> Vec<GlobSpec> {
            list.iter()
                .flatten()
                .map(|g| GlobSpec {
                    pattern: g.get_ref().clone(),
                    origin: origin(g.span().start),
                })
                .collect()
        };
        let filter = FilterSettings {
            include: globs(&cfg.include),
            exclude: globs(&cfg.exclude),
            include_hidden: cfg.include_hidden.unwrap_or(false),
            skip_broken_links: cfg.skip_broken_links.unwrap_or(false),
            follow_symlinks: resolve_follow_symlinks(cfg, &mut problems),
        };

        let sync_cfg = cfg.sync.as_ref();
        let jobs = match (
            flags.jobs,
            env("S3SYNC_JOBS"),
            sync_cfg.and_then(|s| s.jobs),
        ) {
            (Some(j), _, _) => positive("--jobs", j, &mut problems),
            (None, Some(j), _) => match j.parse::<i64>() {
                Ok(j) => positive("S3SYNC_JOBS", j, &mut problems),
                Err(_) => {
                    problems
                        .0
                        .push(format!("S3SYNC_JOBS '{j}' is not a whole number"));
                    DEFAULT_JOBS
                }
            },
            (None, None, Some(j)) => positive("[sync] jobs", j, &mut problems),
            (None, None, None) => DEFAULT_JOBS,
        };
        let max_deletes = match (flags.max_deletes, env("S3SYNC_MAX_DELETES")) {
            (Some(n), _) => Some(n),
            (None, Some(n)) => problems.check(n.parse::<u64>().map_err(|_| {
                format!("S3SYNC_MAX_DELETES '{n}' is not a whole number of zero or more")
            })),
            (None, None) => sync_cfg.and_then(|s| s.max_deletes),
        };
        let order = match sync_cfg.and_then(|s| s.order.as_ref()) {
            Some(_) => globs(&sync_cfg.and_then(|s| s.order.clone())),
            None => vec![GlobSpec {
                pattern: DEFAULT_ORDER.into(),
                origin: "default [sync] order".into(),
            }],
        };
        let manifest = sync_cfg
            .and_then(|s| s.manifest.clone())
            .unwrap_or_else(|| DEFAULT_MANIFEST.into());
        if manifest.is_empty() || manifest.contains('/') || manifest == "." || manifest == ".." {
            problems.0.push(format!(
                "[sync] manifest '{manifest}' must be a plain file name (it is stored under the prefix)"
            ));
        }
        let sync = SyncSettings {
            delete: flags.delete || sync_cfg.and_then(|s| s.delete).unwrap_or(false),
            max_deletes,
            jobs,
            order,
            manifest,
        };

        let public = PublicSettings {
            custom_domain: pick("CUSTOM_DOMAIN", "AWS_S3_CUSTOM_DOMAIN", |s| {
                s.custom_domain.as_ref()
            }),
            querystring_auth: storage.and_then(|s| s.querystring_auth).unwrap_or(false),
            querystring_expire: match env_pair(
                env,
                "QUERYSTRING_EXPIRE",
                Some("AWS_QUERYSTRING_EXPIRE"),
            ) {
                Some((name, v)) => problems
                    .check(
                        v.parse::<u64>()
                            .map_err(|_| format!("{name} '{v}' is not a number of seconds")),
                    )
                    .unwrap_or(3600),
                None => storage.and_then(|s| s.querystring_expire).unwrap_or(3600),
            },
        };

        let hash_cache = resolve_hash_cache(flags, env, &mut problems);

        if !problems.0.is_empty() {
            return Err(ConfigError::Invalid(problems.0));
        }
        Ok(Self {
            config_file: file.map(|f| f.path.clone()),
            source,
            destination,
            prefix,
            s3,
            objects,
            gzip,
            rules,
            filter,
            sync,
            public,
            hashed,
            target_name,
            hash_cache,
        })
    }
}

fn split_target(t: Option<super::target::TargetUrl>) -> (Option<Destination>, Option<String>) {
    t.map_or((None, None), |t| (Some(t.destination), t.prefix))
}

fn positive(what: &str, value: i64, problems: &mut Problems) -> usize {
    if value < 1 {
        problems.0.push(format!(
            "{what} is {value}: it must be at least 1 (it is how many uploads run at once)"
        ));
        return DEFAULT_JOBS;
    }
    usize::try_from(value).unwrap_or(DEFAULT_JOBS)
}

fn resolve_object_defaults(
    env: Env,
    storage: Option<&StorageSection>,
    problems: &mut Problems,
) -> ObjectDefaults {
    let params: ObjectParameters = match env_pair(env, "OBJECT_PARAMETERS", Some("AWS_S3_OBJECT_PARAMETERS")) {
        Some((name, json)) => problems
            .check(serde_json::from_str(&json).map_err(|e| {
                format!("{name} is not a JSON object of object parameters ({e}): e.g. {{\"CacheControl\": \"max-age=86400\"}}")
            }))
            .unwrap_or_default(),
        None => storage
            .and_then(|s| s.object_parameters.clone())
            .unwrap_or_default(),
    };
    let acl_text = env_pair(env, "DEFAULT_ACL", Some("AWS_DEFAULT_ACL"))
        .map(|(_, v)| {
            if v.is_empty() || v == "None" {
                "none".into()
            } else {
                v
            }
        })
        .or_else(|| storage.and_then(|s| s.default_acl.clone()))
        .unwrap_or_else(|| "public-read".into());
    let acl = problems
        .check(Acl::parse(&acl_text).map_err(|e| format!("default_acl: {e}")))
        .unwrap_or(Acl::Omit);
    let header = |what: &str, v: &Option<String>, problems: &mut Problems| {
        if let Some(v) = v {
            problems.check(validate::header_value(what, v));
        }
        v.clone()
    };
    let metadata = params.metadata.unwrap_or_default();
    check_metadata("object_parameters Metadata", &metadata, problems);
    ObjectDefaults {
        acl,
        cache_control: header(
            "object_parameters CacheControl",
            &params.cache_control,
            problems,
        ),
        content_disposition: header(
            "object_parameters ContentDisposition",
            &params.content_disposition,
            problems,
        ),
        content_language: header(
            "object_parameters ContentLanguage",
            &params.content_language,
            problems,
        ),
        metadata,
        storage_class: header(
            "object_parameters StorageClass",
            &params.storage_class,
            problems,
        ),
    }
}

/// TLS verification is always on; `verify` (or `AWS_S3_VERIFY` /
/// `AWS_CA_BUNDLE`) may name a CA bundle to trust as well.
fn resolve_verify(
    env: Env,
    storage: Option<&StorageSection>,
    cwd: &Path,
    file_dir: &Path,
    problems: &mut Problems,
) -> Option<PathBuf> {
    let refuse = |what: &str, problems: &mut Problems| {
        problems.0.push(format!(
            "{what} = false: s3sync always verifies TLS certificates. For a server with a self-signed certificate, trust its CA instead: verify = \"path/to/ca.pem\" (or AWS_CA_BUNDLE)"
        ));
        None
    };
    match env_pair(env, "VERIFY", Some("AWS_S3_VERIFY")) {
        Some((name, v)) => match v.to_ascii_lowercase().as_str() {
            "false" | "0" | "no" => return refuse(&name, problems),
            "true" | "1" | "yes" | "" => {}
            _ => return Some(cwd.join(v)),
        },
        None => match storage.and_then(|s| s.verify.as_ref()) {
            Some(Verify::Enabled(false)) => return refuse("[storage] verify", problems),
            Some(Verify::CaBundle(path)) => return Some(file_dir.join(path)),
            Some(Verify::Enabled(true)) | None => {}
        },
    }
    env("AWS_CA_BUNDLE")
        .filter(|p| !p.is_empty())
        .map(|p| cwd.join(p))
}

fn resolve_retry(cfg: &FileConfig, problems: &mut Problems) -> RetryPolicy {
    let sync = cfg.sync.as_ref();
    let attempts = sync.and_then(|s| s.attempts).unwrap_or(5);
    if !(1..=20).contains(&attempts) {
        problems.0.push(format!(
            "[sync] attempts is {attempts}: use 1 to 20 (tries per request, first one included)"
        ));
    }
    let seconds = |what: &str, value: Option<f64>, default: f64, problems: &mut Problems| {
        let v = value.unwrap_or(default);
        if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
            problems.0.push(format!(
                "[sync] {what} is {v}: use a number of seconds above 0"
            ));
            return std::time::Duration::from_secs_f64(default);
        }
        std::time::Duration::from_secs_f64(v)
    };
    RetryPolicy {
        attempts: u32::try_from(attempts.clamp(1, 20)).unwrap_or(5),
        stall_timeout: seconds(
            "stall_timeout",
            sync.and_then(|s| s.stall_timeout),
            30.0,
            problems,
        ),
        timeout: seconds("timeout", sync.and_then(|s| s.timeout), 900.0, problems),
    }
}

fn resolve_multipart(cfg: &FileConfig, problems: &mut Problems) -> Multipart {
    use crate::config::file::Size;
    let sync = cfg.sync.as_ref();
    let mut size = |what: &str, value: Option<&Size>, default: u64| {
        let (parsed, shown) = match value {
            None => return default,
            Some(Size::Bytes(n)) => (u64::try_from(*n).ok(), n.to_string()),
            Some(Size::Text(t)) => (
                parse_size::Config::new()
                    .with_binary()
                    .parse_size(t.trim())
                    .ok(),
                format!("{t:?}"),
            ),
        };
        match parsed {
            Some(n) if (MIN_PART..=MAX_PART).contains(&n) => n,
            _ => {
                problems.0.push(format!(
                    "[sync] {what} is {shown}: use a size from 5MiB to 5GiB, such as \"64MiB\" (S3 takes parts of at least 5 MiB and single uploads of at most 5 GiB)"
                ));
                default
            }
        }
    };
    Multipart {
        threshold: size(
            "multipart_threshold",
            sync.and_then(|s| s.multipart_threshold.as_ref()),
            64 * MIB,
        ),
        chunksize: size(
            "multipart_chunksize",
            sync.and_then(|s| s.multipart_chunksize.as_ref()),
            16 * MIB,
        ),
    }
}

fn resolve_hashed(cfg: &FileConfig, problems: &mut Problems) -> HashedSettings {
    let section = cfg.hashed.as_ref();
    let manifests = match section.and_then(|h| h.manifests.clone()) {
        None => HashedManifests::Auto,
        Some(OneOrMany::One(m)) if m == "auto" => HashedManifests::Auto,
        Some(OneOrMany::One(m)) if m == "none" => HashedManifests::Off,
        Some(OneOrMany::One(m)) => HashedManifests::Paths(vec![m]),
        Some(OneOrMany::Many(v)) => HashedManifests::Paths(v),
    };
    let cache_control = section
        .and_then(|h| h.cache_control.clone())
        .unwrap_or_else(|| CACHE_CONTROL_IMMUTABLE.into());
    problems.check(validate::header_value(
        "[hashed] cache_control",
        &cache_control,
    ));
    let other_cache_control = section.and_then(|h| h.other_cache_control.clone());
    if let Some(v) = &other_cache_control {
        problems.check(validate::header_value("[hashed] other_cache_control", v));
    }
    HashedSettings {
        manifests,
        cache_control,
        other_cache_control,
    }
}

fn check_metadata(what: &str, metadata: &BTreeMap<String, String>, problems: &mut Problems) {
    for (k, v) in metadata {
        problems.check(validate::metadata_key(what, k));
        problems.check(validate::header_value(&format!("{what} '{k}'"), v));
    }
}

/// The hash cache folder: off with `--no-cache` or `S3SYNC_NO_CACHE=1`;
/// else `S3SYNC_CACHE_DIR`, `$XDG_CACHE_HOME/s3sync` or `~/.cache/s3sync`.
fn resolve_hash_cache(flags: &Overrides, env: Env, problems: &mut Problems) -> Option<PathBuf> {
    let off = env("S3SYNC_NO_CACHE")
        .and_then(|v| parse_bool("S3SYNC_NO_CACHE", &v, problems))
        .unwrap_or(false);
    if flags.no_cache || off {
        return None;
    }
    let set = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    set("S3SYNC_CACHE_DIR")
        .or_else(|| set("XDG_CACHE_HOME").map(|d| d.join("s3sync")))
        .or_else(|| set("HOME").map(|d| d.join(".cache").join("s3sync")))
}

fn parse_bool(name: &str, value: &str, problems: &mut Problems) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => {
            problems.0.push(format!(
                "{name} '{value}' is not a boolean: use true or false"
            ));
            None
        }
    }
}

fn resolve_gzip(env: Env, cfg: &FileConfig, problems: &mut Problems) -> GzipSettings {
    let section = cfg.gzip.as_ref();
    let enabled = env_pair(env, "GZIP", Some("AWS_IS_GZIPPED"))
        .and_then(|(name, v)| parse_bool(&name, &v, problems))
        .or_else(|| section.and_then(|g| g.enabled))
        .unwrap_or(true);
    let content_types = env_pair(env, "GZIP_CONTENT_TYPES", Some("GZIP_CONTENT_TYPES"))
        .map(|(_, v)| {
            v.split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .or_else(|| section.and_then(|g| g.content_types.clone()))
        .unwrap_or_else(|| {
            DEFAULT_GZIP_TYPES
                .iter()
                .map(|t| (*t).to_string())
                .collect()
        });
    let level = section.and_then(|g| g.level).unwrap_or(DEFAULT_GZIP_LEVEL);
    if level > 9 {
        problems.0.push(format!(
            "[gzip] level is {level}: use 1 (fastest) to 9 (smallest)"
        ));
    }
    GzipSettings {
        enabled,
        content_types,
        level: level.clamp(1, 9),
    }
}

fn resolve_rules(
    cfg: &FileConfig,
    origin: &dyn Fn(usize) -> String,
    problems: &mut Problems,
) -> Vec<RuleSpec> {
    let mut rules = Vec::new();
    for (i, rule) in cfg.rules.iter().flatten().enumerate() {
        let at = origin(rule.pattern.span().start);
        let what = |field: &str| format!("rule {} ({at}) {field}", i + 1);
        for (field, value) in [
            ("cache_control", &rule.cache_control),
            ("content_type", &rule.content_type),
            ("content_disposition", &rule.content_disposition),
        ] {
            if let Some(v) = value {
                problems.check(validate::header_value(&what(field), v));
            }
        }
        if let Some(metadata) = &rule.metadata {
            check_metadata(&what("metadata"), metadata, problems);
        }
        let acl = rule.acl.as_ref().and_then(|a| {
            problems.check(Acl::parse(a).map_err(|e| format!("{}: {e}", what("acl"))))
        });
        rules.push(RuleSpec {
            glob: GlobSpec {
                pattern: rule.pattern.get_ref().clone(),
                origin: at.clone(),
            },
            cache_control: rule.cache_control.clone(),
            content_type: rule.content_type.clone(),
            gzip: rule.gzip,
            acl,
            metadata: rule.metadata.clone(),
            content_disposition: rule.content_disposition.clone(),
        });
    }
    rules
}

#[cfg(test)]
mod tests;
