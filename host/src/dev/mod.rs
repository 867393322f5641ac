//! `nexxo dev`: transforms the app's modules one by one, sends each page entry's modules in one
//! script (or, with `--no-bundle`, one request per module), with dependencies pre-bundled once,
//! and pushes updates over a WebSocket when files change.
//!
//! Serving model, and why: see README ("Dev server measurements"). In short, a browser loading
//! thousands of separate modules spends seconds on per-module overhead, so the page gets one
//! script per entry; an edit still costs one small transform (well under a millisecond) and one
//! module fetched again, never a rebuild of the bundle.

mod http;
mod pool;
mod wasm;
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
    /// Shared with the sessions before and after a restart (RocksDB opens a directory once).
    cache: Arc<crate::cache::Cache>,
    events: broadcast::Sender<String>,
    /// The project's JavaScript CSS tools (PostCSS, Tailwind CSS, Less, Stylus), run by Node.js (see `crate::css_plugins`).
    css_plugins: Option<Arc<dyn nexxo_css::plugins::CssPlugins>>,
}

impl DevHost for NativeHost {
    type Fs = OsFileSystem;

    fn fs(&self) -> &OsFileSystem {
        &self.fs
    }

    fn css_plugins(&self) -> Option<&dyn nexxo_css::plugins::CssPlugins> {
        self.css_plugins.as_deref()
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

/// Where the DevSession runs: natively, or inside the WASM engine (`--engine wasm`).
pub enum Backend {
    Native(Arc<DevSession<NativeHost>>),
    Wasm(Arc<wasm::WasmDev>),
}

impl Backend {
    pub fn config(&self) -> &ResolvedConfig {
        match self {
            Backend::Native(s) => &s.config,
            Backend::Wasm(w) => &w.config,
        }
    }

    pub async fn request(&self, path: &str, query: &str) -> nexxo_dev::Response {
        match self {
            Backend::Native(s) => s.request(path, query).await,
            Backend::Wasm(w) => w.request(path, query).await,
        }
    }

    pub async fn file_changed(&self, path: &Path, now: u64) -> nexxo_dev::Change {
        match self {
            Backend::Native(s) => s.file_changed(path, now).await,
            Backend::Wasm(w) => w.file_changed(path.to_path_buf(), now).await,
        }
    }

    pub async fn client_message(&self, text: &str, now: u64) {
        match self {
            Backend::Native(s) => s.client_message(text, now).await,
            Backend::Wasm(w) => w.client_message(text, now).await,
        }
    }

    pub async fn env_changed(&self, config: &ResolvedConfig) -> bool {
        match self {
            Backend::Native(s) => s.env_changed(config),
            Backend::Wasm(w) => w.env_changed(config).await,
        }
    }

    pub fn last_error(&self) -> Option<String> {
        match self {
            Backend::Native(s) => s.last_error(),
            Backend::Wasm(w) => w.last_error(),
        }
    }

    /// See [`DevSession::reloads`].
    pub fn reloads(&self) -> u64 {
        match self {
            Backend::Native(s) => s.reloads(),
            Backend::Wasm(w) => w.reloads(),
        }
    }

    pub fn report_error(&self, d: &Diagnostic) {
        match self {
            Backend::Native(s) => s.report_error(d),
            Backend::Wasm(w) => w.report_error(d),
        }
    }
}

/// The running server: the session and what only the network side needs.
pub struct Server {
    pub session: Backend,
    pub port: u16,
    pub allowed_hosts: Vec<String>,
    /// Where the config came from, to load it again when a `.env` file changes.
    pub config_args: crate::CommonArgs,
    /// The pages' WebSockets subscribe here; the session's messages arrive through `NativeHost`.
    pub events: broadcast::Sender<String>,
    /// Set when this session is replaced (a restart): its connections close, and the pages,
    /// which reload when their connection comes back, load from the new one.
    pub stop: tokio::sync::watch::Sender<bool>,
    /// What the file watcher pulls when a config file changes, for [`run`] to restart.
    pub restart: Arc<tokio::sync::Notify>,
    /// `server.proxy`: what goes to another server before the session sees it.
    pub proxy: crate::proxy::Proxy,
    /// `server.headers`, added to every response.
    pub headers: hyper::HeaderMap,
    /// `server.cors`: the pages of other origins that may load from this server.
    pub cors: crate::cors::Cors,
}

/// The host's clock for update timestamps (ms since the epoch).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The config as `nexxo dev` sees it: `--mode` defaults to development. `report`: say what of a
/// Vite config is applied (at start-up; not again when a `.env` edit loads it again).
pub fn dev_config(common: &crate::CommonArgs, report: bool) -> Result<ResolvedConfig, ExitCode> {
    let mode = common.mode.clone().unwrap_or_else(|| "development".into());
    let cli = CliOverrides { mode: Some(mode), ..Default::default() };
    if report {
        load_config::load(common, cli, "serve")
    } else {
        load_config::load_quiet(common, cli, "serve").map(|l| l.config)
    }
}

pub fn run(args: DevArgs) -> Result<(), ExitCode> {
    let mut started = Instant::now();
    let mut open = true;
    let mut config = dev_config(&args.common, true)?;
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
        let cache = Arc::new(crate::cache::Cache::open(&config.root, args.force));
        let restart = Arc::new(tokio::sync::Notify::new());
        // About the command line, so said once, not again at each restart.
        if args.instances.is_some() && args.engine == crate::EngineKind::Native {
            eprintln!(
                "{} --instances applies to --engine wasm only (native dev uses every core)",
                Style::stderr().yellow("warning:")
            );
        }
        // A config edit (nexxo.config.json, vite.config.*, tsconfig) starts a new session on the
        // same port, as Vite restarts its server: the config decides everything a session is
        // opened with. The listener stays, so no request is refused meanwhile.
        loop {
            // `--open` / `server.open` once, not again when a config edit restarts the session.
            let (state, watcher) = open_server(&args, config, &host, addr, &cache, &restart, started).await?;
            if std::mem::take(&mut open) {
                let url = served_url(addr, &state.session.config().base);
                let setting = state.session.config().server.open.as_ref();
                if let Some(url) = crate::server_options::open_url(&url, args.server.open.as_deref(), setting) {
                    crate::server_options::open_browser(&url);
                }
            }
            tokio::select! {
                () = http::serve(&listener, Arc::clone(&state)) => return Ok(()),
                () = restart.notified() => {}
            }
            let _ = state.stop.send(true);
            drop(watcher);
            let last = state.session.config().clone();
            drop(state);
            started = Instant::now();
            // Checked by the watcher before it asked; should it fail now, the last good one.
            config = dev_config(&args.common, true).unwrap_or(last);
        }
    })
}

/// One session of `nexxo dev` on `addr`: the engine opened on `config`, the watcher started, the
/// ready line printed.
async fn open_server(
    args: &DevArgs,
    config: ResolvedConfig,
    host: &str,
    addr: std::net::SocketAddr,
    cache: &Arc<crate::cache::Cache>,
    restart: &Arc<tokio::sync::Notify>,
    started: Instant,
) -> Result<(Arc<Server>, crate::watch::Watching), ExitCode> {
    let host = host.to_string();
    let mut allowed_hosts = vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()];
    if !allowed_hosts.contains(&host) && host != "0.0.0.0" && host != "::" {
        allowed_hosts.push(host.clone());
    }
    let bundled = !args.no_bundle && config.server.bundle.unwrap_or(true);
    let real_root = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    let mut fs_roots = crate::wasm_engine::project_roots(&real_root);
    // `server.fs.allow`: more directories the page may import from (a monorepo's shared
    // code); the engine may read them too, whichever model runs it.
    // Without it, Vite's default: the workspace root above the app (see `workspace`). Only
    // a real workspace is watched: the fallback, the nearest `package.json` above a root
    // that has none, could be a home directory.
    let mut not_watched = None;
    if config.server.fs.allow.is_empty() {
        let top = crate::workspace::default_allow(&real_root);
        if !fs_roots.iter().any(|r| top.starts_with(r)) {
            if !crate::workspace::is_workspace_root(&top) {
                not_watched = Some(top.clone());
            }
            fs_roots.push(top);
        }
    }
    for dir in &config.server.fs.allow {
        match std::fs::canonicalize(config.root.join(dir)) {
            Ok(real) if real.is_dir() => fs_roots.push(real),
            _ => eprintln!(
                "{} server.fs.allow: `{dir}` is not a directory (relative paths start at the root); ignored",
                Style::stderr().yellow("warning:")
            ),
        }
    }
    // Watched outside the root: only what the config (or the workspace default) allows, not
    // the `node_modules` directories above the root, which hold installed packages.
    let watch_extra: Vec<std::path::PathBuf> = fs_roots
        .iter()
        .filter(|r| !r.starts_with(&real_root) && !r.ends_with("node_modules") && Some(*r) != not_watched.as_ref())
        .cloned()
        .collect();
    let events = broadcast::channel(256).0;
    let (session, cache_note) = match args.engine {
        crate::EngineKind::Native => {
            let cache = Arc::clone(cache);
            let css_plugins = crate::css_plugins::for_config(&config, "development");
            let native = NativeHost { fs: OsFileSystem::new(false), cache, events: events.clone(), css_plugins };
            let options = DevOptions { bundled, fs_roots, externals: Vec::new() };
            let session = Arc::new(DevSession::open(config, native, options));
            // Find the app's dependencies before the first request so the page never waits on them.
            if let Err(e) = session.prepare().await {
                style::error(&e);
            }
            // After the start-up work, whose lookups are what a warm start saves.
            let note = cache_note(&session.host.cache);
            (Backend::Native(session), note)
        }
        crate::EngineKind::Wasm => {
            crate::wasm_engine::warn_unreadable_links(&fs_roots);
            let cache = Arc::clone(cache);
            // The engine pre-bundles the dependencies when its session opens (a blocking call).
            let ev = events.clone();
            let instances =
                args.instances.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from);
            let opened = tokio::task::spawn_blocking(move || {
                wasm::WasmDev::open(config, bundled, fs_roots, instances, cache, ev)
            })
            .await;
            let dev = match opened {
                Ok(Ok(dev)) => dev,
                Ok(Err(e)) => {
                    style::error(&e);
                    return Err(ExitCode::FAILURE);
                }
                Err(e) => {
                    style::error(&format!("internal error: {e}"));
                    return Err(ExitCode::from(70));
                }
            };
            let cache = dev.services.cache.as_deref().map_or_else(|| "cache: off".into(), cache_note);
            let note = format!(
                "WASM engine in wasmtime, {}, {instances} instance{} transforming; {cache}",
                dev.load_note,
                if instances == 1 { "" } else { "s" }
            );
            (Backend::Wasm(Arc::new(dev)), note)
        }
    };
    let proxy = crate::proxy::Proxy::new(&session.config().server.proxy).map_err(|e| {
        style::error(&e);
        ExitCode::FAILURE
    })?;
    let state = Arc::new(Server {
        proxy,
        headers: crate::server_options::headers(&session.config().server.headers),
        cors: crate::cors::Cors::new(session.config().server.cors.as_ref()),
        session,
        port: addr.port(),
        allowed_hosts,
        config_args: args.common.clone(),
        events,
        stop: tokio::sync::watch::channel(false).0,
        restart: Arc::clone(restart),
    });
    let config = state.session.config();
    let watcher = watch::start(Arc::clone(&state), &watch_extra).map_err(|e| {
        style::error(&format!("cannot watch {}: {e}", config.root.display()));
        ExitCode::FAILURE
    })?;
    let s = Style::stdout();
    // One line with all a script or a person waits for: the URL, the start-up time, the cache.
    println!(
        "  {} {} ready in {} ms at {} {}",
        s.cyan(&s.bold(&format!("nexxo v{}", env!("CARGO_PKG_VERSION")))),
        s.green("dev server"),
        s.bold(&started.elapsed().as_millis().to_string()),
        s.bold(&served_url(addr, &config.base)),
        s.dim(&format!("({cache_note})"))
    );
    // Build each page's bundle now, while the browser is still on its way.
    if let Backend::Native(session) = &state.session {
        let warm = Arc::clone(session);
        tokio::spawn(async move { warm.warm().await });
    }
    Ok((state, watcher))
}

/// The path the app is served under: an absolute `base`, else the root.
fn served_base(base: &str) -> &str {
    if base.starts_with('/') { base } else { "/" }
}

/// The app's URL as the ready line prints it.
fn served_url(addr: std::net::SocketAddr, base: &str) -> String {
    let shown = if addr.ip().is_loopback() { "localhost".to_string() } else { addr.ip().to_string() };
    format!("http://{shown}:{}{}", addr.port(), served_base(base))
}

/// The start-up line's account of the persistent cache.
fn cache_note(cache: &crate::cache::Cache) -> String {
    if cache.is_enabled() {
        format!("cache: {} hits, {} misses", cache.hits(), cache.misses())
    } else {
        "cache: off".to_string()
    }
}
