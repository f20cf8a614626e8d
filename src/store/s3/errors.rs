//! What an S3 failure means, in s3sync's words: an SDK error becomes a
//! [`StoreError`] whose message names the action, the resource and the
//! fix (the SDK's full error chain is kept as the `-v` detail). Each S3
//! message is written here once (those every store shares are in `store.rs`).

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::store::{ErrorKind, StoreError, precondition_failed};

/// The IAM actions named in more than one message.
pub(super) const LIST_BUCKET: &str = "s3:ListBucket";
pub(super) const GET_OBJECT: &str = "s3:GetObject";
pub(super) const HEAD_OBJECT: &str = "s3:GetObject (HeadObject)";

/// Turn an SDK error from a request to `bucket` at `endpoint` into a
/// message that names the action, the resource and the fix.
pub(super) fn from_sdk<E>(
    bucket: &str,
    endpoint: &str,
    action: &str,
    resource: &str,
    err: &SdkError<E, HttpResponse>,
) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().unwrap_or_default();
    let detail = err
        .message()
        .map_or_else(|| root_cause(err), str::to_string);
    let (kind, message) = match code {
        "AccessControlListNotSupported" => (
            ErrorKind::AclNotSupported,
            format!(
                "bucket {bucket} does not allow ACLs (Object Ownership is \"Bucket owner enforced\"), so {action} with an ACL was refused. Fix: set `default_acl = \"none\"` in [storage] (and remove `acl` from [[rules]]), then make the objects public with a bucket policy (`s3sync policy --public` prints one)"
            ),
        ),
        "AccessDenied" | "AllAccessDisabled" => (
            ErrorKind::AccessDenied,
            access_denied(action, resource, &detail, resource),
        ),
        "NoSuchBucket" => (ErrorKind::NoSuchBucket, no_such_bucket(bucket, endpoint)),
        "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "InvalidToken"
        | "TokenRefreshRequired"
        | "ExpiredTokenException" => (
            ErrorKind::Credentials,
            format!(
                "the credentials were rejected ({code}: {detail}). Fix: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE or session_profile, or log in again (`aws sso login`)"
            ),
        ),
        "PermanentRedirect"
        | "AuthorizationHeaderMalformed"
        | "IllegalLocationConstraintException" => {
            (ErrorKind::WrongRegion, wrong_region(bucket, Some(code)))
        }
        "PreconditionFailed" => {
            let refused = precondition_failed(&format!("{action} on {resource}"));
            (refused.kind, refused.message)
        }
        "BadDigest" | "InvalidDigest" | "XAmzContentSHA256Mismatch" => (
            ErrorKind::BadDigest,
            format!(
                "{action} on {resource}: S3 rejected the checksum ({code}): the file changed while it was uploaded? rerun the push"
            ),
        ),
        _ => classify_transport(action, resource, endpoint, err, code, &detail),
    };
    let status = err.raw_response().map(|r| r.status().as_u16());
    // No answer, throttling or a server error: worth another attempt
    // (the SDK has already made `retry.attempts` of them).
    let transient =
        matches!(kind, ErrorKind::Network) || status.is_some_and(|s| s == 429 || s >= 500);
    StoreError {
        transient,
        // The same errors leave a write's outcome unknown: S3 may have
        // applied a request it then failed to answer. (A 429 is counted
        // too: claiming "may have landed" is the safe side.)
        may_have_landed: transient,
        kind,
        message,
        detail: Some(DisplayErrorContext(err).to_string()),
    }
}

/// `bucket` does not exist at `endpoint`.
pub(super) fn no_such_bucket(bucket: &str, endpoint: &str) -> String {
    format!(
        "bucket {bucket} does not exist at {endpoint}. Fix: create it, or correct bucket_name / endpoint_url / region_name"
    )
}

/// `bucket` answered from another region; `code` is S3's error code when
/// there was one.
pub(super) fn wrong_region(bucket: &str, code: Option<&str>) -> String {
    format!(
        "bucket {bucket} is in another region than the one in use{}. Fix: set region_name (or AWS_REGION) to the bucket's region",
        code.map(|c| format!(" ({c})")).unwrap_or_default()
    )
}

/// A request a policy refused: `action` on `resource`, `why` (the server's
/// words, or a hint), and the grant that fixes it (`action` on `grant_on`).
pub(super) fn access_denied(action: &str, resource: &str, why: &str, grant_on: &str) -> String {
    format!(
        "access denied: {action} on {resource} ({why}). Fix: allow {action} on {grant_on} for the identity in use (`s3sync policy` prints the policy s3sync needs)"
    )
}

/// A 403 that is a policy's answer (`AccessDenied`, or no code: a HEAD has
/// no body), not rejected credentials.
pub(super) fn denied_by_policy<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    err.raw_response()
        .is_some_and(|r| r.status().as_u16() == 403)
        && matches!(err.code(), None | Some("AccessDenied" | "Forbidden"))
}

/// The innermost cause of an error, on one line: what went wrong without
/// the SDK's nested debug structures (those go to the `-v` detail).
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    let line = text.lines().next().unwrap_or_default();
    let mut short: String = line.chars().take(200).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

fn classify_transport<E, R>(
    action: &str,
    resource: &str,
    endpoint: &str,
    err: &SdkError<E, R>,
    code: &str,
    detail: &str,
) -> (ErrorKind, String)
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let full = DisplayErrorContext(err).to_string();
    let cause = root_cause(err);
    // The SDK's chain error lists every provider it tried over many lines;
    // the message names them once, plainly (the chain is the -v detail).
    let no_credentials = || {
        (
            ErrorKind::Credentials,
            "no AWS credentials were found (tried the environment, the shared config and credentials files, web identity, ECS and EC2 instance roles). Fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or session_profile (after `aws sso login` for SSO), or run where a role is available (GitHub OIDC, ECS, EC2)".to_string(),
        )
    };
    match err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            if full.contains("certificate") || full.contains("UnknownIssuer") {
                (
                    ErrorKind::Network,
                    format!(
                        "the TLS certificate of {endpoint} is not trusted ({cause}). Fix: if the server uses its own CA, set verify = \"path/to/ca.pem\" in [storage] (or AWS_CA_BUNDLE); check endpoint_url"
                    ),
                )
            } else if full.contains("credentials") || full.contains("identity") {
                no_credentials()
            } else {
                (
                    ErrorKind::Network,
                    format!(
                        "cannot reach {endpoint} for {action} on {resource} ({cause}). Fix: check endpoint_url, region_name and the network"
                    ),
                )
            }
        }
        SdkError::ConstructionFailure(_)
            if full.contains("credentials") || full.contains("identity") =>
        {
            no_credentials()
        }
        _ => {
            let what = if code.is_empty() {
                cause
            } else {
                format!("{code}: {detail}")
            };
            (
                ErrorKind::Other,
                format!("{action} on {resource} failed: {what}"),
            )
        }
    }
}
