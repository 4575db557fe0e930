# Paydesk: `make run` serves the demo, `make test` runs every test.
# Both install what they need first (scripts/install-tools.sh, idempotent).

SHELL := /bin/bash
TOOLS_DIR ?= $(HOME)/.local/share/paydesk-tools
export PATH := $(TOOLS_DIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# cargo-leptos bakes this into the server; at run time it is the default too.
export LEPTOS_SITE_ROOT ?= target/site
BIN := target/release/paydesk
BUILD_STAMP := target/.paydesk-release-stamp
SOURCES := Cargo.toml Cargo.lock $(shell find app frontend server style public -type f -not -path '*/target/*')

.PHONY: run build watch test test-rust test-e2e test-cluster test-cluster-browser test-faults tools tools-test check-wasm clean fuzz bench bench-quick bench-import bench-reports bench-plans bench-large bench-lighthouse lint doctor

## run: install tools, build the release, load the demo data once, serve on SQLite
run: build
	@mkdir -p data
	@$(BIN) migrate
	@$(BIN) demo --if-empty
	@echo
	@echo "  Paydesk:  http://$${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
	@echo "  CSR:      csr / paydesk-csr-demo-1"
	@echo "  Admin:    admin / paydesk-admin-demo"
	@echo
	@LEPTOS_ENV=PROD $(BIN) serve

## build: the release server and client site (target/release/paydesk, target/site)
build: tools $(BUILD_STAMP)

# --precompress writes a brotli and a gzip copy of every file under
# target/site, which the server sends to clients that accept them.
# cargo-leptos redoes its wasm-bindgen and wasm-opt steps (~40 s) on every
# call, even when nothing changed; this stamp skips the call when no source did.
$(BUILD_STAMP): $(SOURCES) | tools
	cargo leptos build --release --precompress
	@touch $@

## watch: the inner loop: cargo leptos watch serves a debug build on SQLite and rebuilds on save
watch: tools
	@mkdir -p data && chmod 700 data
	cargo leptos watch

## test: unit, contract (SQLite + PostgreSQL), HTTP, CLI, fault and browser tests, the browser flows through two servers behind haproxy (PostgreSQL), then each parser's fuzz target for 20 s
# Each step prints how long it took ("[time] …"), so a slow CI run says
# where its minutes went.
test: tools-test
	@rm -f target/postgres-skipped
	@s=$$(date +%s); $(MAKE) --no-print-directory test-rust && echo "[time] test-rust: $$(( $$(date +%s) - s )) s"
	@s=$$(date +%s); $(MAKE) --no-print-directory test-e2e && echo "[time] test-e2e (with the release build): $$(( $$(date +%s) - s )) s"
	@s=$$(date +%s); $(MAKE) --no-print-directory test-cluster-browser && echo "[time] test-cluster-browser: $$(( $$(date +%s) - s )) s"
	@s=$$(date +%s); $(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-20} && echo "[time] fuzz: $$(( $$(date +%s) - s )) s"
	@if [ -s target/postgres-skipped ]; then \
	  echo; echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!!  PostgreSQL was NOT reachable: its half of the tests was SKIPPED ($$(wc -l < target/postgres-skipped) tests)."; \
	  echo "!!  Start it (see make doctor) or set PAYDESK_TEST_POSTGRES, then run make test again."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	else echo "make test: every test ran, on SQLite and PostgreSQL"; fi

## lint: formatting, clippy with warnings denied (server and browser builds), unused dependencies, the Dockerfile
lint:
	@scripts/install-tools.sh lint
	scripts/lint-dockerfile.sh
	cargo fmt --all --check
	cargo clippy -p app -p server --all-targets --features app/ssr -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
	cargo machete

## doctor: which tools, services and permissions are here, and which tests would be skipped without them
doctor:
	@scripts/doctor.sh

## test-faults: the fault tests alone: kill -9 under load and mid-scheduler (both databases), 50 actions at once
## on one account, malformed arguments to every server function, then the fuzz targets
test-faults:
	cargo test -p server --features app/ssr --test crash --test plans_crash
	cargo test -p app --features ssr --test integration -- fifty_payments_refunds_and_voids malformed_arguments
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${FUZZ_SECONDS:-20}

## test-rust: every Rust test (the PostgreSQL half runs when it is reachable)
test-rust:
	cargo test -p app -p server --features app/ssr
	@if [ "$${PAYDESK_PRUNE_DEBUG:-}" = 1 ]; then echo "dropping the debug build to free disk"; rm -rf target/debug; fi

## check-wasm: a quick check that the shared crate compiles for the browser (the release build does it too)
check-wasm:
	cargo check -p frontend --target wasm32-unknown-unknown

## test-e2e: Playwright in Debian's Chromium against the release build
test-e2e: build
	cd end2end && { npx playwright test; status=$$?; node summary.mjs e2e "$${E2E_RESULTS:-test-results/results.json}"; exit $$status; }

## test-cluster: two servers on one PostgreSQL behind haproxy (round robin, no stickiness): one killed
## with kill -9 again and again under retrying payments, then the seed flow, an upload, a refund
## approval and settlement in the browser through the balancer (docs/deploy.md)
test-cluster: tools-test
	cargo test -p server --features app/ssr --test crash two_servers
	@$(MAKE) --no-print-directory test-cluster-browser

# The browser half (make test runs the kill -9 half with the other Rust tests).
PG_ADMIN_URL := $${PAYDESK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
test-cluster-browser: build
	@if ! psql "$(PG_ADMIN_URL)" -qAtX -c 'SELECT 1' >/dev/null 2>&1; then \
	  if [ "$${PAYDESK_REQUIRE_POSTGRES:-}" = 1 ]; then echo "PostgreSQL is required for the cluster tests"; exit 1; fi; \
	  echo "PostgreSQL is not reachable: the cluster's browser tests are skipped"; \
	  echo "cluster browser tests" >> target/postgres-skipped; exit 0; fi; \
	cd end2end && { npx playwright test -c playwright.cluster.config.ts; status=$$?; \
	  node summary.mjs "cluster e2e" test-results-cluster/cluster.json; exit $$status; }

## fuzz: each parser's fuzz target (universal file, bill file, NACHA returns,
## money, payment link tokens) for FUZZ_SECONDS each (default 60); a crash stops it and leaves the
## input under fuzz/artifacts/. Stable Rust: RUSTC_BOOTSTRAP lets cargo-fuzz
## pass its -Z sanitizer flags.
FUZZ_TARGETS := universal_file bill_file nacha_returns money link_token
fuzz:
	@scripts/install-tools.sh fuzz
	@cd fuzz && for t in $(FUZZ_TARGETS); do \
	  echo "[fuzz] $$t for $${FUZZ_SECONDS:-60} s"; mkdir -p corpus/$$t; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run -O $$t corpus/$$t seeds/$$t -- -max_total_time=$${FUZZ_SECONDS:-60} -print_final_stats=1 2>&1 \
	    | grep -E "stat::number_of_executed_units|ERROR|panicked|SUMMARY"; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

## bench: every benchmark, written to BENCHMARKS.md (BENCH_ACCOUNTS=… to scale; about 70 minutes)
bench: build
	@scripts/install-tools.sh bench
	@bench/run.sh

## bench-quick: the same at a small size (10,000 accounts, 20 s soak), in about 3 minutes (Lighthouse included)
bench-quick: build
	@scripts/install-tools.sh bench
	@BENCH_ACCOUNTS=10000 BENCH_SECONDS=3 BENCH_CEILING_PAYMENTS=300 BENCH_SETTLE=10000 BENCH_PLANS=10000 \
	  BENCH_SOAK_SECONDS=20 BENCH_OUT=$${BENCH_OUT:-target/BENCHMARKS-quick.md} bench/run.sh

## bench-reports: the reports, Home and the 1,000,000-row export alone, as table rows (BENCH_ACCOUNTS=… to scale)
bench-reports: build
	@bench/reports.sh

## bench-plans: 100,000 automatic payment plans due on one day, on each database, as table rows (BENCH_PLANS=… to scale)
bench-plans: build
	@bench/plans.sh

## bench-large: exact and name search at 10,000,000 accounts and 50,000,000 payments on PostgreSQL, 100 CSRs
## at once (BENCH_LARGE_ACCOUNTS=… to scale, BENCH_LARGE_KEEP=1 to keep the database for another run)
bench-large: build
	@scripts/install-tools.sh bench
	@bench/large.sh

## bench-lighthouse: Lighthouse's accessibility and performance scores, signed in, for Payer Support,
## Make Payment, its review, a payment's page and Home, as a table (about 40 s)
bench-lighthouse: build
	@scripts/install-tools.sh lighthouse
	@bench/lighthouse.sh

## bench-import: the 1,000,000-row universal file import against its floor (BENCH_ACCOUNTS=… to scale)
bench-import: build
	@bench/import.sh

tools:
	@scripts/install-tools.sh build

tools-test:
	@scripts/install-tools.sh test

clean:
	cargo clean
