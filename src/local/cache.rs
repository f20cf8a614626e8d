//! The local hash cache: for laptop re-runs, the SHA-256 of each source
//! file keyed by what the filesystem says about it (size, mtime, ctime,
//! inode, device). A file is re-hashed whenever any of these differ, so a
//! wrong or stale cache costs time, never a missed change:
//!
//! - any write changes mtime and ctime (ctime cannot be set back by a user,
//!   unlike mtime with `touch -d`); a replaced file has a new inode;
//! - a file whose mtime is within `RACY_NS` of the moment the cache was
//!   written is not trusted (it may have changed again within the same
//!   timestamp tick: git's "racily clean" problem);
//! - an unreadable, truncated or foreign cache file is ignored.
//!
//! One JSON file per source folder under the cache folder (see
//! `Settings::hash_cache`), written atomically after each scan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const CACHE_VERSION: u32 = 1;
/// Files modified this close to the cache write are hashed again next time.
const RACY_NS: i64 = 2_000_000_000;

/// What the filesystem says about a file, without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub dev: u64,
}

impl Stamp {
    /// `None` where the platform gives no ctime and inode (then nothing is
    /// cached).
    #[cfg(unix)]
    pub fn of(m: &std::fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        Some(Self {
            size: m.len(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
            ino: m.ino(),
            dev: m.dev(),
        })
    }

    #[cfg(not(unix))]
    pub fn of(_: &std::fs::Metadata) -> Option<Self> {
        None
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    version: u32,
    /// The source folder the entries belong to.
    source: PathBuf,
    /// When the cache was written (ns since the epoch).
    written_ns: i64,
    /// (path relative to the source, stamp, SHA-256 hex)
    entries: Vec<(String, Stamp, String)>,
}

/// The cache as loaded: lookups only.
#[derive(Debug, Default)]
pub struct HashCache {
    entries: HashMap<String, (Stamp, [u8; 32])>,
    written_ns: i64,
}

impl HashCache {
    /// The cache file for `source` in `dir`.
    pub fn file_for(dir: &Path, source: &Path) -> PathBuf {
        let digest = Sha256::digest(source.as_os_str().as_encoded_bytes());
        dir.join(format!("hashes-{}.json", &hex::encode(digest)[..16]))
    }

    /// Load the cache for `source`; anything unusable gives an empty cache.
    pub fn load(file: &Path, source: &Path) -> Self {
        let Ok(bytes) = std::fs::read(file) else {
            return Self::default();
        };
        let Ok(stored) = serde_json::from_slice::<Stored>(&bytes) else {
            return Self::default();
        };
        if stored.version != CACHE_VERSION || stored.source != source {
            return Self::default();
        }
        let entries = stored
            .entries
            .into_iter()
            .filter_map(|(path, stamp, hex)| {
                let mut sha = [0u8; 32];
                hex::decode_to_slice(hex, &mut sha).ok()?;
                Some((path, (stamp, sha)))
            })
            .collect();
        Self {
            entries,
            written_ns: stored.written_ns,
        }
    }

    /// The cached SHA-256 of `path`, if its stamp is unchanged and was old
    /// enough when the cache was written to be trusted.
    pub fn lookup(&self, path: &str, stamp: &Stamp) -> Option<[u8; 32]> {
        let (cached, sha) = self.entries.get(path)?;
        (cached == stamp && stamp.mtime_ns < self.written_ns.saturating_sub(RACY_NS))
            .then_some(*sha)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Write the cache for `source` (replacing the old one). Failure to write
/// a cache only costs the next run time, so it is reported, not fatal.
pub fn save(
    file: &Path,
    source: &Path,
    entries: Vec<(String, Stamp, [u8; 32])>,
) -> std::io::Result<()> {
    let written_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    let stored = Stored {
        version: CACHE_VERSION,
        source: source.to_path_buf(),
        written_ns,
        entries: entries
            .into_iter()
            .map(|(p, s, sha)| (p, s, hex::encode(sha)))
            .collect(),
    };
    let dir = file.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer(std::io::BufWriter::new(&mut tmp), &stored)?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(mtime_ns: i64) -> Stamp {
        Stamp {
            size: 3,
            mtime_ns,
            ctime_ns: mtime_ns,
            ino: 7,
            dev: 1,
        }
    }

    #[test]
    fn a_hit_needs_every_field_equal_and_an_old_enough_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let file = HashCache::file_for(dir.path(), Path::new("/src"));
        let old = stamp(1_000_000_000);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        let fresh = stamp(now);
        save(
            &file,
            Path::new("/src"),
            vec![
                ("a.css".into(), old, [1; 32]),
                ("new.css".into(), fresh, [2; 32]),
            ],
        )
        .unwrap();
        let cache = HashCache::load(&file, Path::new("/src"));
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.lookup("a.css", &old), Some([1; 32]));
        for changed in [
            Stamp { size: 4, ..old },
            Stamp {
                mtime_ns: old.mtime_ns + 1,
                ..old
            },
            Stamp {
                ctime_ns: old.ctime_ns + 1,
                ..old
            },
            Stamp { ino: 8, ..old },
            Stamp { dev: 2, ..old },
        ] {
            assert_eq!(cache.lookup("a.css", &changed), None, "{changed:?}");
        }
        assert_eq!(cache.lookup("new.css", &fresh), None, "racily clean");
        assert_eq!(cache.lookup("gone.css", &old), None);
        // Another source folder, or garbage, gives an empty cache.
        assert!(HashCache::load(&file, Path::new("/other")).is_empty());
        std::fs::write(&file, b"{ truncated").unwrap();
        assert!(HashCache::load(&file, Path::new("/src")).is_empty());
    }
}
