//! What bytes an object holds and how it is labelled: content type (with a
//! charset for text), which types are compressed already, the digests of
//! stored bytes, and (`compress`) deterministic gzip and brotli.

mod compress;

use std::io;
use std::path::Path;

use md5::Md5;
use sha2::{Digest, Sha256};

pub use compress::{BROTLI_QUALITY, Codec, Encoded, MAX_MEMORY, Spool, compress_file};

/// Types whose extension mime_guess gets wrong or too vague for the web.
const OVERRIDES: &[(&str, &str)] = &[
    ("js", "text/javascript"),
    ("mjs", "text/javascript"),
    ("cjs", "text/javascript"),
    ("css", "text/css"),
    ("svg", "image/svg+xml"),
    ("json", "application/json"),
    ("map", "application/json"),
    ("wasm", "application/wasm"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ttf", "font/ttf"),
    ("otf", "font/otf"),
    ("eot", "application/vnd.ms-fontobject"),
    ("webmanifest", "application/manifest+json"),
    ("avif", "image/avif"),
    ("webp", "image/webp"),
    ("ico", "image/x-icon"),
    ("txt", "text/plain"),
    ("md", "text/markdown"),
    ("xml", "application/xml"),
    ("html", "text/html"),
    ("htm", "text/html"),
];

/// Extensions whose bytes are already compressed: never compress them,
/// whatever the config says, and never label them with a `Content-Encoding`.
const PRECOMPRESSED_EXTENSIONS: &[&str] = &[
    "gz", "tgz", "br", "zst", "zip", "bz2", "xz", "7z", "rar", "lz", "lz4", "png", "jpg", "jpeg",
    "gif", "webp", "avif", "heic", "jxl", "woff", "woff2", "mp3", "mp4", "m4a", "ogg", "webm",
    "mov", "pdf",
];

fn extension(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?;
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

/// The Content-Type for a path, with `charset=utf-8` on text types.
pub fn content_type_for(path: &str) -> String {
    let ext = extension(path);
    let base = ext
        .as_deref()
        .and_then(|e| {
            OVERRIDES
                .iter()
                .find(|(x, _)| *x == e)
                .map(|(_, t)| (*t).to_string())
        })
        .or_else(|| mime_guess::from_path(path).first_raw().map(str::to_string))
        .unwrap_or_else(|| "application/octet-stream".to_string());
    with_charset(&base)
}

/// Add `; charset=utf-8` to text types that do not name one.
pub fn with_charset(content_type: &str) -> String {
    let base = base_type(content_type);
    let texty = base.starts_with("text/")
        || matches!(
            base,
            "application/javascript"
                | "application/json"
                | "application/manifest+json"
                | "application/xml"
                | "image/svg+xml"
        );
    if texty && !content_type.contains("charset=") {
        format!("{base}; charset=utf-8")
    } else {
        content_type.to_string()
    }
}

/// `text/css; charset=utf-8` → `text/css`.
pub fn base_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// True when the file's bytes are already compressed (by extension or type).
pub fn is_precompressed(path: &str, content_type: &str) -> bool {
    let base = base_type(content_type);
    extension(path).is_some_and(|e| PRECOMPRESSED_EXTENSIONS.contains(&e.as_str()))
        || (base.starts_with("font/")
            && !matches!(
                base,
                "font/ttf" | "font/otf" | "font/collection" | "font/sfnt"
            ))
        || base.starts_with("video/")
        || base.starts_with("audio/")
        || (base.starts_with("image/")
            && base != "image/svg+xml"
            && base != "image/x-icon"
            && base != "image/bmp")
        || matches!(
            base,
            "application/gzip" | "application/zip" | "application/x-gzip" | "application/zstd"
        )
}

/// Digests of the bytes an object will hold (after encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    pub sha256: [u8; 32],
    pub md5: [u8; 16],
    pub size: u64,
}

/// SHA-256, MD5 and size of bytes fed in pieces: what every streaming
/// pass over an object's bytes computes (compressed spool, file digest, the
/// directory target's copy).
#[derive(Default)]
pub struct Digester {
    sha256: Sha256,
    md5: Md5,
    size: u64,
}

impl Digester {
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.md5.update(bytes);
        self.size += bytes.len() as u64;
    }

    pub fn finish(self) -> Digests {
        Digests {
            sha256: self.sha256.finalize().into(),
            md5: self.md5.finalize().into(),
            size: self.size,
        }
    }
}

/// SHA-256 and MD5 of a file as stored unencoded.
pub fn digest_file(path: &Path) -> io::Result<Digests> {
    let mut digests = Digester::default();
    crate::local::hash::for_each_chunk(
        &mut crate::local::regular::open(path)?,
        &mut crate::local::hash::chunk_buffer(),
        |chunk| {
            digests.update(chunk);
            Ok(())
        },
    )?;
    Ok(digests.finish())
}

/// The digest of one part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartDigest {
    pub offset: u64,
    pub len: u64,
    pub sha256: [u8; 32],
    /// Only when asked for (Content-MD5 mode).
    pub md5: Option<[u8; 16]>,
}

/// A file cut into parts: the SHA-256 of the whole (to check it is still
/// the file that was hashed) and the digest of each part, in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    pub sha256: [u8; 32],
    pub size: u64,
    pub parts: Vec<PartDigest>,
}

/// Digest a file in parts of `part_size` bytes (the last may be shorter).
pub fn part_digests(path: &Path, part_size: u64, with_md5: bool) -> io::Result<Parts> {
    struct Open {
        offset: u64,
        len: u64,
        sha256: Sha256,
        md5: Option<Md5>,
    }
    let start = |offset| Open {
        offset,
        len: 0,
        sha256: Sha256::new(),
        md5: with_md5.then(Md5::new),
    };
    let finish = |p: Open| PartDigest {
        offset: p.offset,
        len: p.len,
        sha256: p.sha256.finalize().into(),
        md5: p.md5.map(|m| m.finalize().into()),
    };
    let mut whole = Sha256::new();
    let mut parts = Vec::new();
    let mut open = start(0);
    let size = crate::local::hash::for_each_chunk(
        &mut crate::local::regular::open(path)?,
        &mut crate::local::hash::chunk_buffer(),
        |mut chunk| {
            whole.update(chunk);
            while !chunk.is_empty() {
                if open.len == part_size {
                    let next = start(open.offset + open.len);
                    parts.push(finish(std::mem::replace(&mut open, next)));
                }
                let room = usize::try_from(part_size - open.len).unwrap_or(usize::MAX);
                let (head, rest) = chunk.split_at(chunk.len().min(room));
                open.sha256.update(head);
                if let Some(m) = &mut open.md5 {
                    m.update(head);
                }
                open.len += head.len() as u64;
                chunk = rest;
            }
            Ok(())
        },
    )?;
    if open.len > 0 || parts.is_empty() {
        parts.push(finish(open));
    }
    Ok(Parts {
        sha256: whole.finalize().into(),
        size,
        parts,
    })
}

/// SHA-256 and MD5 of bytes in memory.
pub fn digest_bytes(bytes: &[u8]) -> Digests {
    Digests {
        sha256: Sha256::digest(bytes).into(),
        md5: Md5::digest(bytes).into(),
        size: bytes.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_and_each_digest_is_its_slice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.bin");
        let bytes: Vec<u8> = (0..1_000_003u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let parts = part_digests(&path, 300_000, true).unwrap();
        assert_eq!(parts.size, bytes.len() as u64);
        assert_eq!(parts.sha256, digest_bytes(&bytes).sha256);
        let lens: Vec<u64> = parts.parts.iter().map(|p| p.len).collect();
        assert_eq!(lens, [300_000, 300_000, 300_000, 100_003]);
        for p in &parts.parts {
            let slice = &bytes[p.offset as usize..(p.offset + p.len) as usize];
            let d = digest_bytes(slice);
            assert_eq!((p.sha256, p.md5), (d.sha256, Some(d.md5)));
        }
        // An exact multiple has no empty last part; an empty file has one.
        let exact = part_digests(&path, 1_000_003, false).unwrap();
        assert_eq!(exact.parts.len(), 1);
        assert_eq!(exact.parts[0].md5, None);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(part_digests(&path, 10, false).unwrap().parts.len(), 1);
    }

    #[test]
    fn web_types_are_right() {
        for (path, expected) in [
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.mjs", "text/javascript; charset=utf-8"),
            ("a.css", "text/css; charset=utf-8"),
            ("a.svg", "image/svg+xml; charset=utf-8"),
            ("a.json", "application/json; charset=utf-8"),
            ("a.js.map", "application/json; charset=utf-8"),
            ("a.wasm", "application/wasm"),
            ("f.woff2", "font/woff2"),
            (
                "site.webmanifest",
                "application/manifest+json; charset=utf-8",
            ),
            ("index.html", "text/html; charset=utf-8"),
            ("img/a.PNG", "image/png"),
            ("noext", "application/octet-stream"),
            ("a.js.gz", "application/gzip"),
        ] {
            assert_eq!(content_type_for(path), expected, "{path}");
        }
    }

    #[test]
    fn precompressed_detection() {
        assert!(is_precompressed("app.js.gz", "application/gzip"));
        assert!(is_precompressed("a.br", "application/octet-stream"));
        assert!(is_precompressed("a.png", "image/png"));
        assert!(is_precompressed("f.woff2", "font/woff2"));
        assert!(!is_precompressed("a.css", "text/css; charset=utf-8"));
        assert!(!is_precompressed("a.svg", "image/svg+xml"));
        // TrueType and OpenType are not compressed; WOFF is.
        assert!(!is_precompressed("f.ttf", "font/ttf"));
        assert!(!is_precompressed("f.otf", "font/otf"));
        assert!(is_precompressed("f.woff", "font/woff"));
        assert!(!is_precompressed("favicon.ico", "image/x-icon"));
        assert!(!is_precompressed("app.wasm", "application/wasm"));
    }
}
