//! HTTP helpers shared by the preview and dev servers. They live in `crates/nexxo_http_util` so
//! the fuzzer (`crates/nexxo_fuzz`, target `url`) drives the very code the servers run.

pub use nexxo_http_util::{mime, safe_path};
