//! Nexxo's fuzzer: every surface that takes input from a user or a client (JS/TS modules, CSS,
//! HTML pages, `nexxo.config.json`, `.env`, `nexxo worker` request bodies, dev/preview URL
//! paths) is fed mutated inputs, and each run is checked for panics, hangs, and diagnostics whose
//! position (or code frame) does not point inside the input.
//!
//! ```sh
//! cargo run --release -p nexxo_fuzz -- all --seconds 60     # every target, 60 s each
//! cargo run --release -p nexxo_fuzz -- css --seconds 600    # one target
//! cargo run --release -p nexxo_fuzz -- replay all           # seeds and saved regressions once
//! ```
//!
//! # Why not cargo-fuzz
//!
//! cargo-fuzz needs a nightly toolchain and libFuzzer's sanitizer-coverage instrumentation. The
//! project builds on stable Rust 1.97 (`rust-toolchain.toml`), and CI machines are set up by
//! `scripts/setup.sh` with that toolchain only, so a nightly-only fuzzer would not run in CI,
//! and instrumenting rolldown + oxc + lightningcss a second time would cost CI another long
//! build. This crate is an ordinary workspace member built by the same `cargo build` on stable:
//!
//! - a structure-aware mutator ([`mutate`]) driven by a seeded PRNG (SplitMix64), so a run is
//!   reproduced by its seed: byte flips, inserted, deleted, duplicated, repeated and swapped
//!   ranges, splices from other inputs, brackets and quotes wrapped thousands deep, multi-byte
//!   characters, CRLF and lone CR line ends, BOMs, truncation, and a dictionary per target;
//! - feedback without coverage instrumentation: an input whose outcome has a new shape (a new
//!   error message, a new shape of result) joins the corpus;
//! - a seed corpus per target in `corpus/<target>/`, whose file extension decides the syntax
//!   (`.tsx`, `.module.css`);
//! - each input runs on a thread with the hosts' parser stack (1 GiB reserved) under
//!   `catch_unwind`, with a time bound; the runner is a supervisor process that restarts its
//!   child after what cannot be caught (a stack overflow aborts the process) or stopped (a hang).
//!
//! A finding is saved to `regressions/<target>/<kind>-<hash>.<ext>` (minimized when it is a
//! panic or a broken property) and the run exits 1. `cargo test -p nexxo_fuzz` replays every
//! seed and regression input and runs each target briefly; `scripts/test.sh` runs each target
//! for a bounded time. Without coverage guidance this finds less per second than libFuzzer
//! would on deep logic; it is aimed at what the issues showed breaks Nexxo: nesting, odd
//! characters, positions, and encodings.

pub mod check;
pub mod mutate;
pub mod run;
pub mod targets;

pub use targets::{TARGETS, Target, target};
