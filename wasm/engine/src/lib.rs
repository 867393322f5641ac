//! The engine as one WebAssembly module for every WASM host: wasmtime (`nexxo build --engine
//! wasm`, `nexxo worker`), Node, browser Web Workers, the playground and edge workers all load the
//! same `nexxo-engine.wasm`, so "same input, same output" is a property of one binary.
//!
//! It targets `wasm32-wasip1`, not `wasm32-unknown-unknown`: on the latter `Path::is_absolute` is
//! false for every path (std knows no root there), and rolldown, oxc_resolver and sugar_path all
//! fall back to `current_dir`, which does not exist. JavaScript hosts supply the few WASI calls the
//! engine makes with a small shim (`wasm/js/nexxo.js`): clock, randomness, stderr. Project files
//! come either inside the call (in-memory) or from the host through `nexxo_host` imports.
//!
//! The module is a WASI reactor. A host writes a JSON call into memory from `nexxo_alloc`, calls
//! `nexxo_call(ptr, len)` and gets `ptr << 32 | len` of the JSON answer, which it releases with
//! `nexxo_free`. Calls: `build`, `transform` (see `nexxo_engine`), `session.open`,
//! `session.update`, `session.runner`, `session.request`, `session.close`, the `dev.*` calls of
//! `nexxo dev --engine wasm` (a DevSession over the host's files), `version`.

mod bin_call;
mod engine_fs;
mod heap;
mod host_cache;
mod host_fs;
mod host_jobs;
mod host_progress;

use std::cell::RefCell;
use std::collections::BTreeMap;

use engine_fs::EngineFs;
use host_fs::HostFs;
use std::path::PathBuf;

use nexxo_engine::{BuildRequest, DevOptions, InputFile, KeptChunks, OpenRequest, Session, TransformRequest};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(tag = "op")]
enum Call {
    #[serde(rename = "build")]
    Build(BuildRequest),
    #[serde(rename = "transform")]
    Transform(TransformRequest),
    #[serde(rename = "session.open")]
    SessionOpen { session: String, request: OpenRequest },
    #[serde(rename = "session.update")]
    SessionUpdate {
        session: String,
        #[serde(default)]
        changed: Vec<InputFile>,
        #[serde(default)]
        removed: Vec<String>,
    },
    #[serde(rename = "session.runner")]
    SessionRunner { session: String, url: String },
    #[serde(rename = "session.request")]
    SessionRequest { session: String, url: String },
    #[serde(rename = "session.close")]
    SessionClose { session: String },
    #[serde(rename = "dev.open")]
    DevOpen { config: Box<nexxo_config::ResolvedConfig>, bundled: bool, fs_roots: Vec<PathBuf> },
    #[serde(rename = "dev.serve")]
    DevServe { path: String, query: String },
    #[serde(rename = "dev.changed")]
    DevChanged { paths: Vec<PathBuf>, now: u64 },
    #[serde(rename = "dev.message")]
    DevMessage { text: String, now: u64 },
    #[serde(rename = "dev.env")]
    DevEnv { config: Box<nexxo_config::ResolvedConfig> },
    /// A batch of a session's jobs, for an instance of the host's pool (see `host_jobs`).
    #[serde(rename = "dev.jobs")]
    DevJobs { jobs: Vec<nexxo_engine::nexxo_dev::jobs::Job> },
    #[serde(rename = "version")]
    Version,
}

thread_local! {
    // Sessions live as long as the instance: the instance is the unit of isolation a host
    // creates and throws away, so this is per-instance state, not process-wide state.
    static SESSIONS: RefCell<BTreeMap<String, Session<EngineFs>>> = const { RefCell::new(BTreeMap::new()) };
    // `nexxo dev --engine wasm`: the one DevSession this instance serves, over the host's files.
    static DEV: RefCell<Option<Session<EngineFs>>> = const { RefCell::new(None) };
    // The minified parts of the instance's last `incremental` build (`BuildRequest::incremental`).
    static MINIFIED: RefCell<Option<KeptChunks>> = const { RefCell::new(None) };
}

/// Runs `f` on the instance's dev session.
/// The instance's kept minified parts for an `incremental` build (made on its first); none for
/// another build, which leaves them for the next incremental one.
pub(crate) fn minified_for(request: &BuildRequest) -> Option<KeptChunks> {
    request.incremental.then(|| MINIFIED.with(|m| m.borrow_mut().get_or_insert_default().clone()))
}

fn with_dev(f: impl FnOnce(&mut Session<EngineFs>) -> serde_json::Result<serde_json::Value>) -> serde_json::Value {
    DEV.with(|d| match d.borrow_mut().as_mut() {
        Some(s) => f(s).unwrap_or_else(|e| failure(e.to_string())),
        None => failure("no dev session: call dev.open first".into()),
    })
}

/// A response as JSON, or the failure to encode it (as `nexxo_engine::run_job` answers).
fn encode(value: serde_json::Result<serde_json::Value>) -> serde_json::Value {
    value.unwrap_or_else(|e| failure(format!("cannot encode the response: {e}")))
}

pub(crate) fn failure(message: String) -> serde_json::Value {
    json!({ "ok": false, "errors": [{ "message": message }] })
}

/// Answers one JSON call with JSON.
pub fn call(input: &[u8]) -> Vec<u8> {
    let answer = match serde_json::from_slice::<Call>(input) {
        Err(e) => failure(format!("invalid call: {e}")),
        Ok(Call::Build(request)) => {
            // Without files the build reads the project through the host (wasmtime). Written
            // straight to bytes: a `Value` first would copy the bundle and its maps once more.
            let minified = minified_for(&request);
            let response = nexxo_engine::build(
                request,
                Some(EngineFs::Host(HostFs)),
                EngineFs::Memory,
                Some(host_progress::reporter()),
                minified,
            );
            return serde_json::to_vec(&response)
                .unwrap_or_else(|e| bytes(&failure(format!("cannot encode the response: {e}"))));
        }
        Ok(Call::Transform(request)) => encode(serde_json::to_value(nexxo_engine::transform(&request))),
        Ok(Call::SessionOpen { session, request }) => match Session::open_with(request, EngineFs::Memory) {
            Ok((s, start)) => {
                SESSIONS.with(|m| m.borrow_mut().insert(session, s));
                serde_json::to_value(start).unwrap_or_else(|e| failure(e.to_string()))
            }
            Err(m) => json!({ "ok": false, "errors": [m] }),
        },
        Ok(Call::SessionRunner { session, url }) => SESSIONS.with(|m| match m.borrow_mut().get_mut(&session) {
            Some(s) => match s.runner(&url) {
                Ok(code) => json!({ "ok": true, "code": code }),
                Err(e) => json!({ "ok": false, "errors": [e] }),
            },
            None => failure(format!("no open session `{session}`")),
        }),
        Ok(Call::SessionRequest { session, url }) => SESSIONS.with(|m| match m.borrow_mut().get_mut(&session) {
            Some(s) => serde_json::to_value(s.request(&url)).unwrap_or_else(|e| failure(e.to_string())),
            None => failure(format!("no open session `{session}`")),
        }),
        Ok(Call::SessionUpdate { session, changed, removed }) => {
            SESSIONS.with(|m| match m.borrow_mut().get_mut(&session) {
                Some(s) => serde_json::to_value(s.update(changed, removed)).unwrap_or_else(|e| failure(e.to_string())),
                None => failure(format!("no open session `{session}`")),
            })
        }
        Ok(Call::SessionClose { session }) => {
            let closed = SESSIONS.with(|m| m.borrow_mut().remove(&session)).is_some();
            json!({ "ok": closed })
        }
        Ok(Call::DevOpen { config, bundled, fs_roots }) => {
            let options = DevOptions { bundled, fs_roots, externals: Vec::new() };
            match Session::open_on(EngineFs::Host(HostFs), *config, options) {
                Ok((s, errors)) => {
                    DEV.with(|d| *d.borrow_mut() = Some(s));
                    json!({ "ok": true, "errors": errors })
                }
                Err(m) => json!({ "ok": false, "errors": [m] }),
            }
        }
        Ok(Call::DevServe { path, query }) => with_dev(|s| serde_json::to_value(s.serve(&path, &query))),
        Ok(Call::DevChanged { paths, now }) => with_dev(|s| serde_json::to_value(s.changed(&paths, now))),
        Ok(Call::DevMessage { text, now }) => with_dev(|s| Ok(json!({ "messages": s.client_message(&text, now) }))),
        Ok(Call::DevEnv { config }) => with_dev(|s| {
            let (changed, messages) = s.env_changed(&config);
            Ok(json!({ "changed": changed, "messages": messages }))
        }),
        Ok(Call::DevJobs { jobs }) => json!({ "ok": true, "done": nexxo_engine::nexxo_dev::jobs::run_all(&jobs) }),
        Ok(Call::Version) => json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }),
    };
    bytes(&answer)
}

fn bytes(answer: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(answer)
        .unwrap_or_else(|e| format!("{{\"ok\":false,\"errors\":[{{\"message\":\"{e}\"}}]}}").into_bytes())
}

/// Grows the heap once by about `bytes` and keeps the space for later allocations, for a host
/// that knows a call's needs. Hosts need not: the heap grows in large steps by itself (`heap`).
/// Returns whether it could.
#[unsafe(no_mangle)]
pub extern "C" fn nexxo_reserve(bytes: usize) -> bool {
    heap::reserve(bytes)
}

/// A buffer of `len` bytes for the host to write a call into; `nexxo_call` takes it back.
#[unsafe(no_mangle)]
pub extern "C" fn nexxo_alloc(len: usize) -> *mut u8 {
    Box::into_raw(vec![0u8; len].into_boxed_slice()).cast::<u8>()
}

/// Releases an answer returned by `nexxo_call` (or an unused `nexxo_alloc` buffer).
///
/// # Safety
/// `ptr` and `len` must come from `nexxo_alloc` or `nexxo_call` and be released once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nexxo_free(ptr: *mut u8, len: usize) {
    // SAFETY: the caller passes a buffer this module boxed with exactly `len` bytes.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
}

/// Runs the call in `ptr[..len]` (a `nexxo_alloc` buffer, consumed) and returns the answer's
/// address and length packed as `ptr << 32 | len`.
///
/// # Safety
/// `ptr` and `len` must come from one `nexxo_alloc(len)`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nexxo_call(ptr: *mut u8, len: usize) -> u64 {
    // SAFETY: the host hands back the buffer `nexxo_alloc(len)` gave it.
    unsafe { answer_with(ptr, len, |input| call(&input)) }
}

/// `nexxo_call` for a build whose files travel as bytes (`bin_call` has the layout).
///
/// # Safety
/// As `nexxo_call`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nexxo_build_bin(ptr: *mut u8, len: usize) -> u64 {
    // SAFETY: as `nexxo_call`.
    unsafe { answer_with(ptr, len, bin_call::build) }
}

/// Runs `f` on the host's buffer, which it owns (and may free before its work is done), and packs
/// its answer as `ptr << 32 | len`.
///
/// # Safety
/// `ptr` and `len` must come from one `nexxo_alloc(len)`.
unsafe fn answer_with(ptr: *mut u8, len: usize, f: fn(Box<[u8]>) -> Vec<u8>) -> u64 {
    // SAFETY: the caller passes the buffer `nexxo_alloc(len)` gave the host.
    let input = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) };
    let answer = f(input).into_boxed_slice();
    let n = answer.len() as u64;
    let p = Box::into_raw(answer).cast::<u8>() as usize as u64;
    (p << 32) | n
}
