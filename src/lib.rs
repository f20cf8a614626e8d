//! s3sync: publish a built static-asset tree to S3 (or a directory), exactly
//! and fast.
//!
//! Engine (knows nothing of the command line): `config`, then `scan`,
//! `rules` and `hash` build the `local` manifest (`links` decides which
//! symbolic links the scan follows, `regular` opens only regular files);
//! `store` reads the remote state; `plan` is a pure comparison; `execute`
//! applies it; `report` renders it.
//!
//! Application layer: `cli` (clap), `app` (dispatch, exit codes), `ui`
//! (stdout/stderr policy, indicatif progress).

pub mod app;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod encode;
pub mod escape;
pub mod execute;
pub mod explain;
pub mod globs;
pub mod hash;
pub mod hashed;
pub mod iam_pattern;
pub mod intent;
pub mod links;
pub mod local;
pub mod manifest;
pub mod plan;
pub mod policy;
pub mod progress;
pub mod regular;
pub mod report;
pub mod rules;
pub mod scan;
pub mod store;
pub mod sync;
pub mod ui;
pub mod urls;

pub use app::{Exit, run};
