//! Colour, decided once per stream: `--color always|never`, or with `auto`
//! only on a terminal, and never when `NO_COLOR` is set (no-color.org) or
//! `TERM=dumb`. Colour is added after names were escaped, so the only
//! escape sequences on screen are s3sync's own.

use anstyle::{AnsiColor, Style};

use crate::cli::ColorWhen;

/// Whether a stream gets colour.
pub fn enabled(when: ColorWhen, is_terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            is_terminal
                && env("NO_COLOR").is_none_or(|v| v.is_empty())
                && env("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

fn fg(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into()))
}

/// The style of a line's marker, by how s3sync lays out its output: plan
/// lines (`  + key`), check lines (`ok   …`, `FAIL …`, `skip …`), failures
/// (`  ! key`) and log prefixes (`error:`, `warning:`).
fn marker(line: &str) -> Option<(std::ops::Range<usize>, Style)> {
    const MARKS: &[(&str, AnsiColor)] = &[
        ("  + ", AnsiColor::Green),
        ("  ~ ", AnsiColor::Yellow),
        ("  * ", AnsiColor::Cyan),
        ("  - ", AnsiColor::Red),
        ("  ! ", AnsiColor::Red),
        ("ok   ", AnsiColor::Green),
        ("FAIL ", AnsiColor::Red),
        ("skip ", AnsiColor::BrightBlack),
        ("error:", AnsiColor::Red),
        ("warning:", AnsiColor::Yellow),
    ];
    MARKS
        .iter()
        .find(|(mark, _)| line.starts_with(mark))
        .map(|(mark, color)| {
            let start = mark.len() - mark.trim_start().len();
            (start..mark.trim_end().len(), fg(*color).bold())
        })
}

/// `text` with the marker of each line coloured.
pub fn paint_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        match marker(line) {
            Some((range, style)) => {
                out.push_str(&line[..range.start]);
                out.push_str(&paint(style, &line[range.clone()]));
                out.push_str(&line[range.end..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_dumb_terminals_and_pipes_get_none_unless_forced() {
        let none = |_: &str| None;
        let no_color = |k: &str| (k == "NO_COLOR").then(|| "1".to_string());
        let dumb = |k: &str| (k == "TERM").then(|| "dumb".to_string());
        assert!(enabled(ColorWhen::Auto, true, none));
        assert!(!enabled(ColorWhen::Auto, false, none), "a pipe");
        assert!(!enabled(ColorWhen::Auto, true, no_color));
        assert!(!enabled(ColorWhen::Auto, true, dumb));
        assert!(
            enabled(ColorWhen::Always, false, no_color),
            "--color always wins"
        );
        assert!(!enabled(ColorWhen::Never, true, none));
    }

    #[test]
    fn only_markers_are_painted() {
        let text = "new (1):\n  + static/a.css  not in the bucket\nok   can write\nplain\n";
        let painted = paint_lines(text);
        assert!(
            painted.contains("\u{1b}[1m\u{1b}[32m+\u{1b}[0m static/a.css"),
            "{painted:?}"
        );
        assert!(painted.contains("ok\u{1b}[0m   can write"), "{painted:?}");
        assert!(painted.ends_with("plain\n"));
        let plain: String = painted.replace('\u{1b}', "");
        assert!(plain.contains("static/a.css  not in the bucket"));
    }
}
