//! Walk the source tree into a sorted list of files with `/` paths, applying
//! the hidden-file rule and include/exclude globs.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::FilterSettings;
use crate::globs::GlobList;

/// One file to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Slash path relative to the source, valid UTF-8.
    pub path: String,
    /// Where to read it (symlinks are followed when read).
    pub abs: PathBuf,
    pub size: u64,
    /// Size, times and inode, for the hash cache.
    pub stamp: Option<crate::cache::Stamp>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(
        "source folder {0} does not exist: set `source` in s3sync.toml or pass SOURCE (did the build run?)"
    )]
    Missing(PathBuf),
    #[error("source {0} is a file, not a folder: point `source` at the folder to publish")]
    NotADirectory(PathBuf),
    #[error(
        "source folder {0} has no files to publish (after hidden-file and include/exclude filters): did the build run? s3sync refuses to publish an empty tree"
    )]
    Empty(PathBuf),
    #[error(
        "broken symbolic link {0}: its target does not exist; fix or remove the link, or set `skip_broken_links = true`"
    )]
    BrokenLink(PathBuf),
    #[error(
        "symbolic link loop at {path}: it points back to {ancestor}; remove the link or exclude it"
    )]
    Loop { path: PathBuf, ancestor: PathBuf },
    #[error("file name {0} is not valid UTF-8: S3 keys are UTF-8, rename the file")]
    NonUtf8(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", .0.join("; "))]
    Globs(Vec<String>),
}

/// The result of a scan: the files, sorted by path, and warnings for things
/// skipped on purpose.
#[derive(Debug, Default)]
pub struct Scan {
    pub files: Vec<LocalFile>,
    pub warnings: Vec<String>,
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

pub fn scan(source: &Path, filter: &FilterSettings) -> Result<Scan, ScanError> {
    match std::fs::metadata(source) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ScanError::Missing(source.to_path_buf()));
        }
        Err(e) => {
            return Err(ScanError::Io {
                path: source.to_path_buf(),
                source: e,
            });
        }
        Ok(m) if !m.is_dir() => return Err(ScanError::NotADirectory(source.to_path_buf())),
        Ok(_) => {}
    }
    let include = GlobList::new(&filter.include).map_err(ScanError::Globs)?;
    let exclude = GlobList::new(&filter.exclude).map_err(ScanError::Globs)?;
    let mut out = Scan::default();
    let walker = WalkDir::new(source)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || e.file_name() != ".DS_Store"
                    && (filter.include_hidden || !is_hidden(e.file_name()))
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(source).to_path_buf();
                if let Some(ancestor) = e.loop_ancestor() {
                    return Err(ScanError::Loop {
                        path,
                        ancestor: ancestor.to_path_buf(),
                    });
                }
                let broken = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink())
                    && std::fs::metadata(&path).is_err();
                if broken {
                    if filter.skip_broken_links {
                        out.warnings
                            .push(format!("skipped broken symbolic link {}", path.display()));
                        continue;
                    }
                    return Err(ScanError::BrokenLink(path));
                }
                let source = e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk failed"));
                return Err(ScanError::Io { path, source });
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(source)
            .expect("walkdir yields paths under the root");
        let mut parts = Vec::new();
        for part in rel.components() {
            match part.as_os_str().to_str() {
                Some(s) => parts.push(s),
                None => return Err(ScanError::NonUtf8(entry.path().to_path_buf())),
            }
        }
        let path = parts.join("/");
        if !include.is_empty() && !include.is_match(&path) || exclude.is_match(&path) {
            continue;
        }
        let metadata = entry.metadata().map_err(|e| ScanError::Io {
            path: entry.path().to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("stat failed")),
        })?;
        out.files.push(LocalFile {
            path,
            abs: entry.path().to_path_buf(),
            size: metadata.len(),
            stamp: crate::cache::Stamp::of(&metadata),
        });
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    if out.files.is_empty() {
        return Err(ScanError::Empty(source.to_path_buf()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GlobSpec;
    use std::fs;

    fn filter(include: &[&str], exclude: &[&str]) -> FilterSettings {
        let spec = |p: &&str| GlobSpec {
            pattern: (*p).into(),
            origin: "test".into(),
        };
        FilterSettings {
            include: include.iter().map(spec).collect(),
            exclude: exclude.iter().map(spec).collect(),
            include_hidden: false,
            skip_broken_links: false,
        }
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, f.as_bytes()).unwrap();
        }
        dir
    }

    fn paths(scan: &Scan) -> Vec<&str> {
        scan.files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn sorted_slash_paths_without_hidden_files() {
        let dir = tree(&[
            "b.css",
            "a/z.js",
            "a-b/c.js",
            ".env",
            ".git/config",
            "a/.DS_Store",
        ]);
        let s = scan(dir.path(), &filter(&[], &[])).unwrap();
        assert_eq!(paths(&s), ["a-b/c.js", "a/z.js", "b.css"]);
        assert_eq!(s.files[2].size, 5);
    }

    #[test]
    fn include_and_exclude_globs() {
        let dir = tree(&["css/a.css", "css/a.css.map", "js/b.js", "drafts/x.html"]);
        let s = scan(dir.path(), &filter(&["css/**", "js/**"], &["*.map"])).unwrap();
        assert_eq!(paths(&s), ["css/a.css", "js/b.js"]);
    }

    #[test]
    fn hidden_files_can_be_included_but_ds_store_never() {
        let dir = tree(&[".well-known/security.txt", ".DS_Store", "index.html"]);
        let mut f = filter(&[], &[]);
        f.include_hidden = true;
        let s = scan(dir.path(), &f).unwrap();
        assert_eq!(paths(&s), [".well-known/security.txt", "index.html"]);
    }

    #[test]
    fn missing_file_and_empty_sources_are_named() {
        let dir = tree(&["x.txt"]);
        let missing = dir.path().join("nope");
        let err = scan(&missing, &filter(&[], &[])).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = scan(&dir.path().join("x.txt"), &filter(&[], &[])).unwrap_err();
        assert!(err.to_string().contains("is a file"), "{err}");
        let err = scan(dir.path(), &filter(&[], &["*.txt"])).unwrap_err();
        assert!(err.to_string().contains("no files to publish"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_followed_broken_and_loops_named() {
        let dir = tree(&["real/a.css"]);
        std::os::unix::fs::symlink(dir.path().join("real/a.css"), dir.path().join("link.css"))
            .unwrap();
        let s = scan(dir.path(), &filter(&[], &[])).unwrap();
        assert_eq!(paths(&s), ["link.css", "real/a.css"]);

        std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("broken.css")).unwrap();
        let err = scan(dir.path(), &filter(&[], &[])).unwrap_err();
        assert!(
            matches!(err, ScanError::BrokenLink(ref p) if p.ends_with("broken.css")),
            "{err}"
        );
        let mut f = filter(&[], &[]);
        f.skip_broken_links = true;
        let s = scan(dir.path(), &f).unwrap();
        assert_eq!(s.warnings.len(), 1);

        fs::remove_file(dir.path().join("broken.css")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("real/loop")).unwrap();
        let err = scan(dir.path(), &filter(&[], &[])).unwrap_err();
        assert!(matches!(err, ScanError::Loop { .. }), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn non_utf8_names_are_refused() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tree(&["ok.txt"]);
        let name = std::ffi::OsStr::from_bytes(b"bad\xff.txt");
        fs::write(dir.path().join(name), b"x").unwrap();
        let err = scan(dir.path(), &filter(&[], &[])).unwrap_err();
        assert!(matches!(err, ScanError::NonUtf8(_)), "{err}");
    }
}
