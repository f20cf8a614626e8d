//! `s3sync policy`: the IAM policy the config needs, with `--public` the
//! public-read bucket policy, or with `--setup` the IAM policy for `s3sync
//! setup`; the documents themselves come from `iam`.

use anyhow::Context;

use super::{Exit, load_settings, s3_bucket, target_overrides};
use crate::cli::{GlobalArgs, PolicyArgs};
use crate::ui::Ui;

/// `policy` prints exactly one JSON document on stdout, so it can be piped
/// to `aws iam put-user-policy` or `aws s3api put-bucket-policy`: the IAM
/// policy, or with `--public` only the bucket policy. Headings and notes go
/// to stderr.
pub fn command(global: &GlobalArgs, args: &PolicyArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &target_overrides(global, &args.target))?;
    let bucket = s3_bucket(&settings, "policy")?;
    let pretty = |v: &serde_json::Value| {
        serde_json::to_string_pretty(v)
            .map(|text| format!("{text}\n"))
            .context("cannot print the policy as JSON")
    };
    if args.setup {
        ui.info(&format!(
            "IAM policy for the identity that runs `s3sync setup` on {bucket} (an administrator's; keep it apart from the deploy policy `s3sync policy` prints, so deploy credentials cannot change the bucket policy or its public access):"
        ));
        ui.out_data(&pretty(&crate::iam::setup_policy(&settings, &bucket))?)?;
        return Ok(Exit::Success);
    }
    if !args.public {
        ui.info("IAM policy for the identity that runs s3sync:");
        if !settings.cdn.distributions.is_empty() {
            ui.info("(the CloudFront ARNs say `*` for the account, which s3sync cannot know offline: put your account id there to narrow them)");
        }
        ui.out_data(&pretty(&crate::iam::iam_policy(
            &settings,
            &bucket,
            args.delete,
        ))?)?;
        return Ok(Exit::Success);
    }
    let public = crate::iam::public_bucket_policy(&settings, &bucket, args.referer.as_deref())
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
