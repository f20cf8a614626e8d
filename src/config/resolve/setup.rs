//! `[setup]`: what `s3sync setup` makes of the bucket (public read, CORS
//! origins, static website hosting, versioning), each value checked here.
//! Only the file sets these: a bucket is prepared once, not per run.

use super::{Layers, Problems};
use crate::config::settings::{SetupSettings, WebsiteSettings};

pub(super) fn settings(layers: &Layers, problems: &mut Problems) -> SetupSettings {
    let Some(section) = layers.config.setup.as_ref() else {
        return SetupSettings::default();
    };
    let mut cors_origins = Vec::new();
    for origin in section.cors_origins.iter().flatten() {
        let at = layers.origin(origin.span().start);
        if let Some(valid) = problems.check(cors_origin(origin.get_ref(), &at))
            && !cors_origins.contains(&valid)
        {
            cors_origins.push(valid);
        }
    }
    let website = section.website.as_ref().map(|w| {
        let index = w.index.clone().unwrap_or_else(|| "index.html".into());
        if let Err(e) = index_suffix(&index) {
            problems.push(e);
        }
        let error = w.error.clone().filter(|e| {
            error_document(e)
                .map_err(|message| problems.push(message))
                .is_ok()
        });
        WebsiteSettings { index, error }
    });
    SetupSettings {
        public: section.public.unwrap_or(false),
        cors_origins,
        website,
        versioning: section.versioning.unwrap_or(false),
    }
}

/// An origin as browsers send it (`https://host` or `https://host:port`),
/// or `*` for any origin.
fn cors_origin(value: &str, at: &str) -> Result<String, String> {
    let shown = crate::escape::for_terminal(value);
    let bad = |why: &str| {
        Err(format!(
            "[setup] cors_origins ({at}): '{shown}' {why}. Fix: write an origin as the browser sends it, `https://host` or `https://host:port` (no path, no trailing '/'), or \"*\" for any origin"
        ))
    };
    if value == "*" {
        return Ok(value.to_string());
    }
    let Some(rest) = value.strip_prefix("https://") else {
        return bad("does not start with https://");
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return bad("has a port that is not a number from 1 to 65535");
    }
    if host.is_empty() {
        return bad("has no host");
    }
    if host.contains('/') {
        return bad("has a path (an origin ends after the host and port)");
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return bad("has capital letters (browsers send the host in lowercase)");
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !host.split('.').all(label_ok) {
        return bad("has a host that is not a DNS name (letters, digits, '-' and '.')");
    }
    Ok(value.to_string())
}

/// The index document's suffix: a file name S3 appends to a request for a
/// folder (no `/`).
fn index_suffix(index: &str) -> Result<(), String> {
    if index.is_empty()
        || index.contains('/')
        || index.chars().any(char::is_control)
        || index == "."
        || index == ".."
    {
        return Err(format!(
            "[setup] website index '{}' must be a file name such as \"index.html\" (S3 serves it for every folder; no '/')",
            crate::escape::for_terminal(index)
        ));
    }
    Ok(())
}

/// The error document: a file of the source (relative, no `.` or `..`
/// segments), stored under the prefix like every other.
fn error_document(error: &str) -> Result<(), String> {
    let bad = error.is_empty()
        || error.starts_with('/')
        || error.chars().any(char::is_control)
        || error
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
    if bad {
        return Err(format!(
            "[setup] website error '{}' must be the path of a file in the source, such as \"404.html\" (relative, no '.' or '..' segments)",
            crate::escape::for_terminal(error)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_https_hosts_with_an_optional_port_or_a_star() {
        for ok in ["*", "https://example.com", "https://a-b.example.com:8443"] {
            assert_eq!(cors_origin(ok, "line 1").unwrap(), ok);
        }
        for (bad, why) in [
            ("http://example.com", "does not start with https://"),
            ("https://example.com/", "has a path"),
            ("https://example.com:0", "port"),
            ("https://example.com:http", "port"),
            ("https://Example.com", "capital letters"),
            ("https://", "has no host"),
            ("https://exa mple.com", "not a DNS name"),
            ("example.com", "does not start with https://"),
        ] {
            let err = cors_origin(bad, "s3sync.toml line 9").unwrap_err();
            assert!(
                err.starts_with("[setup] cors_origins (s3sync.toml line 9): '")
                    && err.contains(why)
                    && err.contains("Fix: write an origin as the browser sends it"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn website_documents_are_checked() {
        assert!(index_suffix("index.html").is_ok());
        assert!(index_suffix("a/index.html").unwrap_err().contains("no '/'"));
        assert!(error_document("errors/404.html").is_ok());
        for bad in ["/404.html", "../404.html", "a//b", ""] {
            assert!(
                error_document(bad)
                    .unwrap_err()
                    .starts_with("[setup] website error"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_section_resolves_with_its_defaults() {
        let s = crate::config::settings_from_toml(
            "[setup]\npublic = true\ncors_origins = [\"https://a.example\", \"https://a.example\"]\nwebsite = {error = \"404.html\"}\n",
        );
        assert_eq!(
            s.setup,
            SetupSettings {
                public: true,
                cors_origins: vec!["https://a.example".into()],
                website: Some(WebsiteSettings {
                    index: "index.html".into(),
                    error: Some("404.html".into()),
                }),
                versioning: false,
            }
        );
        let text = "[setup]\ncors_origins = [\"*\", \"http://x.example\"]\n";
        let file = crate::config::file::LoadedFile {
            path: "/p/s3sync.toml".into(),
            text: text.into(),
            config: crate::config::file::parse(text).unwrap(),
        };
        let err = crate::config::Settings::resolve(
            &crate::config::Overrides::default(),
            &|_| None,
            Some(&file),
            std::path::Path::new("/"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("[setup] cors_origins (/p/s3sync.toml line 2): 'http://x.example' does not start with https://"),
            "{err}"
        );
    }
}
