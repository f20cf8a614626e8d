//! The IAM policy for `s3sync setup`, kept apart from the deploy policy:
//! deploy credentials must not be able to change the bucket policy or its
//! public access. Reads of every setting `setup` compares are granted; a
//! write only where the config needs that setting changed.

use serde_json::{Value, json};

use crate::config::Settings;

/// Whether any object is sent with a public ACL (`public-read`,
/// `public-read-write`): Block Public Access must let it through.
pub fn sends_public_acls(settings: &Settings) -> bool {
    let public = |acl: Option<&str>| matches!(acl, Some("public-read" | "public-read-write"));
    public(settings.objects.acl.header())
        || settings
            .rules
            .iter()
            .any(|r| public(r.acl.as_ref().and_then(|a| a.header())))
}

/// Whether `[setup] public` is carried out by a bucket policy: public read
/// is asked for and the objects' default ACL does not already give it.
pub fn public_by_policy(settings: &Settings) -> bool {
    settings.setup.public
        && !matches!(
            settings.objects.acl.header(),
            Some("public-read" | "public-read-write")
        )
}

/// What the identity that runs `s3sync setup` needs on `bucket`.
pub fn setup_policy(settings: &Settings, bucket: &str) -> Value {
    let mut actions = vec![
        // HeadBucket, to know whether the bucket exists.
        "s3:ListBucket",
        "s3:CreateBucket",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketPolicy",
        "s3:GetBucketCORS",
        "s3:GetBucketWebsite",
        "s3:GetBucketVersioning",
    ];
    let policy = public_by_policy(settings);
    let writes = [
        (super::sends_acls(settings), "s3:PutBucketOwnershipControls"),
        (
            sends_public_acls(settings) || policy,
            "s3:PutBucketPublicAccessBlock",
        ),
        (policy, "s3:PutBucketPolicy"),
        (!settings.setup.cors_origins.is_empty(), "s3:PutBucketCORS"),
        (settings.setup.website.is_some(), "s3:PutBucketWebsite"),
        (settings.setup.versioning, "s3:PutBucketVersioning"),
    ];
    actions.extend(
        writes
            .into_iter()
            .filter_map(|(needed, a)| needed.then_some(a)),
    );
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "SetUpTheBucket",
            "Effect": "Allow",
            "Action": actions,
            "Resource": format!("arn:aws:s3:::{bucket}"),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(text: &str) -> Vec<String> {
        let s = crate::config::settings_from_toml(text);
        let p = setup_policy(&s, "site");
        assert_eq!(p["Statement"][0]["Resource"], "arn:aws:s3:::site");
        p["Statement"][0]["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn setup_is_granted_only_the_writes_the_config_needs() {
        let everything = actions(
            "[storage]\ndefault_acl = \"none\"\n[[rules]]\nmatch = \"*.pdf\"\nacl = \"private\"\n\
             [setup]\npublic = true\ncors_origins = [\"*\"]\nwebsite = {}\nversioning = true\n",
        );
        for a in [
            "s3:CreateBucket",
            "s3:PutBucketOwnershipControls",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketPolicy",
            "s3:PutBucketCORS",
            "s3:PutBucketWebsite",
            "s3:PutBucketVersioning",
        ] {
            assert!(everything.contains(&a.to_string()), "{a}: {everything:?}");
        }
        let nothing = actions("[storage]\ndefault_acl = \"none\"\n");
        assert!(
            nothing.iter().all(|a| !a.starts_with("s3:Put")),
            "{nothing:?}"
        );
        assert!(nothing.contains(&"s3:GetBucketCORS".to_string()));
        // Public by ACL: ownership and the ACL flags, never the policy.
        let by_acl = actions("[setup]\npublic = true\n");
        assert!(by_acl.contains(&"s3:PutBucketOwnershipControls".to_string()));
        assert!(by_acl.contains(&"s3:PutBucketPublicAccessBlock".to_string()));
        assert!(!by_acl.contains(&"s3:PutBucketPolicy".to_string()));
    }

    #[test]
    fn the_deploy_policy_cannot_change_the_bucket() {
        let s = crate::config::settings_from_toml(
            "[storage]\nbucket_name = \"site\"\n[setup]\npublic = true\nversioning = true\n",
        );
        let deploy = crate::iam::iam_policy(&s, "site", true).to_string();
        assert!(!deploy.contains("PutBucket"), "{deploy}");
        assert!(!deploy.contains("CreateBucket"), "{deploy}");
    }
}
