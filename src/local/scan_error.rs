//! Why a walk of the source stopped: each variant names the path at fault
//! and the fix. Its own file so that `links` (which decides about symbolic
//! links) and `scan` (which walks) share it without importing each other.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("source folder {} does not exist: set `source` in s3sync.toml or pass SOURCE (did the build run?)", crate::escape::path(.0))]
    Missing(PathBuf),
    #[error("source {} is a file, not a folder: point `source` at the folder to publish", crate::escape::path(.0))]
    NotADirectory(PathBuf),
    #[error("source folder {} has no files to publish (after hidden-file and include/exclude filters): did the build run? s3sync refuses to publish an empty tree", crate::escape::path(.0))]
    Empty(PathBuf),
    #[error("broken symbolic link {}: its target does not exist; fix or remove the link, or set `skip_broken_links = true`", crate::escape::path(.0))]
    BrokenLink(PathBuf),
    #[error(
        "symbolic link loop at {}: it points back to {}; remove the link or exclude it",
        crate::escape::path(.path),
        crate::escape::path(.ancestor)
    )]
    Loop { path: PathBuf, ancestor: PathBuf },
    #[error(
        "symbolic link {link} points outside the source folder, to {target}: s3sync publishes only what is inside the source. Copy the file into the source, or, if publishing it is deliberate, set `follow_symlinks = \"outside\"` under `[scan]` in s3sync.toml",
        link = crate::escape::path(.link),
        target = crate::escape::path(.target)
    )]
    Outside { link: PathBuf, target: PathBuf },
    #[error(
        "{link} leads to {target}, which is not a regular file or folder (a /proc, /sys or /dev entry, a device, FIFO or socket): s3sync never reads those, whatever `[scan] follow_symlinks` says; remove the link or exclude it",
        link = crate::escape::path(.link),
        target = crate::escape::path(.target)
    )]
    Special { link: PathBuf, target: PathBuf },
    #[error("{} is a device, not a regular file: s3sync never reads devices; remove it from the source or exclude it", crate::escape::path(.0))]
    Device(PathBuf),
    #[error("file name {} is not valid UTF-8: S3 keys are UTF-8, rename the file", crate::escape::path(.0))]
    NonUtf8(PathBuf),
    #[error("cannot read {}: {source}", crate::escape::path(.path))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", .0.join("; "))]
    Globs(Vec<String>),
}
