//! File operations confined to a `file://` target's root. The root is
//! opened by its path (it may itself be a link: the user named it); below
//! it every folder is opened one name at a time without following a link
//! (`O_NOFOLLOW` relative to the previous folder's handle, through
//! `cap-std`), and files are created (`O_EXCL`), renamed, read
//! (`O_NOFOLLOW`) and removed relative to the folder handle so opened. A
//! link met anywhere below the root is refused with an error that names
//! it, where it points and the fix.
//!
//! Races: because each step opens the next folder from the handle of the
//! previous one, a link swapped in after a check cannot redirect the
//! operation, so nothing outside the root is created, written, renamed,
//! read or removed. A link swapped in for the object itself is replaced by
//! the rename (a rename never follows its destination), and unlinking never
//! follows one. What a race can still do: make one operation fail; make a
//! read wait, if a FIFO is swapped in for a file between the type check and
//! the open (inside the root); and, since the root is looked up by its path
//! each time, follow a swap of the root itself (its parent folders are the
//! user's to protect).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::ambient_authority;
use cap_std::fs::{Dir, File, OpenOptions};
use md5::{Digest, Md5};

use super::super::{ErrorKind, StoreError, cannot_read};

/// Temporary files start with this; listings skip them.
pub(super) const TEMP_PREFIX: &str = ".s3sync-tmp-";

/// The root of a `file://` target.
#[derive(Debug, Clone)]
pub(super) struct Tree {
    root: PathBuf,
}

/// A complete temporary file in an object's folder, not yet published.
/// Removed when dropped unless [`Tree::publish`] renamed it.
pub(super) struct Staged {
    folder: Dir,
    temp: String,
    published: bool,
}

pub(super) fn io_error(what: &str, path: &Path, e: &io::Error) -> StoreError {
    StoreError::new(
        ErrorKind::Other,
        format!("{what} {}: {e}", crate::escape::path(path)),
    )
}

impl Tree {
    pub(super) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `names` under the root, for messages.
    fn show(&self, names: &[&str]) -> PathBuf {
        names.iter().fold(self.root.clone(), |p, n| p.join(n))
    }

    /// The root folder; `None` when it does not exist and `create` is off.
    fn open_root(&self, create: bool) -> Result<Option<Dir>, StoreError> {
        if create {
            std::fs::create_dir_all(&self.root)
                .map_err(|e| io_error("cannot create folder", &self.root, &e))?;
        }
        match Dir::open_ambient_dir(&self.root, ambient_authority()) {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !create => Ok(None),
            Err(e) => Err(io_error("cannot open folder", &self.root, &e)),
        }
    }

    /// The error for `names` (the last of which is in `parent`) that could
    /// not be opened as asked: a link is named with its destination and the
    /// fix; anything else is reported as the I/O error it was.
    fn refusal(&self, parent: &Dir, names: &[&str], what: &str, e: &io::Error) -> StoreError {
        let Some(name) = names.last() else {
            return io_error(what, &self.root, e);
        };
        match parent.symlink_metadata(name) {
            Ok(m) if m.file_type().is_symlink() => self.link_error(parent, names),
            _ => io_error(what, &self.show(names), e),
        }
    }

    fn link_error(&self, parent: &Dir, names: &[&str]) -> StoreError {
        let path = self.show(names);
        let to = names.last().map_or_else(
            || "?".to_string(),
            |n| {
                parent
                    .read_link_contents(n)
                    .map_or_else(|_| "?".to_string(), |t| crate::escape::path(&t))
            },
        );
        StoreError::new(
            ErrorKind::Other,
            format!(
                "{} is a symbolic link to {to} inside the target {}; s3sync never writes, reads or deletes through a link in a target. Fix: remove the link (`rm {}`; the next push writes what belongs there) or point file:// at the real folder",
                crate::escape::path(&path),
                crate::escape::path(&self.root),
                crate::escape::path(&path)
            ),
        )
    }

    /// Open the folders `names` below the root, one at a time and never
    /// through a link. Returns the handle of every folder on the way (the
    /// root first, the deepest last), or `None` when one is missing and
    /// `create` is off.
    pub(super) fn folders(
        &self,
        names: &[&str],
        create: bool,
    ) -> Result<Option<Vec<Dir>>, StoreError> {
        let Some(root) = self.open_root(create)? else {
            return Ok(None);
        };
        let mut chain = vec![root];
        for (i, name) in names.iter().enumerate() {
            let Some(parent) = chain.last() else {
                return Ok(None);
            };
            let here = &names[..=i];
            let next = match parent.open_dir_nofollow(name) {
                Ok(d) => d,
                Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
                    match parent.create_dir(name) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                        Err(e) => {
                            return Err(self.refusal(parent, here, "cannot create folder", &e));
                        }
                    }
                    parent
                        .open_dir_nofollow(name)
                        .map_err(|e| self.refusal(parent, here, "cannot open folder", &e))?
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(self.refusal(parent, here, "cannot open folder", &e)),
            };
            chain.push(next);
        }
        Ok(Some(chain))
    }

    /// Refuse a link (or a folder) at `name` in `parent`; `Ok(false)` when
    /// nothing is there, `Ok(true)` for a regular file.
    fn check_file(&self, parent: &Dir, names: &[&str]) -> Result<bool, StoreError> {
        let name = names.last().copied().unwrap_or_default();
        match parent.symlink_metadata(name) {
            Ok(m) if m.file_type().is_symlink() => Err(self.link_error(parent, names)),
            Ok(m) if m.is_file() => Ok(true),
            Ok(_) => Err(StoreError::new(
                ErrorKind::Other,
                format!(
                    "{} is not a regular file: remove it from the target (s3sync only stores files there)",
                    crate::escape::path(&self.show(names))
                ),
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(cannot_read(&self.show(names), &e)),
        }
    }

    /// Open the regular file at `names` for reading; `None` when absent.
    pub(super) fn open(&self, names: &[&str]) -> Result<Option<std::fs::File>, StoreError> {
        let Some((_, folders)) = names.split_last() else {
            return Ok(None);
        };
        let Some(chain) = self.folders(folders, false)? else {
            return Ok(None);
        };
        let Some(parent) = chain.last() else {
            return Ok(None);
        };
        if !self.check_file(parent, names)? {
            return Ok(None);
        }
        let name = names.last().copied().unwrap_or_default();
        let file = parent
            .open_with(
                name,
                OpenOptions::new().read(true).follow(FollowSymlinks::No),
            )
            .map_err(|e| self.refusal(parent, names, "cannot read", &e))?
            .into_std();
        // The type again, of what was opened (a swap after the check).
        match file.metadata() {
            Ok(m) if m.is_file() => Ok(Some(file)),
            _ => Err(StoreError::new(
                ErrorKind::Other,
                format!(
                    "{} is not a regular file: remove it from the target",
                    crate::escape::path(&self.show(names))
                ),
            )),
        }
    }

    /// The MD5 (hex, S3's ETag for a single-part object) and size of the
    /// file at `names`, read in chunks of `buf`'s size; `None` when absent.
    pub(super) fn md5(
        &self,
        names: &[&str],
        buf: &mut [u8],
    ) -> Result<Option<(String, u64)>, StoreError> {
        let Some(mut file) = self.open(names)? else {
            return Ok(None);
        };
        let mut md5 = Md5::new();
        let size = crate::local::hash::for_each_chunk(&mut file, buf, |chunk| {
            md5.update(chunk);
            Ok(())
        })
        .map_err(|e| cannot_read(&self.show(names), &e))?;
        Ok(Some((hex::encode(md5.finalize()), size)))
    }

    /// At most `limit` bytes of the file at `names` (`None` when absent, or
    /// when it is larger).
    pub(super) fn read_small(
        &self,
        names: &[&str],
        limit: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(file) = self.open(names)? else {
            return Ok(None);
        };
        let mut bytes = Vec::new();
        file.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| cannot_read(&self.show(names), &e))?;
        Ok((bytes.len() as u64 <= limit).then_some(bytes))
    }

    /// A new temporary file in the folder of `names` (folders created as
    /// needed, with the umask's modes), filled by `fill`. The file is
    /// created with mode 0666 less the umask, as any program's new file:
    /// 0644 under umask 022, readable by a web server.
    pub(super) fn stage(
        &self,
        names: &[&str],
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> Result<Staged, StoreError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let folders = names.split_last().map_or(&[][..], |(_, f)| f);
        let mut chain = self.folders(folders, true)?.unwrap_or_default();
        let Some(folder) = chain.pop() else {
            return Err(io_error(
                "cannot open folder",
                &self.root,
                &io::ErrorKind::NotFound.into(),
            ));
        };
        let mut tries = 0;
        let (temp, mut file) = loop {
            let temp = format!(
                "{TEMP_PREFIX}{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            match folder.open_with(&temp, OpenOptions::new().write(true).create_new(true)) {
                Ok(f) => break (temp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
                Err(e) => return Err(io_error("cannot write in", &self.show(folders), &e)),
            }
        };
        let staged = Staged {
            folder,
            temp,
            published: false,
        };
        fill(&mut file)
            .and_then(|()| file.flush())
            .map_err(|e| io_error("cannot write", &self.show(names), &e))?;
        Ok(staged)
    }

    /// Rename a staged file to `names`, refusing to replace a link or a
    /// folder there.
    pub(super) fn publish(&self, mut staged: Staged, names: &[&str]) -> Result<(), StoreError> {
        let name = names.last().copied().unwrap_or_default();
        self.check_file(&staged.folder, names)?;
        staged
            .folder
            .rename(&staged.temp, &staged.folder, name)
            .map_err(|e| io_error("cannot write", &self.show(names), &e))?;
        staged.published = true;
        Ok(())
    }

    /// Write `bytes` to `names` through a temporary file.
    pub(super) fn write(&self, names: &[&str], bytes: &[u8]) -> Result<(), StoreError> {
        let staged = self.stage(names, |f| f.write_all(bytes))?;
        self.publish(staged, names)
    }

    /// Remove the file at `names` (nothing when absent), refusing links;
    /// with `prune`, then remove the folders it leaves empty, up to the
    /// root.
    pub(super) fn remove(&self, names: &[&str], prune: bool) -> Result<(), StoreError> {
        let Some((_, folders)) = names.split_last() else {
            return Ok(());
        };
        let Some(mut chain) = self.folders(folders, false)? else {
            return Ok(());
        };
        let Some(parent) = chain.last() else {
            return Ok(());
        };
        if self.check_file(parent, names)? {
            let name = names.last().copied().unwrap_or_default();
            match parent.remove_file(name) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error("cannot delete", &self.show(names), &e)),
            }
        }
        if prune {
            // `remove_dir` never follows a link: only this tree's empty
            // folders go.
            for depth in (1..chain.len()).rev() {
                chain.truncate(depth);
                let (Some(parent), Some(name)) = (chain.last(), folders.get(depth - 1)) else {
                    break;
                };
                if parent.remove_dir(name).is_err() {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Every regular file under the folders `names` (the whole tree when
    /// empty), as `/`-joined paths from the root, sorted. `skip` names a
    /// top-level folder left out (the sidecar tree). A link anywhere is an
    /// error; other non-files, non-UTF-8 names and temporary files are
    /// skipped. Each folder is reopened from the root when its turn comes,
    /// so only one path's worth of folders is open at a time.
    pub(super) fn files(&self, names: &[&str], skip: &str) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        let mut pending: Vec<Vec<String>> = vec![names.iter().map(|s| (*s).to_string()).collect()];
        while let Some(at) = pending.pop() {
            let at_ref: Vec<&str> = at.iter().map(String::as_str).collect();
            // Gone since it was seen: nothing to list there.
            let Some(dir) = self.folders(&at_ref, false)?.and_then(|mut c| c.pop()) else {
                continue;
            };
            let cannot = |e: &io::Error| io_error("cannot list", &self.show(&at_ref), e);
            for entry in dir.entries().map_err(|e| cannot(&e))? {
                let entry = entry.map_err(|e| cannot(&e))?;
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                let mut here = at.clone();
                here.push(name.clone());
                let kind = entry.file_type().map_err(|e| cannot(&e))?;
                if kind.is_symlink() {
                    return Err(self.link_error(&dir, &as_strs(&here)));
                } else if kind.is_dir() {
                    if !(at.is_empty() && name == skip) {
                        pending.push(here);
                    }
                } else if kind.is_file() && !name.starts_with(TEMP_PREFIX) {
                    out.push(here.join("/"));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Borrowed path segments.
pub(super) fn as_strs(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = self.folder.remove_file(&self.temp);
        }
    }
}
