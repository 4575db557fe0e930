#!/usr/bin/env bash
# Two release servers on one PostgreSQL database behind haproxy (round
# robin, no stickiness, /readyz checked), for the browser tests of
# `make test-cluster` (end2end/playwright.cluster.config.ts runs this).
# Each server has its own data folder; they share the database and the key.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="${E2E_TMP:?E2E_TMP names the scratch folder}"
addr="${E2E_ADDR:?E2E_ADDR is the balancer address}"
url="${E2E_DATABASE_URL:?E2E_DATABASE_URL is the database}"
rm -rf "$tmp" && mkdir -p "$tmp" && chmod 700 "$tmp"

# A fresh database for each run.
admin="${url%/*}/postgres"
name="${url##*/}"
psql "$admin" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >/dev/null

bin="$root/target/release/paydesk"
export DATABASE_URL="$url"
export PAYDESK_KEY_FILE="$tmp/paydesk.key"
export PAYDESK_TRUST_PROXY=true
export LEPTOS_SITE_ROOT="$root/target/site"
export LEPTOS_ENV=PROD
# As scripts/e2e-server.sh: the tests sign in from one address, often.
export PAYDESK_SIGN_IN_IP_LIMIT=100000
export PAYDESK_PAYER_RATE_PER_MINUTE=100000
export RUST_LOG="${RUST_LOG:-info,paydesk::access=warn}"
"$bin" keys new "$PAYDESK_KEY_FILE" >/dev/null
"$bin" migrate >/dev/null
"$bin" demo >/dev/null

# Everything started here stops with this script (Playwright stops it).
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM
ports=()
for name in a b; do
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  ports+=("$port")
  PAYDESK_DATA_DIR="$tmp/data-$name" LEPTOS_SITE_ADDR="127.0.0.1:$port" "$bin" serve &
done
# haproxy starts once both answer, so the first requests already alternate.
for port in "${ports[@]}"; do
  up=""
  for _ in $(seq 1 600); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && { up=1; break; }
    sleep 0.1
  done
  [ -n "$up" ] || { echo "the server on port $port did not come up" >&2; exit 1; }
done
# The shipped configuration (deploy/haproxy/paydesk.cfg), over plain http.
PAYDESK_LB_HTTP=1 PAYDESK_LB_BIND="$addr" \
  PAYDESK_SERVER_A="127.0.0.1:${ports[0]}" PAYDESK_SERVER_B="127.0.0.1:${ports[1]}" \
  PAYDESK_CHECK_INTER=250ms PAYDESK_CHECK_FALL=1 \
  haproxy -db -f "$root/deploy/haproxy/paydesk.cfg" &
wait
