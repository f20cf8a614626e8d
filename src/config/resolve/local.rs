//! The local side: which files of the source are published (globs, hidden
//! files, broken and symbolic links) and where the hash cache lives.

use std::path::PathBuf;

use super::{Layers, Problems, parse_bool};
use crate::config::settings::{FilterSettings, FollowSymlinks};

pub(super) fn filter(layers: &Layers, problems: &mut Problems) -> FilterSettings {
    let config = layers.config;
    FilterSettings {
        include: layers.globs(config.include.as_ref()),
        exclude: layers.globs(config.exclude.as_ref()),
        include_hidden: config.include_hidden.unwrap_or(false),
        skip_broken_links: config.skip_broken_links.unwrap_or(false),
        follow_symlinks: follow_symlinks(layers, problems),
    }
}

fn follow_symlinks(layers: &Layers, problems: &mut Problems) -> FollowSymlinks {
    let value = layers.config.scan.as_ref();
    match value.and_then(|s| s.follow_symlinks.as_deref()) {
        None | Some("inside") => FollowSymlinks::Inside,
        Some("outside") => FollowSymlinks::Outside,
        Some("never") => FollowSymlinks::Never,
        Some(other) => {
            problems.push(format!(
                "[scan] follow_symlinks = {other:?} is not a known value: use \"inside\" (the default: follow links that stay inside the source), \"outside\" (follow links anywhere) or \"never\" (skip every link)"
            ));
            FollowSymlinks::Inside
        }
    }
}

/// The hash cache folder: off with `--no-cache` or `S3SYNC_NO_CACHE=1`;
/// else `S3SYNC_CACHE_DIR`, `$XDG_CACHE_HOME/s3sync` or `~/.cache/s3sync`.
pub(super) fn hash_cache(layers: &Layers, problems: &mut Problems) -> Option<PathBuf> {
    let off = layers
        .env("S3SYNC_NO_CACHE")
        .and_then(|v| parse_bool("S3SYNC_NO_CACHE", &v, problems))
        .unwrap_or(false);
    if layers.flags.no_cache || off {
        return None;
    }
    let set = |name: &str| {
        layers
            .env(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    set("S3SYNC_CACHE_DIR")
        .or_else(|| set("XDG_CACHE_HOME").map(|d| d.join("s3sync")))
        .or_else(|| set("HOME").map(|d| d.join(".cache").join("s3sync")))
}
