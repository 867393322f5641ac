//! The session's parallel jobs, handed to the host: wasmtime runs them on its pool of engine
//! instances (one per core) while this instance waits, since an instance has one thread; a
//! browser worker (worker/nexxo-worker.js) on its helper workers, the instance suspended by JSPI
//! while they work.

use nexxo_engine::nexxo_dev::jobs::{Done, Job};

#[link(wasm_import_module = "nexxo_host")]
unsafe extern "C" {
    /// Runs the jobs in `jobs[..len]` (JSON) and writes their results (JSON) into `buf`; returns
    /// the results' size (call again with a bigger buffer when it exceeds `cap`: the host keeps
    /// the answer), or -1 when the host has no pool (then this instance runs them).
    fn jobs_run(jobs: *const u8, len: usize, buf: *mut u8, cap: usize) -> i64;
}

/// The jobs' results from the host's pool, or `None` when it has none or it failed.
pub fn run(jobs: &[Job]) -> Option<Vec<Done>> {
    let input = serde_json::to_vec(jobs).ok()?;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        // SAFETY: the host reads `input` and writes at most `buf.len()` bytes into `buf`, during
        // the call only.
        let n = unsafe { jobs_run(input.as_ptr(), input.len(), buf.as_mut_ptr(), buf.len()) };
        let n = usize::try_from(n).ok()?;
        if n <= buf.len() {
            buf.truncate(n);
            break;
        }
        buf = vec![0u8; n];
    }
    let done: Vec<Done> = serde_json::from_slice(&buf).ok()?;
    // A short answer would shift every result after the gap onto the wrong module.
    (done.len() == jobs.len()).then_some(done)
}
