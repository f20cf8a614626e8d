//! Large files in parts: the file is digested part by part first (and
//! checked to be the one that was hashed), then its parts are sent
//! `PART_JOBS` at once, each streamed from its range of the file with its
//! own checksum; a failed upload is aborted.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::upload_part::UploadPartError;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::ops::ControlFlow;

use super::{S3Store, stored, with_headers};
use crate::config::ChecksumMode;
use crate::local::encode::PartDigest;
use crate::record::manifest::Stored;
use crate::store::{ErrorKind, StoreError, Upload, cannot_read};

/// Parts of one object in flight at once.
const PART_JOBS: usize = 8;
/// S3's limit on parts per upload.
const MAX_PARTS: u64 = 10_000;

impl S3Store {
    /// Send a large file in parts, `PART_JOBS` at once, each streamed from
    /// its range of the file (never whole in memory) with its own checksum.
    /// One pass first digests the parts and checks the whole file is still
    /// the one that was hashed. A failed upload is aborted, so no parts are
    /// left behind (a killed process can leave some: see docs/decisions.md).
    pub(super) async fn put_multipart(
        &self,
        upload: &Upload,
        path: &std::path::Path,
    ) -> Result<Stored, StoreError> {
        let resource = self.object_arn(&upload.key);
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
        .map_err(|e| cannot_read(path, &e))?;
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
        Ok(stored(out.e_tag(), out.version_id()))
    }

    async fn send_parts(
        &self,
        key: &str,
        upload_id: &str,
        path: &std::path::Path,
        parts: Vec<PartDigest>,
    ) -> Result<Vec<CompletedPart>, StoreError> {
        let resource = self.object_arn(key);
        let mut done = Vec::new();
        let mut failed = None;
        // Nothing is left unstarted unless a part failed (then `failed` says so).
        let _unstarted = crate::pool::run_bounded(
            parts.into_iter().zip(1..),
            PART_JOBS,
            || true,
            |(part, number): (PartDigest, i32)| {
                let client = self.client.clone();
                let (bucket, key, upload_id) =
                    (self.bucket.clone(), key.to_string(), upload_id.to_string());
                let path = path.to_path_buf();
                crate::pool::Job::Run(async move {
                    // The part's bytes stream from its range of the file.
                    let body = ByteStream::read_from()
                        .path(&path)
                        .offset(part.offset)
                        .length(Length::Exact(part.len))
                        .build()
                        .await
                        .map_err(|e| PartError::Read(cannot_read(&path, &e)))?;
                    let sha256 = B64.encode(part.sha256);
                    let req = client
                        .upload_part()
                        .bucket(bucket)
                        .key(key)
                        .upload_id(upload_id)
                        .part_number(number)
                        .content_length(i64::try_from(part.len).unwrap_or(i64::MAX))
                        .body(body);
                    let req = match part.md5 {
                        Some(md5) => req.content_md5(B64.encode(md5)),
                        None => req.checksum_sha256(&sha256),
                    };
                    let out = req.send().await.map_err(|e| PartError::Send(Box::new(e)))?;
                    Ok(CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(out.e_tag().map(str::to_string))
                        .set_checksum_sha256(part.md5.is_none().then_some(sha256))
                        .build())
                })
            },
            |result: Result<CompletedPart, PartError>| match result {
                Ok(part) => {
                    done.push(part);
                    ControlFlow::Continue(())
                }
                Err(e) => {
                    failed = Some(match e {
                        PartError::Read(e) => e,
                        PartError::Send(e) => {
                            self.error("s3:PutObject (UploadPart)", &resource, &e)
                        }
                    });
                    ControlFlow::Break(())
                }
            },
        )
        .await;
        if let Some(e) = failed {
            return Err(e);
        }
        done.sort_by_key(CompletedPart::part_number);
        Ok(done)
    }
}

/// Why one part did not go: its bytes could not be read, or the request
/// failed (mapped to a `StoreError` once it is back, where the store is).
enum PartError {
    Read(StoreError),
    Send(Box<SdkError<UploadPartError, HttpResponse>>),
}
