//! A hostile source tree: links out of the source, into /proc, to hidden
//! files, FIFOs. The real binary against a `file://` target: nothing from
//! outside the source (or hidden in it) is published, and nothing hangs.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::{Run, SECRET_KEY, Sandbox};

/// gzip off, so a leaked secret would be found byte for byte in the target.
const CONFIG: &str = "source = \"site\"\nto = \"file://out\"\n[gzip]\nenabled = false\n";
const OUTSIDE: &str = "source = \"site\"\nto = \"file://out\"\n[gzip]\nenabled = false\n[scan]\nfollow_symlinks = \"outside\"\n";
const ENV_SECRET: &str = "API_TOKEN=hunter2-do-not-publish";

fn sandbox(config: &str) -> Sandbox {
    let sb = Sandbox::new();
    sb.write("site/index.html", "<h1>hi</h1>");
    sb.config(config);
    sb
}

fn symlink(target: impl AsRef<Path>, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Every byte under the target folder, to search for a leaked secret.
fn published_bytes(sb: &Sandbox) -> Vec<u8> {
    let mut all = Vec::new();
    if sb.path("out").exists() {
        for entry in walkdir::WalkDir::new(sb.path("out")) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                all.extend(std::fs::read(entry.path()).unwrap());
            }
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Run the binary, killing it and failing the test if it has not finished
/// within `limit` (a hang is a failure, not a stuck test run).
fn run_bounded(sb: &Sandbox, args: &[&str], limit: Duration) -> Run {
    let child = sb.spawn(args);
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(out) = rx.recv_timeout(limit) else {
        // Our own child, by its id.
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        let _ = waiter.join();
        panic!("s3sync {args:?} did not finish within {limit:?}: it hung");
    };
    let out = out.expect("wait for s3sync");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_link_out_of_the_source_is_refused_before_anything_is_written() {
    let sb = sandbox(CONFIG);
    sb.write(".env", ENV_SECRET);
    symlink("../.env", &sb.path("site/env.public"));
    let run = run_bounded(&sb, &["push"], LIMIT);
    run.expect(2);
    let target = std::fs::canonicalize(sb.path(".env")).unwrap();
    for needle in [
        "site/env.public",
        target.to_str().unwrap(),
        "follow_symlinks = \"outside\"",
        "[scan]",
        "Copy the file",
    ] {
        assert!(
            run.stderr.contains(needle),
            "{needle} missing:\n{}",
            run.stderr
        );
    }
    assert!(!sb.path("out").exists(), "nothing may be written");
    // diff refuses it the same way.
    run_bounded(&sb, &["diff"], LIMIT).expect(2);
}

#[test]
fn follow_symlinks_outside_publishes_a_deliberate_link_but_never_a_hidden_one() {
    let sb = sandbox(OUTSIDE);
    sb.write("shared/notice.txt", "shared notice");
    sb.write(".env", ENV_SECRET);
    symlink("../shared/notice.txt", &sb.path("site/notice.txt"));
    symlink("../.env", &sb.path("site/env.public"));
    let run = run_bounded(&sb, &["push"], LIMIT);
    run.expect(0);
    assert_eq!(sb.read("out/notice.txt"), b"shared notice");
    assert!(!sb.path("out/env.public").exists());
    assert!(
        run.stderr.contains("env.public") && run.stderr.contains("hidden"),
        "{}",
        run.stderr
    );
    assert!(!contains(&published_bytes(&sb), ENV_SECRET));
}

#[cfg(target_os = "linux")]
#[test]
fn a_link_to_proc_self_environ_is_refused_even_with_outside() {
    for config in [CONFIG, OUTSIDE] {
        let sb = sandbox(config);
        symlink("/proc/self/environ", &sb.path("site/env.txt"));
        let run = run_bounded(&sb, &["push"], LIMIT);
        run.expect(2);
        for needle in ["site/env.txt", "/proc/", "never reads"] {
            assert!(
                run.stderr.contains(needle),
                "{needle} missing:\n{}",
                run.stderr
            );
        }
        assert!(
            !contains(&published_bytes(&sb), SECRET_KEY),
            "the environment leaked"
        );
        assert!(!sb.path("out").exists(), "nothing may be written");
    }
}

#[test]
fn a_fifo_in_the_tree_is_skipped_with_a_warning() {
    let sb = sandbox(CONFIG);
    mkfifo(&sb.path("site/pipe.txt"));
    let run = run_bounded(&sb, &["push"], LIMIT);
    run.expect(0);
    assert!(
        run.stderr.contains("warning: skipped ")
            && run.stderr.contains("site/pipe.txt: it is a FIFO"),
        "{}",
        run.stderr
    );
    assert_eq!(sb.read("out/index.html"), b"<h1>hi</h1>");
    assert!(!sb.path("out/pipe.txt").exists());
}

#[test]
fn a_fifo_named_staticfiles_json_does_not_hang_diff() {
    let sb = sandbox(CONFIG);
    mkfifo(&sb.path("site/staticfiles.json"));
    let run = run_bounded(&sb, &["diff"], LIMIT);
    run.expect(0);
    assert!(
        run.stderr
            .contains("site/staticfiles.json was not read: it is a FIFO"),
        "{}",
        run.stderr
    );
    // Named in [hashed] manifests, it is an error naming the file.
    sb.config(&format!(
        "{CONFIG}[hashed]\nmanifests = \"staticfiles.json\"\n"
    ));
    let run = run_bounded(&sb, &["diff"], LIMIT);
    run.expect(2);
    assert!(
        run.stderr.contains("[hashed] manifests") && run.stderr.contains("staticfiles.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn inside_links_publish_the_same_bytes_but_never_a_hidden_file() {
    let sb = sandbox(CONFIG);
    sb.write("site/css/app.css", "body{color:red}");
    sb.write("site/.env", ENV_SECRET);
    sb.write("site/.git/config", "[remote] url = secret");
    symlink("css/app.css", &sb.path("site/latest.css"));
    symlink(".env", &sb.path("site/public.txt"));
    symlink(".git", &sb.path("site/x"));
    let run = run_bounded(&sb, &["push"], LIMIT);
    run.expect(0);
    assert_eq!(sb.read("out/latest.css"), b"body{color:red}");
    assert_eq!(sb.read("out/css/app.css"), b"body{color:red}");
    assert!(!sb.path("out/public.txt").exists());
    assert!(!sb.path("out/x").exists());
    let published = published_bytes(&sb);
    assert!(!contains(&published, ENV_SECRET) && !contains(&published, "[remote]"));
    for needle in ["public.txt", "site/x", "is hidden", "include_hidden"] {
        assert!(
            run.stderr.contains(needle),
            "{needle} missing:\n{}",
            run.stderr
        );
    }
}

#[test]
fn an_unknown_follow_symlinks_value_names_the_key_and_the_choices() {
    let sb = sandbox(&format!("{CONFIG}[scan]\nfollow_symlinks = \"yes\"\n"));
    let run = run_bounded(&sb, &["push"], LIMIT);
    run.expect(2);
    for needle in [
        "[scan] follow_symlinks",
        "\"yes\"",
        "\"inside\"",
        "\"outside\"",
        "\"never\"",
    ] {
        assert!(
            run.stderr.contains(needle),
            "{needle} missing:\n{}",
            run.stderr
        );
    }
    assert!(!sb.path("out").exists());
}

#[test]
fn explain_says_what_the_walk_would_do_with_a_link() {
    let sb = sandbox(CONFIG);
    sb.write(".env", ENV_SECRET);
    sb.write("site/.hidden.txt", "not for the web");
    symlink(sb.path("site/.hidden.txt"), &sb.path("site/public.txt"));
    let inside = sb.run(&["explain", "public.txt"]);
    inside.expect(0);
    assert!(
        inside.stdout.contains("published           no: ") && inside.stdout.contains("is hidden"),
        "{}",
        inside.stdout
    );
    // A plain file is published: no "published" line.
    let plain = sb.run(&["explain", "index.html"]);
    plain.expect(0);
    assert!(!plain.stdout.contains("published"), "{}", plain.stdout);
    // A link out of the source stops the whole push, and explain says so.
    symlink(sb.path(".env"), &sb.path("site/env.public"));
    let outside = sb.run(&["explain", "env.public"]);
    outside.expect(0);
    assert!(
        outside
            .stdout
            .contains("no: the push would stop: symbolic link")
            && outside.stdout.contains("follow_symlinks"),
        "{}",
        outside.stdout
    );
}

#[test]
fn a_newline_in_a_name_cannot_forge_a_line_of_output() {
    let sb = sandbox(CONFIG);
    mkfifo(&sb.path("site/p\nok   all checks passed"));
    let check = run_bounded(&sb, &["check"], Duration::from_secs(60));
    let diff = run_bounded(&sb, &["diff"], Duration::from_secs(60));
    for run in [&check, &diff] {
        assert!(
            !run.all()
                .lines()
                .any(|l| l.starts_with("ok   all checks passed")),
            "{}",
            run.all()
        );
        assert!(
            run.all().contains("p\\nok   all checks passed"),
            "{}",
            run.all()
        );
    }
}
