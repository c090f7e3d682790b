#!/usr/bin/env bash
# Builds the browser side into target/site: the hydrate bundle (wasm-bindgen), the styles
# and static files. The server reads them from there (FLOWBOARD_SITE_ROOT). With
# CARGO_TARGET_DIR set, everything goes under that directory instead of target/.
#   scripts/build-site.sh debug     # fast, for tests
#   scripts/build-site.sh release   # small: opt-level z, LTO, wasm-opt
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-debug}
target=${CARGO_TARGET_DIR:-target}
site=$target/site
mkdir -p "$site/pkg"

if [ "$mode" = release ]; then
    profile=wasm-release
    # The release bundle rebuilds the standard library for size (issue 8: at most 500 KB
    # gzipped), with flags only nightly accepts; RUSTC_BOOTSTRAP=1 lets the stable toolchain
    # take them, for this one command only. Needs the rust-src component (scripts/setup.sh).
    # - panic=immediate-abort: a panic is a bare trap, no message or formatting machinery
    #   (console_error_panic_hook then has nothing to print; debug builds keep messages).
    # - location-detail=none: no file/line strings for panics and #[track_caller].
    # - fmt-debug=none: `{:?}` prints nothing, so nothing the browser shows may use it.
    RUSTC_BOOTSTRAP=1 \
        RUSTFLAGS="${RUSTFLAGS:-} --cfg erase_components -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
        cargo build -p app --lib --target wasm32-unknown-unknown --features hydrate \
        --profile "$profile" -Zbuild-std=std,panic_abort
else
    profile=dev
    cargo build -p app --lib --target wasm32-unknown-unknown --features hydrate --profile "$profile"
fi
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
input="$target/wasm32-unknown-unknown/$dir/app.wasm"
stamp="$site/pkg/.built-from-$mode"
# Skip bindgen and wasm-opt (a minute or more) when the bundle is already built from this input.
if [ -f "$stamp" ] && [ "$stamp" -nt "$input" ] && [ -f "$site/pkg/flowboard_bg.wasm" ]; then
    fresh=1
else
    fresh=0
    rm -f "$site"/pkg/.built-from-*
fi
if [ "$fresh" = 0 ]; then
    if [ "$mode" = release ]; then
        # Optimise before wasm-bindgen: Debian's binaryen (108) mishandles the externref table
        # that wasm-bindgen adds, which breaks the bundle at start-up ("Table.set ... must be
        # a Wasm function object"); on rustc's own output it is fine. Measured on the board-only
        # app: 3.3 MB -> 1.3 MB, 480 KB gzipped; sizes since then are in bench/HISTORY.md.
        # (--converge and --strip-producers were tried: under 1% smaller, not worth the time.)
        optimised="$target/wasm32-unknown-unknown/$dir/app.opt.wasm"
        wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
            --enable-mutable-globals --enable-reference-types --enable-multivalue \
            -o "$optimised" "$input"
        input="$optimised"
    fi
    wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name flowboard "$input"
fi
touch "$stamp"
cp style/main.css "$site/pkg/flowboard.css"
cp -r public/. "$site/"
echo "site: $(du -h "$site/pkg/flowboard_bg.wasm" | cut -f1) wasm," \
    "$(gzip -9 -c "$site/pkg/flowboard_bg.wasm" | wc -c) bytes gzipped ($mode) in $site/pkg"
