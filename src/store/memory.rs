//! An in-memory store for unit tests, with fault injection and a log of
//! every operation. Compiled only for tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use md5::{Digest, Md5};

use super::{
    Body, Condition, ErrorKind, Fetched, Listed, Store, StoreError, Upload, changed_in_flight,
    changed_since_planned, md5_etag, precondition_failed,
};
use crate::record::manifest::{Headers, Stored};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemObject {
    pub bytes: Vec<u8>,
    pub headers: Headers,
    pub etag: String,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    objects: Mutex<BTreeMap<String, MemObject>>,
    /// Puts to keys containing one of these strings fail with the error.
    faults: Mutex<Vec<(String, StoreError)>>,
    /// Every operation, in order ("put KEY", "copy KEY", ...).
    log: Mutex<Vec<String>>,
    /// Make every delete fail.
    fail_deletes: std::sync::atomic::AtomicBool,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Make every put whose key contains `needle` fail with `error`.
    pub fn fail_puts(&self, needle: &str, error: StoreError) {
        self.faults.lock().unwrap().push((needle.into(), error));
    }

    pub fn fail_deletes(&self, fail: bool) {
        self.fail_deletes
            .store(fail, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn clear_faults(&self) {
        self.faults.lock().unwrap().clear();
    }

    pub fn object(&self, key: &str) -> Option<MemObject> {
        self.objects.lock().unwrap().get(key).cloned()
    }

    pub fn keys(&self) -> Vec<String> {
        self.objects.lock().unwrap().keys().cloned().collect()
    }

    /// Operations so far, then forget them.
    pub fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    fn note(&self, op: &str, key: &str) {
        self.log.lock().unwrap().push(format!("{op} {key}"));
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn describe(&self) -> String {
        "memory://".into()
    }

    async fn get(&self, key: &str) -> Result<Option<Fetched>, StoreError> {
        self.note("get", key);
        Ok(self.object(key).map(|o| Fetched {
            bytes: o.bytes,
            etag: o.etag,
        }))
    }

    async fn put(&self, upload: Upload, condition: Condition) -> Result<Stored, StoreError> {
        self.note("put", &upload.key);
        if let Some((_, e)) = self
            .faults
            .lock()
            .unwrap()
            .iter()
            .find(|(needle, _)| upload.key.contains(needle.as_str()))
        {
            return Err(e.clone());
        }
        let bytes = read_body(&upload.body)
            .await
            .map_err(|e| StoreError::new(ErrorKind::Other, e.to_string()))?;
        verify_sha256(&upload.key, &bytes, &upload.sha256)?;
        let mut objects = self.objects.lock().unwrap();
        let current = objects.get(&upload.key).map(|o| o.etag.as_str());
        if !condition.holds(current) {
            return Err(precondition_failed(&upload.key));
        }
        let etag = md5_etag(&Md5::digest(&bytes).into());
        objects.insert(
            upload.key,
            MemObject {
                bytes: bytes.to_vec(),
                headers: upload.headers,
                etag: etag.clone(),
            },
        );
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
        self.note("copy", key);
        let mut objects = self.objects.lock().unwrap();
        let Some(object) = objects.get_mut(key) else {
            return Err(StoreError::new(
                ErrorKind::Other,
                format!("{key}: no such key"),
            ));
        };
        if etag.is_some_and(|e| e != object.etag) {
            return Err(changed_since_planned(key));
        }
        object.headers = headers.clone();
        Ok(Stored {
            etag: object.etag.clone(),
            version_id: None,
        })
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        self.note("list", prefix);
        Ok(self
            .objects
            .lock()
            .unwrap()
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, o)| Listed {
                key: k.clone(),
                size: o.bytes.len() as u64,
                etag: o.etag.clone(),
            })
            .collect())
    }

    async fn list_page(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let mut all = self.list(prefix).await?;
        all.truncate(1000);
        Ok(all)
    }

    async fn bucket_exists(&self, _prefix: &str) -> Result<(), StoreError> {
        Ok(())
    }

    async fn head(&self, key: &str) -> Result<Option<Headers>, StoreError> {
        self.note("head", key);
        Ok(self.object(key).map(|o| o.headers))
    }

    async fn delete(&self, keys: &[String]) -> Vec<Result<(), StoreError>> {
        let mut objects = self.objects.lock().unwrap();
        let fail = self.fail_deletes.load(std::sync::atomic::Ordering::Relaxed);
        keys.iter()
            .map(|k| {
                self.log.lock().unwrap().push(format!("delete {k}"));
                if fail {
                    return Err(StoreError::new(
                        ErrorKind::Other,
                        format!("{k}: injected delete failure"),
                    ));
                }
                objects.remove(k);
                Ok(())
            })
            .collect()
    }
}

/// The bytes of a body, read whole.
async fn read_body(body: &Body) -> std::io::Result<bytes::Bytes> {
    match body {
        Body::Bytes(b) => Ok(b.clone()),
        Body::File(path) => tokio::fs::read(path).await.map(bytes::Bytes::from),
    }
}

/// Check received bytes against the digest the sender declared, as S3 does
/// with `x-amz-checksum-sha256`.
fn verify_sha256(key: &str, bytes: &[u8], expected: &[u8; 32]) -> Result<(), StoreError> {
    use sha2::Digest;
    let actual: [u8; 32] = sha2::Sha256::digest(bytes).into();
    if &actual == expected {
        Ok(())
    } else {
        Err(changed_in_flight(key))
    }
}
