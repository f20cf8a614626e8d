//! Front-end builds as they come, on moto: fingerprints found without a
//! build manifest (the framework folders and the name rule), and a
//! "fingerprint" whose bytes change under its name demoted: warned, short
//! cache from then on, recorded, invalidated on CloudFront.

use crate::cdn::{invalidations, run, setup};
use crate::support::{S3, Sandbox, copy_tree, repo_root, summary};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SHORT: &str = "public, max-age=60, must-revalidate";
const MANIFEST: &str = "static/.s3sync-manifest.json";

/// The record's entry for `key`.
async fn recorded(s3: &crate::support::S3, key: &str) -> serde_json::Value {
    let manifest: serde_json::Value =
        serde_json::from_slice(&s3.get(MANIFEST).await.decoded()).unwrap();
    manifest["entries"][key].clone()
}

#[tokio::test]
async fn a_fingerprint_whose_bytes_change_under_its_name_is_demoted_for_good_and_invalidated() {
    let (sb, s3, client, id) = setup("demote").await;
    sb.write(
        "site/index.html",
        "<script src=/assets/app-1a2b3c4d.js></script>",
    );
    sb.write("site/assets/app-1a2b3c4d.js", "console.log(1)");
    run(&sb, &["push"]).expect(0);
    let key = "static/assets/app-1a2b3c4d.js";
    assert_eq!(s3.get(key).await.cache_control.as_deref(), Some(IMMUTABLE));
    assert_eq!(recorded(&s3, key).await["fingerprint"], true);

    // Same name, other bytes: not a fingerprint after all.
    sb.write("site/assets/app-1a2b3c4d.js", "console.log(2)");
    let diff = run(&sb, &["diff", "--json"]);
    let step = diff.expect(0).json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .cloned()
        .unwrap();
    assert_eq!(step["action"], "changed");
    assert!(
        step["reason"]
            .as_str()
            .unwrap()
            .starts_with("not a fingerprint: its bytes changed under a hashed name"),
        "{step}"
    );
    let pushed = run(&sb, &["push", "--wait"]);
    pushed.expect(0);
    assert!(
        pushed.stderr.contains(
            "warning: assets/app-1a2b3c4d.js is not a fingerprint: its bytes changed under the same name (it was taken for one because its name carries the content hash 1a2b3c4d)"
        ) && pushed.stderr.contains(
            "if it is meant to change in place, `[hashed] exclude = [\"assets/app-1a2b3c4d.js\"]`, or `[hashed] detect = \"folders\"` (no name rule)"
        ),
        "{}",
        pushed.stderr
    );
    let object = s3.get(key).await;
    assert_eq!(object.decoded(), b"console.log(2)");
    assert_eq!(object.cache_control.as_deref(), Some(SHORT));
    let entry = recorded(&s3, key).await;
    assert_eq!(entry["demoted"], true, "{entry}");
    assert!(entry.get("fingerprint").is_none(), "{entry}");
    let created = invalidations(&client, &id).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0].1, ["/assets/app-1a2b3c4d.js"]);

    // From now on: a no-op push changes nothing and warns no more; a new
    // edit is a plain change, still with the short cache.
    let again = run(&sb, &["push", "--json"]);
    assert_eq!(summary(&again, "unchanged"), 2);
    assert_eq!(summary(&again, "changed") + summary(&again, "headers"), 0);
    assert!(
        !again.stderr.contains("not a fingerprint"),
        "{}",
        again.stderr
    );
    sb.write("site/assets/app-1a2b3c4d.js", "console.log(3)");
    let third = run(&sb, &["push"]);
    assert!(!third.expect(0).stderr.contains("not a fingerprint"));
    assert_eq!(s3.get(key).await.cache_control.as_deref(), Some(SHORT));
    assert_eq!(recorded(&s3, key).await["demoted"], true);
    assert_eq!(invalidations(&client, &id).await.len(), 2);
}

/// The dist/ of a default Vite project, built by `scripts/build-vite.sh`
/// (npm from the registry, in a temporary folder; cached under .cache/).
fn vite_dist() -> std::path::PathBuf {
    let out = std::process::Command::new("bash")
        .arg(repo_root().join("scripts/build-vite.sh"))
        .output()
        .expect("run scripts/build-vite.sh");
    assert!(
        out.status.success(),
        "scripts/build-vite.sh failed (it needs npm and the npm registry):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    std::path::PathBuf::from(stdout.lines().last().unwrap_or_default())
}

#[tokio::test]
async fn a_default_vite_build_is_immutable_under_assets_and_its_pages_are_not() {
    let dist = vite_dist();
    let s3 = S3::new("vite").await;
    let sb = Sandbox::new();
    copy_tree(&dist, &sb.path("site"));
    sb.config(&s3.config(&s3.endpoint, ""));
    sb.run(&["push"]).expect(0);

    let mut assets = 0;
    for entry in walkdir::WalkDir::new(&dist) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(&dist).unwrap().to_str().unwrap();
        let object = s3.get(&format!("static/{rel}")).await;
        assert_eq!(
            object.decoded(),
            std::fs::read(entry.path()).unwrap(),
            "{rel}"
        );
        let want = if rel.starts_with("assets/") {
            assets += 1;
            IMMUTABLE
        } else {
            SHORT
        };
        assert_eq!(object.cache_control.as_deref(), Some(want), "{rel}");
    }
    assert!(assets >= 3, "a Vite build has hashed assets: {dist:?}");
    assert_eq!(
        s3.get("static/index.html").await.cache_control.as_deref(),
        Some(SHORT)
    );

    // explain says why, for a name with a digit and one without.
    for entry in std::fs::read_dir(dist.join("assets")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let explained = sb.run(&["explain", &format!("assets/{name}")]);
        let hashed = explained
            .expect(0)
            .stdout
            .lines()
            .find(|l| l.starts_with("hashed "))
            .unwrap_or_default()
            .to_string();
        assert!(
            hashed.contains("yes: its name carries the content hash"),
            "{name}: {}",
            explained.stdout
        );
    }
}

/// The file lists of the frameworks' default builds
/// (tests/fixtures/frameworks/*.txt: `immutable PATH` or `short PATH`,
/// recorded from real builds), each published to moto as a tree of small
/// files: the hashed ones get the long cache, the rest never do.
#[tokio::test]
async fn the_frameworks_default_builds_get_the_long_cache_exactly_on_their_hashed_files() {
    let dir = repo_root().join("tests/fixtures/frameworks");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 8, "{fixtures:?}");
    for fixture in fixtures {
        let name = fixture.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&fixture).unwrap();
        let files: Vec<(bool, &str)> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| match l.split_once(' ') {
                Some(("immutable", path)) => (true, path),
                Some(("short", path)) => (false, path),
                _ => panic!("{name}: bad line {l:?}"),
            })
            .collect();
        let s3 = S3::new(&format!("fw-{name}")).await;
        let sb = Sandbox::new();
        for (_, path) in &files {
            sb.write(&format!("site/{path}"), format!("{name}: {path}"));
        }
        sb.config(&s3.config(&s3.endpoint, ""));
        sb.run(&["push"]).expect(0);
        for (immutable, path) in &files {
            let object = s3.get(&format!("static/{path}")).await;
            assert_eq!(object.decoded(), format!("{name}: {path}").as_bytes());
            let cache = object.cache_control.as_deref();
            if *immutable {
                assert_eq!(cache, Some(IMMUTABLE), "{name}: {path}");
            } else {
                assert_ne!(cache, Some(IMMUTABLE), "{name}: {path}");
            }
        }
    }
}

#[test]
fn init_in_a_vite_project_points_source_at_dist() {
    let sb = Sandbox::new();
    sb.write(
        "package.json",
        r#"{"name": "app", "devDependencies": {"typescript": "~5.9", "vite": "^8.3.8"}}"#,
    );
    let init = sb.run(&["init"]);
    assert!(
        init.expect(0)
            .stderr
            .contains("a Vite project, so `source = \"dist\"`"),
        "{}",
        init.stderr
    );
    let text = String::from_utf8(sb.read("s3sync.toml")).unwrap();
    assert!(text.contains("\nsource = \"dist\" "), "{text}");
    // The config works as written: the build's files are found under dist/.
    sb.write("dist/assets/index-CsUDhMuy.css", "body{}");
    let explain = sb.run(&["explain", "assets/index-CsUDhMuy.css"]);
    assert!(
        explain
            .expect(0)
            .stdout
            .contains("public, max-age=31536000, immutable"),
        "{}",
        explain.stdout
    );
}

/// A push killed after its intent record was written leaves the changed
/// "fingerprint" pending: the next push must still see, in the manifest,
/// the bytes it was published with, and demote it (not publish the new
/// bytes under the long cache, silently).
#[test]
fn a_fingerprint_changed_after_an_interrupted_push_is_still_demoted() {
    let sb = Sandbox::new();
    sb.write("site/index.html", "<p>hi</p>");
    sb.write("site/assets/app-1a2b3c4d.js", "console.log(1)");
    sb.config("source = \"site\"\nto = \"file://out\"\n[storage]\nlocation = \"static\"\n");
    sb.run(&["push"]).expect(0);

    // What a push killed after writing its intent leaves behind.
    sb.write("site/assets/app-1a2b3c4d.js", "console.log(2)");
    let intent = serde_json::json!({"version": 1, "id": "killed", "pending": [
        "static/assets/app-1a2b3c4d.js"
    ]});
    sb.write(
        "out/static/.s3sync-manifest.json.intent",
        serde_json::to_vec(&intent).unwrap(),
    );
    let pushed = sb.run(&["push"]);
    pushed.expect(0);
    assert!(
        pushed
            .stderr
            .contains("assets/app-1a2b3c4d.js is not a fingerprint"),
        "{}",
        pushed.stderr
    );
    let manifest: serde_json::Value = serde_json::from_slice(&crate::support::gunzip(
        &sb.read("out/static/.s3sync-manifest.json"),
    ))
    .unwrap();
    let entry = &manifest["entries"]["static/assets/app-1a2b3c4d.js"];
    assert_eq!(entry["demoted"], true, "{entry}");
    assert_eq!(entry["headers"]["cache_control"], SHORT, "{entry}");
}
