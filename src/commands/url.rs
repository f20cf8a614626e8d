//! `s3sync url PATH`: the public URL of a file, or a presigned one.

use super::{Exit, load_settings, s3_bucket, tree_overrides};
use crate::cli::{GlobalArgs, UrlArgs};
use crate::config;
use crate::store::s3::S3Store;
use crate::ui::Ui;

/// `url`: the public URL, or a presigned one when asked, when
/// `querystring_auth` is on, or when the config keeps the file private (its
/// ACL is not public): a plain URL for it would only answer 403.
pub async fn command(global: &GlobalArgs, args: &UrlArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &tree_overrides(global, &args.tree))?;
    let path = crate::urls::source_relative(settings.source.as_deref(), &args.path);
    if let Some(why) = crate::commands::explain::not_published(&settings, &path)? {
        anyhow::bail!(
            "{path} is not published from the source ({why}), so its URL would answer 404. Fix: give a path relative to the source (`s3sync explain PATH` shows what a file becomes), or build first"
        );
    }
    let key = crate::local::key_for(&settings.prefix, &path);
    let on_s3 = matches!(settings.destination, Some(config::Destination::S3 { .. }));
    let rules =
        crate::local::rules::Rules::new(&settings, crate::local::fingerprints::Hashed::default())
            .map_err(|problems| anyhow::anyhow!("invalid rules: {}", problems.join("; ")))?;
    let acl = rules.resolve(&path).headers.acl;
    let private =
        on_s3 && !crate::local::rules::meant_public(acl.as_deref(), &settings.objects.acl);
    let asked = args.presign || args.expires.is_some() || settings.public.querystring_auth;
    let url = if asked || private {
        let bucket = s3_bucket(&settings, "url --presign")?;
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
        S3Store::connect(&bucket, &settings.s3)
            .await?
            .presign_get(&key, std::time::Duration::from_secs(seconds))
            .await?
    } else {
        crate::urls::public_url(&settings, &key).map_err(anyhow::Error::msg)?
    };
    ui.out(&format!("{url}\n"))?;
    Ok(Exit::Success)
}
