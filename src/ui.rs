//! Output policy, decided once: results on stdout (a closed pipe is not an
//! error), logs and progress on stderr. Progress bars (indicatif) only on an
//! attended terminal; otherwise a log line every few seconds. The engine
//! never touches this: it only emits [`Event`]s.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use humansize::{DECIMAL, format_size};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::GlobalArgs;
use crate::progress::{Event, Observer};

pub mod color;

const LOG_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    pub quiet: bool,
    pub verbose: u8,
    pub bars: bool,
    /// Colour on stdout / stderr (see `color`).
    pub color_out: bool,
    pub color_err: bool,
}

impl Ui {
    /// Decide once whether bars are drawn: only on an attended stderr, not
    /// with --json, --quiet, -v, --no-progress, TERM=dumb or in CI.
    pub fn new(global: &GlobalArgs, json: bool) -> Self {
        let env = |k: &str| std::env::var_os(k);
        let dumb = env("TERM").is_some_and(|t| t == "dumb") || env("CI").is_some();
        let bars = std::io::stderr().is_terminal()
            && !json
            && !global.quiet
            && global.verbose == 0
            && !global.no_progress
            && !dumb;
        let var = |k: &str| std::env::var(k).ok();
        Self {
            quiet: global.quiet,
            verbose: global.verbose,
            bars,
            color_out: color::enabled(global.color, std::io::stdout().is_terminal(), var),
            color_err: color::enabled(global.color, std::io::stderr().is_terminal(), var),
        }
    }

    /// Whether stderr gets colour, for the error printed after a command.
    pub fn stderr_color(global: &GlobalArgs) -> bool {
        color::enabled(global.color, std::io::stderr().is_terminal(), |k| {
            std::env::var(k).ok()
        })
    }

    /// Write human-readable results to stdout, control characters from
    /// names escaped (see `escape`). A closed pipe (`| head`) ends output
    /// quietly.
    pub fn out(&self, text: &str) -> std::io::Result<()> {
        let text = crate::escape::lines_for_terminal(text);
        if self.color_out {
            self.out_data(&color::paint_lines(&text))
        } else {
            self.out_data(&text)
        }
    }

    /// Write machine-readable output to stdout exactly (JSON, whose strings
    /// serde has escaped; completions; the man page).
    pub fn out_data(&self, text: &str) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }

    /// A log line on stderr, unless --quiet.
    pub fn info(&self, text: &str) {
        if !self.quiet {
            let text = crate::escape::lines_for_terminal(text);
            if self.color_err {
                eprintln!("{}", color::paint_lines(&text));
            } else {
                eprintln!("{text}");
            }
        }
    }

    pub fn observer(&self) -> Arc<dyn Observer> {
        Arc::new(Reporter {
            ui: *self,
            bars: self.bars.then(Bars::new),
            log: Mutex::new(LogState {
                started: Instant::now(),
                last: Instant::now(),
                done: 0,
                total: 0,
                sent: 0,
            }),
        })
    }
}

struct Bars {
    multi: MultiProgress,
    hash: ProgressBar,
    transfer: ProgressBar,
}

impl Bars {
    fn new() -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let hash = multi.add(ProgressBar::hidden());
        let transfer = multi.add(ProgressBar::hidden());
        Self {
            multi,
            hash,
            transfer,
        }
    }

    fn println(&self, line: &str) {
        let _ = self.multi.println(line);
    }
}

struct LogState {
    started: Instant,
    last: Instant,
    done: u64,
    total: u64,
    sent: u64,
}

struct Reporter {
    ui: Ui,
    bars: Option<Bars>,
    log: Mutex<LogState>,
}

impl Reporter {
    fn line(&self, text: &str) {
        let text = crate::escape::lines_for_terminal(text);
        let text = text.as_ref();
        match &self.bars {
            Some(b) => b.println(text),
            None => eprintln!("{text}"),
        }
    }
}

impl Observer for Reporter {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Scanned { files, bytes } => {
                if let Some(b) = &self.bars {
                    b.hash.set_length(bytes);
                    b.hash.set_style(
                        ProgressStyle::with_template(
                            "hashing   {bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {msg}",
                        )
                        .expect("valid template"),
                    );
                    b.hash.set_message(format!("{files} files"));
                    b.hash.set_draw_target(ProgressDrawTarget::stderr());
                    b.hash.tick();
                } else if self.ui.verbose > 0 {
                    eprintln!("scanned {files} files ({})", format_size(bytes, DECIMAL));
                }
            }
            Event::HashBytes(n) => {
                if let Some(b) = &self.bars {
                    b.hash.inc(n);
                }
            }
            Event::Hashed => {
                if let Some(b) = &self.bars {
                    b.hash.finish_and_clear();
                }
            }
            Event::TransferStart { objects, bytes } => {
                let mut log = self.log.lock().unwrap();
                log.total = objects as u64;
                log.started = Instant::now();
                log.last = Instant::now();
                if let Some(b) = &self.bars {
                    b.transfer.set_length(objects as u64);
                    b.transfer.set_style(
                        ProgressStyle::with_template(
                            "uploading {bar:30} {pos}/{len} objects, {msg} eta {eta}",
                        )
                        .expect("valid template"),
                    );
                    b.transfer
                        .set_message(format!("0 B of {}", format_size(bytes, DECIMAL)));
                    b.transfer.set_draw_target(ProgressDrawTarget::stderr());
                    b.transfer.tick();
                } else if objects > 0 && !self.ui.quiet {
                    eprintln!(
                        "applying {objects} change{} ({} of file data)",
                        if objects == 1 { "" } else { "s" },
                        format_size(bytes, DECIMAL)
                    );
                }
            }
            Event::Transferred {
                key,
                action,
                bytes,
                error,
            } => {
                let mut log = self.log.lock().unwrap();
                log.done += 1;
                log.sent += bytes;
                if let Some(e) = error {
                    if !self.ui.quiet {
                        let key = crate::escape::for_terminal(key);
                        self.line(&format!("failed: {key}: {e}"));
                    }
                } else if self.ui.verbose > 0 {
                    let key = crate::escape::for_terminal(key);
                    self.line(&format!("{} {key}", action.as_str()));
                }
                if let Some(b) = &self.bars {
                    b.transfer.inc(1);
                    let rate = log.sent as f64 / log.started.elapsed().as_secs_f64().max(0.001);
                    b.transfer.set_message(format!(
                        "{} sent, {}/s",
                        format_size(log.sent, DECIMAL),
                        format_size(rate as u64, DECIMAL)
                    ));
                } else if !self.ui.quiet && log.last.elapsed() >= LOG_EVERY {
                    log.last = Instant::now();
                    eprintln!(
                        "progress: {}/{} objects, {} sent",
                        log.done,
                        log.total,
                        format_size(log.sent, DECIMAL)
                    );
                }
            }
            Event::TransferDone => {
                if let Some(b) = &self.bars {
                    b.transfer.finish_and_clear();
                }
            }
            Event::Warning(w) => {
                if !self.ui.quiet {
                    self.line(&format!("warning: {w}"));
                }
            }
        }
    }
}
