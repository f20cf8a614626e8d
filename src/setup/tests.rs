//! The setup plan on its own (desired against current, the merges by Sid
//! and by rule ID), and a run against an in-memory bucket: a missing
//! bucket is created and configured, a second run changes nothing.

use std::sync::Mutex;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::*;
use crate::store::bucket::{CorsRule, Ownership, PublicAccessBlock, Versioning, Website};

fn desired(extra: &str) -> Desired {
    let s = crate::config::settings_from_toml(&format!(
        "[storage]\nbucket_name = \"site\"\nlocation = \"static\"\n{extra}"
    ));
    Desired::new(&s, "site").unwrap()
}

const ACL_FREE_PUBLIC: &str = "default_acl = \"none\"\n[setup]\npublic = true\n";

fn existing() -> BucketState {
    BucketState {
        ownership: Ownership::BucketOwnerEnforced,
        public_access_block: PublicAccessBlock::default(),
        policy: None,
        cors: Vec::new(),
        website: None,
        versioning: Versioning::Off,
    }
}

fn changes(steps: &[Step]) -> Vec<&'static str> {
    steps
        .iter()
        .filter(|s| s.action.is_some())
        .map(|s| s.what)
        .collect()
}

#[test]
fn a_missing_bucket_is_created_with_what_the_config_needs() {
    let d = desired(&format!(
        "{ACL_FREE_PUBLIC}cors_origins = [\"https://app.example\"]\nwebsite = {{error = \"404.html\"}}\nversioning = true\n"
    ));
    let steps = plan::plan(&d, None, "eu-west-1").unwrap();
    assert_eq!(steps[0].detail, "create s3://site in eu-west-1");
    assert_eq!(
        changes(&steps),
        [
            "bucket",
            "block public access",
            "bucket policy",
            "CORS",
            "website",
            "versioning"
        ],
        "no ACL is sent: ownership stays BucketOwnerEnforced"
    );
    assert_eq!(
        steps[2].action,
        Some(Action::PublicAccessBlock(PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: false,
            restrict_public_buckets: false,
        })),
        "only what the policy needs is opened"
    );
    assert_eq!(
        steps[5].action,
        Some(Action::Website {
            index: "index.html".into(),
            error: Some("static/404.html".into())
        }),
        "the error document is a file of the source, under the prefix"
    );
}

#[test]
fn a_bucket_set_up_as_the_config_needs_plans_only_ok() {
    let d = desired(&format!(
        "{ACL_FREE_PUBLIC}cors_origins = [\"https://app.example\"]\nwebsite = {{index = \"index.html\"}}\nversioning = true\n"
    ));
    let mut state = existing();
    for step in plan::plan(&d, Some(&state), "us-east-1").unwrap() {
        match step.action {
            Some(Action::Policy(p)) => state.policy = Some(p),
            Some(Action::Cors(rules)) => state.cors = rules,
            Some(Action::Website { index, error }) => {
                state.website = Some(Website {
                    index: Some(index),
                    error,
                    redirect_all: None,
                });
            }
            Some(Action::EnableVersioning) => state.versioning = Versioning::Enabled,
            Some(Action::PublicAccessBlock(b)) => state.public_access_block = b,
            Some(other) => panic!("unexpected {other:?}"),
            None => {}
        }
    }
    let again = plan::plan(&d, Some(&state), "us-east-1").unwrap();
    assert!(changes(&again).is_empty(), "{again:#?}");
}

#[test]
fn acls_enable_bucket_owner_preferred_and_public_acls_open_only_the_acl_flags() {
    // The default config sends public-read.
    let d = desired("");
    let mut state = existing();
    state.public_access_block = PublicAccessBlock::ALL;
    let steps = plan::plan(&d, Some(&state), "us-east-1").unwrap();
    assert_eq!(
        steps[1].action,
        Some(Action::Ownership(Ownership::BucketOwnerPreferred))
    );
    assert!(
        steps[1].detail.contains("default_acl = \"public-read\""),
        "{}",
        steps[1].detail
    );
    assert_eq!(
        steps[2].action,
        Some(Action::PublicAccessBlock(PublicAccessBlock {
            block_public_acls: false,
            ignore_public_acls: false,
            block_public_policy: true,
            restrict_public_buckets: true,
        }))
    );
    assert!(
        steps[3].action.is_none(),
        "objects are public by ACL: no policy"
    );
    // ObjectWriter already allows ACLs: left as it is.
    state.ownership = Ownership::ObjectWriter;
    assert!(
        plan::plan(&d, Some(&state), "us-east-1").unwrap()[1]
            .action
            .is_none()
    );
    // No ACL sent: ACLs stay as they are, whatever they are.
    let d = desired("default_acl = \"none\"\n");
    let steps = plan::plan(&d, Some(&state), "us-east-1").unwrap();
    assert!(changes(&steps).is_empty(), "{steps:#?}");
    // A private rule under no default ACL still needs ACLs enabled.
    let d = desired("default_acl = \"none\"\n[[rules]]\nmatch = \"*.pdf\"\nacl = \"private\"\n");
    assert_eq!(
        d.acls.as_deref(),
        Some("the rule `*.pdf` sets acl = \"private\"")
    );
    assert_eq!(d.public_acls, None);
}

#[test]
fn public_with_a_private_default_acl_is_refused_with_its_fix() {
    let s = crate::config::settings_from_toml(
        "[storage]\nbucket_name = \"site\"\ndefault_acl = \"private\"\n[setup]\npublic = true\n",
    );
    let err = Desired::new(&s, "site").unwrap_err();
    assert!(
        err.starts_with("[setup] public = true, but default_acl = \"private\"")
            && err.contains("Fix: set `default_acl = \"none\"`"),
        "{err}"
    );
}

#[test]
fn the_policy_is_merged_by_sid_and_other_statements_survive() {
    let d = desired(ACL_FREE_PUBLIC);
    let theirs = json!({"Sid": "CloudFrontRead", "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"});
    let mut stale = d.policy.as_ref().unwrap()["Statement"][0].clone();
    stale["Resource"] = json!("arn:aws:s3:::site/old/*");
    let current = json!({"Version": "2012-10-17", "Id": "theirs",
        "Statement": [theirs.clone(), stale]})
    .to_string();
    let merged = policy::merge(Some(&current), d.policy.as_ref().unwrap(), "s3://site").unwrap();
    assert_eq!(merged.updated, ["PublicReadOfThePrefix"]);
    assert_eq!(merged.added, ["KeepRecordsAndPrivateFilesPrivate"]);
    assert_eq!(merged.kept, 1);
    let doc: Value = serde_json::from_str(merged.document.as_ref().unwrap()).unwrap();
    assert_eq!(doc["Id"], "theirs");
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 3);
    assert_eq!(statements[0], theirs, "kept as it was, first");
    assert_eq!(statements[1]["Resource"], "arn:aws:s3:::site/static/*");

    // Merged again (as S3 may hand it back, one-element lists unwrapped):
    // nothing to do.
    let mut stored = doc.clone();
    stored["Statement"][1]["Action"] = json!(["s3:GetObject"]);
    let again = policy::merge(
        Some(&stored.to_string()),
        d.policy.as_ref().unwrap(),
        "s3://site",
    )
    .unwrap();
    assert_eq!(again.document, None);

    // Not a policy: refused with its fix, nothing overwritten.
    let err = policy::merge(Some("[1]"), d.policy.as_ref().unwrap(), "s3://site").unwrap_err();
    assert!(
        err.contains("is not a JSON object") && err.contains("Fix:"),
        "{err}"
    );
    let err = policy::merge(Some("{"), d.policy.as_ref().unwrap(), "s3://site").unwrap_err();
    assert!(err.contains("is not JSON"), "{err}");
}

#[test]
fn our_cors_rule_is_added_or_updated_and_other_rules_survive() {
    let theirs = CorsRule {
        id: Some("uploads".into()),
        allowed_methods: vec!["PUT".into()],
        allowed_origins: vec!["https://admin.example".into()],
        ..CorsRule::default()
    };
    let origins = vec!["https://app.example".to_string()];
    let cors::Merged::Changed { rules, replaced } =
        cors::merge(std::slice::from_ref(&theirs), &origins)
    else {
        panic!("ours is missing");
    };
    assert!(!replaced);
    assert_eq!(rules[0], theirs);
    assert_eq!(rules[1], cors::rule(&origins));
    // The same rule in another order: the same.
    let mut shuffled = cors::rule(&origins);
    shuffled.allowed_methods.reverse();
    assert_eq!(
        cors::merge(&[theirs.clone(), shuffled], &origins),
        cors::Merged::Same
    );
    // New origins replace ours in place.
    let more = vec!["https://app.example".to_string(), "*".to_string()];
    let cors::Merged::Changed { rules, replaced } = cors::merge(&rules, &more) else {
        panic!("origins changed");
    };
    assert!(replaced);
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[1].allowed_origins, more);
}

#[test]
fn versioning_is_enabled_when_asked_and_never_suspended() {
    let on = desired("[setup]\nversioning = true\n");
    let off = desired("");
    let mut state = existing();
    let step =
        |d: &Desired, s: &BucketState| plan::plan(d, Some(s), "us-east-1").unwrap()[6].clone();
    assert_eq!(step(&on, &state).action, Some(Action::EnableVersioning));
    state.versioning = Versioning::Suspended;
    assert_eq!(step(&on, &state).action, Some(Action::EnableVersioning));
    state.versioning = Versioning::Enabled;
    let kept = step(&off, &state);
    assert!(kept.action.is_none());
    assert!(kept.detail.contains("never suspends"), "{}", kept.detail);
}

#[test]
fn a_bucket_that_redirects_everything_is_not_rewritten() {
    let d = desired("[setup]\nwebsite = {index = \"index.html\"}\n");
    let mut state = existing();
    state.website = Some(Website {
        redirect_all: Some("example.com".into()),
        ..Website::default()
    });
    let err = plan::plan(&d, Some(&state), "us-east-1").unwrap_err();
    assert!(
        err.contains("redirects every request to example.com") && err.contains("Fix:"),
        "{err}"
    );
}

/// A bucket in memory: `None` until created (as a new AWS bucket then).
#[derive(Default)]
struct FakeBucket {
    state: Mutex<Option<BucketState>>,
    log: Mutex<Vec<String>>,
}

impl FakeBucket {
    fn with(&self, f: impl FnOnce(&mut BucketState), what: &str) -> Result<(), StoreError> {
        self.log.lock().unwrap().push(what.to_string());
        f(self
            .state
            .lock()
            .unwrap()
            .as_mut()
            .expect("the bucket exists"));
        Ok(())
    }
}

#[async_trait]
impl BucketAdmin for FakeBucket {
    fn describe(&self) -> String {
        "s3://site".into()
    }
    fn region(&self) -> String {
        "us-east-1".into()
    }
    async fn state(&self) -> Result<Option<BucketState>, StoreError> {
        Ok(self.state.lock().unwrap().clone())
    }
    async fn create(&self) -> Result<(), StoreError> {
        self.log.lock().unwrap().push("create".into());
        *self.state.lock().unwrap() = Some(BucketState::new_bucket());
        Ok(())
    }
    async fn set_ownership(&self, o: Ownership) -> Result<(), StoreError> {
        self.with(|s| s.ownership = o, "ownership")
    }
    async fn set_public_access_block(&self, b: PublicAccessBlock) -> Result<(), StoreError> {
        self.with(|s| s.public_access_block = b, "public access block")
    }
    async fn set_policy(&self, p: &str) -> Result<(), StoreError> {
        self.with(|s| s.policy = Some(p.into()), "policy")
    }
    async fn set_cors(&self, rules: &[CorsRule]) -> Result<(), StoreError> {
        self.with(|s| s.cors = rules.to_vec(), "cors")
    }
    async fn set_website(&self, index: &str, error: Option<&str>) -> Result<(), StoreError> {
        let w = Website {
            index: Some(index.into()),
            error: error.map(str::to_string),
            redirect_all: None,
        };
        self.with(|s| s.website = Some(w), "website")
    }
    async fn enable_versioning(&self) -> Result<(), StoreError> {
        self.with(|s| s.versioning = Versioning::Enabled, "versioning")
    }
}

#[tokio::test]
async fn a_run_creates_and_configures_a_second_changes_nothing_and_a_dry_run_nothing_at_all() {
    let d = desired(&format!(
        "{ACL_FREE_PUBLIC}cors_origins = [\"https://app.example\"]\nversioning = true\n"
    ));
    let bucket = FakeBucket::default();
    let dry = run(&d, &bucket, true).await;
    assert!(dry.error.is_none(), "{:?}", dry.error);
    assert!(
        bucket.log.lock().unwrap().is_empty(),
        "a dry run changes nothing"
    );
    let text = render(&dry.lines, true);
    assert!(
        text.starts_with("would change bucket: create s3://site in us-east-1\n"),
        "{text}"
    );
    assert!(
        text.ends_with("dry run: 5 would change, 2 ok; run `s3sync setup` to apply\n"),
        "{text}"
    );

    let first = run(&d, &bucket, false).await;
    assert!(first.error.is_none(), "{:?}", first.error);
    assert_eq!(
        *bucket.log.lock().unwrap(),
        [
            "create",
            "public access block",
            "policy",
            "cors",
            "versioning"
        ]
    );
    assert_eq!(first.lines.len(), 7);
    let second = run(&d, &bucket, false).await;
    assert!(
        second.lines.iter().all(|l| l.status == Status::Ok),
        "{:#?}",
        second.lines
    );
    assert!(render(&second.lines, false).ends_with("setup: 0 changed, 7 ok\n"));
}
