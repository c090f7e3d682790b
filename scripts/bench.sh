#!/usr/bin/env bash
# `make bench`: runs the release benchmarks against SQLite and, when the local PostgreSQL
# answers, a throw-away PostgreSQL database, then assembles bench/REPORT.md from their
# sections (target/bench/*.md) under a header naming the machine and the date.
#   scripts/bench.sh            # all: flow metrics on a year of history, load, scaling, bundle
#                               # size, the board in the browser, Lighthouse
#   scripts/bench.sh flow       # only some of them (flow, load, scaling, bundle, browser,
#                               # lighthouse), e.g. `scripts/bench.sh browser lighthouse`
set -euo pipefail
cd "$(dirname "$0")/.."
benches=("${@:-flow load scaling bundle browser lighthouse}")
read -r -a benches <<<"${benches[*]}"

pg=(-h 127.0.0.1 -p 5432 -U postgres)
if [ -z "${FLOWBOARD_TEST_POSTGRES_URL:-}" ] && pg_isready "${pg[@]}" -q 2>/dev/null; then
    db="flowboard_bench_$$"
    createdb "${pg[@]}" "$db"
    trap 'dropdb "${pg[@]}" --if-exists "$db" >/dev/null 2>&1 || true' EXIT
    export FLOWBOARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/$db"
fi
mkdir -p target/bench
# The release browser bundle's size, gzip -9 as a server would send it (issue 8: at most
# 500 KB, counted as 500,000 bytes).
bundle_size() {
    scripts/build-site.sh release
    local wasm=${CARGO_TARGET_DIR:-target}/site/pkg/flowboard_bg.wasm
    local raw gz met=yes
    raw=$(wc -c <"$wasm")
    gz=$(gzip -9 -c "$wasm" | wc -c)
    [ "$gz" -le 500000 ] || met="**no**"
    {
        echo
        echo "## The browser bundle"
        echo
        echo "| measure | figure | target | met |"
        echo "| --- | --- | --- | :-: |"
        echo "| release wasm (\`scripts/build-site.sh release\`), gzip -9 | $gz bytes ($raw bytes before gzip) | ≤ 500 KB | $met |"
    } >target/bench/bundle.md
}

# The demo board in Debian's chromium, bytes on the wire for a first and a return visit
# (issue 32: at most 600 KB and 60 KB), against the release server and bundle.
browser() {
    scripts/build-site.sh release
    cargo build --release -p server
    node bench/browser.mjs --out target/bench/browser.md
}

# Lighthouse's scores of the boards list, the demo board and its retrospective (issue 32:
# performance ≥ 90, accessibility 100, best practices 100), same server and bundle.
lighthouse() {
    scripts/build-site.sh release
    cargo build --release -p server
    node bench/lighthouse.mjs --out target/bench/lighthouse.md
}

for bench in "${benches[@]}"; do
    rm -f "target/bench/$bench.md"
    if [ "$bench" = bundle ]; then
        bundle_size
    elif [ "$bench" = browser ]; then
        browser
    elif [ "$bench" = lighthouse ]; then
        lighthouse
    else
        cargo bench -p server --bench "$bench"
    fi
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
# The machines these benches run on differ by up to three times in speed under the same model
# name (bench/HISTORY.md): a fixed piece of work, timed at the end of the run, says which kind
# of machine wrote this report. One core, the interpreter's loop: no I/O, no SIMD.
reference=$(python3 -c '
import time
t = time.perf_counter()
sum(i * i % 7 for i in range(3_000_000))
print(f"{(time.perf_counter() - t) * 1000:.0f}")' 2>/dev/null || echo "?")
mem=$(awk '/MemTotal/ { printf "%d GiB", $2 / 1024 / 1024 }' /proc/meminfo)
{
    echo "# Flowboard benchmark report"
    echo
    echo "Written by \`make bench\` on $(date -u '+%Y-%m-%d %H:%M') UTC, on $(nproc) cores ($cpu),"
    echo "$mem memory, release build, git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
    echo "The machine's speed: a fixed loop of Python (\`scripts/bench.sh\`, \"reference\") took $reference ms"
    echo "on one core; compare reports by it, not by the model name."
    echo "The before and after of each optimisation are in \`bench/HISTORY.md\`."
    for section in flow load scaling bundle browser lighthouse; do
        if [ -f "target/bench/$section.md" ]; then
            cat "target/bench/$section.md"
        fi
    done
} >bench/REPORT.md
echo "report: bench/REPORT.md"
