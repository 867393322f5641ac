//! `nexxo dev`: transforms the app's modules one by one, sends each page entry's modules in one
//! script (or, with `--no-bundle`, one request per module), with dependencies pre-bundled once,
//! and pushes updates over a WebSocket when files change.
//!
//! Serving model, and why: see README ("Dev server measurements"). In short, a browser loading
//! thousands of separate modules spends seconds on per-module overhead, so the page gets one
//! script per entry; an edit still costs one small transform (well under a millisecond) and one
//! module fetched again, never a rebuild of the bundle.

mod glob;
mod hmr;
mod imports;
mod resolve;
mod serve;
mod watch;

use std::collections::{HashMap, HashSet};
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
    /// `import.meta.env` as a JS object literal, injected into every module; computed again when
    /// a `.env` file changes.
    pub env_json: RwLock<String>,
    /// Where the config came from, to load it again when a `.env` file changes.
    pub config_args: crate::CommonArgs,
    pub cache: crate::cache::Cache,
    pub port: u16,
    pub allowed_hosts: Vec<String>,
    pub resolver: Resolver<OsFileSystem>,
    /// The root and the `node_modules` directories above it, canonical: where `/@fs/` files may be.
    pub fs_roots: Vec<PathBuf>,
    /// What `/@fs/` serves: the package directories (or, outside packages, the single files) that
    /// the app's own imports and their CSS `url()`s reached, so a page can fetch nothing else
    /// outside the root, whatever the spelling.
    pub fs_allowed: RwLock<HashSet<PathBuf>>,
    /// Persisted resolution results (see `resolve`).
    pub resolutions: resolve::ResolveCache,
    pub react_refresh: bool,
    /// tsconfig.json's decorator settings at start-up: (experimentalDecorators, emitDecoratorMetadata).
    pub decorators: (bool, bool),
    /// Each entry's modules go to the page in one script (see `serve::bundle`); updates and files
    /// added later are still fetched one by one.
    pub bundled: bool,
    /// Runner forms of served modules by content key (see `serve::runner_form`).
    pub runners: Mutex<HashMap<Vec<u8>, Arc<str>>>,
    /// Built bundles by entry, with the generation they were built at; held while one is built
    /// so the start-up warm-up and the page's request do not both build it.
    pub bundles: tokio::sync::Mutex<HashMap<String, (u64, Arc<serve::Bundle>)>>,
    /// Bumped by anything that can change what a module is served as: a file event, an HMR
    /// timestamp, re-bundled dependencies.
    pub generation: AtomicU64,
    /// The last HMR timestamp handed out (see `hmr::next_ts`).
    pub last_ts: AtomicU64,
    /// The HMR graph, keyed by URL path.
    pub graph: Mutex<nexxo_hmr::Graph>,
    /// Transformed modules by file, with the source they came from.
    pub transforms: Mutex<HashMap<PathBuf, (String, Arc<Module>)>>,
    /// What each module's `import.meta.glob` calls listed (see `glob`).
    pub globs: glob::Globs,
    pub deps: RwLock<Deps>,
    /// Serializes dependency re-bundling.
    pub deps_lock: tokio::sync::Mutex<()>,
    pub events: broadcast::Sender<String>,
    /// The last error shown, sent to clients that connect later; cleared by a good update.
    pub last_error: Mutex<Option<String>>,
}

impl DevState {
    /// How the app's modules are transformed (one set for every module of the session).
    pub fn transform_options(&self) -> nexxo_transform::Options {
        nexxo_transform::Options {
            react_refresh: self.react_refresh,
            legacy_decorators: self.decorators.0,
            decorator_metadata: self.decorators.1,
        }
    }

    /// The URL the page uses for `file`: its path under the root, or `/@fs/` + its absolute path
    /// for a file the root's URLs cannot name (a package hoisted above the root, pnpm's `.pnpm`
    /// store), which is then servable (see `fs_allowed`). `None` for files outside both.
    pub fn url_of(&self, file: &Path) -> Option<String> {
        if let Ok(rel) = file.strip_prefix(&self.config.root)
            && !rel.components().any(|c| c.as_os_str().as_encoded_bytes().starts_with(b"."))
        {
            return Some(format!("/{}", rel.to_string_lossy().replace('\\', "/")));
        }
        // Dotfiles (`.env`, `.npmrc`) never get a URL, wherever they are.
        if file.file_name().is_none_or(|n| n.as_encoded_bytes().starts_with(b".")) {
            return None;
        }
        let real = std::fs::canonicalize(file).ok()?;
        if !real.is_file() || !self.fs_roots.iter().any(|r| real.starts_with(r)) {
            return None;
        }
        let url = format!("/@fs{}", file.to_str()?);
        // A package's whole directory: its code finds files next to the ones imported (Leaflet
        // loads marker-shadow.png from the directory of the icon its CSS names).
        let scope = package_dir(file).unwrap_or(file).to_path_buf();
        self.fs_allowed.write().expect("fs allowlist").insert(scope);
        Some(url)
    }

    /// The file a request path names, if the page may have it: `url_of`'s inverse.
    pub fn file_of(&self, url_path: &str) -> Option<PathBuf> {
        let Some(abs) = url_path.strip_prefix("/@fs/") else {
            return crate::http_util::safe_path(&self.config.root, url_path)
                .filter(|f| f.starts_with(&self.config.root));
        };
        let allowed = self.fs_allowed.read().expect("fs allowlist");
        // Below the allowed directory: no `..`, no dotfiles, and no symlink out of the roots.
        crate::http_util::fs_url_file(abs, |dir| allowed.contains(dir), &self.fs_roots)
    }

    pub fn invalidate_bundles(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Reloads every page. The error shown is dropped: a reloaded page asks for everything again,
    /// and whatever is still broken is reported again then; a fixed one must not come back.
    pub fn reload_pages(&self) {
        *self.last_error.lock().expect("error slot") = None;
        self.broadcast(serde_json::json!({ "type": "full-reload" }));
    }

    pub fn broadcast(&self, msg: serde_json::Value) {
        let _ = self.events.send(msg.to_string());
    }
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
        let fs = OsFileSystem::new(false);
        let resolver = Resolver::new(
            fs,
            config.root.clone(),
            rolldown::Platform::Browser,
            &rolldown::TsConfig::Auto(true),
            nexxo_bundler::dev_resolve_options(&config),
        );
        // Fast Refresh for any app that has React: the runtime is Nexxo's own (see serve.rs,
        // REACT_REFRESH_JS), never the app's, so apps need not install `react-refresh` and every
        // app gets the version Nexxo is tested with. Without React, components are not
        // registered, so an edit reloads as for any module without an HMR boundary.
        let react_refresh = resolver
            .resolve(Some(&config.root.join("index.html")), "react", rolldown_common::ImportKind::Import, false)
            .is_ok();
        let mut allowed_hosts = vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()];
        if !allowed_hosts.contains(&host) && host != "0.0.0.0" && host != "::" {
            allowed_hosts.push(host.clone());
        }
        let cache = crate::cache::Cache::open(&config.root, args.force);
        let bundled = !args.no_bundle && config.server.bundle.unwrap_or(true);
        let real_root = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
        let fs_roots = crate::wasm_engine::project_roots(&real_root);
        // The build reads tsconfig through rolldown; dev transforms one module at a time with oxc.
        let decorators = std::fs::read_to_string(config.root.join("tsconfig.json"))
            .map(|t| nexxo_config::tsconfig_decorators(&t))
            .unwrap_or_default();
        let state = Arc::new(DevState {
            cache,
            env_json: RwLock::new(serve::import_meta_env(&config)),
            config_args: args.common.clone(),
            resolutions: resolve::ResolveCache::new(&config),
            config,
            port: addr.port(),
            allowed_hosts,
            resolver,
            fs_roots,
            fs_allowed: RwLock::default(),
            react_refresh,
            decorators,
            bundled,
            runners: Mutex::default(),
            bundles: tokio::sync::Mutex::default(),
            generation: AtomicU64::new(0),
            last_ts: AtomicU64::new(0),
            graph: Mutex::default(),
            transforms: Mutex::default(),
            globs: glob::Globs::default(),
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
        // One line with all a script or a person waits for: the URL, the start-up time, the cache.
        println!(
            "  {} {} ready in {} ms at {} {}",
            s.cyan(&s.bold(&format!("nexxo v{}", env!("CARGO_PKG_VERSION")))),
            s.green("dev server"),
            s.bold(&started.elapsed().as_millis().to_string()),
            s.bold(&format!("http://{shown}:{}{}", addr.port(), served_base(&state.config.base))),
            s.dim(&format!("({cache_note})"))
        );
        if state.bundled {
            // Build each page's bundle now, while the browser is still on its way.
            let warm = Arc::clone(&state);
            tokio::spawn(async move { serve::warm_bundles(&warm).await });
        }
        serve::serve(listener, state).await;
        Ok(())
    })
}

/// The path the app is served under: an absolute `base`, else the root.
fn served_base(base: &str) -> &str {
    if base.starts_with('/') { base } else { "/" }
}

/// The directory of the npm package holding `file` (`.../node_modules/name` or
/// `.../node_modules/@scope/name`), if it is in one.
fn package_dir(file: &Path) -> Option<&Path> {
    let parts: Vec<_> = file.components().collect();
    let nm = parts.iter().rposition(|c| c.as_os_str() == "node_modules")?;
    let scoped = parts.get(nm + 1)?.as_os_str().as_encoded_bytes().starts_with(b"@");
    let depth = nm + if scoped { 3 } else { 2 };
    if depth >= parts.len() {
        return None;
    }
    file.ancestors().nth(parts.len() - depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_dir_of_plain_scoped_and_pnpm_files() {
        let p = |s: &str| package_dir(Path::new(s)).map(|d| d.to_string_lossy().into_owned());
        assert_eq!(p("/w/node_modules/leaflet/dist/leaflet.css").as_deref(), Some("/w/node_modules/leaflet"));
        assert_eq!(
            p("/w/node_modules/@fontsource/inter/index.css").as_deref(),
            Some("/w/node_modules/@fontsource/inter")
        );
        assert_eq!(
            p("/w/node_modules/.pnpm/a@1.0.0/node_modules/a/x.css").as_deref(),
            Some("/w/node_modules/.pnpm/a@1.0.0/node_modules/a")
        );
        assert_eq!(p("/w/node_modules/leaflet"), None);
        assert_eq!(p("/w/node_modules/@scope/x"), None);
        assert_eq!(p("/w/src/.storybook/x.css"), None);
    }
}
