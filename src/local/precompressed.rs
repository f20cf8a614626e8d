//! The `.gz` and `.br` copies a build leaves beside the files it compressed
//! (whitenoise's `CompressedManifestStaticFilesStorage`, vite and webpack
//! compression plugins). S3 serves a key's bytes as they are, never
//! `app.css.gz` in place of `app.css`, so such a copy is dead weight: it is
//! left out of the publish under `[gzip] precompressed = "skip"` (the
//! default), with one warning that counts them. A `.gz` or `.br` file
//! whose uncompressed file is not published is kept.
//!
//! The walk as a push sees it ([`published`]) runs here, so `push`, `diff`,
//! `manifest`, `check`, `explain` and `url` agree on what is published.

use std::collections::BTreeSet;
use std::path::Path;

use crate::config::{Precompressed, Settings};
use crate::local::scan::{self, LocalFile, Scan, ScanError};

/// The extensions of a precompressed copy.
const EXTENSIONS: &[&str] = &[".gz", ".br"];

/// One copy left out: its path and the published file it is a copy of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub sibling: String,
}

impl Skipped {
    /// Why it is not published, for `explain` and `url`.
    pub fn reason(&self) -> String {
        format!(
            "a precompressed copy of {}, which is published: S3 never serves it in that file's place, so it is skipped. Set `[gzip] precompressed = \"upload\"` to upload it",
            crate::escape::for_terminal(&self.sibling)
        )
    }
}

/// The uncompressed file `path` would be a copy of: `css/a.css` for
/// `css/a.css.gz` or `css/a.css.br`.
pub fn sibling_of(path: &str) -> Option<&str> {
    EXTENSIONS
        .iter()
        .find_map(|ext| path.strip_suffix(ext))
        .filter(|rest| !rest.is_empty() && !rest.ends_with('/'))
}

/// Split the precompressed copies off `files` (under `Skip`): those whose
/// uncompressed file is also in `files`.
pub fn take(files: &mut Vec<LocalFile>, mode: Precompressed) -> Vec<Skipped> {
    if mode == Precompressed::Upload {
        return Vec::new();
    }
    let published: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let skipped: Vec<Skipped> = files
        .iter()
        .filter_map(|f| {
            let sibling = sibling_of(&f.path).filter(|s| published.contains(s))?;
            Some(Skipped {
                path: f.path.clone(),
                sibling: sibling.to_string(),
            })
        })
        .collect();
    if !skipped.is_empty() {
        let gone: BTreeSet<&str> = skipped.iter().map(|s| s.path.as_str()).collect();
        files.retain(|f| !gone.contains(f.path.as_str()));
    }
    skipped
}

/// The one warning for a run: how many were skipped, why, and the setting
/// that changes it. `None` when nothing was.
pub fn summary(skipped: &[Skipped]) -> Option<String> {
    let first = skipped.first()?;
    let n = skipped.len();
    let (files, them) = if n == 1 {
        ("file", "it")
    } else {
        ("files", "them")
    };
    Some(format!(
        "skipped {n} precompressed {files} (.gz, .br) beside the published files they compress (e.g. {}): S3 never serves such a copy in its file's place, and s3sync compresses on upload itself ([gzip]). Set `[gzip] precompressed = \"upload\"` to publish {them} too",
        crate::escape::for_terminal(&first.path)
    ))
}

/// The walk of the source as a push publishes it: [`scan::scan`], then the
/// precompressed copies taken off (the summary joins the warnings).
pub fn published(source: &Path, settings: &Settings) -> Result<(Scan, Vec<Skipped>), ScanError> {
    let mut scan = scan::scan(source, &settings.filter)?;
    let skipped = take(&mut scan.files, settings.gzip.precompressed);
    scan.warnings.extend(summary(&skipped));
    Ok((scan, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> Vec<LocalFile> {
        paths
            .iter()
            .map(|p| LocalFile {
                path: (*p).to_string(),
                abs: Path::new("/nowhere").join(p),
                size: 1,
                stamp: None,
            })
            .collect()
    }

    fn paths(files: &[LocalFile]) -> Vec<&str> {
        files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn a_copy_beside_its_file_is_skipped_and_a_lone_one_kept() {
        let mut tree = files(&[
            "a.css",
            "a.css.br",
            "a.css.gz",
            "admin/css/base.5af6.css",
            "admin/css/base.5af6.css.gz",
            "b.js.br",
            "data/dump.sql.gz",
            "nested/deeper/c.svg.gz",
        ]);
        let skipped = take(&mut tree, Precompressed::Skip);
        assert_eq!(
            paths(&tree),
            [
                "a.css",
                "admin/css/base.5af6.css",
                "b.js.br",
                "data/dump.sql.gz",
                "nested/deeper/c.svg.gz"
            ]
        );
        assert_eq!(
            skipped,
            [
                ("a.css.br", "a.css"),
                ("a.css.gz", "a.css"),
                ("admin/css/base.5af6.css.gz", "admin/css/base.5af6.css"),
            ]
            .map(|(path, sibling)| Skipped {
                path: path.into(),
                sibling: sibling.into()
            })
        );
        let warning = summary(&skipped).unwrap();
        assert!(
            warning.starts_with("skipped 3 precompressed files")
                && warning.contains("(e.g. a.css.br)")
                && warning.contains("[gzip] precompressed = \"upload\""),
            "{warning}"
        );
    }

    #[test]
    fn the_sibling_must_be_in_the_same_folder() {
        let mut tree = files(&["css/a.css", "a.css.gz", "other/a.css.gz"]);
        assert!(take(&mut tree, Precompressed::Skip).is_empty());
        assert_eq!(tree.len(), 3);
        assert_eq!(sibling_of(".gz"), None);
        assert_eq!(sibling_of("dir/.br"), None);
        assert_eq!(sibling_of("a.tar.gz"), Some("a.tar"));
    }

    #[test]
    fn upload_keeps_every_copy_and_nothing_skipped_says_nothing() {
        let mut tree = files(&["a.css", "a.css.gz", "a.css.br"]);
        assert!(take(&mut tree, Precompressed::Upload).is_empty());
        assert_eq!(tree.len(), 3);
        assert_eq!(summary(&[]), None);
        let one = [Skipped {
            path: "a.css.gz".into(),
            sibling: "a.css".into(),
        }];
        assert!(
            summary(&one)
                .unwrap()
                .starts_with("skipped 1 precompressed file ")
        );
    }
}
