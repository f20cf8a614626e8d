//! Checks on single setting values. Each returns a message that names the
//! value and says what would be valid.

/// The canned ACLs S3 accepts, plus `none` (send no ACL header).
pub(super) const CANNED_ACLS: &[&str] = &[
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "none",
];

pub(super) fn acl(value: &str) -> Result<(), String> {
    if CANNED_ACLS.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "unknown ACL '{value}': use one of {}",
            CANNED_ACLS.join(", ")
        ))
    }
}

/// S3 bucket naming rules (the general-purpose bucket subset every
/// S3-compatible store accepts).
pub(super) fn bucket_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "invalid bucket name '{name}': {why} (3-63 characters: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)"
        ))
    };
    if !(3..=63).contains(&name.len()) {
        return bad("wrong length");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return bad("it has a character that is not allowed");
    }
    let first_last_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !first_last_ok(name.as_bytes()[0]) || !first_last_ok(name.as_bytes()[name.len() - 1]) {
        return bad("it must start and end with a letter or digit");
    }
    if name.contains("..") {
        return bad("it has two dots in a row");
    }
    Ok(())
}

/// A value sent as an HTTP header: no control characters (CR/LF would let a
/// config smuggle extra headers), printable ASCII only.
pub(super) fn header_value(what: &str, value: &str) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(format!(
            "{what} '{}' contains the character {c:?}, which cannot go in an HTTP header: use printable ASCII only",
            value.escape_debug()
        ));
    }
    Ok(())
}

/// User metadata keys become `x-amz-meta-KEY` headers.
pub(super) fn metadata_key(what: &str, key: &str) -> Result<(), String> {
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "{what} key '{}' is not a valid header name: use letters, digits, '-' and '_'",
            key.escape_debug()
        ));
    }
    Ok(())
}

/// A key prefix: `/`-separated, no empty, `.` or `..` segments, so keys
/// can never escape it.
pub(super) fn location(value: &str) -> Result<String, String> {
    let trimmed = value.trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    for segment in trimmed.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.contains('\\') {
            return Err(format!(
                "location '{value}' has the segment '{segment}': a prefix is plain names separated by '/', like 'static' or 'site/assets'"
            ));
        }
    }
    if trimmed.chars().any(char::is_control) {
        return Err(format!(
            "location '{}' contains control characters: use plain names separated by '/'",
            trimmed.escape_debug()
        ));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        assert!(bucket_name("my-assets.example").is_ok());
        assert!(bucket_name("ab").is_err());
        assert!(bucket_name("My_Bucket").is_err());
        assert!(bucket_name("-abc").is_err());
        assert!(bucket_name("a..b").is_err());
    }

    #[test]
    fn header_injection_is_refused() {
        let err = header_value("cache_control", "max-age=60\r\nX-Evil: 1").unwrap_err();
        assert!(err.contains("cache_control"), "{err}");
        assert!(header_value("cache_control", "public, max-age=60").is_ok());
    }

    #[test]
    fn locations() {
        assert_eq!(location("/static/").unwrap(), "static");
        assert_eq!(location("").unwrap(), "");
        assert_eq!(location("a/b").unwrap(), "a/b");
        assert!(location("a/../b").is_err());
        assert!(location("a//b").is_err());
    }

    #[test]
    fn acls() {
        assert!(acl("public-read").is_ok());
        let err = acl("public").unwrap_err();
        assert!(err.contains("public-read"), "{err}");
    }
}
