//! Earlier versions of an object on a versioned bucket, for `rollback`:
//! whether one still exists (HeadObject with its version id) and making it
//! current again by a CopyObject inside the bucket, with the headers and
//! ACL the deploy recorded, so the bytes never leave S3.

use aws_sdk_s3::types::MetadataDirective;

use super::{S3Store, quoted, stored, with_headers};
use crate::record::manifest::{Headers, Stored};
use crate::store::StoreError;

/// The IAM action a request for a given version needs.
const GET_OBJECT_VERSION: &str = "s3:GetObjectVersion";

impl S3Store {
    /// Whether `key` still has version `version_id`: a missing version, or
    /// one S3 calls invalid, is gone; a denial is an error with its fix.
    pub(super) async fn version_exists(
        &self,
        key: &str,
        version_id: &str,
    ) -> Result<bool, StoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .version_id(version_id)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e)
                if e.raw_response()
                    .is_some_and(|r| matches!(r.status().as_u16(), 400 | 404)) =>
            {
                Ok(false)
            }
            Err(e) => Err(self.error(
                &format!("{GET_OBJECT_VERSION} (HeadObject)"),
                &self.object_arn(key),
                &e,
            )),
        }
    }

    /// Copy version `version_id` of `key` over its current version, with
    /// `headers` (and their ACL); `etag`, when known, must still be that
    /// version's (`x-amz-copy-source-if-match`).
    pub(super) async fn copy_version(
        &self,
        key: &str,
        version_id: &str,
        etag: Option<&str>,
        headers: &Headers,
    ) -> Result<Stored, StoreError> {
        let source = format!(
            "{}/{}?versionId={}",
            self.bucket,
            crate::urls::encode_key(key),
            crate::urls::encode_key(version_id).replace('/', "%2F")
        );
        let req = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(key)
            .copy_source(source)
            .set_copy_source_if_match(etag.map(quoted))
            .metadata_directive(MetadataDirective::Replace);
        let out = with_headers!(req, headers).send().await.map_err(|e| {
            self.error(
                &format!(
                    "s3:PutObject and {GET_OBJECT_VERSION} (CopyObject of version {version_id})"
                ),
                &self.object_arn(key),
                &e,
            )
        })?;
        Ok(stored(
            out.copy_object_result().and_then(|r| r.e_tag()),
            out.version_id(),
        ))
    }
}
