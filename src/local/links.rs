//! The symlink rule: what a symbolic link in the source may lead to.
//!
//! - A link is followed only when its real (canonical) path is inside the
//!   (canonical) source root; a link out of the source is an error
//!   ([`ScanError::Outside`]) unless `[scan] follow_symlinks = "outside"`;
//!   with `"never"` every link is skipped with a warning.
//! - Whatever the setting, a link never leads to anything but a regular file
//!   or a folder, nor anywhere under `/proc`, `/sys` or `/dev` (whose files
//!   claim to be regular): [`ScanError::Special`].
//! - The hidden-file rule and the exclude globs apply to the real path as
//!   well as to the path the file is published under: for a real path
//!   inside the source, to every name of its source-relative path; for one
//!   outside (allowed by `"outside"`), the hidden rule to the name the link
//!   points at. Such a link is skipped with a warning.
//!
//! Files reached through a followed link are read from their real path, so
//! a link changed after the scan cannot redirect the read.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use walkdir::DirEntry;

use crate::config::{FilterSettings, FollowSymlinks};
use crate::local::globs::GlobList;
use crate::local::scan_error::ScanError;

/// What to do with one entry of the walk.
#[derive(Debug, PartialEq, Eq)]
pub enum Visit {
    /// Keep it; `Some(real)` is its real path when a link led to it.
    Keep(Option<PathBuf>),
    /// Leave it (a folder with everything in it), with this warning.
    Skip(String),
}

/// A folder link being walked: entries under `link` really are under `real`.
struct Followed {
    link: PathBuf,
    real: PathBuf,
}

/// The rule, applied entry by entry in walk order (a folder before what is
/// in it).
pub struct Links<'a> {
    root: PathBuf,
    mode: FollowSymlinks,
    include_hidden: bool,
    exclude: &'a GlobList,
    followed: Vec<Followed>,
}

/// Whether a file name is hidden (starts with `.`).
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

/// Where nothing is a plain file, whatever its type says.
pub fn is_system(path: &Path) -> bool {
    cfg!(unix)
        && ["/proc", "/sys", "/dev"]
            .iter()
            .any(|dir| path.starts_with(dir))
}

fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl<'a> Links<'a> {
    /// `root` is the canonical source folder.
    pub fn new(root: PathBuf, filter: &FilterSettings, exclude: &'a GlobList) -> Self {
        Self {
            root,
            mode: filter.follow_symlinks,
            include_hidden: filter.include_hidden,
            exclude,
            followed: Vec::new(),
        }
    }

    /// Whether walkdir should follow links at all (`"never"`: no, so a link
    /// is seen as a link and skipped).
    pub fn follow(&self) -> bool {
        self.mode != FollowSymlinks::Never
    }

    fn hides(&self, name: &OsStr) -> bool {
        name == ".DS_Store" || !self.include_hidden && is_hidden(name)
    }

    /// Apply the rule to one entry below the root.
    pub fn visit(&mut self, entry: &DirEntry) -> Result<Visit, ScanError> {
        let path = entry.path();
        while self
            .followed
            .last()
            .is_some_and(|f| !path.starts_with(&f.link))
        {
            self.followed.pop();
        }
        let file_type = entry.file_type();
        let is_dir = file_type.is_dir();
        if !entry.path_is_symlink() {
            let Some(top) = self.followed.last() else {
                return Ok(Visit::Keep(None));
            };
            let Ok(rest) = path.strip_prefix(&top.link) else {
                return Ok(Visit::Keep(None));
            };
            let real = top.real.join(rest);
            if !real.starts_with(&self.root) && is_system(&real) {
                return Err(ScanError::Special {
                    link: path.to_path_buf(),
                    target: real,
                });
            }
            return Ok(self.filtered(path, real, is_dir, false));
        }
        if self.mode == FollowSymlinks::Never {
            return Ok(Visit::Skip(format!(
                "skipped symbolic link {} ([scan] follow_symlinks = \"never\")",
                crate::escape::path(path)
            )));
        }
        let real = std::fs::canonicalize(path).map_err(|source| ScanError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let inside = real.starts_with(&self.root);
        if !file_type.is_file() && !is_dir || !inside && is_system(&real) {
            return Err(ScanError::Special {
                link: path.to_path_buf(),
                target: real,
            });
        }
        if !inside && self.mode == FollowSymlinks::Inside {
            return Err(ScanError::Outside {
                link: path.to_path_buf(),
                target: real,
            });
        }
        let visit = self.filtered(path, real, is_dir, true);
        if let Visit::Keep(Some(real)) = &visit
            && is_dir
        {
            self.followed.push(Followed {
                link: path.to_path_buf(),
                real: real.clone(),
            });
        }
        Ok(visit)
    }

    /// The hidden rule and the exclude globs on the real path.
    fn filtered(&self, path: &Path, real: PathBuf, is_dir: bool, is_link: bool) -> Visit {
        let Ok(rel) = real.strip_prefix(&self.root) else {
            // Outside the source (`"outside"`): every name below the folder
            // the source and the target share is checked, so a link to
            // `~/.aws/credentials` is as hidden as one to `../.env`.
            let shared = self
                .root
                .ancestors()
                .find(|a| real.starts_with(a))
                .unwrap_or_else(|| Path::new("/"));
            let below = real.strip_prefix(shared).unwrap_or(&real);
            if is_link && below.components().any(|c| self.hides(c.as_os_str())) {
                return Visit::Skip(format!(
                    "skipped {}: it links to {}, a hidden file or folder (set include_hidden = true to publish hidden files)",
                    crate::escape::path(path),
                    crate::escape::path(&real)
                ));
            }
            return Visit::Keep(Some(real));
        };
        let rel_slash = slash_path(rel);
        if rel.components().any(|c| self.hides(c.as_os_str())) {
            return Visit::Skip(format!(
                "skipped {}: its real path {rel_slash} is hidden (set include_hidden = true to publish hidden files)",
                crate::escape::path(path)
            ));
        }
        if !is_dir && self.exclude.is_match(&rel_slash) {
            return Visit::Skip(format!(
                "skipped {}: its real path {rel_slash} is excluded by `exclude`",
                crate::escape::path(path)
            ));
        }
        Visit::Keep(Some(real))
    }
}
