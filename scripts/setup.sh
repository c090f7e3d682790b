#!/usr/bin/env bash
# Installs what building and testing Flowboard needs, skipping whatever is already there.
# Only crates.io, npm and Debian packages are used: nothing downloads a prebuilt binary.
#   scripts/setup.sh build   # wasm target and rust-src, wasm-bindgen CLI, wasm-opt
#   scripts/setup.sh e2e     # + Debian chromium and the end2end npm packages
#   scripts/setup.sh fuzz    # cargo-fuzz (and a C++ compiler for libFuzzer) only
#   scripts/setup.sh bench   # the load generator (Debian's wrk), chromium, the end2end npm
#                            # packages and bench/'s (Lighthouse)
#   scripts/setup.sh contract  # schemathesis from PyPI, in a virtualenv under the build output
#   scripts/setup.sh rust    # Debian's pgbouncer, when FLOWBOARD_TEST_POSTGRES_URL is set
set -euo pipefail
cd "$(dirname "$0")/.."

# The npm packages of end2end/ (Playwright; the browser is Debian's, never downloaded).
end2end_packages() {
    # Every package the lock file names must be there: a tree installed before one was added
    # (axe-core) is installed again.
    [ -d end2end/node_modules/playwright-core ] && [ -d end2end/node_modules/axe-core ] && return 0
    echo "setup: installing the end2end npm packages"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
}

need_apt=()
apt_install() {
    [ ${#need_apt[@]} -eq 0 ] && return 0
    echo "setup: installing Debian packages: ${need_apt[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
}

# Fuzzing needs neither the wasm tools nor the browser: only cargo-fuzz, whose libFuzzer is
# C++ built by the `cc` crate. It runs on the stable toolchain with RUSTC_BOOTSTRAP=1 (see
# `make fuzz`), so no nightly is installed.
if [ "${1:-build}" = "fuzz" ]; then
    command -v c++ >/dev/null || need_apt+=(g++)
    apt_install
    if ! command -v cargo-fuzz >/dev/null; then
        echo "setup: building cargo-fuzz from crates.io"
        cargo install cargo-fuzz --locked --quiet
    fi
    exit 0
fi

# `make bench` loads the release binary with wrk (C, epoll): a generator lighter than the
# server it measures matters when both share two cores.
# The browser bench (bench/browser.mjs) drives Debian's chromium with the end2end packages'
# playwright-core, as the browser tests do.
if [ "${1:-build}" = "bench" ]; then
    command -v wrk >/dev/null || need_apt+=(wrk)
    [ -x /usr/bin/chromium ] || need_apt+=(chromium)
    command -v node >/dev/null || need_apt+=(nodejs npm)
    apt_install
    end2end_packages
    # Lighthouse, for the bench only (the tests never need it).
    if [ ! -d bench/node_modules/lighthouse ]; then
        echo "setup: installing the bench npm packages"
        (cd bench && npm ci --no-audit --no-fund --loglevel=error)
    fi
    exit 0
fi

# `make test-contract` runs schemathesis (PyPI) against the served OpenAPI document. It lives
# in a virtualenv under the build output directory, so no system Python package is touched and
# `make clean` removes it; the version is pinned so a new release cannot change what passes.
if [ "${1:-build}" = "contract" ]; then
    schemathesis_version=4.32.5
    venv="${CARGO_TARGET_DIR:-target}/contract-venv"
    python3 -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
    command -v curl >/dev/null || need_apt+=(curl)
    apt_install
    have=$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{ print $3 }' || true)
    if [ "$have" != "$schemathesis_version" ]; then
        echo "setup: installing schemathesis $schemathesis_version from PyPI (have: ${have:-none})"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check \
            "schemathesis==$schemathesis_version"
    fi
    exit 0
fi

# `make test-rust` runs Flowboard behind PgBouncer (server/tests/pooler.rs) when it has a
# PostgreSQL to test against. The tests start their own PgBouncer on a free port; the
# service the package starts and enables on installation is stopped and disabled again.
if [ "${1:-build}" = "rust" ]; then
    if [ -n "${FLOWBOARD_TEST_POSTGRES_URL:-}" ] && [ ! -x /usr/sbin/pgbouncer ]; then
        need_apt+=(pgbouncer)
        apt_install
        sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        if [ -d /run/systemd/system ]; then
            $sudo systemctl disable --now --quiet pgbouncer.service || true
        else
            $sudo service pgbouncer stop >/dev/null 2>&1 || true
            $sudo update-rc.d pgbouncer disable >/dev/null 2>&1 || true
        fi
    fi
    exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    echo "setup: adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# The release bundle rebuilds the standard library for size (-Zbuild-std, scripts/build-site.sh).
if ! rustup component list --installed | grep -q '^rust-src'; then
    echo "setup: adding the rust-src component"
    rustup component add rust-src
fi

# wasm-bindgen's CLI must match the wasm-bindgen crate in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$want" != "$have" ]; then
    echo "setup: building wasm-bindgen-cli $want from crates.io (have: ${have:-none})"
    # Its own lock file names a crate version this registry may not carry; resolve afresh.
    cargo install wasm-bindgen-cli --version "$want" --force --quiet
fi

command -v wasm-opt >/dev/null || need_apt+=(binaryen)

if [ "${1:-build}" = "e2e" ]; then
    [ -x /usr/bin/chromium ] || need_apt+=(chromium)
    command -v node >/dev/null || need_apt+=(nodejs npm)
fi
apt_install

if [ "${1:-build}" = "e2e" ]; then
    end2end_packages
fi
