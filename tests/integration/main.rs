//! One integration-test binary: the real `s3sync` binary against `file://`
//! targets and against a real S3 server on loopback (moto, started by
//! scripts/test.sh).

mod bad_input;
mod build_tree;
mod cdn;
mod commands;
mod compression;
mod destroy;
mod faults;
mod file_target;
mod frontend;
mod history;
mod hostile_record;
mod hostile_source;
mod hostile_target;
mod iam;
mod iam_proxy;
mod progress;
mod proxy;
mod redirects;
mod retention;
mod s3_target;
mod setup;
mod show_settings;
mod support;
mod tls;
