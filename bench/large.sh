#!/usr/bin/env bash
# `make bench-large` (issue 17): the exact and name searches on PostgreSQL at
# BENCH_LARGE_ACCOUNTS accounts (default 10,000,000) with 5 payments each
# (50,000,000), under BENCH_LARGE_CSRS CSRs at once (default 100), each
# searching every BENCH_LARGE_THINK_MS on average (default 1,000: a busy CSR
# on the phone; wrk's latency leaves the wait out). Goal: p99 ≤ 5 ms for
# each kind.
# Prints Markdown table rows, then how long the load took and the database's
# size.
#
# Loading that much takes long here, so it is apart from `make bench`. The
# seed writes into tables whose secondary indexes are dropped first and built
# again after it (the same definitions, read from pg_indexes and checked
# after): building an index once over 50,000,000 rows is many times quicker
# than keeping it up to date row by row, and the searches then run on
# exactly the schema the migrations made. BENCH_LARGE_KEEP=1 keeps the
# database (named BENCH_LARGE_DB, default paydesk_bench_large) and its data
# folder (BENCH_LARGE_DIR, default target/bench-large when kept), so that a
# second run with the same settings only searches.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

ACCOUNTS="${BENCH_LARGE_ACCOUNTS:-10000000}"
CSRS="${BENCH_LARGE_CSRS:-100}"
THINK="${BENCH_LARGE_THINK_MS:-1000}"
SECONDS_EACH="${BENCH_SECONDS:-30}"
KEEP="${BENCH_LARGE_KEEP:-0}"
DB_NAME="${BENCH_LARGE_DB:-paydesk_bench_large}"
if [ "$KEEP" = 1 ]; then WORK="${BENCH_LARGE_DIR:-target/bench-large}"; else WORK="${BENCH_LARGE_DIR:-$(mktemp -d)}"; fi
mkdir -p "$WORK"
cleanup() {
  stop_server 2>/dev/null || true
  if [ "$KEEP" != 1 ]; then drop_db; rm -rf "$WORK"; fi
}
trap cleanup EXIT

if ! postgres_reachable; then
  echo "| exact and name search at $ACCOUNTS accounts (PostgreSQL) | not reachable at $PG | | | skipped |"
  exit 0
fi
DB_URL="$PG/$DB_NAME"
# The tables the seed fills, whose secondary indexes wait until it is done.
TABLES="'accounts', 'payments', 'bills', 'payers', 'account_payers', 'payment_actions'"
# Indexes that back no constraint (a UNIQUE or primary key constraint stays:
# the seed relies on them; a unique index of its own, like payers_by_reset,
# is set aside and built again with the rest).
SECONDARY="FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename IN ($TABLES)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
q() { psql -qAtX -v ON_ERROR_STOP=1 "$DB_URL" "$@"; }

loaded=""
if [ "$KEEP" = 1 ] && [ "$(cat "$WORK/seeded" 2>/dev/null)" = "$ACCOUNTS" ] \
  && [ "$(q -c "SELECT COUNT(*) FROM accounts WHERE account_number = '2000001'" 2>/dev/null)" = 1 ]; then
  echo "[bench-large] reusing $DB_NAME" >&2
else
  rm -f "$WORK/seeded"
  fresh_db postgres
  q -c "SELECT indexdef || ';' $SECONDARY ORDER BY i.indexname" > "$WORK/indexes.sql"
  q -c "SELECT 'DROP INDEX ' || quote_ident(i.indexname) || ';' $SECONDARY" | q
  echo "[bench-large] seeding $ACCOUNTS accounts and $((ACCOUNTS * 5)) payments, $(wc -l < "$WORK/indexes.sql") indexes set aside" >&2
  t0=$(now)
  pd bench seed --accounts "$ACCOUNTS" >&2
  t1=$(now)
  echo "[bench-large] building the indexes again" >&2
  q -c "SET maintenance_work_mem = '1GB'" -f "$WORK/indexes.sql"
  q -c "ANALYZE"
  t2=$(now)
  # The same indexes as the migrations made, or the figure means nothing.
  q -c "SELECT indexdef || ';' $SECONDARY ORDER BY i.indexname" > "$WORK/indexes-after.sql"
  if ! cmp -s "$WORK/indexes.sql" "$WORK/indexes-after.sql"; then
    echo "bench-large: the indexes built again differ from the migrations':" >&2
    diff "$WORK/indexes.sql" "$WORK/indexes-after.sql" >&2 || true
    exit 1
  fi
  loaded="$(took "$t0" "$t1") s seeding, $(took "$t1" "$t2") s building $(wc -l < "$WORK/indexes.sql") indexes and analyzing"
  echo "$ACCOUNTS" > "$WORK/seeded"
fi

pd bench queries --dir "$WORK/q" --count 2000 >&2
pd bench lookups --dir "$WORK/q" > "$WORK/lookups"
start_server
sign_in

row() { # kind function extra label
  local http
  http="$(BENCH_WRK_THINK_MS="$THINK" wrk_fn "$2" "$WORK/q/$1.txt" q "$3" "$CSRS" "$SECONDS_EACH")"
  python3 - "$4" "$ACCOUNTS" "$CSRS" "$THINK" "$http" "$(grep "^service $1 " "$WORK/lookups" || true)" <<'PY'
import sys
label, accounts, csrs, think, http, service = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
kv = dict(p.split("=") for p in http.split()[1:])
sv = dict(p.split("=") for p in service.split()[2:] if "=" in p)
p50, p99 = int(kv["p50_us"]) / 1000, int(kv["p99_us"]) / 1000
n, secs = int(kv["requests"]), float(kv["seconds"])
bad = int(kv["non2xx"]) + int(kv["errors"])
ok = p99 <= 5 and bad == 0
note = f"; {bad} failed answers" if bad else ""
base = f"the search without HTTP, alone: p50 {int(sv['p50_us']) / 1000:.2f} ms, p99 {int(sv['p99_us']) / 1000:.2f} ms" if sv else ""
print(f"| {label} at {accounts:,} accounts and {accounts * 5:,} payments (PostgreSQL) | HTTP p50 {p50:.2f} ms, p99 {p99:.2f} ms ({n:,} requests in {secs:.0f} s, {csrs} CSRs, each pausing 0 to {2 * think / 1000:g} s between searches){note} | {base} | p99 ≤ 5 ms | {'pass' if ok else 'FAIL'} |")
PY
}

row account search_accounts "by=account&" "exact search: account number"
row user search_accounts "by=user&" "exact search: user ID"
row reference search_accounts "by=reference&" "exact search: Reference Number"
row name suggest_accounts "by=name&" "prefix search: name as you type"
size="$(q -c "SELECT pg_size_pretty(pg_database_size('$DB_NAME'))")"
echo
echo "Database $size${loaded:+; loaded in $loaded}."
if [ "$KEEP" = 1 ]; then echo "Kept: database $DB_NAME, folder $WORK." >&2; fi
