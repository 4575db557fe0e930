#!/usr/bin/env bash
# Installs the build and test tools Paydesk needs, skipping every tool whose
# installed version is already right, so running it twice costs seconds.
# Usage: scripts/install-tools.sh [build|test|bench|lighthouse|fuzz|lint]
#   build: Rust target, cargo-leptos, wasm-bindgen CLI, wasm-opt
#   test:  build + Chromium and the Playwright packages
#   bench: test + wrk (the load generator, `make bench`) + Lighthouse
#   lighthouse: Chromium and Lighthouse only (`make bench-lighthouse`)
#   fuzz:  cargo-fuzz only (the parser fuzz targets, `make fuzz`)
#   lint:  the wasm32 target, clippy, rustfmt and cargo-machete (`make lint`)
set -euo pipefail

want="${1:-build}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="${PAYDESK_TOOLS_DIR:-$HOME/.local/share/paydesk-tools}"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$tools_dir/node_modules/.bin:$cargo_bin:$PATH"

# Versions are pinned here and nowhere else (see docs/build.md for why).
CARGO_LEPTOS_VERSION="0.3.10"
CARGO_FUZZ_VERSION="0.13.2"
CARGO_MACHETE_VERSION="0.9.2"
BINARYEN_VERSION="132.0.0"
# Lighthouse drives Debian's Chromium through puppeteer-core (which never
# downloads a browser); puppeteer-core is pinned to a version Lighthouse's
# own range (^23.8.0) accepts, so that the two are one copy.
LIGHTHOUSE_VERSION="12.2.3"
PUPPETEER_CORE_VERSION="23.11.1"
# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$root/Cargo.lock")"

say() { printf '[tools] %s\n' "$*"; }

# The version of the npm package $1 installed under $tools_dir, or nothing.
npm_version() { node -p "require('$tools_dir/node_modules/$1/package.json').version" 2>/dev/null || true; }

# Debian's packages "$@" where their commands are missing (command=package).
debian_packages() {
  local missing=() pair
  for pair in "$@"; do command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# Chromium and Lighthouse for `make bench-lighthouse` (bench/lighthouse.mjs).
lighthouse_tools() {
  debian_packages chromium=chromium
  if [ "$(npm_version lighthouse)" != "$LIGHTHOUSE_VERSION" ] || [ "$(npm_version puppeteer-core)" != "$PUPPETEER_CORE_VERSION" ]; then
    say "installing lighthouse $LIGHTHOUSE_VERSION and puppeteer-core $PUPPETEER_CORE_VERSION from npm (no browser download)"
    mkdir -p "$tools_dir"
    PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --save-exact --prefix "$tools_dir" \
      "lighthouse@$LIGHTHOUSE_VERSION" "puppeteer-core@$PUPPETEER_CORE_VERSION"
  fi
}

if [ "$want" = "lighthouse" ]; then
  lighthouse_tools
  say "tools ready"
  exit 0
fi

if [ "$want" = "fuzz" ]; then
  if [ "$(cargo-fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    say "building cargo-fuzz $CARGO_FUZZ_VERSION (once)"
    cargo install "cargo-fuzz@$CARGO_FUZZ_VERSION" --locked --debug
  fi
  say "tools ready"
  exit 0
fi

if [ "$want" = "lint" ]; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo-machete --version 2>/dev/null | awk '{print $NF}')" != "$CARGO_MACHETE_VERSION" ]; then
    say "building cargo-machete $CARGO_MACHETE_VERSION (once)"
    cargo install "cargo-machete@$CARGO_MACHETE_VERSION" --locked --debug
  fi
  say "tools ready"
  exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# `--debug` builds these tools in a third of the time; they only orchestrate
# and post-process, so their own speed barely shows in a build.
if [ "$(cargo-leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "building cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes on 2 cores, once)"
  cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked --features no_downloads --debug
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (once)"
  # Not --locked: its lockfile wants a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force --debug
fi

# Debian's binaryen is too old: its output does not hydrate in Chromium.
if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
  say "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
  mkdir -p "$tools_dir"
  npm install --silent --prefix "$tools_dir" "binaryen@$BINARYEN_VERSION"
fi

if [ "$want" = "test" ] || [ "$want" = "bench" ]; then
  # The browser tests use the sqlite3 shell to age a session; the two-server
  # tests put haproxy in front of the servers.
  if [ "$want" = "bench" ]; then
    debian_packages wrk=wrk chromium=chromium sqlite3=sqlite3 haproxy=haproxy
  else
    debian_packages chromium=chromium sqlite3=sqlite3 haproxy=haproxy
  fi
  lock="$root/end2end/package-lock.json"
  stamp="$root/end2end/node_modules/.paydesk-lock.sha256"
  if [ ! -f "$stamp" ] || [ "$(sha256sum "$lock" | cut -d' ' -f1)" != "$(cat "$stamp")" ]; then
    say "installing the Playwright packages (no browser download)"
    (cd "$root/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent)
    sha256sum "$lock" | cut -d' ' -f1 > "$stamp"
  fi
fi
[ "$want" = "bench" ] && lighthouse_tools
say "tools ready"
