//! `gzip-bench TREE MODE…`: compress every compressible file under TREE
//! with each MODE and print one line per mode: files, bytes in, bytes out,
//! CPU seconds (user + system, from /proc: the machine is shared, so wall
//! time says more about the neighbours), wall seconds. MODEs: `flate2-L` (the backend this build was made with),
//! `libdeflate-L`, `br-Q`. Output must round-trip (checked for flate2 and
//! br) and be the same on a second pass (checked for every mode).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Extensions whose types are on s3sync's default compression list.
const TEXT: &[&str] = &[
    "css", "js", "mjs", "cjs", "svg", "html", "htm", "json", "map", "xml", "txt", "webmanifest",
    "wasm", "ico", "ttf", "otf", "csv", "md",
];
/// What s3sync writes per call: its read chunk.
const CHUNK: usize = 256 * 1024;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        let p = e.path();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            walk(&p, out);
        } else if t.is_file()
            && p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| TEXT.contains(&x.to_ascii_lowercase().as_str()))
        {
            out.push(p);
        }
    }
}

/// CPU seconds this process has used (Linux: /proc/self/stat, 100 Hz).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which ends at the last ')').
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

fn flate2(input: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::new(level));
    for c in input.chunks(CHUNK) {
        enc.write_all(c).unwrap();
    }
    enc.finish().unwrap()
}

#[cfg(feature = "libdeflate")]
fn libdeflate(input: &[u8], level: i32) -> Vec<u8> {
    let mut c =
        libdeflater::Compressor::new(libdeflater::CompressionLvl::new(level).unwrap());
    let mut out = vec![0; c.gzip_compress_bound(input.len())];
    let n = c.gzip_compress(input, &mut out).unwrap();
    out.truncate(n);
    out
}

#[cfg(not(feature = "libdeflate"))]
fn libdeflate(_: &[u8], _: i32) -> Vec<u8> {
    panic!("built without --features libdeflate")
}

fn brotli(input: &[u8], quality: u32) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: quality as i32,
        lgwin: 22,
        ..Default::default()
    };
    let mut w = brotli::CompressorWriter::with_params(Vec::new(), CHUNK, &params);
    for c in input.chunks(CHUNK) {
        w.write_all(c).unwrap();
    }
    w.into_inner()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (tree, modes) = args.split_first().expect("usage: gzip-bench TREE MODE…");
    let mut paths = Vec::new();
    walk(Path::new(tree), &mut paths);
    let files: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let bytes_in: usize = files.iter().map(Vec::len).sum();
    for mode in modes {
        let (kind, level) = mode.rsplit_once('-').expect("MODE is KIND-LEVEL");
        let level: u32 = level.parse().expect("a numeric level");
        let run = |f: &[u8]| match kind {
            "flate2" => flate2(f, level),
            "libdeflate" => libdeflate(f, level as i32),
            "br" => brotli(f, level),
            _ => panic!("unknown mode {mode}"),
        };
        let start = Instant::now();
        let cpu = cpu_seconds();
        let outs: Vec<Vec<u8>> = files.iter().map(|f| run(f)).collect();
        let cpu = cpu_seconds() - cpu;
        let secs = start.elapsed().as_secs_f64();
        let bytes_out: usize = outs.iter().map(Vec::len).sum();
        // Determinism and round trip on a sample (every 7th file).
        for (i, (f, o)) in files.iter().zip(&outs).enumerate().step_by(7) {
            assert_eq!(&run(f), o, "{mode}: not deterministic on {}", paths[i].display());
            let mut back = Vec::new();
            if kind == "br" {
                brotli::BrotliDecompress(&mut &o[..], &mut back).unwrap();
            } else {
                use std::io::Read;
                flate2::read::GzDecoder::new(&o[..]).read_to_end(&mut back).unwrap();
            }
            assert!(back == *f, "{mode}: round trip failed on {}", paths[i].display());
        }
        println!(
            "{mode}\t{}\t{bytes_in}\t{bytes_out}\t{cpu:.2}\t{secs:.2}",
            files.len()
        );
    }
}
