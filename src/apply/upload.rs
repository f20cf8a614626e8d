//! Turn one source file into an [`Upload`]: read it (small files), compress
//! it (gzip or brotli, spooled to a temporary file when large), or stream it
//! from disk, and
//! refuse a file that changed since it was hashed. A redirect's upload is
//! its empty body.

use std::path::Path;

use crate::config::{ChecksumMode, Encoding};
use crate::local::Source;
use crate::local::encode::{self, Spool};
use crate::record::manifest::{Entry, Headers};
use crate::store::{Body, Upload};

/// Files up to this size are read into memory to upload (and re-hashed on
/// the way, so a file changed since hashing is caught locally).
const IN_MEMORY_LIMIT: u64 = 8 * 1024 * 1024;

/// How upload bodies are made.
pub struct UploadOptions {
    pub gzip_level: u32,
    /// Compressed output above this spills to a temporary file.
    pub max_memory: usize,
    pub checksum: ChecksumMode,
    /// Files above this go in parts (see `store::s3`).
    pub multipart_threshold: u64,
}

/// An upload ready to send.
pub(super) struct SourceUpload {
    pub(super) upload: Upload,
    /// Bytes compression saved.
    pub(super) gzip_saved: u64,
    /// The temporary file compression spilled to, if it did: it must outlive the
    /// upload.
    pub(super) spill: Option<tempfile::NamedTempFile>,
}

/// The upload of `source` for `key`, which was hashed as `local`: a file
/// read, checked and (if configured) compressed, or the empty body of a
/// redirect.
pub(super) fn read_upload(
    key: &str,
    local: &Entry,
    source: &Source,
    options: &UploadOptions,
) -> Result<SourceUpload, String> {
    match source {
        Source::File { abs, encoding } => read_file(key, local, abs, *encoding, options),
        Source::Empty => Ok(SourceUpload {
            upload: Upload::from_bytes(key, Vec::new(), local.headers.clone()),
            gzip_saved: 0,
            spill: None,
        }),
    }
}

/// Read, check and (as `encoding` says) compress the file `abs` for `key`.
fn read_file(
    key: &str,
    local: &Entry,
    abs: &Path,
    encoding: Encoding,
    options: &UploadOptions,
) -> Result<SourceUpload, String> {
    let changed = || {
        format!(
            "{} changed after it was hashed; nothing was uploaded for it, rerun the push",
            crate::escape::path(abs)
        )
    };
    let read_error = |e: std::io::Error| format!("cannot read {}: {e}", crate::escape::path(abs));
    let upload = |body, digests: &encode::Digests, headers: &Headers| Upload {
        key: key.to_string(),
        body,
        size: digests.size,
        headers: headers.clone(),
        sha256: digests.sha256,
        md5: Some(digests.md5),
    };
    if let Some(codec) = encode::Codec::of(encoding, options.gzip_level) {
        let g = encode::compress_file(abs, codec, options.max_memory).map_err(read_error)?;
        if hex::encode(g.source_sha256) != local.sha256 {
            return Err(changed());
        }
        let gzip_saved = local.size.saturating_sub(g.digests.size);
        return Ok(match g.spool {
            Spool::Memory(v) => SourceUpload {
                upload: upload(Body::Bytes(v.into()), &g.digests, &local.headers),
                gzip_saved,
                spill: None,
            },
            Spool::File(tmp) => SourceUpload {
                upload: upload(
                    Body::File(tmp.path().to_path_buf()),
                    &g.digests,
                    &local.headers,
                ),
                gzip_saved,
                spill: Some(tmp),
            },
        });
    }
    if local.size <= IN_MEMORY_LIMIT {
        use std::io::Read as _;
        // Regular files only; never more than the hashed size plus one
        // byte (a file that grew is refused below).
        let mut bytes = Vec::new();
        crate::local::regular::open(abs)
            .and_then(|f| f.take(local.size.saturating_add(1)).read_to_end(&mut bytes))
            .map_err(read_error)?;
        let digests = encode::digest_bytes(&bytes);
        if hex::encode(digests.sha256) != local.sha256 {
            return Err(changed());
        }
        return Ok(SourceUpload {
            upload: upload(Body::Bytes(bytes.into()), &digests, &local.headers),
            gzip_saved: 0,
            spill: None,
        });
    }
    // Large files stream from disk; the server checks the SHA-256 recorded
    // when the tree was hashed, so a file that changed since is refused.
    let mut sha256 = [0u8; 32];
    hex::decode_to_slice(&local.sha256, &mut sha256).map_err(|e| e.to_string())?;
    // Content-MD5 of the whole file is only sent with a single PUT; above
    // the multipart threshold each part carries its own (and the whole
    // file's SHA-256 is checked there), so the file is not read twice.
    let md5 = if options.checksum == ChecksumMode::WhenRequired
        && local.size <= options.multipart_threshold
    {
        let d = encode::digest_file(abs).map_err(read_error)?;
        if d.sha256 != sha256 {
            return Err(changed());
        }
        Some(d.md5)
    } else {
        // The store opens the path itself: check here that it still is a
        // regular file (not a FIFO, device or link swapped in since).
        crate::local::regular::open(abs).map_err(read_error)?;
        None
    };
    Ok(SourceUpload {
        upload: Upload {
            key: key.to_string(),
            body: Body::File(abs.to_path_buf()),
            size: local.size,
            headers: local.headers.clone(),
            sha256,
            md5,
        },
        gzip_saved: 0,
        spill: None,
    })
}
