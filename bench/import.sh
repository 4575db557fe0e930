#!/usr/bin/env bash
# The universal-file import figure: BENCH_ACCOUNTS rows (default 1,000,000)
# through `paydesk import accounts` on a fresh database, against loading the
# same CSV into a bare table with no indexes (`sqlite3 .import` on SQLite,
# `COPY` on PostgreSQL) in the same run. Prints one Markdown table row per
# database: the absolute figures, their ratio, the goal and pass or fail.
#
# Needs the release binary (make build), python3, sqlite3 and psql.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh

ROWS="${BENCH_ACCOUNTS:-1000000}"
work="$(mktemp -d)"
pgdb="paydesk_bench_$$"
cleanup() {
  rm -rf "$work"
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS ${pgdb}_bare" >/dev/null 2>&1 || true
}
trap cleanup EXIT

file="$work/universal.csv"
python3 scripts/gen-universal-file.py "$ROWS" > "$file"
export PAYDESK_DATA_DIR="$work/data"
BARE_TABLE="CREATE TABLE bare (account_number TEXT, account_type TEXT, first_name TEXT, last_name TEXT, company_name TEXT, email TEXT, balance TEXT, status TEXT, user_id TEXT);"

# One table row: database, import seconds, bare seconds.
row() {
  python3 - "$1" "$ROWS" "$2" "$3" <<'PY'
import sys
db, rows, imp, bare = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rate = rows / imp
ratio = imp / bare
ok = rate >= 200_000 and ratio <= 3
print(f"| universal file import ({db}) | {rows:,} rows in {imp:.2f} s = {rate:,.0f} rows/s; bare load {bare:.2f} s | {ratio:.1f}× the bare load | ≥ 200,000 rows/s; ≤ 3× | {'pass' if ok else 'FAIL'} |")
PY
}

# SQLite: the app's own import, then the bare load.
DATABASE_URL="sqlite://$work/import.db" "$BIN" migrate >/dev/null
t0=$(now); DATABASE_URL="sqlite://$work/import.db" "$BIN" import accounts "$file" >/dev/null; t1=$(now)
sqlite3 "$work/bare.db" "$BARE_TABLE"
t2=$(now); sqlite3 "$work/bare.db" ".import --csv --skip 1 $file bare"; t3=$(now)
row SQLite "$(took "$t0" "$t1")" "$(took "$t2" "$t3")"

# PostgreSQL, when it answers.
if psql -q "$PG/postgres" -c "CREATE DATABASE $pgdb" >/dev/null 2>&1; then
  DATABASE_URL="$PG/$pgdb" "$BIN" migrate >/dev/null
  t0=$(now); DATABASE_URL="$PG/$pgdb" "$BIN" import accounts "$file" >/dev/null; t1=$(now)
  psql -q "$PG/postgres" -c "CREATE DATABASE ${pgdb}_bare" >/dev/null
  psql -q "$PG/${pgdb}_bare" -c "$BARE_TABLE" >/dev/null
  t2=$(now); psql -q "$PG/${pgdb}_bare" -c "\\copy bare FROM '$file' WITH (FORMAT csv, HEADER true)" >/dev/null; t3=$(now)
  row PostgreSQL "$(took "$t0" "$t1")" "$(took "$t2" "$t3")"
else
  echo "| universal file import (PostgreSQL) | not reachable at $PG | | | skipped |"
fi
