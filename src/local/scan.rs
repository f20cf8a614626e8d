//! Walk the source tree into a sorted list of files with `/` paths, applying
//! the hidden-file rule, include/exclude globs and the symlink rule
//! (`links`). Only regular files are listed: a FIFO or socket is skipped with
//! a warning, a device is an error, and nothing is read here.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::local::links::is_hidden;
pub use crate::local::scan_error::ScanError;

use crate::config::FilterSettings;
use crate::local::globs::GlobList;
use crate::local::links::{Links, Visit};

/// One file to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Slash path relative to the source, valid UTF-8.
    pub path: String,
    /// Where to read it: its real path when a symbolic link led to it.
    pub abs: PathBuf,
    pub size: u64,
    /// Size, times and inode, for the hash cache.
    pub stamp: Option<crate::local::cache::Stamp>,
}

/// The result of a scan: the files, sorted by path, and warnings for things
/// skipped on purpose.
#[derive(Debug, Default)]
pub struct Scan {
    pub files: Vec<LocalFile>,
    pub warnings: Vec<String>,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> ScanError + '_ {
    move |source| ScanError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The slash path of `path` relative to `source`, or the non-UTF-8 error.
fn slash_path(source: &Path, path: &Path) -> Result<String, ScanError> {
    let rel = path.strip_prefix(source).unwrap_or(path);
    let mut parts = Vec::new();
    for part in rel.components() {
        match part.as_os_str().to_str() {
            Some(s) => parts.push(s),
            None => return Err(ScanError::NonUtf8(path.to_path_buf())),
        }
    }
    Ok(parts.join("/"))
}

/// What a non-regular, non-folder entry met in the walk is: a skip with a
/// warning (FIFO, socket) or an error (device).
fn special(path: &Path, metadata: &std::fs::Metadata) -> Result<String, ScanError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let ft = metadata.file_type();
        if ft.is_block_device() || ft.is_char_device() {
            return Err(ScanError::Device(path.to_path_buf()));
        }
    }
    Ok(format!(
        "skipped {}: it is {}, not a regular file; s3sync reads only regular files",
        crate::escape::path(path),
        crate::local::regular::kind(metadata)
    ))
}

pub fn scan(source: &Path, filter: &FilterSettings) -> Result<Scan, ScanError> {
    match std::fs::metadata(source) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ScanError::Missing(source.to_path_buf()));
        }
        Err(e) => return Err(io_error(source)(e)),
        Ok(m) if !m.is_dir() => return Err(ScanError::NotADirectory(source.to_path_buf())),
        Ok(_) => {}
    }
    let root = std::fs::canonicalize(source).map_err(io_error(source))?;
    let include = GlobList::new(&filter.include).map_err(ScanError::Globs)?;
    let exclude = GlobList::new(&filter.exclude).map_err(ScanError::Globs)?;
    let mut links = Links::new(root, filter, &exclude);
    let mut out = Scan::default();
    let mut walker = WalkDir::new(source)
        .follow_links(links.follow())
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || e.file_name() != ".DS_Store"
                    && (filter.include_hidden || !is_hidden(e.file_name()))
        });
    while let Some(entry) = walker.next() {
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
                        out.warnings.push(format!(
                            "skipped broken symbolic link {}",
                            crate::escape::path(&path)
                        ));
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
        if entry.depth() == 0 {
            continue;
        }
        let is_dir = entry.file_type().is_dir();
        // The published path's filters come first, so excluding a path
        // also silences what the symlink rule would say about it.
        let path = if is_dir {
            // A folder whose every file `exclude` drops (`node_modules/**`)
            // is not walked at all, so a link there never matters.
            let dir = slash_path(source, entry.path())?;
            let wholly_excluded = ["s3sync-probe", "s3sync-probe/s3sync-probe"]
                .iter()
                .all(|below| exclude.is_match(&format!("{dir}/{below}")));
            if wholly_excluded {
                walker.skip_current_dir();
                continue;
            }
            String::new()
        } else {
            let path = slash_path(source, entry.path())?;
            if !include.is_empty() && !include.is_match(&path) || exclude.is_match(&path) {
                continue;
            }
            path
        };
        let real = match links.visit(&entry)? {
            Visit::Keep(real) => real,
            Visit::Skip(warning) => {
                out.warnings.push(warning);
                if is_dir {
                    walker.skip_current_dir();
                }
                continue;
            }
        };
        if is_dir {
            continue;
        }
        let metadata = entry.metadata().map_err(|e| {
            io_error(entry.path())(
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("stat failed")),
            )
        })?;
        if !metadata.is_file() {
            out.warnings.push(special(entry.path(), &metadata)?);
            continue;
        }
        out.files.push(LocalFile {
            path,
            abs: real.unwrap_or_else(|| entry.path().to_path_buf()),
            size: metadata.len(),
            stamp: crate::local::cache::Stamp::of(&metadata),
        });
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    if out.files.is_empty() {
        return Err(ScanError::Empty(source.to_path_buf()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
