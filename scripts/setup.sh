#!/usr/bin/env bash
# Installs everything a fresh machine lacks, idempotently, then builds the `nexxo` binary.
# Safe to run again: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[36m[setup]\033[0m %s\n' "$*"; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Debian packages: Chromium for browser tests, clang/libclang for crates that run bindgen,
# binaryen for wasm-opt, valgrind for the performance gate (benches/gate.mjs).
need_apt=()
for pkg in chromium clang libclang-dev binaryen valgrind; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Rust toolchain pinned by rust-toolchain.toml (rustup will not auto-install it here).
TOOLCHAIN=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup toolchain list | grep -q "^$TOOLCHAIN"; then
  say "installing Rust $TOOLCHAIN"
  rustup toolchain install "$TOOLCHAIN" --profile minimal --component rustfmt,clippy
fi
installed_targets=$(rustup target list --installed --toolchain "$TOOLCHAIN")
for t in wasm32-unknown-unknown wasm32-wasip1 wasm32-wasip2; do
  grep -qx "$t" <<<"$installed_targets" || rustup target add --toolchain "$TOOLCHAIN" "$t"
done
rustup component list --installed --toolchain "$TOOLCHAIN" | grep -q '^rustfmt' ||
  rustup component add --toolchain "$TOOLCHAIN" rustfmt clippy

# npm packages: the test harness (playwright-core, react), the examples', the playground's, and
# host/runtime's (JavaScript the binary embeds at build time, see host/build.rs: before cargo).
for dir in tests examples/react-ts web host/runtime; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# Cloudflare's workerd for the edge worker test. Not in tests/package.json: npm leaves its other
# platforms' optional packages out of the lock file, and `npm ci` then refuses the lock.
WORKERD_VERSION=1.20261117.1
if [ "$(tests/.tools/node_modules/.bin/workerd --version 2>/dev/null)" = "" ] ||
  ! grep -q "\"version\": \"$WORKERD_VERSION\"" tests/.tools/node_modules/workerd/package.json 2>/dev/null; then
  say "installing workerd $WORKERD_VERSION (tests/.tools)"
  mkdir -p tests/.tools
  echo '{ "private": true }' >tests/.tools/package.json
  (cd tests/.tools && npm install --no-audit --no-fund --loglevel=error "workerd@$WORKERD_VERSION")
fi

# cargo-audit for scripts/audit.sh (the offline RustSec check in scripts/test.sh), pinned, built
# with the dependency versions it was released with. Built once: 8 CPU-minutes (11.5 min wall
# measured on a busy 2-core machine).
CARGO_AUDIT_VERSION=0.22.2
if ! cargo install --list | grep -q "^cargo-audit v$CARGO_AUDIT_VERSION:"; then
  say "installing cargo-audit $CARGO_AUDIT_VERSION"
  cargo install --locked --quiet --no-default-features cargo-audit --version "$CARGO_AUDIT_VERSION"
fi

# The wasm-bindgen CLI for the per-file module (scripts/build-bindgen.sh): the version of the
# wasm-bindgen crate in Cargo.lock, which its generated JS must match. Built once (~4 min here).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # --locked first; a registry mirror that lacks one of its locked dependencies (seen: webpki-roots
  # 1.0.11) gets the newest compatible versions instead.
  cargo install --locked --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" ||
    cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

say "building nexxo (release)"
cargo build --release --locked -p nexxo
bash scripts/build-wasm.sh
bash scripts/build-bindgen.sh
say "done: target/release/nexxo, the WASM engine (wasm/pkg/nexxo-engine.wasm, which \`nexxo build web\` bundles) and the per-file module (wasm/bindgen/pkg)"
