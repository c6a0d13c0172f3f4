#!/usr/bin/env python3
"""Peer check of Minsheng's floating catchment measures (crates/access/src/fca.rs) against PySAL's `access`.

What it does:
1. creates a virtual environment under $HOME/.cache/minsheng/venv if missing and installs `access==1.1.10.post3`
   (with pandas and numpy) into it, then re-runs itself inside it;
2. smoke check: the hospital example of access' own tests (crates/access/tests/fixtures/access-hospital/, 4
   scenarios) through access and through ours, both against expected.csv;
3. builds a deterministic synthetic instance, the same as the criterion bench crates/access/benches/fca.rs:
   10,000 demand points (population 100-5,099) and 1,000 sites (1-20 doctors) in a 200 km square, travel time
   1 + 1.3 km minutes rounded to 0.01, every pair up to 90 minutes stored (Knuth's MMIX LCG; numpy and Rust do the
   same IEEE operations, so the costs are bit-identical), and writes it as CSV (default directory
   $HOME/.cache/minsheng/fca_peer/: costs.csv `origin,dest,cost`, demand.csv `geoid,pop`, supply.csv `geoid,doc`);
4. runs access' two_stage_fca and three_stage_fca (Access class, weights.gravity(scale=1, alpha=-1), max_cost 60)
   and ours (the example `fca_peer` of minsheng-access, built with cargo in release mode) on it, checks that they
   agree (max abs and rel difference, NaN/inf in the same places) and prints
   - whole-process times: a fresh interpreter that imports access, reads the CSVs, computes 2SFCA and 3SFCA once
     and writes them, against our binary doing the same;
   - compute-only times: the measure calls on loaded data (access: median of --peer-runs; ours: median of --runs,
     the cost matrix built beforehand, as access' DataFrames are),
   and the ratios. The goal is 2SFCA at least 50x faster than access.

Usage: python3 bench/fca_peer.py [--dir DIR] [--runs N] [--peer-runs N] [--ours PATH] [--skip-hospital]
"""

import argparse
import csv
import math
import os
import re
import statistics
import subprocess
import sys
import time
import venv

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "minsheng")
VENV = os.path.join(CACHE, "venv")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSPITAL = os.path.join(ROOT, "crates", "access", "tests", "fixtures", "access-hospital")
ACCESS = "access==1.1.10.post3"
N_DEMAND = 10_000
N_SITES = 1_000
SEED = 20240607
STORED = 90.0
MAX_COST = 60.0
MASK = (1 << 64) - 1


def in_venv() -> bool:
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def ensure_venv() -> None:
    """Creates the venv and installs the pinned access once, then re-executes this script inside it."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        print(f"creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    check = subprocess.run(
        [python, "-c", "import importlib.metadata as m, pandas, numpy; assert m.version('access') == '1.1.10.post3'"],
        capture_output=True)
    if check.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", ACCESS, "pandas", "numpy"], check=True)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


class Lcg:
    """Knuth's MMIX linear congruential generator; next() gives a double in [0, 1) from the top 53 bits."""

    def __init__(self, seed: int):
        self.state = seed & MASK

    def next(self) -> float:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return (self.state >> 11) / float(1 << 53)


def points(rng: Lcg, n: int, base: float, span: float):
    out = []
    for _ in range(n):
        x = 200.0 * rng.next()
        y = 200.0 * rng.next()
        out.append((x, y, base + math.floor(rng.next() * span)))
    return out


def write_instance(directory: str) -> None:
    """The bench instance as three CSV files. Costs are k/100 doubles, so '%.2f' reads back as the same double."""
    import numpy as np
    import pandas as pd

    rng = Lcg(SEED)
    demand = points(rng, N_DEMAND, 100.0, 5000.0)
    sites = points(rng, N_SITES, 1.0, 20.0)
    dx_, dy_ = np.array([p[0] for p in demand]), np.array([p[1] for p in demand])
    sx, sy = np.array([p[0] for p in sites]), np.array([p[1] for p in sites])
    dx = dx_[:, None] - sx[None, :]
    dy = dy_[:, None] - sy[None, :]
    cost = np.floor((1.0 + 1.3 * np.sqrt(dx * dx + dy * dy)) * 100.0 + 0.5) / 100.0
    i, j = np.nonzero(cost <= STORED)
    os.makedirs(directory, exist_ok=True)
    d_ids = np.array([f"d{k}" for k in range(N_DEMAND)])
    s_ids = np.array([f"s{k}" for k in range(N_SITES)])
    pd.DataFrame({"origin": d_ids[i], "dest": s_ids[j], "cost": cost[i, j]}).to_csv(
        os.path.join(directory, "costs.csv"), index=False, float_format="%.2f")
    pd.DataFrame({"geoid": d_ids, "pop": [p[2] for p in demand]}).to_csv(
        os.path.join(directory, "demand.csv"), index=False, float_format="%.0f")
    pd.DataFrame({"geoid": s_ids, "doc": [p[2] for p in sites]}).to_csv(
        os.path.join(directory, "supply.csv"), index=False, float_format="%.0f")
    print(f"instance: {N_DEMAND} demand x {N_SITES} sites, {len(i)} pairs stored (<= {STORED} min), "
          f"{int((cost[i, j] <= MAX_COST).sum())} within max_cost {MAX_COST} -> {directory}")


def run_access(directory: str, max_cost: float, runs: int = 1):
    """access' 2SFCA and 3SFCA on the CSVs: ({geoid: (2SFCA, 3SFCA)}, 2SFCA seconds, 3SFCA seconds, read seconds),
    the times medians over `runs` calls."""
    import logging
    import warnings

    import pandas as pd
    from access import Access, weights

    logging.getLogger("access").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    t = time.perf_counter()
    costs = pd.read_csv(os.path.join(directory, "costs.csv"), dtype={"origin": str, "dest": str})
    demand = pd.read_csv(os.path.join(directory, "demand.csv"), dtype={"geoid": str})
    supply = pd.read_csv(os.path.join(directory, "supply.csv"), dtype={"geoid": str})
    read_s = time.perf_counter() - t
    a = Access(demand_df=demand, demand_index="geoid", demand_value="pop", supply_df=supply,
               supply_index="geoid", supply_value="doc", cost_df=costs, cost_origin="origin",
               cost_dest="dest", cost_name="cost")
    gravity = weights.gravity(scale=1, alpha=-1)
    two_s, three_s = [], []
    for _ in range(runs):
        t = time.perf_counter()
        a.two_stage_fca(name="two", weight_fn=gravity, max_cost=max_cost)
        two_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        a.three_stage_fca(name="three", weight_fn=gravity, max_cost=max_cost)
        three_s.append(time.perf_counter() - t)
    df = a.access_df
    values = {str(g): (float(x), float(y)) for g, x, y in zip(df.index, df["two_doc"], df["three_doc"])}
    return values, statistics.median(two_s), statistics.median(three_s), read_s


def peer_process(directory: str, max_cost: float, out: str) -> None:
    """The whole-process run of access: import, read, compute once, write (run in a fresh interpreter)."""
    values, _, _, _ = run_access(directory, max_cost)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["geoid", "two_stage_fca", "three_stage_fca"])
        for g, (x, y) in values.items():
            w.writerow([g, repr(x), repr(y)])


def ours_binary(given: str) -> str:
    if given:
        return given
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(CACHE, "target"))
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "minsheng-access", "--example", "fca_peer"],
                   cwd=ROOT, env=env, check=True)
    return os.path.join(target, "release", "examples", "fca_peer")


def run_ours(binary: str, directory: str, max_cost: float, runs: int):
    """Ours on the CSVs: ({geoid: (2SFCA, 3SFCA)}, {timing key: value}, wall seconds)."""
    t = time.perf_counter()
    p = subprocess.run([binary, *(os.path.join(directory, f) for f in ("costs.csv", "demand.csv", "supply.csv")),
                        "--max-cost", repr(max_cost), "--runs", str(runs)],
                       capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    rows = list(csv.reader(p.stdout.splitlines()))[1:]
    values = {r[0]: (float(r[1]), float(r[2])) for r in rows}
    m = re.search(r"timing (.*)", p.stderr)
    timing = dict(kv.split("=") for kv in m.group(1).split()) if m else {}
    return values, timing, wall


def compare(ours: dict, theirs: dict, label: str) -> bool:
    """Max abs and rel differences per measure; NaN and inf must sit in the same places."""
    ok = set(ours) == set(theirs)
    if not ok:
        print(f"  {label}: different demand ids ({len(ours)} vs {len(theirs)})")
    for k, name in enumerate(["2SFCA", "3SFCA"]):
        abs_d = rel_d = 0.0
        special = 0
        for g in ours.keys() & theirs.keys():
            a, b = ours[g][k], theirs[g][k]
            if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
                special += 1
                if not (a == b or (math.isnan(a) and math.isnan(b))):
                    ok = False
                    print(f"  {label} {name} {g}: ours {a!r}, access {b!r}")
                continue
            abs_d = max(abs_d, abs(a - b))
            rel_d = max(rel_d, abs(a - b) / max(abs(b), 1e-300))
        good = rel_d <= 1e-9 or abs_d <= 1e-12
        ok = ok and good
        print(f"  {label} {name}: {len(ours)} values, max abs diff {abs_d:.3e}, max rel diff {rel_d:.3e}, "
              f"{special} NaN/inf -> {'agree' if good else 'DISAGREE'}")
    return ok


def hospital(binary: str, directory: str) -> bool:
    ok = True
    with open(os.path.join(HOSPITAL, "expected.csv")) as f:
        expected = {}
        for r in csv.DictReader(f):
            expected.setdefault(int(r["scenario"]), {})[r["geoid"]] = (
                float(r["two_stage_fca"]), float(r["three_stage_fca"]))
    with open(os.path.join(HOSPITAL, "costs.csv")) as f:
        rows = list(csv.DictReader(f))
    print("hospital example (access' test, max_cost 61):")
    for n in sorted(expected):
        d = os.path.join(directory, f"hospital-{n}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "costs.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["origin", "dest", "cost"])
            w.writerows([r["origin"], r["dest"], r["cost"]] for r in rows if int(r["scenario"]) == n)
        for name in ("demand.csv", "supply.csv"):
            with open(os.path.join(HOSPITAL, "tracts.csv")) as src, open(os.path.join(d, name), "w") as dst:
                dst.write(src.read())
        theirs, _, _, _ = run_access(d, 61.0)
        ours, _, _ = run_ours(binary, d, 61.0, 1)
        ok &= compare(ours, theirs, f"scenario {n} ours vs access")
        ok &= compare(ours, expected[n], f"scenario {n} ours vs expected.csv")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join(CACHE, "fca_peer"))
    parser.add_argument("--runs", type=int, default=5, help="runs of ours for the compute-only median")
    parser.add_argument("--peer-runs", type=int, default=3, help="runs of access for the compute-only median")
    parser.add_argument("--ours", default="", help="a built fca_peer example binary (default: build it with cargo)")
    parser.add_argument("--skip-hospital", action="store_true")
    parser.add_argument("--peer-process", nargs=2, metavar=("DIR", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not in_venv():
        ensure_venv()
    if args.peer_process:
        peer_process(args.peer_process[0], MAX_COST, args.peer_process[1])
        return 0

    import access

    print(f"access {access.__version__ if hasattr(access, '__version__') else ''} ({ACCESS} pinned)")
    binary = ours_binary(args.ours)
    ok = True
    if not args.skip_hospital:
        ok &= hospital(binary, args.dir)

    write_instance(args.dir)
    out = os.path.join(args.dir, "access_results.csv")
    t = time.perf_counter()
    subprocess.run([sys.executable, os.path.abspath(__file__), "--peer-process", args.dir, out], check=True)
    peer_wall = time.perf_counter() - t
    _, _, our_wall = run_ours(binary, args.dir, MAX_COST, 1)

    theirs, peer_two, peer_three, peer_read = run_access(args.dir, MAX_COST, args.peer_runs)
    ours, timing, _ = run_ours(binary, args.dir, MAX_COST, args.runs)
    print("synthetic instance, gravity(1, -1), max_cost 60:")
    ok &= compare(ours, theirs, "ours vs access")
    with open(out) as f:
        fresh = {r["geoid"]: (float(r["two_stage_fca"]), float(r["three_stage_fca"])) for r in csv.DictReader(f)}
    ok &= compare(ours, fresh, "ours vs access (whole-process run)")

    our_two = float(timing["two_stage_ms"]) / 1e3
    our_three = float(timing["three_stage_ms"]) / 1e3
    print(f"whole process (read CSV, 2SFCA + 3SFCA once, write): access {peer_wall:.2f} s, "
          f"ours {our_wall:.2f} s, ratio {peer_wall / our_wall:.1f}x")
    print(f"reading: access pandas.read_csv {peer_read:.2f} s; ours {float(timing['read_ms']) / 1e3:.2f} s "
          f"(input::read_costs {float(timing['read_costs_ms']) / 1e3:.2f} s, then align_demand and the weights)")
    print(f"compute only 2SFCA: access {peer_two * 1e3:.1f} ms (median of {args.peer_runs}), "
          f"ours {our_two * 1e3:.2f} ms (median of {args.runs}), ratio {peer_two / our_two:.0f}x "
          f"(goal >= 50x: {'met' if peer_two / our_two >= 50 else 'NOT met'})")
    print(f"compute only 3SFCA: access {peer_three * 1e3:.1f} ms (median of {args.peer_runs}), "
          f"ours {our_three * 1e3:.2f} ms (median of {args.runs}), ratio {peer_three / our_three:.0f}x")
    print("agreement: " + ("all values agree" if ok else "DISAGREEMENT (see above)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
