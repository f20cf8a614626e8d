//! A `file://` target someone else can write to: links planted in it never
//! steer a write or a delete outside it, in-place edits are found by
//! `--verify`, and what is published is readable by a web server.

use std::path::Path;

use crate::support::{Sandbox, summary};

const CONFIG: &str = r#"
source = "site"
to = "file://out"
[storage]
location = "static"
"#;

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

/// A pushed target whose `out/static/css` folder was replaced by a link to
/// `elsewhere/`, a folder outside the target holding its own `app.css`.
#[cfg(unix)]
fn linked_target() -> Sandbox {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    sb.run(&["push"]).expect(0);
    sb.write("elsewhere/app.css", "not s3sync's");
    sb.write("elsewhere/other.txt", "not s3sync's either");
    std::fs::remove_dir_all(sb.path("out/static/css")).unwrap();
    std::os::unix::fs::symlink(sb.path("elsewhere"), sb.path("out/static/css")).unwrap();
    sb
}

#[cfg(unix)]
fn assert_names_link(sb: &Sandbox, output: &str) {
    let link = sb.path("out/static/css").display().to_string();
    let to = sb.path("elsewhere").display().to_string();
    assert!(
        output.contains(&format!("{link} is a symbolic link to {to}")),
        "names the link and where it points: {output}"
    );
    assert!(
        output.contains("Fix: remove the link"),
        "gives the fix: {output}"
    );
}

#[cfg(unix)]
#[test]
fn push_through_a_linked_folder_in_the_target_exits_2_and_writes_nothing_outside() {
    let sb = linked_target();
    let before = contents(&sb.path("elsewhere"));
    sb.write("site/css/app.css", "body { color: red }\n");
    let run = sb.run(&["push"]);
    run.expect(2);
    assert_names_link(&sb, &run.all());
    assert_eq!(
        contents(&sb.path("elsewhere")),
        before,
        "nothing written outside"
    );
    // --verify lists the target: the link is named there too.
    let verify = sb.run(&["push", "--verify"]);
    verify.expect(2);
    assert_names_link(&sb, &verify.all());
    assert_eq!(contents(&sb.path("elsewhere")), before);
}

#[cfg(unix)]
#[test]
fn push_delete_with_a_linked_folder_deletes_nothing_outside() {
    let sb = linked_target();
    let before = contents(&sb.path("elsewhere"));
    sb.remove("site/css/app.css");
    let run = sb.run(&["push", "--delete"]);
    run.expect(2);
    assert_names_link(&sb, &run.all());
    assert_eq!(
        contents(&sb.path("elsewhere")),
        before,
        "nothing removed outside"
    );
    assert!(sb.path("elsewhere").is_dir(), "the folder itself is kept");
}

#[test]
fn same_size_tamper_is_found_by_push_verify_and_restored() {
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    sb.run(&["push"]).expect(0);
    let published = sb.read("out/static/robots.txt");
    let mut tampered = published.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x20;
    sb.write("out/static/robots.txt", &tampered);

    let verify = sb.run(&["push", "--verify", "--json"]);
    verify.expect(0);
    assert_eq!(summary(&verify, "changed"), 1, "{}", verify.stdout);
    let changed: Vec<_> = verify.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "changed")
        .map(|a| a["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(changed, ["static/robots.txt"]);
    assert_eq!(sb.read("out/static/robots.txt"), published, "restored");
    let again = sb.run(&["push", "--verify", "--json"]);
    again.expect(0);
    assert_eq!(summary(&again, "changed"), 0);
}

#[cfg(unix)]
#[test]
fn published_files_and_folders_get_the_umask_modes() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::with_assets();
    sb.config(CONFIG);
    // What this process's umask gives a new file and folder (0644 and 0755
    // under umask 022), read from probes rather than by changing it.
    let mode = |rel: &str| {
        std::fs::metadata(sb.path(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    sb.write("probe/file", "");
    let (file_mode, dir_mode) = (mode("probe/file"), mode("probe"));
    assert_ne!(file_mode, 0o600, "the probe needs a umask other than 077");

    sb.run(&["push"]).expect(0);
    for file in [
        "out/static/index.html",
        "out/static/css/app.css",
        "out/.s3sync-meta/static/css/app.css.json",
    ] {
        assert_eq!(mode(file), file_mode, "{file}");
    }
    for folder in ["out/static", "out/static/css", "out/.s3sync-meta/static"] {
        assert_eq!(mode(folder), dir_mode, "{folder}");
    }
}
