//! The manifest: key → source SHA-256, size and the resolved upload
//! parameters. The local manifest says what the bucket should hold; the
//! remote one (same shape, plus ETags) records what the last push left there.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::Stamp;
use crate::record::deploy::Deploy;

pub const MANIFEST_VERSION: u32 = 1;

pub use crate::record::bounds::MAX_RECORD_BYTES;
pub use crate::record::headers::Headers;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Slash path relative to the source.
    pub path: String,
    /// SHA-256 (hex) of the source bytes.
    pub sha256: String,
    /// Size of the source bytes.
    pub size: u64,
    pub headers: Headers,
    /// ETag of the object as stored (remote manifest only), unquoted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The file is fingerprinted (`local::fingerprints`), or was when these
    /// bytes were published: such an object keeps its
    /// Cache-Control while its bytes stay the same, and is kept for a while
    /// once it leaves the source (old pages still name it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fingerprint: bool,
    /// The name looked hashed, but its bytes changed under it: not a
    /// fingerprint, so the short cache from then on, for as long as the key
    /// is recorded (`plan::demotion`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demoted: bool,
    /// Set when the file left the source (remote manifest only): the object
    /// stays, untouched, until a push or `s3sync prune` after `delete_after`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<Retired>,
    /// The object's version on a versioned bucket (remote manifest only):
    /// what `rollback` copies the bytes back from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// When a key whose file left the source was retired, and when it may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retired {
    pub at: Stamp,
    /// The grace decided at retirement ends here; an explicit
    /// `keep_removed` counts from `at` instead.
    pub delete_after: Stamp,
}

/// What a store says of an object it has just written: its ETag and, on a
/// versioned bucket, its version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    /// Unquoted.
    pub etag: String,
    pub version_id: Option<String>,
}

impl Entry {
    /// Whether the two hold the same bytes: the same source (SHA-256 and
    /// size) stored with the same `Content-Encoding` (gzip, brotli and
    /// identity bytes of one file differ, so a new encoding is new content,
    /// never a header-only copy).
    pub fn same_content(&self, other: &Self) -> bool {
        self.sha256 == other.sha256
            && self.size == other.size
            && self.headers.content_encoding == other.headers.content_encoding
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub generator: String,
    /// Key prefix the entries live under.
    pub prefix: String,
    /// Full object key → entry.
    #[serde(deserialize_with = "crate::record::bounds::keyed")]
    pub entries: BTreeMap<String, Entry>,
    /// Keys s3sync may have changed without knowing the outcome: recorded
    /// before uploads and deletes start (and kept for requests that failed
    /// in a way that may still have landed). They are s3sync's (a later
    /// `--delete` may remove them) but their content is unknown, so a push
    /// re-sends them. A push killed at any point leaves a manifest that
    /// never claims what the bucket does not hold.
    #[serde(
        default,
        skip_serializing_if = "std::collections::BTreeSet::is_empty",
        deserialize_with = "crate::record::bounds::keys"
    )]
    pub pending: std::collections::BTreeSet<String>,
    /// The pending keys that were demoted fingerprints (`plan::demotion`):
    /// a pending key has no entry, and so no `demoted` flag of its own.
    #[serde(
        default,
        skip_serializing_if = "std::collections::BTreeSet::is_empty",
        deserialize_with = "crate::record::bounds::keys"
    )]
    pub pending_demoted: std::collections::BTreeSet<String>,
    /// The id of the last intent record (see `intent.rs`) this manifest
    /// accounts for; an intent with another id is a push that stopped early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<String>,
    /// The most recent deploys, oldest first (see `history.rs`): what
    /// `s3sync log` shows, so it costs one read.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::record::deploy::bounded_deploys"
    )]
    pub deploys: Vec<Deploy>,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "it is not a valid s3sync manifest ({0}); run `s3sync push --verify` to rebuild it from a bucket listing"
    )]
    Malformed(String),
    #[error(
        "it expands to more than {} MiB, over s3sync's limit for a record object (a hostile or corrupt object?); delete it and run `s3sync push --verify` to rebuild it from a bucket listing",
        MAX_RECORD_BYTES >> 20
    )]
    TooLarge,
    #[error(
        "its entry for {key} has a bad `{field}` ({why}); run `s3sync push --verify` to rebuild the record from a bucket listing"
    )]
    BadEntry {
        key: String,
        field: &'static str,
        why: &'static str,
    },
    #[error(
        "it was written by a newer s3sync (manifest version {0}, this one reads {MANIFEST_VERSION}); upgrade s3sync"
    )]
    TooNew(u32),
}

impl Manifest {
    pub fn new(prefix: &str) -> Self {
        Self {
            version: MANIFEST_VERSION,
            generator: concat!("s3sync ", env!("CARGO_PKG_VERSION")).to_string(),
            prefix: prefix.to_string(),
            entries: BTreeMap::new(),
            pending: std::collections::BTreeSet::new(),
            pending_demoted: std::collections::BTreeSet::new(),
            settled: None,
            deploys: Vec::new(),
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("manifest serialises");
        out.push(b'\n');
        out
    }

    /// The form stored in the bucket: compact JSON, gzip-compressed
    /// (deterministically), sent with `Content-Encoding: gzip`. A manifest
    /// of 9,240 entries is about 4 MB as text and a tenth of that stored.
    pub fn to_stored(&self) -> Vec<u8> {
        gzip_json(self)
    }

    /// Read a stored manifest: gzip-compressed or plain JSON.
    pub fn from_stored(bytes: &[u8]) -> Result<Self, ManifestError> {
        Self::from_json(&gunzip_if_gzip(bytes)?)
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, ManifestError> {
        #[derive(Deserialize)]
        struct Probe {
            version: u32,
        }
        let probe: Probe =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        if probe.version > MANIFEST_VERSION {
            return Err(ManifestError::TooNew(probe.version));
        }
        let manifest: Self =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Malformed(e.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// Every field the plan and the reports rely on has its expected form,
    /// so a hand-edited or hostile record cannot make them misbehave.
    pub(crate) fn validate(&self) -> Result<(), ManifestError> {
        let bad = |key: &str, field, why| ManifestError::BadEntry {
            key: crate::escape::for_terminal(key).into_owned(),
            field,
            why,
        };
        if let Some(settled) = &self.settled
            && !is_etag(settled)
        {
            return Err(bad("(the record itself)", "settled", "not an S3 ETag"));
        }
        for (key, entry) in &self.entries {
            if !is_sha256_hex(&entry.sha256) {
                return Err(bad(key, "sha256", "not 64 hex digits"));
            }
            if let Some(etag) = &entry.etag
                && !is_etag(etag)
            {
                return Err(bad(key, "etag", "not an S3 ETag"));
            }
            if let Some(retired) = &entry.retired
                && retired.delete_after < retired.at
            {
                return Err(bad(key, "retired", "delete_after is before the retirement"));
            }
            if let Some(version) = &entry.version_id
                && !is_version_id(version)
            {
                return Err(bad(key, "version_id", "not an S3 version id"));
            }
            if let Some(why) = entry
                .headers
                .website_redirect_location
                .as_deref()
                .and_then(crate::record::headers::redirect_location_problem)
            {
                return Err(bad(key, "website_redirect_location", why));
            }
        }
        for deploy in &self.deploys {
            if let Err((field, why)) = deploy.validate() {
                return Err(bad("(the deploy history)", field, why));
            }
        }
        Ok(())
    }
}

/// A SHA-256 in hex, as s3sync writes it.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An unquoted S3 ETag: printable ASCII, no quotes, of a sane length
/// (an MD5 in hex, with `-N` for multipart uploads, or a store's own form).
pub fn is_etag(text: &str) -> bool {
    !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic() && b != b'"')
}

/// An S3 version id: printable ASCII without quotes, of a sane length
/// (S3's are 32 characters; it goes into a CopyObject source, escaped).
pub fn is_version_id(text: &str) -> bool {
    is_etag(text)
}

/// Compact JSON, gzip-compressed deterministically: the stored form of the
/// record objects (the manifest and the intent).
pub fn gzip_json(value: &impl Serialize) -> Vec<u8> {
    use std::io::Write;
    let json = serde_json::to_vec(value).expect("record serialises");
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::new(6));
    gz.write_all(&json).expect("writing to memory");
    gz.finish().expect("writing to memory")
}

/// The JSON of a stored record object, gzip-compressed or not.
pub fn gunzip_if_gzip(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, ManifestError> {
    use std::io::Read;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(ManifestError::TooLarge);
        }
        return Ok(bytes.into());
    }
    // The gzip trailer holds the uncompressed size (mod 4 GiB): allocate it
    // once instead of doubling (a 100,000-entry manifest is about 35 MB).
    let size = bytes
        .len()
        .checked_sub(4)
        .and_then(|at| bytes.get(at..))
        .and_then(|tail| tail.try_into().ok())
        .map_or(0, u32::from_le_bytes);
    // (Never trust it beyond a plausible ratio or the cap: a corrupt or
    // hostile trailer must not reserve gigabytes.)
    let mut json = Vec::with_capacity(
        usize::try_from(size)
            .unwrap_or(0)
            .min(bytes.len().saturating_mul(64))
            .min(usize::try_from(MAX_RECORD_BYTES).unwrap_or(usize::MAX)),
    );
    // Read at most one byte past the cap, so an overflow is seen without
    // holding more than the cap.
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| ManifestError::Malformed(format!("bad gzip: {e}")))?;
    if json.len() as u64 > MAX_RECORD_BYTES {
        return Err(ManifestError::TooLarge);
    }
    Ok(json.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sha: &str) -> Entry {
        Entry {
            path: "a.css".into(),
            sha256: format!("{sha:0>64}"),
            size: 3,
            headers: Headers {
                content_type: "text/css".into(),
                ..Headers::default()
            },
            etag: None,
            fingerprint: false,
            demoted: false,
            retired: None,
            version_id: None,
        }
    }

    #[test]
    fn retirement_and_fingerprint_round_trip_and_are_validated() {
        let mut m = Manifest::new("static");
        let mut e = entry("aa");
        e.fingerprint = true;
        e.retired = Some(Retired {
            at: Stamp::from_secs(1_796_294_400),
            delete_after: Stamp::from_secs(1_796_294_400 + 7 * 86_400),
        });
        m.entries.insert("static/a.css".into(), e);
        m.entries.insert("static/b.css".into(), entry("bb"));
        let json = m.to_json();
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(
            text.contains(r#""delete_after": "2026-12-10T10:40:00Z""#),
            "{text}"
        );
        // Absent fields stay absent: older records read the same.
        assert_eq!(text.matches("fingerprint").count(), 1, "{text}");
        assert_eq!(Manifest::from_json(&json).unwrap(), m);

        let mut value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        value["entries"]["static/a.css"]["retired"]["delete_after"] = "2020-01-01T00:00:00Z".into();
        let err = Manifest::from_json(&serde_json::to_vec(&value).unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "its entry for static/a.css has a bad `retired` (delete_after is before the retirement); run `s3sync push --verify` to rebuild the record from a bucket listing"
        );
        value["entries"]["static/a.css"]["retired"]["delete_after"] = "next week".into();
        let err = Manifest::from_json(&serde_json::to_vec(&value).unwrap()).unwrap_err();
        assert!(err.to_string().contains("static/a.css"), "{err}");
        assert!(err.to_string().contains("not RFC 3339"), "{err}");
        value["entries"]["static/a.css"]["retired"] = serde_json::json!({"at": 5});
        assert!(Manifest::from_json(&serde_json::to_vec(&value).unwrap()).is_err());
        value["entries"]["static/a.css"]["retired"] = serde_json::Value::Null;
        value["entries"]["static/a.css"]["fingerprint"] = "yes".into();
        assert!(Manifest::from_json(&serde_json::to_vec(&value).unwrap()).is_err());
    }

    #[test]
    fn json_round_trip_is_stable() {
        let mut m = Manifest::new("static");
        m.entries.insert("static/b.css".into(), entry("bb"));
        m.entries.insert("static/a.css".into(), entry("aa"));
        let json = m.to_json();
        let back = Manifest::from_json(&json).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.to_json(), json);
        let text = String::from_utf8(json).unwrap();
        assert!(text.find("static/a.css").unwrap() < text.find("static/b.css").unwrap());
    }

    #[test]
    fn stored_form_is_gzip_and_reads_back_as_is_plain_json() {
        let mut m = Manifest::new("static");
        for i in 0..200 {
            m.entries.insert(format!("static/f{i}.css"), entry("aaaa"));
        }
        let stored = m.to_stored();
        assert_eq!(&stored[..2], &[0x1f, 0x8b]);
        assert!(
            stored.len() * 10 < m.to_json().len(),
            "{} vs {}",
            stored.len(),
            m.to_json().len()
        );
        assert_eq!(Manifest::from_stored(&stored).unwrap(), m);
        assert_eq!(Manifest::from_stored(&m.to_json()).unwrap(), m);
        assert_eq!(m.to_stored(), stored, "deterministic");
    }

    #[test]
    fn a_decompression_bomb_is_refused_within_the_cap() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let block = vec![b' '; 1 << 20];
        for _ in 0..=(MAX_RECORD_BYTES >> 20) {
            gz.write_all(&block).unwrap();
        }
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 4 << 20, "{}", bomb.len());
        let err = Manifest::from_stored(&bomb).unwrap_err();
        assert!(matches!(err, ManifestError::TooLarge), "{err}");
        assert!(err.to_string().contains("more than 128 MiB"), "{err}");
    }

    #[test]
    fn hostile_fields_are_named_not_trusted() {
        let mut m = Manifest::new("static");
        m.entries.insert("static/a.css".into(), entry("aa"));
        let mut json: serde_json::Value = serde_json::from_slice(&m.to_json()).unwrap();
        json["entries"]["static/a.css"]["sha256"] = "é".repeat(32).into();
        let err = Manifest::from_json(&serde_json::to_vec(&json).unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "its entry for static/a.css has a bad `sha256` (not 64 hex digits); run `s3sync push --verify` to rebuild the record from a bucket listing"
        );
        json["entries"]["static/a.css"]["sha256"] = "a".repeat(64).into();
        json["entries"]["static/a.css"]["etag"] = "\"ü\"".into();
        let err = Manifest::from_json(&serde_json::to_vec(&json).unwrap()).unwrap_err();
        assert!(err.to_string().contains("`etag`"), "{err}");
        json["entries"]["static/a.css"]["etag"] = "abc".into();
        json["entries"]["static/a.css"]["version_id"] = "v\n1".into();
        let err = Manifest::from_json(&serde_json::to_vec(&json).unwrap()).unwrap_err();
        assert!(err.to_string().contains("`version_id`"), "{err}");
        json["entries"]["static/a.css"]["version_id"] = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY".into();
        // `settled` goes into an If-None-Match header: it must be an ETag.
        json["entries"]["static/a.css"]["etag"] = "abc".into();
        json["settled"] = "x\r\nX-Injected: credentials".into();
        let err = Manifest::from_json(&serde_json::to_vec(&json).unwrap()).unwrap_err();
        assert!(err.to_string().contains("`settled`"), "{err}");
        // A truncated gzip stream with a short trailer is an error, not a panic.
        assert!(Manifest::from_stored(&[0x1f, 0x8b, 1]).is_err());
    }

    #[test]
    fn a_hostile_redirect_target_is_refused_before_it_reaches_a_header() {
        let mut m = Manifest::new("static");
        let mut e = entry("aa");
        e.headers.website_redirect_location = Some("/new/".into());
        m.entries.insert("static/old.html".into(), e);
        let mut json: serde_json::Value = serde_json::from_slice(&m.to_json()).unwrap();
        assert_eq!(Manifest::from_json(&m.to_json()).unwrap(), m);
        json["entries"]["static/old.html"]["headers"]["website_redirect_location"] =
            "/x\r\nX-Injected: 1".into();
        let err = Manifest::from_json(&serde_json::to_vec(&json).unwrap()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("its entry for static/old.html has a bad `website_redirect_location`"),
            "{err}"
        );
        json["entries"]["static/old.html"]["headers"]["website_redirect_location"] =
            "javascript:alert(1)".into();
        assert!(Manifest::from_json(&serde_json::to_vec(&json).unwrap()).is_err());
    }

    #[test]
    fn newer_and_malformed_manifests_are_named() {
        let err = Manifest::from_json(br#"{"version": 99}"#).unwrap_err();
        assert!(err.to_string().contains("upgrade s3sync"), "{err}");
        let err = Manifest::from_json(b"not json").unwrap_err();
        assert!(err.to_string().contains("--verify"), "{err}");
    }
}
