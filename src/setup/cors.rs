//! s3sync's own CORS rule (ID `s3sync`: GET and HEAD from the configured
//! origins) and merging it with the bucket's rules: ours is added or
//! replaced, every other rule is kept.

use crate::store::bucket::CorsRule;

/// The ID that marks the rule as s3sync's.
pub const RULE_ID: &str = "s3sync";

/// How long a browser may cache a preflight answer.
const MAX_AGE_SECONDS: i32 = 3600;

/// The rule for `origins`: GET and HEAD with any request header (a
/// `fetch()` with headers sends a preflight that must allow them).
pub fn rule(origins: &[String]) -> CorsRule {
    CorsRule {
        id: Some(RULE_ID.into()),
        allowed_methods: vec!["GET".into(), "HEAD".into()],
        allowed_origins: origins.to_vec(),
        allowed_headers: vec!["*".into()],
        expose_headers: Vec::new(),
        max_age_seconds: Some(MAX_AGE_SECONDS),
    }
}

/// A rule as compared: order within its lists does not matter.
fn canonical(rule: &CorsRule) -> CorsRule {
    let sorted = |list: &[String]| {
        let mut list = list.to_vec();
        list.sort();
        list.dedup();
        list
    };
    CorsRule {
        id: rule.id.clone(),
        allowed_methods: sorted(&rule.allowed_methods),
        allowed_origins: sorted(&rule.allowed_origins),
        allowed_headers: sorted(&rule.allowed_headers),
        expose_headers: sorted(&rule.expose_headers),
        max_age_seconds: rule.max_age_seconds,
    }
}

/// What merging changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Our rule is there as wanted.
    Same,
    /// The rules to store: ours added (`replaced` false) or replaced.
    Changed {
        rules: Vec<CorsRule>,
        replaced: bool,
    },
}

/// Merge our rule for `origins` into the bucket's `existing` rules.
pub fn merge(existing: &[CorsRule], origins: &[String]) -> Merged {
    let ours = rule(origins);
    let mut rules = existing.to_vec();
    match rules.iter_mut().find(|r| r.id.as_deref() == Some(RULE_ID)) {
        Some(present) if canonical(present) == canonical(&ours) => Merged::Same,
        Some(present) => {
            *present = ours;
            Merged::Changed {
                rules,
                replaced: true,
            }
        }
        None => {
            rules.push(ours);
            Merged::Changed {
                rules,
                replaced: false,
            }
        }
    }
}
