//! `s3://bucket/prefix` through the official AWS SDK: the [`S3Store`] and
//! its [`Store`] implementation, plus presigned URLs (S3's alone). The only
//! module that knows `aws_sdk_s3`, with its parts: `client.rs` (connecting),
//! `errors.rs` (what a failure means, in words), `multipart.rs` (large
//! files in parts), `prefix.rs` (working under a policy scoped to the
//! prefix), `versions.rs` (earlier versions, for rollback) and `bucket.rs`
//! (the bucket's own settings, for `setup`). Everything is turned into
//! s3sync's own types here.

mod bucket;
pub(super) mod client;
mod errors;
mod multipart;
mod prefix;
mod versions;

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, MetadataDirective, ObjectIdentifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::{
    Body, Condition, ConditionalRead, ErrorKind, Fetched, Listed, Store, StoreError, Upload,
    cannot_read,
};
use crate::config::{ChecksumMode, Multipart, S3Settings};
use crate::record::manifest::{Headers, MAX_RECORD_BYTES, Stored};
use errors::{GET_OBJECT, HEAD_OBJECT, LIST_BUCKET, denied_by_policy};

pub struct S3Store {
    client: Client,
    bucket: String,
    endpoint: String,
    checksum: ChecksumMode,
    multipart: Multipart,
}

/// Set the headers s3sync manages on a PutObject, CreateMultipartUpload or
/// CopyObject request (three builder types with the same setters). The
/// website redirect goes on every one: S3 does not copy it.
macro_rules! with_headers {
    ($req:expr, $h:expr) => {{
        let h: &$crate::record::manifest::Headers = $h;
        $req.content_type(&h.content_type)
            .set_content_encoding(h.content_encoding.clone())
            .set_cache_control(h.cache_control.clone())
            .set_content_disposition(h.content_disposition.clone())
            .set_content_language(h.content_language.clone())
            .set_acl(
                h.acl
                    .as_deref()
                    .map(aws_sdk_s3::types::ObjectCannedAcl::from),
            )
            .set_storage_class(
                h.storage_class
                    .as_deref()
                    .map(aws_sdk_s3::types::StorageClass::from),
            )
            .set_metadata($crate::store::s3::metadata_map(h))
            .set_website_redirect_location(h.website_redirect_location.clone())
    }};
}

use with_headers;

impl S3Store {
    /// Connect to `bucket` with the settings' credentials, region,
    /// endpoint, retries and timeouts (see `client.rs`).
    pub async fn connect(bucket: &str, settings: &S3Settings) -> Result<Self, StoreError> {
        Ok(Self {
            client: client::connect(settings).await?,
            bucket: bucket.to_string(),
            endpoint: settings
                .endpoint_url
                .clone()
                .unwrap_or_else(|| "the S3 endpoint".into()),
            checksum: settings.checksum,
            multipart: settings.multipart,
        })
    }

    /// The bucket's ARN, as IAM policies and messages name it.
    fn bucket_arn(&self) -> String {
        format!("arn:aws:s3:::{}", self.bucket)
    }

    /// The ARN of the object at `key` (`*` for every object).
    fn object_arn(&self, key: &str) -> String {
        format!("{}/{key}", self.bucket_arn())
    }

    /// The object at `key` as a URL, for messages.
    fn object_url(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// An SDK error from a request for `action` on `resource`, in
    /// s3sync's words (see `errors.rs`).
    fn error<E>(
        &self,
        action: &str,
        resource: &str,
        err: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ) -> StoreError
    where
        E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        errors::from_sdk(&self.bucket, &self.endpoint, action, resource, err)
    }

    /// A URL that lets anyone GET `key` until it expires.
    pub async fn presign_get(
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
            .map_err(|e| self.error("s3:GetObject (presign)", &self.object_arn(key), &e))?;
        Ok(request.uri().to_string())
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

/// What S3 answered for a write: its ETag and, on a versioned bucket, the
/// new version (an unversioned bucket answers none, or `null`).
fn stored(etag: Option<&str>, version_id: Option<&str>) -> Stored {
    Stored {
        etag: etag.map(unquote).unwrap_or_default(),
        version_id: version_id
            .filter(|v| *v != "null" && crate::record::manifest::is_version_id(v))
            .map(str::to_string),
    }
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

/// A listing's `prefix` parameter: none for the whole bucket.
fn prefix_param(prefix: &str) -> Option<String> {
    (!prefix.is_empty()).then(|| prefix.to_string())
}

/// An ETag as the conditional headers want it, in quotes.
fn quoted(etag: &str) -> String {
    format!("\"{etag}\"")
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
            .set_if_none_match(etag.map(quoted))
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
                let denied = self.error(GET_OBJECT, &self.object_arn(key), &e);
                self.missing_after_403(key, denied).await?;
                return Ok(ConditionalRead::Missing);
            }
            Err(e) => return Err(self.error(GET_OBJECT, &self.object_arn(key), &e)),
        };
        let etag = out.e_tag().map(unquote).unwrap_or_default();
        let too_large = || super::record_too_large(&self.object_url(key));
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
                format!("reading {} failed: {e}", self.object_url(key)),
            )
        })?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(too_large());
        }
        Ok(ConditionalRead::Fetched(Fetched { bytes, etag }))
    }

    async fn put(&self, upload: Upload, condition: Condition) -> Result<Stored, StoreError> {
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
                .map_err(|e| cannot_read(path, &e))?,
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
            Condition::Matches(etag) => req.if_match(quoted(etag)),
        };
        match req.send().await {
            Ok(out) => Ok(stored(out.e_tag(), out.version_id())),
            Err(e) => Err(self.error("s3:PutObject", &self.object_arn(&upload.key), &e)),
        }
    }

    async fn update_headers(
        &self,
        key: &str,
        headers: &Headers,
        etag: Option<&str>,
    ) -> Result<Stored, StoreError> {
        let req = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(key)
            .copy_source(format!("{}/{}", self.bucket, crate::urls::encode_key(key)))
            .set_copy_source_if_match(etag.map(quoted))
            .metadata_directive(MetadataDirective::Replace);
        let out = with_headers!(req, headers)
            .send()
            .await
            .map_err(|e| self.error("s3:PutObject (CopyObject)", &self.object_arn(key), &e))?;
        Ok(stored(
            out.copy_object_result().and_then(|r| r.e_tag()),
            out.version_id(),
        ))
    }

    async fn has_version(&self, key: &str, version_id: &str) -> Result<bool, StoreError> {
        self.version_exists(key, version_id).await
    }

    async fn restore_version(
        &self,
        key: &str,
        version_id: &str,
        etag: Option<&str>,
        headers: &Headers,
    ) -> Result<Stored, StoreError> {
        self.copy_version(key, version_id, etag, headers).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .set_prefix(prefix_param(prefix))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.error(LIST_BUCKET, &self.listing(prefix), &e))?;
            out.extend(page.contents().iter().filter_map(listed));
        }
        Ok(out)
    }

    async fn list_page(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .set_prefix(prefix_param(prefix))
            .send()
            .await
            .map_err(|e| self.error(LIST_BUCKET, &self.listing(prefix), &e))?;
        Ok(page.contents().iter().filter_map(listed).collect())
    }

    async fn bucket_exists(&self, prefix: &str) -> Result<(), StoreError> {
        self.probe_prefix(prefix).await
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
                let denied = self.error(HEAD_OBJECT, &self.object_arn(key), &e);
                self.missing_after_403(key, denied).await?;
                return Ok(None);
            }
            Err(e) => return Err(self.error(HEAD_OBJECT, &self.object_arn(key), &e)),
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
            website_redirect_location: out.website_redirect_location().map(str::to_string),
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
                                    self.object_arn(key),
                                    err.code().unwrap_or_default(),
                                    err.message().unwrap_or_default()
                                ),
                            ));
                        }
                    }
                }
                Err(e) => {
                    let error = self.error("s3:DeleteObject", &self.object_arn("*"), &e);
                    for r in &mut results[base..base + chunk.len()] {
                        *r = Err(error.clone());
                    }
                }
            }
        }
        results
    }
}
