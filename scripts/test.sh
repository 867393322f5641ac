#!/usr/bin/env bash
# The whole test suite: Rust unit tests, then end-to-end tests that drive the real binary,
# run bundles in Node and pages in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --release --locked --workspace --all-targets -- -D warnings
cargo build --release --locked -p nexxo
# The performance gate: instructions of `nexxo build --force` on a fixed app (callgrind), against
# benches/gate-baseline.json; more than 5% over fails, naming the component that grew.
node benches/gate.mjs
bash scripts/build-wasm.sh
bash scripts/build-bindgen.sh
cargo test --release --locked --workspace
# Dependency advisories, offline against the pinned RustSec database (audit/).
bash scripts/audit.sh
# Every fuzz target for 20 s, one at a time (a busy core can pass for a hang), from a fixed seed, so a landing is not decided by chance (run it locally
# without --seed to explore further; cargo test above replayed the seeds and regressions);
# a crash, hang or misplaced error position fails the run and is saved under
# crates/nexxo_fuzz/regressions/.
cargo run --release --locked -p nexxo_fuzz -- all --seconds 20 --jobs 1 --seed 20261125
rm -rf tests/.tmp
# A file whose test fails is run once more; a failure that passes then is printed as FLAKY.
node tests/run-e2e.mjs
