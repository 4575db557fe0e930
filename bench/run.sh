#!/usr/bin/env bash
# `make bench`: runs every benchmark there is so far and writes BENCHMARKS.md
# (machine, date, commit, then one row per figure). Sizes scale with
# BENCH_ACCOUNTS (default 1,000,000). Nothing here is a test: a missed goal
# is reported, never a failed build.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${BENCH_OUT:-BENCHMARKS.md}"
rows="$(mktemp)"
trap 'rm -f "$rows"' EXIT

echo "[bench] universal file import (${BENCH_ACCOUNTS:-1000000} rows)"
bench/import.sh >> "$rows"
echo "[bench] client payload"
node bench/payload.mjs >> "$rows"

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` ($(basename "$0")); numbers on shared 2-core machines are noisy, so each"
  echo "figure that matters is set against a baseline measured in the same run."
  echo
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
  echo
  echo "| figure | measured | against the baseline | goal | result |"
  echo "|---|---|---|---|---|"
  cat "$rows"
  echo
  echo "Not measured yet (issue 7): exact and prefix search over HTTP at 1,000,000 accounts and"
  echo "5,000,000 payments, payment submission against the database ceiling, settlement of"
  echo "100,000 payments, page load to interactive, and server memory under a 10-minute soak."
} > "$out"
echo "[bench] wrote $out"
cat "$out"
