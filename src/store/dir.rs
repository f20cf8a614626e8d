//! `file://DIR`: a real directory target. Object bytes are stored as S3
//! would hold them (gzip-encoded where the headers say so) at `DIR/KEY`;
//! headers and ETag go in a sidecar `DIR/.s3sync-meta/KEY.json`. Every write
//! is a rename of a complete temporary file, so a reader never sees half an
//! object; published files get the umask's mode (0644 under 022).
//!
//! Nothing outside `DIR` is ever touched: every path below it is opened one
//! folder at a time without following links (`confined.rs`), and a link in
//! the target is an error that names it. ETags are computed from the bytes
//! (MD5, streamed), never taken from the sidecar, so `--verify` finds an
//! object edited in place.

mod confined;
#[cfg(test)]
mod tests;

use std::io::{Read, Write};
use std::path::PathBuf;

use async_trait::async_trait;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::{
    Body, Condition, ErrorKind, Fetched, Listed, Store, StoreError, Upload, cannot_read,
    changed_in_flight, changed_since_planned, md5_etag, precondition_failed,
};
use crate::record::manifest::{Headers, Stored};
use confined::{Tree, as_strs};

pub const META_DIR: &str = ".s3sync-meta";

/// A sidecar larger than this is not one s3sync wrote: its headers are
/// ignored.
const SIDECAR_LIMIT: u64 = 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    etag: String,
    size: u64,
    headers: Headers,
}

#[derive(Debug)]
pub struct DirStore {
    tree: Tree,
    /// Serialises conditional writes within this process.
    conditional: Mutex<()>,
}

/// The path segments of a key; keys with empty, `.` or `..` segments (or
/// in the sidecar folder) are refused so nothing is written outside the
/// root.
fn object_names(key: &str) -> Result<Vec<&str>, StoreError> {
    let safe = !key.is_empty()
        && key
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('\\'))
        && key.split('/').next() != Some(META_DIR);
    if !safe {
        return Err(StoreError::new(
            ErrorKind::Other,
            format!(
                "key '{key}' cannot be stored in a directory target (empty, '.' or '..' segment)"
            ),
        ));
    }
    Ok(key.split('/').collect())
}

/// The path segments of a key's sidecar, `.s3sync-meta/KEY.json`.
fn sidecar_names(key: &str) -> Result<Vec<String>, StoreError> {
    let mut names: Vec<String> = std::iter::once(META_DIR)
        .chain(object_names(key)?)
        .map(str::to_string)
        .collect();
    if let Some(last) = names.last_mut() {
        last.push_str(".json");
    }
    Ok(names)
}

/// Run blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        StoreError::new(
            ErrorKind::Other,
            format!("a directory-target task failed: {e}"),
        )
    })?
}

impl DirStore {
    pub fn new(root: PathBuf) -> Self {
        Self {
            tree: Tree::new(root),
            conditional: Mutex::new(()),
        }
    }

    /// The MD5 ETag and size of an object, streamed in chunks (never read
    /// whole); `None` when there is no object.
    async fn current(&self, key: &str) -> Result<Option<(String, u64)>, StoreError> {
        let tree = self.tree.clone();
        let key = key.to_string();
        blocking(move || {
            tree.md5(
                &object_names(&key)?,
                &mut crate::local::hash::chunk_buffer(),
            )
        })
        .await
    }

    async fn write_sidecar(&self, key: &str, sidecar: &Sidecar) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(sidecar).map_err(|e| {
            StoreError::new(
                ErrorKind::Other,
                format!("{key}: cannot record headers: {e}"),
            )
        })?;
        let tree = self.tree.clone();
        let key = key.to_string();
        blocking(move || tree.write(&as_strs(&sidecar_names(&key)?), &json)).await
    }

    /// The objects under `prefix` with ETags computed from their bytes,
    /// the first `limit` of them in key order.
    async fn listing(&self, prefix: &str, limit: usize) -> Result<Vec<Listed>, StoreError> {
        let tree = self.tree.clone();
        let prefix = prefix.trim_end_matches('/').to_string();
        blocking(move || {
            let start = if prefix.is_empty() {
                Vec::new()
            } else {
                object_names(&prefix)?
            };
            let mut buf = crate::local::hash::chunk_buffer();
            let mut listed = Vec::new();
            for key in tree.files(&start, META_DIR)?.into_iter().take(limit) {
                let names: Vec<&str> = key.split('/').collect();
                // Gone since the walk: not listed.
                if let Some((etag, size)) = tree.md5(&names, &mut buf)? {
                    listed.push(Listed { key, size, etag });
                }
            }
            Ok(listed)
        })
        .await
    }
}

#[async_trait]
impl Store for DirStore {
    fn describe(&self) -> String {
        format!("file://{}", self.tree.root().display())
    }

    async fn get(&self, key: &str) -> Result<Option<Fetched>, StoreError> {
        let tree = self.tree.clone();
        let key = key.to_string();
        blocking(move || {
            let names = object_names(&key)?;
            let Some(mut file) = tree.open(&names)? else {
                return Ok(None);
            };
            // Read at most one byte past the record cap: a huge file at a
            // record's key is refused, never held in memory.
            let path = tree.root().join(&key);
            let mut bytes = Vec::new();
            (&mut file)
                .take(crate::record::manifest::MAX_RECORD_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| cannot_read(&path, &e))?;
            if bytes.len() as u64 > crate::record::manifest::MAX_RECORD_BYTES {
                return Err(super::record_too_large(&format!(
                    "file://{}",
                    path.display()
                )));
            }
            let etag = md5_etag(&Md5::digest(&bytes).into());
            Ok(Some(Fetched { bytes, etag }))
        })
        .await
    }

    async fn put(&self, upload: Upload, condition: Condition) -> Result<Stored, StoreError> {
        let tree = self.tree.clone();
        let key = upload.key.clone();
        let body = upload.body;
        // The body goes to a temporary file beside the object (streamed,
        // never whole in memory), with its SHA-256, MD5 and size.
        let (staged, digests) = blocking(move || {
            let names = object_names(&key)?;
            let mut digests = crate::local::encode::Digester::default();
            let staged = tree.stage(&names, |tmp| {
                let mut put = |chunk: &[u8]| {
                    digests.update(chunk);
                    tmp.write_all(chunk)
                };
                match &body {
                    Body::Bytes(b) => put(b),
                    Body::File(src) => std::fs::File::open(src).and_then(|mut f| {
                        crate::local::hash::for_each_chunk(
                            &mut f,
                            &mut crate::local::hash::chunk_buffer(),
                            put,
                        )
                        .map(drop)
                    }),
                }
            })?;
            Ok((staged, digests.finish()))
        })
        .await?;
        if digests.sha256 != upload.sha256 {
            return Err(changed_in_flight(&upload.key));
        }
        let etag = md5_etag(&digests.md5);
        let size = digests.size;
        let _guard = match condition {
            Condition::Always => None,
            _ => Some(self.conditional.lock().await),
        };
        let current = match &condition {
            Condition::Always => None,
            _ => self.current(&upload.key).await?.map(|(etag, _)| etag),
        };
        if !condition.holds(current.as_deref()) {
            return Err(precondition_failed(&upload.key));
        }
        let tree = self.tree.clone();
        let key = upload.key.clone();
        blocking(move || tree.publish(staged, &object_names(&key)?)).await?;
        self.write_sidecar(
            &upload.key,
            &Sidecar {
                etag: etag.clone(),
                size,
                headers: upload.headers,
            },
        )
        .await?;
        Ok(Stored {
            etag,
            version_id: None,
        })
    }

    async fn update_headers(
        &self,
        key: &str,
        headers: &Headers,
        etag: Option<&str>,
    ) -> Result<Stored, StoreError> {
        let Some((current, size)) = self.current(key).await? else {
            return Err(StoreError::new(
                ErrorKind::PreconditionFailed,
                format!("{key}: the object is gone since it was planned"),
            ));
        };
        if etag.is_some_and(|e| e != current) {
            return Err(changed_since_planned(key));
        }
        self.write_sidecar(
            key,
            &Sidecar {
                etag: current.clone(),
                size,
                headers: headers.clone(),
            },
        )
        .await?;
        Ok(Stored {
            etag: current,
            version_id: None,
        })
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        self.listing(prefix, usize::MAX).await
    }

    async fn list_page(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        self.listing(prefix, 1000).await
    }

    async fn bucket_exists(&self, _prefix: &str) -> Result<(), StoreError> {
        let root = self.tree.root();
        match tokio::fs::metadata(root).await {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(StoreError::new(
                ErrorKind::NoSuchBucket,
                format!(
                    "{} is a file, not a folder: point file:// at a folder",
                    root.display()
                ),
            )),
            Err(_) => Err(StoreError::new(
                ErrorKind::NoSuchBucket,
                format!(
                    "folder {} does not exist yet (a push creates it)",
                    root.display()
                ),
            )),
        }
    }

    async fn head(&self, key: &str) -> Result<Option<Headers>, StoreError> {
        let tree = self.tree.clone();
        let key = key.to_string();
        blocking(move || {
            if tree.open(&object_names(&key)?)?.is_none() {
                return Ok(None);
            }
            let sidecar = tree.read_small(&as_strs(&sidecar_names(&key)?), SIDECAR_LIMIT)?;
            Ok(Some(
                sidecar
                    .and_then(|json| serde_json::from_slice::<Sidecar>(&json).ok())
                    .map(|s| s.headers)
                    .unwrap_or_default(),
            ))
        })
        .await
    }

    async fn delete(&self, keys: &[String]) -> Vec<Result<(), StoreError>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let tree = self.tree.clone();
            let key = key.clone();
            out.push(
                blocking(move || {
                    // The object, then the folders it leaves empty, up to
                    // the root; then its sidecar.
                    tree.remove(&object_names(&key)?, true)?;
                    tree.remove(&as_strs(&sidecar_names(&key)?), false)
                })
                .await,
            );
        }
        out
    }
}
