#!/usr/bin/env bash
# Lighthouse's accessibility and performance scores (bench/lighthouse.mjs)
# for Payer Support, Make Payment, its review, a payment's page and Home,
# against the release server on a fresh SQLite database with the demo data
# (account 100001 and its payments). Prints a Markdown table. Needs the
# release build, Chromium and Lighthouse (scripts/install-tools.sh lighthouse).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

WORK="$(mktemp -d)"
DB_NAME="paydesk_bench_lh_$$"
cleanup() { [ -z "${SERVER_PID:-}" ] || stop_server; rm -rf "$WORK"; }
trap cleanup EXIT

fresh_db sqlite
start_server
node bench/lighthouse.mjs "$BASE"
