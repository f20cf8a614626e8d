//! Keeping an invalidation within its budget: paths past `[cdn] max_paths`
//! are folded into the fewest folder wildcards (`/css/*`) that cover them,
//! the narrowest that suffices, `/*` only when no folder wildcard can; and
//! a list is split into batches within CloudFront's limits. Pure functions.

use std::collections::{BTreeMap, BTreeSet};

/// CloudFront's limit of paths in one invalidation.
pub const MAX_PATHS_PER_INVALIDATION: usize = 3000;
/// CloudFront's limit of wildcard paths in progress at once (per
/// distribution): folding never makes more.
pub const MAX_WILDCARDS: usize = 15;

/// One wildcard that replaced paths.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fold {
    pub wildcard: String,
    /// How many paths it covers.
    pub paths: usize,
}

/// The paths to invalidate after folding, and what was folded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folded {
    pub paths: Vec<String>,
    pub folds: Vec<Fold>,
}

/// The folder a path is in, with its trailing `/` (`/css/a.css` and
/// `/css/` are in `/css/`, `/css` in `/`).
fn folder(path: &str) -> &str {
    path.rfind('/').map_or("/", |i| &path[..=i])
}

/// What stands in the list: a path, or a wildcard for a folder (with the
/// paths it covers).
#[derive(Debug, Clone)]
enum Item {
    Path(String),
    Wildcard { folder: String, covered: usize },
}

impl Item {
    /// The folder whose wildcard would cover this item.
    fn folder(&self) -> &str {
        match self {
            Self::Path(p) => folder(p),
            Self::Wildcard { folder, .. } => folder,
        }
    }

    fn covered(&self) -> usize {
        match self {
            Self::Path(_) => 1,
            Self::Wildcard { covered, .. } => *covered,
        }
    }
}

/// A folder and every folder above it, the root `/` excepted.
fn folders_above(folder: &str) -> impl Iterator<Item = &str> {
    folder
        .match_indices('/')
        .skip(1)
        .map(move |(i, _)| &folder[..=i])
}

/// Fold `paths` into at most `max` entries (and at most
/// [`MAX_WILDCARDS`] wildcards). Each step folds one folder: the
/// narrowest whose wildcard alone brings the list within the budget, else
/// the one that saves most (the deepest of equals); `/*` only when no
/// folder wildcard helps.
pub fn fold(paths: &BTreeSet<String>, max: usize) -> Folded {
    let mut items: Vec<Item> = paths.iter().cloned().map(Item::Path).collect();
    let wildcards = |items: &[Item]| {
        items
            .iter()
            .filter(|i| matches!(i, Item::Wildcard { .. }))
            .count()
    };
    while items.len() > max.max(1) || wildcards(&items) > MAX_WILDCARDS {
        let too_many_wildcards = items.len() <= max.max(1);
        // For each folder: the items under it, and the wildcards among them.
        let mut under: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for item in &items {
            for f in folders_above(item.folder()) {
                let entry = under.entry(f).or_default();
                entry.0 += 1;
                if matches!(item, Item::Wildcard { .. }) {
                    entry.1 += 1;
                }
            }
        }
        let need = items.len().saturating_sub(max.max(1));
        let depth = |f: &str| f.matches('/').count();
        let chosen = if too_many_wildcards {
            under
                .iter()
                .filter(|(_, (_, w))| *w >= 2)
                .max_by_key(|(f, (_, w))| (*w, depth(f)))
                .map(|(f, _)| (*f).to_string())
        } else {
            let helpful = under.iter().filter(|(_, (n, _))| *n >= 2);
            let enough = helpful
                .clone()
                .filter(|(_, (n, _))| *n > need)
                .min_by_key(|(f, (n, _))| (*n, std::cmp::Reverse(depth(f))))
                .map(|(f, _)| (*f).to_string());
            enough.or_else(|| {
                helpful
                    .max_by_key(|(f, (n, _))| (*n, depth(f)))
                    .map(|(f, _)| (*f).to_string())
            })
        };
        let Some(chosen) = chosen else {
            let total = paths.len();
            return Folded {
                paths: vec!["/*".to_string()],
                folds: vec![Fold {
                    wildcard: "/*".into(),
                    paths: total,
                }],
            };
        };
        let (inside, mut rest): (Vec<Item>, Vec<Item>) = items
            .into_iter()
            .partition(|i| i.folder().starts_with(chosen.as_str()));
        rest.push(Item::Wildcard {
            covered: inside.iter().map(Item::covered).sum(),
            folder: chosen,
        });
        items = rest;
    }
    let mut out = Folded::default();
    for item in items {
        match item {
            Item::Path(p) => out.paths.push(p),
            Item::Wildcard { folder, covered } => {
                let wildcard = format!("{folder}*");
                out.paths.push(wildcard.clone());
                out.folds.push(Fold {
                    wildcard,
                    paths: covered,
                });
            }
        }
    }
    out.paths.sort();
    out.folds.sort_by(|a, b| a.wildcard.cmp(&b.wildcard));
    out
}

/// Split `paths` into invalidations within CloudFront's limits: at most
/// [`MAX_PATHS_PER_INVALIDATION`] paths and [`MAX_WILDCARDS`] wildcards
/// each.
pub fn batches(paths: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut wildcards = 0;
    for path in paths {
        let wild = path.ends_with('*');
        let full = out.last().is_none_or(|b| {
            b.len() >= MAX_PATHS_PER_INVALIDATION || (wild && wildcards >= MAX_WILDCARDS)
        });
        if full {
            out.push(Vec::new());
            wildcards = 0;
        }
        if wild {
            wildcards += 1;
        }
        if let Some(batch) = out.last_mut() {
            batch.push(path.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| (*p).to_string()).collect()
    }

    fn many(folder: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{folder}f{i}.css")).collect()
    }

    #[test]
    fn within_the_budget_nothing_is_folded() {
        let paths = set(&["/index.html", "/", "/css/a.css"]);
        let folded = fold(&paths, 3);
        assert_eq!(folded.paths, ["/", "/css/a.css", "/index.html"]);
        assert!(folded.folds.is_empty());
    }

    #[test]
    fn over_the_budget_one_folder_wildcard_covers_the_crowd() {
        let mut paths: BTreeSet<String> = many("/css/", 40).into_iter().collect();
        paths.extend(set(&["/index.html", "/", "/js/app.js"]));
        let folded = fold(&paths, 30);
        assert_eq!(folded.paths, ["/", "/css/*", "/index.html", "/js/app.js"]);
        assert_eq!(
            folded.folds,
            [Fold {
                wildcard: "/css/*".into(),
                paths: 40
            }]
        );
    }

    #[test]
    fn the_narrowest_folder_that_suffices_is_chosen() {
        // /docs/* would also do, but /docs/api/* is enough and narrower.
        let mut paths: BTreeSet<String> = many("/docs/api/", 20).into_iter().collect();
        paths.extend(set(&["/docs/intro.html", "/docs/faq.html", "/a.html"]));
        let folded = fold(&paths, 10);
        assert_eq!(
            folded.paths,
            [
                "/a.html",
                "/docs/api/*",
                "/docs/faq.html",
                "/docs/intro.html"
            ]
        );
    }

    #[test]
    fn the_fewest_wildcards_when_one_is_not_enough() {
        // Two crowded folders under one parent: one wildcard for the
        // parent beats two for the children.
        let mut paths: BTreeSet<String> = many("/a/x/", 15).into_iter().collect();
        paths.extend(many("/a/y/", 15));
        paths.extend(many("/b/", 3));
        let folded = fold(&paths, 5);
        assert_eq!(
            folded.paths,
            ["/a/*", "/b/f0.css", "/b/f1.css", "/b/f2.css"]
        );
        assert_eq!(folded.folds[0].paths, 30);
    }

    #[test]
    fn the_bare_folder_path_of_an_index_is_covered_by_its_parent() {
        let paths = set(&["/about/index.html", "/about/", "/about", "/x.html"]);
        let folded = fold(&paths, 3);
        assert_eq!(folded.paths, ["/about", "/about/*", "/x.html"]);
        assert_eq!(
            fold(&paths, 2).paths,
            ["/*"],
            "root paths fold only into /*"
        );
    }

    #[test]
    fn slash_star_only_as_the_last_resort() {
        // Files at the root alone: no folder wildcard can help.
        let paths: BTreeSet<String> = (0..40).map(|i| format!("/p{i}.html")).collect();
        let folded = fold(&paths, 30);
        assert_eq!(folded.paths, ["/*"]);
        assert_eq!(folded.folds[0].paths, 40);
        // A budget of one with paths in two folders: /* too.
        let folded = fold(&set(&["/a/1", "/b/1"]), 1);
        assert_eq!(folded.paths, ["/*"]);
    }

    #[test]
    fn never_more_than_fifteen_wildcards() {
        // 20 crowded folders at the top: 18 wildcards would fit the budget
        // but not CloudFront's limit, and no folder holds two of them.
        let mut paths = BTreeSet::new();
        for d in 0..20 {
            paths.extend(many(&format!("/d{d}/"), 5));
        }
        assert_eq!(fold(&paths, 30).paths, ["/*"]);
        // Under two parents: one wildcard each.
        let mut paths = BTreeSet::new();
        for d in 0..10 {
            paths.extend(many(&format!("/a/d{d}/"), 5));
            paths.extend(many(&format!("/b/d{d}/"), 5));
        }
        assert_eq!(fold(&paths, 30).paths, ["/a/*", "/b/*"]);
    }

    #[test]
    fn batches_stay_within_cloudfronts_limits() {
        let mut paths: Vec<String> = (0..3500).map(|i| format!("/p{i}")).collect();
        paths.extend((0..20).map(|i| format!("/d{i}/*")));
        let batches = batches(&paths);
        assert!(
            batches
                .iter()
                .all(|b| b.len() <= MAX_PATHS_PER_INVALIDATION)
        );
        assert!(
            batches
                .iter()
                .all(|b| b.iter().filter(|p| p.ends_with('*')).count() <= MAX_WILDCARDS)
        );
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 3520);
        assert_eq!(batches.len(), 3);
        assert_eq!(super::batches(&["/a".to_string()]).len(), 1);
    }
}
