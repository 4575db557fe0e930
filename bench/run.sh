#!/usr/bin/env bash
# `make bench`: runs every benchmark and writes BENCHMARKS.md (machine, date,
# commit, sizes, then one row per figure). Sizes scale with BENCH_ACCOUNTS
# (default 1,000,000 accounts, with 5 payments each), BENCH_SETTLE (1,000,000),
# BENCH_PLANS (100,000) and BENCH_SOAK_SECONDS (600); `make bench-quick` sets small ones. Nothing
# here is a test: a missed goal is reported, never a failed build.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${BENCH_OUT:-BENCHMARKS.md}"
rows="$(mktemp)"
lighthouse="$(mktemp)"
trap 'rm -f "$rows" "$lighthouse"' EXIT

echo "[bench] universal file import (${BENCH_ACCOUNTS:-1000000} rows)"
bench/import.sh >> "$rows"
echo "[bench] search, payment submission, page load and memory (${BENCH_ACCOUNTS:-1000000} accounts)"
bench/server-figures.sh >> "$rows"
echo "[bench] reports, Home and the 1,000,000-row export (${BENCH_ACCOUNTS:-1000000} accounts)"
bench/reports.sh >> "$rows"
echo "[bench] settlement (${BENCH_SETTLE:-1000000} payments)"
bench/settle.sh >> "$rows"
echo "[bench] automatic payments (${BENCH_PLANS:-100000} plans due on one day)"
bench/plans.sh >> "$rows"
echo "[bench] client payload"
node bench/payload.mjs >> "$rows"
echo "[bench] Lighthouse: accessibility and performance, signed in"
bench/lighthouse.sh > "$lighthouse"

# The tree measured, read before the output file is rewritten (rewriting it
# would make every run look like one "with uncommitted changes").
commit="$(git rev-parse --short HEAD)$(git diff --quiet -- . ":(exclude)$out" || echo ' (with uncommitted changes)')"

{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` ($(basename "$0")); numbers on shared 2-core machines are noisy, so each"
  echo "figure that matters is set against a baseline measured in the same run."
  echo
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- commit: $commit"
  echo
  echo "| figure | measured | against the baseline | goal | result |"
  echo "|---|---|---|---|---|"
  cat "$rows"
  echo
  echo "Sizes: ${BENCH_ACCOUNTS:-1000000} accounts with $(( ${BENCH_ACCOUNTS:-1000000} * 5 )) payments (search, payment submission,"
  echo "page load, memory); ${BENCH_SETTLE:-1000000} payments settled; ${BENCH_PLANS:-100000} plans; ${BENCH_SOAK_SECONDS:-600} s soak. How each figure is taken,"
  echo "and what was found where a goal is missed: docs/benchmarks.md."
  echo
  echo "## Lighthouse"
  echo
  echo "Lighthouse 12.2.3's scores (0 to 100) for a signed-in CSR's pages and the administrator's Home, each a"
  echo "cold navigation in headless Chromium $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null | awk '{print $2}') against the release server on the demo data (\`make bench-lighthouse\`)."
  echo
  cat "$lighthouse"
} > "$out"
echo "[bench] wrote $out"
cat "$out"
