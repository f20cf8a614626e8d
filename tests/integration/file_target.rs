//! The whole tool against `file://` targets: no cloud, real files.

use crate::support::{Sandbox, copy_tree, gunzip, summary};

const CONFIG: &str = r#"
source = "site"
to = "file://out"
[storage]
location = "static"
[storage.object_parameters]
CacheControl = "public, max-age=86400"
[[rules]]
match = "**/*.html"
cache_control = "no-cache"
"#;

fn sidecar(sb: &Sandbox, key: &str) -> serde_json::Value {
    serde_json::from_slice(&sb.read(&format!("out/.s3sync-meta/{key}.json"))).unwrap()
}

#[test]
fn quick_start_config_pushes_then_diff_is_in_sync() {
    // The repository's own s3sync.toml, as the README's quick start runs it.
    let sb = Sandbox::new();
    copy_tree(
        &crate::support::repo_root().join("assets-example"),
        &sb.path("assets-example"),
    );
    std::fs::copy(
        crate::support::repo_root().join("s3sync.toml"),
        sb.path("s3sync.toml"),
    )
    .unwrap();
    let push = sb.run(&["push"]);
    push.expect(0);
    assert!(push.stdout.contains("9 new"), "{}", push.stdout);
    let diff = sb.run(&["diff", "--exit-code"]);
    diff.expect(0);
    assert!(
        diff.stdout.contains("in sync (9 unchanged)"),
        "{}",
        diff.stdout
    );
    assert!(sb.path("_site/static/index.html").exists());
    assert!(
        !sb.path("_site/static/.DS_Store").exists(),
        "hidden files are not published"
    );
    assert!(
        !sb.path("_site/static/js/app.js.map").exists(),
        "excluded by the config"
    );
}

#[test]
fn objects_hold_gzip_bytes_and_headers() {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    sb.run(&["push"]).expect(0);
    let css = sb.read("out/static/css/app.css");
    assert_eq!(gunzip(&css), sb.read("site/css/app.css"));
    let meta = sidecar(&sb, "static/css/app.css");
    assert_eq!(meta["headers"]["content_type"], "text/css; charset=utf-8");
    assert_eq!(meta["headers"]["content_encoding"], "gzip");
    assert_eq!(meta["headers"]["cache_control"], "public, max-age=86400");
    assert_eq!(meta["headers"]["acl"], "public-read");
    let html = sidecar(&sb, "static/index.html");
    assert_eq!(html["headers"]["cache_control"], "no-cache");
    assert_eq!(html["headers"]["content_encoding"], "gzip");
    assert_eq!(
        gunzip(&sb.read("out/static/index.html")),
        sb.read("site/index.html")
    );
    assert_eq!(
        sb.read("out/static/img/photo.png"),
        sb.read("site/img/photo.png")
    );
    assert!(sidecar(&sb, "static/img/photo.png")["headers"]["content_encoding"].is_null());
}

#[test]
fn fresh_copy_with_new_mtimes_uploads_nothing_and_same_size_edit_is_found() {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    sb.run(&["push", "--json"]).expect(0);
    // A fresh checkout: the same bytes, every file rewritten (new mtimes).
    std::fs::rename(sb.path("site"), sb.path("old-site")).unwrap();
    copy_tree(&sb.path("old-site"), &sb.path("site"));
    let again = sb.run(&["push", "--json"]);
    again.expect(0);
    assert_eq!(summary(&again, "new") + summary(&again, "changed"), 0);
    assert_eq!(summary(&again, "bytes_uploaded"), 0);

    // Same size, different bytes, mtime set back to the old one.
    let path = sb.path("site/robots.txt");
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = String::from_utf8(sb.read("site/robots.txt")).unwrap();
    sb.write("site/robots.txt", text.replace("Allow", "Deny!"));
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(before)
        .unwrap();
    let edit = sb.run(&["push", "--json"]);
    edit.expect(0);
    let json = edit.json();
    assert_eq!(summary(&edit, "changed"), 1);
    let changed: Vec<_> = json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "changed")
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["static/robots.txt"]);
    assert_eq!(
        gunzip(&sb.read("out/static/robots.txt")),
        sb.read("site/robots.txt")
    );
}

#[test]
fn diff_text_and_exit_code_show_pending_changes() {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    let before = sb.run(&["diff", "--exit-code"]);
    before.expect(1);
    assert!(
        before.stdout.starts_with("new (10):\n"),
        "{}",
        before.stdout
    );
    sb.run(&["push", "-q"]).expect(0);
    sb.write("site/css/app.css", "body { color: blue; }\n");
    sb.remove("site/robots.txt");
    let diff = sb.run(&["diff", "--exit-code", "--delete"]);
    diff.expect(1);
    let expected = "changed (1):\n  ~ static/css/app.css  content differs";
    assert!(diff.stdout.starts_with(expected), "{}", diff.stdout);
    assert!(
        diff.stdout
            .contains("delete (1):\n  - static/robots.txt  not in the source\n"),
        "{}",
        diff.stdout
    );
    // push --dry-run renders the same plan and changes nothing.
    let dry = sb.run(&["push", "--dry-run", "--delete"]);
    dry.expect(0);
    assert_eq!(dry.stdout, diff.stdout);
    assert!(sb.path("out/static/robots.txt").exists());
}

#[test]
fn rule_change_updates_headers_without_sending_bytes() {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    sb.run(&["push"]).expect(0);
    sb.config(&CONFIG.replace("no-cache", "public, max-age=300"));
    let run = sb.run(&["push", "--json"]);
    run.expect(0);
    assert_eq!(summary(&run, "headers"), 2, "two HTML files");
    assert_eq!(summary(&run, "bytes_uploaded"), 0);
    assert_eq!(
        sidecar(&sb, "static/about/index.html")["headers"]["cache_control"],
        "public, max-age=300"
    );
}

#[test]
fn delete_is_opt_in_guarded_and_exact() {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    sb.run(&["push"]).expect(0);
    sb.write("out/static/foreign.txt", "put there by another tool");
    sb.remove("site/robots.txt");
    sb.remove("site/img/photo.png");

    let kept = sb.run(&["push"]);
    kept.expect(0);
    assert!(
        kept.stdout
            .contains("kept: 2 objects no longer in the source"),
        "{}",
        kept.stdout
    );
    assert!(sb.path("out/static/robots.txt").exists());

    let refused = sb.run(&["push", "--delete", "--max-deletes", "1"]);
    refused.expect(2);
    assert!(
        refused
            .stderr
            .contains("refusing to push: the plan deletes 2 objects, more than --max-deletes 1"),
        "{}",
        refused.stderr
    );
    assert!(sb.path("out/static/robots.txt").exists(), "nothing changed");
    // The preview the message suggests still shows the list, with a warning.
    let preview = sb.run(&["diff", "--delete", "--max-deletes", "1"]);
    preview.expect(0);
    assert!(preview.stdout.contains("delete (2):"), "{}", preview.stdout);
    assert!(
        preview.stderr.contains("warning: a push would be refused"),
        "{}",
        preview.stderr
    );
    sb.run(&["push", "--dry-run", "--delete", "--max-deletes", "1"])
        .expect(2);

    let run = sb.run(&["push", "--delete", "--json"]);
    run.expect(0);
    assert_eq!(summary(&run, "deleted"), 2);
    assert!(!sb.path("out/static/robots.txt").exists());
    assert!(!sb.path("out/static/img/photo.png").exists());
    assert!(
        sb.path("out/static/foreign.txt").exists(),
        "objects s3sync did not write are kept"
    );
    // Foreign objects are found by a listing.
    let verify = sb.run(&["diff", "--verify", "--json"]);
    verify.expect(0);
    assert_eq!(
        verify.json()["foreign"],
        serde_json::json!(["static/foreign.txt"])
    );
}

#[test]
fn manifest_command_prints_the_local_manifest() {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    let run = sb.run(&["manifest"]);
    run.expect(0);
    let m = run.json();
    assert_eq!(m["version"], 1);
    let entry = &m["entries"]["static/css/app.css"];
    assert_eq!(entry["path"], "css/app.css");
    assert_eq!(entry["size"], sb.read("site/css/app.css").len());
    assert_eq!(entry["sha256"].as_str().unwrap().len(), 64);
    assert!(m["entries"]["static/.DS_Store"].is_null());
}

#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_s3sync"))
        .args(["manifest"])
        .current_dir(sb.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_is_a_stable_contract() {
    let sb = Sandbox::new();
    for (name, args) in [
        ("help", &["--help"][..]),
        ("help_push", &["push", "--help"]),
        ("help_diff", &["diff", "--help"]),
        ("help_manifest", &["manifest", "--help"]),
        // Every command that reads the tree takes SOURCE and --to alike.
        ("help_explain", &["explain", "--help"]),
        ("help_url", &["url", "--help"]),
        ("help_check", &["check", "--help"]),
    ] {
        let run = sb.run(args);
        run.expect(0);
        insta::assert_snapshot!(name, run.stdout);
    }
}

#[test]
fn private_objects_get_a_private_cache_control() {
    let sb = Sandbox::new();
    sb.write("site/app.css", "body{}");
    sb.write("site/reports/q3.txt", "numbers");
    sb.config(&format!(
        "{CONFIG}\n[[rules]]\nmatch = \"reports/**\"\nacl = \"private\"\n"
    ));
    sb.run(&["push"]).expect(0);
    let report = sidecar(&sb, "static/reports/q3.txt");
    assert_eq!(report["headers"]["acl"], "private");
    assert_eq!(
        report["headers"]["cache_control"], "private, max-age=86400",
        "a shared cache must not keep a private object"
    );
    let css = sidecar(&sb, "static/app.css");
    assert_eq!(css["headers"]["cache_control"], "public, max-age=86400");
    let explain = sb.run(&["explain", "reports/q3.txt"]);
    explain.expect(0);
    assert!(
        explain.stdout.contains("made `private`"),
        "{}",
        explain.stdout
    );
}

#[test]
fn presigning_a_file_target_is_refused_with_the_reason() {
    // Only the S3 store can presign: the command refuses a folder target
    // before connecting to anything.
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    for args in [
        &["url", "robots.txt", "--presign"][..],
        &["url", "robots.txt", "--expires", "60"],
    ] {
        let run = sb.run(args);
        run.expect(2);
        assert!(
            run.stderr.contains(
                "`s3sync url --presign` is for s3:// targets; this config targets a folder"
            ),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_folder_target_keeps_a_history_and_rolls_back_only_what_it_still_holds() {
    let sb = Sandbox::new();
    sb.write("site/index.html", "<p>home\n");
    sb.write("site/a.css", "a{}\n");
    sb.config(CONFIG);
    let run = |args: &[&str], t: &str| {
        let now = format!("2026-12-03T{t}:00Z");
        sb.run_env(args, &[("S3SYNC_NOW", now.as_str())])
    };
    run(&["push"], "10:00").expect(0);
    // A header-only change can be undone without earlier bytes.
    sb.config(&CONFIG.replace("no-cache", "max-age=5"));
    run(&["push"], "10:01").expect(0);
    assert_eq!(
        sidecar(&sb, "static/index.html")["headers"]["cache_control"],
        "max-age=5"
    );
    run(&["rollback"], "10:02").expect(0);
    assert_eq!(
        sidecar(&sb, "static/index.html")["headers"]["cache_control"],
        "no-cache"
    );
    // New bytes cannot: a folder keeps no versions.
    sb.config(CONFIG);
    sb.write("site/a.css", "a{color:red}\n");
    run(&["push"], "10:03").expect(0);
    let refused = run(&["rollback"], "10:04");
    refused.expect(2);
    assert!(
        refused
            .stderr
            .contains("static/a.css: deploy 20261203T100200Z recorded no version")
            && refused
                .stderr
                .contains("A file:// target keeps no earlier versions"),
        "{}",
        refused.stderr
    );
    assert_eq!(gunzip(&sb.read("out/static/a.css")), b"a{color:red}\n");
    let log = sb.run(&["log"]);
    log.expect(0);
    assert_eq!(log.stdout.lines().count(), 4, "{}", log.stdout);
    assert!(
        log.stdout
            .starts_with("20261203T100300Z  2026-12-03 10:03:00 UTC  1 changed\n"),
        "{}",
        log.stdout
    );
}
