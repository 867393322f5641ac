//! `nexxo dev --engine wasm`'s pool: engine instances that run the session's parallel jobs
//! (module transforms, runner forms) while the instance holding the session waits for them.
//! One instance has one thread; the pool is how the sandboxed dev server uses every core.
//! The instances see no files: a job carries everything it needs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::wasm_engine::{HostJobs, Limits, Resident, Services, WasmEngine};

pub struct Pool {
    engine: Arc<WasmEngine>,
    /// One slot per core; a slot is filled on first use and emptied when its instance fails.
    workers: Vec<Mutex<Option<Resident>>>,
    limits: Limits,
}

impl Pool {
    pub fn new(engine: Arc<WasmEngine>, size: usize, limits: Limits) -> Self {
        Self { engine, workers: (0..size.max(1)).map(|_| Mutex::new(None)).collect(), limits }
    }

    /// Runs one batch on worker `i`; `None` when the instance failed (it is retired).
    fn run_batch(&self, i: usize, batch: &[Value]) -> Option<Vec<Value>> {
        let mut slot = self.workers[i].lock().ok()?;
        if slot.is_none() {
            *slot = Some(self.engine.resident(&[], self.limits, Services::default()).ok()?);
        }
        let call = serde_json::to_vec(&json!({ "op": "dev.jobs", "jobs": batch })).ok()?;
        let answer = slot.as_mut()?.call(&call).inspect_err(|_| *slot = None).ok()?;
        let mut answer: Value = serde_json::from_slice(&answer).ok()?;
        match answer["done"].take() {
            Value::Array(done) if done.len() == batch.len() => Some(done),
            _ => None,
        }
    }
}

impl HostJobs for Pool {
    fn run(&self, jobs: &[u8]) -> Option<Vec<u8>> {
        let jobs: Vec<Value> = serde_json::from_slice(jobs).ok()?;
        // One job is not worth a round trip through another instance.
        if jobs.len() < 2 {
            return None;
        }
        // Small batches taken in turn keep every worker busy when job sizes differ (a large
        // component next to a one-line re-export); a call per job would cost more than most jobs.
        let size = jobs.len().div_ceil(self.workers.len() * 4).max(1);
        let batches: Vec<&[Value]> = jobs.chunks(size).collect();
        let results: Vec<Mutex<Option<Vec<Value>>>> = batches.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for i in 0..self.workers.len().min(batches.len()) {
                let (batches, results, next) = (&batches, &results, &next);
                scope.spawn(move || {
                    loop {
                        let b = next.fetch_add(1, Ordering::Relaxed);
                        let Some(batch) = batches.get(b) else { break };
                        let Some(done) = self.run_batch(i, batch) else { break };
                        *results[b].lock().expect("pool results") = Some(done);
                    }
                });
            }
        });
        // Any batch missing (a worker failed): the session's instance runs all of them itself.
        let mut all = Vec::with_capacity(jobs.len());
        for r in results {
            all.extend(r.into_inner().ok()??);
        }
        serde_json::to_vec(&all).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The engine module `scripts/test.sh` builds before `cargo test`.
    fn engine() -> Arc<WasmEngine> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/nexxo-engine.wasm");
        Arc::new(WasmEngine::load(&path, 1).expect("the engine module (bash scripts/build-wasm.sh)"))
    }

    fn runner_jobs(n: usize) -> Vec<u8> {
        let jobs: Vec<Value> = (0..n)
            .map(|i| json!({ "job": "runner", "url": format!("/m{i}.js"), "code": format!("export const v{i} = {i};\n") }))
            .collect();
        serde_json::to_vec(&jobs).expect("jobs")
    }

    #[test]
    fn a_failing_instance_declines_the_batch_and_is_retired() {
        let engine = engine();
        // Instances that cannot get the memory they need fail (deterministically, unlike a time
        // limit, which a fast enough job beats): the pool answers nothing, so the session's own
        // instance runs the batch, and keeps no broken instance.
        let failing = Pool::new(Arc::clone(&engine), 2, Limits { memory_bytes: 64 << 10, ..Limits::default() });
        assert!(failing.run(&runner_jobs(8)).is_none());
        assert!(failing.workers.iter().all(|w| w.lock().expect("slot").is_none()), "failed instances are retired");
        // A working pool answers every job, in the jobs' order, whichever instance ran it.
        let pool = Pool::new(engine, 2, Limits::default());
        let done: Vec<Value> = serde_json::from_slice(&pool.run(&runner_jobs(8)).expect("answers")).expect("json");
        assert_eq!(done.len(), 8);
        for (i, d) in done.iter().enumerate() {
            assert_eq!(d["done"], "runner");
            assert!(d["code"].as_str().is_some_and(|c| c.contains(&format!("v{i}"))), "{d}");
        }
    }
}
