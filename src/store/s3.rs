//! `s3://bucket/prefix` through the official AWS SDK. The only module that
//! knows `aws_sdk_s3` (with its part `prefix.rs`): everything is turned into
//! s3sync's own types here.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{Region, RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::primitives::Length;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart, Delete, MetadataDirective,
    ObjectCannedAcl, ObjectIdentifier, StorageClass,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use tokio::task::JoinSet;

use super::{
    Body, Condition, ConditionalRead, ErrorKind, Fetched, Listed, Store, StoreError, Upload,
};
use crate::config::{AddressingStyle, ChecksumMode, Multipart, S3Settings};
use crate::record::manifest::{Headers, MAX_RECORD_BYTES};
use prefix::denied_by_policy;

mod prefix;

pub struct S3Store {
    client: Client,
    bucket: String,
    endpoint: String,
    checksum: ChecksumMode,
    multipart: Multipart,
}

/// Parts of one object in flight at once.
const PART_JOBS: usize = 8;
/// S3's limit on parts per upload.
const MAX_PARTS: u64 = 10_000;

/// Set the headers s3sync manages on a PutObject, CreateMultipartUpload or
/// CopyObject request (three builder types with the same setters).
macro_rules! with_headers {
    ($req:expr, $h:expr) => {{
        let h: &Headers = $h;
        $req.content_type(&h.content_type)
            .set_content_encoding(h.content_encoding.clone())
            .set_cache_control(h.cache_control.clone())
            .set_content_disposition(h.content_disposition.clone())
            .set_content_language(h.content_language.clone())
            .set_acl(h.acl.as_deref().map(ObjectCannedAcl::from))
            .set_storage_class(h.storage_class.as_deref().map(StorageClass::from))
            .set_metadata(metadata_map(h))
    }};
}

impl S3Store {
    /// Build a client with aws-config's full credential chain (env, shared
    /// profiles, SSO, web identity, ECS, IMDSv2).
    pub async fn connect(bucket: &str, settings: &S3Settings) -> Result<Self, StoreError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        let region = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
            .or_default_provider()
            .or_else(Region::from_static("us-east-1"));
        loader = loader.region(region);
        let shared = loader.load().await;
        let mut builder = aws_sdk_s3::config::Builder::from(&shared)
            // s3sync sends its own checksum (SHA-256 or Content-MD5) of the
            // exact bytes; no second one from the SDK.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            // Exponential backoff with full jitter; adaptive mode also slows
            // the client when S3 throttles (503 SlowDown).
            .retry_config(RetryConfig::adaptive().with_max_attempts(settings.retry.attempts))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(std::time::Duration::from_secs(10))
                    .read_timeout(settings.retry.stall_timeout)
                    .operation_timeout(settings.retry.timeout)
                    .build(),
            );
        if let Some(url) = &settings.endpoint_url {
            builder = builder.endpoint_url(url);
        }
        if let Some(path) = &settings.ca_bundle {
            builder = builder.http_client(trusting(path)?);
        }
        match settings.addressing_style {
            AddressingStyle::Path => builder = builder.force_path_style(true),
            AddressingStyle::Virtual => builder = builder.force_path_style(false),
            AddressingStyle::Auto => {}
        }
        Ok(Self {
            client: Client::from_conf(builder.build()),
            bucket: bucket.to_string(),
            endpoint: settings
                .endpoint_url
                .clone()
                .unwrap_or_else(|| "the S3 endpoint".into()),
            checksum: settings.checksum,
            multipart: settings.multipart,
        })
    }

    fn no_such_bucket(&self) -> String {
        format!(
            "bucket {} does not exist at {}. Fix: create it, or correct bucket_name / endpoint_url / region_name",
            self.bucket, self.endpoint
        )
    }

    fn resource(&self, key: &str) -> String {
        format!("arn:aws:s3:::{}/{key}", self.bucket)
    }

    /// Turn an SDK error into a message that names the action, the resource
    /// and the fix.
    fn error<E>(&self, action: &str, resource: &str, err: &SdkError<E, HttpResponse>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = err.code().unwrap_or_default();
        let detail = err
            .message()
            .map_or_else(|| root_cause(err), str::to_string);
        let bucket = &self.bucket;
        let (kind, message) = match code {
            "AccessControlListNotSupported" => (
                ErrorKind::AclNotSupported,
                format!(
                    "bucket {bucket} does not allow ACLs (Object Ownership is \"Bucket owner enforced\"), so {action} with an ACL was refused. Fix: set `default_acl = \"none\"` in [storage] (and remove `acl` from [[rules]]), then make the objects public with a bucket policy (`s3sync policy --public` prints one)"
                ),
            ),
            "AccessDenied" | "AllAccessDisabled" => (
                ErrorKind::AccessDenied,
                format!(
                    "access denied: {action} on {resource} ({detail}). Fix: allow {action} on {resource} for the identity in use (`s3sync policy` prints the policy s3sync needs)"
                ),
            ),
            "NoSuchBucket" => (ErrorKind::NoSuchBucket, self.no_such_bucket()),
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
            | "IllegalLocationConstraintException" => (
                ErrorKind::WrongRegion,
                format!(
                    "bucket {bucket} is in another region than the one in use ({code}). Fix: set region_name (or AWS_REGION) to the bucket's region"
                ),
            ),
            "PreconditionFailed" => (
                ErrorKind::PreconditionFailed,
                format!("{action} on {resource}: precondition failed"),
            ),
            "BadDigest" | "InvalidDigest" | "XAmzContentSHA256Mismatch" => (
                ErrorKind::BadDigest,
                format!(
                    "{action} on {resource}: S3 rejected the checksum ({code}): the file changed while it was uploaded? rerun the push"
                ),
            ),
            _ => classify_transport(action, resource, &self.endpoint, err, code, &detail),
        };
        let status = err.raw_response().map(|r| r.status().as_u16());
        StoreError {
            retryable: matches!(kind, ErrorKind::Network)
                || status.is_some_and(|s| s == 429 || s >= 500),
            kind,
            message,
            detail: Some(DisplayErrorContext(err).to_string()),
        }
    }
}

impl S3Store {
    /// Send a large file in parts, `PART_JOBS` at once, each streamed from
    /// its range of the file (never whole in memory) with its own checksum.
    /// One pass first digests the parts and checks the whole file is still
    /// the one that was hashed. A failed upload is aborted, so no parts are
    /// left behind (a killed process can leave some: see docs/decisions.md).
    async fn put_multipart(
        &self,
        upload: &Upload,
        path: &std::path::Path,
    ) -> Result<String, StoreError> {
        let resource = self.resource(&upload.key);
        let part_size = self
            .multipart
            .chunksize
            .max(upload.size.div_ceil(MAX_PARTS));
        let md5 = self.checksum == ChecksumMode::WhenRequired;
        let file = path.to_path_buf();
        let parts = tokio::task::spawn_blocking(move || {
            crate::local::encode::part_digests(&file, part_size, md5)
        })
        .await
        .expect("digest task panicked")
        .map_err(|e| {
            StoreError::new(
                ErrorKind::Other,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        if parts.sha256 != upload.sha256 || parts.size != upload.size {
            return Err(StoreError::new(
                ErrorKind::BadDigest,
                format!(
                    "{} changed after it was hashed; nothing was uploaded for it, rerun the push",
                    path.display()
                ),
            ));
        }
        let req = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(&upload.key)
            .set_checksum_algorithm((!md5).then_some(ChecksumAlgorithm::Sha256));
        let created = with_headers!(req, &upload.headers)
            .send()
            .await
            .map_err(|e| self.error("s3:PutObject (CreateMultipartUpload)", &resource, &e))?;
        let upload_id = created.upload_id().unwrap_or_default().to_string();
        let result = self
            .send_parts(&upload.key, &upload_id, path, parts.parts)
            .await;
        let completed = match result {
            Ok(completed) => completed,
            Err(e) => {
                // Best effort: the error that stopped the upload is the news.
                let _ = self
                    .client
                    .abort_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&upload.key)
                    .upload_id(&upload_id)
                    .send()
                    .await;
                return Err(e);
            }
        };
        let out = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&upload.key)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(completed))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| self.error("s3:PutObject (CompleteMultipartUpload)", &resource, &e))?;
        Ok(out.e_tag().map(unquote).unwrap_or_default())
    }

    async fn send_parts(
        &self,
        key: &str,
        upload_id: &str,
        path: &std::path::Path,
        parts: Vec<crate::local::encode::PartDigest>,
    ) -> Result<Vec<CompletedPart>, StoreError> {
        let resource = self.resource(key);
        let mut running = JoinSet::new();
        let mut todo = parts.into_iter().zip(1..);
        let mut done = Vec::new();
        loop {
            while running.len() < PART_JOBS {
                let Some((part, number)) = todo.next() else {
                    break;
                };
                let body = ByteStream::read_from()
                    .path(path)
                    .offset(part.offset)
                    .length(Length::Exact(part.len))
                    .build()
                    .await
                    .map_err(|e| {
                        StoreError::new(
                            ErrorKind::Other,
                            format!("cannot read {}: {e}", path.display()),
                        )
                    })?;
                let mut req = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(upload_id)
                    .part_number(number)
                    .content_length(i64::try_from(part.len).unwrap_or(i64::MAX))
                    .body(body);
                let sha256 = B64.encode(part.sha256);
                req = match part.md5 {
                    Some(md5) => req.content_md5(B64.encode(md5)),
                    None => req.checksum_sha256(&sha256),
                };
                let with_sha = part.md5.is_none();
                running.spawn(async move {
                    let out = req.send().await;
                    (number, with_sha.then_some(sha256), out)
                });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (number, sha256, out) = joined.expect("part task panicked");
            let out = out.map_err(|e| self.error("s3:PutObject (UploadPart)", &resource, &e))?;
            done.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(out.e_tag().map(str::to_string))
                    .set_checksum_sha256(sha256)
                    .build(),
            );
        }
        done.sort_by_key(CompletedPart::part_number);
        Ok(done)
    }
}

/// An HTTPS client that trusts the system roots plus the CA bundle at
/// `path`; verification stays on.
fn trusting(path: &std::path::Path) -> Result<aws_sdk_s3::config::SharedHttpClient, StoreError> {
    use aws_smithy_http_client::tls;
    let bad = |why: String| {
        StoreError::new(
            ErrorKind::Other,
            format!(
                "verify / AWS_CA_BUNDLE: {}: {why} (give a PEM file of CA certificates)",
                path.display()
            ),
        )
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(bad("no PEM certificate in it".into()));
    }
    let context = tls::TlsContext::builder()
        .with_trust_store(tls::TrustStore::default().with_pem_certificate(pem))
        .build()
        .map_err(|e| bad(e.to_string()))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(context)
        .build_https())
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

/// One entry of a ListObjectsV2 page in our own terms.
fn listed(object: &aws_sdk_s3::types::Object) -> Option<Listed> {
    Some(Listed {
        key: object.key()?.to_string(),
        size: object
            .size()
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(0),
        etag: object.e_tag().map(unquote).unwrap_or_default(),
    })
}

fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_string()
}

fn metadata_map(headers: &Headers) -> Option<HashMap<String, String>> {
    (!headers.metadata.is_empty()).then(|| {
        headers
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
}

#[async_trait]
impl Store for S3Store {
    fn describe(&self) -> String {
        format!("s3://{}", self.bucket)
    }

    async fn get(&self, key: &str) -> Result<Option<Fetched>, StoreError> {
        Ok(match self.get_unless(key, None).await? {
            ConditionalRead::Fetched(f) => Some(f),
            ConditionalRead::Missing | ConditionalRead::Unchanged => None,
        })
    }

    async fn get_unless(
        &self,
        key: &str,
        etag: Option<&str>,
    ) -> Result<ConditionalRead, StoreError> {
        let result = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_if_none_match(etag.map(|e| format!("\"{e}\"")))
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_s3::operation::get_object::GetObjectError::is_no_such_key,
                ) =>
            {
                return Ok(ConditionalRead::Missing);
            }
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 304) => {
                return Ok(ConditionalRead::Unchanged);
            }
            Err(e) if denied_by_policy(&e) => {
                let denied = self.error("s3:GetObject", &self.resource(key), &e);
                self.missing_after_403(key, denied).await?;
                return Ok(ConditionalRead::Missing);
            }
            Err(e) => return Err(self.error("s3:GetObject", &self.resource(key), &e)),
        };
        let etag = out.e_tag().map(unquote).unwrap_or_default();
        let too_large = || super::record_too_large(&format!("s3://{}/{key}", self.bucket));
        let declared = out.content_length().and_then(|n| u64::try_from(n).ok());
        if declared.is_some_and(|n| n > MAX_RECORD_BYTES) {
            return Err(too_large());
        }
        // Bounded even when the server's Content-Length lies.
        let mut bytes = Vec::with_capacity(
            usize::try_from(declared.unwrap_or(0).min(MAX_RECORD_BYTES)).unwrap_or(0),
        );
        tokio::io::AsyncReadExt::read_to_end(
            &mut tokio::io::AsyncReadExt::take(out.body.into_async_read(), MAX_RECORD_BYTES + 1),
            &mut bytes,
        )
        .await
        .map_err(|e| {
            StoreError::new(
                ErrorKind::Network,
                format!("reading s3://{}/{key} failed: {e}", self.bucket),
            )
        })?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(too_large());
        }
        Ok(ConditionalRead::Fetched(Fetched { bytes, etag }))
    }

    async fn put(&self, upload: Upload, condition: Condition) -> Result<String, StoreError> {
        if let (Body::File(path), Condition::Always) = (&upload.body, &condition)
            && upload.size > self.multipart.threshold
        {
            return self.put_multipart(&upload, path).await;
        }
        let body = match &upload.body {
            Body::Bytes(b) => ByteStream::from(b.clone()),
            Body::File(path) => ByteStream::read_from()
                .path(path)
                .build()
                .await
                .map_err(|e| {
                    StoreError::new(
                        ErrorKind::Other,
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?,
        };
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&upload.key)
            .body(body)
            .content_length(i64::try_from(upload.size).unwrap_or(i64::MAX));
        let mut req = with_headers!(req, &upload.headers);
        req = match (self.checksum, upload.md5) {
            (ChecksumMode::WhenRequired, Some(md5)) => req.content_md5(B64.encode(md5)),
            _ => req.checksum_sha256(B64.encode(upload.sha256)),
        };
        req = match &condition {
            Condition::Always => req,
            Condition::Absent => req.if_none_match("*"),
            Condition::Matches(etag) => req.if_match(format!("\"{etag}\"")),
        };
        match req.send().await {
            Ok(out) => Ok(out.e_tag().map(unquote).unwrap_or_default()),
            Err(e) => Err(self.error("s3:PutObject", &self.resource(&upload.key), &e)),
        }
    }

    async fn update_headers(
        &self,
        key: &str,
        headers: &Headers,
        etag: Option<&str>,
    ) -> Result<String, StoreError> {
        let req = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(key)
            .copy_source(format!("{}/{}", self.bucket, crate::urls::encode_key(key)))
            .set_copy_source_if_match(etag.map(|e| format!("\"{e}\"")))
            .metadata_directive(MetadataDirective::Replace);
        let out = with_headers!(req, headers)
            .send()
            .await
            .map_err(|e| self.error("s3:PutObject (CopyObject)", &self.resource(key), &e))?;
        Ok(out
            .copy_object_result()
            .and_then(|r| r.e_tag())
            .map(unquote)
            .unwrap_or_default())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .set_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.error("s3:ListBucket", &self.listing(prefix), &e))?;
            out.extend(page.contents().iter().filter_map(listed));
        }
        Ok(out)
    }

    async fn list_page(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .set_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
            .send()
            .await
            .map_err(|e| self.error("s3:ListBucket", &self.listing(prefix), &e))?;
        Ok(page.contents().iter().filter_map(listed).collect())
    }

    async fn bucket_exists(&self, prefix: &str) -> Result<(), StoreError> {
        self.probe_prefix(prefix).await
    }

    async fn presign_get(
        &self,
        key: &str,
        expires: std::time::Duration,
    ) -> Result<String, StoreError> {
        let config =
            aws_sdk_s3::presigning::PresigningConfig::expires_in(expires).map_err(|e| {
                StoreError::new(
                    ErrorKind::Other,
                    format!("cannot presign for {expires:?}: {e}"),
                )
            })?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| self.error("s3:GetObject (presign)", &self.resource(key), &e))?;
        Ok(request.uri().to_string())
    }

    async fn head(&self, key: &str) -> Result<Option<Headers>, StoreError> {
        let out = match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_s3::operation::head_object::HeadObjectError::is_not_found,
                ) =>
            {
                return Ok(None);
            }
            Err(e) if denied_by_policy(&e) => {
                let denied = self.error("s3:GetObject (HeadObject)", &self.resource(key), &e);
                self.missing_after_403(key, denied).await?;
                return Ok(None);
            }
            Err(e) => return Err(self.error("s3:GetObject (HeadObject)", &self.resource(key), &e)),
        };
        Ok(Some(Headers {
            content_type: out.content_type().unwrap_or_default().to_string(),
            content_encoding: out.content_encoding().map(str::to_string),
            cache_control: out.cache_control().map(str::to_string),
            content_disposition: out.content_disposition().map(str::to_string),
            content_language: out.content_language().map(str::to_string),
            acl: None,
            metadata: out
                .metadata()
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            storage_class: out
                .storage_class()
                .map(|s| s.as_str().to_string())
                .filter(|s| s != "STANDARD"),
        }))
    }

    async fn delete(&self, keys: &[String]) -> Vec<Result<(), StoreError>> {
        let mut results: Vec<Result<(), StoreError>> = keys.iter().map(|_| Ok(())).collect();
        for (chunk_index, chunk) in keys.chunks(1000).enumerate() {
            let objects: Vec<ObjectIdentifier> = chunk
                .iter()
                .map(|k| {
                    ObjectIdentifier::builder()
                        .key(k)
                        .build()
                        .expect("key is set")
                })
                .collect();
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .expect("objects are set");
            let base = chunk_index * 1000;
            match self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
            {
                Ok(out) => {
                    for err in out.errors() {
                        let Some(key) = err.key() else { continue };
                        if let Some(i) = chunk.iter().position(|k| k == key) {
                            results[base + i] = Err(StoreError::new(
                                ErrorKind::Other,
                                format!(
                                    "s3:DeleteObject on {} failed: {} {}",
                                    self.resource(key),
                                    err.code().unwrap_or_default(),
                                    err.message().unwrap_or_default()
                                ),
                            ));
                        }
                    }
                }
                Err(e) => {
                    let error = self.error(
                        "s3:DeleteObject",
                        &format!("arn:aws:s3:::{}/*", self.bucket),
                        &e,
                    );
                    for r in &mut results[base..base + chunk.len()] {
                        *r = Err(error.clone());
                    }
                }
            }
        }
        results
    }
}
