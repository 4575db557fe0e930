#!/usr/bin/env bash
# The settlement figure: BENCH_SETTLE (default 1,000,000) Pending payments,
# half card and half ACH, settled by `paydesk settle`: cards captured, the
# ACH half written into one NACHA file. On each database (BENCH_ENGINES,
# default "sqlite postgres"). Prints Markdown
# table rows.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

COUNT="${BENCH_SETTLE:-1000000}"
WORK="$(mktemp -d)"
cleanup() { drop_db; rm -rf "$WORK"; }
trap cleanup EXIT

for engine in ${BENCH_ENGINES:-sqlite postgres}; do
  label=$([ "$engine" = sqlite ] && echo SQLite || echo PostgreSQL)
  if [ "$engine" = postgres ] && ! postgres_reachable; then
    echo "| settlement ($label) | not reachable at $PG | | | skipped |"
    continue
  fi
  DB_NAME="paydesk_bench_settle_$$"
  fresh_db "$engine"
  # The demo's own Pending payments settle too; count them in.
  pd settle >/dev/null
  pd bench pending --count "$COUNT" >&2
  t0=$(now); out="$(pd settle)"; t1=$(now)
  cards=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) card payment(s) captured/\1/p')
  entries=$(printf '%s\n' "$out" | sed -n 's/.*: \([0-9]*\) entries,.*/\1/p')
  python3 - "$label" "$COUNT" "$(took "$t0" "$t1")" "${cards:-0}" "${entries:-0}" <<'PY'
import sys
label, count, secs, cards, entries = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
complete = cards + entries == count
ok = secs <= 30 and complete
note = "" if complete else f"; only {cards + entries:,} of {count:,} settled"
print(f"| settlement ({label}) | {count:,} Pending payments in {secs:.2f} s: {cards:,} cards captured, {entries:,} ACH entries in one NACHA file{note} | {count / secs:,.0f} payments/s | ≤ 30 s | {'pass' if ok else 'FAIL'} |")
PY
  drop_db
done
