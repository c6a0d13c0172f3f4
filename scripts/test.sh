#!/usr/bin/env bash
# The whole test suite, as CI runs it (`.ci/run` calls this script and nothing else).
#
# 1. rustfmt and clippy (library and binary code may not unwrap, expect or panic: workspace lints);
# 2. every unit, property, fixture, CLI, report (headless Chromium, installed here when missing) and architecture
#    test (cargo test);
# 3. `minsheng plan check` over the shipped plans, `minsheng catalogue check` over the shipped catalogues and the
#    bench catalogue, and `minsheng entitle test` over their YAML cases;
# 4. coverage-guided fuzzing of the target grammar, the plan loader, the facility-planning readers and the OSM PBF
#    reader for FUZZ_SECONDS per target (default 60).
#
# Build products go to CARGO_TARGET_DIR (default: a cache outside the clone) so later runs are warm.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/minsheng/target}"
export CARGO_TERM_COLOR=never
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# rustfmt and clippy ship with the toolchain on this machine kind; if a machine lacks them, say so and go on.
if cargo fmt --version >/dev/null 2>&1; then
  echo "== rustfmt"
  cargo fmt --all -- --check
else
  echo "== rustfmt: not installed, skipped"
fi
if cargo clippy --version >/dev/null 2>&1; then
  echo "== clippy"
  cargo clippy --workspace --lib --bins --locked -- -D warnings
else
  echo "== clippy: not installed, skipped"
fi

# The report tests render the HTML report in headless Chromium (with a CJK font); install both when missing.
if { ! command -v chromium >/dev/null 2>&1 && [ -z "${MINSHENG_CHROMIUM:-}" ]; } \
  || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "== installing chromium and fonts-wqy-microhei (report browser tests)"
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  packages="chromium fonts-wqy-microhei"
  # shellcheck disable=SC2086
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages; then
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
  fi
fi

echo "== cargo test"
cargo test --workspace --locked 2>&1 | tee "$log"

echo "== minsheng plan check (shipped plans)"
"$CARGO_TARGET_DIR/debug/minsheng" plan check | tail -n 1
echo "== minsheng catalogue check (shipped catalogues) and their YAML cases"
"$CARGO_TARGET_DIR/debug/minsheng" catalogue check
"$CARGO_TARGET_DIR/debug/minsheng" catalogue check bench/entitle/kunming-bench.toml
"$CARGO_TARGET_DIR/debug/minsheng" entitle test catalogues/tests

echo "== fuzz"
./scripts/fuzz.sh

passed=$(grep -oE '^test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -oE '[0-9]+ failed;' "$log" | awk '{s += $1} END {print s + 0}')
echo "tests: $passed passed, $failed failed"
