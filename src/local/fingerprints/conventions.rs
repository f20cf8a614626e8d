//! Fingerprints without a build manifest: the immutable output folders of
//! front-end frameworks, the name rule (`token`), and `[hashed] patterns`.
//! Most front-end builds write no manifest s3sync could read (Vite writes
//! one only with `build.manifest`), yet their hashed bundles can be cached
//! forever. `[hashed] detect` narrows what is recognised; a push demotes a
//! name whose bytes change (`plan::demotion`), so a wrong guess lasts one
//! deploy.

use std::collections::BTreeMap;

use crate::config::{HashedDetect, HashedSettings};
use crate::local::globs;

use super::HashedBy;
use super::token::{Alphabet, Token, classify};

/// A framework folder whose files are all content-hashed, at any depth
/// (a site can live below the source root), minus the paths below it
/// that the framework rewrites under a stable name.
pub struct Folder {
    pub segments: &'static [&'static str],
    pub framework: &'static str,
    /// Sub-folder (relative to the folder) that is not immutable, and the
    /// sub-folder of it that is again.
    pub except: Option<(&'static str, &'static str)>,
}

/// The frameworks' immutable folders.
pub const FOLDERS: &[Folder] = &[
    Folder {
        segments: &["_app", "immutable"],
        framework: "SvelteKit",
        except: None,
    },
    Folder {
        segments: &["_next", "static"],
        framework: "Next.js",
        except: None,
    },
    Folder {
        segments: &["_astro"],
        framework: "Astro",
        except: None,
    },
    // Nuxt rewrites `_nuxt/builds/latest.json` on every build; the build
    // metadata under `builds/meta/` is named by build id.
    Folder {
        segments: &["_nuxt"],
        framework: "Nuxt",
        except: Some(("builds", "meta")),
    },
];

/// The framework folder `path` (a slash path relative to the source) is in,
/// with the folder's own path, when the framework treats it as immutable.
pub fn folder_of(path: &str) -> Option<(&'static Folder, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    let folders = &segments[..segments.len().saturating_sub(1)];
    for folder in FOLDERS {
        let n = folder.segments.len();
        let Some(at) = folders.windows(n).position(|w| w == folder.segments) else {
            continue;
        };
        let below = &folders[at + n..];
        if let Some((except, again)) = folder.except
            && below.first() == Some(&except)
            && below.get(1) != Some(&again)
        {
            return None;
        }
        return Some((folder, segments[..at + n].join("/") + "/"));
    }
    None
}

/// The fingerprinted files among `paths` (slash paths relative to the
/// source) by patterns, framework folders and names, as `settings` allow.
pub fn detect<'a>(
    paths: impl IntoIterator<Item = &'a str>,
    settings: &HashedSettings,
) -> Result<BTreeMap<String, HashedBy>, Vec<String>> {
    let matchers = globs::compile_each("[hashed] patterns", &settings.patterns)?;
    let patterns: Vec<_> = matchers.iter().zip(&settings.patterns).collect();
    let mut out = BTreeMap::new();
    // Per folder: the alphabets its hashed names prove, with separator and
    // length, and the candidates waiting for such a proof.
    let mut proofs: BTreeMap<&str, BTreeMap<(Alphabet, char, usize), String>> = BTreeMap::new();
    let mut candidates = Vec::new();
    for path in paths {
        if let Some((_, spec)) = patterns.iter().find(|(m, _)| m.is_match(path)) {
            let by = HashedBy::Pattern(format!("{} ({})", spec.pattern, spec.origin));
            out.insert(path.to_string(), by);
            continue;
        }
        if settings.detect == HashedDetect::Manifests {
            continue;
        }
        if let Some((folder, at)) = folder_of(path) {
            let by = HashedBy::Folder {
                folder: at,
                framework: folder.framework,
            };
            out.insert(path.to_string(), by);
            continue;
        }
        if settings.detect != HashedDetect::All {
            continue;
        }
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        if is_page(name) {
            continue;
        }
        match classify(name) {
            Some(Token::Hash {
                token,
                alphabet,
                separator,
            }) => {
                proofs
                    .entry(dir)
                    .or_default()
                    .entry((alphabet, separator, token.len()))
                    .or_insert_with(|| path.to_string());
                out.insert(path.to_string(), HashedBy::Name { token });
            }
            Some(Token::Candidate {
                token,
                alphabets,
                separator,
            }) => candidates.push((dir, path, token, alphabets, separator)),
            None => {}
        }
    }
    for (dir, path, token, alphabets, separator) in candidates {
        let proof = proofs.get(dir).and_then(|p| {
            alphabets
                .iter()
                .find_map(|a| p.get(&(*a, separator, token.len())))
        });
        if let Some(sibling) = proof {
            out.insert(
                path.to_string(),
                HashedBy::Sibling {
                    token,
                    sibling: sibling.clone(),
                },
            );
        }
    }
    Ok(out)
}

/// Pages keep their URLs: no bundler puts a hash in an HTML file's name,
/// so the name rule never applies to one (`post-a1b2c3d4.html`).
fn is_page(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm"))
}

#[cfg(test)]
mod tests;
