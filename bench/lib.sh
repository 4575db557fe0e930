# Shared by the bench scripts: a Paydesk server on a database of the bench's
# own, a signed-in CSR's cookie, and wrk against one server function.
# Sourced, not run. Needs BIN (the release binary) and WORK (a scratch dir).

BIN="${BIN:-target/release/paydesk}"
# Set by fresh_db and start_server; empty until then, so that a script's
# cleanup (under `set -u`) can run whenever it stops.
DB_URL="${DB_URL:-}"
SERVER_PID=""
PG="${PAYDESK_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}"

now() { date +%s.%N; }
took() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# The value of key=value in a line of output: field LINE KEY
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# paydesk against DB_URL with the bench's data dir (its keyring seals the
# reviews the server later opens).
pd() { DATABASE_URL="$DB_URL" PAYDESK_DATA_DIR="$WORK/data-$DB_NAME" RUST_LOG=error "$BIN" "$@"; }

# A fresh database named DB_NAME of engine $1 (sqlite|postgres); sets DB_URL.
fresh_db() {
  if [ "$1" = sqlite ]; then
    DB_URL="sqlite://$WORK/$DB_NAME.db"
  else
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB_NAME" >/dev/null
    psql -q "$PG/postgres" -c "CREATE DATABASE $DB_NAME" >/dev/null
    DB_URL="$PG/$DB_NAME"
  fi
  pd migrate >/dev/null
  pd demo >/dev/null
}

drop_db() {
  case "${DB_URL:-}" in postgres*) psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB_NAME" >/dev/null 2>&1 || true ;; esac
}

postgres_reachable() { psql -q "$PG/postgres" -c "SELECT 1" >/dev/null 2>&1; }

# Starts `paydesk serve` on DB_URL, on BENCH_PORT when set (else a free
# port); sets PORT, BASE and SERVER_PID.
start_server() {
  PORT="${BENCH_PORT:-$(free_port)}"
  BASE="http://127.0.0.1:$PORT"
  if curl -s -o /dev/null "$BASE/" 2>/dev/null; then echo "port $PORT is taken" >&2; return 1; fi
  DATABASE_URL="$DB_URL" PAYDESK_DATA_DIR="$WORK/data-$DB_NAME" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" \
    LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD PAYDESK_SIGN_IN_IP_LIMIT=1000000 RUST_LOG=warn \
    "$BIN" serve 2>>"$WORK/server-$DB_NAME.log" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    curl -sf "$BASE/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the bench server did not start; its log:" >&2
  cat "$WORK/server-$DB_NAME.log" >&2
  return 1
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

# Signs the demo CSR in; sets COOKIE ("name=value").
sign_in() {
  local jar="$WORK/cookies-$DB_NAME"
  curl -sf -c "$jar" -H "Origin: $BASE" -H "Accept: application/json" \
    --data-urlencode login=csr --data-urlencode password=paydesk-csr-demo-1 --data-urlencode next= \
    "$BASE/api/sign_in" >/dev/null
  COOKIE="$(sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 {print $6 "=" $7}' | tail -1)"
  [ -n "$COOKIE" ] || { echo "sign-in gave no cookie" >&2; return 1; }
}

# wrk_fn NAME LINES FIELD EXTRA CONNECTIONS SECONDS [ONCE]: prints wrk's
# summary line (see wrk/fn.lua).
wrk_fn() {
  local threads=$(( $5 < 2 ? 1 : 2 ))
  # No pause between requests unless the caller asks (BENCH_WRK_THINK_MS:
  # bench-large's CSRs), whatever the environment holds.
  BENCH_LINES="$2" BENCH_FIELD="$3" BENCH_EXTRA="$4" BENCH_ONCE="${7:-0}" BENCH_THREADS="$threads" \
    BENCH_THINK_MS="${BENCH_WRK_THINK_MS:-0}" \
    wrk -t "$threads" -c "$5" -d "${6}s" --timeout 10s -s bench/wrk/fn.lua \
    -H "Cookie: $COOKIE" -H "Origin: $BASE" -H "Accept: application/json" \
    -H "Content-Type: application/x-www-form-urlencoded" "$BASE/api/$1" | grep '^wrk '
}
