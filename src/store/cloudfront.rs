//! CloudFront through the official AWS SDK: the only module that knows
//! `aws_sdk_cloudfront`. It reads a distribution's origins, creates an
//! invalidation and reads its status, behind the narrow [`Cdn`] trait, in
//! s3sync's own types. The endpoint is `[cdn] endpoint_url`, else the SDK's
//! own `AWS_ENDPOINT_URL_CLOUDFRONT` (read by aws-config), else AWS.

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cloudfront::Client;
use aws_sdk_cloudfront::config::Region;
use aws_sdk_cloudfront::config::http::HttpResponse;
use aws_sdk_cloudfront::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};

use crate::config::S3Settings;

/// One origin of a distribution, as its config says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub id: String,
    pub domain: String,
    /// `OriginPath`: `""` or `/dir` (no trailing `/`).
    pub path: String,
}

/// Why a CloudFront request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdnErrorKind {
    /// `TooManyInvalidationsInProgress`: wait and try again.
    TooMany,
    NoSuchDistribution,
    AccessDenied,
    Other,
}

/// A CloudFront failure, in words that name the action and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CdnError {
    pub kind: CdnErrorKind,
    pub message: String,
}

impl CdnError {
    pub fn new(kind: CdnErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// What s3sync asks of a CDN.
#[async_trait]
pub trait Cdn: Send + Sync {
    /// The origins of `distribution` (GetDistributionConfig).
    async fn origins(&self, distribution: &str) -> Result<Vec<Origin>, CdnError>;
    /// Create an invalidation of `paths` (already encoded): its id.
    async fn create_invalidation(
        &self,
        distribution: &str,
        paths: &[String],
        caller_reference: &str,
    ) -> Result<String, CdnError>;
    /// Whether invalidation `id` has completed.
    async fn invalidation_done(&self, distribution: &str, id: &str) -> Result<bool, CdnError>;
}

/// CloudFront through the AWS SDK.
pub struct CloudFront {
    client: Client,
}

impl CloudFront {
    /// A client with aws-config's credential chain, the profile and CA
    /// bundle of `[storage]`, s3sync's retries and timeouts, and the
    /// endpoint `endpoint` (else `AWS_ENDPOINT_URL_CLOUDFRONT`, else AWS).
    pub async fn connect(s3: &S3Settings, endpoint: Option<&str>) -> Result<Self, CdnError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &s3.profile {
            loader = loader.profile_name(profile);
        }
        // CloudFront is global (signed for us-east-1 by the SDK's endpoint
        // rules); the loader still wants a region.
        let region = RegionProviderChain::first_try(s3.region.clone().map(Region::new))
            .or_default_provider()
            .or_else(Region::from_static("us-east-1"));
        let shared = loader.region(region).load().await;
        let mut builder = aws_sdk_cloudfront::config::Builder::from(&shared)
            .retry_config(RetryConfig::standard().with_max_attempts(s3.retry.attempts))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(std::time::Duration::from_secs(10))
                    .read_timeout(s3.retry.stall_timeout)
                    .operation_timeout(s3.retry.timeout)
                    .build(),
            );
        if let Some(url) = endpoint {
            builder = builder.endpoint_url(url);
        }
        if let Some(path) = &s3.ca_bundle {
            let client = super::s3::client::trusting(path)
                .map_err(|e| CdnError::new(CdnErrorKind::Other, e.message))?;
            builder = builder.http_client(client);
        }
        Ok(Self {
            client: Client::from_conf(builder.build()),
        })
    }
}

/// An SDK error as a [`CdnError`] naming the action, the distribution and
/// the fix.
fn from_sdk<E>(action: &str, distribution: &str, err: &SdkError<E, HttpResponse>) -> CdnError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().unwrap_or_default();
    let detail = err
        .message()
        .map_or_else(|| DisplayErrorContext(err).to_string(), str::to_string);
    let status = err.raw_response().map(|r| r.status().as_u16());
    match (code, status) {
        ("TooManyInvalidationsInProgress", _) => CdnError::new(
            CdnErrorKind::TooMany,
            format!(
                "{action} on CloudFront distribution {distribution}: too many invalidations in progress ({detail})"
            ),
        ),
        ("NoSuchDistribution", _) | ("", Some(404)) => CdnError::new(
            CdnErrorKind::NoSuchDistribution,
            format!(
                "CloudFront distribution {distribution} does not exist ({action}: {detail}). Fix: check `cloudfront_distribution_id` in [cdn] (or --cloudfront); `aws cloudfront list-distributions` lists the ids"
            ),
        ),
        ("AccessDenied", _) | ("", Some(403)) => CdnError::new(
            CdnErrorKind::AccessDenied,
            format!(
                "{action} on CloudFront distribution {distribution} was denied ({detail}). Fix: grant cloudfront:{action} on arn:aws:cloudfront::ACCOUNT:distribution/{distribution} (`s3sync policy` prints the statement)"
            ),
        ),
        _ => CdnError::new(
            CdnErrorKind::Other,
            format!(
                "{action} on CloudFront distribution {distribution} failed: {}{detail}",
                if code.is_empty() {
                    String::new()
                } else {
                    format!("{code}: ")
                }
            ),
        ),
    }
}

#[async_trait]
impl Cdn for CloudFront {
    async fn origins(&self, distribution: &str) -> Result<Vec<Origin>, CdnError> {
        let out = self
            .client
            .get_distribution_config()
            .id(distribution)
            .send()
            .await
            .map_err(|e| from_sdk("GetDistributionConfig", distribution, &e))?;
        let origins = out
            .distribution_config()
            .and_then(|c| c.origins())
            .map(aws_sdk_cloudfront::types::Origins::items)
            .unwrap_or_default();
        Ok(origins
            .iter()
            .map(|o| Origin {
                id: o.id().to_string(),
                domain: o.domain_name().to_string(),
                path: o
                    .origin_path()
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_string(),
            })
            .collect())
    }

    async fn create_invalidation(
        &self,
        distribution: &str,
        paths: &[String],
        caller_reference: &str,
    ) -> Result<String, CdnError> {
        let build = |e: aws_sdk_cloudfront::error::BuildError| {
            CdnError::new(
                CdnErrorKind::Other,
                format!("internal error building the invalidation for {distribution}: {e}"),
            )
        };
        let quantity = i32::try_from(paths.len()).map_err(|_| {
            CdnError::new(
                CdnErrorKind::Other,
                format!("internal error: {} paths in one invalidation", paths.len()),
            )
        })?;
        let batch = InvalidationBatch::builder()
            .paths(
                Paths::builder()
                    .quantity(quantity)
                    .set_items(Some(paths.to_vec()))
                    .build()
                    .map_err(build)?,
            )
            .caller_reference(caller_reference)
            .build()
            .map_err(build)?;
        let out = self
            .client
            .create_invalidation()
            .distribution_id(distribution)
            .invalidation_batch(batch)
            .send()
            .await
            .map_err(|e| from_sdk("CreateInvalidation", distribution, &e))?;
        out.invalidation()
            .map(|i| i.id().to_string())
            .ok_or_else(|| {
                CdnError::new(
                    CdnErrorKind::Other,
                    format!("CreateInvalidation on CloudFront distribution {distribution} answered without an invalidation id"),
                )
            })
    }

    async fn invalidation_done(&self, distribution: &str, id: &str) -> Result<bool, CdnError> {
        let out = self
            .client
            .get_invalidation()
            .distribution_id(distribution)
            .id(id)
            .send()
            .await
            .map_err(|e| from_sdk("GetInvalidation", distribution, &e))?;
        // CloudFront says "Completed" (some emulators "COMPLETED").
        Ok(out
            .invalidation()
            .is_some_and(|i| i.status().eq_ignore_ascii_case("completed")))
    }
}
