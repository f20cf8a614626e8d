//! Public URLs of objects (custom domain, endpoint and addressing aware) and
//! the source-relative path a user names on the command line.

use std::path::Path;

use crate::config::{AddressingStyle, Destination, Settings};

/// The longest expiry S3 accepts for a presigned URL (SigV4): 7 days.
pub const MAX_PRESIGN_SECONDS: u64 = 7 * 24 * 3600;

/// Percent-encode a key for a URL path, keeping `/`.
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The public (unsigned) URL of `key`.
pub fn public_url(settings: &Settings, key: &str) -> Result<String, String> {
    let path = encode_key(key);
    let bucket = match &settings.destination {
        Some(Destination::S3 { bucket }) => bucket,
        Some(Destination::Dir { root }) => return Ok(format!("file://{}/{path}", root.display())),
        None => return Err(crate::config::ConfigError::NoTarget.to_string()),
    };
    if let Some(domain) = &settings.public.custom_domain {
        let domain = domain.trim_end_matches('/');
        return Ok(if domain.contains("://") {
            format!("{domain}/{path}")
        } else {
            format!("https://{domain}/{path}")
        });
    }
    let s3 = &settings.s3;
    if let Some(endpoint) = &s3.endpoint_url {
        let endpoint = endpoint.trim_end_matches('/');
        if s3.addressing_style == AddressingStyle::Virtual
            && let Some((scheme, host)) = endpoint.split_once("://")
        {
            return Ok(format!("{scheme}://{bucket}.{host}/{path}"));
        }
        return Ok(format!("{endpoint}/{bucket}/{path}"));
    }
    let host = match &s3.region {
        Some(region) => format!("s3.{region}.amazonaws.com"),
        None => "s3.amazonaws.com".to_string(),
    };
    Ok(if s3.addressing_style == AddressingStyle::Path {
        format!("https://{host}/{bucket}/{path}")
    } else {
        format!("https://{bucket}.{host}/{path}")
    })
}

/// A path as the user gave it (relative to the source, or a path to a file
/// inside the source) as a slash path relative to the source.
pub fn source_relative(source: Option<&Path>, given: &str) -> String {
    if let Some(source) = source
        && let (Ok(file), Ok(root)) = (Path::new(given).canonicalize(), source.canonicalize())
        && let Ok(rel) = file.strip_prefix(&root)
        && let Some(rel) = rel.to_str()
    {
        return rel.replace('\\', "/");
    }
    given
        .replace('\\', "/")
        .trim_start_matches("./")
        .trim_start_matches('/')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str, key: &str) -> String {
        public_url(&crate::config::settings_from_toml(text), key).unwrap()
    }

    #[test]
    fn keys_are_percent_encoded_except_slashes() {
        assert_eq!(encode_key("static/a b+c.css"), "static/a%20b%2Bc.css");
        assert_eq!(encode_key("ünï/x"), "%C3%BCn%C3%AF/x");
    }

    #[test]
    fn public_urls() {
        let b = "[storage]\nbucket_name = \"site\"\n";
        assert_eq!(
            url(b, "static/a b.css"),
            "https://site.s3.amazonaws.com/static/a%20b.css"
        );
        assert_eq!(
            url(
                &format!("{b}region_name = \"eu-west-1\"\naddressing_style = \"path\"\n"),
                "k"
            ),
            "https://s3.eu-west-1.amazonaws.com/site/k"
        );
        assert_eq!(
            url(
                &format!("{b}endpoint_url = \"http://127.0.0.1:9000/\"\n"),
                "k"
            ),
            "http://127.0.0.1:9000/site/k"
        );
        assert_eq!(
            url(
                &format!(
                    "{b}endpoint_url = \"https://r2.example\"\naddressing_style = \"virtual\"\n"
                ),
                "k"
            ),
            "https://site.r2.example/k"
        );
        assert_eq!(
            url(
                &format!("{b}custom_domain = \"cdn.example.com\"\n"),
                "static/x.js"
            ),
            "https://cdn.example.com/static/x.js"
        );
    }

    #[test]
    fn paths_relative_to_the_source() {
        assert_eq!(source_relative(None, "./css/app.css"), "css/app.css");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("css")).unwrap();
        std::fs::write(dir.path().join("css/app.css"), "x").unwrap();
        let full = dir.path().join("css/app.css");
        assert_eq!(
            source_relative(Some(dir.path()), full.to_str().unwrap()),
            "css/app.css"
        );
    }
}
