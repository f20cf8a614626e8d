//! Least-privilege IAM policy derived from the config, and the public-read
//! bucket policy for buckets with ACLs disabled.

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

fn objects_arn(bucket: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        format!("arn:aws:s3:::{bucket}/*")
    } else {
        format!("arn:aws:s3:::{bucket}/{prefix}/*")
    }
}

/// The IAM policy the identity running s3sync needs: list the prefix, read
/// the manifest and objects (HEAD, CopyObject source), write objects (and
/// abort a failed multipart upload), and only when the config needs them, set ACLs and delete.
pub fn iam_policy(settings: &Settings, bucket: &str, delete: bool) -> Value {
    let prefix = &settings.prefix;
    let mut list = json!({
        "Sid": "ListThePrefix",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": format!("arn:aws:s3:::{bucket}"),
    });
    if !prefix.is_empty() {
        list["Condition"] = json!({"StringLike": {"s3:prefix": [format!("{prefix}/*")]}});
    }
    // Large files go in parts; a failed one is aborted.
    let mut actions = vec!["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"];
    if sends_acls(settings) {
        actions.push("s3:PutObjectAcl");
    }
    if delete || settings.sync.delete {
        actions.push("s3:DeleteObject");
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [
            list,
            {
                "Sid": "PublishObjects",
                "Effect": "Allow",
                "Action": actions,
                "Resource": objects_arn(bucket, prefix),
            }
        ]
    })
}

/// A bucket policy granting everyone read access to the prefix (what
/// `public-read` ACLs do, for buckets whose Object Ownership disables ACLs),
/// optionally only for requests from pages on `referer`.
pub fn public_bucket_policy(settings: &Settings, bucket: &str, referer: Option<&str>) -> Value {
    let mut statement = json!({
        "Sid": "PublicReadOfThePrefix",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": objects_arn(bucket, &settings.prefix),
    });
    if let Some(host) = referer {
        let host = host.trim_end_matches('/');
        let patterns: Vec<String> = if host.contains("://") {
            vec![format!("{host}/*")]
        } else {
            vec![format!("https://{host}/*"), format!("http://{host}/*")]
        };
        statement["Condition"] = json!({"StringLike": {"aws:Referer": patterns}});
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
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
                "s3:DeleteObject"
            ])
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
        insta::assert_snapshot!(
            serde_json::to_string_pretty(&public_bucket_policy(
                &s,
                "site",
                Some("www.example.com")
            ))
            .unwrap()
        );
    }
}
