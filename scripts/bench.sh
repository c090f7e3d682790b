#!/usr/bin/env bash
# `make bench`: runs the release benchmarks against SQLite and, when the local PostgreSQL
# answers, a throw-away PostgreSQL database; the report lands in bench/REPORT.md.
set -euo pipefail
cd "$(dirname "$0")/.."

pg=(-h 127.0.0.1 -p 5432 -U postgres)
if [ -z "${FLOWBOARD_TEST_POSTGRES_URL:-}" ] && pg_isready "${pg[@]}" -q 2>/dev/null; then
    db="flowboard_bench_$$"
    createdb "${pg[@]}" "$db"
    trap 'dropdb "${pg[@]}" --if-exists "$db" >/dev/null 2>&1 || true' EXIT
    export FLOWBOARD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/$db"
fi
cargo bench -p server --bench flow
