#!/usr/bin/env bash
# The universal-file import figure: BENCH_ACCOUNTS rows (default 1,000,000)
# through `paydesk import accounts` on a fresh database, against the floor
# measured in the same run (issue 17): the rows the import wrote (accounts,
# journal entries, payers and their links), dumped to CSV and loaded again
# into the same tables without indexes or constraints, by `sqlite3 .import`
# on SQLite and `COPY` on PostgreSQL. Prints one Markdown table row per
# database: the input rate, the rows written, the floor, their ratio, the
# goal (≥ 100,000 input rows/s and ≤ 3× the floor) and pass or fail.
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
}
trap cleanup EXIT

file="$work/universal.csv"
python3 scripts/gen-universal-file.py "$ROWS" > "$file"
export PAYDESK_DATA_DIR="$work/data"
# The tables an import writes to; the floor loads their rows again.
TABLES="accounts journal payers account_payers"

# Rows in each dumped table, as "name=count ...": rows_of DIR
rows_of() {
  local t out=""
  for t in $TABLES; do out="$out $t=$(wc -l < "$1/$t.csv")"; done
  echo "$out"
}

# One table row: database, import seconds, floor seconds, rows written.
row() {
  python3 - "$1" "$ROWS" "$2" "$3" "$4" <<'PY'
import sys
db, rows, imp, bare, written = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
counts = dict(p.split("=") for p in written.split())
total = sum(int(v) for v in counts.values())
parts = ", ".join(f"{int(v):,} {k.replace('_', ' ')}" for k, v in counts.items())
rate = rows / imp
ratio = imp / bare
ok = rate >= 100_000 and ratio <= 3
print(f"| universal file import ({db}) | {rows:,} input rows in {imp:.2f} s = {rate:,.0f} rows/s, writing {total:,} rows ({parts}) | floor {bare:.2f} s (those rows loaded into the same tables without indexes or constraints): {ratio:.1f}× the floor | ≥ 100,000 rows/s; ≤ 3× the floor | {'pass' if ok else 'FAIL'} |")
PY
}

# SQLite: the app's own import, then the bare load.
DATABASE_URL="sqlite://$work/import.db" "$BIN" migrate >/dev/null
t0=$(now); DATABASE_URL="sqlite://$work/import.db" "$BIN" import accounts "$file" >/dev/null; t1=$(now)
mkdir -p "$work/sqlite-rows"
load="$work/sqlite-load.sql"
: > "$load"
for t in $TABLES; do
  sqlite3 -csv "$work/import.db" "SELECT * FROM $t" > "$work/sqlite-rows/$t.csv"
  # Same columns, no constraints or indexes (CREATE TABLE … AS keeps only
  # the columns and their types).
  sqlite3 "$work/bare.db" "ATTACH '$work/import.db' AS src; CREATE TABLE $t AS SELECT * FROM src.$t WHERE 0;"
  echo ".import --csv $work/sqlite-rows/$t.csv $t" >> "$load"
done
t2=$(now); sqlite3 -bail "$work/bare.db" < "$load"; t3=$(now)
row SQLite "$(took "$t0" "$t1")" "$(took "$t2" "$t3")" "$(rows_of "$work/sqlite-rows")"

# PostgreSQL, when it answers.
if psql -q "$PG/postgres" -c "CREATE DATABASE $pgdb" >/dev/null 2>&1; then
  DATABASE_URL="$PG/$pgdb" "$BIN" migrate >/dev/null
  t0=$(now); DATABASE_URL="$PG/$pgdb" "$BIN" import accounts "$file" >/dev/null; t1=$(now)
  mkdir -p "$work/pg-rows"
  load="$work/pg-load.sql"
  : > "$load"
  psql -q "$PG/$pgdb" -c "CREATE SCHEMA bare" >/dev/null
  for t in $TABLES; do
    psql -q "$PG/$pgdb" -c "\\copy $t TO '$work/pg-rows/$t.csv' WITH (FORMAT csv)" >/dev/null
    # Same columns and types, no constraints or indexes, in a schema of
    # their own in the same database.
    psql -q "$PG/$pgdb" -c "CREATE TABLE bare.$t AS SELECT * FROM public.$t WITH NO DATA" >/dev/null
    echo "\\copy bare.$t FROM '$work/pg-rows/$t.csv' WITH (FORMAT csv)" >> "$load"
  done
  t2=$(now); psql -q -v ON_ERROR_STOP=1 "$PG/$pgdb" -f "$load" >/dev/null; t3=$(now)
  row PostgreSQL "$(took "$t0" "$t1")" "$(took "$t2" "$t3")" "$(rows_of "$work/pg-rows")"
else
  echo "| universal file import (PostgreSQL) | not reachable at $PG | | | skipped |"
fi
