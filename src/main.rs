//! The `s3sync` binary: everything is in the library; `main` only turns
//! the exit status `run` returns into the process exit code.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(s3sync::run() as u8)
}
