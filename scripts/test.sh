#!/usr/bin/env bash
# The whole test suite: Rust unit tests, then end-to-end tests that drive the real binary,
# run bundles in Node and pages in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --release --locked --workspace --all-targets -- -D warnings
cargo build --release --locked -p nexxo
bash scripts/build-wasm.sh
cargo test --release --locked --workspace
# Dependency advisories, offline against the pinned RustSec database (audit/).
bash scripts/audit.sh
rm -rf tests/.tmp
(cd tests && node --test --test-concurrency=1 e2e/)
