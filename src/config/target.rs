//! Target URLs: `s3://bucket/prefix` and `file://DIR`.

use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

/// Where objects go. The key prefix (`location`) is kept apart, in
/// [`super::Settings::prefix`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    S3 { bucket: String },
    Dir { root: PathBuf },
}

impl Destination {
    /// The target as a user would write it, with the prefix.
    pub fn display_url(&self, prefix: &str) -> String {
        let base = match self {
            Self::S3 { bucket } => format!("s3://{bucket}"),
            Self::Dir { root } => format!("file://{}", root.display()),
        };
        if prefix.is_empty() {
            base
        } else {
            format!("{}/{prefix}", base.trim_end_matches('/'))
        }
    }
}

/// A parsed target URL: the destination and, for `s3://`, the prefix the
/// URL names (`None` when the URL has no path, so `location` applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TargetUrl {
    pub destination: Destination,
    pub prefix: Option<String>,
}

/// Shown as the URL a user would write, without the prefix
/// (`s3://bucket`, `file:///abs/dir`).
impl Serialize for Destination {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.display_url(""))
    }
}

/// Parse `s3://bucket[/prefix]` or `file://DIR`; a relative `DIR` is taken
/// relative to `base` (the config file's folder, or the working directory
/// for flags and environment).
pub(super) fn parse_target(url: &str, base: &Path) -> Result<TargetUrl, String> {
    if let Some(rest) = url.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!(
                "target '{url}' names no bucket: write s3://BUCKET/PREFIX"
            ));
        }
        let prefix = prefix.trim_matches('/');
        return Ok(TargetUrl {
            destination: Destination::S3 {
                bucket: bucket.to_string(),
            },
            prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
        });
    }
    if let Some(rest) = url.strip_prefix("file://") {
        if rest.is_empty() {
            return Err(format!(
                "target '{url}' names no directory: write file://DIR (relative or absolute)"
            ));
        }
        let path = Path::new(rest);
        let root = if path.is_absolute() {
            path.to_path_buf()
        } else {
            base.join(path)
        };
        return Ok(TargetUrl {
            destination: Destination::Dir { root },
            prefix: None,
        });
    }
    Err(format!(
        "unsupported target '{url}': use s3://BUCKET/PREFIX or file://DIR"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls() {
        let t = parse_target("s3://my-bucket/static/site/", Path::new("/x")).unwrap();
        assert_eq!(
            t.destination,
            Destination::S3 {
                bucket: "my-bucket".into()
            }
        );
        assert_eq!(t.prefix.as_deref(), Some("static/site"));
        let t = parse_target("s3://my-bucket", Path::new("/x")).unwrap();
        assert_eq!(t.prefix, None);
        assert!(parse_target("s3:///x", Path::new("/")).is_err());
    }

    #[test]
    fn file_urls_resolve_relative_to_base() {
        let t = parse_target("file://out/site", Path::new("/cfg")).unwrap();
        assert_eq!(
            t.destination,
            Destination::Dir {
                root: PathBuf::from("/cfg/out/site")
            }
        );
        let t = parse_target("file:///abs", Path::new("/cfg")).unwrap();
        assert_eq!(
            t.destination,
            Destination::Dir {
                root: PathBuf::from("/abs")
            }
        );
    }

    #[test]
    fn other_schemes_are_refused_with_the_fix() {
        let err = parse_target("gs://b", Path::new("/")).unwrap_err();
        assert!(err.contains("s3://BUCKET/PREFIX or file://DIR"), "{err}");
    }

    #[test]
    fn display_url_includes_prefix() {
        let d = Destination::S3 { bucket: "b".into() };
        assert_eq!(d.display_url("static"), "s3://b/static");
        assert_eq!(d.display_url(""), "s3://b");
    }
}
