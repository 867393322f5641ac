#!/usr/bin/env bash
# Builds the per-file module (wasm/bindgen: TS/JSX with Fast Refresh, CSS and CSS modules) for
# wasm32-unknown-unknown and generates its JS and TypeScript with wasm-bindgen into
# wasm/bindgen/pkg (an ESM `--target web` package: nexxo_bindgen.js, .d.ts, _bg.wasm). Needs the
# wasm-bindgen CLI at the version in Cargo.lock:
#   cargo install wasm-bindgen-cli --version "$(version)" --locked
# Measured against the WASI engine in benches/README.md ("wasm-bindgen per-file module").
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[36m[bindgen]\033[0m %s\n' "$*"; }
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')
if [ "$have" != "$want" ]; then
  echo "wasm-bindgen CLI $want is needed (found: ${have:-none}): cargo install wasm-bindgen-cli --version $want --locked" >&2
  exit 1
fi
say "per-file module (wasm32-unknown-unknown, profile wasm)"
cargo build --profile wasm --locked -p nexxo_bindgen --target wasm32-unknown-unknown
built=target/wasm32-unknown-unknown/wasm/nexxo_bindgen.wasm
if command -v wasm-opt >/dev/null; then
  # Before wasm-bindgen, not after: wasm-opt 108 (Ubuntu's binaryen) rewrites the externref table
  # wasm-bindgen adds, and initSync then fails ("function-typed object must be null ... or a Wasm
  # function object"). The same flags as the engine's (scripts/build-wasm.sh).
  wasm-opt -Os --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-multivalue --enable-reference-types "$built" \
    -o target/wasm32-unknown-unknown/wasm/nexxo_bindgen.opt.wasm
  built=target/wasm32-unknown-unknown/wasm/nexxo_bindgen.opt.wasm
fi
rm -rf wasm/bindgen/pkg
wasm-bindgen --target web --out-name nexxo_bindgen --out-dir wasm/bindgen/pkg "$built"
out=wasm/bindgen/pkg/nexxo_bindgen_bg.wasm
# The npm package layout (the CLI writes none; wasm-pack would): an ESM entry, its types and the module
# beside it, so `npm pack wasm/bindgen/pkg` gives a publishable package.
version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
cat >wasm/bindgen/pkg/package.json <<JSON
{
  "name": "@nexxo/bindgen",
  "version": "$version",
  "description": "Nexxo's per-file transforms (TS/JSX with React Fast Refresh, CSS and CSS modules) as a typed WebAssembly module",
  "license": "MIT",
  "type": "module",
  "main": "./nexxo_bindgen.js",
  "types": "./nexxo_bindgen.d.ts",
  "exports": { ".": { "types": "./nexxo_bindgen.d.ts", "default": "./nexxo_bindgen.js" }, "./nexxo_bindgen_bg.wasm": "./nexxo_bindgen_bg.wasm" },
  "files": ["nexxo_bindgen.js", "nexxo_bindgen.d.ts", "nexxo_bindgen_bg.wasm", "nexxo_bindgen_bg.wasm.d.ts"],
  "sideEffects": false
}
JSON
say "$(stat -c %s "$out") bytes raw, $(gzip -9c "$out" | wc -c) gzip: $out"
