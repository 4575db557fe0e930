#!/usr/bin/env bash
# The reports' figures, on each database: every report's page (its
# summaries, row count and first page) through `load_report` over HTTP, p50
# and p95, against the same page through the report service without HTTP;
# Home the same way once it exists; and the Payment History export of
# 1,000,000 rows (CSV, then Excel) over HTTP, with the server's RSS before
# and at its peak during the export, against the export service without HTTP.
#
# Dataset: `paydesk bench seed` (BENCH_ACCOUNTS accounts, default 1,000,000,
# with 5 payments each entered evenly over 2025 (1 in 20 partly refunded
# an hour later), one bill each, one payer
# per two accounts enrolled over 2025, a settlement run at the end of each
# UTC day of 2025 for Reconciliation's cycles). BENCH_REPORT_RUNS timed calls per
# page (default 40); BENCH_ENGINES (default "sqlite postgres") which databases.
# Prints Markdown table rows. Needs the release build, psql.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

ACCOUNTS="${BENCH_ACCOUNTS:-1000000}"
RUNS="${BENCH_REPORT_RUNS:-40}"
EXPORT_ROWS="${BENCH_EXPORT_ROWS:-1000000}"
WORK="$(mktemp -d)"
cleanup() { stop_server 2>/dev/null || true; drop_db; rm -rf "$WORK"; }
trap cleanup EXIT

# The reports and their dates; payments fill 2025 (America/New_York days).
CASES=(
  "Payment History, 1 day|payment-history|from=2025-06-15 to=2025-06-15"
  "Payment History, 31 days|payment-history|from=2025-06-01 to=2025-07-01"
  "Aging|aging|date=2025-12-31"
  "Enrollment|enrollment|"
  "Activity, 31 days|activity|from=2025-06-01 to=2025-07-01"
  "Reconciliation|reconciliation|date=2025-06-15"
  "Settlement, 31 days|settlement|from=2025-06-01 to=2025-07-01"
)

# The last day of an export that starts on 2024-12-31 and holds about
# EXPORT_ROWS of the 5 × ACCOUNTS payments spread over 365 days.
export_to="$(python3 -c "
import datetime, math
days = min(365, math.ceil($EXPORT_ROWS / ($ACCOUNTS * 5 / 365)))
print(datetime.date(2024, 12, 31) + datetime.timedelta(days=days))")"

report_row() { # engine label kind params
  local engine=$1 label=$2 kind=$3 params=$4 service http p args=() qs="" fields=("q[kind]=$kind")
  # The parameters travel as one query string (domain::report::ReportQuery).
  for p in $params; do args+=(--param "$p"); qs="${qs:+$qs&}$p"; done
  fields+=("q[params]=$qs")
  service="$(pd bench report --kind "$kind" "${args[@]}" --count "$RUNS")"
  if [ "$(field "$service" not_built)" = 1 ]; then
    echo "| report: $label ($engine) | not built | | p95 ≤ 300 ms | not built |"
    return
  fi
  http="$(python3 bench/fn_http.py "$BASE" "$COOKIE" "$RUNS" load_report "${fields[@]}")"
  python3 - "$engine" "$label" "$service" "$http" <<'PY'
import sys
engine, label, service, http = sys.argv[1:]
f = lambda line, k: dict(x.split("=", 1) for x in line.split()[2:] if "=" in x).get(k)
if f(http, "not_built"):
    print(f"| report: {label} ({engine}) | not built (load_report answers 404) | | p95 ≤ 300 ms | not built |")
    sys.exit()
hp50, hp95 = float(f(http, "p50_us")) / 1000, float(f(http, "p95_us")) / 1000
sp50, sp95 = float(f(service, "p50_us")) / 1000, float(f(service, "p95_us")) / 1000
n, failed, rows = int(f(http, "n")), int(f(http, "failed")), int(f(service, "rows"))
ok = hp95 <= 300 and failed == 0
note = f"; {failed} failed answers" if failed else ""
if rows == 0:
    note += "; the seed makes no rows for this report, so this is an empty page"
print(f"| report: {label} ({engine}) | HTTP p50 {hp50:.0f} ms, p95 {hp95:.0f} ms ({n} pages of {rows:,} rows, 1 client){note} "
      f"| the report service without HTTP p50 {sp50:.0f} ms, p95 {sp95:.0f} ms: {hp95 / sp95 if sp95 else 0:.2f}× at p95 | p95 ≤ 300 ms | {'not measured' if rows == 0 else 'pass' if ok else 'FAIL'} |")
PY
}

home_row() { # engine
  local http service
  http="$(python3 bench/fn_http.py "$BASE" "$COOKIE" "$RUNS" load_home)"
  if [ "$(field "$http" not_built)" = 1 ]; then
    echo "| Home ($1) | TODO: Home not yet merged (load_home answers 404) | | p95 ≤ 150 ms | not built |"
    return
  fi
  python3 - "$1" "$http" <<'PY'
import sys
engine, http = sys.argv[1:]
f = lambda k: dict(x.split("=", 1) for x in http.split()[2:] if "=" in x).get(k)
p50, p95, failed = float(f("p50_us")) / 1000, float(f("p95_us")) / 1000, int(f("failed"))
note = f"; {failed} failed answers" if failed else ""
print(f"| Home ({engine}) | HTTP p50 {p50:.0f} ms, p95 {p95:.0f} ms ({f('n')} loads, 1 client){note} | | p95 ≤ 150 ms | {'pass' if p95 <= 150 and not failed else 'FAIL'} |")
PY
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }

export_row() { # engine format
  local engine=$1 format=$2 before peak took size rows base_line
  base_line="$(pd bench export --kind payment-history --param from=2024-12-31 --param "to=$export_to" --format "$format")"
  before="$(rss_kb)"
  # The server's RSS every 20 ms while the export runs; the largest seen.
  python3 - "$SERVER_PID" "$WORK/rss-stop" > "$WORK/rss-peak" <<'PY' &
import os, sys, time
pid, stop = sys.argv[1:]
peak = 0
while True:
    done = os.path.exists(stop)
    with open(f"/proc/{pid}/status") as s:
        for line in s:
            if line.startswith("VmRSS"):
                peak = max(peak, int(line.split()[1]))
    if done:  # one last look after the export, however short it was
        break
    time.sleep(0.02)
print(peak)
PY
  local sampler=$!
  read -r took size < <(curl -sf -H "Cookie: $COOKIE" -o "$WORK/export.$format" -w '%{time_total} %{size_download}\n' \
    "$BASE/reports/payment-history.$format?from=2024-12-31&to=$export_to")
  touch "$WORK/rss-stop"; wait "$sampler"; rm -f "$WORK/rss-stop"
  peak="$(cat "$WORK/rss-peak")"
  # CSV: five lines saying what the file is, a blank one, the header, then
  # a line per row. Excel holds the same query's rows (CSV runs first).
  [ "$format" = csv ] && EXPORTED_ROWS="$(( $(wc -l < "$WORK/export.csv") - 7 ))"
  rows="$EXPORTED_ROWS"
  python3 - "$engine" "$format" "$rows" "$took" "$size" "$before" "$peak" "$base_line" <<'PY'
import sys
engine, fmt, rows, took, size, before, peak, base = sys.argv[1:]
f = lambda k: dict(x.split("=", 1) for x in base.split()[1:] if "=" in x).get(k)
rows, took, size, before, peak = int(rows), float(took), int(size), int(before) / 1024, int(peak) / 1024
rate = rows / took
base_rate = rows / float(f("seconds"))
growth = peak - before
name = "CSV" if fmt == "csv" else "Excel"
goal = "≥ 100,000 rows/s; flat RSS (peak ≤ before + 50 MB)"
ok = rate >= 100_000 and growth <= 50
print(f"| export: Payment History, {rows:,} rows, {name} ({engine}) | {took:.2f} s = {rate:,.0f} rows/s, {size / 1e6:.0f} MB; "
      f"server RSS {before:.0f} MB before, peak {peak:.0f} MB during (+{growth:.0f} MB) "
      f"| the export service without HTTP {float(f('seconds')):.2f} s = {base_rate:,.0f} rows/s: {rate / base_rate:.0%} of it | {goal} | {'pass' if ok else 'FAIL'} |")
PY
  rm -f "$WORK/export.$format"
}

for engine in ${BENCH_ENGINES:-sqlite postgres}; do
  label=$([ "$engine" = sqlite ] && echo SQLite || echo PostgreSQL)
  if [ "$engine" = postgres ] && ! postgres_reachable; then
    echo "| reports (PostgreSQL) | not reachable at $PG | | | skipped |"
    continue
  fi
  DB_NAME="paydesk_bench_rep_$$"
  echo "[bench] $engine: seeding $ACCOUNTS accounts, bills and $((ACCOUNTS * 5)) payments" >&2
  fresh_db "$engine"
  pd bench seed --accounts "$ACCOUNTS" >&2
  start_server
  sign_in
  for c in "${CASES[@]}"; do
    IFS='|' read -r name kind params <<< "$c"
    echo "[bench] $engine: $name" >&2
    report_row "$label" "$name" "$kind" "$params"
  done
  home_row "$label"
  for format in csv xlsx; do
    echo "[bench] $engine: export ($format, to $export_to)" >&2
    export_row "$label" "$format"
  done
  stop_server
  drop_db
done
