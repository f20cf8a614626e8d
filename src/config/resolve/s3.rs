//! How the S3 client talks to the store: endpoint, region, addressing,
//! checksums, the CA bundle to trust, retries and multipart sizes.

use std::path::PathBuf;
use std::time::Duration;

use super::{Layers, Problems};
use crate::config::defaults::{self, MIB};
use crate::config::file::{Size, Verify};
use crate::config::settings::{AddressingStyle, ChecksumMode, Multipart, RetryPolicy, S3Settings};

/// S3's smallest part (all but the last) and largest single PUT.
const MIN_PART: u64 = 5 * MIB;
const MAX_PART: u64 = 5 * 1024 * MIB;

pub(super) fn settings(layers: &Layers, problems: &mut Problems) -> S3Settings {
    let addressing_style = addressing_style(layers, problems);
    let checksum = checksum(layers, problems);
    let retry = retry(layers, problems);
    let ca_bundle = ca_bundle(layers, problems);
    let multipart = multipart(layers, problems);
    let endpoint_url = layers.storage_value("ENDPOINT_URL", "AWS_S3_ENDPOINT_URL", |s| {
        s.endpoint_url.as_ref()
    });
    if let Some(url) = &endpoint_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        problems.push(format!(
            "endpoint_url '{url}' must start with http:// or https://"
        ));
    }
    S3Settings {
        retry,
        multipart,
        ca_bundle,
        region: layers.storage_value("REGION_NAME", "AWS_S3_REGION_NAME", |s| {
            s.region_name.as_ref()
        }),
        endpoint_url,
        addressing_style,
        profile: layers.storage_value("SESSION_PROFILE", "AWS_S3_SESSION_PROFILE", |s| {
            s.session_profile.as_ref()
        }),
        checksum,
    }
}

fn addressing_style(layers: &Layers, problems: &mut Problems) -> AddressingStyle {
    let value = layers.storage_value("ADDRESSING_STYLE", "AWS_S3_ADDRESSING_STYLE", |s| {
        s.addressing_style.as_ref()
    });
    match value.as_deref() {
        None | Some("auto") => AddressingStyle::Auto,
        Some("virtual") => AddressingStyle::Virtual,
        Some("path") => AddressingStyle::Path,
        Some(other) => {
            problems.push(format!(
                "addressing_style '{other}' is not valid: use \"virtual\" or \"path\""
            ));
            AddressingStyle::Auto
        }
    }
}

fn checksum(layers: &Layers, problems: &mut Problems) -> ChecksumMode {
    let value = layers
        .env("S3SYNC_CHECKSUM")
        .or_else(|| layers.storage_key(|s| s.checksum.as_ref()));
    match value.as_deref() {
        None | Some("when_supported") => ChecksumMode::WhenSupported,
        Some("when_required") => ChecksumMode::WhenRequired,
        Some(other) => {
            problems.push(format!(
                "checksum '{other}' is not valid: use \"when_supported\" (SHA-256, AWS) or \"when_required\" (Content-MD5 only, for stores that reject SHA-256 checksum headers)"
            ));
            ChecksumMode::WhenSupported
        }
    }
}

/// TLS verification is always on; `verify` (or `AWS_S3_VERIFY` /
/// `AWS_CA_BUNDLE`) may name a CA bundle to trust as well.
fn ca_bundle(layers: &Layers, problems: &mut Problems) -> Option<PathBuf> {
    let refuse = |what: &str, problems: &mut Problems| {
        problems.push(format!(
            "{what} = false: s3sync always verifies TLS certificates. For a server with a self-signed certificate, trust its CA instead: verify = \"path/to/ca.pem\" (or AWS_CA_BUNDLE)"
        ));
        None
    };
    match layers.env_pair("VERIFY", "AWS_S3_VERIFY") {
        Some((name, v)) => match v.to_ascii_lowercase().as_str() {
            "false" | "0" | "no" => return refuse(&name, problems),
            "true" | "1" | "yes" | "" => {}
            _ => return Some(layers.cwd.join(v)),
        },
        None => match layers.storage.as_ref().and_then(|s| s.verify.as_ref()) {
            Some(Verify::Enabled(false)) => return refuse("[storage] verify", problems),
            Some(Verify::CaBundle(path)) => return Some(layers.file_dir.join(path)),
            Some(Verify::Enabled(true)) | None => {}
        },
    }
    layers
        .env("AWS_CA_BUNDLE")
        .filter(|p| !p.is_empty())
        .map(|p| layers.cwd.join(p))
}

fn retry(layers: &Layers, problems: &mut Problems) -> RetryPolicy {
    let sync = layers.config.sync.as_ref();
    let attempts = sync.and_then(|s| s.attempts).unwrap_or(defaults::ATTEMPTS);
    if !(1..=20).contains(&attempts) {
        problems.push(format!(
            "[sync] attempts is {attempts}: use 1 to 20 (tries per request, first one included)"
        ));
    }
    let mut seconds = |what: &str, value: Option<f64>, default: Duration| {
        let Some(v) = value else {
            return default;
        };
        if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
            problems.push(format!(
                "[sync] {what} is {v}: use a number of seconds above 0"
            ));
            return default;
        }
        Duration::from_secs_f64(v)
    };
    RetryPolicy {
        attempts: u32::try_from(attempts.clamp(1, 20)).unwrap_or(5),
        stall_timeout: seconds(
            "stall_timeout",
            sync.and_then(|s| s.stall_timeout),
            defaults::STALL_TIMEOUT,
        ),
        timeout: seconds("timeout", sync.and_then(|s| s.timeout), defaults::TIMEOUT),
    }
}

fn multipart(layers: &Layers, problems: &mut Problems) -> Multipart {
    let sync = layers.config.sync.as_ref();
    let mut size = |what: &str, value: Option<&Size>, default: u64| {
        let (parsed, shown) = match value {
            None => return default,
            Some(Size::Bytes(n)) => (u64::try_from(*n).ok(), n.to_string()),
            Some(Size::Text(t)) => (
                parse_size::Config::new()
                    .with_binary()
                    .parse_size(t.trim())
                    .ok(),
                format!("{t:?}"),
            ),
        };
        match parsed {
            Some(n) if (MIN_PART..=MAX_PART).contains(&n) => n,
            _ => {
                problems.push(format!(
                    "[sync] {what} is {shown}: use a size from 5MiB to 5GiB, such as \"64MiB\" (S3 takes parts of at least 5 MiB and single uploads of at most 5 GiB)"
                ));
                default
            }
        }
    };
    Multipart {
        threshold: size(
            "multipart_threshold",
            sync.and_then(|s| s.multipart_threshold.as_ref()),
            defaults::MULTIPART_THRESHOLD,
        ),
        chunksize: size(
            "multipart_chunksize",
            sync.and_then(|s| s.multipart_chunksize.as_ref()),
            defaults::MULTIPART_CHUNKSIZE,
        ),
    }
}
