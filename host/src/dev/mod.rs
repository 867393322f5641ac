//! `nexxo dev`: transforms the app's modules one by one, sends each page entry's modules in one
//! script (or, with `--no-bundle`, one request per module), with dependencies pre-bundled once,
//! and pushes updates over a WebSocket when files change.
//!
//! Serving model, and why: see README ("Dev server measurements"). In short, a browser loading
//! thousands of separate modules spends seconds on per-module overhead, so the page gets one
//! script per entry; an edit still costs one small transform (well under a millisecond) and one
//! module fetched again, never a rebuild of the bundle.

mod http;
mod watch;
mod ws;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use nexxo_config::{CliOverrides, ResolvedConfig};
use nexxo_dev::{DevHost, DevOptions, DevSession};
use nexxo_diagnostics::Diagnostic;
use rolldown_fs::{OsFileSystem, OxcResolverFileSystem as _};
use tokio::sync::broadcast;

use crate::style::{self, Style};
use crate::{DevArgs, load_config};

/// What `nexxo dev` gives its DevSession: the disk, the RocksDB cache, the WebSocket clients and
/// the terminal.
pub struct NativeHost {
    fs: OsFileSystem,
    cache: crate::cache::Cache,
    events: broadcast::Sender<String>,
}

impl DevHost for NativeHost {
    type Fs = OsFileSystem;

    fn fs(&self) -> &OsFileSystem {
        &self.fs
    }

    fn cache_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.cache.get(key)
    }

    fn cache_put(&self, key: &[u8], value: &[u8]) {
        self.cache.put(key, value);
    }

    fn cache_forget(&self, key: &[u8]) {
        self.cache.forget(key);
    }

    fn dir_stamp(&self, dir: &Path) -> Option<u128> {
        let modified = std::fs::metadata(dir).and_then(|m| m.modified()).ok()?;
        Some(modified.duration_since(UNIX_EPOCH).ok()?.as_nanos())
    }

    fn send(&self, message: String) {
        let _ = self.events.send(message);
    }

    fn info(&self, text: &str) {
        println!("  {text}");
    }

    fn warn(&self, text: &str) {
        eprintln!("{} {text}", Style::stderr().yellow("warning:"));
    }

    fn error(&self, d: &Diagnostic) {
        style::error(&d.to_string());
    }
}

/// The running server: the session and what only the network side needs.
pub struct Server {
    pub session: Arc<DevSession<NativeHost>>,
    pub port: u16,
    pub allowed_hosts: Vec<String>,
    /// Where the config came from, to load it again when a `.env` file changes.
    pub config_args: crate::CommonArgs,
    /// The pages' WebSockets subscribe here; the session's messages arrive through `NativeHost`.
    pub events: broadcast::Sender<String>,
}

/// The host's clock for update timestamps (ms since the epoch).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The config as `nexxo dev` sees it: `--mode` defaults to development.
pub fn dev_config(common: &crate::CommonArgs) -> Result<ResolvedConfig, ExitCode> {
    let mode = common.mode.clone().unwrap_or_else(|| "development".into());
    load_config::load(common, CliOverrides { mode: Some(mode), ..Default::default() })
}

pub fn run(args: DevArgs) -> Result<(), ExitCode> {
    let started = Instant::now();
    let config = dev_config(&args.common)?;
    let host = args.server.host.clone().or_else(|| config.server.host.clone()).unwrap_or_else(|| "127.0.0.1".into());
    let runtime = crate::net::runtime().map_err(|e| {
        style::error(&format!("cannot start the async runtime: {e}"));
        ExitCode::FAILURE
    })?;
    runtime.block_on(async move {
        let listener = crate::preview::bind(
            &host,
            args.server.port.or(config.server.port).unwrap_or(5173),
            args.server.strict_port,
        )
        .await?;
        let addr = listener.local_addr().map_err(|_| ExitCode::FAILURE)?;
        let mut allowed_hosts = vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()];
        if !allowed_hosts.contains(&host) && host != "0.0.0.0" && host != "::" {
            allowed_hosts.push(host.clone());
        }
        let cache = crate::cache::Cache::open(&config.root, args.force);
        let bundled = !args.no_bundle && config.server.bundle.unwrap_or(true);
        let real_root = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
        let fs_roots = crate::wasm_engine::project_roots(&real_root);
        let events = broadcast::channel(256).0;
        let native = NativeHost { fs: OsFileSystem::new(false), cache, events: events.clone() };
        let session =
            Arc::new(DevSession::open(config, native, DevOptions { bundled, fs_roots, externals: Vec::new() }));
        // Find the app's dependencies before the first request so the page never waits on them.
        if let Err(e) = session.prepare().await {
            style::error(&e);
        }
        let state =
            Arc::new(Server { session, port: addr.port(), allowed_hosts, config_args: args.common.clone(), events });
        let config = &state.session.config;
        let _watcher = watch::start(Arc::clone(&state)).map_err(|e| {
            style::error(&format!("cannot watch {}: {e}", config.root.display()));
            ExitCode::FAILURE
        })?;
        let s = Style::stdout();
        let shown = if addr.ip().is_loopback() { "localhost".to_string() } else { addr.ip().to_string() };
        let cache = &state.session.host.cache;
        let cache_note = if cache.is_enabled() {
            format!("cache: {} hits, {} misses", cache.hits(), cache.misses())
        } else {
            "cache: off".to_string()
        };
        // One line with all a script or a person waits for: the URL, the start-up time, the cache.
        println!(
            "  {} {} ready in {} ms at {} {}",
            s.cyan(&s.bold(&format!("nexxo v{}", env!("CARGO_PKG_VERSION")))),
            s.green("dev server"),
            s.bold(&started.elapsed().as_millis().to_string()),
            s.bold(&format!("http://{shown}:{}{}", addr.port(), served_base(&config.base))),
            s.dim(&format!("({cache_note})"))
        );
        // Build each page's bundle now, while the browser is still on its way.
        let warm = Arc::clone(&state.session);
        tokio::spawn(async move { warm.warm().await });
        http::serve(listener, state).await;
        Ok(())
    })
}

/// The path the app is served under: an absolute `base`, else the root.
fn served_base(base: &str) -> &str {
    if base.starts_with('/') { base } else { "/" }
}
