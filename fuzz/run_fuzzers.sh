#!/usr/bin/env bash
# Runs the fuzzers of a fuzz build: each for FUZZ_SECONDS (default 60) on a
# scratch copy of its committed seeds (fuzz/corpus/<target>), with its
# dictionary (fuzz/<target>.dict) when there is one, so the repo does not
# grow. Stops at the first crash, invariant violation, timeout or leak and
# prints the reproducer and how to replay it.
#
# With FUZZ_RUNS=N, each target instead runs N inputs from the random seed
# FUZZ_SEED (default 1), what `make test` (and so CI) runs: the search
# mostly repeats from run to run (not exactly: abseil seeds its hash tables
# per process), so a finding there is almost always the change's doing.
#
#   fuzz/run_fuzzers.sh build/fuzz/fuzz                 # every target
#   FUZZ_SECONDS=10 fuzz/run_fuzzers.sh build/fuzz/fuzz guard image_ref
#   FUZZ_RUNS=2000 fuzz/run_fuzzers.sh build/fuzz/fuzz  # fixed, repeatable
set -euo pipefail

bin_dir=${1:?usage: run_fuzzers.sh FUZZ_BIN_DIR [TARGET...]}
shift
seconds=${FUZZ_SECONDS:-60}
fixed_runs=${FUZZ_RUNS:-}
seed=${FUZZ_SEED:-1}
src_dir=$(cd "$(dirname "$0")" && pwd)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for program in "$bin_dir"/*_fuzzer; do
    name=$(basename "$program")
    targets+=("${name%_fuzzer}")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "run_fuzzers: no fuzzers in $bin_dir (configure with -DFOPS_BUILD_FUZZERS=ON)" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fops-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

count() { find "$1" -type f | wc -l; }

for target in "${targets[@]}"; do
  program="$bin_dir/${target}_fuzzer"
  seeds="$src_dir/corpus/$target"
  [ -x "$program" ] || { echo "run_fuzzers: no program $program" >&2; exit 2; }
  [ -d "$seeds" ] || { echo "run_fuzzers: no seeds in $seeds" >&2; exit 2; }
  corpus="$work/$target/corpus"
  mkdir -p "$corpus" "$work/$target/artifacts"
  cp -r "$seeds/." "$corpus/"
  options=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$work/$target/artifacts/")
  if [ -n "$fixed_runs" ]; then
    options+=(-runs="$fixed_runs" -seed="$seed")
  else
    options+=(-max_total_time="$seconds")
  fi
  [ -f "$src_dir/$target.dict" ] && options+=(-dict="$src_dir/$target.dict")
  log="$work/$target/log"
  before=$(count "$corpus")
  if ! "$program" "${options[@]}" "$corpus" >"$log" 2>&1; then
    echo "FAIL $target: the fuzzer found a problem" >&2
    grep -E "invariant violated|ERROR: |SUMMARY: |runtime error|Test unit written|ALARM" "$log" | head -20 >&2 || true
    for artifact in "$work/$target/artifacts"/*; do
      [ -e "$artifact" ] || continue
      echo "reproducer: $artifact" >&2
      echo "replay:     $program $artifact" >&2
    done
    echo "log:        $log" >&2
    exit 1
  fi
  after=$(count "$corpus")
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  first_cov=$(grep -m1 -o 'INITED cov: [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  last_cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  budget="${seconds}s"
  [ -n "$fixed_runs" ] && budget="seed $seed"
  printf 'ok   %-16s %7s %9s runs  corpus %4s -> %-5s cov %5s -> %s\n' \
    "$target" "$budget" "$runs" "$before" "$after" "$first_cov" "$last_cov"
done
rm -rf "$work"
