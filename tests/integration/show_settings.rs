//! The hidden `--show-settings`: the settings a command would run with,
//! resolved from flag > `S3SYNC_*` env > django-storages env > file >
//! default, printed as one JSON value and snapshotted whole.

use crate::support::Sandbox;

/// Each layer sets some values and is overridden by the next for others
/// (the test's environment and flag are below):
///
/// | setting          | file | django env | S3SYNC_* env | flag | shown        |
/// |------------------|------|------------|--------------|------|--------------|
/// | sync.jobs        | 8    |            | 16           | 4    | 4: flag      |
/// | prefix           | yes  | yes        | yes          |      | from-ours    |
/// | destination      | yes  | yes        |              |      | from django  |
/// | s3.region        | yes  | yes        |              |      | from django  |
/// | acl, custom_domain, gzip level, exclude, rules | yes | | |  | from file    |
/// | everything else  |      |            |              |      | the default  |
const CONFIG: &str = r#"
source = "site"
exclude = ["*.map"]

[storage]
bucket_name = "bucket-from-file"
location = "from-file"
region_name = "region-from-file"
custom_domain = "cdn.file.example"
default_acl = "private"

[gzip]
level = 6

[sync]
jobs = 8

[[rules]]
match = "**/*.html"
cache_control = "no-cache"
"#;

#[test]
fn show_settings_layers_flag_over_env_over_django_env_over_file_over_default() {
    let sb = Sandbox::new();
    sb.config(CONFIG);
    let run = sb.run_env(
        &["push", "--jobs", "4", "--show-settings"],
        &[
            ("AWS_STORAGE_BUCKET_NAME", "bucket-from-django"),
            ("AWS_LOCATION", "from-django"),
            ("AWS_S3_REGION_NAME", "region-from-django"),
            ("S3SYNC_LOCATION", "from-ours"),
            ("S3SYNC_JOBS", "16"),
        ],
    );
    run.expect(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // Nothing was pushed or even read: the source does not exist.
    assert!(!sb.path("site").exists());
    let mut shown = run.stdout.clone();
    for dir in [
        sb.dir.path().to_path_buf(),
        sb.dir.path().canonicalize().unwrap(),
    ] {
        shown = shown.replace(&*dir.to_string_lossy(), "[SANDBOX]");
    }
    insta::assert_snapshot!("resolved_settings", shown);
}

#[test]
fn show_settings_is_hidden_from_help() {
    let sb = Sandbox::new();
    for args in [&["--help"][..], &["push", "--help"]] {
        let run = sb.run(args);
        run.expect(0);
        assert!(!run.stdout.contains("show-settings"), "{}", run.stdout);
    }
}
