//! Hostile records and names: a remote manifest or intent written by
//! someone else (or corrupted) is bounded when read, cannot crash s3sync and
//! cannot direct deletes; names from the tree are printed escaped.

use std::io::Write;

use crate::support::{Sandbox, gunzip};

const CONFIG: &str = "source = \"site\"\nto = \"file://out\"\n[storage]\nlocation = \"static\"\n";
const MANIFEST: &str = "out/static/.s3sync-manifest.json";

fn pushed() -> Sandbox {
    let sb = Sandbox::new();
    sb.write("site/app.css", "body{}");
    sb.write("site/index.html", "<p>hi</p>");
    sb.config(CONFIG);
    sb.run(&["push"]).expect(0);
    sb
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The stored manifest as JSON.
fn manifest(sb: &Sandbox) -> serde_json::Value {
    serde_json::from_slice(&gunzip(&sb.read(MANIFEST))).unwrap()
}

fn store_manifest(sb: &Sandbox, value: &serde_json::Value) {
    sb.write(MANIFEST, gzip(&serde_json::to_vec(value).unwrap()));
}

#[test]
fn a_gzip_bomb_record_is_refused_before_it_exhausts_memory() {
    let sb = pushed();
    // 300 MiB of spaces (valid JSON whitespace) compress to about 300 KiB.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
    let block = vec![b' '; 1 << 20];
    for _ in 0..300 {
        gz.write_all(&block).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 2 << 20, "{}", bomb.len());
    sb.write(MANIFEST, &bomb);
    for args in [&["diff"][..], &["push"][..]] {
        let run = sb.run(args);
        run.expect(2);
        assert!(
            run.stderr.contains("more than 128 MiB") && run.stderr.contains("--verify"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(".s3sync-manifest.json"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_tampered_hash_or_etag_is_named_never_a_panic() {
    let sb = pushed();
    let good = manifest(&sb);
    for (field, value) in [("sha256", "ééééééééééééééé"), ("etag", "\"ünïcødé-é\"")]
    {
        let mut m = good.clone();
        m["entries"]["static/app.css"][field] = value.into();
        store_manifest(&sb, &m);
        for args in [&["diff"][..], &["push"][..]] {
            let run = sb.run(args);
            run.expect(2);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            assert!(
                run.stderr.contains("static/app.css") && run.stderr.contains(&format!("`{field}`")),
                "{}",
                run.stderr
            );
        }
    }
    // `--verify` rebuilds the record from the bucket, as the message says.
    sb.run(&["push", "--verify"]).expect(0);
    sb.run(&["diff", "--exit-code"]).expect(0);
}

#[test]
fn a_hand_written_intent_cannot_delete_what_s3sync_did_not_write() {
    let sb = pushed();
    // Someone else's object under the prefix, and an intent naming it.
    sb.write("out/static/other-team/report.pdf", "theirs");
    let intent = serde_json::json!({"version": 1, "id": "hand", "pending": [
        "static/other-team/report.pdf", "static/app.css"
    ]});
    sb.write(
        "out/static/.s3sync-manifest.json.intent",
        gzip(&serde_json::to_vec(&intent).unwrap()),
    );
    let run = sb.run(&["push", "--delete", "--json"]);
    run.expect(0);
    assert_eq!(sb.read("out/static/other-team/report.pdf"), b"theirs");
    let json = run.json();
    let deleted: Vec<&str> = json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "delete")
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert!(deleted.is_empty(), "{deleted:?}");
    assert_eq!(
        json["foreign"],
        serde_json::json!(["static/other-team/report.pdf"])
    );
    assert!(run.stderr.contains("does not record"), "{}", run.stderr);
    // The key the manifest does record was re-sent (its content was in
    // doubt), and the record is settled.
    assert!(sb.read("out/static/app.css").starts_with(b"\x1f\x8b"));
    sb.run(&["diff", "--exit-code"]).expect(0);
}

#[test]
fn delete_foreign_lists_the_prefix_even_with_a_manifest() {
    let sb = pushed();
    sb.write("out/static/stray.txt", "left by another tool");
    let kept = sb.run(&["push", "--delete", "--json"]);
    kept.expect(0);
    assert!(
        sb.path("out/static/stray.txt").exists(),
        "--delete alone keeps it"
    );
    let run = sb.run(&["push", "--delete", "--delete-foreign", "--json"]);
    run.expect(0);
    assert!(!sb.path("out/static/stray.txt").exists(), "{}", run.stdout);
    assert_eq!(run.json()["summary"]["deleted"], 1);
    // The records and the published files are still there.
    assert!(sb.path(MANIFEST).exists());
    assert!(sb.path("out/static/app.css").exists());
}

#[test]
fn names_are_printed_escaped_and_json_stays_exact() {
    let sb = Sandbox::new();
    let name = "evil\u{1b}[2J\u{202e}.css";
    sb.write(&format!("site/{name}"), "x");
    sb.config(CONFIG);
    let diff = sb.run(&["diff"]);
    diff.expect(0);
    assert!(!diff.stdout.contains('\u{1b}'), "{:?}", diff.stdout);
    assert!(!diff.stdout.contains('\u{202e}'), "{:?}", diff.stdout);
    assert!(
        diff.stdout.contains("evil\\x1b[2J\\u{202e}.css"),
        "{}",
        diff.stdout
    );
    let json = sb.run(&["diff", "--json"]);
    json.expect(0);
    assert_eq!(json.json()["actions"][0]["key"], format!("static/{name}"));
    // The GitHub step summary: a name stays text in its line. A folder
    // where the object should go makes its upload fail, so it is listed.
    let bad = "a`|b\n<i>x.css";
    sb.write(&format!("site/{bad}"), "y");
    sb.write(&format!("out/static/{bad}/blocker"), "z");
    let summary = sb.path("summary.md");
    let push = sb.run_env(
        &["push", "-v"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    push.expect(2);
    assert!(!push.stderr.contains('\u{1b}'), "{:?}", push.stderr);
    assert!(!push.stdout.contains('\u{1b}'), "{:?}", push.stdout);
    let md = String::from_utf8(sb.read("summary.md")).unwrap();
    assert!(!md.contains('\u{1b}'), "{md}");
    // The key is one code span (fenced past its own backtick), its newline
    // escaped, its `|` unable to split a table cell; no raw HTML outside it.
    assert!(md.contains("- ``static/a`\\|b\\n<i>x.css``: "), "{md}");
}
