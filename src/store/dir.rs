//! `file://DIR`: a real directory target. Object bytes are stored as S3
//! would hold them (gzip-encoded where the headers say so) at `DIR/KEY`;
//! headers and ETag go in a sidecar `DIR/.s3sync-meta/KEY.json`. Every write
//! is a rename of a complete temporary file, so a reader never sees half an
//! object.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::{
    Body, Condition, ErrorKind, Fetched, Listed, Store, StoreError, Upload, changed_in_flight,
};
use crate::manifest::Headers;

pub const META_DIR: &str = ".s3sync-meta";

#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    etag: String,
    size: u64,
    headers: Headers,
}

#[derive(Debug)]
pub struct DirStore {
    root: PathBuf,
    /// Serialises conditional writes within this process.
    conditional: Mutex<()>,
}

fn io_error(what: &str, path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::new(ErrorKind::Other, format!("{what} {}: {e}", path.display()))
}

impl DirStore {
    pub fn new(root: PathBuf) -> Self {
        Self {
            root,
            conditional: Mutex::new(()),
        }
    }

    /// The file for a key; keys with empty, `.` or `..` segments are refused
    /// so nothing is written outside the root.
    fn object_path(&self, key: &str) -> Result<PathBuf, StoreError> {
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
        Ok(self.root.join(key))
    }

    fn sidecar_path(&self, key: &str) -> PathBuf {
        self.root.join(META_DIR).join(format!("{key}.json"))
    }

    async fn read_sidecar(&self, key: &str) -> Option<Sidecar> {
        let text = tokio::fs::read(self.sidecar_path(key)).await.ok()?;
        serde_json::from_slice(&text).ok()
    }

    async fn current_etag(&self, key: &str) -> Result<Option<String>, StoreError> {
        let path = self.object_path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(hex::encode(Md5::digest(&bytes)))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("cannot read", &path, &e)),
        }
    }

    async fn write_sidecar(&self, key: &str, sidecar: &Sidecar) -> Result<(), StoreError> {
        let path = self.sidecar_path(key);
        let json = serde_json::to_vec_pretty(sidecar).expect("sidecar serialises");
        write_atomic(&path, json).await
    }
}

/// Write bytes to `path` through a temporary file in the same folder.
/// A new temporary file in `path`'s folder (created if needed), to be
/// renamed over `path` once complete.
fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile, StoreError> {
    let parent = path.parent().expect("object paths have a parent");
    std::fs::create_dir_all(parent).map_err(|e| io_error("cannot create folder", parent, &e))?;
    tempfile::NamedTempFile::new_in(parent).map_err(|e| io_error("cannot write in", parent, &e))
}

/// Write a body to a temporary file beside `path` (streamed, never whole in
/// memory), returning it unpublished with its SHA-256, MD5 and size.
async fn stage(
    path: &Path,
    body: Body,
) -> Result<(tempfile::NamedTempFile, crate::encode::Digests), StoreError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut tmp = temp_beside(&path)?;
        let mut digests = crate::encode::Digester::default();
        let mut put = |chunk: &[u8]| {
            digests.update(chunk);
            std::io::Write::write_all(&mut tmp, chunk)
        };
        match &body {
            Body::Bytes(b) => put(b),
            Body::File(src) => std::fs::File::open(src).and_then(|mut f| {
                crate::hash::for_each_chunk(&mut f, &mut crate::hash::chunk_buffer(), put).map(drop)
            }),
        }
        .map_err(|e| io_error("cannot write", &path, &e))?;
        Ok((tmp, digests.finish()))
    })
    .await
    .expect("write task panicked")
}

async fn write_atomic(
    path: &Path,
    bytes: impl AsRef<[u8]> + Send + 'static,
) -> Result<(), StoreError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut tmp = temp_beside(&path)?;
        std::io::Write::write_all(&mut tmp, bytes.as_ref())
            .map_err(|e| io_error("cannot write", &path, &e))?;
        tmp.persist(&path)
            .map_err(|e| io_error("cannot write", &path, &e.error))?;
        Ok(())
    })
    .await
    .expect("write task panicked")
}

#[async_trait]
impl Store for DirStore {
    fn describe(&self) -> String {
        format!("file://{}", self.root.display())
    }

    async fn get(&self, key: &str) -> Result<Option<Fetched>, StoreError> {
        let path = self.object_path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let etag = hex::encode(Md5::digest(&bytes));
                Ok(Some(Fetched { bytes, etag }))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("cannot read", &path, &e)),
        }
    }

    async fn put(&self, upload: Upload, condition: Condition) -> Result<String, StoreError> {
        let path = self.object_path(&upload.key)?;
        let (staged, digests) = stage(&path, upload.body).await?;
        if digests.sha256 != upload.sha256 {
            return Err(changed_in_flight(&upload.key));
        }
        let etag = hex::encode(digests.md5);
        let size = digests.size;
        let _guard = match condition {
            Condition::None => None,
            _ => Some(self.conditional.lock().await),
        };
        let current = match &condition {
            Condition::None => None,
            _ => self.current_etag(&upload.key).await?,
        };
        if !condition.holds(current.as_deref()) {
            return Err(StoreError::new(
                ErrorKind::PreconditionFailed,
                format!(
                    "{}: precondition failed (another push changed it)",
                    upload.key
                ),
            ));
        }
        staged
            .persist(&path)
            .map_err(|e| io_error("cannot write", &path, &e.error))?;
        self.write_sidecar(
            &upload.key,
            &Sidecar {
                etag: etag.clone(),
                size,
                headers: upload.headers,
            },
        )
        .await?;
        Ok(etag)
    }

    async fn update_headers(
        &self,
        key: &str,
        headers: &Headers,
        etag: Option<&str>,
    ) -> Result<String, StoreError> {
        let Some(current) = self.current_etag(key).await? else {
            return Err(StoreError::new(
                ErrorKind::PreconditionFailed,
                format!("{key}: the object is gone since it was planned"),
            ));
        };
        if etag.is_some_and(|e| e != current) {
            return Err(StoreError::new(
                ErrorKind::PreconditionFailed,
                format!("{key}: the object changed since it was planned"),
            ));
        }
        let size = tokio::fs::metadata(self.object_path(key)?)
            .await
            .map(|m| m.len())
            .unwrap_or_default();
        self.write_sidecar(
            key,
            &Sidecar {
                etag: current.clone(),
                size,
                headers: headers.clone(),
            },
        )
        .await?;
        Ok(current)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let start = if prefix.is_empty() {
            self.root.clone()
        } else {
            self.root.join(prefix.trim_end_matches('/'))
        };
        let root = self.root.clone();
        let found =
            tokio::task::spawn_blocking(move || -> Result<Vec<(String, u64)>, StoreError> {
                if !start.exists() {
                    return Ok(Vec::new());
                }
                let mut out = Vec::new();
                for entry in walkdir::WalkDir::new(&start)
                    .into_iter()
                    .filter_entry(|e| e.depth() > 0 || e.file_name() != META_DIR)
                {
                    let entry =
                        entry.map_err(|e| StoreError::new(ErrorKind::Other, e.to_string()))?;
                    if entry.depth() == 1 && entry.file_name() == META_DIR && start == root {
                        continue;
                    }
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let rel = entry.path().strip_prefix(&root).expect("under root");
                    let Some(key) = rel.to_str() else { continue };
                    if key.starts_with(META_DIR) {
                        continue;
                    }
                    let size = entry.metadata().map(|m| m.len()).unwrap_or_default();
                    out.push((key.replace('\\', "/"), size));
                }
                out.sort();
                Ok(out)
            })
            .await
            .expect("list task panicked")?;
        let mut listed = Vec::with_capacity(found.len());
        for (key, size) in found {
            let etag = match self.read_sidecar(&key).await {
                Some(s) if s.size == size => s.etag,
                _ => self.current_etag(&key).await?.unwrap_or_default(),
            };
            listed.push(Listed { key, size, etag });
        }
        Ok(listed)
    }

    async fn list_page(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let mut all = self.list(prefix).await?;
        all.truncate(1000);
        Ok(all)
    }

    async fn bucket_exists(&self, _prefix: &str) -> Result<(), StoreError> {
        match tokio::fs::metadata(&self.root).await {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(StoreError::new(
                ErrorKind::NoSuchBucket,
                format!(
                    "{} is a file, not a folder: point file:// at a folder",
                    self.root.display()
                ),
            )),
            Err(_) => Err(StoreError::new(
                ErrorKind::NoSuchBucket,
                format!(
                    "folder {} does not exist yet (a push creates it)",
                    self.root.display()
                ),
            )),
        }
    }

    async fn presign_get(&self, _: &str, _: std::time::Duration) -> Result<String, StoreError> {
        Err(StoreError::new(
            ErrorKind::Other,
            "presigned URLs need an s3:// target; a file:// target has no server to sign for",
        ))
    }

    async fn head(&self, key: &str) -> Result<Option<Headers>, StoreError> {
        if !self.object_path(key)?.exists() {
            return Ok(None);
        }
        Ok(Some(
            self.read_sidecar(key)
                .await
                .map(|s| s.headers)
                .unwrap_or_default(),
        ))
    }

    async fn delete(&self, keys: &[String]) -> Vec<Result<(), StoreError>> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let result = async {
                let path = self.object_path(key)?;
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_error("cannot delete", &path, &e)),
                }
                let _ = tokio::fs::remove_file(self.sidecar_path(key)).await;
                // Remove folders left empty, up to the root.
                let mut dir = path.parent().map(Path::to_path_buf);
                while let Some(d) = dir {
                    if d == self.root || tokio::fs::remove_dir(&d).await.is_err() {
                        break;
                    }
                    dir = d.parent().map(Path::to_path_buf);
                }
                Ok(())
            }
            .await;
            out.push(result);
        }
        out
    }
}
