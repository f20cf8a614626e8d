//! Glob lists as users write them: a pattern without `/` matches at any
//! depth (like `.gitignore` and rclone filters), one with `/` is anchored at
//! the source root. `*` never crosses `/`; `**` does.

use globset::{GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};

use crate::config::GlobSpec;

/// Compile one pattern, or say what is wrong and where it was written.
pub fn compile(spec: &GlobSpec) -> Result<GlobMatcher, String> {
    build(spec).map(|g| g.compile_matcher())
}

/// Compile each pattern in order, or say what is wrong with every bad one,
/// each message after `setting` (where the list is set).
pub fn compile_each<'a>(
    setting: &str,
    specs: impl IntoIterator<Item = &'a GlobSpec>,
) -> Result<Vec<GlobMatcher>, Vec<String>> {
    let (compiled, problems): (Vec<_>, Vec<_>) =
        specs.into_iter().map(compile).partition(Result::is_ok);
    if problems.is_empty() {
        Ok(compiled.into_iter().filter_map(Result::ok).collect())
    } else {
        Err(problems
            .into_iter()
            .filter_map(Result::err)
            .map(|e| format!("{setting}: {e}"))
            .collect())
    }
}

fn build(spec: &GlobSpec) -> Result<globset::Glob, String> {
    let pattern = spec.pattern.trim_start_matches('/');
    let anchored = if pattern.contains('/') {
        pattern.to_string()
    } else {
        format!("**/{pattern}")
    };
    GlobBuilder::new(&anchored)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| {
            format!(
                "bad glob '{}' ({}): {}; globs use *, ** (any depth), ? and [abc]",
                spec.pattern,
                spec.origin,
                e.kind()
            )
        })
}

/// Several patterns matched as one set.
#[derive(Debug, Clone)]
pub struct GlobList {
    set: GlobSet,
    len: usize,
}

impl GlobList {
    pub fn new(specs: &[GlobSpec]) -> Result<Self, Vec<String>> {
        let mut builder = GlobSetBuilder::new();
        let mut problems = Vec::new();
        for spec in specs {
            match build(spec) {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(e) => problems.push(e),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let set = builder.build().map_err(|e| vec![e.to_string()])?;
        Ok(Self {
            set,
            len: specs.len(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(p: &str) -> GlobSpec {
        GlobSpec {
            pattern: p.into(),
            origin: "test".into(),
        }
    }

    #[test]
    fn basename_patterns_match_at_any_depth() {
        let m = compile(&spec("*.css")).unwrap();
        assert!(m.is_match("app.css"));
        assert!(m.is_match("css/deep/app.css"));
        assert!(!m.is_match("app.css.map"));
    }

    #[test]
    fn slash_patterns_are_anchored_and_star_stays_in_one_segment() {
        let m = compile(&spec("img/*.png")).unwrap();
        assert!(m.is_match("img/a.png"));
        assert!(!m.is_match("img/sub/a.png"));
        assert!(!m.is_match("x/img/a.png"));
        let m = compile(&spec("img/**/*.png")).unwrap();
        assert!(m.is_match("img/sub/a.png"));
        assert!(m.is_match("img/a.png"));
    }

    #[test]
    fn bad_glob_names_pattern_and_origin() {
        let err = compile(&spec("css/[a")).unwrap_err();
        assert!(err.contains("bad glob 'css/[a' (test)"), "{err}");
    }

    #[test]
    fn list_matches_any() {
        let list = GlobList::new(&[spec("*.map"), spec("drafts/**")]).unwrap();
        assert!(list.is_match("js/app.js.map"));
        assert!(list.is_match("drafts/a/b.html"));
        assert!(!list.is_match("index.html"));
        assert!(GlobList::new(&[]).unwrap().is_empty());
    }
}
