//! Progress output: bars on an attended terminal (checked under a real
//! pseudo-terminal with util-linux `script`), plain log lines on a pipe.

use std::process::Command;

use crate::support::Sandbox;

const CONFIG: &str = "source = \"site\"\nto = \"file://out\"\n";

/// Run s3sync under a pseudo-terminal; returns everything the terminal got.
fn run_in_pty(sb: &Sandbox, args: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_s3sync");
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &format!("{bin} {args}"), "/dev/null"])
        .current_dir(sb.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sb.dir.path())
        .env("TERM", "xterm-256color")
        .output()
        .expect("util-linux `script` runs (apt-get install bsdutils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sandbox() -> Sandbox {
    let sb = Sandbox::with_assets();
    // Enough bytes that hashing and uploading take a visible moment.
    for i in 0..40 {
        sb.write(&format!("site/big/{i}.bin"), vec![i as u8; 256 * 1024]);
    }
    sb.config(CONFIG);
    sb
}

#[test]
fn attended_terminal_gets_bars_not_log_lines() {
    let sb = sandbox();
    let screen = run_in_pty(&sb, "push");
    assert!(screen.contains("uploading"), "no transfer bar:\n{screen}");
    assert!(screen.contains("objects"), "{screen}");
    assert!(
        !screen.contains("applying 50 changes"),
        "log lines belong to unattended runs:\n{screen}"
    );
    assert!(
        screen.contains("50 new"),
        "the summary is printed:\n{screen}"
    );
}

#[test]
fn json_under_a_terminal_draws_no_bars() {
    let sb = sandbox();
    let screen = run_in_pty(&sb, "push --json");
    assert!(!screen.contains("uploading"), "{screen}");
    assert!(screen.contains("\"version\": 1"), "{screen}");
}

#[test]
fn a_pipe_gets_plain_log_lines_and_no_escape_codes() {
    let sb = sandbox();
    let run = sb.run(&["push"]);
    run.expect(0);
    assert!(run.stderr.contains("applying 50 changes"), "{}", run.stderr);
    assert!(
        !run.stderr.contains('\u{1b}'),
        "no terminal escapes on a pipe: {:?}",
        run.stderr
    );
    assert!(!run.stdout.contains('\u{1b}'));
    let quiet = sb.run(&["push", "-q"]);
    quiet.expect(0);
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
}
