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
    faults: u64,
}

/// Minor page faults of the process so far (`/proc/self/stat`; 0 where there is none).
fn faults() -> u64 {
    if !on() {
        return 0;
    }
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which ends with the last ')'): minflt is the 8th.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(7))
        .and_then(|f| f.parse().ok())
        .unwrap_or(0)
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
            eprintln!(
                "[timings] {}.{step} {:.3} s, {} MiB of fresh pages",
                self.what,
                self.last.elapsed().as_secs_f64(),
                f.saturating_sub(self.faults) * 4 / 1024
            );
            self.faults = f;
        }
        self.last = Instant::now();
    }
}
