#!/usr/bin/env bash
# Builds the browser side into target/site: the hydrate bundle (wasm-bindgen), the styles
# and static files. The server reads them from there (FLOWBOARD_SITE_ROOT).
#   scripts/build-site.sh debug     # fast, for tests
#   scripts/build-site.sh release   # small: opt-level z, LTO, wasm-opt
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-debug}
site=target/site
mkdir -p "$site/pkg"

if [ "$mode" = release ]; then
    profile=wasm-release
else
    profile=dev
fi
cargo build -p app --lib --target wasm32-unknown-unknown --features hydrate --profile "$profile"
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
input="target/wasm32-unknown-unknown/$dir/app.wasm"
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
        # a Wasm function object"); on rustc's own output it is fine. Measured: 3.3 MB -> 1.3 MB,
        # 480 KB gzipped.
        optimised="target/wasm32-unknown-unknown/$dir/app.opt.wasm"
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
echo "site: $(du -h "$site/pkg/flowboard_bg.wasm" | cut -f1) wasm ($mode) in $site/pkg"
