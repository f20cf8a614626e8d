//! Test harness: a sandbox folder, the real `s3sync` binary run in it with a
//! clean environment, and helpers to read objects back from the S3 server.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};

pub(crate) const ACCESS_KEY: &str = "AKIATESTS3SYNC000001";
/// Must never appear in any output.
pub(crate) const SECRET_KEY: &str = "s3sync-test-secret-never-print-me";

/// The output of one run of the binary.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub(crate) fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code {} (wanted {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        assert!(
            !self.stdout.contains(SECRET_KEY) && !self.stderr.contains(SECRET_KEY),
            "the secret key leaked into the output"
        );
        self
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// stdout and stderr together, for message checks.
    pub(crate) fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub(crate) fn summary(run: &Run, field: &str) -> u64 {
    run.json()["summary"][field]
        .as_u64()
        .unwrap_or_else(|| panic!("no summary.{field} in {}", run.stdout))
}

/// A temporary folder with a source tree under `site/` and a config file.
pub(crate) struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A sandbox whose `site/` is a copy of the repository's `assets-example/`.
    pub(crate) fn with_assets() -> Self {
        let sb = Self::new();
        copy_tree(&repo_root().join("assets-example"), &sb.path("site"));
        sb
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub(crate) fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    pub(crate) fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub(crate) fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).unwrap();
    }

    pub(crate) fn config(&self, text: &str) {
        self.write("s3sync.toml", text);
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Start the real binary in the background (for kill and Ctrl-C tests).
    pub(crate) fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args, &[])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start s3sync")
    }

    /// Run the real binary in the sandbox with a clean environment: only
    /// the test credentials and what `env` adds.
    pub(crate) fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out = self.command(args, env).output().expect("run s3sync");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run the real binary without the given variables of the clean
    /// environment (e.g. no credentials at all).
    pub(crate) fn run_without(&self, args: &[&str], removed: &[&str]) -> Run {
        let mut command = self.command(args, &[]);
        for name in removed {
            command.env_remove(name);
        }
        let out = command.output().expect("run s3sync");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_s3sync"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", self.path(".aws-config-none"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.path(".aws-credentials-none"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env.iter().copied());
        command
    }
}

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

pub(crate) fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// The S3 test server's endpoint, from scripts/test.sh. A missing server is
/// a failure that says how to start one, never a silent skip.
pub(crate) fn endpoint() -> String {
    std::env::var("S3SYNC_TEST_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "S3SYNC_TEST_ENDPOINT is not set, so there is no S3 server to test against. \
             Run the tests with `scripts/test.sh` (it installs moto into .venv and starts it), \
             or start one yourself: `.venv/bin/moto_server -H 127.0.0.1 -p 5000` and \
             `S3SYNC_TEST_ENDPOINT=http://127.0.0.1:5000 cargo test`"
        )
    })
}

/// A real S3 client against the test server, and a fresh bucket.
pub(crate) struct S3 {
    pub client: Client,
    pub bucket: String,
    pub endpoint: String,
}

static BUCKETS: AtomicUsize = AtomicUsize::new(0);

impl S3 {
    pub(crate) async fn new(hint: &str) -> Self {
        let endpoint = endpoint();
        let client = client(&endpoint);
        let n = BUCKETS.fetch_add(1, Ordering::Relaxed);
        let bucket = format!("t-{hint}-{}-{n}", std::process::id()).replace('_', "-");
        client
            .create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot create bucket {bucket} at {endpoint} ({e:?}). Is the S3 test server running? \
                     Run the tests with `scripts/test.sh`, which installs and starts moto"
                )
            });
        Self {
            client,
            bucket,
            endpoint,
        }
    }

    /// A config for this bucket (path-style, the test endpoint) plus `extra`.
    pub(crate) fn config(&self, endpoint: &str, extra: &str) -> String {
        format!(
            "source = \"site\"\n[storage]\nbucket_name = \"{}\"\nlocation = \"static\"\nendpoint_url = \"{endpoint}\"\naddressing_style = \"path\"\nregion_name = \"us-east-1\"\n{extra}",
            self.bucket,
        )
    }

    pub(crate) async fn keys(&self) -> Vec<String> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .send()
            .await
            .unwrap();
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    }

    pub(crate) async fn get(&self, key: &str) -> Object {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("get {key}: {e:?}"));
        let object = Object {
            content_type: out.content_type().map(str::to_string),
            content_encoding: out.content_encoding().map(str::to_string),
            cache_control: out.cache_control().map(str::to_string),
            metadata: out.metadata().cloned().unwrap_or_default(),
            etag: out
                .e_tag()
                .unwrap_or_default()
                .trim_matches('"')
                .to_string(),
            bytes: Vec::new(),
        };
        let bytes = out.body.collect().await.unwrap().into_bytes().to_vec();
        Object { bytes, ..object }
    }

    /// Whether the object's ACL grants READ to everyone (AllUsers).
    pub(crate) async fn public_read(&self, key: &str) -> bool {
        let acl = self
            .client
            .get_object_acl()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        acl.grants().iter().any(|g| {
            g.grantee()
                .and_then(|g| g.uri())
                .is_some_and(|u| u.ends_with("/global/AllUsers"))
                && g.permission().map(aws_sdk_s3::types::Permission::as_str) == Some("READ")
        })
    }

    pub(crate) async fn put(&self, key: &str, bytes: &[u8]) {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(bytes.to_vec().into())
            .send()
            .await
            .unwrap();
    }
}

/// Add a line to the `[storage]` table of a config.
pub(crate) fn with_storage(config: &str, line: &str) -> String {
    config.replacen("[storage]\n", &format!("[storage]\n{line}\n"), 1)
}

pub(crate) struct Object {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub cache_control: Option<String>,
    pub metadata: std::collections::HashMap<String, String>,
    pub etag: String,
}

impl Object {
    /// The bytes a browser would see (decoded when gzip- or br-encoded).
    pub(crate) fn decoded(&self) -> Vec<u8> {
        match self.content_encoding.as_deref() {
            Some("gzip") => gunzip(&self.bytes),
            Some("br") => {
                let mut out = Vec::new();
                brotli::BrotliDecompress(&mut &self.bytes[..], &mut out).expect("valid brotli");
                out
            }
            _ => self.bytes.clone(),
        }
    }
}

pub(crate) fn client(endpoint: &str) -> Client {
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new(
            ACCESS_KEY, SECRET_KEY, None, None, "tests",
        ))
        .build();
    Client::from_conf(config)
}
