//! The directory target confined to its root, its modes and its ETags.

use std::path::Path;

use md5::{Digest, Md5};

use super::DirStore;
use crate::record::manifest::Headers;
use crate::store::{Condition, Store, Upload};

struct Setup {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    outside: std::path::PathBuf,
    store: DirStore,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("out");
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("keep.txt"), b"not yours").unwrap();
    Setup {
        store: DirStore::new(root.clone()),
        root,
        outside,
        _dir: dir,
    }
}

/// Every file and folder under `dir`, with the bytes of each file.
fn contents(dir: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            let bytes = e
                .file_type()
                .is_file()
                .then(|| std::fs::read(e.path()).unwrap());
            (rel, bytes)
        })
        .collect();
    out.sort();
    out
}

fn upload(key: &str, bytes: &[u8]) -> Upload {
    Upload::from_bytes(key, bytes.to_vec(), Headers::default())
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

#[cfg(unix)]
mod links {
    use std::os::unix::fs::symlink;

    use super::*;

    fn assert_names_link(message: &str, link: &Path, to: &Path) {
        assert!(
            message.contains(&link.display().to_string()),
            "names the link: {message}"
        );
        assert!(
            message.contains(&to.display().to_string()),
            "names where it points: {message}"
        );
        assert!(
            message.contains("remove the link"),
            "gives the fix: {message}"
        );
    }

    #[tokio::test]
    async fn put_through_a_linked_folder_writes_nothing_outside() {
        let s = setup();
        s.store
            .put(upload("static/a.txt", b"a"), Condition::Always)
            .await
            .unwrap();
        let before = contents(&s.outside);
        let link = s.root.join("static/css");
        symlink(&s.outside, &link).unwrap();
        for condition in [Condition::Always, Condition::Absent] {
            let err = s
                .store
                .put(upload("static/css/app.css", b"body{}"), condition)
                .await
                .unwrap_err();
            assert_names_link(&err.message, &link, &s.outside);
        }
        assert_eq!(contents(&s.outside), before, "nothing created outside");
    }

    #[tokio::test]
    async fn a_relative_link_to_a_sibling_is_refused_too() {
        let s = setup();
        std::fs::create_dir_all(s.root.join("static")).unwrap();
        let link = s.root.join("static/css");
        symlink("../../elsewhere", &link).unwrap();
        let before = contents(&s.outside);
        let err = s
            .store
            .put(upload("static/css/app.css", b"x"), Condition::Always)
            .await
            .unwrap_err();
        assert_names_link(&err.message, &link, Path::new("../../elsewhere"));
        assert_eq!(contents(&s.outside), before);
    }

    #[tokio::test]
    async fn delete_through_a_link_removes_nothing_outside() {
        let s = setup();
        std::fs::create_dir_all(s.root.join("static")).unwrap();
        std::fs::write(s.outside.join("app.css"), b"theirs").unwrap();
        let link = s.root.join("static/css");
        symlink(&s.outside, &link).unwrap();
        // The sidecar tree linked out as well.
        let meta_outside = s.outside.join("meta");
        std::fs::create_dir_all(&meta_outside).unwrap();
        std::fs::write(meta_outside.join("robots.txt.json"), b"{}").unwrap();
        std::fs::create_dir_all(s.root.join(".s3sync-meta")).unwrap();
        symlink(&meta_outside, s.root.join(".s3sync-meta/static")).unwrap();
        std::fs::write(s.root.join("static/robots.txt"), b"r").unwrap();
        let before = contents(&s.outside);

        let results = s
            .store
            .delete(&["static/css/app.css".into(), "static/robots.txt".into()])
            .await;
        assert_names_link(&results[0].as_ref().unwrap_err().message, &link, &s.outside);
        let sidecar_err = &results[1].as_ref().unwrap_err().message;
        assert!(sidecar_err.contains(".s3sync-meta/static"), "{sidecar_err}");
        assert_eq!(contents(&s.outside), before, "nothing removed outside");
    }

    #[tokio::test]
    async fn reads_and_header_updates_through_a_link_are_refused() {
        let s = setup();
        std::fs::create_dir_all(s.root.join("static")).unwrap();
        std::fs::write(s.outside.join("app.css"), b"theirs").unwrap();
        let link = s.root.join("static/css");
        symlink(&s.outside, &link).unwrap();
        let before = contents(&s.outside);

        let err = s
            .store
            .update_headers("static/css/app.css", &Headers::default(), None)
            .await
            .unwrap_err();
        assert_names_link(&err.message, &link, &s.outside);
        for prefix in ["", "static/"] {
            let err = s.store.list(prefix).await.unwrap_err();
            assert_names_link(&err.message, &link, &s.outside);
        }
        assert!(s.store.get("static/css/app.css").await.is_err());
        assert!(s.store.head("static/css/app.css").await.is_err());
        assert_eq!(contents(&s.outside), before);
        assert!(!s.root.join(".s3sync-meta/static/css").exists());
    }

    #[tokio::test]
    async fn a_link_in_place_of_an_object_or_the_sidecar_folder_is_refused() {
        let s = setup();
        std::fs::create_dir_all(&s.root).unwrap();
        let secret = s.outside.join("keep.txt");
        let link = s.root.join("manifest.json");
        symlink(&secret, &link).unwrap();
        let err = s.store.get("manifest.json").await.unwrap_err();
        assert_names_link(&err.message, &link, &secret);
        let err = s
            .store
            .put(upload("manifest.json", b"{}"), Condition::Always)
            .await
            .unwrap_err();
        assert_names_link(&err.message, &link, &secret);
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());

        let meta = s.root.join(".s3sync-meta");
        symlink(&s.outside, &meta).unwrap();
        let before = contents(&s.outside);
        let err = s
            .store
            .put(upload("a.txt", b"a"), Condition::Always)
            .await
            .unwrap_err();
        assert_names_link(&err.message, &meta, &s.outside);
        assert_eq!(contents(&s.outside), before);
    }

    #[tokio::test]
    async fn the_root_itself_may_be_a_link() {
        let s = setup();
        let real = s.outside.join("real-out");
        std::fs::create_dir_all(&real).unwrap();
        symlink(&real, &s.root).unwrap();
        s.store
            .put(upload("static/a.txt", b"a"), Condition::Always)
            .await
            .unwrap();
        assert_eq!(std::fs::read(real.join("static/a.txt")).unwrap(), b"a");
        assert_eq!(s.store.list("").await.unwrap().len(), 1);
    }
}

/// The mode a new file gets in this process (0666 less the umask), read
/// from a probe file rather than by changing the umask.
#[cfg(unix)]
fn umask_mode(dir: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    let probe = dir.join("probe");
    std::fs::File::create(&probe).unwrap();
    let mode = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
    std::fs::remove_file(probe).unwrap();
    mode
}

#[cfg(unix)]
#[tokio::test]
async fn published_files_get_the_umask_mode_not_0600() {
    use std::os::unix::fs::PermissionsExt;
    let s = setup();
    let expected = umask_mode(&s.outside);
    assert_ne!(expected, 0o600, "the probe needs a umask other than 077");
    s.store
        .put(upload("static/css/app.css", b"body{}"), Condition::Always)
        .await
        .unwrap();
    s.store
        .update_headers("static/css/app.css", &Headers::default(), None)
        .await
        .unwrap();
    for file in ["static/css/app.css", ".s3sync-meta/static/css/app.css.json"] {
        let mode = std::fs::metadata(s.root.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, expected, "{file}: {mode:o}");
    }
}

#[tokio::test]
async fn list_reports_the_md5_of_the_bytes_not_the_recorded_etag() {
    let s = setup();
    s.store
        .put(upload("static/robots.txt", b"Allow: /"), Condition::Always)
        .await
        .unwrap();
    // Same size, different bytes: the sidecar still records the old ETag.
    std::fs::write(s.root.join("static/robots.txt"), b"Deny!: /").unwrap();
    let listed = s.store.list("static/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, "static/robots.txt");
    assert_eq!(listed[0].size, 8);
    assert_eq!(listed[0].etag, md5_hex(b"Deny!: /"));
    assert_eq!(s.store.list_page("").await.unwrap(), listed);
}

#[tokio::test]
async fn a_failed_put_leaves_no_temporary_file() {
    let s = setup();
    let mut bad = upload("static/a.txt", b"a");
    bad.sha256 = [0; 32];
    assert!(s.store.put(bad, Condition::Always).await.is_err());
    assert!(!s.root.join("static/a.txt").exists());
    assert_eq!(std::fs::read_dir(s.root.join("static")).unwrap().count(), 0);
}

#[tokio::test]
async fn delete_removes_the_object_its_sidecar_and_empty_folders() {
    let s = setup();
    for key in ["static/css/app.css", "static/index.html"] {
        s.store
            .put(upload(key, b"x"), Condition::Always)
            .await
            .unwrap();
    }
    let results = s.store.delete(&["static/css/app.css".into()]).await;
    assert!(results[0].is_ok(), "{results:?}");
    assert!(!s.root.join("static/css").exists());
    assert!(s.root.join("static/index.html").exists());
    assert!(!s.root.join(".s3sync-meta/static/css/app.css.json").exists());
    let keys: Vec<_> = s.store.list("").await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key, "static/index.html");
}

#[tokio::test]
async fn header_update_of_a_large_object_streams_its_md5() {
    // A sparse 64 MiB file: the ETag is computed chunk by chunk.
    let s = setup();
    std::fs::create_dir_all(&s.root).unwrap();
    let size = 64 * 1024 * 1024;
    std::fs::File::create(s.root.join("big.bin"))
        .unwrap()
        .set_len(size)
        .unwrap();
    let mut md5 = Md5::new();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        md5.update(&zeros);
    }
    let expected = hex::encode(md5.finalize());
    let etag = s
        .store
        .update_headers("big.bin", &Headers::default(), Some(&expected))
        .await
        .unwrap();
    assert_eq!(etag.etag, expected);
    assert_eq!(etag.version_id, None, "a folder keeps no versions");
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.root.join(".s3sync-meta/big.bin.json")).unwrap())
            .unwrap();
    assert_eq!(sidecar["size"], size);
    assert_eq!(sidecar["etag"], expected.as_str());
}
