//! The pure part of `setup`: what the config needs of the bucket
//! ([`Desired`]) against what the bucket is ([`BucketState`]), one
//! [`Step`] per setting, each either already so or a change with the
//! action that makes it so. Nothing here does I/O.

use serde_json::Value;

use super::{cors, policy};
use crate::config::{Acl, Settings};
use crate::store::bucket::{BucketState, CorsRule, Ownership, PublicAccessBlock, Versioning};

/// What the config needs of the bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    /// `s3://bucket`.
    pub target: String,
    /// The bucket's name, for messages.
    pub bucket: String,
    /// What sends an ACL (`None`: nothing), for messages.
    pub acls: Option<String>,
    /// What sends a public ACL (`None`: nothing).
    pub public_acls: Option<String>,
    /// The policy document whose statements must be in the bucket policy.
    pub policy: Option<Value>,
    /// Why no policy although `[setup] public = true`, for the message.
    pub public_by_acl: bool,
    pub cors_origins: Vec<String>,
    /// The index suffix and the error document's key.
    pub website: Option<(String, Option<String>)>,
    pub versioning: bool,
}

fn is_public(acl: &str) -> bool {
    matches!(acl, "public-read" | "public-read-write")
}

impl Desired {
    /// What `settings` needs of `bucket`; an error when `[setup] public`
    /// contradicts the objects' ACLs.
    pub fn new(settings: &Settings, bucket: &str) -> Result<Self, String> {
        let default = settings.objects.acl.header();
        let mut acls = default.map(|a| format!("default_acl = \"{a}\""));
        let mut public_acls = default
            .filter(|a| is_public(a))
            .map(|a| format!("default_acl = \"{a}\""));
        for rule in &settings.rules {
            if let Some(Acl::Canned(acl)) = &rule.acl {
                let why = format!("the rule `{}` sets acl = \"{acl}\"", rule.glob.pattern);
                if is_public(acl) && public_acls.is_none() {
                    public_acls = Some(why.clone());
                }
                acls.get_or_insert(why);
            }
        }
        let public_by_acl = settings.setup.public && default.is_some_and(is_public);
        let policy = if crate::iam::public_by_policy(settings) {
            let public = crate::iam::public_bucket_policy(settings, bucket, None)
                .map_err(|e| format!("[setup] public = true, but {e}"))?;
            Some(public.document)
        } else {
            None
        };
        let website = settings.setup.website.as_ref().map(|w| {
            let error = w.error.as_ref().map(|e| {
                if settings.prefix.is_empty() {
                    e.clone()
                } else {
                    format!("{}/{e}", settings.prefix)
                }
            });
            (w.index.clone(), error)
        });
        Ok(Self {
            target: format!("s3://{bucket}"),
            bucket: bucket.to_string(),
            acls,
            public_acls,
            policy,
            public_by_acl,
            cors_origins: settings.setup.cors_origins.clone(),
            website,
            versioning: settings.setup.versioning,
        })
    }
}

/// What makes a step's setting so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    Ownership(Ownership),
    PublicAccessBlock(PublicAccessBlock),
    /// The whole new policy text.
    Policy(String),
    Cors(Vec<CorsRule>),
    Website {
        index: String,
        error: Option<String>,
    },
    EnableVersioning,
}

/// One setting: what it is, in words, and the action when it must change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub what: &'static str,
    pub detail: String,
    pub action: Option<Action>,
}

impl Step {
    fn ok(what: &'static str, detail: String) -> Self {
        Self {
            what,
            detail,
            action: None,
        }
    }

    fn change(what: &'static str, detail: String, action: Action) -> Self {
        Self {
            what,
            detail,
            action: Some(action),
        }
    }
}

/// The steps that bring the bucket (`None`: missing, to be created in
/// `region`) to what `desired` needs. Errors are the bucket's own data
/// that cannot be merged (a bucket policy that is not a policy).
pub fn plan(
    desired: &Desired,
    current: Option<&BucketState>,
    region: &str,
) -> Result<Vec<Step>, String> {
    let new_bucket = BucketState::new_bucket();
    let mut steps = vec![match current {
        Some(_) => Step::ok("bucket", format!("{} exists", desired.target)),
        None => Step::change(
            "bucket",
            format!("create {} in {region}", desired.target),
            Action::Create,
        ),
    }];
    let state = current.unwrap_or(&new_bucket);
    steps.push(ownership(desired, state.ownership));
    steps.push(public_access_block(desired, state.public_access_block));
    steps.push(bucket_policy(desired, state.policy.as_deref())?);
    steps.push(cors_step(desired, &state.cors));
    steps.push(website(desired, state.website.as_ref())?);
    steps.push(versioning(desired, state.versioning));
    Ok(steps)
}

/// ACLs enabled when any ACL is sent; otherwise left as they are.
/// BucketOwnerPreferred rather than ObjectWriter: objects stay the bucket
/// owner's even when another account's deploy role writes them, so the
/// bucket policy and the owner's access cover them too.
fn ownership(desired: &Desired, current: Ownership) -> Step {
    const WHAT: &str = "object ownership";
    match (&desired.acls, current.acls_enabled()) {
        (Some(why), true) => Step::ok(
            WHAT,
            format!("{} (ACLs enabled, as {why} needs)", current.name()),
        ),
        (Some(why), false) => Step::change(
            WHAT,
            format!(
                "{} -> BucketOwnerPreferred (ACLs enabled: {why}; objects stay the bucket owner's)",
                current.name()
            ),
            Action::Ownership(Ownership::BucketOwnerPreferred),
        ),
        (None, _) => Step::ok(
            WHAT,
            format!("{} (no ACL is sent; left as it is)", current.name()),
        ),
    }
}

/// Allow what the config needs; every other flag stays as it is.
fn public_access_block(desired: &Desired, current: PublicAccessBlock) -> Step {
    const WHAT: &str = "block public access";
    let mut wanted = current;
    let mut reasons = Vec::new();
    if let Some(why) = &desired.public_acls {
        wanted.block_public_acls = false;
        wanted.ignore_public_acls = false;
        reasons.push(format!("public ACLs ({why})"));
    }
    if desired.policy.is_some() {
        wanted.block_public_policy = false;
        wanted.restrict_public_buckets = false;
        reasons.push("a public bucket policy ([setup] public = true)".to_string());
    }
    let on = |b: PublicAccessBlock| {
        let on = b.on();
        if on.is_empty() {
            "nothing blocked".to_string()
        } else {
            on.join(", ")
        }
    };
    let allows = if reasons.is_empty() {
        "nothing public is needed; left as it is".to_string()
    } else {
        format!("allows {}", reasons.join(" and "))
    };
    if wanted == current {
        Step::ok(WHAT, format!("{} ({allows})", on(current)))
    } else {
        Step::change(
            WHAT,
            format!("{} -> {} ({allows})", on(current), on(wanted)),
            Action::PublicAccessBlock(wanted),
        )
    }
}

fn bucket_policy(desired: &Desired, current: Option<&str>) -> Result<Step, String> {
    const WHAT: &str = "bucket policy";
    let Some(ours) = &desired.policy else {
        let why = if desired.public_by_acl {
            "not needed: objects are public by their ACL (default_acl)"
        } else {
            "no public read ([setup] public = false); left as it is"
        };
        return Ok(Step::ok(WHAT, why.to_string()));
    };
    let merged = policy::merge(current, ours, &desired.target)?;
    let others = match merged.kept {
        0 => String::new(),
        1 => "; 1 other statement kept".to_string(),
        n => format!("; {n} other statements kept"),
    };
    Ok(match merged.document {
        None => Step::ok(
            WHAT,
            format!("public read of the prefix, records kept private{others}"),
        ),
        Some(document) => {
            let mut what = Vec::new();
            if !merged.added.is_empty() {
                what.push(format!("add {}", merged.added.join(", ")));
            }
            if !merged.updated.is_empty() {
                what.push(format!("update {}", merged.updated.join(", ")));
            }
            Step::change(
                WHAT,
                format!(
                    "{} (public read of the prefix, records kept private){others}",
                    what.join(", ")
                ),
                Action::Policy(document),
            )
        }
    })
}

fn cors_step(desired: &Desired, current: &[CorsRule]) -> Step {
    const WHAT: &str = "CORS";
    if desired.cors_origins.is_empty() {
        return Step::ok(WHAT, "no [setup] cors_origins; left as it is".to_string());
    }
    let origins = desired.cors_origins.join(", ");
    let others = current
        .iter()
        .filter(|r| r.id.as_deref() != Some(cors::RULE_ID))
        .count();
    let others = match others {
        0 => String::new(),
        1 => "; 1 other rule kept".to_string(),
        n => format!("; {n} other rules kept"),
    };
    match cors::merge(current, &desired.cors_origins) {
        cors::Merged::Same => Step::ok(
            WHAT,
            format!(
                "rule {} allows GET, HEAD from {origins}{others}",
                cors::RULE_ID
            ),
        ),
        cors::Merged::Changed { rules, replaced } => Step::change(
            WHAT,
            format!(
                "{} rule {} allowing GET, HEAD from {origins}{others}",
                if replaced { "update" } else { "add" },
                cors::RULE_ID
            ),
            Action::Cors(rules),
        ),
    }
}

/// Hosting with the configured documents. A bucket that redirects every
/// request elsewhere (a `www` to apex bucket, say) is refused, not
/// rewritten.
fn website(
    desired: &Desired,
    current: Option<&crate::store::bucket::Website>,
) -> Result<Step, String> {
    const WHAT: &str = "website";
    let Some((index, error)) = &desired.website else {
        return Ok(Step::ok(
            WHAT,
            "no [setup] website; left as it is".to_string(),
        ));
    };
    if let Some(host) = current.and_then(|w| w.redirect_all.as_deref()) {
        return Err(format!(
            "[setup] website: {} redirects every request to {}, and s3sync does not replace that. Fix: remove [setup] website, or remove the redirect (`aws s3api delete-bucket-website --bucket {}`) and run setup again",
            desired.target,
            crate::escape::for_terminal(host),
            desired.bucket
        ));
    }
    let shown = |index: &str, error: Option<&str>| {
        format!(
            "index {}, error document {}",
            crate::escape::for_terminal(index),
            error.map_or_else(|| "none".into(), crate::escape::for_terminal)
        )
    };
    let wanted = shown(index, error.as_deref());
    Ok(match current {
        Some(w) if w.index.as_deref() == Some(index.as_str()) && w.error == *error => {
            Step::ok(WHAT, format!("hosting on: {wanted}"))
        }
        Some(w) => Step::change(
            WHAT,
            format!(
                "{} -> {wanted}",
                shown(w.index.as_deref().unwrap_or("none"), w.error.as_deref())
            ),
            Action::Website {
                index: index.clone(),
                error: error.clone(),
            },
        ),
        None => Step::change(
            WHAT,
            format!("turn on hosting: {wanted}"),
            Action::Website {
                index: index.clone(),
                error: error.clone(),
            },
        ),
    })
}

/// Enabled when asked; never suspended.
fn versioning(desired: &Desired, current: Versioning) -> Step {
    const WHAT: &str = "versioning";
    match (desired.versioning, current) {
        (_, Versioning::Enabled) => Step::ok(
            WHAT,
            if desired.versioning {
                "enabled (rollback can restore earlier versions)".to_string()
            } else {
                "enabled (left on: setup never suspends versioning)".to_string()
            },
        ),
        (true, state) => Step::change(
            WHAT,
            format!(
                "{} -> enabled (rollback needs earlier versions)",
                if state == Versioning::Off {
                    "off"
                } else {
                    "suspended"
                }
            ),
            Action::EnableVersioning,
        ),
        (false, state) => Step::ok(
            WHAT,
            format!(
                "{} (no [setup] versioning; `s3sync rollback` needs it on)",
                if state == Versioning::Off {
                    "off"
                } else {
                    "suspended"
                }
            ),
        ),
    }
}
