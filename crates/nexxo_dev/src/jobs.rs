//! The session's parallel work, as data: transforming a module and converting a served module to
//! its runner form. Both are pure functions of their input, so a host may run them wherever it
//! has cores (rayon natively, a pool of engine instances under wasmtime, see
//! [`DevHost::run_jobs`](crate::DevHost::run_jobs)) and the session gets the same bytes.

use nexxo_transform::Module;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "camelCase")]
pub enum Job {
    /// `nexxo_transform::transform` of `source`, named `rel` (root-relative) in diagnostics.
    Transform { rel: String, source: String, options: nexxo_transform::Options },
    /// `nexxo_transform::to_runner` of a served module.
    Runner { url: String, code: String },
}

/// A job's result. A failure carries no diagnostic: whoever needs it runs that one job again
/// locally (failures are rare, and this keeps diagnostics out of the wire format).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "done", rename_all = "camelCase")]
pub enum Done {
    Module { module: Module },
    Runner { code: String },
    Failed,
}

impl Job {
    pub fn run(&self) -> Done {
        match self {
            Job::Transform { rel, source, options } => match nexxo_transform::transform(rel, source, options) {
                Ok(module) => Done::Module { module },
                Err(_) => Done::Failed,
            },
            Job::Runner { url, code } => match nexxo_transform::to_runner(url, code) {
                Ok(code) => Done::Runner { code },
                Err(_) => Done::Failed,
            },
        }
    }
}

/// Runs `jobs` on this process's cores (one core in WASM), in order.
pub fn run_all(jobs: &[Job]) -> Vec<Done> {
    jobs.par_iter().map(Job::run).collect()
}
