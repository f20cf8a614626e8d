//! Names from the tree (file names, keys, paths in messages) are written by
//! whoever built it. Printed raw, a name holding `ESC [ 2 J` clears the
//! user's terminal and one holding `U+202E` reverses the text after it; in
//! the GitHub step summary a backtick or a newline breaks out of the table.
//! Human output goes through [`for_terminal`], the step summary through
//! [`for_markdown`]. JSON needs neither: serde escapes control characters.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that change how a terminal shows the text after them:
/// C0 and C1 controls and the Unicode bidirectional formatting characters.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `text` with every control or bidi character written as an escape
/// (`\x1b`, `\u{202e}`); newlines are escaped too, so one name is one line.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path for a message, escaped like [`for_terminal`] (a file name may
/// hold a newline that would otherwise forge a line of output).
pub fn path(path: &std::path::Path) -> String {
    for_terminal(&path.display().to_string()).into_owned()
}

/// Like [`for_terminal`], but keeps line breaks: for whole blocks of output
/// (a rendered plan) whose lines s3sync itself laid out. Names inside such
/// blocks are escaped where they are formatted, so a newline in a name never
/// reaches this point.
pub fn lines_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c != '\n' && is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for a Markdown document (the GitHub step summary), used mid-line:
/// controls escaped as for a terminal, the characters that open emphasis,
/// code, links, tables or strikethrough backslash-escaped, and HTML's `&`,
/// `<` and `>` written as entities, so the text stays plain text.
pub fn for_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in for_terminal(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A Markdown code span holding `text` exactly (controls escaped): fenced
/// with one more backtick than the longest run inside, as CommonMark
/// allows, so no name can close it early. `|` is escaped, since GitHub
/// splits table cells on it even inside code.
pub fn code_span(text: &str) -> String {
    let text = for_terminal(text).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped_for_terminals() {
        assert_eq!(for_terminal("static/app.css"), "static/app.css");
        assert!(matches!(for_terminal("plain"), Cow::Borrowed(_)));
        assert_eq!(
            for_terminal("a\u{1b}[2Jb\u{7}"),
            "a\\x1b[2Jb\\x07",
            "ESC and BEL"
        );
        assert_eq!(for_terminal("x\ny\r\t"), "x\\ny\\r\\t");
        assert_eq!(for_terminal("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(for_terminal("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(for_terminal("ünïcødé"), "ünïcødé", "printable text is kept");
        assert_eq!(lines_for_terminal("a\u{1b}\nb\n"), "a\\x1b\nb\n");
    }

    #[test]
    fn markdown_syntax_stays_text() {
        assert_eq!(
            for_markdown("a`|b\n<img src=x> *y*"),
            "a\\`\\|b\\\\n&lt;img src=x&gt; \\*y\\*"
        );
        assert_eq!(for_markdown("css/app-1.css: 404"), "css/app-1.css: 404");
        assert_eq!(code_span("static/a.css"), "`static/a.css`");
        assert_eq!(code_span("a`b``c"), "```a`b``c```");
        assert_eq!(code_span("`x\n|"), "`` `x\\n\\| ``");
    }
}
