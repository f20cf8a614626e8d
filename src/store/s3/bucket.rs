//! The bucket's own settings through the SDK ([`BucketAdmin`] for
//! [`S3Store`]): HeadBucket and CreateBucket, and the Get/Put pair of each
//! setting `s3sync setup` manages. A setting the bucket does not have (S3's
//! `NoSuch…` answers) is read as its absence, never as a failure.

use async_trait::async_trait;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CorsConfiguration, CreateBucketConfiguration,
    ErrorDocument, IndexDocument, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, VersioningConfiguration, WebsiteConfiguration,
};

use super::S3Store;
use crate::store::bucket::{
    BucketAdmin, BucketState, CorsRule, Ownership, PublicAccessBlock, Versioning, Website,
};
use crate::store::{ErrorKind, StoreError};

/// A bucket policy longer than this is not read (S3 allows 20 KB).
const MAX_POLICY_BYTES: usize = 64 * 1024;

/// The SDK error `E` when S3 answered it with `code`: the setting is absent.
fn absent<E: ProvideErrorMetadata>(e: &E, codes: &[&str]) -> bool {
    e.code().is_some_and(|c| codes.contains(&c))
}

/// A request S3 could not be built for (a bug, not the bucket's answer).
fn unbuildable(what: &str, e: &impl std::fmt::Display) -> StoreError {
    StoreError::new(
        ErrorKind::Other,
        format!("cannot build the {what} request: {e}"),
    )
}

impl S3Store {
    async fn exists(&self) -> Result<bool, StoreError> {
        const ACTION: &str = "s3:ListBucket (HeadBucket)";
        let Err(e) = self.client.head_bucket().bucket(&self.bucket).send().await else {
            return Ok(true);
        };
        // A HEAD answer has no body, so no error code: the status says it.
        match e.raw_response().map(|r| r.status().as_u16()) {
            Some(404) => Ok(false),
            Some(301) => Err(StoreError::new(
                ErrorKind::WrongRegion,
                super::errors::wrong_region(&self.bucket, None),
            )),
            Some(403) => Err(StoreError::new(
                ErrorKind::AccessDenied,
                super::errors::access_denied(
                    ACTION,
                    &self.bucket_arn(),
                    "HeadBucket answered 403: the bucket is another account's, or this identity may not list it",
                    &self.bucket_arn(),
                ),
            )),
            _ => Err(self.error(ACTION, &self.bucket_arn(), &e)),
        }
    }

    async fn ownership(&self) -> Result<Ownership, StoreError> {
        let out = match self
            .client
            .get_bucket_ownership_controls()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) => out,
            // No ownership controls: ACLs apply, the writer owns.
            Err(e) if absent(&e, &["OwnershipControlsNotFoundError"]) => {
                return Ok(Ownership::ObjectWriter);
            }
            Err(e) => {
                return Err(self.error("s3:GetBucketOwnershipControls", &self.bucket_arn(), &e));
            }
        };
        let rule = out
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(OwnershipControlsRule::object_ownership);
        Ok(match rule {
            Some(ObjectOwnership::BucketOwnerEnforced) => Ownership::BucketOwnerEnforced,
            Some(ObjectOwnership::BucketOwnerPreferred) => Ownership::BucketOwnerPreferred,
            _ => Ownership::ObjectWriter,
        })
    }

    async fn public_access_block(&self) -> Result<PublicAccessBlock, StoreError> {
        match self
            .client
            .get_public_access_block()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) => {
                let c = out.public_access_block_configuration();
                let flag = |f: fn(&PublicAccessBlockConfiguration) -> Option<bool>| {
                    c.and_then(f).unwrap_or(false)
                };
                Ok(PublicAccessBlock {
                    block_public_acls: flag(PublicAccessBlockConfiguration::block_public_acls),
                    ignore_public_acls: flag(PublicAccessBlockConfiguration::ignore_public_acls),
                    block_public_policy: flag(PublicAccessBlockConfiguration::block_public_policy),
                    restrict_public_buckets: flag(
                        PublicAccessBlockConfiguration::restrict_public_buckets,
                    ),
                })
            }
            Err(e) if absent(&e, &["NoSuchPublicAccessBlockConfiguration"]) => {
                Ok(PublicAccessBlock::default())
            }
            Err(e) => Err(self.error("s3:GetBucketPublicAccessBlock", &self.bucket_arn(), &e)),
        }
    }

    async fn policy(&self) -> Result<Option<String>, StoreError> {
        match self
            .client
            .get_bucket_policy()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) => {
                let policy = out.policy().unwrap_or_default();
                if policy.len() > MAX_POLICY_BYTES {
                    return Err(StoreError::new(
                        ErrorKind::Other,
                        format!(
                            "the bucket policy of {} is {} bytes, more than S3 allows: s3sync does not merge into it. Fix: check it with `aws s3api get-bucket-policy --bucket {}`",
                            self.bucket_arn(),
                            policy.len(),
                            self.bucket
                        ),
                    ));
                }
                Ok((!policy.trim().is_empty()).then(|| policy.to_string()))
            }
            Err(e) if absent(&e, &["NoSuchBucketPolicy"]) => Ok(None),
            Err(e) => Err(self.error("s3:GetBucketPolicy", &self.bucket_arn(), &e)),
        }
    }

    async fn cors(&self) -> Result<Vec<CorsRule>, StoreError> {
        match self
            .client
            .get_bucket_cors()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .cors_rules()
                .iter()
                .map(|r| CorsRule {
                    id: r.id().map(str::to_string),
                    allowed_methods: r.allowed_methods().to_vec(),
                    allowed_origins: r.allowed_origins().to_vec(),
                    allowed_headers: r.allowed_headers().to_vec(),
                    expose_headers: r.expose_headers().to_vec(),
                    max_age_seconds: r.max_age_seconds(),
                })
                .collect()),
            Err(e) if absent(&e, &["NoSuchCORSConfiguration"]) => Ok(Vec::new()),
            Err(e) => Err(self.error("s3:GetBucketCORS", &self.bucket_arn(), &e)),
        }
    }

    async fn website(&self) -> Result<Option<Website>, StoreError> {
        match self
            .client
            .get_bucket_website()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) => Ok(Some(Website {
                index: out.index_document().map(|d| d.suffix().to_string()),
                error: out.error_document().map(|d| d.key().to_string()),
                redirect_all: out
                    .redirect_all_requests_to()
                    .map(|r| r.host_name().to_string()),
            })),
            Err(e) if absent(&e, &["NoSuchWebsiteConfiguration"]) => Ok(None),
            Err(e) => Err(self.error("s3:GetBucketWebsite", &self.bucket_arn(), &e)),
        }
    }

    async fn versioning(&self) -> Result<Versioning, StoreError> {
        let out = self
            .client
            .get_bucket_versioning()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| self.error("s3:GetBucketVersioning", &self.bucket_arn(), &e))?;
        Ok(match out.status() {
            Some(BucketVersioningStatus::Enabled) => Versioning::Enabled,
            Some(BucketVersioningStatus::Suspended) => Versioning::Suspended,
            _ => Versioning::Off,
        })
    }
}

#[async_trait]
impl BucketAdmin for S3Store {
    fn describe(&self) -> String {
        format!("s3://{}", self.bucket)
    }

    fn region(&self) -> String {
        self.client
            .config()
            .region()
            .map_or_else(|| "us-east-1".to_string(), ToString::to_string)
    }

    async fn state(&self) -> Result<Option<BucketState>, StoreError> {
        if !self.exists().await? {
            return Ok(None);
        }
        Ok(Some(BucketState {
            ownership: self.ownership().await?,
            public_access_block: self.public_access_block().await?,
            policy: self.policy().await?,
            cors: self.cors().await?,
            website: self.website().await?,
            versioning: self.versioning().await?,
        }))
    }

    async fn create(&self) -> Result<(), StoreError> {
        let region = self.region();
        // us-east-1 is S3's default location and refuses to be named.
        let location = (region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region.as_str()))
                .build()
        });
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .set_create_bucket_configuration(location)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // Created meanwhile by the same account: what was wanted.
            Err(e) if absent(&e, &["BucketAlreadyOwnedByYou"]) => Ok(()),
            Err(e) if absent(&e, &["BucketAlreadyExists"]) => Err(StoreError::new(
                ErrorKind::AccessDenied,
                format!(
                    "bucket {} belongs to another AWS account (bucket names are global). Fix: choose another bucket_name",
                    self.bucket
                ),
            )),
            Err(e) => Err(self.error("s3:CreateBucket", &self.bucket_arn(), &e)),
        }
    }

    async fn set_ownership(&self, ownership: Ownership) -> Result<(), StoreError> {
        let rule = OwnershipControlsRule::builder()
            .object_ownership(ObjectOwnership::from(ownership.name()))
            .build()
            .map_err(|e| unbuildable("PutBucketOwnershipControls", &e))?;
        let controls = OwnershipControls::builder()
            .rules(rule)
            .build()
            .map_err(|e| unbuildable("PutBucketOwnershipControls", &e))?;
        self.client
            .put_bucket_ownership_controls()
            .bucket(&self.bucket)
            .ownership_controls(controls)
            .send()
            .await
            .map_err(|e| self.error("s3:PutBucketOwnershipControls", &self.bucket_arn(), &e))?;
        Ok(())
    }

    async fn set_public_access_block(&self, block: PublicAccessBlock) -> Result<(), StoreError> {
        let config = PublicAccessBlockConfiguration::builder()
            .block_public_acls(block.block_public_acls)
            .ignore_public_acls(block.ignore_public_acls)
            .block_public_policy(block.block_public_policy)
            .restrict_public_buckets(block.restrict_public_buckets)
            .build();
        self.client
            .put_public_access_block()
            .bucket(&self.bucket)
            .public_access_block_configuration(config)
            .send()
            .await
            .map_err(|e| self.error("s3:PutBucketPublicAccessBlock", &self.bucket_arn(), &e))?;
        Ok(())
    }

    async fn set_policy(&self, policy: &str) -> Result<(), StoreError> {
        self.client
            .put_bucket_policy()
            .bucket(&self.bucket)
            .policy(policy)
            .send()
            .await
            .map_err(|e| self.error("s3:PutBucketPolicy", &self.bucket_arn(), &e))?;
        Ok(())
    }

    async fn set_cors(&self, rules: &[CorsRule]) -> Result<(), StoreError> {
        let mut config = CorsConfiguration::builder();
        for r in rules {
            config = config.cors_rules(
                aws_sdk_s3::types::CorsRule::builder()
                    .set_id(r.id.clone())
                    .set_allowed_methods(Some(r.allowed_methods.clone()))
                    .set_allowed_origins(Some(r.allowed_origins.clone()))
                    .set_allowed_headers(
                        (!r.allowed_headers.is_empty()).then(|| r.allowed_headers.clone()),
                    )
                    .set_expose_headers(
                        (!r.expose_headers.is_empty()).then(|| r.expose_headers.clone()),
                    )
                    .set_max_age_seconds(r.max_age_seconds)
                    .build()
                    .map_err(|e| unbuildable("PutBucketCors", &e))?,
            );
        }
        let config = config
            .build()
            .map_err(|e| unbuildable("PutBucketCors", &e))?;
        self.client
            .put_bucket_cors()
            .bucket(&self.bucket)
            .cors_configuration(config)
            .send()
            .await
            .map_err(|e| self.error("s3:PutBucketCORS", &self.bucket_arn(), &e))?;
        Ok(())
    }

    async fn set_website(&self, index: &str, error: Option<&str>) -> Result<(), StoreError> {
        // Routing rules someone set stay as they are.
        let rules = match self
            .client
            .get_bucket_website()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(out) => out.routing_rules().to_vec(),
            Err(e) if absent(&e, &["NoSuchWebsiteConfiguration"]) => Vec::new(),
            Err(e) => return Err(self.error("s3:GetBucketWebsite", &self.bucket_arn(), &e)),
        };
        let index = IndexDocument::builder()
            .suffix(index)
            .build()
            .map_err(|e| unbuildable("PutBucketWebsite", &e))?;
        let error = error
            .map(|key| ErrorDocument::builder().key(key).build())
            .transpose()
            .map_err(|e| unbuildable("PutBucketWebsite", &e))?;
        let config = WebsiteConfiguration::builder()
            .index_document(index)
            .set_error_document(error)
            .set_routing_rules((!rules.is_empty()).then_some(rules))
            .build();
        self.client
            .put_bucket_website()
            .bucket(&self.bucket)
            .website_configuration(config)
            .send()
            .await
            .map_err(|e| self.error("s3:PutBucketWebsite", &self.bucket_arn(), &e))?;
        Ok(())
    }

    async fn enable_versioning(&self) -> Result<(), StoreError> {
        self.client
            .put_bucket_versioning()
            .bucket(&self.bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| self.error("s3:PutBucketVersioning", &self.bucket_arn(), &e))?;
        Ok(())
    }
}
