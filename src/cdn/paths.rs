//! From a bucket key to the paths a viewer requests through CloudFront:
//! which origins serve this bucket (any S3 domain form), the key with the
//! origin's `OriginPath` stripped, the forms a directory index is also
//! requested by, and the percent-encoding CloudFront compares invalidation
//! paths in. Pure functions.

/// Whether an origin domain is one of the S3 endpoints of `bucket`:
/// `bucket.s3.amazonaws.com`, `bucket.s3.REGION.amazonaws.com`,
/// `bucket.s3-REGION.amazonaws.com`, `bucket.s3.dualstack.REGION.amazonaws.com`,
/// `bucket.s3-website-REGION.amazonaws.com` or
/// `bucket.s3-website.REGION.amazonaws.com` (also under `amazonaws.com.cn`).
/// A CloudFront origin is a domain name only, so a path-style endpoint
/// (`s3.REGION.amazonaws.com/bucket`) cannot be one.
pub fn serves_bucket(domain: &str, bucket: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let bucket = bucket.to_ascii_lowercase();
    let Some(rest) = domain
        .strip_prefix(bucket.as_str())
        .and_then(|r| r.strip_prefix('.'))
    else {
        return false;
    };
    let Some(endpoint) = rest
        .strip_suffix(".amazonaws.com")
        .or_else(|| rest.strip_suffix(".amazonaws.com.cn"))
    else {
        return false;
    };
    if endpoint == "s3" {
        return true;
    }
    let region = endpoint
        .strip_prefix("s3-website-")
        .or_else(|| endpoint.strip_prefix("s3-website."))
        .or_else(|| endpoint.strip_prefix("s3.dualstack."))
        .or_else(|| endpoint.strip_prefix("s3."))
        .or_else(|| endpoint.strip_prefix("s3-"));
    region.is_some_and(|r| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// The path a viewer requests for `key` through an origin with
/// `origin_path` (`""` or `/dir`, no trailing `/`): the key with the
/// origin path stripped, not yet encoded. `None`: the origin does not
/// reach the key.
pub fn viewer_path(key: &str, origin_path: &str) -> Option<String> {
    let full = format!("/{key}");
    let origin_path = origin_path.trim_end_matches('/');
    if origin_path.is_empty() {
        return Some(full);
    }
    full.strip_prefix(origin_path)
        .filter(|rest| rest.starts_with('/'))
        .map(str::to_string)
}

/// The invalidation paths of `key` through an origin with `origin_path`:
/// the encoded viewer path, and for `x/index.html` also `/x/` and `/x`
/// (for the root `index.html` also `/`). A key with a `*` in it is covered
/// by a wildcard ending at that `*` (CloudFront reads `*` only as one).
pub fn invalidation_paths(key: &str, origin_path: &str) -> Vec<String> {
    let Some(path) = viewer_path(key, origin_path) else {
        return Vec::new();
    };
    let encoded = encode(&path);
    if encoded.ends_with('*') {
        return vec![encoded];
    }
    let mut out = vec![encoded.clone()];
    if let Some(dir) = encoded.strip_suffix("/index.html") {
        out.push(format!("{dir}/"));
        if !dir.is_empty() {
            out.push(dir.to_string());
        }
    }
    out
}

/// Percent-encode a path as CloudFront requires: non-ASCII bytes (as
/// UTF-8), controls, space and the characters RFC 1738 calls unsafe or
/// reserved in a path (`"#%<>?[\]^`{|}`); every other character stays as a
/// browser sends it, or the cached copy would not match. A `*` ends the
/// path as a wildcard.
pub fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'*' => {
                out.push('*');
                break;
            }
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'/'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => out.push(char::from(b)),
            _ => {
                let _ = std::fmt::Write::write_fmt(&mut out, format_args!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_s3_domain_form_of_the_bucket_is_an_origin_of_it() {
        for domain in [
            "site.s3.amazonaws.com",
            "site.s3.eu-west-1.amazonaws.com",
            "site.s3-eu-west-1.amazonaws.com",
            "site.s3.dualstack.eu-west-1.amazonaws.com",
            "site.s3-website-us-east-1.amazonaws.com",
            "site.s3-website.eu-central-1.amazonaws.com",
            "site.s3.cn-north-1.amazonaws.com.cn",
            "SITE.S3.AMAZONAWS.COM.",
        ] {
            assert!(serves_bucket(domain, "site"), "{domain}");
        }
        assert!(serves_bucket(
            "www.example.com.s3-website-us-east-1.amazonaws.com",
            "www.example.com"
        ));
    }

    #[test]
    fn other_buckets_and_other_hosts_are_not() {
        for domain in [
            "other.s3.amazonaws.com",
            "site2.s3.amazonaws.com",
            "x.site.s3.amazonaws.com",
            "site.example.com",
            "site.s3.amazonaws.com.evil.com",
            "s3.eu-west-1.amazonaws.com",
            "site.s3.eu.west.1.amazonaws.com",
            "site.s3-.amazonaws.com",
            "site.ec2.amazonaws.com",
            "d111.cloudfront.net",
        ] {
            assert!(!serves_bucket(domain, "site"), "{domain}");
        }
        // A bucket with dots is matched whole, never as a suffix.
        assert!(!serves_bucket("a.b.s3.amazonaws.com", "a"));
        assert!(!serves_bucket("a.b.s3.amazonaws.com", "b"));
    }

    #[test]
    fn the_origin_path_is_stripped_and_keys_outside_it_are_not_served() {
        assert_eq!(
            viewer_path("static/css/a.css", "/static").as_deref(),
            Some("/css/a.css")
        );
        assert_eq!(
            viewer_path("static/css/a.css", "/static/").as_deref(),
            Some("/css/a.css")
        );
        assert_eq!(
            viewer_path("static/css/a.css", "").as_deref(),
            Some("/static/css/a.css")
        );
        assert_eq!(
            viewer_path("static/a.css", "/static/v2"),
            None,
            "outside the origin path"
        );
        assert_eq!(
            viewer_path("staticfiles/a.css", "/static"),
            None,
            "a prefix of a name is not a folder"
        );
    }

    #[test]
    fn an_index_page_also_invalidates_its_folder_with_and_without_slash() {
        assert_eq!(
            invalidation_paths("static/about/index.html", "/static"),
            ["/about/index.html", "/about/", "/about"]
        );
        assert_eq!(
            invalidation_paths("static/index.html", "/static"),
            ["/index.html", "/"]
        );
        assert_eq!(
            invalidation_paths("static/about/team.html", "/static"),
            ["/about/team.html"]
        );
        assert_eq!(
            invalidation_paths("static/about/myindex.html", "/static"),
            ["/about/myindex.html"]
        );
        assert!(invalidation_paths("other/index.html", "/static").is_empty());
    }

    #[test]
    fn paths_are_percent_encoded_as_cloudfront_compares_them() {
        assert_eq!(encode("/a b/ü.html"), "/a%20b/%C3%BC.html");
        assert_eq!(encode("/q?x#y%z"), "/q%3Fx%23y%25z");
        assert_eq!(
            encode("/<\"{|}\\^`[]>"),
            "/%3C%22%7B%7C%7D%5C%5E%60%5B%5D%3E"
        );
        assert_eq!(encode("/ctl\n"), "/ctl%0A");
        assert_eq!(
            encode("/keep-._~!$&'()+,;=:@/"),
            "/keep-._~!$&'()+,;=:@/",
            "what browsers send as is stays"
        );
        assert_eq!(
            invalidation_paths("static/über uns/index.html", "/static"),
            [
                "/%C3%BCber%20uns/index.html",
                "/%C3%BCber%20uns/",
                "/%C3%BCber%20uns"
            ]
        );
    }

    #[test]
    fn a_star_in_a_key_becomes_a_wildcard_that_covers_it() {
        assert_eq!(
            invalidation_paths("static/a*b/index.html", "/static"),
            ["/a*"]
        );
        assert_eq!(encode("/x*"), "/x*");
    }
}
