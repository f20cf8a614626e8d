//! Text that goes into IAM policies: literal keys escaped so they match only
//! themselves, and s3sync's globs (`globs.rs`) turned into IAM wildcard
//! patterns.
//!
//! IAM patterns know two wildcards, `*` (any run of characters, `/`
//! included) and `?` (any one character); `${*}`, `${?}` and `${$}` stand
//! for the literal characters. A glob's `*` stays inside one folder, `**`
//! crosses folders, `[abc]` and `{a,b}` choose: not every glob can be
//! written as an IAM pattern, so [`glob`] returns patterns that match *at
//! least* the glob's keys and says when they match more.

/// A literal key or prefix as IAM text: `*`, `?` and `$` cannot act as
/// wildcards or policy variables.
pub fn escape(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len());
    for c in literal.chars() {
        match c {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' => out.push_str("${$}"),
            c => out.push(c),
        }
    }
    out
}

/// IAM patterns for the keys a glob matches, relative to the prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    /// Any key matching the glob matches one of these.
    pub patterns: Vec<String>,
    /// Whether the patterns match exactly the glob's keys (`false`: they
    /// match more, because IAM's `*` crosses folders or a character class
    /// or `{a,b}` became a wildcard).
    pub exact: bool,
}

const META: &[char] = &['*', '?', '[', ']', '{', '}'];

/// The literal a glob fragment stands for (backslash escapes resolved), or
/// `None` when it holds a wildcard.
fn literal(fragment: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = fragment.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            c if META.contains(&c) => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Translate a glob as `globs.rs` reads it (a pattern without `/` matches
/// at any depth; a leading `/` is ignored).
pub fn glob(pattern: &str) -> Translated {
    let pattern = pattern.trim_start_matches('/');
    let anchored = if pattern.contains('/') {
        pattern.to_string()
    } else {
        format!("**/{pattern}")
    };
    exact_form(&anchored).unwrap_or_else(|| {
        let general = general(&anchored);
        Translated {
            exact: general == "*",
            patterns: vec![general],
        }
    })
}

/// The forms that have an exact IAM equivalent: literal paths, `dir/**`,
/// and `**/` (at the start or after literal folders) followed by a literal
/// path or by `*` and a literal file-name ending.
fn exact_form(anchored: &str) -> Option<Translated> {
    let exact = |patterns: Vec<String>| {
        Some(Translated {
            patterns,
            exact: true,
        })
    };
    let (head, tail) = match anchored.find("**/") {
        Some(0) => ("", &anchored[3..]),
        Some(i) if anchored[..i].ends_with('/') => (&anchored[..i], &anchored[i + 3..]),
        Some(_) => return None,
        None => {
            let (body, under) = match anchored.strip_suffix("/**") {
                Some(body) => (body, "/*"),
                None => (anchored, ""),
            };
            return exact(vec![format!("{}{under}", escape(&literal(body)?))]);
        }
    };
    let head = escape(&literal(head)?);
    let (body, under) = match tail.strip_suffix("/**") {
        Some(body) => (body, "/*"),
        None => (tail, ""),
    };
    if let Some(body) = literal(body) {
        let body = escape(&body);
        return exact(vec![
            format!("{head}{body}{under}"),
            format!("{head}*/{body}{under}"),
        ]);
    }
    // `*` then a literal ending without `/`: the last folder's `*` and the
    // folders `**` crosses are together exactly IAM's `*`.
    let ending = literal(tail.strip_prefix('*')?)?;
    if ending.contains('/') {
        return None;
    }
    exact(vec![format!("{head}*{}", escape(&ending))])
}

/// A pattern matching at least the glob's keys: `**/`, `**`, `*` and
/// `{..}` become `*`; `?` and `[..]` become `?`.
fn general(anchored: &str) -> String {
    let mut out = String::new();
    let mut chars = anchored.chars().peekable();
    let star = |out: &mut String| {
        if !out.ends_with('*') || out.ends_with("${*}") {
            out.push('*');
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push_str(&escape(&next.to_string()));
                }
            }
            '*' => {
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
                // `**/` also matches no folder at all: drop the `/`.
                if out.is_empty() || out.ends_with('/') {
                    chars.next_if_eq(&'/');
                }
                star(&mut out);
            }
            '?' => out.push('?'),
            '[' => {
                // A class is one character; `]` right after `[` or `[!` is
                // part of the class.
                let mut first = true;
                for c in chars.by_ref() {
                    if c == ']' && !first {
                        break;
                    }
                    first = c == '!' && first;
                }
                out.push('?');
            }
            '{' => {
                let mut depth = 1;
                for c in chars.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                }
                star(&mut out);
            }
            c => out.push_str(&escape(&c.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pattern: &str) -> (Vec<String>, bool) {
        let t = glob(pattern);
        (t.patterns, t.exact)
    }

    #[test]
    fn wildcards_and_dollars_in_a_literal_match_only_themselves() {
        assert_eq!(escape("a*b?c$d"), "a${*}b${?}c${$}d");
        assert_eq!(escape("static/v1"), "static/v1");
    }

    #[test]
    fn exact_forms() {
        assert_eq!(t("*.pdf"), (vec!["*.pdf".to_string()], true));
        assert_eq!(t("private/**"), (vec!["private/*".to_string()], true));
        assert_eq!(t("docs/a.pdf"), (vec!["docs/a.pdf".to_string()], true));
        assert_eq!(
            t("secret.txt"),
            (
                vec!["secret.txt".to_string(), "*/secret.txt".to_string()],
                true
            )
        );
        assert_eq!(t("img/**/*.png"), (vec!["img/*.png".to_string()], true));
        assert_eq!(
            t("/drafts/**/notes/**"),
            (
                vec!["drafts/notes/*".to_string(), "drafts/*/notes/*".to_string()],
                true
            )
        );
        assert_eq!(t("**"), (vec!["*".to_string()], true));
        // Escaped wildcards are literals.
        assert_eq!(
            t(r"a\*b.txt"),
            (
                vec!["a${*}b.txt".to_string(), "*/a${*}b.txt".to_string()],
                true
            )
        );
    }

    #[test]
    fn other_globs_become_wider_patterns_and_say_so() {
        assert_eq!(
            t("private/*.pdf"),
            (vec!["private/*.pdf".to_string()], false)
        );
        assert_eq!(t("a*b.txt"), (vec!["*a*b.txt".to_string()], false));
        assert_eq!(t("img/?.png"), (vec!["img/?.png".to_string()], false));
        assert_eq!(t("img/[ab]x.png"), (vec!["img/?x.png".to_string()], false));
        assert_eq!(t("*.{pdf,doc}"), (vec!["*.*".to_string()], false));
        assert_eq!(t("a/**/b/*.txt"), (vec!["a/*b/*.txt".to_string()], false));
        assert_eq!(t("x/$y/*"), (vec!["x/${$}y/*".to_string()], false));
    }
}
