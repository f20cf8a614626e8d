//! s3sync: publish a built static-asset tree to S3 (or a directory), exactly
//! and fast.
//!
//! The data path, top to bottom (docs/architecture.md has the long form):
//! `cli` parses, `config` resolves one `Settings`, `commands` runs one
//! command; for `push` and `diff` the `pipeline` builds the `local` tree,
//! reads the `record` from the `store`, makes a pure `plan`, checks the
//! guards and has `apply` carry it out; `cdn` invalidates on CloudFront
//! what the applied plan made stale; `report` renders plans and results.
//! `clock` says what time it is (`S3SYNC_NOW` for tests),
//! `iam` writes the policies, `setup` prepares the bucket itself, `urls` the public addresses, `escape` keeps
//! names from the tree harmless in output, `pool` runs tasks a bounded
//! number at a time, `clock` says what time it is (`S3SYNC_NOW` in
//! tests). `app` and `ui` are the binary's
//! side: exit codes, streams, progress bars.

pub mod app;
pub mod apply;
pub mod cdn;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod escape;
pub mod iam;
pub mod local;
pub mod pipeline;
pub mod plan;
pub mod pool;
pub mod progress;
pub mod record;
pub mod report;
pub mod setup;
pub mod store;
pub mod ui;
pub mod urls;

pub use app::{Exit, run};
