//! An IAM policy evaluator for the S3 requests s3sync makes, plugged into
//! the test proxy: moto accepts any credentials and authorises nothing, so
//! the proxy decides as AWS would and answers 403 AccessDenied otherwise.
//!
//! What it models (AWS's rules for one account):
//! - each request's actions and resources: ListObjectsV2 is `s3:ListBucket`
//!   with `s3:prefix` = the `prefix` parameter (absent when not sent),
//!   HeadBucket is `s3:ListBucket` with no `s3:prefix`, GET/HEAD of an
//!   object `s3:GetObject` (`s3:GetObjectVersion` with a `versionId`),
//!   PUT/CopyObject/multipart `s3:PutObject` (plus `s3:PutObjectAcl` with
//!   `x-amz-acl`, plus `s3:GetObject` on the copy source, or
//!   `s3:GetObjectVersion` when it names a version), DeleteObjects `s3:DeleteObject` on every listed key (one key
//!   denied denies the request here; AWS would fail that key only), an
//!   upload abort `s3:AbortMultipartUpload`;
//! - `*`/`?` wildcards in actions and resources, the policy variables
//!   `${*}`, `${?}`, `${$}` and `${aws:ResourceAccount}`;
//! - conditions `StringLike`, `StringNotLike`, `StringEquals`,
//!   `StringNotEquals` on `s3:prefix`, `aws:Referer` and
//!   `aws:PrincipalAccount` (a missing key fails a positive operator and
//!   satisfies a negated one);
//! - identity policies (signed requests) and a bucket policy whose
//!   `Principal` is `*` (signed and anonymous requests); an explicit Deny
//!   wins, nothing allowed is denied;
//! - a GET or HEAD of a missing object answers 404 only if `s3:ListBucket`
//!   is allowed for the request (no `s3:prefix`), else 403.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::proxy::{Proxy, Seen, s3_error};

/// The account of the single test identity, which owns the bucket.
pub(crate) const ACCOUNT: &str = "123456789012";

/// One authorisation question: may the requester do `action` on `resource`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ask {
    pub action: String,
    pub resource: String,
    pub prefix: Option<String>,
}

fn ask(action: &str, resource: String, prefix: Option<String>) -> Ask {
    Ask {
        action: action.into(),
        resource,
        prefix,
    }
}

/// The request's context beyond the action: who signed it and its headers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    pub signed: bool,
    pub referer: Option<String>,
}

pub(crate) struct Iam {
    identity: Vec<Value>,
    bucket_policy: Option<Value>,
    denied: AtomicU64,
    log: Mutex<Vec<String>>,
}

impl Iam {
    pub(crate) fn new(identity: Vec<Value>, bucket_policy: Option<Value>) -> Arc<Self> {
        Arc::new(Self {
            identity,
            bucket_policy,
            denied: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        })
    }

    /// Denied requests so far (each with what was asked), and forget them.
    pub(crate) fn take_denied(&self) -> Vec<String> {
        self.denied.store(0, Ordering::Relaxed);
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    pub(crate) fn denied(&self) -> u64 {
        self.denied.load(Ordering::Relaxed)
    }

    /// Whether every question is allowed.
    pub(crate) fn allows(&self, asks: &[Ask], cx: &Context) -> bool {
        asks.iter().all(|a| self.decide(a, cx))
    }

    fn decide(&self, a: &Ask, cx: &Context) -> bool {
        let mut statements: Vec<&Value> = Vec::new();
        if cx.signed {
            for doc in &self.identity {
                statements.extend(list(&doc["Statement"]));
            }
        }
        if let Some(doc) = &self.bucket_policy {
            // Only `Principal: *` is modelled: it names everyone.
            statements.extend(
                list(&doc["Statement"])
                    .into_iter()
                    .filter(|s| s["Principal"] == "*" || s["Principal"]["AWS"] == "*"),
            );
        }
        let applies: Vec<&Value> = statements
            .into_iter()
            .filter(|s| statement_applies(s, a, cx))
            .collect();
        !applies.iter().any(|s| s["Effect"] == "Deny")
            && applies.iter().any(|s| s["Effect"] == "Allow")
    }

    fn deny(&self, what: String) -> (u16, String) {
        self.denied.fetch_add(1, Ordering::Relaxed);
        self.log.lock().unwrap().push(what);
        s3_error(403, "AccessDenied", "Access Denied")
    }

    /// Evaluate every request the proxy sees; forward the allowed ones.
    pub(crate) fn install(self: &Arc<Self>, proxy: &Proxy) {
        let iam = self.clone();
        proxy.set_rule(Arc::new(move |seen: &Seen| {
            let asks = asks(seen);
            let cx = context(seen);
            (!iam.allows(&asks, &cx)).then(|| {
                iam.deny(format!(
                    "{} {}?{} asks {asks:?}",
                    seen.method, seen.path, seen.query
                ))
            })
        }));
        let iam = self.clone();
        proxy.set_rewrite(Arc::new(move |seen: &Seen, status: u16| {
            let object_read = matches!(seen.method.as_str(), "GET" | "HEAD")
                && object_of(seen).is_some()
                && !query(&seen.query).iter().any(|(k, _)| k == "uploadId");
            if !(object_read && status == 404) {
                return None;
            }
            let (bucket, _) = object_of(seen)?;
            let list = ask("s3:ListBucket", format!("arn:aws:s3:::{bucket}"), None);
            (!iam.allows(&[list], &context(seen))).then(|| {
                iam.deny(format!(
                    "{} {}: missing, and s3:ListBucket (no s3:prefix) is not allowed",
                    seen.method, seen.path
                ))
            })
        }));
    }
}

fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn strings(v: &Value) -> Vec<String> {
    list(v)
        .into_iter()
        .map(|s| s.as_str().expect("policy values are strings").to_string())
        .collect()
}

fn statement_applies(s: &Value, a: &Ask, cx: &Context) -> bool {
    let action = strings(&s["Action"]).iter().any(|p| like(p, &a.action));
    let resource = strings(&s["Resource"]).iter().any(|p| like(p, &a.resource));
    action && resource && conditions_hold(&s["Condition"], a, cx)
}

fn conditions_hold(conditions: &Value, a: &Ask, cx: &Context) -> bool {
    let Some(operators) = conditions.as_object() else {
        return true;
    };
    operators.iter().all(|(operator, keys)| {
        keys.as_object()
            .expect("a condition maps keys to values")
            .iter()
            .all(|(key, values)| {
                let actual = match key.as_str() {
                    "s3:prefix" => a.prefix.clone(),
                    "aws:Referer" => cx.referer.clone(),
                    "aws:PrincipalAccount" => cx.signed.then(|| ACCOUNT.to_string()),
                    other => panic!("condition key {other} is not modelled"),
                };
                let values = strings(values);
                let equal = |v: &str| values.iter().any(|p| literal(p).as_deref() == Some(v));
                match (operator.as_str(), actual) {
                    ("StringLike", Some(v)) => values.iter().any(|p| like(p, &v)),
                    ("StringEquals", Some(v)) => equal(&v),
                    ("StringNotLike", Some(v)) => !values.iter().any(|p| like(p, &v)),
                    ("StringNotEquals", Some(v)) => !equal(&v),
                    ("StringLike" | "StringEquals", None) => false,
                    ("StringNotLike" | "StringNotEquals", None) => true,
                    (other, _) => panic!("condition operator {other} is not modelled"),
                }
            })
    })
}

/// One element of a pattern after policy variables are resolved.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Char(char),
    Star,
    One,
}

/// Resolve policy variables; `None` when one cannot be (the statement then
/// does not apply, as on AWS).
fn tokens(pattern: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            let end = after.find('}')?;
            match &after[..end] {
                "*" => out.push(Tok::Char('*')),
                "?" => out.push(Tok::Char('?')),
                "$" => out.push(Tok::Char('$')),
                "aws:ResourceAccount" => out.extend(ACCOUNT.chars().map(Tok::Char)),
                _ => return None,
            }
            rest = &after[end + 1..];
            continue;
        }
        out.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Char(c),
        });
        rest = &rest[c.len_utf8()..];
    }
    Some(out)
}

/// A value with its variables resolved, for the `Equals` operators
/// (wildcards are plain characters there); `None` when unresolvable.
fn literal(value: &str) -> Option<String> {
    Some(
        tokens(value)?
            .into_iter()
            .map(|t| match t {
                Tok::Char(c) => c,
                Tok::Star => '*',
                Tok::One => '?',
            })
            .collect(),
    )
}

/// IAM's `StringLike` / ARN match: `*` any run (`/` included), `?` one
/// character, variables resolved.
pub(crate) fn like(pattern: &str, text: &str) -> bool {
    let Some(p) = tokens(pattern) else {
        return false;
    };
    let t: Vec<char> = text.chars().collect();
    // matched[j]: the pattern so far matches t[..j].
    let mut matched = vec![false; t.len() + 1];
    matched[0] = true;
    for tok in p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            match tok {
                Tok::Star => next[j] = matched[j] || (j > 0 && next[j - 1]),
                Tok::One => next[j] = j > 0 && matched[j - 1],
                Tok::Char(c) => next[j] = j > 0 && matched[j - 1] && t[j - 1] == c,
            }
        }
        matched = next;
    }
    matched[t.len()]
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query(q: &str) -> Vec<(String, Option<String>)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), Some(decode(v))),
            None => (decode(p), None),
        })
        .collect()
}

/// `(bucket, key)` of a path-style object request.
fn object_of(seen: &Seen) -> Option<(String, String)> {
    let path = seen.path.trim_start_matches('/');
    let (bucket, key) = path.split_once('/')?;
    (!key.is_empty()).then(|| (decode(bucket), decode(key)))
}

fn context(seen: &Seen) -> Context {
    Context {
        signed: seen.header("authorization").is_some()
            || query(&seen.query)
                .iter()
                .any(|(k, _)| k == "X-Amz-Signature"),
        referer: seen.header("referer").map(str::to_string),
    }
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The action of a request on one of the bucket's own settings (`?cors`,
/// `?policy`, ...), as AWS names it.
fn bucket_setting(method: &str, q: &[(String, Option<String>)]) -> Option<&'static str> {
    const SETTINGS: [(&str, &str, &str, Option<&str>); 7] = [
        (
            "ownershipControls",
            "s3:GetBucketOwnershipControls",
            "s3:PutBucketOwnershipControls",
            None,
        ),
        (
            "publicAccessBlock",
            "s3:GetBucketPublicAccessBlock",
            "s3:PutBucketPublicAccessBlock",
            None,
        ),
        (
            "policy",
            "s3:GetBucketPolicy",
            "s3:PutBucketPolicy",
            Some("s3:DeleteBucketPolicy"),
        ),
        ("cors", "s3:GetBucketCORS", "s3:PutBucketCORS", None),
        (
            "website",
            "s3:GetBucketWebsite",
            "s3:PutBucketWebsite",
            None,
        ),
        (
            "versioning",
            "s3:GetBucketVersioning",
            "s3:PutBucketVersioning",
            None,
        ),
        ("location", "s3:GetBucketLocation", "s3:Unmodelled", None),
    ];
    let names: Vec<&str> = q
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| *k != "x-id")
        .collect();
    let [name] = names[..] else {
        return None;
    };
    let (_, get, put, delete) = SETTINGS.iter().find(|(n, ..)| *n == name)?;
    match method {
        "GET" => Some(get),
        "PUT" => Some(put),
        "DELETE" => *delete,
        _ => None,
    }
}

/// The questions AWS asks for one request.
pub(crate) fn asks(seen: &Seen) -> Vec<Ask> {
    let q = query(&seen.query);
    let has = |name: &str| q.iter().any(|(k, _)| k == name);
    let acl = seen.header("x-amz-acl").is_some();
    let Some((bucket, key)) = object_of(seen) else {
        let bucket = decode(seen.path.trim_matches('/'));
        let arn = format!("arn:aws:s3:::{bucket}");
        return match seen.method.as_str() {
            "HEAD" => vec![ask("s3:ListBucket", arn, None)],
            "GET"
                if q.iter().all(|(k, _)| {
                    matches!(
                        k.as_str(),
                        "list-type"
                            | "prefix"
                            | "max-keys"
                            | "continuation-token"
                            | "delimiter"
                            | "encoding-type"
                            | "start-after"
                            | "fetch-owner"
                            | "x-id"
                    )
                }) =>
            {
                let prefix = q
                    .iter()
                    .find(|(k, _)| k == "prefix")
                    .map(|(_, v)| v.clone().unwrap_or_default());
                vec![ask("s3:ListBucket", arn, prefix)]
            }
            "POST" if has("delete") => {
                let body = String::from_utf8_lossy(&seen.body);
                body.split("<Key>")
                    .skip(1)
                    .filter_map(|part| part.split_once("</Key>"))
                    .map(|(k, _)| {
                        ask(
                            "s3:DeleteObject",
                            format!("{arn}/{}", xml_unescape(k)),
                            None,
                        )
                    })
                    .collect()
            }
            "PUT" if q.is_empty() => vec![ask("s3:CreateBucket", arn, None)],
            method => match bucket_setting(method, &q) {
                Some(action) => vec![ask(action, arn, None)],
                None => vec![ask("s3:Unmodelled", arn, None)],
            },
        };
    };
    let arn = format!("arn:aws:s3:::{bucket}/{key}");
    let mut out = match seen.method.as_str() {
        "GET" | "HEAD"
            if q.iter()
                .all(|(k, _)| k.starts_with("X-Amz-") || k == "x-id") =>
        {
            vec![ask("s3:GetObject", arn.clone(), None)]
        }
        "GET" | "HEAD"
            if has("versionId")
                && q.iter()
                    .all(|(k, _)| k.starts_with("X-Amz-") || k == "x-id" || k == "versionId") =>
        {
            vec![ask("s3:GetObjectVersion", arn.clone(), None)]
        }
        "PUT" if has("acl") => vec![ask("s3:PutObjectAcl", arn.clone(), None)],
        "PUT" | "POST" => vec![ask("s3:PutObject", arn.clone(), None)],
        "DELETE" if has("uploadId") => vec![ask("s3:AbortMultipartUpload", arn.clone(), None)],
        "DELETE" => vec![ask("s3:DeleteObject", arn.clone(), None)],
        _ => vec![ask("s3:Unmodelled", arn.clone(), None)],
    };
    if let Some(source) = seen.header("x-amz-copy-source") {
        let source = decode(source.trim_start_matches('/'));
        let (source, action) = match source.split_once("?versionId=") {
            Some((object, _)) => (object.to_string(), "s3:GetObjectVersion"),
            None => (source, "s3:GetObject"),
        };
        out.push(ask(action, format!("arn:aws:s3:::{source}"), None));
    }
    if acl
        && matches!(seen.method.as_str(), "PUT" | "POST")
        && !has("partNumber")
        && !has("uploadId")
    {
        out.push(ask("s3:PutObjectAcl", arn, None));
    }
    out
}

#[cfg(test)]
#[path = "iam_proxy_tests.rs"]
mod tests;
