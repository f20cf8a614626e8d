//! What S3 stores about an object besides its bytes that s3sync sets (the
//! [`Headers`] of a manifest entry), how two sets of them differ, and the
//! one rule for a website redirect target (`x-amz-website-redirect-location`),
//! shared by the config and the check of records read from the bucket.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Everything S3 stores about an object besides its bytes that s3sync sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headers {
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    /// Canned ACL sent with the object; `None` sends no ACL header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// Where a website endpoint redirects a request for the object
    /// (`x-amz-website-redirect-location`): set on the zero-byte objects
    /// of `[[redirects]]`. S3 never copies it, so every write sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_redirect_location: Option<String>,
}

impl Headers {
    /// Human-readable differences from `other` (what a push would change),
    /// comparing only what `other` can tell (`acl_known`: listings give no ACL).
    pub fn differences(&self, other: &Self, acl_known: bool) -> Vec<String> {
        let mut out = Vec::new();
        let mut field = |name: &str, old: Option<&str>, new: Option<&str>| {
            if old != new {
                out.push(format!(
                    "{name}: {} → {}",
                    old.map_or("(none)".to_string(), |v| format!("{v:?}")),
                    new.map_or("(none)".to_string(), |v| format!("{v:?}"))
                ));
            }
        };
        field(
            "redirect",
            other.website_redirect_location.as_deref(),
            self.website_redirect_location.as_deref(),
        );
        field(
            "content_type",
            Some(&other.content_type),
            Some(&self.content_type),
        );
        field(
            "content_encoding",
            other.content_encoding.as_deref(),
            self.content_encoding.as_deref(),
        );
        field(
            "cache_control",
            other.cache_control.as_deref(),
            self.cache_control.as_deref(),
        );
        field(
            "content_disposition",
            other.content_disposition.as_deref(),
            self.content_disposition.as_deref(),
        );
        field(
            "content_language",
            other.content_language.as_deref(),
            self.content_language.as_deref(),
        );
        if acl_known {
            field("acl", other.acl.as_deref(), self.acl.as_deref());
        }
        field(
            "storage_class",
            other.storage_class.as_deref(),
            self.storage_class.as_deref(),
        );
        if self.metadata != other.metadata {
            out.push(format!(
                "metadata: {:?} → {:?}",
                other.metadata, self.metadata
            ));
        }
        out
    }
}

/// S3's limit on `x-amz-website-redirect-location`, in bytes.
pub const MAX_REDIRECT_BYTES: usize = 2048;

/// Why `to` cannot be a website redirect target, if it cannot. S3 takes a
/// path on the same site (`/new/page/`) or an absolute `http://` or
/// `https://` URL, of at most 2 KB; it goes into an HTTP header, so only
/// printable ASCII without spaces.
pub fn redirect_location_problem(to: &str) -> Option<&'static str> {
    if to.is_empty() {
        return Some("it is empty");
    }
    if to.len() > MAX_REDIRECT_BYTES {
        return Some("it is longer than 2048 bytes, S3's limit");
    }
    if !to.bytes().all(|b| b.is_ascii_graphic()) {
        return Some(
            "it holds a space, a control or a non-ASCII character (percent-encode it: a space is %20)",
        );
    }
    if to.starts_with("//") {
        return Some(
            "it starts with `//`, which a browser reads as another host (write https://HOST/… for another site, or one `/` for a path)",
        );
    }
    if to.starts_with('/') {
        return None;
    }
    let host = to
        .strip_prefix("https://")
        .or_else(|| to.strip_prefix("http://"));
    match host {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => None,
        Some(_) => Some("the URL has no host"),
        None => Some(
            "it is neither a path starting with `/` nor an absolute URL starting with https:// or http://",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_differences_are_readable() {
        let old = Headers {
            content_type: "text/css".into(),
            cache_control: Some("max-age=60".into()),
            acl: Some("private".into()),
            ..Headers::default()
        };
        let new = Headers {
            cache_control: Some("max-age=3600".into()),
            acl: Some("public-read".into()),
            ..old.clone()
        };
        let diffs = new.differences(&old, true);
        assert_eq!(
            diffs,
            [
                "cache_control: \"max-age=60\" → \"max-age=3600\"",
                "acl: \"private\" → \"public-read\""
            ]
        );
        assert_eq!(new.differences(&old, false).len(), 1);
    }

    #[test]
    fn a_changed_redirect_target_is_a_header_difference_named_first() {
        let old = Headers {
            content_type: "text/html; charset=utf-8".into(),
            website_redirect_location: Some("/new/page/".into()),
            ..Headers::default()
        };
        let moved = Headers {
            website_redirect_location: Some("https://example.com/page/".into()),
            cache_control: Some("max-age=60".into()),
            ..old.clone()
        };
        assert_eq!(
            moved.differences(&old, false),
            [
                "redirect: \"/new/page/\" → \"https://example.com/page/\"",
                "cache_control: (none) → \"max-age=60\""
            ]
        );
        // An object that is no longer a redirect (or one that became one)
        // differs too, even when a listing's HEAD is all that is known.
        let plain = Headers {
            website_redirect_location: None,
            ..old.clone()
        };
        assert_eq!(
            plain.differences(&old, false),
            ["redirect: \"/new/page/\" → (none)"]
        );
        assert!(old.differences(&old.clone(), true).is_empty());
    }

    #[test]
    fn the_record_form_of_headers_without_a_redirect_is_unchanged() {
        let plain = Headers {
            content_type: "text/css".into(),
            ..Headers::default()
        };
        let json = serde_json::to_string(&plain).unwrap();
        assert_eq!(json, r#"{"content_type":"text/css"}"#);
        let redirect = Headers {
            website_redirect_location: Some("/b/".into()),
            ..plain
        };
        let json = serde_json::to_string(&redirect).unwrap();
        assert!(
            json.contains(r#""website_redirect_location":"/b/""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Headers>(&json).unwrap(), redirect);
    }

    #[test]
    fn redirect_targets_follow_s3s_rule() {
        for good in [
            "/",
            "/new/page/",
            "/a.html?x=1#top",
            "https://example.com",
            "http://example.com/p",
        ] {
            assert_eq!(redirect_location_problem(good), None, "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("new/page/", "neither a path"),
            ("ftp://example.com/", "neither a path"),
            ("//evil.example/", "another host"),
            ("https://", "no host"),
            ("https:///path", "no host"),
            ("/a b/", "percent-encode"),
            ("/a\r\nX-Injected: 1", "control"),
            ("/é", "non-ASCII"),
        ] {
            let problem = redirect_location_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad:?}: {problem}");
        }
        assert!(
            redirect_location_problem(&format!("/{}", "a".repeat(MAX_REDIRECT_BYTES))).is_some()
        );
    }
}
