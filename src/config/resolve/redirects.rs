//! `[[redirects]]`: each `from` a plain source-relative path (no `..`, no
//! empty or `.` segments), each `to` a target S3's website endpoint takes,
//! no `from` twice. Whether a `from` is also a file of the source is only
//! known after the walk (`local::redirects`).

use std::collections::BTreeMap;

use super::{Layers, Problems};
use crate::config::settings::RedirectSpec;
use crate::record::headers::redirect_location_problem;

pub(super) fn redirects(layers: &Layers, problems: &mut Problems) -> Vec<RedirectSpec> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for redirect in layers.config.redirects.iter().flatten() {
        let origin = layers.origin(redirect.from.span().start);
        let from = redirect.from.get_ref();
        let to = redirect.to.get_ref();
        let at = format!("[[redirects]] at {origin}");
        let mut ok = true;
        if let Err(why) = check_from(from) {
            problems.push(format!(
                "{at}: from = {:?} {why}",
                crate::escape::for_terminal(from)
            ));
            ok = false;
        }
        if let Some(why) = redirect_location_problem(to) {
            let to_origin = layers.origin(redirect.to.span().start);
            problems.push(format!(
                "[[redirects]] at {to_origin}: to = {:?} cannot be a website redirect: {why}. S3 takes a path on the same site (to = \"/new/page/\") or an absolute URL (to = \"https://example.com/page/\")",
                crate::escape::for_terminal(to)
            ));
            ok = false;
        }
        if let Some(first) = seen.get(from) {
            problems.push(format!(
                "{at}: from = {:?} is already redirected by the [[redirects]] at {first}: keep one of them",
                crate::escape::for_terminal(from)
            ));
            ok = false;
        } else {
            seen.insert(from.clone(), origin.clone());
        }
        if ok {
            out.push(RedirectSpec {
                from: from.clone(),
                to: to.clone(),
                origin,
            });
        }
    }
    out
}

/// Why `from` is not a plain path relative to the source, with the fix.
fn check_from(from: &str) -> Result<(), String> {
    const LIKE: &str =
        "write the old page's path relative to the source, like from = \"old/page.html\"";
    if from.is_empty() {
        return Err(format!("is empty: {LIKE}"));
    }
    if from.starts_with('/') {
        return Err(format!(
            "starts with '/': it is relative to the source (and under `location`), so {LIKE}"
        ));
    }
    if from.ends_with('/') {
        return Err(
            "ends with '/': an object key names a file; a website serves /old/ from old/index.html, so write from = \"old/index.html\"".into(),
        );
    }
    if from.chars().any(char::is_control) {
        return Err(format!("holds a control character: {LIKE}"));
    }
    for segment in from.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.contains('\\') {
            return Err(format!(
                "has the segment {segment:?}: only plain names separated by single '/' stay under the prefix; {LIKE}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_from;

    #[test]
    fn from_is_a_plain_relative_path() {
        assert!(check_from("old/page.html").is_ok());
        assert!(check_from(".well-known/x").is_ok());
        for (bad, why) in [
            ("", "is empty"),
            ("/old/page.html", "starts with '/'"),
            ("old/", "old/index.html"),
            ("a/../b.html", "\"..\""),
            ("a//b.html", "\"\""),
            ("./a.html", "\".\""),
            ("a\\b.html", "\"a\\\\b.html\""),
            ("a\nb.html", "control"),
        ] {
            let err = check_from(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }
}
