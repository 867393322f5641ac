#!/usr/bin/env bash
# Builds the engine's one WebAssembly module and puts it where its hosts look for it:
#  - wasm/pkg/nexxo-engine.wasm: wasm32-wasip1 reactor, optimized with wasm-opt when installed;
#  - target/release/nexxo-engine.wasm: next to the `nexxo` binary (`--engine wasm`, `nexxo worker`);
#  - web/public/engine/: the Web Worker, the JS host and the module, for the playground.
# Prints the module's raw and gzip size.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[36m[wasm]\033[0m %s\n' "$*"; }
size() {
  local raw gz
  raw=$(stat -c %s "$1")
  gz=$(gzip -9c "$1" | wc -c)
  awk -v f="$1" -v r="$raw" -v g="$gz" 'BEGIN { printf "  %-40s %7.2f MB raw, %6.2f MB gzip\n", f, r / 1e6, g / 1e6 }'
}

say "engine for WASM hosts (wasm32-wasip1)"
cargo build --release --locked -p nexxo_engine_wasm --target wasm32-wasip1
built=target/wasm32-wasip1/release/nexxo_engine_wasm.wasm
mkdir -p wasm/pkg
if [ wasm/pkg/nexxo-engine.wasm -nt "$built" ]; then
  say "wasm/pkg/nexxo-engine.wasm is up to date"
elif command -v wasm-opt >/dev/null; then
  started=$(date +%s)
  # -O2, not -Oz: the engine is compute-bound; -O2 shrinks it nearly as much and keeps it fast.
  wasm-opt -O2 --strip-debug --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-multivalue --enable-reference-types "$built" -o wasm/pkg/nexxo-engine.wasm.tmp
  mv wasm/pkg/nexxo-engine.wasm.tmp wasm/pkg/nexxo-engine.wasm
  say "wasm-opt -O2 in $(($(date +%s) - started)) s"
else
  say "wasm-opt not found: using the unoptimized module"
  cp "$built" wasm/pkg/nexxo-engine.wasm
fi
cp wasm/pkg/nexxo-engine.wasm target/release/nexxo-engine.wasm
mkdir -p web/public/engine
cp worker/nexxo-worker.js wasm/js/nexxo.js wasm/pkg/nexxo-engine.wasm web/public/engine/
say "sizes:"
size "$built"
size wasm/pkg/nexxo-engine.wasm
