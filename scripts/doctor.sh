#!/usr/bin/env bash
# `make doctor`: what this machine has for building and testing Paydesk, and
# which tests would be skipped without what is missing. It changes nothing
# (scripts/install-tools.sh installs; `make run` and `make test` call it).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="${PAYDESK_TOOLS_DIR:-$HOME/.local/share/paydesk-tools}"
export PATH="$tools_dir/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
missing=0
ok() { printf '  ok       %-22s %s\n' "$1" "$2"; }
no() { printf '  MISSING  %-22s %s\n' "$1" "$2"; missing=$((missing + 1)); }
ver() { "$@" 2>/dev/null | head -1; }

echo "Build"
v=$(ver rustc --version) && [ -n "$v" ] && ok rustc "$v" || no rustc "install Rust 1.95 (rustup)"
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  && ok wasm32-unknown-unknown "target installed" || no wasm32-unknown-unknown "make tools"
v=$(ver cargo-leptos --version) && [ -n "$v" ] && ok cargo-leptos "$v" || no cargo-leptos "make tools"
v=$(ver wasm-bindgen --version) && [ -n "$v" ] && ok wasm-bindgen "$v" || no wasm-bindgen "make tools"
v=$(ver wasm-opt --version) && [ -n "$v" ] && ok wasm-opt "$v" || no wasm-opt "make tools (npm binaryen; never Debian's)"

echo "Test"
v=$(ver node --version) && [ -n "$v" ] && ok node "$v" || no node "apt-get install nodejs npm"
v=$(ver chromium --version) && [ -n "$v" ] && ok chromium "$v" || no chromium "make tools-test; without it: no browser tests"
[ -d "$root/end2end/node_modules/@playwright/test" ] && ok playwright "end2end/node_modules" \
  || no playwright "make tools-test; without it: no browser tests"
v=$(ver sqlite3 --version) && [ -n "$v" ] && ok sqlite3 "${v%% *}" || no sqlite3 "make tools-test (the session-expiry browser test ages a session with it)"
v=$(ver haproxy -v) && [ -n "$v" ] && ok haproxy "$(echo "$v" | head -1 | cut -d" " -f3)" || no haproxy "make tools-test; without it: no two-server tests (make test-cluster)"
v=$(ver cargo-fuzz --version) && [ -n "$v" ] && ok cargo-fuzz "$v" || no cargo-fuzz "make fuzz installs it"
v=$(ver cargo-machete --version) && [ -n "$v" ] && ok cargo-machete "$v" || no cargo-machete "make lint installs it (unused dependencies)"

echo "Services"
pg="${PAYDESK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
hostport="${pg#*@}"; hostport="${hostport%%/*}"
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -d "$pg" 2>/dev/null; then
  ok postgresql "$hostport answers"
elif (exec 3<>"/dev/tcp/${hostport%%:*}/${hostport##*:}") 2>/dev/null; then
  ok postgresql "$hostport accepts connections"
else
  no postgresql "$hostport does not answer: the PostgreSQL half of every contract, HTTP and crash test is SKIPPED (CI requires it)"
fi

echo "Permissions"
data="${PAYDESK_DATA_DIR:-$root/data}"
if [ -d "$data" ]; then
  mode=$(stat -c %a "$data")
  [ "$mode" = 700 ] && ok "data directory" "$data ($mode)" || no "data directory" "$data is $mode; want 700 (chmod 700 $data)"
  for key in "$data"/*.key; do
    [ -e "$key" ] || continue
    mode=$(stat -c %a "$key")
    [ "$mode" = 600 ] && ok "key file" "$key ($mode)" || no "key file" "$key is $mode; the server refuses it (chmod 600 $key)"
  done
else
  ok "data directory" "$data (not made yet; the server makes it 700)"
fi
[ -w "$root" ] && ok "work tree" "writable" || no "work tree" "$root is not writable"

echo
if [ "$missing" -eq 0 ]; then echo "doctor: everything is here"; else echo "doctor: $missing missing (see above)"; fi
