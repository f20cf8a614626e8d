//! The bytes of a compressed object: a file compressed with gzip or brotli,
//! deterministically (the same file gives the same bytes on every run and
//! every machine, however it is read), spooled to memory or, when large, to
//! a temporary file. Both the upload and the ETag a listing is checked
//! against come from here, so they are always the same bytes.

use std::io::{self, Write};
use std::path::Path;

use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};

use super::{Digester, Digests};
use crate::config::Encoding;

/// Compressed output larger than this is spooled to a temporary file
/// instead of memory.
pub const MAX_MEMORY: usize = 16 * 1024 * 1024;

/// Brotli quality (0–11): fixed, so the bytes of a file never depend on
/// anything but the file. On the benchmark corpus (scripts/bench/gzip.sh,
/// CPU time against gzip -9 through zlib-rs) 6 is 9% smaller in 1.3 times
/// the time; 9 is 11% smaller in 5.9 times, 11 19% smaller in 48 times.
pub const BROTLI_QUALITY: i32 = 6;
/// Brotli window: 4 MiB, the format's default (decoders need no more).
const BROTLI_WINDOW: i32 = 22;
/// The brotli encoder's output buffer.
const BROTLI_BUFFER: usize = 64 * 1024;

/// How a file is compressed: the codec of an [`Encoding`] that compresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Gzip { level: u32 },
    Brotli,
}

impl Codec {
    /// The codec of `encoding` (`None`: stored as it is).
    pub fn of(encoding: Encoding, gzip_level: u32) -> Option<Self> {
        match encoding {
            Encoding::Gzip => Some(Self::Gzip { level: gzip_level }),
            Encoding::Br => Some(Self::Brotli),
            Encoding::None => None,
        }
    }
}

/// Where compressed bytes live until they are uploaded: memory for small
/// results, a temporary file beyond `max_memory` so a large text file never
/// sits whole in memory.
#[derive(Debug)]
pub enum Spool {
    Memory(Vec<u8>),
    File(tempfile::NamedTempFile),
}

/// Collects the encoder's output and its digests. The first write error is
/// kept: the brotli encoder drops the errors of its last writes.
struct SpoolWriter {
    spool: Spool,
    max_memory: usize,
    digests: Digester,
    error: Option<io::Error>,
}

impl SpoolWriter {
    fn push(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.spool {
            Spool::Memory(v) if v.len() + buf.len() > self.max_memory => {
                let mut file = tempfile::NamedTempFile::new()?;
                file.write_all(v)?;
                file.write_all(buf)?;
                self.spool = Spool::File(file);
            }
            Spool::Memory(v) => v.extend_from_slice(buf),
            Spool::File(f) => f.write_all(buf)?,
        }
        self.digests.update(buf);
        Ok(())
    }

    /// The spool and digests, or the first error a write met.
    fn finish(self) -> io::Result<(Spool, Digests)> {
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.spool, self.digests.finish())),
        }
    }
}

impl Write for SpoolWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(e) = &self.error {
            return Err(io::Error::new(e.kind(), e.to_string()));
        }
        match self.push(buf) {
            Ok(()) => Ok(buf.len()),
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                self.error = Some(e);
                Err(copy)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.spool {
            Spool::Memory(_) => Ok(()),
            Spool::File(f) => f.flush(),
        }
    }
}

/// The compressed bytes of a file, the SHA-256 of the *source* bytes read
/// (to detect a file that changed since it was hashed) and the digests of
/// the result.
#[derive(Debug)]
pub struct Encoded {
    pub spool: Spool,
    pub source_sha256: [u8; 32],
    pub digests: Digests,
}

/// Compress a file. Gzip: no file name, zero mtime, fixed level and OS
/// byte. Brotli: fixed quality and window, portable float maths (the
/// crate's `portable-float`), so no machine's libm changes a byte.
pub fn compress_file(path: &Path, codec: Codec, max_memory: usize) -> io::Result<Encoded> {
    let mut input = crate::local::regular::open(path)?;
    let writer = SpoolWriter {
        spool: Spool::Memory(Vec::new()),
        max_memory,
        digests: Digester::default(),
        error: None,
    };
    let mut source_hash = Sha256::new();
    let mut feed = |encoder: &mut dyn Write| {
        crate::local::hash::for_each_chunk(
            &mut input,
            &mut crate::local::hash::chunk_buffer(),
            |chunk| {
                source_hash.update(chunk);
                encoder.write_all(chunk)
            },
        )
    };
    let writer = match codec {
        Codec::Gzip { level } => {
            let mut encoder = GzBuilder::new()
                .mtime(0)
                .operating_system(255)
                .write(writer, Compression::new(level));
            feed(&mut encoder)?;
            encoder.finish()?
        }
        Codec::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: BROTLI_QUALITY,
                lgwin: BROTLI_WINDOW,
                ..brotli::enc::BrotliEncoderParams::default()
            };
            let mut encoder = brotli::CompressorWriter::with_params(writer, BROTLI_BUFFER, &params);
            feed(&mut encoder)?;
            // Finishes the stream; a failed write is kept in the writer.
            encoder.into_inner()
        }
    };
    let (spool, digests) = writer.finish()?;
    Ok(Encoded {
        spool,
        source_sha256: source_hash.finalize().into(),
        digests,
    })
}

#[cfg(test)]
mod tests;
