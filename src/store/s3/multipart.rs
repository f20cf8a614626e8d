//! Large files in parts: the file is digested part by part first (and
//! checked to be the one that was hashed), then its parts are sent
//! `PART_JOBS` at once, each streamed from its range of the file with its
//! own checksum; a failed upload is aborted.

use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use tokio::task::JoinSet;

use super::{S3Store, unquote, with_headers};
use crate::config::ChecksumMode;
use crate::local::encode::PartDigest;
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
    ) -> Result<String, StoreError> {
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
        Ok(out.e_tag().map(unquote).unwrap_or_default())
    }

    async fn send_parts(
        &self,
        key: &str,
        upload_id: &str,
        path: &std::path::Path,
        parts: Vec<PartDigest>,
    ) -> Result<Vec<CompletedPart>, StoreError> {
        let resource = self.object_arn(key);
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
                    .map_err(|e| cannot_read(path, &e))?;
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
