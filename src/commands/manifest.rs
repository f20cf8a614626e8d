//! `s3sync manifest`: print the local manifest a push would record.

use super::{Exit, load_settings, overrides};
use crate::cli::{GlobalArgs, SourceArgs};
use crate::ui::Ui;

pub async fn command(global: &GlobalArgs, args: &SourceArgs, ui: Ui) -> anyhow::Result<Exit> {
    let settings = load_settings(global, &overrides(global, args, None))?;
    let observer = ui.observer();
    let tree = tokio::task::spawn_blocking(move || crate::local::build(&settings, &observer))
        .await
        .expect("scan task panicked")?;
    ui.out_data(&String::from_utf8_lossy(&tree.manifest.to_json()))?;
    Ok(Exit::Success)
}
