//! `s3sync url PATH`: the public URL of a file, or a presigned one; like
//! Django's `{% static %}`, under the hashed name the source's build
//! manifest gives the file (`--unhashed`: its own name).

use super::{Exit, load_settings, s3_bucket, tree_overrides};
use crate::cli::{GlobalArgs, UrlArgs};
use crate::config::{self, Settings};
use crate::store::s3::S3Store;
use crate::ui::Ui;

/// `url`: the public URL, or a presigned one when asked, when
/// `querystring_auth` is on, or when the config keeps the file private (its
/// ACL is not public): a plain URL for it would only answer 403.
pub async fn command(global: &GlobalArgs, args: &UrlArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &tree_overrides(global, &args.tree))?;
    let given = crate::urls::source_relative(settings.source.as_deref(), &args.path);
    let (path, via) = if args.unhashed {
        (given, None)
    } else {
        static_path(&settings, given, *ui)?
    };
    if let Some(why) = crate::commands::explain::not_published(&settings, &path)? {
        let name = crate::escape::for_terminal(&path);
        match via {
            Some((original, manifest)) => anyhow::bail!(
                "{name}, the hashed name {manifest} gives {}, is not published from the source ({why}), so its URL would answer 404. Fix: build again so the manifest and the files agree, or pass --unhashed for the URL of {} itself",
                crate::escape::for_terminal(&original),
                crate::escape::for_terminal(&original),
            ),
            None => anyhow::bail!(
                "{name} is not published from the source ({why}), so its URL would answer 404. Fix: give a path relative to the source (`s3sync explain PATH` shows what a file becomes), or build first"
            ),
        }
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

/// The path `{% static %}` would give `path`: its hashed name from the
/// source's build manifests (`staticfiles.json`, the Vite manifest, …),
/// with the original path and the manifest; `path` itself when it is
/// already hashed, no manifest maps it, or no source is configured.
fn static_path(
    settings: &Settings,
    path: String,
    ui: Ui,
) -> anyhow::Result<(String, Option<(String, String)>)> {
    let Some(source) = settings.source.as_deref() else {
        return Ok((path, None));
    };
    let mut warnings = Vec::new();
    let hashed = crate::local::fingerprints::detect(source, settings, &mut warnings)
        .map_err(anyhow::Error::msg)?;
    for w in &warnings {
        ui.info(&format!("warning: {w}"));
    }
    Ok(
        match crate::local::fingerprints::names::hashed_name(&hashed, &path) {
            Some((name, manifest)) => (name.to_string(), Some((path, manifest.to_string()))),
            None => (path, None),
        },
    )
}
