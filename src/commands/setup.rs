//! `s3sync setup`: prepare the bucket the config needs (see `crate::setup`),
//! or with `--dry-run` show what that would change.

use super::{Exit, load_settings, s3_bucket, target_overrides};
use crate::cli::{GlobalArgs, SetupArgs};
use crate::setup::Desired;
use crate::store::s3::S3Store;
use crate::ui::Ui;

pub async fn command(global: &GlobalArgs, args: &SetupArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &target_overrides(global, &args.target))?;
    let bucket = s3_bucket(&settings, "setup")?;
    let desired = Desired::new(&settings, &bucket).map_err(anyhow::Error::msg)?;
    let admin = S3Store::connect(&bucket, &settings.s3).await?;
    let outcome = crate::setup::run(&desired, &admin, args.dry_run).await;
    let text = crate::setup::render(&outcome.lines, args.dry_run);
    match outcome.error {
        None => {
            ui.out(&text)?;
            Ok(Exit::Success)
        }
        Some(mut e) => {
            let denied = e
                .chain()
                .filter_map(|c| c.downcast_ref::<crate::store::StoreError>())
                .any(|s| s.kind == crate::store::ErrorKind::AccessDenied);
            if denied {
                e = e.context(
                    "setup changes the bucket itself: run it with an administrator's credentials, whose IAM policy `s3sync policy --setup` prints",
                );
            }
            // What was done before the failure, without the summary.
            let done: String = text
                .lines()
                .take(outcome.lines.len())
                .map(|l| format!("{l}\n"))
                .collect();
            ui.out(&done)?;
            Err(e.context(format!(
                "setting up {} stopped (the lines above were done; fix the cause and run `s3sync setup` again)",
                crate::store::bucket::BucketAdmin::describe(&admin)
            )))
        }
    }
}
