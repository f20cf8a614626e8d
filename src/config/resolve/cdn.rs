//! The CDN in front of the bucket: `--cloudfront ID` (repeatable) >
//! `S3SYNC_CLOUDFRONT_DISTRIBUTION_ID` (comma-separated) > `[cdn]
//! cloudfront_distribution_id` (one or a list); `[cdn] max_paths` (1 to
//! 3,000, CloudFront's limit per invalidation) and `[cdn] endpoint_url`.

use super::{Layers, Problems};
use crate::config::defaults;
use crate::config::file::OneOrMany;
use crate::config::settings::CdnSettings;

/// The most paths one CloudFront invalidation may list.
pub(in crate::config) const MAX_PATHS_LIMIT: usize = 3000;

pub(super) fn settings(layers: &Layers, problems: &mut Problems) -> CdnSettings {
    let section = layers.config.cdn.as_ref();
    let (what, ids) = if layers.flags.cloudfront.is_empty() {
        match layers.env("S3SYNC_CLOUDFRONT_DISTRIBUTION_ID") {
            Some(list) => (
                "S3SYNC_CLOUDFRONT_DISTRIBUTION_ID",
                list.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ),
            None => (
                "[cdn] cloudfront_distribution_id",
                match section.and_then(|s| s.cloudfront_distribution_id.clone()) {
                    Some(OneOrMany::One(id)) => vec![id],
                    Some(OneOrMany::Many(ids)) => ids,
                    None => Vec::new(),
                },
            ),
        }
    } else {
        ("--cloudfront", layers.flags.cloudfront.clone())
    };
    let mut distributions: Vec<String> = Vec::new();
    for id in ids {
        if let Err(e) = check_id(&id) {
            problems.push(format!("{what}: {e}"));
        } else if !distributions.contains(&id) {
            distributions.push(id);
        }
    }
    let max_paths = match section.and_then(|s| s.max_paths) {
        None => defaults::CDN_MAX_PATHS,
        Some(n) => match usize::try_from(n) {
            Ok(n) if (1..=MAX_PATHS_LIMIT).contains(&n) => n,
            _ => {
                problems.push(format!(
                    "[cdn] max_paths is {n}: it must be 1 to {MAX_PATHS_LIMIT} (CloudFront's limit per invalidation); past it, paths are folded into wildcards such as /css/*"
                ));
                defaults::CDN_MAX_PATHS
            }
        },
    };
    let endpoint_url = section.and_then(|s| s.endpoint_url.clone());
    if let Some(url) = &endpoint_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        problems.push(format!(
            "[cdn] endpoint_url '{}' is not an http(s) URL: write it as https://host[:port]",
            crate::escape::for_terminal(url)
        ));
    }
    CdnSettings {
        distributions,
        max_paths,
        endpoint_url,
    }
}

/// A distribution id as CloudFront writes them (`E2QWRUHAPOMQZL`).
fn check_id(id: &str) -> Result<(), String> {
    if !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Ok(());
    }
    Err(format!(
        "'{}' is not a CloudFront distribution id: use the id `aws cloudfront list-distributions` shows (such as E2QWRUHAPOMQZL: capital letters and digits), not the domain name",
        crate::escape::for_terminal(id)
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::file::{LoadedFile, parse};
    use crate::config::{ConfigError, Overrides, Settings};

    fn resolve(
        flags: &Overrides,
        env: &[(&str, &str)],
        text: &str,
    ) -> Result<Settings, ConfigError> {
        let file = LoadedFile {
            path: "/p/s3sync.toml".into(),
            text: text.into(),
            config: parse(text).unwrap(),
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        let lookup = move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        Settings::resolve(flags, &lookup, Some(&file), Path::new("/cwd"))
    }

    #[test]
    fn one_id_or_a_list_and_the_flag_wins() {
        let one = resolve(
            &Overrides::default(),
            &[],
            "[cdn]\ncloudfront_distribution_id = \"E1AAA\"\n",
        )
        .unwrap();
        assert_eq!(one.cdn.distributions, ["E1AAA"]);
        assert_eq!(one.cdn.max_paths, 30);
        let list = "[cdn]\ncloudfront_distribution_id = [\"E1AAA\", \"E2BBB\", \"E1AAA\"]\nmax_paths = 100\n";
        let many = resolve(&Overrides::default(), &[], list).unwrap();
        assert_eq!(many.cdn.distributions, ["E1AAA", "E2BBB"]);
        assert_eq!(many.cdn.max_paths, 100);
        let env = resolve(
            &Overrides::default(),
            &[("S3SYNC_CLOUDFRONT_DISTRIBUTION_ID", "E3C, E4D")],
            list,
        )
        .unwrap();
        assert_eq!(env.cdn.distributions, ["E3C", "E4D"]);
        let flags = Overrides {
            cloudfront: vec!["E9Z".into()],
            ..Overrides::default()
        };
        let flag = resolve(
            &flags,
            &[("S3SYNC_CLOUDFRONT_DISTRIBUTION_ID", "E3C")],
            list,
        )
        .unwrap();
        assert_eq!(flag.cdn.distributions, ["E9Z"]);
        assert!(
            resolve(&Overrides::default(), &[], "")
                .unwrap()
                .cdn
                .distributions
                .is_empty()
        );
    }

    #[test]
    fn bad_ids_budgets_and_endpoints_name_the_setting_and_the_fix() {
        let text = "[cdn]\ncloudfront_distribution_id = \"d111.cloudfront.net\"\nmax_paths = 5000\nendpoint_url = \"localhost:5000\"\n";
        let Err(ConfigError::Invalid(problems)) = resolve(&Overrides::default(), &[], text) else {
            panic!("accepted");
        };
        let all = problems.join("\n");
        assert!(all.contains("[cdn] cloudfront_distribution_id: 'd111.cloudfront.net' is not a CloudFront distribution id"), "{all}");
        assert!(
            all.contains("[cdn] max_paths is 5000: it must be 1 to 3000"),
            "{all}"
        );
        assert!(
            all.contains("[cdn] endpoint_url 'localhost:5000' is not an http(s) URL"),
            "{all}"
        );
    }
}
