#!/usr/bin/env bash
# Starts the release server for the browser tests on a fresh SQLite database
# with the demo data. Playwright runs this (end2end/playwright.config.ts).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# E2E_TMP and E2E_ADDR let a second run (another port, another folder)
# work beside the first.
tmp="${E2E_TMP:-$root/end2end/.tmp}"
rm -rf "$tmp" && mkdir -p "$tmp"
export DATABASE_URL="sqlite://$tmp/e2e.db"
export PAYDESK_DATA_DIR="$tmp/data"
export LEPTOS_SITE_ADDR="${E2E_ADDR:-127.0.0.1:3100}"
export LEPTOS_SITE_ROOT="$root/target/site"
export LEPTOS_ENV=PROD
# Every browser test signs in from 127.0.0.1, and the lockout tests fail on
# purpose; the per-address limit has its own HTTP test.
export PAYDESK_SIGN_IN_IP_LIMIT=100000
# The same for the payer site's per-address limit (payment_links_api tests it).
export PAYDESK_PAYER_RATE_PER_MINUTE=100000
# A line per request would bury Playwright's report in CI's log: only
# warnings and errors (the access log has its own HTTP test).
export RUST_LOG="${RUST_LOG:-info,paydesk::access=warn}"
bin="$root/target/release/paydesk"
"$bin" migrate >/dev/null
"$bin" demo >/dev/null
exec "$bin" serve
