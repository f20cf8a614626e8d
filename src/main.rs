fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(s3sync::run() as u8)
}
