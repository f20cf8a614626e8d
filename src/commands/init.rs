//! `s3sync init`: write the commented starter config, never over a file,
//! with `source` set to the folder the project's build writes when the
//! framework is recognised (`detect`).

mod detect;

use std::path::PathBuf;

use anyhow::Context;

use super::Exit;
use crate::cli::GlobalArgs;
use crate::ui::Ui;

/// The starter config `init` writes: the annotated example.
const STARTER: &str = include_str!("../../s3sync.toml.example");

/// The starter, with the detected build folder as `source`.
fn starter(detected: Option<&detect::Detected>) -> String {
    match detected {
        Some(d) => STARTER.replacen(
            "source = \"public\"\n",
            &format!(
                "source = \"{}\"            # {}'s build folder\n",
                d.source, d.framework
            ),
            1,
        ),
        None => STARTER.to_string(),
    }
}

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
    let project = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let detected = detect::detect(project);
    std::io::Write::write_all(&mut file, starter(detected.as_ref()).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    match &detected {
        Some(d) => ui.info(&format!(
            "wrote {}: a {} project, so `source = \"{}\"`{}; set `[storage] bucket_name`, then run `s3sync check` and `s3sync diff`",
            path.display(),
            d.framework,
            d.source,
            d.note.map(|n| format!(" ({n})")).unwrap_or_default()
        )),
        None => ui.info(&format!(
            "wrote {}: set `source` and `[storage] bucket_name`, then run `s3sync check` and `s3sync diff`",
            path.display()
        )),
    }
    Ok(Exit::Success)
}
