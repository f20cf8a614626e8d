//! The S3 store under a policy that grants listing only for the prefix:
//! the reachability probe (a listing scoped to the prefix, never
//! HeadBucket) and how a 403 for a record is told from a missing key.

use aws_sdk_s3::error::ProvideErrorMetadata;

use super::S3Store;
use super::errors::{LIST_BUCKET, access_denied, denied_by_policy, no_such_bucket, wrong_region};
use crate::store::{ErrorKind, StoreError};

impl S3Store {
    /// The bucket and the listing's scope, for messages about a listing.
    pub(super) fn listing(&self, prefix: &str) -> String {
        if prefix.is_empty() {
            format!("{} (the whole bucket)", self.bucket_arn())
        } else {
            format!("{} with s3:prefix \"{prefix}\"", self.bucket_arn())
        }
    }

    /// Decide, after S3 answered 403 to a GET or HEAD of `key`, whether the
    /// key is missing (`Ok`) or the 403 was a real denial (`Err(denied)`).
    ///
    /// AWS answers a GET or HEAD of a missing key with 404 only when the
    /// caller has s3:ListBucket on the bucket, evaluated without an
    /// `s3:prefix` (a GET has none); the policy `s3sync policy` prints grants
    /// ListBucket only with an `s3:prefix` condition, so there a missing
    /// manifest or intent answers 403. A 403 can also be a real denial, so
    /// it is never read as "missing" on its own: a ListObjectsV2 scoped to
    /// the key itself (allowed by the printed policy) decides. The key is
    /// the first name with that prefix, so one entry is enough: absent from
    /// the listing, the key is missing; present, the 403 was a real denial;
    /// the listing refused too, the GET's access-denied error (with its fix)
    /// stands.
    pub(super) async fn missing_after_403(
        &self,
        key: &str,
        denied: StoreError,
    ) -> Result<(), StoreError> {
        let listed = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(key)
            .max_keys(1)
            .send()
            .await;
        match listed {
            Ok(page) if !page.contents().iter().any(|o| o.key() == Some(key)) => Ok(()),
            Ok(_) => Err(denied),
            Err(e) if denied_by_policy(&e) => Err(denied),
            Err(e) => Err(self.error(LIST_BUCKET, &self.listing(key), &e)),
        }
    }

    /// A ListObjectsV2 of one key under `prefix`, never HeadBucket: S3
    /// authorises HeadBucket as s3:ListBucket with no `s3:prefix`, which the
    /// printed policy does not grant when there is a prefix.
    pub(super) async fn probe_prefix(&self, prefix: &str) -> Result<(), StoreError> {
        let listed = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .set_prefix(super::prefix_param(prefix))
            .max_keys(1)
            .send()
            .await;
        let status = listed
            .as_ref()
            .err()
            .and_then(|e| e.raw_response())
            .map(|r| r.status().as_u16());
        match listed {
            Ok(_) => Ok(()),
            Err(e)
                if e.code() == Some("NoSuchBucket")
                    || (status == Some(404) && e.code().is_none()) =>
            {
                Err(StoreError::new(
                    ErrorKind::NoSuchBucket,
                    no_such_bucket(&self.bucket, &self.endpoint),
                ))
            }
            Err(e) if denied_by_policy(&e) => {
                let condition = if prefix.is_empty() {
                    String::new()
                } else {
                    format!(
                        " with the condition StringLike s3:prefix \"{}*\"",
                        crate::iam::pattern::escape(prefix)
                    )
                };
                Err(StoreError::new(
                    ErrorKind::AccessDenied,
                    access_denied(
                        LIST_BUCKET,
                        &self.listing(prefix),
                        "or the credentials are not valid",
                        &format!("{}{condition}", self.bucket_arn()),
                    ),
                ))
            }
            Err(e) if status == Some(301) || e.code() == Some("PermanentRedirect") => Err(
                StoreError::new(ErrorKind::WrongRegion, wrong_region(&self.bucket, None)),
            ),
            Err(e) => Err(self.error(LIST_BUCKET, &self.listing(prefix), &e)),
        }
    }
}
