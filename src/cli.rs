//! Command-line definitions (clap). Nothing here decides anything: the
//! values become [`crate::config::Overrides`] and run options in `app.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "s3sync",
    version,
    about = "Publish a built static-asset tree to S3 (or a directory): only what changed, gzipped, with the right headers.",
    after_help = "Exit codes: 0 success / in sync, 1 `diff --exit-code` found changes, 2 error, 130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload new and changed files, update headers, delete (with --delete), then record the manifest.
    Push(PushArgs),
    /// Show what a push would do, per key with the reason; change nothing.
    Diff(DiffArgs),
    /// Delete the objects `push --delete` retired whose grace period has ended (from the record
    /// alone: no source tree needed). Run it after a rollout finishes.
    Prune(PruneArgs),
    /// Delete everything the manifest at --to owns, then its records (the end of a preview
    /// deploy). Never a key outside the prefix or owned by another manifest. Needs --yes.
    Destroy(DestroyArgs),
    /// List the recent deploys, newest first (id, time, counts, commit).
    Log(LogArgs),
    /// Return the bucket to an earlier deploy (default: the one before the newest), copying each
    /// object's recorded version back inside the bucket.
    Rollback(RollbackArgs),
    /// Print the local manifest (JSON) that a push would record.
    Manifest(SourceArgs),
    /// Check config, the source, credentials and bucket access before a deploy.
    Check(TreeArgs),
    /// Print the least-privilege IAM policy the config needs (--public: the public-read bucket
    /// policy instead; --setup: the policy for `s3sync setup`).
    Policy(PolicyArgs),
    /// Create and configure the bucket the config needs ([setup]: public read, CORS, website,
    /// versioning), changing only what differs; a second run changes nothing.
    Setup(SetupArgs),
    /// Print the public URL of a file, or a presigned GET URL (always for a private file).
    Url(UrlArgs),
    /// Show the key, content type, encoding, headers and matching rule for one file.
    Explain(ExplainArgs),
    /// Write a commented starter s3sync.toml (never overwrites one).
    Init,
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Target: s3://BUCKET/PREFIX or file://DIR [default: from the config]
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The deploy to return to, as `s3sync log` lists it [default: the one before the newest]
    #[arg(value_name = "DEPLOY_ID")]
    pub deploy: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Show the plan and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Delete what that deploy did not hold and s3sync wrote since (as `push --delete` would).
    #[arg(long)]
    pub delete: bool,
    /// Refuse the whole rollback if it would delete more than N objects.
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<u64>,
    /// Copies in flight at once [default: 32]
    #[arg(long, short = 'j', value_name = "N", allow_negative_numbers = true)]
    pub jobs: Option<i64>,
    #[command(flatten)]
    pub cdn: CdnArgs,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Include s3:DeleteObject (as if pushing with --delete).
    #[arg(long)]
    pub delete: bool,
    /// Print instead the bucket policy granting public read of the prefix (for buckets with ACLs
    /// disabled), except s3sync's records and files [[rules]] keep private. Stdout is that one
    /// JSON document.
    #[arg(long)]
    pub public: bool,
    /// With --public: allow only requests whose Referer is a page on HOST (not access control:
    /// any client can send any Referer).
    #[arg(long, value_name = "HOST", requires = "public")]
    pub referer: Option<String>,
    /// Print instead the IAM policy for `s3sync setup` (create the bucket, set its ownership,
    /// public access block, policy, CORS, website and versioning): for an administrator, kept
    /// apart from the deploy policy.
    #[arg(long, conflicts_with_all = ["public", "delete"])]
    pub setup: bool,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Show what would change and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

/// The local tree and the target, as every command that reads the tree
/// takes them (`push` and `diff` add their own flags).
#[derive(Debug, Args)]
pub struct TreeArgs {
    /// The local tree [default: `source` from the config]
    pub source: Option<PathBuf>,
    /// Target: s3://BUCKET/PREFIX or file://DIR [default: from the config]
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct UrlArgs {
    /// A file, relative to the source (or a path to it).
    pub path: String,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// Print a presigned GET URL (the default with querystring_auth = true, and for files the
    /// config keeps private).
    #[arg(long)]
    pub presign: bool,
    /// Presigned URL lifetime in seconds [default: querystring_expire, 3600; at most 604800]
    #[arg(long, value_name = "SECONDS")]
    pub expires: Option<u64>,
    /// The URL of PATH itself. Without it, a file the build manifest (staticfiles.json, Vite's)
    /// maps to a hashed name gets that name's URL, as Django's {% static %} does.
    #[arg(long)]
    pub unhashed: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A file, relative to the source (or a path to it).
    pub path: String,
    #[command(flatten)]
    pub tree: TreeArgs,
    /// The local tree (the older spelling of SOURCE).
    #[arg(
        long = "source",
        value_name = "DIR",
        hide = true,
        conflicts_with = "source"
    )]
    pub source_flag: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Use the `[targets.NAME]` table of the config (staging, production, ...).
    #[arg(long, global = true, value_name = "NAME")]
    pub target: Option<String>,
    /// Config file [default: ./s3sync.toml, if present]
    #[arg(long, global = true, env = "S3SYNC_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print only errors (and the JSON document with --json).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log each action as it happens, and list unchanged keys in a diff.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Never draw progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// When to use colour.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Print the settings this command would run with (JSON: flags, environment, config file
    /// and defaults resolved into one value) and exit. Hidden: for support and tests.
    #[arg(long, global = true, hide = true)]
    pub show_settings: bool,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// The local tree to publish [default: `source` from the config]
    pub source: Option<PathBuf>,
    /// Target: s3://BUCKET/PREFIX or file://DIR [default: from the config]
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Hash every file; ignore the local hash cache (also S3SYNC_NO_CACHE=1)
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Delete objects s3sync wrote that are no longer in the source.
    #[arg(long)]
    pub delete: bool,
    /// With --delete, also delete objects under the prefix that s3sync did not write.
    #[arg(long, requires = "delete")]
    pub delete_foreign: bool,
    /// Refuse the whole push if it would delete more than N objects.
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<u64>,
    #[command(flatten)]
    pub retention: RetentionArgs,
    #[command(flatten)]
    pub cdn: CdnArgs,
    /// Re-upload every file, whatever the bucket holds.
    #[arg(long)]
    pub force: bool,
    /// List the bucket and reconcile it with the manifest (missing objects, drift, foreign objects).
    #[arg(long)]
    pub verify: bool,
    /// Uploads in flight at once [default: 32]
    #[arg(long, short = 'j', value_name = "N", allow_negative_numbers = true)]
    pub jobs: Option<i64>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The CDN invalidated after the bucket changed.
#[derive(Debug, Args)]
pub struct CdnArgs {
    /// Invalidate what changed on this CloudFront distribution (repeatable) [default: `[cdn]
    /// cloudfront_distribution_id`]
    #[arg(long = "cloudfront", value_name = "ID")]
    pub cloudfront: Vec<String>,
}

/// Whether to wait for the CDN once the bucket changed.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Wait until the CloudFront invalidation has completed (at most `[sync] timeout`).
    #[arg(long)]
    pub wait: bool,
}

/// How long objects whose files left the source stay.
#[derive(Debug, Args)]
pub struct RetentionArgs {
    /// How long objects whose files left the source stay before they are deleted (units s, m, h,
    /// d; 0s: at once) [default: 7d for fingerprinted files, 0s for the rest]
    #[arg(long, value_name = "DURATION")]
    pub keep_removed: Option<String>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Target: s3://BUCKET/PREFIX or file://DIR [default: from the config]
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Refuse the whole prune if it would delete more than N objects.
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<u64>,
    #[command(flatten)]
    pub retention: RetentionArgs,
    #[command(flatten)]
    pub cdn: CdnArgs,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Show what would be deleted and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Target: s3://BUCKET/PREFIX or file://DIR [default: from the config]
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
    /// Delete without asking (required: destroy never prompts).
    #[arg(long)]
    pub yes: bool,
    /// Refuse the whole destroy if it would delete more than N keys (objects and records).
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<u64>,
    /// Show what would be deleted and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    #[command(flatten)]
    pub sync: SyncArgs,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// Show the plan and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub sync: SyncArgs,
    /// Exit 1 when a push would change anything.
    #[arg(long)]
    pub exit_code: bool,
}
