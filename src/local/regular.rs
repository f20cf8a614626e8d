//! Opening source files for reading: regular files only. A FIFO, socket or
//! device is refused without blocking (the open does not wait for a FIFO's
//! writer) and without reading a byte, and a file that was swapped for
//! another since the scan (a different inode or device) is refused too.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use crate::local::cache::Stamp;

/// What a file is, in words, for messages.
pub fn kind(metadata: &Metadata) -> &'static str {
    let ft = metadata.file_type();
    if ft.is_file() {
        return "a regular file";
    }
    if ft.is_dir() {
        return "a folder";
    }
    if ft.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    "a special file"
}

/// Open `path` for reading if it is a regular file (symbolic links are
/// followed). Anything else is an error saying what it is.
pub fn open(path: &Path) -> io::Result<File> {
    open_checked(path, None)
}

/// [`open`], and the file must still be the one the scan stamped (same
/// inode and device): a file replaced after the scan, by another file or
/// by a link elsewhere, is refused rather than read.
pub fn open_checked(path: &Path, stamp: Option<&Stamp>) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading waits for a writer; non-blocking, the
        // open returns at once and the check below refuses it. Regular
        // files ignore the flag.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "it is {}, not a regular file: s3sync reads only regular files; remove it from the source or exclude it",
                kind(&metadata)
            ),
        ));
    }
    if let (Some(stamp), Some(now)) = (stamp, Stamp::of(&metadata))
        && (stamp.ino, stamp.dev) != (now.ino, now.dev)
    {
        return Err(io::Error::other(
            "it was replaced by another file after the scan, so nothing was read from it; rerun",
        ));
    }
    Ok(file)
}

/// Why [`read_capped`] gave up.
#[derive(Debug, thiserror::Error)]
pub enum CappedError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("it is larger than the {cap}-byte limit")]
    TooLarge { cap: u64 },
}

/// Read a regular file whole, but never more than `cap` bytes: the read
/// stops at `cap + 1` bytes whatever size the file claims.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, CappedError> {
    let file = open(path)?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(CappedError::TooLarge { cap });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_open_and_reads_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_capped(&path, 5).unwrap(), b"12345");
        assert!(matches!(
            read_capped(&path, 4),
            Err(CappedError::TooLarge { cap: 4 })
        ));
        let err = open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("a folder"), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_are_refused_and_an_endless_one_is_not_read() {
        let err = open(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("a device"), "{err}");
        assert!(read_capped(Path::new("/dev/zero"), 1024).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let err = open(&fifo).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_replaced_after_the_scan_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"one").unwrap();
        let stamp = Stamp::of(&std::fs::metadata(&path).unwrap()).unwrap();
        assert!(open_checked(&path, Some(&stamp)).is_ok());
        std::fs::write(dir.path().join("b.txt"), b"two").unwrap();
        std::fs::rename(dir.path().join("b.txt"), &path).unwrap();
        let err = open_checked(&path, Some(&stamp)).unwrap_err();
        assert!(err.to_string().contains("replaced"), "{err}");
    }
}
