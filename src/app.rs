//! The application: parse, resolve settings once, run one command, map the
//! result to an exit code. `main` calls [`run`] and nothing else.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context;
use clap::{CommandFactory, Parser};

use crate::cli::{
    Cli, Command, ExplainArgs, GlobalArgs, PolicyArgs, SourceArgs, SyncArgs, TargetArgs, UrlArgs,
};
use crate::config::{self, Overrides, Settings};
use crate::report;
use crate::sync::{self, SyncOptions};
use crate::ui::Ui;

/// The process exit status (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Changes = 1,
    Error = 2,
    Interrupted = 130,
}

/// Parse the command line, run, and return the exit status.
pub fn run() -> Exit {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Error;
        }
    };
    let verbose = cli.global.verbose > 0;
    match runtime.block_on(dispatch(cli)) {
        Ok(exit) => exit,
        Err(e) => {
            let escaped = |text: String| crate::escape::lines_for_terminal(&text).into_owned();
            eprintln!("error: {}", escaped(e.to_string()));
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {}", escaped(cause.to_string()));
            }
            let detail = e
                .chain()
                .find_map(|c| c.downcast_ref::<crate::store::StoreError>())
                .and_then(|s| s.detail.as_deref());
            if let (true, Some(detail)) = (verbose, detail) {
                eprintln!("  detail: {}", escaped(detail.to_string()));
            }
            Exit::Error
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    let global = &cli.global;
    match &cli.command {
        Command::Push(args) => {
            let ui = Ui::new(global, args.sync.json);
            sync_command(
                global,
                &args.sync,
                ui,
                if args.dry_run {
                    Mode::DryRun
                } else {
                    Mode::Push
                },
            )
            .await
        }
        Command::Diff(args) => {
            let ui = Ui::new(global, args.sync.json);
            let mode = if args.exit_code {
                Mode::DiffExitCode
            } else {
                Mode::Diff
            };
            sync_command(global, &args.sync, ui, mode).await
        }
        Command::Manifest(args) => manifest_command(global, args, Ui::new(global, true)).await,
        Command::Check(args) => check_command(global, args, Ui::new(global, true)).await,
        Command::Policy(args) => policy_command(global, args, &Ui::new(global, true)),
        Command::Url(args) => url_command(global, args, &Ui::new(global, true)).await,
        Command::Explain(args) => explain_command(global, args, &Ui::new(global, true)),
        Command::Init => init_command(global, &Ui::new(global, true)),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "s3sync", &mut out);
            Ui::new(global, true).out_data(&String::from_utf8_lossy(&out))?;
            Ok(Exit::Success)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            Ui::new(global, true).out_data(&String::from_utf8_lossy(&out))?;
            Ok(Exit::Success)
        }
    }
}

fn target_overrides(global: &GlobalArgs, target: &TargetArgs) -> Overrides {
    Overrides {
        target: global.target.clone(),
        to: target.to.clone(),
        ..Overrides::default()
    }
}

fn s3_bucket(settings: &Settings, command: &str) -> anyhow::Result<String> {
    match &settings.destination {
        Some(config::Destination::S3 { bucket }) => Ok(bucket.clone()),
        Some(config::Destination::Dir { .. }) => {
            anyhow::bail!("`s3sync {command}` is for s3:// targets; this config targets a folder")
        }
        None => anyhow::bail!(
            "no target: set `[storage] bucket_name` in s3sync.toml, AWS_STORAGE_BUCKET_NAME, or pass --to s3://BUCKET/PREFIX"
        ),
    }
}

async fn check_command(global: &GlobalArgs, args: &TargetArgs, ui: Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &target_overrides(global, args))?;
    let store = sync::open_store(&settings).await?;
    let results = crate::check::run(&settings, &store).await;
    ui.out(&crate::check::render(&results))?;
    Ok(if results.iter().all(crate::check::CheckResult::ok) {
        Exit::Success
    } else {
        Exit::Error
    })
}

/// `policy` prints exactly one JSON document on stdout, so it can be piped
/// to `aws iam put-user-policy` or `aws s3api put-bucket-policy`: the IAM
/// policy, or with `--public` only the bucket policy. Headings and notes go
/// to stderr.
fn policy_command(global: &GlobalArgs, args: &PolicyArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &target_overrides(global, &args.target))?;
    let bucket = s3_bucket(&settings, "policy")?;
    let pretty = |v: &serde_json::Value| {
        serde_json::to_string_pretty(v)
            .map(|text| format!("{text}\n"))
            .context("cannot print the policy as JSON")
    };
    if !args.public {
        ui.info("IAM policy for the identity that runs s3sync:");
        ui.out_data(&pretty(&crate::policy::iam_policy(
            &settings,
            &bucket,
            args.delete,
        ))?)?;
        return Ok(Exit::Success);
    }
    let public = crate::policy::public_bucket_policy(&settings, &bucket, args.referer.as_deref())
        .map_err(anyhow::Error::msg)?;
    ui.info(&format!(
        "Bucket policy granting public read of s3://{bucket}/{} except s3sync's records and the files rules keep private (apply with `s3sync policy --public | aws s3api put-bucket-policy --bucket {bucket} --policy file:///dev/stdin`; `s3sync policy` prints the IAM policy for the identity that runs s3sync):",
        if settings.prefix.is_empty() { "*".to_string() } else { format!("{}/*", settings.prefix) }
    ));
    for note in &public.notes {
        ui.info(note);
    }
    ui.out_data(&pretty(&public.document)?)?;
    Ok(Exit::Success)
}

/// `url`: the public URL, or a presigned one when asked, when
/// `querystring_auth` is on, or when the config keeps the file private (its
/// ACL is not public): a plain URL for it would only answer 403.
async fn url_command(global: &GlobalArgs, args: &UrlArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &target_overrides(global, &args.target))?;
    let path = crate::urls::source_relative(settings.source.as_deref(), &args.path);
    let key = crate::local::key_for(&settings.prefix, &path);
    let on_s3 = matches!(settings.destination, Some(config::Destination::S3 { .. }));
    let rules = crate::rules::Rules::new(&settings, crate::hashed::Hashed::default())
        .map_err(|problems| anyhow::anyhow!("invalid rules: {}", problems.join("; ")))?;
    let acl = rules.resolve(&path).headers.acl;
    let private = on_s3 && !crate::policy::meant_public(acl.as_deref(), &settings.objects.acl);
    let asked = args.presign || args.expires.is_some() || settings.public.querystring_auth;
    let url = if asked || private {
        s3_bucket(&settings, "url --presign")?;
        let seconds = args.expires.unwrap_or(settings.public.querystring_expire);
        if seconds == 0 || seconds > crate::urls::MAX_PRESIGN_SECONDS {
            anyhow::bail!(
                "--expires {seconds}: a presigned URL lives 1 to {} seconds (7 days)",
                crate::urls::MAX_PRESIGN_SECONDS
            );
        }
        if private && !asked {
            ui.info(&format!(
                "note: {key} is private (ACL {}), so this is a presigned URL, valid for {seconds} seconds (--expires changes that)",
                acl.as_deref().map_or_else(|| "none sent".to_string(), |a| format!("\"{a}\""))
            ));
        }
        let store = sync::open_store(&settings).await?;
        store
            .presign_get(&key, std::time::Duration::from_secs(seconds))
            .await?
    } else {
        crate::urls::public_url(&settings, &key).map_err(anyhow::Error::msg)?
    };
    ui.out(&format!("{url}\n"))?;
    Ok(Exit::Success)
}

fn explain_command(global: &GlobalArgs, args: &ExplainArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let overrides = Overrides {
        target: global.target.clone(),
        source: args.source.clone(),
        ..Overrides::default()
    };
    let settings = load_settings(global, &overrides)?;
    let path = crate::urls::source_relative(settings.source.as_deref(), &args.path);
    ui.out(&crate::explain::explain(&settings, &path)?)?;
    Ok(Exit::Success)
}

/// The starter config `init` writes: the annotated example.
const STARTER: &str = include_str!("../s3sync.toml.example");

fn init_command(global: &GlobalArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let path = global
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("s3sync.toml"));
    let mut file = match std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => anyhow::bail!(
            "{} already exists; s3sync init never overwrites a config (edit it, or remove it first)",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    std::io::Write::write_all(&mut file, STARTER.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    ui.info(&format!(
        "wrote {}: set `source` and `[storage] bucket_name`, then run `s3sync check` and `s3sync diff`",
        path.display()
    ));
    Ok(Exit::Success)
}

/// Read the config file (the named one must exist; `./s3sync.toml` may not)
/// and resolve settings with the process environment.
pub fn load_settings(global: &GlobalArgs, overrides: &Overrides) -> anyhow::Result<Settings> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let (path, required) = match &global.config {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from("s3sync.toml"), false),
    };
    // Keep the path as given, so messages say `s3sync.toml line 7`.
    let file = config::file::load(&path, required)?;
    let env = |k: &str| {
        std::env::var(k)
            .ok()
            .filter(|v| !v.is_empty() || k == "AWS_DEFAULT_ACL")
    };
    Ok(Settings::resolve(
        overrides,
        &env,
        file.as_ref(),
        Path::new(&cwd),
    )?)
}

fn overrides(global: &GlobalArgs, source: &SourceArgs, sync: Option<&SyncArgs>) -> Overrides {
    Overrides {
        target: global.target.clone(),
        source: source.source.clone(),
        to: source.to.clone(),
        delete: sync.is_some_and(|s| s.delete),
        max_deletes: sync.and_then(|s| s.max_deletes),
        jobs: sync.and_then(|s| s.jobs),
        no_cache: source.no_cache,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Push,
    DryRun,
    Diff,
    DiffExitCode,
}

async fn sync_command(
    global: &GlobalArgs,
    args: &SyncArgs,
    ui: Ui,
    mode: Mode,
) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let settings = load_settings(global, &overrides(global, &args.source, Some(args)))?;
    let store = sync::open_store(&settings).await?;
    let observer = ui.observer();
    let options = SyncOptions {
        force: args.force,
        verify: args.verify,
        delete_foreign: args.delete_foreign,
    };
    let prepared = sync::prepare(&settings, &store, &options, &observer).await?;
    if ui.verbose > 0 {
        ui.info(&format!("timings: {}", prepared.timings));
    }
    let plan = &prepared.plan;
    if mode != Mode::Push {
        // A preview always shows the plan; a guard that would refuse the
        // push is reported after it (and fails a dry run).
        let refused = sync::check_guards(&settings, plan).err();
        if args.json {
            ui.out_data(&report::json(plan, None, true, &prepared.target))?;
        } else if !ui.quiet {
            ui.out(&report::plan_text(plan, &prepared.target, ui.verbose > 0))?;
        }
        if let Some(refused) = refused {
            if mode == Mode::DryRun {
                return Err(refused);
            }
            ui.info(&format!("warning: a push would be refused: {refused}"));
        }
        let pending = mode == Mode::DiffExitCode && plan.has_changes();
        return Ok(if pending {
            Exit::Changes
        } else {
            Exit::Success
        });
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let interrupt = tokio::spawn(on_interrupt(cancel.clone(), ui));
    let applied = sync::push(&settings, store, &prepared, observer, cancel.clone()).await?;
    interrupt.abort();
    let interrupted = cancel.load(Ordering::Relaxed);
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let markdown = report::step_summary(
            plan,
            &applied,
            &prepared.target,
            started.elapsed().as_secs_f64(),
        );
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, markdown.as_bytes()));
        if let Err(e) = appended {
            ui.info(&format!(
                "warning: cannot append to GITHUB_STEP_SUMMARY ({}): {e}",
                PathBuf::from(&path).display()
            ));
        }
    }
    if args.json {
        ui.out_data(&report::json(plan, Some(&applied), false, &prepared.target))?;
    } else if !ui.quiet || applied.failed() > 0 || applied.manifest_error.is_some() {
        let text = report::push_text(
            plan,
            &applied,
            &prepared.target,
            started.elapsed().as_secs_f64(),
        );
        ui.out(&text)?;
    }
    Ok(if interrupted {
        Exit::Interrupted
    } else if applied.failed() > 0 || applied.manifest_error.is_some() {
        Exit::Error
    } else {
        Exit::Success
    })
}

/// First Ctrl-C while changes are applied: start nothing new, let requests
/// in flight finish, record what was done, exit 130. A second one exits at
/// once. (Before anything changes, Ctrl-C simply ends the process.)
async fn on_interrupt(cancel: Arc<AtomicBool>, ui: Ui) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    cancel.store(true, Ordering::Relaxed);
    ui.info("interrupted: finishing the requests in flight, then recording what was done (Ctrl-C again to stop at once)");
    if tokio::signal::ctrl_c().await.is_ok() {
        std::process::exit(Exit::Interrupted as i32);
    }
}

async fn manifest_command(global: &GlobalArgs, args: &SourceArgs, ui: Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &overrides(global, args, None))?;
    let observer = ui.observer();
    let tree = tokio::task::spawn_blocking(move || crate::local::build(&settings, &observer))
        .await
        .expect("scan task panicked")?;
    ui.out_data(&String::from_utf8_lossy(&tree.manifest.to_json()))?;
    Ok(Exit::Success)
}
