//! `s3sync setup`: the bucket the config needs, idempotently. Read the
//! bucket's settings, plan (`plan.rs`, pure: the config's [`Desired`]
//! against the [`BucketState`]), then apply each change in order: create
//! the bucket, Object Ownership, Block Public Access, the bucket policy
//! (s3sync's statements merged by Sid, `policy.rs`), CORS (s3sync's rule
//! merged by ID, `cors.rs`), website hosting, versioning. Ownership and
//! Block Public Access come first so the writes after them are accepted.
//!
//! Every line says `ok` (already so), `changed` or `would change`
//! (`--dry-run`), with what; a second run prints only `ok`. `check` shows
//! the same plan read-only ([`inspect`]).

pub mod cors;
pub mod plan;
pub mod policy;

use std::fmt::Write as _;

pub use plan::{Action, Desired, Step};

use crate::store::StoreError;
use crate::store::bucket::{BucketAdmin, BucketState};

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Changed,
    WouldChange,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Changed => "changed",
            Self::WouldChange => "would change",
        }
    }
}

/// One printed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub status: Status,
    pub what: &'static str,
    pub detail: String,
}

/// What a run did: its lines, and the error that stopped it, if any (the
/// lines before it say what was already changed).
#[derive(Debug)]
pub struct Outcome {
    pub lines: Vec<Line>,
    pub error: Option<anyhow::Error>,
}

fn line(step: &Step, status: Status) -> Line {
    Line {
        status,
        what: step.what,
        detail: step.detail.clone(),
    }
}

/// Read the bucket and plan, changing nothing (`check`, `--dry-run`).
pub async fn inspect(
    desired: &Desired,
    admin: &dyn BucketAdmin,
) -> Result<Vec<Step>, anyhow::Error> {
    let state = admin.state().await?;
    plan::plan(desired, state.as_ref(), &admin.region()).map_err(anyhow::Error::msg)
}

/// Plan, and unless `dry_run`, apply.
pub async fn run(desired: &Desired, admin: &dyn BucketAdmin, dry_run: bool) -> Outcome {
    let mut lines = Vec::new();
    let error = apply(desired, admin, dry_run, &mut lines).await.err();
    Outcome { lines, error }
}

async fn apply(
    desired: &Desired,
    admin: &dyn BucketAdmin,
    dry_run: bool,
    lines: &mut Vec<Line>,
) -> anyhow::Result<()> {
    let mut steps = inspect(desired, admin).await?;
    if dry_run {
        lines.extend(steps.iter().map(|s| {
            line(
                s,
                if s.action.is_some() {
                    Status::WouldChange
                } else {
                    Status::Ok
                },
            )
        }));
        return Ok(());
    }
    if steps
        .first()
        .is_some_and(|s| s.action == Some(Action::Create))
    {
        admin.create().await?;
        lines.push(line(&steps[0], Status::Changed));
        // A new bucket's settings are the server's (AWS blocks public
        // access, other stores may not): plan the rest from what it is.
        let state: Option<BucketState> = admin.state().await?;
        if state.is_none() {
            anyhow::bail!(
                "{} was created but cannot be found: rerun `s3sync setup`",
                admin.describe()
            );
        }
        steps = plan::plan(desired, state.as_ref(), &admin.region()).map_err(anyhow::Error::msg)?;
        steps.remove(0);
    }
    for step in &steps {
        let Some(action) = &step.action else {
            lines.push(line(step, Status::Ok));
            continue;
        };
        carry_out(admin, action).await?;
        lines.push(line(step, Status::Changed));
    }
    Ok(())
}

async fn carry_out(admin: &dyn BucketAdmin, action: &Action) -> Result<(), StoreError> {
    match action {
        Action::Create => admin.create().await,
        Action::Ownership(o) => admin.set_ownership(*o).await,
        Action::PublicAccessBlock(b) => admin.set_public_access_block(*b).await,
        Action::Policy(text) => admin.set_policy(text).await,
        Action::Cors(rules) => admin.set_cors(rules).await,
        Action::Website { index, error } => admin.set_website(index, error.as_deref()).await,
        Action::EnableVersioning => admin.enable_versioning().await,
    }
}

/// The lines, aligned, and a summary.
pub fn render(lines: &[Line], dry_run: bool) -> String {
    let mut out = String::new();
    for l in lines {
        let _ = writeln!(out, "{:<12} {}: {}", l.status.word(), l.what, l.detail);
    }
    let count = |s: Status| lines.iter().filter(|l| l.status == s).count();
    let ok = count(Status::Ok);
    if dry_run {
        let would = count(Status::WouldChange);
        if would == 0 {
            let _ = writeln!(out, "dry run: the bucket is set up ({ok} ok)");
        } else {
            let _ = writeln!(
                out,
                "dry run: {would} would change, {ok} ok; run `s3sync setup` to apply"
            );
        }
    } else {
        let _ = writeln!(out, "setup: {} changed, {ok} ok", count(Status::Changed));
    }
    out
}

#[cfg(test)]
mod tests;
