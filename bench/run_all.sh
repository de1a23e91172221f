#!/usr/bin/env bash
# Runs every benchmark whose figures docs/performance.md quotes. Expects
# `make install` to have built build/main (with FOPS_BUILD_BENCH=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/main/bench
for b in "$build"/*_bench; do
  echo "== $(basename "$b")"
  "$b" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
done
echo "== fops ci vs make -j2"
.venv/bin/python bench/cli_vs_make.py --runs 10
echo "== 100,000 events into ClickHouse"
.venv/bin/python bench/telemetry_clickhouse.py build/main
echo "== file write -> command start in fops up"
.venv/bin/python bench/edit_latency.py --edits 20
