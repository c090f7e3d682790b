# Flowboard: the two commands a new machine needs are `make run` and `make test`.
# Everything they need is installed by scripts/setup.sh, skipping what is already there.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
# Extra flags for `make run`, e.g. `make run ARGS="--bind 127.0.0.1:8080 --log-format json"`.
ARGS ?=
# Browser tests run against the release bundle `make run` serves (a wasm-opt bug once broke
# only that one); `make test-e2e E2E_SITE=debug` is quicker while iterating.
E2E_SITE ?= release
# Build output: cargo's CARGO_TARGET_DIR when set (scripts/build-site.sh and the browser tests
# follow it too), else ./target.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
# `make fuzz`: seconds per target, and which targets (see fuzz/fuzz_targets/).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= alertmanager grafana incident history_import

.DEFAULT_GOAL := help
.PHONY: help setup build run test test-rust test-contract test-e2e lint fmt clean bench fuzz

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-10s %s\n", $$1, $$2 }'

setup: ## install build tools that are missing (wasm target, wasm-bindgen, wasm-opt)
	scripts/setup.sh build

build: setup ## release build: the flowboard binary and the browser bundle
	scripts/build-site.sh release
	$(CARGO) build --release -p server

run: build ## build, then serve http://127.0.0.1:3000 with SQLite in ./data, a demo board and demo sign-in
	FLOWBOARD_SITE_ROOT=$(TARGET_DIR)/site $(TARGET_DIR)/release/flowboard --demo $(ARGS)

test: lint test-rust test-contract test-e2e ## everything: format, lints, Rust tests and the API contract (SQLite, PostgreSQL), browser tests

lint: setup ## rustfmt and clippy (server side and browser side), warnings are errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p app --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

test-rust: ## unit, property and integration tests; PostgreSQL (and PgBouncer) too when FLOWBOARD_TEST_POSTGRES_URL is set
	scripts/setup.sh rust
	$(CARGO) test --workspace

test-contract: ## schemathesis against the served OpenAPI document; PostgreSQL too when FLOWBOARD_TEST_POSTGRES_URL is set
	scripts/setup.sh contract
	$(CARGO) build -p server
	scripts/contract.sh

test-e2e: ## browser tests: Debian chromium driven by Playwright against a real server
	scripts/setup.sh e2e
	scripts/build-site.sh $(E2E_SITE)
	$(CARGO) build -p server
	cd end2end && npx playwright test

bench: setup ## release benchmarks on a year of history (SQLite, PostgreSQL when local); writes bench/REPORT.md
	scripts/setup.sh bench
	scripts/bench.sh

# libFuzzer needs the compiler's -Z flags; RUSTC_BOOTSTRAP=1 allows them on the stable toolchain.
# Address sanitizer and debug assertions are on; one input may not take more than 10 s or
# allocate more than 512 MB. New corpus entries stay in fuzz/corpus/<target>/ (git-ignored,
# only the seed-* files are committed); crashes are written to fuzz/artifacts/<target>/.
fuzz: ## fuzz the webhook, incident and history-import parsers, FUZZ_SECONDS (60) s each; not in `make test`
	scripts/setup.sh fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	    case $$t in alertmanager|grafana) dict=webhook ;; *) dict=$$t ;; esac; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	    RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --debug-assertions $$t -- \
	        -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=512 -max_len=65536 \
	        -dict=dict/$$dict.dict -print_final_stats=1; \
	done

fmt: ## format the code
	$(CARGO) fmt --all

clean: ## remove build output (not ./data)
	$(CARGO) clean
