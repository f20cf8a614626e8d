//! `check`'s lines for `[setup]`: the same plan `s3sync setup --dry-run`
//! shows, read-only, each setting that differs a failure whose fix is
//! `s3sync setup`. Only for a config with a `[setup]` table and an s3://
//! target.

use super::{CheckResult, Mark, failed, pass};
use crate::config::{Destination, Settings, SetupSettings};
use crate::setup::Desired;
use crate::store::s3::S3Store;

const FIX: &str = "Fix: run `s3sync setup` (`s3sync setup --dry-run` shows every change; `s3sync policy --setup` prints the IAM policy it needs)";

pub(super) async fn checks(settings: &Settings) -> Vec<CheckResult> {
    let Some(Destination::S3 { bucket }) = &settings.destination else {
        return Vec::new();
    };
    if settings.setup == SetupSettings::default() {
        return Vec::new();
    }
    let desired = match Desired::new(settings, bucket) {
        Ok(d) => d,
        Err(e) => return vec![failed("[setup]", e)],
    };
    let steps = match S3Store::connect(bucket, &settings.s3).await {
        Ok(admin) => crate::setup::inspect(&desired, &admin).await,
        Err(e) => Err(e.into()),
    };
    match steps {
        Ok(steps) => steps
            .into_iter()
            .map(|step| {
                let what = format!("bucket setup: {}", step.what);
                if step.action.is_some() {
                    failed(what, format!("needs {}. {FIX}", step.detail))
                } else {
                    pass(what, Some(step.detail))
                }
            })
            .collect(),
        // Deploy credentials need not read the bucket's settings.
        Err(e) => vec![CheckResult {
            mark: Mark::Skip,
            what: "bucket setup".into(),
            detail: Some(format!(
                "cannot read the bucket's settings ({e:#}); check with the credentials `s3sync policy --setup` describes"
            )),
        }],
    }
}
