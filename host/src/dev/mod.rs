//! `nexxo dev`: transforms the app's modules one by one, sends each page entry's modules in one
//! script (or, with `--no-bundle`, one request per module), with dependencies pre-bundled once,
//! and pushes updates over a WebSocket when files change.
//!
//! Serving model, and why: see README ("Dev server measurements"). In short, a browser loading
//! thousands of separate modules spends seconds on per-module overhead, so the page gets one
//! script per entry; an edit still costs one small transform (well under a millisecond) and one
//! module fetched again, never a rebuild of the bundle.

mod hmr;
mod serve;
mod watch;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use nexxo_config::{CliOverrides, ResolvedConfig};
use nexxo_transform::Module;
use rolldown_fs::{OsFileSystem, OxcResolverFileSystem as _};
use rolldown_resolver::Resolver;
use tokio::sync::broadcast;

use crate::style::{self, Style};
use crate::{DevArgs, load_config};

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Deps {
    /// File name under /@deps/ to code.
    pub files: HashMap<String, String>,
    /// Bare specifier to (file name, needs CommonJS interop).
    pub entries: HashMap<String, (String, bool)>,
}

pub struct DevState {
    pub config: ResolvedConfig,
    /// `import.meta.env` as a JS object literal, injected into every module.
    pub env_json: String,
    pub cache: crate::cache::Cache,
    pub port: u16,
    pub allowed_hosts: Vec<String>,
    pub resolver: Resolver<OsFileSystem>,
    pub react_refresh: bool,
    /// Each entry's modules go to the page in one script (see `serve::bundle`); updates and files
    /// added later are still fetched one by one.
    pub bundled: bool,
    /// Runner forms of served modules by content key (see `serve::runner_form`).
    pub runners: Mutex<HashMap<Vec<u8>, Arc<str>>>,
    /// Built bundles by entry, with the generation they were built at; held while one is built
    /// so the start-up warm-up and the page's request do not both build it.
    pub bundles: tokio::sync::Mutex<HashMap<String, (u64, Arc<String>)>>,
    /// Bumped by anything that can change what a module is served as: a file event, an HMR
    /// timestamp, re-bundled dependencies.
    pub generation: AtomicU64,
    /// The last HMR timestamp handed out (see `hmr::next_ts`).
    pub last_ts: AtomicU64,
    /// The HMR graph, keyed by URL path.
    pub graph: Mutex<nexxo_hmr::Graph>,
    /// Transformed modules by file, with the source they came from.
    pub transforms: Mutex<HashMap<PathBuf, (String, Arc<Module>)>>,
    pub deps: RwLock<Deps>,
    /// Serializes dependency re-bundling.
    pub deps_lock: tokio::sync::Mutex<()>,
    pub events: broadcast::Sender<String>,
    /// The last error shown, sent to clients that connect later; cleared by a good update.
    pub last_error: Mutex<Option<String>>,
}

impl DevState {
    pub fn url_of(&self, file: &Path) -> Option<String> {
        let rel = file.strip_prefix(&self.config.root).ok()?;
        Some(format!("/{}", rel.to_string_lossy().replace('\\', "/")))
    }

    pub fn invalidate_bundles(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub fn broadcast(&self, msg: serde_json::Value) {
        let _ = self.events.send(msg.to_string());
    }
}

pub fn run(args: DevArgs) -> Result<(), ExitCode> {
    let started = Instant::now();
    let cli = CliOverrides {
        mode: Some(args.common.mode.clone().unwrap_or_else(|| "development".into())),
        ..Default::default()
    };
    let config = load_config::load(&args.common, cli)?;
    let host = args.server.host.clone().or_else(|| config.server.host.clone()).unwrap_or_else(|| "127.0.0.1".into());
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| {
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
        let fs = OsFileSystem::new(false);
        let resolver = Resolver::new(
            fs,
            config.root.clone(),
            rolldown::Platform::Browser,
            &rolldown::TsConfig::Auto(true),
            nexxo_bundler::dev_resolve_options(&config),
        );
        let react_refresh = resolver
            .resolve(
                Some(&config.root.join("index.html")),
                "react-refresh/runtime",
                rolldown_common::ImportKind::Import,
                false,
            )
            .is_ok();
        let mut allowed_hosts = vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()];
        if !allowed_hosts.contains(&host) && host != "0.0.0.0" && host != "::" {
            allowed_hosts.push(host.clone());
        }
        let cache = crate::cache::Cache::open(&config.root, args.force);
        let bundled = !args.no_bundle && config.server.bundle.unwrap_or(true);
        let state = Arc::new(DevState {
            cache,
            env_json: serve::import_meta_env(&config),
            config,
            port: addr.port(),
            allowed_hosts,
            resolver,
            react_refresh,
            bundled,
            runners: Mutex::default(),
            bundles: tokio::sync::Mutex::default(),
            generation: AtomicU64::new(0),
            last_ts: AtomicU64::new(0),
            graph: Mutex::default(),
            transforms: Mutex::default(),
            deps: RwLock::default(),
            deps_lock: tokio::sync::Mutex::new(()),
            events: broadcast::channel(256).0,
            last_error: Mutex::default(),
        });
        // Find the app's dependencies before the first request so the page never waits on them.
        let found = serve::crawl_dependencies(&state);
        if let Err(e) = serve::bundle_dependencies(&state, found).await {
            style::error(&e);
        }
        let _watcher = watch::start(Arc::clone(&state)).map_err(|e| {
            style::error(&format!("cannot watch {}: {e}", state.config.root.display()));
            ExitCode::FAILURE
        })?;
        let s = Style::stdout();
        let shown = if addr.ip().is_loopback() { "localhost".to_string() } else { addr.ip().to_string() };
        let cache_note = if state.cache.is_enabled() {
            format!("cache: {} hits, {} misses", state.cache.hits(), state.cache.misses())
        } else {
            "cache: off".to_string()
        };
        println!(
            "  {} {} ready in {} ms {}",
            s.cyan(&s.bold(&format!("nexxo v{}", env!("CARGO_PKG_VERSION")))),
            s.green("dev server"),
            s.bold(&started.elapsed().as_millis().to_string()),
            s.dim(&format!("({cache_note})"))
        );
        println!("  {} {}", s.green("➜"), s.bold(&format!("Local:   http://{shown}:{}/", addr.port())));
        if !state.react_refresh {
            println!(
                "  {} React Fast Refresh is off: install `react-refresh` to keep component state across edits",
                s.dim("➜")
            );
        }
        if state.bundled {
            // Build each page's bundle now, while the browser is still on its way.
            let warm = Arc::clone(&state);
            tokio::spawn(async move { serve::warm_bundles(&warm).await });
        }
        serve::serve(listener, state).await;
        Ok(())
    })
}
