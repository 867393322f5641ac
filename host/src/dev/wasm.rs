//! `nexxo dev --engine wasm`: the DevSession runs inside the WASM engine under wasmtime, in one
//! resident instance that reads the project through the host (only the root and the
//! `node_modules` directories above it, symlinks resolved and checked), and hands its parallel
//! jobs to a pool of instances, one per core (`pool.rs`). The host keeps the HTTP
//! front, the WebSocket, the watcher and the clock; every page request and file change is a call
//! into the instance, and what the session sends to the pages comes back with the answer. This is
//! the sandboxed dev server an online IDE backend runs for projects it does not trust.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use nexxo_config::ResolvedConfig;
use nexxo_dev::Change;
use serde_json::{Value, json};
use tokio::sync::broadcast;

use super::pool::Pool;
use crate::style::{self, Style};
use crate::wasm_engine::{Limits, Resident, Services, WasmEngine};

pub struct WasmDev {
    engine: Arc<WasmEngine>,
    /// The pool and the persistent cache every instance of the session is given.
    pub services: Services,
    /// The instance and the call that opened its session (to open it again in a fresh instance
    /// after one failed: a trap can leave an instance half-updated).
    instance: Mutex<Option<Resident>>,
    open_call: Vec<u8>,
    roots: Vec<PathBuf>,
    pub config: ResolvedConfig,
    events: broadcast::Sender<String>,
    /// The last error shown, sent to pages that connect later; cleared by a good update.
    last_error: Mutex<Option<String>>,
    /// See [`WasmDev::reloads`].
    reloads: std::sync::atomic::AtomicU64,
    pub load_note: String,
}

/// A long-lived dev session gets more time per call than a build job has in total: the first
/// call pre-bundles dependencies inside the instance.
fn limits() -> Limits {
    Limits { memory_bytes: 4 << 30, timeout: std::time::Duration::from_secs(300), ..Limits::default() }
}

impl WasmDev {
    pub fn open(
        config: ResolvedConfig,
        bundled: bool,
        roots: Vec<PathBuf>,
        instances: usize,
        cache: Arc<crate::cache::Cache>,
        events: broadcast::Sender<String>,
    ) -> Result<Self, String> {
        let engine = Arc::new(WasmEngine::load(&crate::wasm_engine::locate_engine()?, 1)?);
        // With one instance the session's own runs its jobs: no pool.
        let pool = (instances > 1).then(|| Arc::new(Pool::new(Arc::clone(&engine), instances, limits())) as _);
        let services = Services { jobs: pool, cache: Some(cache) };
        let open_call = serde_json::to_vec(&json!({
            "op": "dev.open", "config": config, "bundled": bundled, "fs_roots": roots,
        }))
        .map_err(|e| e.to_string())?;
        let load_note = engine.load_note.clone();
        let dev = Self {
            engine,
            services,
            instance: Mutex::new(None),
            open_call,
            roots,
            config,
            events,
            last_error: Mutex::default(),
            reloads: std::sync::atomic::AtomicU64::new(0),
            load_note,
        };
        let opened = dev.call(&json!({ "op": "version" }))?;
        if opened["ok"] != true {
            return Err(format!("the WASM engine did not start: {opened}"));
        }
        Ok(dev)
    }

    /// One call into the instance (started, and its session opened, on first use).
    fn call(&self, call: &Value) -> Result<Value, String> {
        let mut slot = self.instance.lock().expect("wasm dev instance");
        if slot.is_none() {
            let mut fresh =
                self.engine.resident(&self.roots, limits(), self.services.clone()).map_err(|e| e.to_string())?;
            let opened: Value = serde_json::from_slice(&fresh.call(&self.open_call).map_err(|e| e.to_string())?)
                .map_err(|e| format!("the WASM engine answered badly: {e}"))?;
            self.print(&opened);
            if opened["ok"] != true {
                return Err(format!("the WASM engine could not open the dev session: {}", opened["errors"]));
            }
            *slot = Some(fresh);
        }
        let input = serde_json::to_vec(call).map_err(|e| e.to_string())?;
        let Some(resident) = slot.as_mut() else { return Err("no engine instance".into()) };
        match resident.call(&input) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("the WASM engine answered badly: {e}")),
            Err(e) => {
                // A failed call (a trap, a limit) retires the instance; the next call starts a
                // fresh one with the session opened again.
                *slot = None;
                Err(e.to_string())
            }
        }
    }

    /// Runs a call on a blocking thread (WASM execution does not yield to tokio).
    async fn call_async(self: &Arc<Self>, call: Value) -> Result<Value, String> {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || me.call(&call)).await.map_err(|e| format!("internal error: {e}"))?
    }

    /// Prints an answer's errors and warnings and delivers its messages to the pages.
    fn print(&self, answer: &Value) {
        for w in answer["warnings"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            eprintln!("{} {w}", Style::stderr().yellow("warning:"));
        }
        for e in answer["errors"].as_array().into_iter().flatten() {
            style::error(e["message"].as_str().unwrap_or("error"));
        }
        for m in answer["messages"].as_array().into_iter().flatten() {
            match m["type"].as_str() {
                Some("error") => *self.last_error.lock().expect("error slot") = Some(m.to_string()),
                Some("update") => *self.last_error.lock().expect("error slot") = None,
                Some("full-reload") => {
                    *self.last_error.lock().expect("error slot") = None;
                    // The session's own count (`DevSession::reloads`), which its pages carry.
                    self.reloads.fetch_max(m["reloads"].as_u64().unwrap_or(0), std::sync::atomic::Ordering::SeqCst);
                }
                _ => {}
            }
            let _ = self.events.send(m.to_string());
        }
    }

    fn engine_failure(&self, why: &str) -> nexxo_dev::Response {
        let d = nexxo_diagnostics::Diagnostic::new("INTERNAL", format!("the WASM engine failed: {why}"))
            .with_hint("the next request starts a fresh engine instance");
        self.report_error(&d);
        nexxo_dev::Response::text(500, &d.to_string())
    }

    pub async fn request(self: &Arc<Self>, path: &str, query: &str) -> nexxo_dev::Response {
        let answer = match self.call_async(json!({ "op": "dev.serve", "path": path, "query": query })).await {
            Ok(a) => a,
            Err(e) => return self.engine_failure(&e),
        };
        self.print(&answer);
        let body = match serde_json::from_value::<nexxo_engine::Contents>(answer.clone()).map(|c| c.bytes()) {
            Ok(Ok(bytes)) => bytes,
            _ => return self.engine_failure(&format!("unexpected answer {answer}")),
        };
        let mut r = nexxo_dev::Response::text(answer["status"].as_u64().unwrap_or(500) as u16, "");
        r.content_type = answer["contentType"].as_str().unwrap_or("application/octet-stream").to_string();
        r.body = body;
        r.no_cache = answer["noCache"] == true;
        r.location = answer["location"].as_str().map(str::to_string);
        r
    }

    pub async fn file_changed(self: &Arc<Self>, path: PathBuf, now: u64) -> Change {
        match self.call_async(json!({ "op": "dev.changed", "paths": [path], "now": now })).await {
            Ok(answer) => {
                self.print(&answer);
                answer["changes"].get(0).and_then(|c| serde_json::from_value(c.clone()).ok()).unwrap_or(Change::Nothing)
            }
            Err(e) => {
                self.engine_failure(&e);
                Change::Failed
            }
        }
    }

    pub async fn client_message(self: &Arc<Self>, text: &str, now: u64) {
        match self.call_async(json!({ "op": "dev.message", "text": text, "now": now })).await {
            Ok(answer) => self.print(&answer),
            Err(e) => {
                self.engine_failure(&e);
            }
        }
    }

    pub async fn env_changed(self: &Arc<Self>, config: &ResolvedConfig) -> bool {
        match self.call_async(json!({ "op": "dev.env", "config": config })).await {
            Ok(answer) => {
                self.print(&answer);
                answer["changed"] == true
            }
            Err(e) => {
                self.engine_failure(&e);
                false
            }
        }
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().expect("error slot").clone()
    }

    /// The session's reload count, as its last `full-reload` message said it.
    pub fn reloads(&self) -> u64 {
        self.reloads.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Prints an error of the host's own and shows it in the pages.
    pub fn report_error(&self, d: &nexxo_diagnostics::Diagnostic) {
        style::error(&d.to_string());
        let msg = nexxo_dev::error_message(d);
        *self.last_error.lock().expect("error slot") = Some(msg.to_string());
        let _ = self.events.send(msg.to_string());
    }
}
