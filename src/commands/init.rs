//! `s3sync init`: write the commented starter config, never over a file.

use std::path::PathBuf;

use anyhow::Context;

use super::Exit;
use crate::cli::GlobalArgs;
use crate::ui::Ui;

/// The starter config `init` writes: the annotated example.
const STARTER: &str = include_str!("../../s3sync.toml.example");

pub fn command(global: &GlobalArgs, ui: &Ui) -> anyhow::Result<Exit> {
    let path = global
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("s3sync.toml"));
    let mut file = match std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => anyhow::bail!(
            "{} already exists; s3sync init never overwrites a config (edit it, or remove it first)",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    std::io::Write::write_all(&mut file, STARTER.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    ui.info(&format!(
        "wrote {}: set `source` and `[storage] bucket_name`, then run `s3sync check` and `s3sync diff`",
        path.display()
    ));
    Ok(Exit::Success)
}
