//! Least-privilege IAM policy derived from the config, and the public-read
//! bucket policy for buckets with ACLs disabled.
//!
//! The contract: everything s3sync does works under [`iam_policy`] as AWS
//! evaluates it, and nothing else is granted. `s3:ListBucket` is granted
//! only for the prefix (`s3:prefix` condition), so s3sync never sends
//! HeadBucket or an unscoped listing (see `store::s3`). The prefix and keys
//! are escaped for IAM (`iam_pattern`): a `*` in `location` does not widen
//! the grant. `setup.rs` is the separate policy for `s3sync setup`.

pub mod pattern;
pub mod setup;

pub use setup::{public_by_policy, sends_public_acls, setup_policy};

use serde_json::{Value, json};

use crate::config::{Acl, Settings};

/// Whether any object is sent with an ACL header.
pub fn sends_acls(settings: &Settings) -> bool {
    settings.objects.acl != Acl::Omit
        || settings
            .rules
            .iter()
            .any(|r| matches!(r.acl, Some(Acl::Canned(_))))
}

/// The IAM text for the prefix and the keys under it: `prefix/` (escaped)
/// or nothing for the whole bucket.
fn key_pattern(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_string()
    } else {
        format!("{}/{rest}", pattern::escape(prefix))
    }
}

fn objects_arn(bucket: &str, prefix: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{}", key_pattern(prefix, "*"))
}

/// The IAM text for the deploy records' folder, beside the manifest.
fn deploys_pattern(settings: &Settings) -> String {
    let folder = crate::record::history::deploys_folder(&crate::local::manifest_key(settings));
    format!("{}*", pattern::escape(&folder))
}

/// The IAM policy the identity running s3sync needs: list the prefix, read
/// the manifest and objects (HEAD, CopyObject source), write objects (and
/// abort a failed multipart upload), and only when the config needs them, set ACLs and delete.
/// With a deploy history, read earlier versions (`rollback` copies them
/// back) and delete old deploy records: in their folder only, when deletes
/// are otherwise off. With `[cdn]`, invalidate on its distributions.
pub fn iam_policy(settings: &Settings, bucket: &str, delete: bool) -> Value {
    let prefix = &settings.prefix;
    let mut list = json!({
        "Sid": "ListThePrefix",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": format!("arn:aws:s3:::{bucket}"),
    });
    if !prefix.is_empty() {
        list["Condition"] = json!({"StringLike": {"s3:prefix": [key_pattern(prefix, "*")]}});
    }
    // Large files go in parts; a failed one is aborted.
    let mut actions = vec!["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"];
    let history = settings.sync.history > 0;
    if history {
        actions.push("s3:GetObjectVersion");
    }
    if sends_acls(settings) {
        actions.push("s3:PutObjectAcl");
    }
    let deletes = delete || settings.sync.delete;
    if deletes {
        actions.push("s3:DeleteObject");
    }
    let mut statements = vec![
        list,
        json!({
            "Sid": "PublishObjects",
            "Effect": "Allow",
            "Action": actions,
            "Resource": objects_arn(bucket, prefix),
        }),
    ];
    if history && !deletes {
        statements.push(json!({
            "Sid": "TrimTheDeployHistory",
            "Effect": "Allow",
            "Action": "s3:DeleteObject",
            "Resource": format!("arn:aws:s3:::{bucket}/{}", deploys_pattern(settings)),
        }));
    }
    if let Some(cdn) = cdn_statement(settings) {
        statements.push(cdn);
    }
    json!({
        "Version": "2012-10-17",
        "Statement": statements,
    })
}

/// With `[cdn]`: read the distributions' origins, create invalidations and
/// follow them. The account is not known offline, so the ARNs say `*` for
/// it (`policy` says so on stderr).
fn cdn_statement(settings: &Settings) -> Option<Value> {
    let distributions = &settings.cdn.distributions;
    if distributions.is_empty() {
        return None;
    }
    let resources: Vec<String> = distributions
        .iter()
        .map(|id| format!("arn:aws:cloudfront::*:distribution/{id}"))
        .collect();
    Some(json!({
        "Sid": "InvalidateTheCdn",
        "Effect": "Allow",
        "Action": [
            "cloudfront:GetDistributionConfig",
            "cloudfront:CreateInvalidation",
            "cloudfront:GetInvalidation",
        ],
        "Resource": resources,
    }))
}

/// The public-read bucket policy and what the user should know about it
/// (for stderr).
#[derive(Debug, Clone)]
pub struct PublicPolicy {
    pub document: Value,
    pub notes: Vec<String>,
}

/// A bucket policy granting everyone read access to the prefix (what
/// `public-read` ACLs do, for buckets whose Object Ownership disables ACLs),
/// optionally only for requests from pages on `referer`.
///
/// s3sync's records (manifest, intent, deploy records, `check` probes) and the objects a
/// rule keeps private are excluded by an explicit Deny for principals
/// outside the bucket's account (anonymous requests included), so the
/// identity running s3sync still reads them. Where a rule's glob has no
/// exact IAM form the Deny covers a wider pattern, and a note says so.
/// Refused when `default_acl` itself is private: the config keeps objects
/// private, and a policy cannot list the few a rule makes public.
pub fn public_bucket_policy(
    settings: &Settings,
    bucket: &str,
    referer: Option<&str>,
) -> Result<PublicPolicy, String> {
    let default = &settings.objects.acl;
    if !crate::local::rules::meant_public(default.header(), default) {
        return Err(format!(
            "default_acl = \"{}\" keeps every object private, so a bucket policy making the prefix public would publish what the config keeps private. Fix: set `default_acl = \"none\"` in [storage] for a bucket with ACLs disabled (then mark private files with [[rules]] acl = \"private\"), or keep the objects private and share them with `s3sync url --presign`",
            default.header().unwrap_or("none")
        ));
    }
    let prefix = &settings.prefix;
    let mut notes = Vec::new();
    let mut allow = json!({
        "Sid": "PublicReadOfThePrefix",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": objects_arn(bucket, prefix),
    });
    if let Some(host) = referer {
        let host = host.trim_end_matches('/');
        let patterns: Vec<String> = if host.contains("://") {
            vec![format!("{host}/*")]
        } else {
            vec![format!("https://{host}/*"), format!("http://{host}/*")]
        };
        allow["Condition"] = json!({"StringLike": {"aws:Referer": patterns}});
        notes.push(
            "note: the Referer condition is not access control: any client can send any Referer header. It only discourages hotlinking from other sites; for files that must stay private use [[rules]] acl = \"private\" and `s3sync url --presign`".to_string(),
        );
    }
    let arn = |pattern: String| format!("arn:aws:s3:::{bucket}/{pattern}");
    let manifest = crate::local::manifest_key(settings);
    let mut denied = vec![
        arn(pattern::escape(&manifest)),
        arn(pattern::escape(&crate::record::intent::intent_key(
            &manifest,
        ))),
        arn(deploys_pattern(settings)),
        arn(key_pattern(prefix, ".s3sync-check-*")),
    ];
    for rule in &settings.rules {
        let acl = match &rule.acl {
            Some(acl) => acl.header(),
            None => continue,
        };
        if crate::local::rules::meant_public(acl, default) {
            continue;
        }
        let translated = pattern::glob(&rule.glob.pattern);
        let patterns: Vec<String> = translated
            .patterns
            .iter()
            .map(|p| arn(key_pattern(prefix, p)))
            .collect();
        if !translated.exact {
            notes.push(format!(
                "note: the rule `{}` ({}) keeps its files private, but IAM cannot express that glob exactly: the Deny covers {}, which may also keep some public files private",
                rule.glob.pattern,
                rule.glob.origin,
                patterns.join(", ")
            ));
        }
        denied.extend(patterns);
    }
    notes.push(
        "note: the Deny exempts principals of the bucket's own AWS account, so that s3sync and the URLs it presigns can still read its records and private files; within that account this policy's Allow lets any role read them. To exempt only the deploy identity, replace the Deny's condition with {\"ArnNotEquals\": {\"aws:PrincipalArn\": \"<the deploy role's ARN>\"}}".to_string(),
    );
    let mut seen = std::collections::BTreeSet::new();
    denied.retain(|r| seen.insert(r.clone()));
    let deny = json!({
        "Sid": "KeepRecordsAndPrivateFilesPrivate",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": denied,
        // Anonymous requests have no aws:PrincipalAccount: a negated
        // operator matches them, and every other account.
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}},
    });
    Ok(PublicPolicy {
        document: json!({"Version": "2012-10-17", "Statement": [allow, deny]}),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Settings {
        crate::config::settings_from_toml(text)
    }

    #[test]
    fn default_config_needs_acl_but_not_delete() {
        let s = settings("[storage]\nbucket_name = \"site\"\nlocation = \"static\"\n");
        insta::assert_snapshot!(
            serde_json::to_string_pretty(&iam_policy(&s, "site", false)).unwrap()
        );
    }

    #[test]
    fn acl_free_config_with_deletes() {
        let s = settings(
            "[storage]\nbucket_name = \"site\"\ndefault_acl = \"none\"\n[sync]\ndelete = true\n",
        );
        let p = iam_policy(&s, "site", false);
        assert_eq!(
            p["Statement"][1]["Action"],
            json!([
                "s3:GetObject",
                "s3:PutObject",
                "s3:AbortMultipartUpload",
                "s3:GetObjectVersion",
                "s3:DeleteObject"
            ])
        );
        assert_eq!(
            p["Statement"].as_array().unwrap().len(),
            2,
            "deletes on: the prefix's grant covers the deploy records"
        );
        assert_eq!(p["Statement"][1]["Resource"], "arn:aws:s3:::site/*");
        assert!(
            p["Statement"][0].get("Condition").is_none(),
            "no prefix, whole bucket"
        );
        // A rule that sets an ACL brings PutObjectAcl back.
        let s = settings(
            "[storage]\ndefault_acl = \"none\"\n[[rules]]\nmatch = \"*.pdf\"\nacl = \"private\"\n",
        );
        assert!(sends_acls(&s));
    }

    #[test]
    fn public_bucket_policy_with_referer() {
        let s = settings("[storage]\nbucket_name = \"site\"\nlocation = \"static\"\n");
        let p = public_bucket_policy(&s, "site", Some("www.example.com")).unwrap();
        insta::assert_snapshot!(serde_json::to_string_pretty(&p.document).unwrap());
        assert!(
            p.notes[0].contains("the Referer condition is not access control"),
            "{:?}",
            p.notes
        );
    }

    #[test]
    fn the_history_needs_versions_and_deletes_in_its_folder_only() {
        let s = settings("[storage]\nbucket_name = \"site\"\nlocation = \"st*r\"\n");
        let p = iam_policy(&s, "site", false);
        let actions = p["Statement"][1]["Action"].as_array().unwrap();
        assert!(
            actions.contains(&json!("s3:GetObjectVersion")),
            "{actions:?}"
        );
        assert!(!actions.contains(&json!("s3:DeleteObject")), "{actions:?}");
        assert_eq!(
            p["Statement"][2],
            json!({
                "Sid": "TrimTheDeployHistory",
                "Effect": "Allow",
                "Action": "s3:DeleteObject",
                "Resource": "arn:aws:s3:::site/st${*}r/.s3sync-manifest.json.deploys/*",
            })
        );
        // No history: neither.
        let s = settings("[storage]\nbucket_name = \"site\"\n[sync]\nhistory = 0\n");
        let p = iam_policy(&s, "site", false);
        assert_eq!(p["Statement"].as_array().unwrap().len(), 2);
        assert!(
            !p["Statement"][1]["Action"]
                .as_array()
                .unwrap()
                .contains(&json!("s3:GetObjectVersion"))
        );
    }

    #[test]
    fn the_cdn_is_granted_its_three_actions_on_its_distributions_only() {
        let s = settings(
            "[storage]\nbucket_name = \"site\"\n[cdn]\ncloudfront_distribution_id = [\"E1A\", \"E2B\"]\n",
        );
        let statements = iam_policy(&s, "site", false)["Statement"].clone();
        let cdn = statements.as_array().unwrap().last().unwrap();
        assert_eq!(
            cdn,
            &json!({
                "Sid": "InvalidateTheCdn",
                "Effect": "Allow",
                "Action": ["cloudfront:GetDistributionConfig", "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                "Resource": ["arn:aws:cloudfront::*:distribution/E1A", "arn:aws:cloudfront::*:distribution/E2B"],
            })
        );
        let without = iam_policy(
            &settings("[storage]\nbucket_name = \"site\"\n"),
            "site",
            false,
        );
        assert!(!without.to_string().contains("cloudfront"));
    }

    #[test]
    fn wildcards_in_the_location_do_not_widen_the_grant() {
        let s = settings("[storage]\nbucket_name = \"site\"\nlocation = \"a*b/v?$x\"\n");
        let p = iam_policy(&s, "site", false);
        assert_eq!(
            p["Statement"][0]["Condition"]["StringLike"]["s3:prefix"][0],
            "a${*}b/v${?}${$}x/*"
        );
        assert_eq!(
            p["Statement"][1]["Resource"],
            "arn:aws:s3:::site/a${*}b/v${?}${$}x/*"
        );
        let public = public_bucket_policy(&s, "site", None).unwrap().document;
        assert_eq!(
            public["Statement"][0]["Resource"],
            "arn:aws:s3:::site/a${*}b/v${?}${$}x/*"
        );
        assert_eq!(
            public["Statement"][1]["Resource"][0],
            "arn:aws:s3:::site/a${*}b/v${?}${$}x/.s3sync-manifest.json"
        );
    }

    #[test]
    fn public_policy_keeps_records_and_private_rules_private() {
        let s = settings(
            "[storage]\nbucket_name = \"site\"\nlocation = \"static\"\ndefault_acl = \"none\"\n\
             [[rules]]\nmatch = \"*.pdf\"\nacl = \"private\"\n\
             [[rules]]\nmatch = \"drafts/*.html\"\nacl = \"authenticated-read\"\n\
             [[rules]]\nmatch = \"*.txt\"\nacl = \"none\"\n\
             [[rules]]\nmatch = \"*.css\"\ncache_control = \"no-cache\"\n",
        );
        let p = public_bucket_policy(&s, "site", None).unwrap();
        let deny = &p.document["Statement"][1];
        assert_eq!(deny["Effect"], "Deny");
        assert_eq!(deny["Principal"], "*");
        assert_eq!(
            deny["Resource"],
            json!([
                "arn:aws:s3:::site/static/.s3sync-manifest.json",
                "arn:aws:s3:::site/static/.s3sync-manifest.json.intent",
                "arn:aws:s3:::site/static/.s3sync-manifest.json.deploys/*",
                "arn:aws:s3:::site/static/.s3sync-check-*",
                "arn:aws:s3:::site/static/*.pdf",
                "arn:aws:s3:::site/static/drafts/*.html",
            ]),
            "acl = \"none\" under default_acl = \"none\" stays public"
        );
        assert_eq!(
            deny["Condition"],
            json!({"StringNotEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}})
        );
        assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
        assert!(p.notes[1].contains("ArnNotEquals"), "{}", p.notes[1]);
        assert!(
            p.notes[0].contains("`drafts/*.html`")
                && p.notes[0].contains("arn:aws:s3:::site/static/drafts/*.html"),
            "{}",
            p.notes[0]
        );

        // Under a public-read default, `acl = "none"` sends no ACL: private.
        let s = settings(
            "[storage]\nbucket_name = \"site\"\n[[rules]]\nmatch = \"secret.txt\"\nacl = \"none\"\n",
        );
        let p = public_bucket_policy(&s, "site", None).unwrap();
        assert_eq!(
            p.document["Statement"][1]["Resource"],
            json!([
                "arn:aws:s3:::site/.s3sync-manifest.json",
                "arn:aws:s3:::site/.s3sync-manifest.json.intent",
                "arn:aws:s3:::site/.s3sync-manifest.json.deploys/*",
                "arn:aws:s3:::site/.s3sync-check-*",
                "arn:aws:s3:::site/secret.txt",
                "arn:aws:s3:::site/*/secret.txt",
            ])
        );
        assert_eq!(p.notes.len(), 1, "only the account note: {:?}", p.notes);
    }

    #[test]
    fn public_policy_is_refused_when_the_default_acl_is_private() {
        let s = settings("[storage]\nbucket_name = \"site\"\ndefault_acl = \"private\"\n");
        let err = public_bucket_policy(&s, "site", None).unwrap_err();
        assert!(
            err.starts_with("default_acl = \"private\" keeps every object private")
                && err.contains("Fix: set `default_acl = \"none\"`"),
            "{err}"
        );
        assert!(crate::local::rules::meant_public(None, &Acl::Omit));
        assert!(!crate::local::rules::meant_public(
            None,
            &Acl::Canned("public-read".into())
        ));
        assert!(!crate::local::rules::meant_public(
            Some("bucket-owner-read"),
            &Acl::Omit
        ));
    }
}
