//! Progress bars on standard error for long runs (hidden when standard error is not a terminal).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One bar that engines report to through a `Fn(stage, done, total)` callback.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new(label: &str) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{prefix} {msg:>12} [{bar:32}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        Bar { bar }
    }

    /// `done` of `total` steps of `stage`.
    pub fn update(&self, stage: &str, done: usize, total: usize) {
        if self.bar.message() != stage {
            self.bar.set_message(stage.to_string());
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
