//! Connecting to S3: aws-config's credential and region chain, s3sync's
//! retry and timeout settings, the endpoint and addressing style, and an
//! HTTPS client that also trusts a given CA bundle.

use aws_config::BehaviorVersion;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Region, RequestChecksumCalculation, ResponseChecksumValidation};

use crate::config::{AddressingStyle, S3Settings};
use crate::store::{ErrorKind, StoreError};

/// Build a client with aws-config's full credential chain (env, shared
/// profiles, SSO, web identity, ECS, IMDSv2).
pub(super) async fn connect(settings: &S3Settings) -> Result<Client, StoreError> {
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
    Ok(Client::from_conf(builder.build()))
}

/// An HTTPS client that trusts the system roots plus the CA bundle at
/// `path`; verification stays on.
pub(in crate::store) fn trusting(
    path: &std::path::Path,
) -> Result<aws_sdk_s3::config::SharedHttpClient, StoreError> {
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
