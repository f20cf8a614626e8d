//! The default of every setting that has one: what a setting is when no
//! flag, environment variable or config key names it. `s3sync.toml.example`
//! shows these same values (a test holds the two together).

use std::time::Duration;

use super::settings::Encoding;

pub(super) const MIB: u64 = 1024 * 1024;

/// The Cache-Control of fingerprinted files.
pub const CACHE_CONTROL_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The Cache-Control of every other file when a build manifest is in use
/// and nothing else sets one.
pub const CACHE_CONTROL_SHORT: &str = "public, max-age=60, must-revalidate";

/// Content types stored compressed (with `[gzip] encoding`): every text
/// type a static site serves, and the binary ones that are not compressed
/// already (WebAssembly, icons, TrueType/OpenType fonts). Types whose bytes
/// are compressed already (PNG, JPEG, WebP, AVIF, WOFF/WOFF2, `.gz`, `.br`,
/// `.zst`…) are never compressed, listed or not (`encode::is_precompressed`).
pub const DEFAULT_GZIP_TYPES: &[&str] = &[
    // Styles and scripts (django-storages' own list).
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    // Pages and text.
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/markdown",
    "text/csv",
    // Data: JSON (source maps too), web manifests, XML, feeds.
    "application/json",
    "application/ld+json",
    "application/geo+json",
    "application/manifest+json",
    "application/xml",
    "text/xml",
    "application/rss+xml",
    "application/atom+xml",
    // Images that are text or uncompressed.
    "image/svg+xml",
    "image/x-icon",
    "image/vnd.microsoft.icon",
    "image/bmp",
    // WebAssembly and uncompressed fonts.
    "application/wasm",
    "font/ttf",
    "font/otf",
    "application/vnd.ms-fontobject",
];
/// How the types of `[gzip] content_types` are stored.
pub(super) const ENCODING: Encoding = Encoding::Gzip;
pub(super) const GZIP_LEVEL: u32 = 9;
/// `.gz` / `.br` copies of published files are left out.
pub(super) const PRECOMPRESSED: super::Precompressed = super::Precompressed::Skip;

pub(super) const ACL: &str = "public-read";

/// Uploads in flight at once.
pub(super) const JOBS: usize = 32;
/// The record of the last push, stored under the prefix.
pub(super) const MANIFEST: &str = ".s3sync-manifest.json";
/// Deploys kept in the history.
pub(super) const HISTORY: usize = 20;
/// Uploaded after everything else.
pub(super) const ORDER: &str = "**/*.html";

/// Tries per request, the first one included.
pub(super) const ATTEMPTS: i64 = 5;
pub(super) const STALL_TIMEOUT: Duration = Duration::from_secs(30);
pub(super) const TIMEOUT: Duration = Duration::from_secs(900);

pub(super) const MULTIPART_THRESHOLD: u64 = 64 * MIB;
pub(super) const MULTIPART_CHUNKSIZE: u64 = 16 * MIB;

/// How long a fingerprinted object stays once its file
/// left the source (old pages still reference it); other objects go at
/// once. An explicit `keep_removed` applies to all.
pub const KEEP_REMOVED_FINGERPRINTS: Duration = Duration::from_secs(7 * 86_400);
/// The longest `keep_removed` accepted.
pub(super) const KEEP_REMOVED_MAX: Duration = Duration::from_secs(3650 * 86_400);

/// Paths one CloudFront invalidation lists before they are folded into
/// wildcards (CloudFront bills paths past 1,000 a month).
pub(super) const CDN_MAX_PATHS: usize = 30;

/// Presigned URL lifetime, in seconds.
pub(super) const QUERYSTRING_EXPIRE: u64 = 3600;
