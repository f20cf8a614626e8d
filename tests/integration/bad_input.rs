//! Bad input: each run exits 2 with a message that names the culprit and the
//! fix, and the target is untouched.

use crate::support::{Run, Sandbox};

const GOOD: &str = "source = \"site\"\nto = \"file://out\"\n";

fn sandbox(config: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.write("site/app.css", "body{}");
    sb.config(config);
    sb
}

#[track_caller]
fn fails_with(sb: &Sandbox, args: &[&str], needles: &[&str]) -> Run {
    let run = sb.run(args);
    run.expect(2);
    for n in needles {
        assert!(
            run.stderr.contains(n),
            "stderr lacks {n:?}:\n{}",
            run.stderr
        );
    }
    assert!(!sb.path("out").exists(), "the target must be untouched");
    run
}

#[test]
fn unknown_key_names_line_and_closest_key() {
    let sb = sandbox(&format!("{GOOD}[storage]\nlocaton = \"static\"\n"));
    fails_with(
        &sb,
        &["push"],
        &[
            "s3sync.toml",
            "line 4",
            "unknown field `locaton`",
            "did you mean `location`?",
        ],
    );
}

#[test]
fn wrong_type_names_line_key_and_shows_the_line() {
    let sb = sandbox(&format!("{GOOD}[sync]\njobs = \"many\"\n"));
    fails_with(
        &sb,
        &["push"],
        &[
            "line 4: sync.jobs: expected an integer, found string \"many\"",
            "4 | jobs = \"many\"",
        ],
    );
}

#[test]
fn malformed_and_missing_config() {
    let sb = sandbox("source = \"site\n");
    fails_with(
        &sb,
        &["push"],
        &["s3sync.toml", "line 1", "1 | source = \"site"],
    );
    let sb = sandbox(GOOD);
    fails_with(
        &sb,
        &["push", "--config", "nope.toml"],
        &["cannot read config file", "nope.toml"],
    );
}

#[test]
fn bad_glob_names_pattern_and_line() {
    let sb = sandbox(&format!(
        "{GOOD}\n[[rules]]\nmatch = \"css/[a\"\ncache_control = \"x\"\n"
    ));
    fails_with(&sb, &["push"], &["bad glob 'css/[a'", "line 5"]);
    let sb = sandbox(&format!("exclude = [\"{{a,b\"]\n{GOOD}"));
    fails_with(&sb, &["push"], &["bad glob '{a,b'", "line 1"]);
}

#[test]
fn invalid_values_are_all_reported_at_once() {
    let sb = sandbox(
        "source = \"site\"\n[storage]\nbucket_name = \"Not_A_Bucket\"\ndefault_acl = \"public\"\n[storage.object_parameters]\nCacheControl = \"max-age=1\\r\\nX-Evil: 1\"\n[sync]\njobs = 0\n",
    );
    fails_with(
        &sb,
        &["push"],
        &[
            "invalid bucket name 'Not_A_Bucket'",
            "unknown ACL 'public': use one of private, public-read",
            "cannot go in an HTTP header",
            "[sync] jobs is 0",
        ],
    );
    let sb = sandbox(GOOD);
    fails_with(&sb, &["push", "--jobs", "-4"], &["--jobs is -4"]);
}

#[test]
fn escaping_location_is_refused() {
    let sb = sandbox(&format!("{GOOD}[storage]\nlocation = \"../../etc\"\n"));
    fails_with(&sb, &["push"], &["location '../../etc'", "'..'"]);
}

#[test]
fn missing_file_and_empty_sources() {
    let sb = sandbox("source = \"nothing-here\"\nto = \"file://out\"\n");
    fails_with(
        &sb,
        &["push"],
        &["nothing-here does not exist", "did the build run?"],
    );
    let sb = sandbox("source = \"site/app.css\"\nto = \"file://out\"\n");
    fails_with(&sb, &["push"], &["is a file, not a folder"]);
    let sb = sandbox("source = \"empty\"\nto = \"file://out\"\n");
    std::fs::create_dir(sb.path("empty")).unwrap();
    fails_with(
        &sb,
        &["push", "--delete"],
        &[
            "has no files to publish",
            "refuses to publish an empty tree",
        ],
    );
}

#[test]
fn no_target_and_no_source_say_how_to_set_them() {
    let sb = sandbox("source = \"site\"\n");
    fails_with(
        &sb,
        &["push"],
        &["no target", "bucket_name", "--to s3://BUCKET/PREFIX"],
    );
    let sb = sandbox("to = \"file://out\"\n");
    fails_with(&sb, &["push"], &["no source folder", "pass SOURCE"]);
    fails_with(
        &sb,
        &["push", "--to", "ftp://x"],
        &["--to: unsupported target 'ftp://x'"],
    );
}

#[test]
fn key_longer_than_1024_bytes_is_refused() {
    let sb = sandbox(GOOD);
    let long = format!("site/{}/{}.css", "d".repeat(200), "f".repeat(200));
    sb.write(&long, "x");
    let deep: Vec<String> = "abcde".chars().map(|c| c.to_string().repeat(220)).collect();
    sb.write(&format!("site/{}.css", deep.join("/")), "x");
    fails_with(
        &sb,
        &["push"],
        &["over S3's limit of 1024", "shorten the path"],
    );
}

#[cfg(unix)]
#[test]
fn broken_symlink_and_loop_are_named() {
    let sb = sandbox(GOOD);
    std::os::unix::fs::symlink(sb.path("site/missing.css"), sb.path("site/link.css")).unwrap();
    fails_with(
        &sb,
        &["push"],
        &["broken symbolic link", "link.css", "skip_broken_links"],
    );
    let sb = sandbox(GOOD);
    std::fs::create_dir(sb.path("site/sub")).unwrap();
    std::os::unix::fs::symlink(sb.path("site"), sb.path("site/sub/loop")).unwrap();
    fails_with(&sb, &["push"], &["symbolic link loop", "loop"]);
}

#[cfg(target_os = "linux")]
#[test]
fn non_utf8_file_name_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let sb = sandbox(GOOD);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.css");
    std::fs::write(sb.path("site").join(name), "x").unwrap();
    fails_with(&sb, &["push"], &["is not valid UTF-8", "rename the file"]);
}

#[test]
fn unreadable_remote_manifest_points_at_verify() {
    let sb = sandbox(GOOD);
    sb.write("out/.s3sync-manifest.json", "{ not json");
    let run = sb.run(&["push"]);
    run.expect(2);
    assert!(run.stderr.contains("cannot be used"), "{}", run.stderr);
    assert!(run.stderr.contains("--verify"), "{}", run.stderr);
    sb.run(&["push", "--verify"]).expect(0);
    sb.run(&["diff", "--exit-code"]).expect(0);
}

#[test]
fn config_that_is_a_folder_is_unreadable_and_named() {
    let sb = sandbox(GOOD);
    std::fs::create_dir(sb.path("conf.d")).unwrap();
    fails_with(
        &sb,
        &["push", "--config", "conf.d"],
        &["cannot read config file conf.d"],
    );
}

#[test]
fn bad_retry_settings_are_named() {
    let sb = sandbox(&format!("{GOOD}[sync]\nattempts = 0\nstall_timeout = -1\n"));
    fails_with(
        &sb,
        &["push"],
        &["[sync] attempts is 0", "[sync] stall_timeout is -1"],
    );
}

#[test]
fn missing_credentials_are_two_plain_lines_with_the_fix() {
    let sb = sandbox("source = \"site\"\nto = \"s3://s3sync-no-such-bucket/static\"\n");
    let run = sb.run_without(&["push"], &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    run.expect(2);
    assert!(
        run.stderr.contains("no AWS credentials were found")
            && run.stderr.contains("Fix: set AWS_ACCESS_KEY_ID"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.lines().count() <= 2, "{}", run.stderr);
    for internal in ["DispatchFailure", "{ source", "ProviderChainError"] {
        assert!(!run.stderr.contains(internal), "{}", run.stderr);
    }
    // -v adds the SDK's own account of the chain, once.
    let verbose = sb.run_without(
        &["push", "-v"],
        &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    );
    verbose.expect(2);
    assert!(verbose.stderr.contains("  detail: "), "{}", verbose.stderr);
}
