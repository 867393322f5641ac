//! Nexxo's dev engine: one [`DevSession`] that every host runs, `nexxo dev` natively over the disk
//! and the RocksDB cache, and the WASM engine over a memory tree. It owns what a page asks for
//! (pages, transformed modules in their served and runner forms, CSS as modules, pre-bundled
//! dependencies, source maps), the module graph and HMR propagation, and the error state. Hosts
//! own the network, the watcher, the clock and the cache's storage: they call
//! [`DevSession::request`] for each request, [`DevSession::file_changed`] for each change, and
//! deliver what the session [`DevHost::send`]s to the connected pages.
//!
//! No OS calls here: files come through [`DevHost::fs`], time through the callers' timestamps.

mod bundle;
mod glob;
mod hmr;
mod imports;
pub mod jobs;
mod page;
mod resolve;
mod serve;

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use nexxo_config::ResolvedConfig;
use nexxo_diagnostics::Diagnostic;
use nexxo_transform::Module;
use rolldown_fs::{FileSystem, OxcResolverFileSystem as _};
use rolldown_resolver::Resolver;

pub use hmr::Change;
pub use serve::{Response, is_script};

/// The page runtime every dev page loads as `/@nexxo/client`: the HMR connection,
/// `import.meta.hot`, Fast Refresh scheduling, the module registry of bundled dev and the overlay.
pub const CLIENT_JS: &str = include_str!("client.js");

/// What a host gives a session: files, a persistent cache, a way to reach the pages, a terminal.
pub trait DevHost: Send + Sync + 'static {
    type Fs: FileSystem + Clone + Debug + 'static;

    /// The project's files (and the packages above it).
    fn fs(&self) -> &Self::Fs;

    /// A value stored under `key` by an earlier [`DevHost::cache_put`], in this process or before.
    fn cache_get(&self, _key: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn cache_put(&self, _key: &[u8], _value: &[u8]) {}

    /// Drops a value that turned out unreadable.
    fn cache_forget(&self, _key: &[u8]) {}

    /// A stamp that changes when an entry is added to, removed from or renamed in `dir` (its
    /// modification time on disk). `None` turns off the persistent resolution cache, which is
    /// only as good as these stamps.
    fn dir_stamp(&self, _dir: &Path) -> Option<u128> {
        None
    }

    /// Delivers a message (JSON text: `update`, `full-reload`, `error`, `prune`) to every page.
    fn send(&self, message: String);

    /// Something the developer should read in the terminal (`warning: ...` lines, progress).
    fn info(&self, text: &str);

    fn warn(&self, text: &str);

    /// An error in the app: printed in the terminal (it is shown in the pages too).
    fn error(&self, diagnostic: &Diagnostic);

    /// The project's JavaScript CSS tools (PostCSS, Tailwind CSS, Less, Stylus), if this host can
    /// run them (see [`nexxo_css::plugins`]); without them, Less and Stylus are refused and sheets
    /// that need PostCSS get a warning.
    fn css_plugins(&self) -> Option<&dyn nexxo_css::plugins::CssPlugins> {
        None
    }

    /// Runs independent jobs (pure functions of their input) and answers in their order. The
    /// default uses this process's cores; a host with more to offer (wasmtime's pool of engine
    /// instances, for a session inside one instance) runs them there. Same input, same output.
    fn run_jobs(&self, jobs: &[jobs::Job]) -> Vec<jobs::Done> {
        jobs::run_all(jobs)
    }
}

/// How a host opens a session.
#[derive(Debug, Clone, Default)]
pub struct DevOptions {
    /// Each entry's modules go to the page in one script (see `bundle`); with `false`, one request
    /// per module (`--no-bundle`).
    pub bundled: bool,
    /// Canonical directories `/@fs/` files may be in: the root and the `node_modules` directories
    /// above it.
    pub fs_roots: Vec<PathBuf>,
    /// Bare specifiers the page supplies itself (the playground's React): imports of them stay
    /// as written, and the page runtime hands out its own module.
    pub externals: Vec<String>,
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Deps {
    /// File name under /@deps/ to code.
    pub files: HashMap<String, String>,
    /// Bare specifier to (file name, needs CommonJS interop).
    pub entries: HashMap<String, (String, bool)>,
}

pub struct DevSession<H: DevHost> {
    pub host: H,
    pub config: ResolvedConfig,
    /// `import.meta.env` as a JS object literal, injected into every module; replaced when a
    /// `.env` file changes (see [`DevSession::env_changed`]).
    env_json: RwLock<String>,
    resolver: Resolver<H::Fs>,
    fs_roots: Vec<PathBuf>,
    externals: Vec<String>,
    /// What `/@fs/` serves: the package directories (or, outside packages, the single files) that
    /// the app's own imports and their CSS `url()`s reached, so a page can fetch nothing else
    /// outside the root, whatever the spelling.
    fs_allowed: RwLock<HashSet<PathBuf>>,
    /// Persisted resolution results (see `resolve`).
    resolutions: resolve::ResolveCache,
    pub react_refresh: bool,
    /// `define` and `process.env.NODE_ENV` (as the mode, like Vite's dev server), for transforms.
    defines: Vec<(String, String)>,
    pub bundled: bool,
    /// Runner forms of served modules by content key (see `serve::runner_form`).
    runners: Mutex<HashMap<Vec<u8>, Arc<str>>>,
    /// Built bundles by entry, with the generation they were built at; held while one is built
    /// so the start-up warm-up and the page's request do not both build it.
    bundles: tokio::sync::Mutex<HashMap<String, (u64, Arc<bundle::Bundle>)>>,
    /// Bumped by anything that can change what a module is served as: a file event, an HMR
    /// timestamp, re-bundled dependencies.
    generation: AtomicU64,
    /// The last HMR timestamp handed out (see `hmr::next_ts`).
    last_ts: AtomicU64,
    /// The HMR graph, keyed by URL path.
    graph: Mutex<nexxo_hmr::Graph>,
    /// Transformed modules by file, with the source they came from.
    transforms: Mutex<HashMap<PathBuf, (String, Arc<Module>)>>,
    /// What each module's `import.meta.glob` calls listed (see `glob`).
    globs: glob::Globs,
    deps: RwLock<Deps>,
    /// Serializes dependency re-bundling.
    deps_lock: tokio::sync::Mutex<()>,
    /// The last error shown, sent to clients that connect later; cleared by a good update.
    last_error: Mutex<Option<String>>,
    /// The PostCSS-config warning is printed once per session.
    postcss_warned: AtomicBool,
    /// What the CSS plugins made each sheet from, by the sheet's URL (see `hmr::on_change`):
    /// a class added to a component changes the Tailwind sheet.
    postcss_inputs: Mutex<HashMap<String, nexxo_css::plugins::Processed>>,
    /// See [`DevSession::reloads`].
    reloads: AtomicU64,
}

/// Whether `source` (tsconfig's `jsxImportSource`) is a JSX runtime of a library other than
/// React, whose components React Fast Refresh cannot keep (React-based ones, such as
/// `@emotion/react`, keep it).
fn non_react_jsx(source: &str) -> bool {
    ["preact", "solid-js", "vue", "hono/jsx", "@builder.io/qwik", "inferno", "million"]
        .iter()
        .any(|lib| source == *lib || source.starts_with(&format!("{lib}/")))
}

impl<H: DevHost> DevSession<H> {
    /// A session for `config`'s project over `host`'s files. Nothing is read until the first
    /// request, except what decides the session's transform options (is React installed,
    /// tsconfig's decorators).
    pub fn open(config: ResolvedConfig, host: H, options: DevOptions) -> Self {
        let resolver = Resolver::new(
            host.fs().clone(),
            config.root.clone(),
            rolldown::Platform::Browser,
            &rolldown::TsConfig::Auto(true),
            nexxo_bundler::dev_resolve_options(&config),
        );
        // Fast Refresh for any app that has React: the runtime is Nexxo's own, never the app's,
        // so apps need not install `react-refresh`. Without React, components are not registered,
        // so an edit reloads as for any module without an HMR boundary.
        let ts = &config.ts;
        // JSX for another library (`jsxImportSource: "preact"`, a classic `h` factory) makes no
        // React components, whatever else is installed.
        let react_jsx = !ts.jsx_import_source.as_deref().is_some_and(non_react_jsx)
            && !(ts.jsx_classic && ts.jsx_factory.as_deref().is_some_and(|f| !f.starts_with("React.")));
        let react_refresh = react_jsx
            && (options.externals.iter().any(|e| e == "react")
                || resolver
                    .resolve(Some(&config.root.join("index.html")), "react", rolldown_common::ImportKind::Import, false)
                    .is_ok());
        let resolutions = resolve::ResolveCache::new(host.fs(), &config);
        let defines = nexxo_bundler::global_defines(&config, &config.mode);
        Self {
            env_json: RwLock::new(serve::import_meta_env(&config)),
            resolver,
            fs_roots: options.fs_roots,
            externals: options.externals,
            fs_allowed: RwLock::default(),
            resolutions,
            react_refresh,
            defines,
            bundled: options.bundled,
            runners: Mutex::default(),
            bundles: tokio::sync::Mutex::default(),
            generation: AtomicU64::new(0),
            last_ts: AtomicU64::new(0),
            graph: Mutex::default(),
            transforms: Mutex::default(),
            globs: glob::Globs::default(),
            deps: RwLock::default(),
            deps_lock: tokio::sync::Mutex::new(()),
            last_error: Mutex::default(),
            postcss_warned: AtomicBool::new(false),
            postcss_inputs: Mutex::default(),
            reloads: AtomicU64::new(0),
            host,
            config,
        }
    }

    /// Finds the app's dependencies and pre-bundles them, so the first page load never waits on
    /// them (a host calls this before it starts serving).
    pub async fn prepare(self: &Arc<Self>) -> Result<(), String> {
        let found = serve::crawl_dependencies(self);
        serve::bundle_dependencies(self, found).await
    }

    /// Builds each page's bundle (bundled dev), while the browser is still on its way.
    pub async fn warm(self: &Arc<Self>) {
        if self.bundled {
            bundle::warm_bundles(self).await;
        }
    }

    /// The module URLs the pages start, in page order.
    pub fn entries(&self) -> Vec<String> {
        bundle::page_entries(self)
    }

    /// Every module `entry` reaches, in import order, in runner form (or the error that stops
    /// it): the modules a host without HTTP hands its page's runtime (`define(url, fn)`).
    pub async fn entry_modules(self: &Arc<Self>, entry: &str) -> Vec<(String, Result<Arc<str>, Diagnostic>)> {
        bundle::entry_modules(self, entry).await
    }

    /// How the app's modules are transformed (one set for every module of the session).
    pub fn transform_options(&self) -> nexxo_transform::Options {
        nexxo_transform::Options {
            react_refresh: self.react_refresh,
            defines: self.defines.clone(),
            ts: self.config.ts.clone(),
        }
    }

    /// The message a page that connects now should see first: the error on screen, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().expect("error slot").clone()
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
        let real = self.host.fs().canonicalize(file).ok()?;
        if !self.is_file(&real) || !self.fs_roots.iter().any(|r| real.starts_with(r)) {
            return None;
        }
        let url = format!("/@fs{}", file.to_str()?);
        // A package's whole directory: its code finds files next to the ones imported (Leaflet
        // loads marker-shadow.png from the directory of the icon its CSS names).
        let scope = package_dir(file).unwrap_or(file).to_path_buf();
        self.fs_allowed.write().expect("fs allowlist").insert(scope);
        Some(url)
    }

    /// The URL an app's code or style sheet gets for a served file (`url`, from [`Self::url_of`]):
    /// under `server.origin` when it is set, for a page that another server serves (a backend's),
    /// where a root-absolute URL would name that server's files.
    pub fn asset_url(&self, url: &str) -> String {
        match &self.config.server.origin {
            Some(origin) if url.starts_with('/') => format!("{}{url}", origin.trim_end_matches('/')),
            _ => url.to_string(),
        }
    }

    /// The file a request path names, if the page may have it: `url_of`'s inverse.
    pub fn file_of(&self, url_path: &str) -> Option<PathBuf> {
        let canonicalize = |p: &Path| self.host.fs().canonicalize(p).ok();
        let Some(abs) = url_path.strip_prefix("/@fs/") else {
            return nexxo_http_util::safe_path_in(&self.config.root, url_path, canonicalize)
                .filter(|f| f.starts_with(&self.config.root));
        };
        let allowed = self.fs_allowed.read().expect("fs allowlist");
        // Below the allowed directory: no `..`, no dotfiles, and no symlink out of the roots.
        nexxo_http_util::fs_url_file_in(abs, |dir| allowed.contains(dir), &self.fs_roots, canonicalize)
    }

    pub(crate) fn is_file(&self, path: &Path) -> bool {
        self.host.fs().metadata(path).is_ok_and(|m| m.is_file())
    }

    pub(crate) fn is_dir(&self, path: &Path) -> bool {
        self.host.fs().metadata(path).is_ok_and(|m| m.is_dir())
    }

    pub(crate) fn invalidate_bundles(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Reloads every page. The error shown is dropped: a reloaded page asks for everything again,
    /// and whatever is still broken is reported again then; a fixed one must not come back.
    pub fn reload_pages(&self) {
        *self.last_error.lock().expect("error slot") = None;
        let reloads = self.reloads.fetch_add(1, Ordering::SeqCst) + 1;
        self.broadcast(serde_json::json!({ "type": "full-reload", "reloads": reloads }));
    }

    /// How many times the pages were told to reload. A page carries the count it was served at,
    /// and hosts tell a page that connects the count now: a page that was still loading when a
    /// reload went out (so it never heard it) reloads then, instead of keeping what it got.
    pub fn reloads(&self) -> u64 {
        self.reloads.load(Ordering::SeqCst)
    }

    pub(crate) fn broadcast(&self, msg: serde_json::Value) {
        self.host.send(msg.to_string());
    }

    /// Prints the error and shows it in every connected page.
    pub fn report_error(&self, d: &Diagnostic) {
        self.host.error(d);
        let msg = error_message(d);
        *self.last_error.lock().expect("error slot") = Some(msg.to_string());
        self.broadcast(msg);
    }

    /// A `.env` file changed and the host loaded the config again: if `import.meta.env` changed,
    /// modules are served with the new values and the pages reload. Returns whether it changed.
    pub fn env_changed(&self, config: &ResolvedConfig) -> bool {
        let env = serve::import_meta_env(config);
        if *self.env_json.read().expect("env") == env {
            return false;
        }
        *self.env_json.write().expect("env") = env;
        self.invalidate_bundles();
        self.reload_pages();
        true
    }
}

/// The `error` message pages get for `d` (the overlay shows it).
pub fn error_message(d: &Diagnostic) -> serde_json::Value {
    serde_json::json!({ "type": "error", "error": {
        "code": d.code, "message": d.message, "file": d.file, "line": d.line, "column": d.column,
        "frame": d.frame, "hint": d.hint,
    }})
}

/// A stable key for the host's cache: `namespace` plus a 128-bit hash of `parts`.
pub fn cache_key(namespace: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    format!("{namespace}:{:032x}", h.digest128()).into_bytes()
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
