#!/usr/bin/env python3
"""Peer check and timing of Minsheng's entitlement matching (`minsheng entitle run`) against pandas and OpenFisca.

What it does:
1. creates a virtual environment under $HOME/.cache/minsheng/venv if missing and installs pandas, pyarrow, numpy and
   openfisca-core 46.x into it, then re-runs itself inside it;
2. reads the persons file once (so that every reader below finds it in the page cache), then runs our binary's
   `entitle run` on the registry into a temporary directory and records the whole process's wall time and the
   timings it prints (read persons, recipients, rules, write, total);
3. the pandas peer, the tool an analyst would write otherwise: reads persons.csv twice, with `engine="c"` and
   explicit dtypes and with `engine="pyarrow"` (each read includes turning the columns into numpy arrays: dates to
   day numbers, codes to small integers, flags to bits, households numbered by first appearance, as our reader
   does), reads parameters.csv and the catalogue TOML (tomllib; `extends` resolved by id to catalogues/<id>.toml or
   a file beside the catalogue, items overridden key by key and withdrawn as in crates/entitle/src/catalogue.rs),
   resolves every parameter per residence region (the most specific region on the county -> prefecture ->
   province chain that has a value, the latest `from` not after the date; parameters.csv rows replace catalogue
   values of the same region and date), derives the fields (age in full years with 29 February birthdays counted
   from 1 March, age_months, years_resident, resident, local_hukou, disabled, severely_disabled, flags, the
   household aggregates), and evaluates every item's rule vectorized over all persons: the rule text is rewritten
   slightly (`if(` -> `_if(`, `within "code"` -> `in _within("code")`, `param.x` -> `_param("x")`), parsed by
   Python's `ast` and compiled, with the types of the rule language, into numpy operations (no per-row Python).
   Undetermined persons follow crates/entitle/src/run.rs: a person is undetermined when a parameter the rule
   reads has no value for the person's residence region and every top-level `and` condition that
   reads no such parameter holds (Kleene logic at the top level). Household items: a household is entitled when a
   member is entitled for certain, otherwise undetermined when a member is undetermined; it is reported by its
   first member (file order). Timed: read (c, pyarrow), derive + evaluate, total;
4. compares per item the entitled persons and the undetermined persons with our entitled.csv / undetermined.csv
   (as sequences of person ids in registry order, then, on a difference, as sets); any difference is printed
   with the counts and up to 5 example person ids, and the script exits 1;
5. unless --no-openfisca, builds an OpenFisca TaxBenefitSystem in code: Person and Household entities (one role,
   `member`), input variables for the registry columns (flags as 20 boolean inputs, regions as their six-digit
   codes), formula variables for the derived fields (age and the like from the period's start), and one boolean
   variable per item, its formula compiled from the same AST (household aggregates through
   person.household.sum/any/all/min/max/nb_persons; a household item is a Household variable
   household.any(members' rule)). Region-specific parameters are an OpenFisca ParameterNode keyed by region code
   whose dated values carry the county -> prefecture -> province fallback, expanded when the node is built (NaN
   before a region's first value: "no value", which compares false as in our evaluator); formulas read it at the
   period's instant with OpenFisca's vectorial fancy indexing by the person's residence code
   (`parameters(period).<param>[codes]`); a parameter whose dated values are the same in every region present is
   a plain scalar Parameter. Nothing is precomputed per person. Every rule fits OpenFisca's model except where a
   unit is undetermined: OpenFisca has no such outcome, so an item with an undetermined unit among the persons
   compared is left out, and said so. Runs one Simulation (a DAY period, the date) over the households of the
   first --openfisca-limit persons (default all), compares every included item with ours for those households,
   and times build (system, parameters, entities, inputs) and calculation;
6. prints a table for BENCHMARKS.md: persons, items, our times, pandas read / eval / total for each engine,
   OpenFisca's, the ratios, and whether the answers agree.

Notes. The pandas peer does not validate rows (citizen-id check digits, codes, duplicate ids) as our reader does;
household ids are not trimmed. Our "rules" time also covers the recipients comparison (missed, wrong with the
failing conditions) and the coverage per region, which the peers do not compute. OpenFisca stores float
variables as float32: incomes are exact below 2^24 yuan and whole; every other number in the formulas is float64
numpy. Do not run the binary or this script while something else loads the machine if the timings matter.

Usage: python3 bench/entitle_peer.py --registry DIR [--catalogue yunnan-14|PATH] [--date 2025-06-30] [--drop-params K]
                                     [--no-openfisca] [--openfisca-limit N] [--bin PATH]

A registry for it (SYNTHETIC), e.g. the 52-item bench catalogue at 10 million persons:
    minsheng entitle synth --people 10000000 --seed 1 --catalogue bench/entitle/kunming-bench.toml \
        --out $HOME/.cache/minsheng/entitle-10m
    python3 bench/entitle_peer.py --registry $HOME/.cache/minsheng/entitle-10m \
        --catalogue bench/entitle/kunming-bench.toml
"""

import argparse
import ast
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
import venv

CACHE = os.path.join(os.path.expanduser("~"), ".cache", "minsheng")
VENV = os.path.join(CACHE, "venv")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = ["pandas", "pyarrow", "numpy", "openfisca-core>=46,<47"]

# crates/entitle/src/fields.rs: the flags in bit order, the fields and their types in the rule language.
FLAGS = ["tekun", "dibao", "low_income", "orphan", "de_facto_orphan", "hiv_affected", "veteran", "entitled_group",
         "unemployed", "pregnant", "planning_pregnancy", "only_child_parent", "only_child_lost",
         "only_child_disabled", "housing_difficulty", "rental_applicant", "student", "rural_compulsory_pupil",
         "living_alone", "disaster_affected"]
FIELDS = {"age": "num", "age_months": "num", "birth_date": "date", "sex": "sex", "hukou_type": "hukou",
          "hukou_region": "region", "residence_region": "region", "residence_since": "date",
          "years_resident": "num", "resident": "bool", "local_hukou": "bool", "disability_category": "num",
          "disability_grade": "num", "disabled": "bool", "severely_disabled": "bool", "income": "num"}
HOUSEHOLD = ["size", "income", "income_per_capita", "income_per_capita_month", "min_age", "max_age"]
SEX = {"M": 0, "m": 0, "男": 0, "1": 0, "male": 0, "F": 1, "f": 1, "女": 1, "2": 1, "female": 1}
HUKOU = {"urban": 0, "城镇": 0, "非农业": 0, "城市": 0, "rural": 1, "农村": 1, "农业": 1}


def in_venv() -> bool:
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def ensure_venv() -> None:
    """Creates the venv and installs the peer packages once, then re-executes this script inside it."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        print(f"creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    check = subprocess.run(
        [python, "-c", "import importlib.metadata as m, pandas, pyarrow, numpy, openfisca_core; "
                       "assert m.version('openfisca-core').startswith('46.')"],
        capture_output=True)
    if check.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", *PEERS], check=True)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


# ---------------------------------------------------------------------------------------------------------------
# Dates as day numbers since 1970-01-01 (crates/entitle/src/date.rs).

def day(s: str) -> int:
    import numpy as np
    return int(np.datetime64(s.strip(), "D").astype("int64"))


def civil(days):
    """(year, month, day) arrays of day numbers."""
    import numpy as np
    d = np.asarray(days).astype("int64").astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = months.astype("int64") // 12 + 1970
    m = months.astype("int64") % 12 + 1
    dd = (d - months.astype("datetime64[D]")).astype("int64") + 1
    return y, m, dd


def age_at(birth, at: int):
    """Full years from `birth` (day numbers) to the day `at`: reached on the birthday; 29 February in a common year
    is reached on 1 March, i.e. (month, day) tuples compare as in date::age."""
    import numpy as np
    by, bm, bd = civil(birth)
    ay, am, ad = civil(np.int64(at))
    return (ay - by - (bm * 100 + bd > am * 100 + ad)).astype(np.int32)


def months_at(birth, at: int):
    import numpy as np
    by, bm, bd = civil(birth)
    ay, am, ad = civil(np.int64(at))
    return ((ay - by) * 12 + am - bm - (ad < bd)).astype(np.int32)


# ---------------------------------------------------------------------------------------------------------------
# Regions and catalogues.

class Regions:
    """data/regions/regions.csv by dense index; `parent` from the parent column."""

    def __init__(self):
        import numpy as np
        with open(os.path.join(ROOT, "data", "regions", "regions.csv"), encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        self.codes = [r["code"] for r in rows]
        self.index = {c: i for i, c in enumerate(self.codes)}
        self.parent = [self.index.get(r["parent"], -1) if r["parent"] else -1 for r in rows]
        self.of_code = np.full(1_000_000, -1, dtype=np.int32)
        self.of_code[np.array([int(c) for c in self.codes])] = np.arange(len(self.codes), dtype=np.int32)
        self.code_int = np.array([int(c) for c in self.codes], dtype=np.int32)

    def __len__(self):
        return len(self.codes)

    def chain(self, i: int):
        while i >= 0:
            yield i
            i = self.parent[i]

    def within_table(self, ancestor: int):
        import numpy as np
        return np.array([ancestor in self.chain(i) for i in range(len(self))], dtype=bool)


def load_catalogue(spec: str, regions: Regions) -> dict:
    """The catalogue merged with its parents: {id, region, params: {id: {kind, values: [(region, from, value)]}},
    items: [{id, unit, rule, amount}]} (catalogue.rs `load`: parameters of a child add values, items are
    inherited, replaced key by key with override = true, or withdrawn)."""
    import tomllib

    shipped = os.path.join(ROOT, "catalogues")
    path = os.path.join(shipped, f"{spec}.toml") if os.path.exists(os.path.join(shipped, f"{spec}.toml")) else spec
    layers = []
    while path:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
        layers.append(raw)
        parent = raw["catalogue"].get("extends")
        here, path = path, None
        if parent:
            beside = os.path.join(os.path.dirname(here), f"{parent}.toml")
            for cand in (os.path.join(shipped, f"{parent}.toml"), beside):
                if os.path.exists(cand):
                    path = cand
                    break
            else:
                sys.exit(f"catalogue {raw['catalogue']['id']} extends {parent!r}, which is not found")
    params: dict = {}
    items: list = []
    for raw in reversed(layers):
        region = regions.index[raw["catalogue"]["region"]]
        for p in raw.get("param", []):
            values = [(regions.index[v["region"]] if "region" in v else region, day(v["from"]), float(v["value"]))
                      for v in p.get("values", [])]
            if p["id"] in params:
                params[p["id"]]["values"].extend(values)
            else:
                params[p["id"]] = {"kind": p.get("kind", "number"), "values": values}
        for it in raw.get("item", []):
            k = next((i for i, x in enumerate(items) if x["id"] == it["id"]), None)
            if k is None:
                items.append(dict(it))
            else:
                merged = dict(items[k])
                merged.update({key: v for key, v in it.items() if key not in ("id", "override")})
                items[k] = merged
        for w in raw.get("withdraw", []):
            items = [x for x in items if x["id"] != w["item"]]
    return {"id": layers[0]["catalogue"]["id"], "region": regions.index[layers[0]["catalogue"]["region"]],
            "params": params,
            "items": [{"id": x["id"], "unit": x.get("unit", "person"), "rule": x["rule"], "amount": x.get("amount")}
                      for x in items]}


def read_parameters_csv(path: str, cat: dict, regions: Regions) -> None:
    """parameters.csv rows replace catalogue values of the same region and date (run.rs `read_params`)."""
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            p = cat["params"][row["param"].strip()]
            region, frm = regions.index[row["region"].strip()], day(row["from"])
            p["values"] = [v for v in p["values"] if not (v[0] == region and v[1] == frm)]
            p["values"].append((region, frm, float(row["value"])))


def value_at(values, region: int, at: int, regions: Regions):
    """Param::value_at: the most specific region on the chain with a value from <= at; the latest such `from`
    (the last of equal ones, as Iterator::max_by_key)."""
    for r in regions.chain(region):
        best = None
        for v in values:
            if v[0] == r and v[1] <= at and (best is None or v[1] >= best[1]):
                best = v
        if best is not None:
            return best[2]
    return None


def resolve_params(cat: dict, at: int, regions: Regions) -> dict:
    """Per parameter, its value for every region index at the date (NaN: none)."""
    import numpy as np
    out = {}
    for pid, p in cat["params"].items():
        out[pid] = np.array([np.nan if (v := value_at(p["values"], r, at, regions)) is None else v
                             for r in range(len(regions))], dtype=np.float64)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The rule language -> Python AST -> numpy closures.

class RuleError(Exception):
    pass


def to_ast(text: str) -> ast.expr:
    """The rule as a Python expression tree. The operators of the rule language have Python's precedence (or,
    and, not, comparisons, + -, * /, unary -); three rewrites make it Python."""
    t = re.sub(r"\bwithin\s+(\"[^\"]*\")", r"in _within(\1)", text)
    t = re.sub(r"\bif\s*\(", "_if(", t)
    t = re.sub(r"\bparam\.([A-Za-z_][A-Za-z0-9_]*)", r'_param("\1")', t)
    return ast.parse(t, mode="eval").body


def conjuncts(node: ast.expr) -> list:
    """run.rs `conjuncts`: the top-level `and` chain."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        return [c for v in node.values for c in conjuncts(v)]
    return [node]


def params_of(node: ast.expr) -> set:
    return {n.args[0].value for n in ast.walk(node)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_param"}


def _num(x):
    """Integer columns to float64 for arithmetic (the engine computes in f64)."""
    import numpy as np
    if isinstance(x, np.ndarray) and x.dtype.kind in "iub":
        return x.astype(np.float64)
    return x


def compile_rule(node: ast.expr, kinds: dict):
    """(type, fn) where fn(ctx) gives the value: a numpy array over the context's persons or a scalar. `kinds`:
    parameter id -> 'number' | 'date'. Types: bool, num, date (day numbers), sex, hukou, region (codes)."""
    import numpy as np

    def text_code(ty, s, ctx):
        if ty == "sex":
            return SEX[s.strip()]
        if ty == "hukou":
            return HUKOU[s.strip()]
        if ty == "region":
            return ctx.region_literal(s)
        raise RuleError(f"a text cannot be compared with a {ty}")

    def literal(ty, e):
        """A list item of `in` as (is_text, value)."""
        if isinstance(e, ast.Constant) and isinstance(e.value, str):
            return True, e.value
        if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and ty == "num":
            return False, float(e.value)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub) and ty == "num":
            return False, -float(e.operand.value)
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "date" and ty == "date":
            return False, day(e.args[0].value)
        raise RuleError(f"expected a literal {ty} in the list")

    def c(e):
        if isinstance(e, ast.Constant):
            if isinstance(e.value, bool) or not isinstance(e.value, (int, float)):
                raise RuleError(f"unexpected literal {e.value!r}")
            v = float(e.value)
            return "num", lambda ctx: v
        if isinstance(e, ast.Name):
            if e.id in ("true", "false"):
                v = e.id == "true"
                return "bool", lambda ctx: np.bool_(v)
            if e.id in FIELDS:
                name = e.id
                return FIELDS[name], lambda ctx: ctx.field(name)
            if e.id in FLAGS:
                name = e.id
                return "bool", lambda ctx: ctx.flag(name)
            raise RuleError(f"unknown field {e.id!r}")
        if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name) and e.value.id == "household":
            if e.attr not in HOUSEHOLD:
                raise RuleError(f"unknown household field {e.attr!r}")
            name = e.attr
            return "num", lambda ctx: ctx.hh(name)
        if isinstance(e, ast.Call):
            return call(e)
        if isinstance(e, ast.BoolOp):
            parts = [c(v) for v in e.values]
            fns = [f for _, f in parts]
            op = np.logical_and if isinstance(e.op, ast.And) else np.logical_or

            def boolop(ctx):
                acc = fns[0](ctx)
                for f in fns[1:]:
                    acc = op(acc, f(ctx))
                return acc
            return "bool", boolop
        if isinstance(e, ast.UnaryOp):
            ty, f = c(e.operand)
            if isinstance(e.op, ast.Not):
                return "bool", lambda ctx: np.logical_not(f(ctx))
            if isinstance(e.op, ast.USub):
                return "num", lambda ctx: -_num(f(ctx))
            raise RuleError("unsupported unary operator")
        if isinstance(e, ast.BinOp):
            (_, fa), (_, fb) = c(e.left), c(e.right)
            ops = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
            op = ops[type(e.op)]
            return "num", lambda ctx: op(_num(fa(ctx)), _num(fb(ctx)))
        if isinstance(e, ast.Compare):
            if len(e.ops) != 1:
                raise RuleError("comparisons do not chain")
            return compare(e.left, e.ops[0], e.comparators[0])
        raise RuleError(f"unsupported expression {ast.dump(e)[:80]}")

    def compare(left, op, right):
        if isinstance(op, (ast.In, ast.NotIn)):
            tx, fx = c(left)
            neg = isinstance(op, ast.NotIn)
            if isinstance(right, ast.Call) and isinstance(right.func, ast.Name) and right.func.id == "_within":
                code = right.args[0].value
                return "bool", lambda ctx: ctx.within(fx(ctx), code)
            if not isinstance(right, ast.List) or tx == "bool":
                raise RuleError("'in' needs a number, date or text on its left and a list on its right")
            items = [literal(tx, it) for it in right.elts]

            def member(ctx):
                values = [text_code(tx, v, ctx) if is_text else v for is_text, v in items]
                hit = np.isin(fx(ctx), values)
                return np.logical_not(hit) if neg else hit
            return "bool", member
        cmp = {ast.Eq: np.equal, ast.NotEq: np.not_equal, ast.Lt: np.less, ast.LtE: np.less_equal,
               ast.Gt: np.greater, ast.GtE: np.greater_equal}[type(op)]
        for lit, other, lit_left in ((left, right, True), (right, left, False)):
            if isinstance(lit, ast.Constant) and isinstance(lit.value, str):
                to, fo = c(other)
                s = lit.value

                def text(ctx, fo=fo, to=to, s=s, lit_left=lit_left):
                    code = text_code(to, s, ctx)
                    return cmp(code, fo(ctx)) if lit_left else cmp(fo(ctx), code)
                return "bool", text
        (_, fa), (_, fb) = c(left), c(right)
        return "bool", lambda ctx: cmp(fa(ctx), fb(ctx))

    def call(e):
        f = e.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "household":
            if f.attr not in ("count", "any", "all") or len(e.args) != 1:
                raise RuleError(f"unknown household function {f.attr!r}")
            _, inner = c(e.args[0])
            kind = f.attr
            return ("num" if kind == "count" else "bool"), lambda ctx: ctx.hh_agg(kind, inner)
        if not isinstance(f, ast.Name):
            raise RuleError("unknown function")
        name, args = f.id, e.args
        if name == "_param":
            pid = args[0].value
            if pid not in kinds:
                raise RuleError(f"unknown parameter {pid!r}")
            return ("date" if kinds[pid] == "date" else "num"), lambda ctx: ctx.param(pid)
        if name == "date":
            v = day(args[0].value)
            return "date", lambda ctx: v
        if name in ("min", "max"):
            (_, fa), (_, fb) = c(args[0]), c(args[1])
            op = np.minimum if name == "min" else np.maximum      # both give NaN when either is NaN, as eval.rs
            return "num", lambda ctx: op(_num(fa(ctx)), _num(fb(ctx)))
        if name == "_if":
            (_, fc), (ta, fa), (_, fb) = c(args[0]), c(args[1]), c(args[2])
            return ta, lambda ctx: np.where(fc(ctx), fa(ctx), fb(ctx))
        if name == "years_since":
            _, fd = c(args[0])
            return "num", lambda ctx: age_at(fd(ctx), ctx.at)
        raise RuleError(f"unknown function {name!r}")

    return c(node)


class Rule:
    """An item's rule: its conjuncts compiled and the parameters each reads."""

    def __init__(self, item: dict, kinds: dict):
        self.item = item
        tree = to_ast(item["rule"])
        self.tree = tree
        self.parts = []
        for node in conjuncts(tree):
            ty, fn = compile_rule(node, kinds)
            if ty != "bool":
                raise RuleError(f"item {item['id']}: a condition is a {ty}, not true/false")
            self.parts.append((fn, params_of(node)))
        # Only the rule's parameters decide (an amount whose parameter has no value is left empty).
        self.used = set().union(*(p for _, p in self.parts))
        self.fn = compile_rule(tree, kinds)[1]


# ---------------------------------------------------------------------------------------------------------------
# The pandas peer.

PERSON_DTYPES = {"person_id": "str", "citizen_id": "str", "birth_date": "str", "sex": "category",
                 "hukou_type": "category", "hukou_region": "int32", "residence_region": "int32",
                 "residence_since": "str", "disability_category": "float32", "disability_grade": "float32",
                 "flags": "category", "household_id": "str", "income": "float64"}


def codes_of(column, table: dict, what: str):
    """Small integer codes of a text column through `table` (factorize, then map the few distinct values)."""
    import numpy as np
    import pandas as pd
    codes, uniques = pd.factorize(column)
    try:
        lut = np.array([table[str(u).strip()] for u in uniques] + [0], dtype=np.uint8)
    except KeyError as e:
        sys.exit(f"{what}: unknown value {e}")
    return lut[codes]


def flag_bits(column):
    import numpy as np
    import pandas as pd
    codes, uniques = pd.factorize(column)
    bit = {f: 1 << i for i, f in enumerate(FLAGS)}
    lut = np.array([sum(bit[f.strip()] for f in str(u).split(";") if f.strip()) for u in uniques] + [0],
                   dtype=np.uint32)
    return lut[codes]


def day_numbers(column):
    """Day numbers of a date column (text, date32 or datetime); -2**62 marks an empty cell."""
    import numpy as np
    import pandas as pd
    if str(column.dtype).startswith("date32"):
        import pyarrow as pa
        import pyarrow.compute as pc
        arr = column.array._pa_array.cast(pa.int32())
        return pc.fill_null(arr, 0).to_numpy().astype(np.int64) - np.where(column.isna(), 2 ** 62, 0)
    if not str(column.dtype).startswith("datetime64"):
        column = pd.to_datetime(column, format="%Y-%m-%d")
    v = column.to_numpy().astype("datetime64[D]")
    out = v.astype(np.int64)
    out[np.isnat(v)] = -(2 ** 62)
    return out


class Registry:
    """The persons as numpy columns (and the person ids as a pyarrow array). Optional columns left out of the
    file take the defaults of registry.rs (residence since birth, no disability, no flags, income 0)."""

    def __init__(self, df, regions: Regions):
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        self.n = n = len(df)
        ids = df["person_id"].array
        self.pid = (ids._pa_array.combine_chunks() if hasattr(ids, "_pa_array")
                    else pa.array(np.asarray(ids, dtype=object))).cast(pa.large_string())
        self.birth = day_numbers(df["birth_date"]).astype(np.int32)
        since = day_numbers(df["residence_since"]) if "residence_since" in df else np.full(n, -(2 ** 62))
        self.since = np.where(since < -(2 ** 30), self.birth, since).astype(np.int32)
        self.sex = codes_of(df["sex"], SEX, "sex")
        self.hukou = codes_of(df["hukou_type"], HUKOU, "hukou_type")
        self.hcode = np.asarray(df["hukou_region"]).astype(np.int32)
        self.rcode = np.asarray(df["residence_region"]).astype(np.int32)
        self.hreg = regions.of_code[self.hcode]
        self.rreg = regions.of_code[self.rcode]
        if (self.hreg < 0).any() or (self.rreg < 0).any():
            sys.exit("persons: a region code is not in data/regions/regions.csv")

        def small(name, dtype):
            if name not in df:
                return np.zeros(n, dtype=dtype)
            return np.asarray(df[name].fillna(0)).astype(dtype)
        self.dcat = small("disability_category", np.uint8)
        self.dgrade = small("disability_grade", np.uint8)
        self.income = small("income", np.float64)
        self.flags = flag_bits(df["flags"]) if "flags" in df else np.zeros(n, dtype=np.uint32)
        # Households numbered by first appearance (Registry::from_persons), each with its first member.
        h, _ = pd.factorize(df["household_id"], sort=False)
        self.h = h.astype(np.int32)
        run_max = np.maximum.accumulate(self.h)
        self.first = np.flatnonzero(np.r_[True, run_max[1:] > run_max[:-1]]).astype(np.int64)
        self.nh = len(self.first)


def read_persons(path: str, engine: str, regions: Regions):
    """(Registry, seconds): pandas.read_csv and the conversion to numpy columns."""
    import pandas as pd
    t = time.perf_counter()
    if engine == "c":
        with open(path, encoding="utf-8-sig") as f:
            header = [h.strip() for h in f.readline().rstrip("\r\n").split(",")]
        dtype = {k: v for k, v in PERSON_DTYPES.items() if k in header}
        df = pd.read_csv(path, engine="c", dtype=dtype, keep_default_na=False, na_values={k: [""] for k in dtype})
    else:
        df = pd.read_csv(path, engine="pyarrow", dtype_backend="pyarrow")
    reg = Registry(df, regions)
    del df
    return reg, time.perf_counter() - t


class PandasCtx:
    """What a compiled rule reads, over every person of the registry; derived columns computed once."""

    def __init__(self, reg: Registry, regions: Regions, at: int, home: int, params: dict, kinds: dict):
        import numpy as np
        self.reg, self.regions, self.at, self.params, self.kinds = reg, regions, at, params, kinds
        self.home_table = regions.within_table(home)
        self.present = np.bincount(reg.rreg, minlength=len(regions)) > 0
        self.cache = {}
        self.n = reg.n
        self.np = np

    def _memo(self, key, make):
        v = self.cache.get(key)
        if v is None:
            v = self.cache[key] = make()
        return v

    def field(self, name):
        r = self.reg
        make = {
            "age": lambda: age_at(r.birth, self.at),
            "age_months": lambda: months_at(r.birth, self.at),
            "years_resident": lambda: age_at(r.since, self.at),
            "birth_date": lambda: r.birth,
            "residence_since": lambda: r.since,
            "sex": lambda: r.sex,
            "hukou_type": lambda: r.hukou,
            "hukou_region": lambda: r.hreg,
            "residence_region": lambda: r.rreg,
            "resident": lambda: self.home_table[r.rreg],
            "local_hukou": lambda: self.home_table[r.hreg],
            "disability_category": lambda: r.dcat,
            "disability_grade": lambda: r.dgrade,
            "disabled": lambda: r.dgrade > 0,
            "severely_disabled": lambda: (r.dgrade == 1) | (r.dgrade == 2),
            "income": lambda: r.income,
        }[name]
        return self._memo(("f", name), make)

    def flag(self, name):
        bit = self.np.uint32(1 << FLAGS.index(name))
        return self._memo(("flag", name), lambda: (self.reg.flags & bit) != 0)

    def param(self, pid):
        np = self.np

        def make():
            v = self.params[pid][self.reg.rreg]
            if self.kinds[pid] == "date":          # f64 -> i32 as Rust's `as`: NaN -> 0
                v = np.where(np.isnan(v), 0, np.trunc(v)).astype(np.int32)
            return v
        return self._memo(("p", pid), make)

    def region_literal(self, s):
        return self.regions.index[s]

    def within(self, x, code):
        return self.regions.within_table(self.regions.index[code])[x]

    def _household(self):
        """Per household: size, income (summed in member order), min and max age."""
        np, r = self.np, self.reg

        def make():
            size = np.bincount(r.h, minlength=r.nh).astype(np.float64)
            income = np.bincount(r.h, weights=r.income, minlength=r.nh)
            age = self.field("age")
            if (np.diff(r.h) >= 0).all():                    # members contiguous: no sort needed
                order, hs = None, r.h
            else:
                order = np.argsort(r.h, kind="stable")
                hs = r.h[order]
            starts = np.flatnonzero(np.r_[True, hs[1:] != hs[:-1]])
            a = age if order is None else age[order]
            return {"size": size, "income": income, "min_age": np.minimum.reduceat(a, starts).astype(np.float64),
                    "max_age": np.maximum.reduceat(a, starts).astype(np.float64)}
        return self._memo(("hh",), make)

    def hh(self, name):
        np = self.np

        def make():
            s = self._household()
            with np.errstate(divide="ignore", invalid="ignore"):
                per_h = {"size": s["size"], "income": s["income"], "min_age": s["min_age"], "max_age": s["max_age"],
                         "income_per_capita": s["income"] / s["size"],
                         "income_per_capita_month": s["income"] / s["size"] / 12.0}[name]
            return per_h[self.reg.h]
        return self._memo(("hhf", name), make)

    def hh_agg(self, kind, inner):
        np, r = self.np, self.reg
        yes = np.broadcast_to(np.asarray(inner(self), dtype=bool), (self.n,))
        count = np.bincount(r.h[yes], minlength=r.nh)
        if kind == "count":
            return count.astype(np.float64)[r.h]
        if kind == "any":
            return (count > 0)[r.h]
        return (count == self._household()["size"])[r.h]


def evaluate(cat: dict, rules: list, ctx: PandasCtx, missing: dict):
    """Per item: (entitled person indices, undetermined person indices), the reporting person of a household unit
    being its first member. `missing`: parameter id -> bool per region index (no value)."""
    import numpy as np
    reg = ctx.reg
    out = {}
    for rule in rules:
        item = rule.item
        values = [np.broadcast_to(np.asarray(fn(ctx), dtype=bool), (reg.n,)) for fn, _ in rule.parts]
        entitled = values[0].copy()
        for v in values[1:]:
            entitled &= v
        miss_any = np.zeros(len(ctx.regions), dtype=bool)
        for pid in rule.used:
            miss_any |= missing[pid]
        if (miss_any & ctx.present).any():
            und = miss_any[reg.rreg]
            for v, used in zip(values, (p for _, p in rule.parts)):
                m = np.zeros(len(ctx.regions), dtype=bool)
                for pid in used:
                    m |= missing[pid]
                und &= v | m[reg.rreg]
        else:
            und = None
        sure = entitled if und is None else entitled & ~und
        if item["unit"] == "household":
            e_h = np.bincount(reg.h[sure], minlength=reg.nh) > 0
            e_idx = reg.first[e_h]
            if und is None:
                u_idx = np.zeros(0, dtype=np.int64)
            else:
                u_h = ~e_h & (np.bincount(reg.h[und], minlength=reg.nh) > 0)
                u_idx = reg.first[u_h]
        else:
            e_idx = np.flatnonzero(sure)
            u_idx = np.zeros(0, dtype=np.int64) if und is None else np.flatnonzero(und)
        out[item["id"]] = (e_idx, u_idx)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Ours.

def run_ours(binary: str, registry: str, catalogue: str, date: str, out: str):
    """({timing key: seconds}, wall seconds, summary line) of one `entitle run`."""
    t = time.perf_counter()
    p = subprocess.run([binary, "entitle", "run", "--registry", registry, "--catalogue", catalogue, "--date", date,
                        "--out", out], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        sys.exit(f"{binary} entitle run failed ({p.returncode})")
    line = p.stdout.splitlines()[0]
    timing = {k.replace(" ", "_"): float(v) for k, v in re.findall(r"(read persons|recipients|rules|write|total) "
                                                                    r"([0-9.]+) s", line)}
    return timing, wall, line


def read_ours(path: str):
    """{item: pyarrow array of person ids, in file order} of entitled.csv or undetermined.csv."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        include_columns=["item", "person_id"],
        column_types={"item": pa.dictionary(pa.int32(), pa.string()), "person_id": pa.large_string()}))
    if table.num_rows == 0:
        return {}
    item = table.column("item").combine_chunks()
    codes = item.indices.to_numpy(zero_copy_only=False)
    names = item.dictionary.to_pylist()
    ids = table.column("person_id").combine_chunks()
    cuts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1, len(codes)]
    runs = [(names[codes[a]], a, b) for a, b in zip(cuts[:-1], cuts[1:])]
    if len({r[0] for r in runs}) == len(runs):
        return {name: ids.slice(a, b - a) for name, a, b in runs}
    order = np.argsort(codes, kind="stable")      # an item in several runs: group it
    return {names[k]: ids.take(pa.array(order[codes[order] == k])) for k in np.unique(codes)}


def compare_lists(label: str, ours, mine_idx, reg: Registry, index: dict):
    """Ours (person ids) against the peer's person indices: as sequences first, then as sets for the report.
    Returns (agree, ours as person indices)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    mine = reg.pid.take(pa.array(mine_idx))
    if ours is None:
        ours = pa.array([], type=pa.large_string())
    if len(ours) == len(mine) and (len(mine) == 0 or pc.all(pc.equal(ours, mine)).as_py()):
        return True, mine_idx
    if "ids" not in index:
        index["ids"] = pd.Index(reg.pid.to_pandas())
    ours_idx = np.sort(index["ids"].get_indexer(ours.to_pandas()))
    a, b = set(ours.to_pylist()), set(mine.to_pylist())
    if a == b:
        return True, ours_idx
    only_ours, only_peer = sorted(a - b), sorted(b - a)
    print(f"  MISMATCH {label}: ours {len(a)}, peer {len(b)}; only ours {len(only_ours)} {only_ours[:5]}, "
          f"only peer {len(only_peer)} {only_peer[:5]}")
    return False, ours_idx


# ---------------------------------------------------------------------------------------------------------------
# OpenFisca.

class OpenFiscaCtx:
    """What a compiled rule reads inside an OpenFisca formula of the Person entity."""

    def __init__(self, person, period, parameters, model):
        self.person, self.period, self.parameters, self.model = person, period, parameters, model
        self.at = day(str(period.start))

    def field(self, name):
        import numpy as np
        v = self.person(name, self.period)
        if name in ("birth_date", "residence_since"):
            return v.astype("datetime64[D]").astype(np.int64)
        return v

    def flag(self, name):
        return self.person(name, self.period)

    def param(self, pid):
        import numpy as np
        node = self.parameters(self.period)[pid]
        if isinstance(node, (int, float, np.number)):
            v = np.full(self.person.count, float(node))
        else:
            v = np.asarray(node[self.person("residence_region", self.period)], dtype=np.float64)
        if self.model["kinds"][pid] == "date":
            v = np.where(np.isnan(v), 0, np.trunc(v)).astype(np.int32)
        return v

    def region_literal(self, s):
        return int(s)

    def within(self, x, code):
        return self.model["within_by_code"](code)[x]

    def hh(self, name):
        import numpy as np
        p, period, hh = self.person, self.period, self.person.household
        if name == "size":
            return hh.nb_persons().astype(np.float64)
        if name == "min_age":
            return hh.min(p("age", period)).astype(np.float64)
        if name == "max_age":
            return hh.max(p("age", period)).astype(np.float64)
        income = hh.sum(p("income", period).astype(np.float64))
        if name == "income":
            return income
        size = hh.nb_persons().astype(np.float64)
        return income / size if name == "income_per_capita" else income / size / 12.0

    def hh_agg(self, kind, inner):
        import numpy as np
        yes = np.broadcast_to(np.asarray(inner(self), dtype=bool), (self.person.count,)).copy()
        hh = self.person.household
        if kind == "count":
            return hh.sum(yes)
        return hh.any(yes) if kind == "any" else hh.all(yes)


def param_series(values, region: int, regions: Regions) -> dict:
    """The dated values of a parameter as seen from one region, the fallback chain expanded: {YYYY-MM-DD: value}
    at every `from` on the chain, so that OpenFisca's own date lookup gives Param::value_at. Before the first
    value, NaN: "no value" (compares false, as a missing value does in our evaluator)."""
    import numpy as np
    chain = set(regions.chain(region))
    out = {"1800-01-01": float("nan")}
    for b in sorted({v[1] for v in values if v[0] in chain}):
        v = value_at(values, region, b, regions)
        if v is not None:
            out[str(np.datetime64(b, "D"))] = v
    return out


def run_openfisca(cat, rules, reg: Registry, regions: Regions, at: int, limit: int, ours: dict, undetermined: dict):
    """Builds and runs the OpenFisca model over the households of the first `limit` persons and compares it with
    `ours` (item -> entitled person indices). Items with undetermined persons among those are left out."""
    import datetime
    import importlib.metadata

    import numpy as np
    from openfisca_core.entities import build_entity
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import DateUnit
    from openfisca_core.simulations import SimulationBuilder
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    n_h = reg.nh if limit >= reg.n else int(np.searchsorted(reg.first, limit))
    members = np.flatnonzero(reg.h < n_h)
    present = np.unique(reg.rreg[members])
    included, left_out = [], []
    for rule in rules:
        u = undetermined[rule.item["id"]]
        u = int((reg.h[u] < n_h).sum())
        if u:
            left_out.append((rule.item["id"], f"{u} undetermined unit(s) among those compared (OpenFisca has no "
                                              "undetermined outcome)"))
        else:
            included.append(rule)
    if not included:
        return {"included": [], "left_out": left_out}

    t0 = time.perf_counter()
    person_entity = build_entity("person", "persons", "A person of the registry", is_person=True)
    household_entity = build_entity("household", "households", "A household of the registry",
                                    roles=[{"key": "member", "plural": "members", "label": "Member"}])
    tbs = TaxBenefitSystem([person_entity, household_entity])
    tbs._parameters_at_instant_cache = {}
    used = sorted(set().union(*(p for r in included for _, p in r.parts)))      # what the rules read
    data = {}
    for pid in used:
        series = {int(r): param_series(cat["params"][pid]["values"], int(r), regions) for r in present}
        distinct = {repr(sorted(s.items())) for s in series.values()}      # repr: NaN equals NaN
        if len(distinct) == 1:
            data[pid] = {"values": next(iter(series.values()))}
        else:
            data[pid] = {regions.codes[r]: {"values": s} for r, s in series.items()}
    tbs.parameters = ParameterNode("", data=data)
    home_by_code = np.zeros(1_000_000, dtype=bool)
    home_by_code[regions.code_int[regions.within_table(cat["region"])]] = True
    within_cache = {}

    def within_by_code(code):
        if code not in within_cache:
            t = np.zeros(1_000_000, dtype=bool)
            t[regions.code_int[regions.within_table(regions.index[code])]] = True
            within_cache[code] = t
        return within_cache[code]

    model = {"kinds": {k: v["kind"] for k, v in cat["params"].items()}, "within_by_code": within_by_code}

    def variable(name, entity, value_type, formula=None):
        attrs = {"value_type": value_type, "entity": entity, "definition_period": DateUnit.DAY, "label": name}
        if formula is not None:
            attrs["formula"] = formula
        tbs.add_variable(type(name, (Variable,), attrs))

    for name, vt in (("birth_date", datetime.date), ("residence_since", datetime.date), ("sex", int),
                     ("hukou_type", int), ("hukou_region", int), ("residence_region", int),
                     ("disability_category", int), ("disability_grade", int), ("income", float)):
        variable(name, person_entity, vt)
    for f in FLAGS:
        variable(f, person_entity, bool)

    def days(person, name, period):
        return person(name, period).astype("datetime64[D]").astype(np.int64)

    variable("age", person_entity, int,
             lambda person, period, parameters: age_at(days(person, "birth_date", period), day(str(period.start))))
    variable("age_months", person_entity, int,
             lambda person, period, parameters: months_at(days(person, "birth_date", period), day(str(period.start))))
    variable("years_resident", person_entity, int,
             lambda person, period, parameters: age_at(days(person, "residence_since", period),
                                                       day(str(period.start))))
    variable("resident", person_entity, bool,
             lambda person, period, parameters: home_by_code[person("residence_region", period)])
    variable("local_hukou", person_entity, bool,
             lambda person, period, parameters: home_by_code[person("hukou_region", period)])
    variable("disabled", person_entity, bool,
             lambda person, period, parameters: person("disability_grade", period) > 0)
    variable("severely_disabled", person_entity, bool,
             lambda person, period, parameters: np.isin(person("disability_grade", period), [1, 2]))
    names = {}
    for k, rule in enumerate(included):
        var = "item_" + re.sub(r"[^a-z0-9]", "_", rule.item["id"])
        names[rule.item["id"]] = var

        def formula(person, period, parameters, fn=rule.fn):
            v = fn(OpenFiscaCtx(person, period, parameters, model))
            return np.broadcast_to(np.asarray(v, dtype=bool), (person.count,)).copy()
        variable(var, person_entity, bool, formula)
        if rule.item["unit"] == "household":
            variable(var + "__household", household_entity, bool,
                     lambda household, period, parameters, var=var: household.any(household.members(var, period)))

    sb = SimulationBuilder()
    sb.create_entities(tbs)
    sb.declare_person_entity("person", np.arange(len(members)))
    hh_pop = sb.declare_entity("household", np.arange(n_h))
    sb.join_with_persons(hh_pop, reg.h[members], np.zeros(len(members), dtype=np.int64))
    sim = sb.build(tbs)
    period = str(np.datetime64(at, "D"))
    sim.set_input("birth_date", period, reg.birth[members].astype("datetime64[D]"))
    sim.set_input("residence_since", period, reg.since[members].astype("datetime64[D]"))
    sim.set_input("sex", period, reg.sex[members].astype(np.int32))
    sim.set_input("hukou_type", period, reg.hukou[members].astype(np.int32))
    sim.set_input("hukou_region", period, reg.hcode[members])
    sim.set_input("residence_region", period, reg.rcode[members])
    sim.set_input("disability_category", period, reg.dcat[members].astype(np.int32))
    sim.set_input("disability_grade", period, reg.dgrade[members].astype(np.int32))
    sim.set_input("income", period, reg.income[members])
    flags = reg.flags[members]
    for i, f in enumerate(FLAGS):
        sim.set_input(f, period, (flags & np.uint32(1 << i)) != 0)
    build_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    results = {}
    for rule in included:
        var = names[rule.item["id"]]
        if rule.item["unit"] == "household":
            results[rule.item["id"]] = reg.first[np.flatnonzero(sim.calculate(var + "__household", period))]
        else:
            results[rule.item["id"]] = members[np.flatnonzero(sim.calculate(var, period))]
    calc_s = time.perf_counter() - t1

    ok, decisions = True, 0
    in_subset = np.zeros(reg.n, dtype=bool)
    in_subset[members] = True
    for rule in included:
        iid = rule.item["id"]
        theirs = results[iid]
        mine = ours[iid]
        mine = mine[in_subset[mine]]
        decisions += len(theirs)
        if len(mine) != len(theirs) or not np.array_equal(mine, theirs):
            ok = False
            a, b = set(mine.tolist()), set(theirs.tolist())
            ex = lambda s: [reg.pid[int(i)].as_py() for i in sorted(s)[:5]]
            print(f"  MISMATCH OpenFisca {iid}: ours {len(a)}, OpenFisca {len(b)}; only ours {ex(a - b)}, "
                  f"only OpenFisca {ex(b - a)}")
    scalar = [pid for pid in used if "values" in data[pid]]
    return {"included": [r.item["id"] for r in included], "left_out": left_out, "persons": len(members),
            "households": n_h, "build_s": build_s, "calc_s": calc_s, "ok": ok, "decisions": decisions,
            "regional": [pid for pid in used if pid not in scalar], "scalar": scalar,
            "version": importlib.metadata.version("openfisca-core")}


# ---------------------------------------------------------------------------------------------------------------

def drop_params(registry: str, k: int) -> str:
    """A temporary copy of the registry (persons and recipients linked, not copied) whose parameters.csv has no
    row for every k-th region in code order, so that persons there read parameters without value."""
    import csv
    out = tempfile.mkdtemp(prefix="entitle_peer_drop_")
    for name in ("persons.csv", "recipients.csv"):
        src = os.path.join(os.path.abspath(registry), name)
        if os.path.exists(src):
            os.symlink(src, os.path.join(out, name))
    with open(os.path.join(registry, "parameters.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    regions = sorted({r[1] for r in rows[1:]})
    dropped = set(regions[::k])
    with open(os.path.join(out, "parameters.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(rows[0])
        w.writerows(r for r in rows[1:] if r[1] not in dropped)
    print(f"registry copy {out}: parameters of {len(dropped)} of {len(regions)} regions dropped")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registry", required=True, help="a registry directory (persons.csv, parameters.csv)")
    parser.add_argument("--catalogue", default="yunnan-14", help="a shipped catalogue id or a catalogue TOML file")
    parser.add_argument("--date", default="2025-06-30")
    parser.add_argument("--no-openfisca", action="store_true")
    parser.add_argument("--openfisca-limit", type=int, default=0,
                        help="OpenFisca over the households of the first N persons (default: all)")
    parser.add_argument("--bin", default="", help="our binary (default: $CARGO_TARGET_DIR or "
                                                   "$HOME/.cache/minsheng/target, release/minsheng)")
    parser.add_argument("--drop-params", type=int, default=0, metavar="K",
                        help="check undetermined persons too: run both on a copy of the registry whose "
                             "parameters.csv lacks every row of every K-th region (in code order)")
    args = parser.parse_args()
    if not in_venv():
        ensure_venv()
    if args.drop_params > 0:
        args.registry = drop_params(args.registry, args.drop_params)

    import numpy as np
    import pandas as pd

    binary = args.bin or os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(CACHE, "target")),
                                      "release", "minsheng")
    if not os.path.exists(binary):
        sys.exit(f"{binary} not found: build it (cargo build --release -p minsheng-cli) or give --bin")
    persons = os.path.join(args.registry, "persons.csv")
    catalogue = args.catalogue
    if not os.path.exists(os.path.join(ROOT, "catalogues", f"{catalogue}.toml")):
        catalogue = os.path.abspath(catalogue)
    with open(persons, "rb") as f:                     # into the page cache for every reader below
        while f.read(1 << 24):
            pass

    # Ours.
    with tempfile.TemporaryDirectory(prefix="entitle_peer_") as out:
        timing, wall, line = run_ours(binary, args.registry, catalogue, args.date, out)
        print(f"ours: {line}")
        print(f"ours: whole process {wall:.2f} s")
        ours_entitled = read_ours(os.path.join(out, "entitled.csv"))
        ours_undetermined = read_ours(os.path.join(out, "undetermined.csv"))

    # pandas.
    regions = Regions()
    at = day(args.date)
    t = time.perf_counter()
    cat = load_catalogue(args.catalogue, regions)
    read_parameters_csv(os.path.join(args.registry, "parameters.csv"), cat, regions)
    kinds = {k: v["kind"] for k, v in cat["params"].items()}
    rules = [Rule(item, kinds) for item in cat["items"]]
    cat_s = time.perf_counter() - t
    reg_pa, read_pa = read_persons(persons, "pyarrow", regions)
    reg, read_c = read_persons(persons, "c", regions)
    differ = [k for k, v in vars(reg).items() if isinstance(v, np.ndarray) and not np.array_equal(v, vars(reg_pa)[k])]
    if differ or not reg.pid.equals(reg_pa.pid):
        sys.exit(f"the two pandas reads differ in {differ or ['person_id']}")
    del reg_pa
    t = time.perf_counter()
    params = resolve_params(cat, at, regions)
    missing = {pid: np.isnan(v) for pid, v in params.items()}
    ctx = PandasCtx(reg, regions, at, cat["region"], params, kinds)
    peer = evaluate(cat, rules, ctx, missing)
    eval_s = time.perf_counter() - t + cat_s
    del ctx
    print(f"pandas {pd.__version__}: read persons engine=c {read_c:.2f} s, engine=pyarrow {read_pa:.2f} s; "
          f"catalogue + parameters + derive + evaluate {eval_s:.2f} s")

    ok = True
    decisions = undetermined = 0
    ours_e, ours_u, index = {}, {}, {}
    for item in cat["items"]:
        iid = item["id"]
        e_idx, u_idx = peer[iid]
        good, ours_e[iid] = compare_lists(f"{iid} entitled", ours_entitled.pop(iid, None), e_idx, reg, index)
        ok &= good
        good, ours_u[iid] = compare_lists(f"{iid} undetermined", ours_undetermined.pop(iid, None), u_idx, reg, index)
        ok &= good
        decisions += len(e_idx)
        undetermined += len(u_idx)
    del peer, index
    extra = set(ours_entitled) | set(ours_undetermined)
    if extra:
        ok = False
        print(f"  MISMATCH items in our output that the peer's catalogue lacks: {sorted(extra)}")
    print(f"pandas vs ours: {'agree' if ok else 'DISAGREE'} on {len(cat['items'])} items "
          f"({decisions:,} entitled units, {undetermined:,} undetermined)")

    # OpenFisca.
    of = None
    if not args.no_openfisca:
        limit = args.openfisca_limit or reg.n
        of = run_openfisca(cat, rules, reg, regions, at, limit, ours_e, ours_u)
        if of["left_out"]:
            for iid, why in of["left_out"]:
                print(f"openfisca: left out {iid}: {why}")
        if of["included"]:
            print(f"openfisca-core {of['version']}: {len(of['included'])} of {len(rules)} items "
                  f"(all but those left out above), {of['persons']} persons in {of['households']} households; "
                  f"build {of['build_s']:.2f} s, calculate {of['calc_s']:.2f} s; "
                  f"{'agree' if of['ok'] else 'DISAGREE'} with ours ({of['decisions']:,} entitled units)")
            print(f"openfisca: parameters by region through ParameterNode fancy indexing: "
                  f"{', '.join(of['regional']) or 'none'}; the same in every region present (scalar "
                  f"Parameter): {', '.join(of['scalar']) or 'none'}")
            ok &= of["ok"]

    # The table.
    nan = float("nan")
    o_read, o_rules = timing.get("read_persons", nan), timing.get("rules", nan)
    o_rr = o_read + o_rules
    print()
    print(f"{reg.n:,} persons in {reg.nh:,} households, catalogue {cat['id']} ({len(rules)} items), {args.date}; "
          f"seconds, one run each:")
    print()
    print("| | read persons | rules | read + rules | whole run | read + rules vs ours |")
    print("|---|---|---|---|---|---|")
    print(f"| Minsheng `entitle run` | {o_read:.2f} | {o_rules:.2f} | {o_rr:.2f} | {timing.get('total', nan):.2f} "
          f"(process {wall:.2f}) | 1 |")
    for engine, r in (("c", read_c), ("pyarrow", read_pa)):
        print(f'| pandas {pd.__version__} `engine="{engine}"` | {r:.2f} | {eval_s:.2f} | {r + eval_s:.2f} | | '
              f"{(r + eval_s) / o_rr:.1f}× |")
    part = ""
    if of and of.get("included"):
        share = of["persons"] / reg.n * len(of["included"]) / len(rules)
        part = "" if share == 1 else f" ({of['persons']:,} persons, {len(of['included'])} items)"
        print(f"| OpenFisca-Core {of['version']}{part} | build {of['build_s']:.2f} | {of['calc_s']:.2f} | "
              f"{of['build_s'] + of['calc_s']:.2f} | | rules {of['calc_s'] / o_rules:.1f}× |")
    print()
    print(f"Ratios: pandas derive + evaluate / our rules {eval_s / o_rules:.1f}×; read persons pandas c / ours "
          f"{read_c / o_read:.1f}×, pyarrow / ours {read_pa / o_read:.1f}×"
          + (f"; OpenFisca calculate / our rules {of['calc_s'] / o_rules:.1f}×" if part == "" and of and
             of.get("included") else ""))
    if part:
        per = of["calc_s"] / (o_rules * share)
        print(f"OpenFisca ran {of['persons']:,} persons × {len(of['included'])} items, ours {reg.n:,} × "
              f"{len(rules)}: per person and item, OpenFisca calculate / our rules {per:.1f}×")
    print("Our read checks every row (citizen-id check digits, codes, duplicates) and builds the id index; our rules "
          "also compare with recipients.csv (missed, wrong with the failing conditions) and count coverage per "
          "region; the whole run also writes the six result files.")
    print(f"answers agree: {'yes' if ok else 'NO'} ({len(rules)} items, {decisions:,} entitled decisions"
          + (f", {undetermined:,} undetermined" if undetermined else "") + ")")
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main())
