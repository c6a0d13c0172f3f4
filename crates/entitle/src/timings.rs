//! Phase timings for developers: with the environment variable `MINSHENG_TIMINGS` set, the readers and the
//! matcher print the time of each step to standard error (`[timings] read_persons.parse 1.234 s`).

use std::sync::OnceLock;
use std::time::Instant;

fn on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("MINSHENG_TIMINGS").is_some())
}

/// A stopwatch that prints each lap when timings are on.
pub(crate) struct Laps {
    what: &'static str,
    last: Instant,
    faults: (u64, u64),
}

/// Minor page faults and CPU time in clock ticks (user + system) of the process so far (`/proc/self/stat`; 0
/// where there is none).
fn faults() -> (u64, u64) {
    if !on() {
        return (0, 0);
    }
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which ends with the last ')'): minflt is the 8th, utime and stime the
    // 12th and 13th.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .map(|f| f.parse().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    let at = |k: usize| fields.get(k).copied().unwrap_or(0);
    (at(7), at(11) + at(12))
}

impl Laps {
    pub(crate) fn new(what: &'static str) -> Laps {
        Laps {
            what,
            last: Instant::now(),
            faults: faults(),
        }
    }

    pub(crate) fn lap(&mut self, step: &str) {
        if on() {
            let f = faults();
            let wall = self.last.elapsed().as_secs_f64();
            eprintln!(
                "[timings] {}.{step} {wall:.3} s, {:.2} cores busy, {} MiB of fresh pages",
                self.what,
                f.1.saturating_sub(self.faults.1) as f64 / 100.0 / wall.max(1e-9),
                f.0.saturating_sub(self.faults.0) * 4 / 1024
            );
            self.faults = f;
        }
        self.last = Instant::now();
    }
}
