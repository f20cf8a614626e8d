//! Streaming, parallel SHA-256 of source files. Files are read in fixed-size
//! chunks (never whole), on one thread per core, and only while they are
//! still the regular file the scan stamped (`regular::open_checked`).

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

use crate::local::cache::Stamp;

const CHUNK: usize = 256 * 1024;

/// SHA-256 and the number of bytes actually read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHash {
    pub sha256: [u8; 32],
    pub size: u64,
}

impl FileHash {
    pub fn hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// Feed a reader to `f` in chunks of `buf`'s size (retrying interrupted
/// reads); returns the number of bytes read. Nothing is read whole.
pub fn for_each_chunk(
    reader: &mut impl Read,
    buf: &mut [u8],
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<u64> {
    let mut size = 0u64;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => return Ok(size),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        f(&buf[..n])?;
        size += n as u64;
    }
}

/// A read buffer of the size every streaming pass uses.
pub fn chunk_buffer() -> Vec<u8> {
    vec![0u8; CHUNK]
}

/// Hash one file; with a `stamp`, only if it is still the file stamped.
pub fn hash_file(
    path: &Path,
    stamp: Option<&Stamp>,
    buf: &mut [u8],
    on_bytes: &(dyn Fn(u64) + Sync),
) -> io::Result<FileHash> {
    let mut hasher = Sha256::new();
    let mut file = crate::local::regular::open_checked(path, stamp)?;
    let size = for_each_chunk(&mut file, buf, |chunk| {
        hasher.update(chunk);
        on_bytes(chunk.len() as u64);
        Ok(())
    })?;
    Ok(FileHash {
        sha256: hasher.finalize().into(),
        size,
    })
}

/// Apply `f` to every item on `threads` threads (each with its own state
/// from `init`, e.g. a read buffer); results are in input order.
pub fn parallel_map<T: Sync, R: Send, S>(
    items: &[T],
    threads: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, items.len().max(1));
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut state = init();
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(&mut state, item)));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            for (i, result) in worker.join().expect("worker panicked") {
                results[i] = Some(result);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every item is processed once"))
        .collect()
}

/// Hash every (path, scan stamp) on `threads` threads; results are in
/// input order. `on_bytes` is called as bytes are read (for progress).
pub fn hash_all(
    files: &[(&Path, Option<Stamp>)],
    threads: usize,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Vec<io::Result<FileHash>> {
    parallel_map(files, threads, chunk_buffer, |buf, (path, stamp)| {
        hash_file(path, stamp.as_ref(), buf, on_bytes)
    })
}

/// Threads to hash with: one per available core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_known_digest_in_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for i in 0..20 {
            let p = dir.path().join(format!("f{i}"));
            std::fs::write(
                &p,
                if i == 7 {
                    b"abc".to_vec()
                } else {
                    vec![i as u8; 300_000]
                },
            )
            .unwrap();
            paths.push(p);
        }
        let total = AtomicUsize::new(0);
        let files: Vec<(&Path, Option<Stamp>)> =
            paths.iter().map(|p| (p.as_path(), None)).collect();
        let results = hash_all(&files, 4, &|n| {
            total.fetch_add(n as usize, Ordering::Relaxed);
        });
        let seven = results[7].as_ref().unwrap();
        assert_eq!(
            seven.hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(seven.size, 3);
        assert_eq!(results[0].as_ref().unwrap().size, 300_000);
        assert_eq!(total.load(Ordering::Relaxed), 19 * 300_000 + 3);
    }

    #[test]
    fn unreadable_file_is_an_error_in_place() {
        let results = hash_all(&[(Path::new("/nonexistent/x"), None)], 2, &|_| {});
        assert!(results[0].is_err());
    }
}
