#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo-fuzz) of the target grammar, the plan-file loader, the
# facility-planning readers (CSV, GeoJSON, circles TOML), the OSM PBF reader and the entitlement readers (registry,
# catalogue, rules, recipients, parameters, YAML cases),
# for a bounded time per target (default 60 s; FUZZ_SECONDS to change). Seeds the corpus with every shipped plan
# file and every cell of the fixture. Exits non-zero on the first crash (the input is kept under fuzz/artifacts/).
#
# Not run here: fuzz/fuzz_targets/entitle_parquet.rs. The parquet crate (60.1) panics on some corrupt files; the
# reader catches that (catch_unwind, tested with such a file), but libFuzzer's panic hook aborts first, so the
# target would stop CI on the upstream bug. Run it by hand: (cd fuzz && cargo fuzz run entitle_parquet).
#
# cargo-fuzz needs unstable rustc flags; RUSTC_BOOTSTRAP=1 lets the one stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng/target}"
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (crates.io)"
  cargo install cargo-fuzz --locked --version 0.13.2
fi
mkdir -p fuzz/corpus/target_grammar fuzz/corpus/plan_loader fuzz/corpus/access_inputs fuzz/corpus/osm_pbf \
  fuzz/corpus/entitle_inputs
i=0
while IFS=$'\t' read -r _plan _code _field raw _expected; do
  [ -n "${raw:-}" ] || continue
  i=$((i + 1)); printf '%s' "$raw" > "fuzz/corpus/target_grammar/cell-$i"
done < <(grep -v '^#' crates/core/tests/fixtures/cells.tsv)
for f in plans/*.toml crates/core/tests/fixtures/broken-plan.toml; do
  cp "$f" "fuzz/corpus/plan_loader/$(basename "$f")"
done
for f in data/norms/service-circles.toml data/demo/helsinki/* crates/access/tests/fixtures/access-hospital/*.csv; do
  cp "$f" "fuzz/corpus/access_inputs/$(basename "$f")"
done
cp crates/access/tests/fixtures/spopt-sf/SF_demand_205_centroid_uniform_weight.csv fuzz/corpus/access_inputs/
# Entitlement: the bad registry, a few synthetic-format rows, the catalogues, case files and rules.
cp crates/entitle/tests/fixtures/bad-persons.csv catalogues/gansu-14.toml fuzz/corpus/entitle_inputs/
cp catalogues/tests/yunnan-14/dibao.yaml fuzz/corpus/entitle_inputs/
head -c 20000 catalogues/yunnan-14.toml > fuzz/corpus/entitle_inputs/yunnan-head.toml
printf '%s' 'age >= 65 and household.count(age < 18) > 0 and residence_region within "530100"' \
  > fuzz/corpus/entitle_inputs/rule.txt
# A small real PBF (the first 64 KiB of the Helsinki extract: whole blobs then a cut one) seeds the PBF reader.
head -c 65536 data/osm/Helsinki.osm.pbf > fuzz/corpus/osm_pbf/helsinki-head.pbf
mkdir -p fuzz/logs
for target in target_grammar plan_loader access_inputs osm_pbf entitle_inputs; do
  echo "== fuzzing $target for ${seconds}s"
  set +e
  (cd fuzz && cargo fuzz run --sanitizer none "$target" -- -max_total_time="$seconds" -print_final_stats=1) \
    > "fuzz/logs/$target.log" 2>&1
  status=$?
  set -e
  grep -E '^Done|stat::number_of_executed_units|stat::peak_rss' "fuzz/logs/$target.log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "fuzz/logs/$target.log" >&2
    echo "fuzz: $target failed (exit $status); crashing inputs are kept in fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
echo "fuzz: no crash"
