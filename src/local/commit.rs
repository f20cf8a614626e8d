//! The source's git commit, for the deploy history: `git -C SOURCE
//! rev-parse HEAD` when git is on PATH and the source is in a work tree
//! (bounded in time, every failure ignored), else `GITHUB_SHA`.

use std::path::Path;
use std::time::Duration;

/// How long git may take before the commit is left out.
const GIT_TIMEOUT: Duration = Duration::from_secs(3);

/// The commit the source was built from, when one can be told.
pub async fn source_commit(source: Option<&Path>) -> Option<String> {
    if let Some(source) = source
        && let Some(commit) = git_head(source).await
    {
        return Some(commit);
    }
    std::env::var("GITHUB_SHA")
        .ok()
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| crate::record::history::is_commit(s))
}

async fn git_head(source: &Path) -> Option<String> {
    let mut git = tokio::process::Command::new("git");
    git.arg("-C")
        .arg(source)
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(GIT_TIMEOUT, git.output())
        .await
        .ok()?
        .ok()?;
    if !out.status.success() || out.stdout.len() > 200 {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let commit = text.trim().to_ascii_lowercase();
    crate::record::history::is_commit(&commit).then_some(commit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_work_tree_gives_its_head_and_anything_else_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // Not a work tree (and no GITHUB_SHA in unit tests): no commit.
        if std::env::var_os("GITHUB_SHA").is_none() {
            assert_eq!(source_commit(Some(dir.path())).await, None);
        }
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(args)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com")
                .output()
        };
        let Ok(init) = git(&["init", "-q"]) else {
            eprintln!("git is not installed: only the no-commit case was checked");
            return;
        };
        assert!(init.status.success());
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        assert!(git(&["add", "a.txt"]).unwrap().status.success());
        assert!(git(&["commit", "-qm", "one"]).unwrap().status.success());
        let head = String::from_utf8(git(&["rev-parse", "HEAD"]).unwrap().stdout).unwrap();
        assert_eq!(
            source_commit(Some(dir.path())).await.as_deref(),
            Some(head.trim())
        );
    }
}
