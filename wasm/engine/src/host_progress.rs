//! A build's stages, told to the host as they begin: the JavaScript host hands them to `build`'s
//! `onProgress` (an IDE's worker shows them after the file reads it counts); wasmtime ignores
//! them.

use std::sync::Arc;

use nexxo_engine::{OnStage, Stage};

#[link(wasm_import_module = "nexxo_host")]
unsafe extern "C" {
    /// `stage`: its index in `Stage::ALL` (0 load, 1 link, 2 render, 3 finish).
    fn progress(stage: u32);
}

/// The reporter every build of this instance is given.
pub fn reporter() -> OnStage {
    Arc::new(|stage: Stage| {
        let index = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0) as u32;
        // SAFETY: the host only reads the number.
        unsafe { progress(index) }
    })
}
