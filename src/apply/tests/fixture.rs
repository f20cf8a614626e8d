//! The test fixture of `apply`: a source tree in a temporary folder, an
//! in-memory bucket, and a push through the whole pipeline.

use std::path::Path;
use std::sync::Arc;

use crate::apply::Applied;
use crate::config::file::{LoadedFile, parse};
use crate::config::{Overrides, Settings};
use crate::pipeline::{self, PipelineOptions};
use crate::progress::{Observer, Silent};
use crate::record::manifest::Manifest;
use crate::store::Store;
use crate::store::memory::MemoryStore;

pub(in crate::apply) struct Fixture {
    pub(in crate::apply) dir: tempfile::TempDir,
    pub(in crate::apply) store: Arc<MemoryStore>,
}

impl Fixture {
    pub(in crate::apply) fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let f = Self {
            dir,
            store: Arc::new(MemoryStore::new()),
        };
        for (path, body) in files {
            f.write(path, body);
        }
        f
    }

    /// `n` CSS files `f0.css`, `f1.css`, … (numbers zero-padded to `width`),
    /// each holding its number.
    pub(in crate::apply) fn numbered(n: usize, width: usize) -> Self {
        let f = Self::new(&[]);
        for i in 0..n {
            f.write(&format!("f{i:0width$}.css"), &i.to_string());
        }
        f
    }

    pub(in crate::apply) fn write(&self, path: &str, body: &str) {
        let p = self.dir.path().join("site").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }

    pub(in crate::apply) fn settings(&self, extra: &str) -> Settings {
        let text = format!(
            "source = \"site\"\nto = \"file://unused\"\n[storage]\nlocation = \"static\"\n{extra}"
        );
        let file = LoadedFile {
            path: self.dir.path().join("s3sync.toml"),
            config: parse(&text).unwrap(),
            text,
        };
        Settings::resolve(
            &Overrides::default(),
            &|_| None,
            Some(&file),
            Path::new("/"),
        )
        .unwrap()
    }

    pub(in crate::apply) fn shared(&self) -> crate::store::SharedStore {
        self.store.clone()
    }

    pub(in crate::apply) async fn push(&self, settings: &Settings) -> (pipeline::Planned, Applied) {
        self.push_at(settings, crate::clock::Stamp::default()).await
    }

    /// A push whose clock says `now`.
    pub(in crate::apply) async fn push_at(
        &self,
        settings: &Settings,
        now: crate::clock::Stamp,
    ) -> (pipeline::Planned, Applied) {
        let observer: Arc<dyn Observer> = Arc::new(Silent);
        let prepared = pipeline::load_and_plan(
            settings,
            &self.shared(),
            &PipelineOptions {
                now,
                ..PipelineOptions::default()
            },
            &observer,
        )
        .await
        .unwrap();
        let applied =
            pipeline::guard_and_apply(settings, self.shared(), &prepared, observer, no_cancel())
                .await
                .unwrap();
        (prepared, applied)
    }

    pub(in crate::apply) async fn remote_manifest(&self) -> Manifest {
        let f = self
            .store
            .get("static/.s3sync-manifest.json")
            .await
            .unwrap()
            .unwrap();
        Manifest::from_stored(&f.bytes).unwrap()
    }
}

pub(in crate::apply) fn no_cancel() -> Arc<std::sync::atomic::AtomicBool> {
    Arc::new(std::sync::atomic::AtomicBool::new(false))
}

pub(in crate::apply) fn puts(log: &[String]) -> Vec<&str> {
    log.iter().filter_map(|l| l.strip_prefix("put ")).collect()
}

/// The log with deploy ids (time-based) replaced by `ID`.
pub(in crate::apply) fn without_ids(log: Vec<String>) -> Vec<String> {
    log.into_iter()
        .map(|line| match line.split_once(".deploys/") {
            Some((head, _)) => format!("{head}.deploys/ID"),
            None => line,
        })
        .collect()
}
