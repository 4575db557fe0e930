#!/usr/bin/env bash
# The automatic payments figure: BENCH_PLANS (default 100,000) monthly
# recurring plans, each an enrolled payer's own account and saved card, all
# first due on one banking day. Two `paydesk run-plans` passes on each
# database, timed: the day before (each plan's occurrence is made ahead, a
# Scheduled payment, as a pass does for a fixed amount) and the day itself
# (each payment is started and authorized, and the next month's is made
# ahead). The goal is the day's pass. Prints Markdown table rows.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

COUNT="${BENCH_PLANS:-100000}"
# A Tuesday with no holiday near it, so the run date is the date.
DAY="${BENCH_PLANS_DAY:-2027-03-09}"
BEFORE="2027-03-08"
WORK="$(mktemp -d)"
cleanup() { drop_db; rm -rf "$WORK"; }
trap cleanup EXIT

for engine in ${BENCH_ENGINES:-sqlite postgres}; do
  label=$([ "$engine" = sqlite ] && echo SQLite || echo PostgreSQL)
  if [ "$engine" = postgres ] && ! postgres_reachable; then
    echo "| automatic payments ($label) | not reachable at $PG | | | skipped |"
    continue
  fi
  DB_NAME="paydesk_bench_plans_$$"
  fresh_db "$engine"
  pd bench plans --count "$COUNT" --first "$DAY" >&2
  t0=$(now); ahead="$(pd run-plans --today "$BEFORE")"; t1=$(now)
  day="$(pd run-plans --today "$DAY")"; t2=$(now)
  echo "$ahead" >&2; echo "$day" >&2
  made=$(printf '%s\n' "$ahead" | sed -n 's/.*: \([0-9]*\) occurrence(s) made.*/\1/p')
  started=$(printf '%s\n' "$day" | sed -n 's/.*, \([0-9]*\) payment(s) started.*/\1/p')
  python3 - "$label" "$COUNT" "$(took "$t0" "$t1")" "$(took "$t1" "$t2")" "${made:-0}" "${started:-0}" <<'PY'
import sys
label, count, ahead, day, made, started = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
complete = made == count and started == count
ok = day <= 60 and complete
note = "" if complete else f"; only {made:,} made and {started:,} started of {count:,}"
print(f"| automatic payments ({label}) | {count:,} plans due on one day: the day's pass {day:.1f} s ({started:,} payments started and authorized, the next month's made ahead); the day before, {made:,} made ahead in {ahead:.1f} s{note} | {count / day:,.0f} plans/s on the day | ≤ 60 s | {'pass' if ok else 'FAIL'} |")
PY
  drop_db
done
