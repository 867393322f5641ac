//! Runs the engine's WASM build (`nexxo-engine.wasm`, see `wasm/engine`) in wasmtime.
//!
//! Every job gets a fresh instance, made from a module compiled once and pre-linked
//! (`InstancePre`), so no state leaks from one job to the next. A fixed number of slots (one per
//! core by default) bounds how many run at once. Each job has a memory cap, an epoch deadline, a
//! cap on its answer, and sees only what the host hands in: the call, and files under the given
//! roots, which the host reads for it (`nexxo_host` imports; WASI has no directories to offer).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use nexxo_engine::nexxo_memfs::normalize;
use wasmtime::{Caller, Config, Engine, InstancePre, Linker, Memory, Module, ResourceLimiter, Store, Trap, TypedFunc};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

const TICK: Duration = Duration::from_millis(10);
const ENGINE_FILE: &str = "nexxo-engine.wasm";
const CARGO_FILE: &str = "nexxo_engine_wasm.wasm";

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub memory_bytes: usize,
    pub timeout: Duration,
    pub max_output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { memory_bytes: 2 << 30, timeout: Duration::from_secs(120), max_output_bytes: 1 << 30 }
    }
}

#[derive(Debug)]
pub enum JobError {
    Timeout(Duration),
    OutOfMemory(usize),
    OutputTooLarge(usize),
    /// The guest trapped or exited with an error; the text says how.
    Failed(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Timeout(t) => write!(f, "the job exceeded its time limit of {} ms", t.as_millis()),
            JobError::OutOfMemory(m) => write!(f, "the job exceeded its memory limit of {} MiB", m >> 20),
            JobError::OutputTooLarge(m) => write!(f, "the job's output exceeded {} MiB", m >> 20),
            JobError::Failed(why) => write!(f, "the WASM engine failed: {why}"),
        }
    }
}

struct JobState {
    wasi: WasiP1Ctx,
    limiter: MemoryCap,
    files: HostFiles,
    /// Where the instance's `jobs_run` calls go (a resident dev session's pool), if anywhere.
    jobs: Option<Arc<dyn HostJobs>>,
    /// The project's persistent cache, for a resident dev session (`cache_*` imports).
    cache: Option<Arc<crate::cache::Cache>>,
    /// The last answer that did not fit the engine's buffer, keyed by the call (see
    /// [`give_retained`]).
    retained: Option<(u128, Vec<u8>)>,
}

/// What a resident instance may use besides files: a pool for its jobs, the persistent cache.
#[derive(Default, Clone)]
pub struct Services {
    pub jobs: Option<Arc<dyn HostJobs>>,
    pub cache: Option<Arc<crate::cache::Cache>>,
}

/// The engine's cache entries live under their own prefix: what a sandboxed (possibly hostile)
/// project writes is never read by a native `nexxo dev` of the same directory.
fn sandboxed_key(key: &[u8]) -> Vec<u8> {
    [b"wasm\0".as_slice(), key].concat()
}

fn link_host_cache(linker: &mut Linker<JobState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        "nexxo_host",
        "cache_get",
        |mut caller: Caller<'_, JobState>, ptr: u32, len: u32, buf: u32, cap: u32| -> i64 {
            let Some(cache) = caller.data().cache.clone() else { return -1 };
            let Some(key) = guest_bytes(&mut caller, ptr, len) else { return -1 };
            give_retained(&mut caller, b"cache_get", &key, buf, cap, |_| cache.get(&sandboxed_key(&key)))
        },
    )?;
    linker.func_wrap(
        "nexxo_host",
        "cache_put",
        |mut caller: Caller<'_, JobState>, ptr: u32, len: u32, value: u32, value_len: u32| {
            let Some(cache) = caller.data().cache.clone() else { return };
            if let (Some(key), Some(value)) =
                (guest_bytes(&mut caller, ptr, len), guest_bytes(&mut caller, value, value_len))
            {
                cache.put(&sandboxed_key(&key), &value);
            }
        },
    )?;
    linker.func_wrap("nexxo_host", "cache_forget", |mut caller: Caller<'_, JobState>, ptr: u32, len: u32| {
        let Some(cache) = caller.data().cache.clone() else { return };
        if let Some(key) = guest_bytes(&mut caller, ptr, len) {
            cache.forget(&sandboxed_key(&key));
        }
    })?;
    Ok(())
}

/// Runs a batch of an instance's jobs elsewhere (JSON in, JSON out): the pool of engine
/// instances behind `nexxo dev --engine wasm`. `None` when it could not; the instance then runs
/// them itself.
pub trait HostJobs: Send + Sync {
    fn run(&self, jobs: &[u8]) -> Option<Vec<u8>>;
}

/// The project's files as the engine sees them through the `nexxo_host` imports: only paths
/// inside the roots, judged after symlinks are resolved, read natively by the host.
struct HostFiles {
    roots: Vec<PathBuf>,
    /// Directory -> whether it lies inside a root once resolved (checked once per directory).
    dirs: HashMap<PathBuf, bool>,
}

impl HostFiles {
    fn inside(&self, p: &Path) -> bool {
        self.roots.iter().any(|r| p.starts_with(r))
    }

    /// A directory above a root: the resolver walks up through these looking for `node_modules`,
    /// so they show as directories, and nothing more.
    fn above_root(&self, path: &Path) -> bool {
        let p = normalize(path);
        self.roots.iter().any(|r| r.starts_with(&p) && *r != p)
    }

    /// `path` if the engine may see it.
    fn confine(&mut self, path: &Path) -> Option<PathBuf> {
        let p = normalize(path);
        if !self.inside(&p) {
            return None;
        }
        if self.roots.contains(&p) {
            return Some(p);
        }
        let parent = p.parent()?.to_path_buf();
        let ok = match self.dirs.get(&parent) {
            Some(ok) => *ok,
            None => {
                let ok = std::fs::canonicalize(&parent).is_ok_and(|c| self.inside(&c));
                self.dirs.insert(parent, ok);
                ok
            }
        };
        if !ok {
            return None;
        }
        let is_link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        if is_link && !std::fs::canonicalize(&p).is_ok_and(|c| self.inside(&c)) {
            return None;
        }
        Some(p)
    }
}

fn guest_memory(caller: &mut Caller<'_, JobState>) -> Option<Memory> {
    caller.get_export("memory").and_then(|e| e.into_memory())
}

fn guest_path(caller: &mut Caller<'_, JobState>, ptr: u32, len: u32) -> Option<PathBuf> {
    let mem = guest_memory(caller)?;
    let bytes = mem.data(&*caller).get(ptr as usize..(ptr as usize).checked_add(len as usize)?)?;
    std::str::from_utf8(bytes).ok().map(PathBuf::from)
}

/// Copies `data` into the guest's `buf` when it fits; returns its length (the guest retries with
/// a bigger buffer when that exceeds `cap`), or -1 when `buf` is not guest memory.
fn give(caller: &mut Caller<'_, JobState>, data: &[u8], buf: u32, cap: u32) -> i64 {
    if data.len() <= cap as usize {
        let Some(mem) = guest_memory(caller) else { return -1 };
        let Some(dst) = mem.data_mut(&mut *caller).get_mut(buf as usize..buf as usize + data.len()) else { return -1 };
        dst.copy_from_slice(data);
    }
    data.len() as i64
}

/// [`give`] for an answer that is costly to make again (a file read, a batch of jobs, a cache
/// lookup): when it does not fit, it is kept for the engine's second call with a bigger buffer,
/// keyed by the function and its input, instead of being made twice. `make` answers `None` for
/// "missing" (-1 to the engine).
fn give_retained(
    caller: &mut Caller<'_, JobState>,
    function: &[u8],
    input: &[u8],
    buf: u32,
    cap: u32,
    make: impl FnOnce(&mut JobState) -> Option<Vec<u8>>,
) -> i64 {
    let key = xxhash_rust::xxh3::xxh3_128(&[function, b"\0", input].concat());
    let answer = match caller.data_mut().retained.take() {
        Some((k, answer)) if k == key => answer,
        _ => match make(caller.data_mut()) {
            Some(answer) => answer,
            None => return -1,
        },
    };
    let n = give(caller, &answer, buf, cap);
    if n > i64::from(cap) {
        caller.data_mut().retained = Some((key, answer));
    }
    n
}

fn guest_bytes(caller: &mut Caller<'_, JobState>, ptr: u32, len: u32) -> Option<Vec<u8>> {
    let mem = guest_memory(caller)?;
    mem.data(&*caller).get(ptr as usize..(ptr as usize).checked_add(len as usize)?).map(<[u8]>::to_vec)
}

fn link_host_jobs(linker: &mut Linker<JobState>) -> wasmtime::Result<()> {
    // A build's stages (see wasm/engine/src/host_progress.rs): this host shows none of them.
    linker.func_wrap("nexxo_host", "progress", |_stage: u32| {})?;
    linker.func_wrap(
        "nexxo_host",
        "jobs_run",
        |mut caller: Caller<'_, JobState>, ptr: u32, len: u32, buf: u32, cap: u32| -> i64 {
            let Some(pool) = caller.data().jobs.clone() else { return -1 };
            let Some(input) = guest_bytes(&mut caller, ptr, len) else { return -1 };
            give_retained(&mut caller, b"jobs_run", &input, buf, cap, |_| pool.run(&input))
        },
    )?;
    Ok(())
}

fn link_host_files(linker: &mut Linker<JobState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        "nexxo_host",
        "fs_stat",
        |mut caller: Caller<'_, JobState>, ptr: u32, len: u32, follow: u32| -> i32 {
            let Some(path) = guest_path(&mut caller, ptr, len) else { return -1 };
            if caller.data().files.above_root(&path) {
                return 2;
            }
            let Some(path) = caller.data_mut().files.confine(&path) else { return -1 };
            let meta = if follow != 0 { std::fs::metadata(&path) } else { std::fs::symlink_metadata(&path) };
            match meta {
                Ok(m) => {
                    i32::from(m.is_file()) | (i32::from(m.is_dir()) << 1) | (i32::from(m.file_type().is_symlink()) << 2)
                }
                Err(_) => -1,
            }
        },
    )?;
    linker.func_wrap(
        "nexxo_host",
        "fs_read",
        |mut caller: Caller<'_, JobState>, ptr: u32, len: u32, buf: u32, cap: u32| -> i64 {
            let Some(path) = guest_path(&mut caller, ptr, len) else { return -1 };
            let call = path.as_os_str().as_encoded_bytes().to_vec();
            give_retained(&mut caller, b"fs_read", &call, buf, cap, |state| {
                std::fs::read(state.files.confine(&path)?).ok()
            })
        },
    )?;
    linker.func_wrap(
        "nexxo_host",
        "fs_path",
        |mut caller: Caller<'_, JobState>, ptr: u32, len: u32, what: u32, buf: u32, cap: u32| -> i64 {
            let Some(path) = guest_path(&mut caller, ptr, len) else { return -1 };
            let files = &mut caller.data_mut().files;
            let Some(path) = files.confine(&path) else { return -1 };
            let answer = match what {
                0 => std::fs::read_link(&path).ok().map(|t| t.to_string_lossy().into_owned()),
                1 => std::fs::canonicalize(&path)
                    .ok()
                    .filter(|c| files.inside(c))
                    .map(|c| c.to_string_lossy().into_owned()),
                _ => std::fs::read_dir(&path).ok().map(|entries| {
                    let mut names: Vec<String> =
                        entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
                    names.sort();
                    names.join("\n")
                }),
            };
            match answer {
                Some(text) => give(&mut caller, text.as_bytes(), buf, cap),
                None => -1,
            }
        },
    )?;
    Ok(())
}

/// Refuses memory growth past the cap and remembers that it did, so a trap that follows can be
/// reported as what it is.
struct MemoryCap {
    cap: usize,
    refused: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        let ok = desired <= self.cap;
        self.refused |= !ok;
        Ok(ok)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

/// Counts free slots; `acquire` blocks until one is free.
struct Slots {
    free: Mutex<usize>,
    cv: Condvar,
}

impl Slots {
    fn acquire(&self) -> SlotGuard<'_> {
        let mut free = self.free.lock().expect("slots");
        while *free == 0 {
            free = self.cv.wait(free).expect("slots");
        }
        *free -= 1;
        SlotGuard(self)
    }
}

struct SlotGuard<'a>(&'a Slots);

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().expect("slots") += 1;
        self.0.cv.notify_one();
    }
}

pub struct WasmEngine {
    engine: Engine,
    pre: InstancePre<JobState>,
    slots: Slots,
    ticking: Arc<AtomicBool>,
    /// How the compiled module was obtained, for the user: "compiled in N ms" or "cached".
    pub load_note: String,
}

impl Drop for WasmEngine {
    fn drop(&mut self) {
        self.ticking.store(false, Ordering::Relaxed);
    }
}

/// Where the engine's `.wasm` is: `NEXXO_ENGINE_WASM`, next to the `nexxo` binary, or in the
/// cargo target directory layout (`target/release/nexxo` next to `target/wasm32-wasip1/wasm`, the
/// output of the `wasm` profile).
pub fn locate_engine() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("NEXXO_ENGINE_WASM") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the nexxo binary: {e}"))?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    let candidates = [dir.join(ENGINE_FILE), dir.join("../wasm32-wasip1/wasm").join(CARGO_FILE)];
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        format!(
            "the WASM engine is not built (looked for {} and {}).\nhint: run `bash scripts/build-wasm.sh` \
             (scripts/setup.sh does), or set NEXXO_ENGINE_WASM",
            candidates[0].display(),
            candidates[1].display()
        )
    })
}

fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("nexxo")
}

impl WasmEngine {
    /// Loads the engine with `slots` parallel instances. The module is compiled once and the
    /// machine code kept in the user's cache directory, keyed by the module's bytes and the
    /// wasmtime version; a stale or damaged copy is recompiled.
    pub fn load(wasm_path: &Path, slots: usize) -> Result<Self, String> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| format!("cannot start wasmtime: {e}"))?;
        let bytes = std::fs::read(wasm_path).map_err(|e| format!("cannot read {}: {e}", wasm_path.display()))?;
        // wasmtime refuses code compiled by another version or with other settings; then the
        // module is compiled anew and the cached copy replaced.
        let key = xxhash_rust::xxh3::xxh3_128(&bytes);
        let cached = cache_dir().join(format!("engine-{key:032x}.cwasm"));
        let started = Instant::now();
        // SAFETY: the file is one Nexxo wrote itself into the user's own cache directory (written
        // to a temporary name, then renamed); wasmtime checks its header and engine settings.
        let module = match unsafe { Module::deserialize_file(&engine, &cached) } {
            Ok(m) => {
                let note = format!("compiled engine loaded from cache in {} ms", started.elapsed().as_millis());
                (m, note)
            }
            Err(_) => {
                let compiled =
                    engine.precompile_module(&bytes).map_err(|e| format!("cannot compile the engine: {e}"))?;
                store_compiled(&cached, &compiled);
                // SAFETY: these bytes were produced by `precompile_module` of this very engine.
                let m = unsafe { Module::deserialize(&engine, &compiled) }
                    .map_err(|e| format!("cannot load the compiled engine: {e}"))?;
                (m, format!("engine compiled in {} ms (cached for next time)", started.elapsed().as_millis()))
            }
        };
        let (module, load_note) = module;
        let mut linker: Linker<JobState> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut JobState| &mut s.wasi)
            .map_err(|e| format!("cannot link WASI: {e}"))?;
        link_host_files(&mut linker).map_err(|e| format!("cannot link the host file functions: {e}"))?;
        link_host_jobs(&mut linker).map_err(|e| format!("cannot link the host job function: {e}"))?;
        link_host_cache(&mut linker).map_err(|e| format!("cannot link the host cache functions: {e}"))?;
        let pre = linker.instantiate_pre(&module).map_err(|e| format!("cannot link the engine: {e}"))?;
        let ticking = Arc::new(AtomicBool::new(true));
        let (tick_engine, alive) = (engine.clone(), Arc::clone(&ticking));
        std::thread::Builder::new()
            .name("nexxo-epoch".into())
            .spawn(move || {
                while alive.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    tick_engine.increment_epoch();
                }
            })
            .map_err(|e| format!("cannot start the epoch thread: {e}"))?;
        Ok(Self {
            engine,
            pre,
            slots: Slots { free: Mutex::new(slots.max(1)), cv: Condvar::new() },
            ticking,
            load_note,
        })
    }

    /// Runs one call (JSON in, JSON out); the engine may read files under `roots` (absolute,
    /// canonical) through the host. Blocks while all slots are busy.
    pub fn run(&self, input: Vec<u8>, roots: &[PathBuf], limits: Limits) -> Result<Vec<u8>, JobError> {
        let _slot = self.slots.acquire();
        let (mut store, stderr) = self.store(roots, limits, Services::default());
        match call(&self.pre, &mut store, &input, limits.max_output_bytes) {
            Ok(Some(out)) => Ok(out),
            Ok(None) => Err(JobError::OutputTooLarge(limits.max_output_bytes)),
            Err(e) => Err(job_error(&store, &e, limits, &stderr)),
        }
    }

    /// A store for one job or resident instance: the limits, the host's files under `roots`, and
    /// no preopened directories (WASI gives the engine a clock, randomness and stderr only).
    fn store(&self, roots: &[PathBuf], limits: Limits, services: Services) -> (Store<JobState>, MemoryOutputPipe) {
        let stderr = MemoryOutputPipe::new(64 << 10);
        let mut builder = WasiCtxBuilder::new();
        builder.stderr(stderr.clone());
        let state = JobState {
            wasi: builder.build_p1(),
            limiter: MemoryCap { cap: limits.memory_bytes, refused: false },
            files: HostFiles { roots: roots.to_vec(), dirs: HashMap::new() },
            jobs: services.jobs,
            cache: services.cache,
            retained: None,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_epoch_deadline((limits.timeout.as_millis() / TICK.as_millis()).max(1) as u64);
        store.epoch_deadline_trap();
        (store, stderr)
    }
}

/// What a failed call was: the memory cap, the time limit, an exit, or a trap (with the
/// engine's stderr, which holds a panic's message).
fn job_error(store: &Store<JobState>, e: &wasmtime::Error, limits: Limits, stderr: &MemoryOutputPipe) -> JobError {
    if store.data().limiter.refused {
        JobError::OutOfMemory(limits.memory_bytes)
    } else if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        JobError::Timeout(limits.timeout)
    } else if let Some(code) = e.downcast_ref::<I32Exit>() {
        JobError::Failed(format!("the engine exited with code {}", code.0))
    } else {
        let log = String::from_utf8_lossy(&stderr.contents()).trim().to_string();
        JobError::Failed(if log.is_empty() { format!("{e:#}") } else { log })
    }
}

/// An instance that lives across calls and keeps its state between them: what `nexxo dev
/// --engine wasm` runs its DevSession in. Each call has the job limits (time per call, memory for
/// the instance's life). After a failed call the instance must not be used again (a trap can
/// leave it half-updated); [`Resident::call`] says so by its error.
pub struct Resident {
    store: Store<JobState>,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    run: TypedFunc<(u32, u32), u64>,
    free: TypedFunc<(u32, u32), ()>,
    limits: Limits,
    stderr: MemoryOutputPipe,
}

impl WasmEngine {
    /// A resident instance that may read files under `roots` through the host and use
    /// `services` (a pool for its jobs, the persistent cache).
    pub fn resident(&self, roots: &[PathBuf], limits: Limits, services: Services) -> Result<Resident, JobError> {
        let (mut store, stderr) = self.store(roots, limits, services);
        let failed = |e: wasmtime::Error| JobError::Failed(format!("{e:#}"));
        let instance = self.pre.instantiate(&mut store).map_err(failed)?;
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ()).map_err(failed)?;
        }
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| JobError::Failed("the engine exports no memory".into()))?;
        Ok(Resident {
            alloc: instance.get_typed_func(&mut store, "nexxo_alloc").map_err(failed)?,
            run: instance.get_typed_func(&mut store, "nexxo_call").map_err(failed)?,
            free: instance.get_typed_func(&mut store, "nexxo_free").map_err(failed)?,
            store,
            memory,
            limits,
            stderr,
        })
    }
}

impl Resident {
    /// One call (JSON in, JSON out) into the living instance.
    pub fn call(&mut self, input: &[u8]) -> Result<Vec<u8>, JobError> {
        let ticks = (self.limits.timeout.as_millis() / TICK.as_millis()).max(1) as u64;
        self.store.set_epoch_deadline(ticks);
        let result = (|| -> wasmtime::Result<Vec<u8>> {
            let len = u32::try_from(input.len()).map_err(|_| wasmtime::Error::msg("the call is larger than 4 GiB"))?;
            let ptr = self.alloc.call(&mut self.store, len)?;
            self.memory.write(&mut self.store, ptr as usize, input)?;
            let packed = self.run.call(&mut self.store, (ptr, len))?;
            let (out_ptr, out_len) = ((packed >> 32) as u32, (packed & 0xffff_ffff) as u32);
            let mut out = vec![0u8; out_len as usize];
            self.memory.read(&self.store, out_ptr as usize, &mut out)?;
            // The answer is the instance's memory; it lives on, so give it back.
            self.free.call(&mut self.store, (out_ptr, out_len))?;
            Ok(out)
        })();
        result.map_err(|e| job_error(&self.store, &e, self.limits, &self.stderr))
    }
}

/// Instantiates the reactor, writes the call into its memory and reads the answer back;
/// `None` when the answer is larger than `max_output`.
fn call(
    pre: &InstancePre<JobState>,
    store: &mut Store<JobState>,
    input: &[u8],
    max_output: usize,
) -> wasmtime::Result<Option<Vec<u8>>> {
    let instance = pre.instantiate(&mut *store)?;
    if let Ok(init) = instance.get_typed_func::<(), ()>(&mut *store, "_initialize") {
        init.call(&mut *store, ())?;
    }
    let memory = instance
        .get_memory(&mut *store, "memory")
        .ok_or_else(|| wasmtime::Error::msg("the engine exports no memory"))?;
    let alloc = instance.get_typed_func::<u32, u32>(&mut *store, "nexxo_alloc")?;
    let run = instance.get_typed_func::<(u32, u32), u64>(&mut *store, "nexxo_call")?;
    let len = u32::try_from(input.len()).map_err(|_| wasmtime::Error::msg("the call is larger than 4 GiB"))?;
    let ptr = alloc.call(&mut *store, len)?;
    memory.write(&mut *store, ptr as usize, input)?;
    let packed = run.call(&mut *store, (ptr, len))?;
    let (out_ptr, out_len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
    if out_len > max_output {
        return Ok(None);
    }
    let mut out = vec![0u8; out_len];
    memory.read(&*store, out_ptr, &mut out)?;
    Ok(Some(out))
}

fn store_compiled(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".{}.{}", std::process::id(), path.file_name().and_then(|n| n.to_str()).unwrap_or("x")));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// The directories a build job may read: the project root and any `node_modules` above it
/// (packages hoisted in workspaces), as canonical paths; a `node_modules` that is a symlink also
/// under its own path, which is how the resolver names the files inside it (each file read there
/// is still checked to lie in the canonical directory, see `HostFiles::confine`).
pub fn project_roots(root: &Path) -> Vec<PathBuf> {
    let mut roots = vec![root.to_path_buf()];
    for dir in root.ancestors().skip(1) {
        let written = dir.join("node_modules");
        if let Ok(nm) = std::fs::canonicalize(&written)
            && nm.is_dir()
        {
            if nm != written {
                roots.push(written);
            }
            roots.push(nm);
        }
    }
    roots
}

/// Packages in the roots' `node_modules` (scoped ones included) that are symlinks leading outside
/// every root (`npm link`, a shared store elsewhere): the engine cannot read them, and without
/// this its error would only say "Cannot find module". Returns (link, target).
pub fn unreadable_links(roots: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    let inside = |p: &Path| roots.iter().any(|r| p.starts_with(r));
    let entries = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
    };
    let mut found = Vec::new();
    for nm in roots.iter().map(|r| if r.ends_with("node_modules") { r.clone() } else { r.join("node_modules") }) {
        let mut packages = Vec::new();
        for entry in entries(&nm) {
            if entry.file_name().is_some_and(|n| n.to_string_lossy().starts_with('@')) && entry.is_dir() {
                packages.extend(entries(&entry));
            } else {
                packages.push(entry);
            }
        }
        for p in packages {
            let is_link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
            if let (true, Ok(target)) = (is_link, std::fs::canonicalize(&p))
                && !inside(&target)
                && !found.iter().any(|(l, _)| *l == p)
            {
                found.push((p, target));
            }
        }
    }
    found
}

/// Warns about [`unreadable_links`] once, naming a few.
pub fn warn_unreadable_links(roots: &[PathBuf]) {
    let links = unreadable_links(roots);
    if links.is_empty() {
        return;
    }
    let shown: Vec<String> = links.iter().take(3).map(|(l, t)| format!("{} -> {}", l.display(), t.display())).collect();
    let more = if links.len() > 3 { format!(" and {} more", links.len() - 3) } else { String::new() };
    eprintln!(
        "{} the WASM engine cannot read {} package{} linked from outside the project: {}{more}\n  \
         hint: it reads only the project and the node_modules directories above it; install the \
         package{} there instead of linking it",
        crate::style::Style::stderr().yellow("warning:"),
        links.len(),
        if links.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if links.len() == 1 { "" } else { "s" },
    );
}
