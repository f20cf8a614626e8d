//! Tests of the walk: filters, hidden files, the symlink rule, special
//! files, non-UTF-8 names.

use super::*;
use crate::config::{FollowSymlinks, GlobSpec};
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
        follow_symlinks: FollowSymlinks::Inside,
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
    std::os::unix::fs::symlink(dir.path().join("real/a.css"), dir.path().join("link.css")).unwrap();
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

#[cfg(unix)]
fn link(target: impl AsRef<Path>, at: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

fn following(mode: FollowSymlinks) -> FilterSettings {
    let mut f = filter(&[], &[]);
    f.follow_symlinks = mode;
    f
}

/// A sandbox with `site/index.html` and, beside `site`, `secret.txt` and
/// `.env`.
fn site_with_secrets() -> (tempfile::TempDir, PathBuf) {
    let dir = tree(&["site/index.html", "secret.txt", ".env"]);
    let site = dir.path().join("site");
    (dir, site)
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_source_is_refused_naming_link_target_and_fix() {
    let (dir, site) = site_with_secrets();
    link("../secret.txt", site.join("notes.txt"));
    let err = scan(&site, &filter(&[], &[])).unwrap_err();
    assert!(matches!(err, ScanError::Outside { .. }), "{err}");
    let text = err.to_string();
    let target = fs::canonicalize(dir.path().join("secret.txt")).unwrap();
    for needle in [
        "notes.txt",
        target.to_str().unwrap(),
        "follow_symlinks = \"outside\"",
        "[scan]",
        "Copy the file",
    ] {
        assert!(text.contains(needle), "{needle} missing: {text}");
    }
    // A folder link out of the source is refused the same way.
    fs::remove_file(site.join("notes.txt")).unwrap();
    link(dir.path(), site.join("up"));
    let err = scan(&site, &filter(&[], &[])).unwrap_err();
    assert!(matches!(err, ScanError::Outside { .. }), "{err}");
    // Excluding the link's own path silences it.
    fs::remove_file(site.join("up")).unwrap();
    link("../secret.txt", site.join("notes.txt"));
    let s = scan(&site, &filter(&[], &["notes.txt"])).unwrap();
    assert_eq!(paths(&s), ["index.html"]);
}

#[cfg(unix)]
#[test]
fn outside_follows_any_link_but_not_to_a_hidden_name() {
    let (dir, site) = site_with_secrets();
    link("../secret.txt", site.join("notes.txt"));
    link("../.env", site.join("env.public"));
    let s = scan(&site, &following(FollowSymlinks::Outside)).unwrap();
    assert_eq!(paths(&s), ["index.html", "notes.txt"]);
    let notes = &s.files[1];
    assert_eq!(
        notes.abs,
        fs::canonicalize(dir.path().join("secret.txt")).unwrap(),
        "read from the real path"
    );
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("env.public") && w.contains("hidden")),
        "{:?}",
        s.warnings
    );
}

#[cfg(target_os = "linux")]
#[test]
fn links_to_proc_sys_dev_and_special_files_are_refused_whatever_the_setting() {
    for target in [
        "/proc/self/environ",
        "/proc/self",
        "/dev/null",
        "/sys/kernel",
    ] {
        let dir = tree(&["index.html"]);
        link(target, dir.path().join("x"));
        for mode in [FollowSymlinks::Inside, FollowSymlinks::Outside] {
            let err = scan(dir.path(), &following(mode)).unwrap_err();
            assert!(matches!(err, ScanError::Special { .. }), "{target}: {err}");
            assert!(err.to_string().contains("never reads"), "{err}");
        }
    }
    // A link to a FIFO inside the source is refused too.
    let dir = tree(&["index.html"]);
    mkfifo(&dir.path().join("pipe"));
    link("pipe", dir.path().join("x"));
    let err = scan(dir.path(), &filter(&[], &["pipe"])).unwrap_err();
    assert!(matches!(err, ScanError::Special { .. }), "{err}");
}

#[cfg(unix)]
#[test]
fn fifos_are_skipped_with_a_warning_and_devices_are_errors() {
    let dir = tree(&["index.html"]);
    mkfifo(&dir.path().join("pipe"));
    let s = scan(dir.path(), &filter(&[], &[])).unwrap();
    assert_eq!(paths(&s), ["index.html"]);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("pipe") && w.contains("FIFO")),
        "{:?}",
        s.warnings
    );
    // Making a device node needs root; the verdict on one is checked here.
    let null = fs::metadata("/dev/null").unwrap();
    let err = special(Path::new("site/null"), &null).unwrap_err();
    assert!(matches!(err, ScanError::Device(_)), "{err}");
    assert!(err.to_string().contains("site/null"), "{err}");
}

#[cfg(unix)]
#[test]
fn the_hidden_and_exclude_filters_apply_to_where_a_link_leads() {
    let dir = tree(&[
        "index.html",
        ".env",
        ".git/config",
        "secret/key.txt",
        "real/a.css",
    ]);
    let root = dir.path();
    link(".env", root.join("public.txt"));
    link(".git", root.join("x"));
    link("secret/key.txt", root.join("key.txt"));
    link("real", root.join("alias"));
    let s = scan(root, &filter(&[], &["secret/**"])).unwrap();
    assert_eq!(paths(&s), ["alias/a.css", "index.html", "real/a.css"]);
    let warned = s.warnings.join("\n");
    for needle in ["public.txt", "x", "key.txt", "is hidden", "excluded"] {
        assert!(warned.contains(needle), "{needle} missing: {warned}");
    }
    assert_eq!(
        fs::read(&s.files[0].abs).unwrap(),
        b"real/a.css",
        "an inside link publishes the same bytes"
    );
    // With include_hidden the hidden targets are published.
    let mut f = filter(&[], &["secret/**"]);
    f.include_hidden = true;
    let s = scan(root, &f).unwrap();
    assert!(paths(&s).contains(&"public.txt"), "{:?}", paths(&s));
    assert!(paths(&s).contains(&"x/config"), "{:?}", paths(&s));
}

#[cfg(unix)]
#[test]
fn never_skips_every_link_with_a_warning() {
    let (_dir, site) = site_with_secrets();
    link("index.html", site.join("copy.html"));
    link("../secret.txt", site.join("notes.txt"));
    let s = scan(&site, &following(FollowSymlinks::Never)).unwrap();
    assert_eq!(paths(&s), ["index.html"]);
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
    assert!(s.warnings[0].contains("follow_symlinks = \"never\""));
}

#[cfg(unix)]
#[test]
fn outside_never_reaches_a_file_in_a_hidden_folder() {
    let dir = tree(&[
        "site/index.html",
        "home/.aws/credentials",
        "home/.ssh/id_rsa",
    ]);
    let site = dir.path().join("site");
    link("../home/.aws/credentials", site.join("creds.txt"));
    link("../home/.ssh/id_rsa", site.join("key.txt"));
    let s = scan(&site, &following(FollowSymlinks::Outside)).unwrap();
    assert_eq!(paths(&s), ["index.html"]);
    assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
}

#[cfg(unix)]
#[test]
fn a_folder_link_out_that_exclude_drops_whole_is_no_error() {
    let dir = tree(&["site/index.html", "elsewhere/pkg/index.js"]);
    let site = dir.path().join("site");
    link("../elsewhere", site.join("node_modules"));
    for pattern in ["node_modules/**", "**/node_modules/**"] {
        let s = scan(&site, &filter(&[], &[pattern])).unwrap();
        assert_eq!(paths(&s), ["index.html"], "{pattern}");
    }
    // Excluding only some files under it leaves the rest to publish, so
    // the link out is still refused.
    let err = scan(&site, &filter(&[], &["node_modules/*.map"])).unwrap_err();
    assert!(matches!(err, ScanError::Outside { .. }), "{err}");
}
