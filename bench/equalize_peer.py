#!/usr/bin/env python3
"""Peer check of Minsheng's equalization (均等化) statistics against PySAL's `inequality` package.

What it does:
1. creates a virtual environment under $HOME/.cache/minsheng/venv if missing and installs `inequality` (PySAL) and
   numpy into it, then re-runs itself inside it;
2. builds a deterministic synthetic table of 3,000 counties in 130 prefectures (the same generator as the test
   `peer_table_matches_pysal` in crates/monitor/tests/equalize.rs: Knuth's MMIX LCG, whose 64-bit integer
   arithmetic and IEEE double operations give bit-identical numbers in Python and Rust) and writes it to a CSV
   (default $HOME/.cache/minsheng/equalize_peer.csv);
3. computes PySAL's Gini (inequality.gini.Gini), Theil (inequality.theil.Theil) and TheilD (between/within by
   prefecture, inequality.theil.TheilD) and prints them;
4. unless --no-cargo is given, runs that Rust test with EQUALIZE_PEER_CSV pointing at the CSV, so that our
   `equalize` reads the very same rows, prints its numbers and asserts them against PySAL's.

PySAL's Theil is unweighted (every unit has weight 1): T = Σ (y_i/Σy) ln(n y_i/Σy). Ours is population-weighted;
with every weight = 1 it is the same formula, and PySAL's between part Σ_g s_g ln(n s_g / n_g) is our
Σ_g s_g ln(μ_g/μ). PySAL's Gini Σ (2i − n − 1) x_(i) / (n Σx) is our unweighted Gini. PySAL replaces zeros by the
smallest positive double before taking logarithms; the difference to our 0·ln 0 = 0 is below 1e-300.

5. unless --no-time is given, times PySAL's three computations (Gini, Theil, TheilD by prefecture; median of 30
   runs, numpy arrays built beforehand) and compares them with the criterion bench of our `equalize` on a
   3,000-unit, 130-group table (`cargo bench -p minsheng-monitor --bench monitor -- equalize`, run here if its
   estimate is missing), which computes more (weighted and unweighted CV, Gini, Theil with decomposition, extremes,
   share meeting). Prints the ratio.

Usage: python3 bench/equalize_peer.py [--csv PATH] [--no-cargo] [--no-time]
"""

import argparse
import csv
import math
import os
import subprocess
import sys
import venv

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "minsheng")
VENV = os.path.join(CACHE, "venv")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_UNITS = 3000
N_GROUPS = 130
SEED = 20240601
MASK = (1 << 64) - 1


def in_venv() -> bool:
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def ensure_venv() -> None:
    """Creates the venv and installs the peer packages once, then re-executes this script inside it."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        print(f"creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    check = subprocess.run([python, "-c", "import inequality, numpy"], capture_output=True)
    if check.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "inequality", "numpy"], check=True)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


class Lcg:
    """Knuth's MMIX linear congruential generator; next() gives a double in [0, 1) from the top 53 bits."""

    def __init__(self, seed: int):
        self.state = seed & MASK

    def next(self) -> float:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return (self.state >> 11) / float(1 << 53)


def table():
    """Rows (id, group, value, population). Prefecture levels 20–100; county values spread 0.25–1.75 times their
    prefecture's level, rounded to 0.01; every 97th county is 0; populations 5,000–1,205,000 persons; the first 130
    counties take one prefecture each so that no prefecture is empty, the rest are drawn at random."""
    rng = Lcg(SEED)
    levels = [20.0 + 80.0 * rng.next() for _ in range(N_GROUPS)]
    rows = []
    for i in range(N_UNITS):
        g = i if i < N_GROUPS else math.floor(rng.next() * N_GROUPS)
        u = rng.next()
        value = 0.0 if i % 97 == 0 else math.floor(levels[g] * (0.25 + 1.5 * u) * 100.0 + 0.5) / 100.0
        population = 5000.0 + math.floor(rng.next() * 1.2e6)
        rows.append((f"c{i:04}", f"p{g:03}", value, population))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", default=os.path.join(CACHE, "equalize_peer.csv"))
    parser.add_argument("--no-cargo", action="store_true", help="print PySAL's numbers only")
    parser.add_argument("--no-time", action="store_true", help="skip the timing comparison")
    args = parser.parse_args()
    if not in_venv():
        ensure_venv()

    import numpy as np
    from inequality.gini import Gini
    from inequality.theil import Theil, TheilD

    rows = table()
    os.makedirs(os.path.dirname(os.path.abspath(args.csv)), exist_ok=True)
    with open(args.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "group", "value", "population"])
        for r in rows:
            # repr() of a float round-trips exactly, so Rust parses the same doubles.
            w.writerow([r[0], r[1], repr(r[2]), repr(r[3])])

    y = np.array([r[2] for r in rows])
    partition = np.array([r[1] for r in rows])
    gini = float(Gini(y).g)
    theil = float(np.squeeze(Theil(y).T))
    td = TheilD(y, partition)
    peer = {
        "gini": gini,
        "theil_t": theil,
        "theil_between": float(np.squeeze(td.bg)),
        "theil_within": float(np.squeeze(td.wg)),
        "theild_t": float(np.squeeze(td.T)),
    }
    print(f"table: {len(rows)} units in {len(set(partition))} groups -> {args.csv}")
    print("PySAL inequality (unweighted):")
    for k, v in peer.items():
        print(f"  {k:14} {v!r}")
    if args.no_cargo:
        return 0
    if not args.no_time:
        time_ratio(y, partition)

    # key=value pairs separated by ';' (the test crate has no JSON parser); repr() round-trips every double.
    expect = ";".join(f"{k}={v!r}" for k, v in peer.items())
    env = dict(os.environ, EQUALIZE_PEER_CSV=os.path.abspath(args.csv), EQUALIZE_PEER_EXPECT=expect)
    env.setdefault("CARGO_TARGET_DIR", os.path.join(CACHE, "target"))
    cmd = ["cargo", "test", "-q", "-p", "minsheng-monitor", "--test", "equalize", "peer_table_matches_pysal",
           "--", "--nocapture"]
    print("ours (minsheng_monitor::equalize, all weights 1):", flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def time_ratio(y, partition) -> None:
    """Median time of PySAL's Gini + Theil + TheilD against criterion's estimate for our equalize."""
    import json
    import statistics
    import time

    from inequality.gini import Gini
    from inequality.theil import Theil, TheilD

    runs = []
    for _ in range(30):
        t = time.perf_counter()
        Gini(y)
        Theil(y)
        TheilD(y, partition)
        runs.append(time.perf_counter() - t)
    peer_s = statistics.median(runs)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(CACHE, "target"))
    import glob

    # criterion shortens long benchmark names in its directory names
    pattern = os.path.join(glob.escape(os.path.join(target, "criterion")), "equalize_ 3,000 counties*", "new",
                           "estimates.json")
    if not glob.glob(pattern):
        env = dict(os.environ, CARGO_TARGET_DIR=target)
        subprocess.run(["cargo", "bench", "-q", "-p", "minsheng-monitor", "--bench", "monitor", "--", "equalize"],
                       cwd=ROOT, env=env, check=True)
    est = glob.glob(pattern)[0]
    with open(est) as f:
        ours_s = json.load(f)["median"]["point_estimate"] / 1e9
    print(f"time: PySAL Gini+Theil+TheilD {peer_s * 1e3:.3f} ms (median of 30); "
          f"minsheng equalize (all measures) {ours_s * 1e3:.3f} ms (criterion median); "
          f"ratio {peer_s / ours_s:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
