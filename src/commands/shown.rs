//! How the commands that change the bucket (`push`, `prune`, `rollback`)
//! print: the preview (the plan and the invalidations it would create) and
//! the outcome, as JSON with `--json`, else as text plus the CDN lines.

use crate::apply::Applied;
use crate::cdn::Invalidation;
use crate::config::Settings;
use crate::plan::Plan;
use crate::report;
use crate::ui::Ui;

/// What every rendering of one run shares.
pub(super) struct Shown<'a> {
    ui: &'a Ui,
    json: bool,
    plan: &'a Plan,
    target: &'a str,
    /// Whether a CDN is configured (JSON lists invalidations only then).
    cdn_on: bool,
    /// The deploy's public URL (`push`).
    url: Option<&'a str>,
}

impl<'a> Shown<'a> {
    /// For `plan` run against `target`; `json`: `--json`; `url`: the
    /// deploy's public URL, for `push`.
    pub(super) fn new(
        ui: &'a Ui,
        json: bool,
        plan: &'a Plan,
        target: &'a str,
        settings: &Settings,
        url: Option<&'a str>,
    ) -> Self {
        Self {
            ui,
            json,
            plan,
            target,
            cdn_on: !settings.cdn.distributions.is_empty(),
            url,
        }
    }

    /// The plan before anything changes; `text` renders it for people.
    pub(super) fn preview(
        &self,
        invalidations: &[Invalidation],
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        if self.json {
            self.ui.out_data(&report::push_json(
                self.plan,
                None,
                true,
                self.target,
                self.cdn_on.then_some(invalidations),
                self.url,
            ))?;
        } else if !self.ui.quiet {
            let mut text = text();
            text.push_str(&report::cdn::planned_text(invalidations));
            self.ui.out(&text)?;
        }
        Ok(())
    }

    /// What landed; `text` renders it for people (shown even with
    /// `--quiet` when something failed). Returns whether an invalidation
    /// failed.
    pub(super) fn outcome(
        &self,
        applied: &Applied,
        invalidations: &[Invalidation],
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<bool> {
        let cdn_failed = report::cdn::failed(invalidations);
        if self.json {
            self.ui.out_data(&report::push_json(
                self.plan,
                Some(applied),
                false,
                self.target,
                self.cdn_on.then_some(invalidations),
                self.url,
            ))?;
        } else if !self.ui.quiet || applied.has_errors() || cdn_failed {
            let mut text = text();
            if let Some(url) = self.url {
                text.push_str(&format!(
                    "published at {}\n",
                    crate::escape::for_terminal(url)
                ));
            }
            text.push_str(&report::cdn::done_text(invalidations));
            self.ui.out(&text)?;
        }
        Ok(cdn_failed)
    }
}
