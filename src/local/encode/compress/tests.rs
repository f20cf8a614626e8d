//! Compressed bytes: deterministic whatever the chunks they are fed in,
//! decoding to the source, spilling to disk when large.

use std::io::{Read, Write};

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

use super::*;

fn text() -> String {
    (0..20_000)
        .map(|i| {
            format!(
                "body .c{i} {{ color: #{:06x}; margin: {}px }}\n",
                i * 7919,
                i % 13
            )
        })
        .collect()
}

fn bytes(e: Encoded) -> Vec<u8> {
    match e.spool {
        Spool::Memory(v) => v,
        Spool::File(f) => std::fs::read(f.path()).unwrap(),
    }
}

fn decode(codec: Codec, compressed: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match codec {
        Codec::Gzip { .. } => {
            GzDecoder::new(compressed).read_to_end(&mut out).unwrap();
        }
        Codec::Brotli => {
            brotli::Decompressor::new(compressed, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
    }
    out
}

#[test]
fn gzip_is_deterministic_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.css");
    let body = "body { color: red; }\n".repeat(1000);
    std::fs::write(&path, &body).unwrap();
    let codec = Codec::Gzip { level: 9 };
    let a = compress_file(&path, codec, 1 << 20).unwrap();
    // A different mtime must not change the bytes.
    std::fs::write(&path, &body).unwrap();
    let b = compress_file(&path, codec, 1 << 20).unwrap();
    assert_eq!(a.digests, b.digests);
    assert_eq!(
        a.source_sha256,
        <[u8; 32]>::from(Sha256::digest(body.as_bytes()))
    );
    let bytes = bytes(a);
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "mtime must be zero");
    assert_eq!(bytes[3] & 0x08, 0, "no file name");
    assert_eq!(decode(codec, &bytes), body.as_bytes());
}

#[test]
fn brotli_is_deterministic_smaller_than_gzip_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.css");
    let body = text();
    std::fs::write(&path, &body).unwrap();
    let a = compress_file(&path, Codec::Brotli, 1 << 30).unwrap();
    let b = compress_file(&path, Codec::Brotli, 1 << 30).unwrap();
    assert_eq!(a.digests, b.digests, "same file, same bytes");
    let gzip = compress_file(&path, Codec::Gzip { level: 9 }, 1 << 30).unwrap();
    assert!(
        a.digests.size < gzip.digests.size,
        "br {} < gzip {}",
        a.digests.size,
        gzip.digests.size
    );
    let digests = a.digests.clone();
    let out = bytes(a);
    assert_eq!(crate::local::encode::digest_bytes(&out), digests);
    assert_eq!(decode(Codec::Brotli, &out), body.as_bytes());
}

/// What `compress_file` makes of `input` fed in pieces of `piece` bytes.
fn fed_in_pieces(codec: Codec, input: &[u8], piece: usize) -> Vec<u8> {
    match codec {
        Codec::Gzip { level } => {
            let mut e = GzBuilder::new()
                .mtime(0)
                .operating_system(255)
                .write(Vec::new(), Compression::new(level));
            for c in input.chunks(piece) {
                e.write_all(c).unwrap();
            }
            e.finish().unwrap()
        }
        Codec::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: BROTLI_QUALITY,
                lgwin: BROTLI_WINDOW,
                ..brotli::enc::BrotliEncoderParams::default()
            };
            let mut e = brotli::CompressorWriter::with_params(Vec::new(), BROTLI_BUFFER, &params);
            for c in input.chunks(piece) {
                e.write_all(c).unwrap();
            }
            e.into_inner()
        }
    }
}

#[test]
fn the_bytes_do_not_depend_on_how_the_file_is_read() {
    // A read may return fewer bytes than asked: the output must not change.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.js");
    let body = text().repeat(3);
    std::fs::write(&path, &body).unwrap();
    for codec in [Codec::Gzip { level: 9 }, Codec::Brotli] {
        let whole = bytes(compress_file(&path, codec, 1 << 30).unwrap());
        for piece in [1_000, 65_536, 300_001] {
            assert!(
                fed_in_pieces(codec, body.as_bytes(), piece) == whole,
                "{codec:?} in pieces of {piece}"
            );
        }
    }
}

#[test]
fn large_output_spills_to_disk_for_both_codecs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.js");
    // Incompressible-ish content so the output exceeds the small limit.
    let body: Vec<u8> = (0..200_000u32)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .collect();
    std::fs::write(&path, &body).unwrap();
    for codec in [Codec::Gzip { level: 1 }, Codec::Brotli] {
        let e = compress_file(&path, codec, 64 * 1024).unwrap();
        let Spool::File(file) = &e.spool else {
            panic!("{codec:?}: output over max_memory must spill to a file")
        };
        assert_eq!(
            file.as_file().metadata().unwrap().len(),
            e.digests.size,
            "{codec:?}"
        );
        assert_eq!(decode(codec, &bytes(e)), body, "{codec:?}");
    }
}

#[test]
fn codecs_follow_the_encoding() {
    assert_eq!(Codec::of(Encoding::Gzip, 6), Some(Codec::Gzip { level: 6 }));
    assert_eq!(Codec::of(Encoding::Br, 6), Some(Codec::Brotli));
    assert_eq!(Codec::of(Encoding::None, 6), None);
}
