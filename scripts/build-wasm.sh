#!/usr/bin/env bash
# Builds the engine's one WebAssembly module and puts it where its hosts look for it:
#  - wasm/pkg/nexxo-engine.wasm: wasm32-wasip1 reactor, optimized with wasm-opt when installed;
#  - target/release/nexxo-engine.wasm: next to the `nexxo` binary (`--engine wasm`, `nexxo worker`);
# (The playground bundles worker/nexxo-worker.js, which fetches wasm/pkg/nexxo-engine.wasm, so
# `nexxo build web` gives both content-hashed names: nothing is copied into web/.)
# Cargo's `wasm` profile (Cargo.toml) builds it; NEXXO_WASM_OPT overrides wasm-opt's level (for
# measuring, see benches/README.md). Prints the module's raw, gzip -9 and brotli -q 11 sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[36m[wasm]\033[0m %s\n' "$*"; }
brotli_size() {
  if command -v brotli >/dev/null; then
    brotli -q 11 -c "$1" | wc -c
  elif command -v node >/dev/null; then
    node -e 'const z = require("zlib"); const b = require("fs").readFileSync(process.argv[1]);
      console.log(z.brotliCompressSync(b, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11,
        [z.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length)' "$1"
  else
    echo 0
  fi
}
# Brotli at quality 11 takes a minute or more on a module this size: only the shipped one gets it.
size() {
  local raw gz br=""
  raw=$(stat -c %s "$1")
  gz=$(gzip -9c "$1" | wc -c)
  [ "${2:-}" = brotli ] && br=$(brotli_size "$1")
  awk -v f="$1" -v r="$raw" -v g="$gz" -v b="$br" 'BEGIN {
    printf "  %-48s %6.2f MB raw, %5.2f MB gzip", f, r / 1e6, g / 1e6
    if (b != "") printf ", %5.2f MB brotli", b / 1e6
    printf "\n" }'
}

say "engine for WASM hosts (wasm32-wasip1, profile wasm)"
cargo build --profile wasm --locked -p nexxo_engine_wasm --target wasm32-wasip1
built=target/wasm32-wasip1/wasm/nexxo_engine_wasm.wasm
# -Os: 0.12 MB raw / 0.03 MB gzip under -O2 with later builds unchanged (-Oz cost 9%; benches/README.md).
# -ocimfs 200: Binaryen inlines a function with one caller only when it is under 200 bytes (its
# default inlines every one, whatever its size, which made 100-180 KB functions such as rolldown's
# whole generate stage). V8 optimizes a hot function whole, on background threads that compete
# with the build, so giant functions that are hot in one small loop cost the first build most of
# its time; with the limit a first build in Chromium took 0.83-0.94 s instead of 1.28-1.38 s, later
# builds the same, and the module is 0.15 MB smaller gzipped (benches/README.md, "First build in
# Chromium and Node, side by side").
opt=${NEXXO_WASM_OPT:--Os -ocimfs 200}
mkdir -p wasm/pkg
if [ wasm/pkg/nexxo-engine.wasm -nt "$built" ] && [ -z "${NEXXO_WASM_OPT:-}" ]; then
  say "wasm/pkg/nexxo-engine.wasm is up to date"
elif command -v wasm-opt >/dev/null; then
  started=$(date +%s)
  # shellcheck disable=SC2086 # $opt is a level and its options
  wasm-opt $opt --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-multivalue --enable-reference-types "$built" \
    -o wasm/pkg/nexxo-engine.wasm.tmp
  mv wasm/pkg/nexxo-engine.wasm.tmp wasm/pkg/nexxo-engine.wasm
  say "wasm-opt $opt in $(($(date +%s) - started)) s"
else
  say "wasm-opt not found: using the unoptimized module"
  cp "$built" wasm/pkg/nexxo-engine.wasm
fi
cp wasm/pkg/nexxo-engine.wasm target/release/nexxo-engine.wasm
say "sizes:"
size "$built"
size wasm/pkg/nexxo-engine.wasm brotli
