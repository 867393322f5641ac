//! A dev session over in-memory files: what an in-browser preview (the playground, an online IDE)
//! runs instead of `nexxo dev`. It is the same [`nexxo_dev::DevSession`] that `nexxo dev` runs,
//! over a [`MemoryFs`] instead of the disk, so pages get the same modules and the same HMR
//! updates; only the transport differs. The page runs `/@nexxo/client` (the one dev runtime) with
//! `globalThis.__nexxo_transport` set, defines the modules [`Session::open`] returns, and hands it
//! the messages every [`Session::update`] returns.

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use nexxo_config::{CliOverrides, ResolvedConfig};
use nexxo_dev::{Change, DevHost, DevOptions, DevSession};
use nexxo_diagnostics::Diagnostic;
use nexxo_memfs::MemoryFs;
use rolldown_fs::FileSystem;
use serde::{Deserialize, Serialize};

use crate::protocol::{BuildRequest, Contents, InputFile, Message};

/// What a session's host provides: the files a session reads (a memory tree the caller edits
/// through the session, or a host's own files through wasmtime's `nexxo_host` imports, which the
/// host edits itself) and, where it has them, spare cores and a persistent cache.
pub trait SessionFs: FileSystem + Clone + Debug + 'static {
    /// Puts an edit (`None`: a removal) into the tree before the session hears of it.
    fn apply(&self, path: &Path, contents: Option<Vec<u8>>);

    /// Runs the session's parallel jobs where the host has cores to spare (wasmtime: its pool
    /// of engine instances); `None` when it has none, and the session runs them itself.
    fn run_jobs(&self, _jobs: &[nexxo_dev::jobs::Job]) -> Option<Vec<nexxo_dev::jobs::Done>> {
        None
    }

    /// The host's persistent cache (wasmtime: RocksDB on disk); none by default.
    fn cache_get(&self, _key: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn cache_put(&self, _key: &[u8], _value: &[u8]) {}

    fn cache_forget(&self, _key: &[u8]) {}
}

impl SessionFs for MemoryFs {
    fn apply(&self, path: &Path, contents: Option<Vec<u8>>) {
        match contents {
            Some(bytes) => self.insert(path, bytes),
            None => {
                self.remove(path);
            }
        }
    }
}

/// What the session gives a page without a server: the files, and an outbox for its messages.
#[derive(Default)]
pub struct SessionHost<F> {
    fs: F,
    outbox: Mutex<Vec<serde_json::Value>>,
    warnings: Mutex<Vec<String>>,
    /// The errors reported since the last call, rendered as the terminal shows them.
    errors: Mutex<Vec<Message>>,
}

/// The session host of in-memory projects (browser, edge, Node).
pub type MemoryHost = SessionHost<MemoryFs>;

impl<F: SessionFs> DevHost for SessionHost<F> {
    type Fs = F;

    fn fs(&self) -> &F {
        &self.fs
    }

    fn send(&self, message: String) {
        if let Ok(v) = serde_json::from_str(&message) {
            self.outbox.lock().expect("outbox").push(v);
        }
    }

    fn info(&self, _text: &str) {}

    fn warn(&self, text: &str) {
        self.warnings.lock().expect("warnings").push(text.to_string());
    }

    // Errors reach the page as `error` messages; the caller also gets them in `errors`.
    fn error(&self, d: &Diagnostic) {
        self.errors.lock().expect("errors").push(Message::from_diagnostic(d));
    }

    fn run_jobs(&self, jobs: &[nexxo_dev::jobs::Job]) -> Vec<nexxo_dev::jobs::Done> {
        self.fs.run_jobs(jobs).unwrap_or_else(|| nexxo_dev::jobs::run_all(jobs))
    }

    fn cache_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.fs.cache_get(key)
    }

    fn cache_put(&self, key: &[u8], value: &[u8]) {
        self.fs.cache_put(key, value);
    }

    fn cache_forget(&self, key: &[u8]) {
        self.fs.cache_forget(key);
    }
}

/// `session.open`: the request's files plus the packages the page supplies itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenRequest {
    #[serde(flatten)]
    pub request: BuildRequest,
    /// Bare specifiers the page provides (`react`, `react-dom/client`...): imports of them stay
    /// as written and the page's runtime supplies the module.
    #[serde(default)]
    pub externals: Vec<String>,
}

/// One module for the page's registry, in runner form.
#[derive(Debug, Clone, Serialize)]
pub struct SessionModule {
    pub url: String,
    pub code: String,
}

/// What opening a session gives the page.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionStart {
    pub ok: bool,
    /// The module the page runs first (its first module script).
    pub entry: String,
    /// Every module the entry reaches, in import order: `define(url, fn)` each, then `load(entry)`.
    pub modules: Vec<SessionModule>,
    /// The dev runtime (`/@nexxo/client`), to import as a module.
    pub client: String,
    pub errors: Vec<Message>,
    pub warnings: Vec<String>,
}

/// What an edit gives the page.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUpdate {
    pub ok: bool,
    /// The session's messages, for the runtime's `receive` in order (`update`, `full-reload`,
    /// `prune`, `error`), exactly as `nexxo dev` sends them over its WebSocket.
    pub messages: Vec<serde_json::Value>,
    /// The errors among them, for an editor's problem list.
    pub errors: Vec<Message>,
    /// True when the page must start over ([`Session::open`] again): a page, the config or a
    /// `.env` file changed, or an update reached a module nobody accepts.
    pub full_reload: bool,
    pub warnings: Vec<String>,
}

/// An answer to [`Session::request`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResponse {
    pub status: u16,
    pub content_type: String,
    pub text: String,
}

/// What a host serving HTTP itself (`nexxo dev --engine wasm`) gets for a request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServeResponse {
    pub status: u16,
    pub content_type: String,
    #[serde(flatten)]
    pub body: Contents,
    pub no_cache: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Messages for the pages that serving this produced (an error, a prune).
    pub messages: Vec<serde_json::Value>,
    /// Errors reported while serving, rendered for the terminal.
    pub errors: Vec<Message>,
    pub warnings: Vec<String>,
}

/// What a file change did, for a host serving HTTP itself.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedResponse {
    pub changes: Vec<Change>,
    pub messages: Vec<serde_json::Value>,
    pub errors: Vec<Message>,
    pub warnings: Vec<String>,
}

pub struct Session<F: SessionFs = MemoryFs> {
    root: PathBuf,
    dev: Arc<DevSession<SessionHost<F>>>,
    runtime: tokio::runtime::Runtime,
    /// Update timestamps: a counter, so the same edits give the same messages in every host
    /// (the engine has no clock).
    clock: u64,
}

impl Session<MemoryFs> {
    /// Opens a session on the request's files (mode `development` unless the request says).
    pub fn open(open: OpenRequest) -> Result<(Self, SessionStart), Message> {
        Self::open_with(open, |fs| fs)
    }
}

impl<F: SessionFs> Session<F> {
    /// [`Session::open`] for a host whose file system type wraps the request's [`MemoryFs`] (the
    /// WASM engine has one type for its in-memory and host files, so the bundler is compiled once).
    pub fn open_with(open: OpenRequest, wrap: impl FnOnce(MemoryFs) -> F) -> Result<(Self, SessionStart), Message> {
        let mut request = open.request;
        let fs = crate::memory_fs(&request.root, std::mem::take(&mut request.files)).map_err(Message::plain)?;
        let overrides =
            CliOverrides { mode: request.overrides.mode.clone().or(Some("development".into())), ..request.overrides };
        let (config, config_warning): (ResolvedConfig, Option<String>) = match request.resolved {
            Some(c) => (c, None),
            None => crate::load_config(&request.root, overrides, &request.env, &fs)?,
        };
        let options = DevOptions { bundled: true, fs_roots: vec![config.root.clone()], externals: open.externals };
        let (session, errors) = Session::open_on(wrap(fs), config, options)?;
        let dev = &session.dev;
        let mut start = SessionStart { client: nexxo_dev::CLIENT_JS.to_string(), errors, ..Default::default() };
        let Some(entry) = dev.entries().into_iter().next() else {
            return Err(Message::plain(
                "no entry: add index.html with a <script type=\"module\" src=...> or a script in build.input".into(),
            ));
        };
        for (url, code) in session.runtime.block_on(dev.entry_modules(&entry)) {
            match code {
                Ok(code) => start.modules.push(SessionModule { url, code: code.to_string() }),
                Err(d) => start.errors.push(Message::from_diagnostic(&d)),
            }
        }
        dev.host.errors.lock().expect("errors").clear();
        start.entry = entry;
        start.ok = start.errors.is_empty();
        start.warnings = std::mem::take(&mut *dev.host.warnings.lock().expect("warnings"));
        start.warnings.splice(0..0, config_warning);
        // Errors are in `errors`; the page starts without a stale overlay message.
        dev.host.outbox.lock().expect("outbox").clear();
        Ok((session, start))
    }

    /// A session over `fs`, dependencies pre-bundled. A host that serves the pages itself
    /// (`nexxo dev --engine wasm`) then calls [`Session::serve`] and [`Session::changed`];
    /// [`Session::open`] starts a page without a server on it.
    pub fn open_on(fs: F, config: ResolvedConfig, options: DevOptions) -> Result<(Self, Vec<Message>), Message> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| Message::plain(format!("cannot start the async runtime: {e}")))?;
        let root = config.root.clone();
        let host = SessionHost { fs, outbox: Mutex::default(), warnings: Mutex::default(), errors: Mutex::default() };
        let dev = Arc::new(DevSession::open(config, host, options));
        let mut errors = Vec::new();
        if let Err(e) = runtime.block_on(dev.prepare()) {
            errors.push(Message::plain(e));
        }
        Ok((Self { root, dev, runtime, clock: 0 }, errors))
    }

    fn drain(&self) -> (Vec<serde_json::Value>, Vec<Message>, Vec<String>) {
        let host = &self.dev.host;
        (
            std::mem::take(&mut *host.outbox.lock().expect("outbox")),
            std::mem::take(&mut *host.errors.lock().expect("errors")),
            std::mem::take(&mut *host.warnings.lock().expect("warnings")),
        )
    }

    /// Answers a request as `nexxo dev` would, with what serving it sent to the pages.
    pub fn serve(&mut self, path: &str, query: &str) -> ServeResponse {
        let r = self.runtime.block_on(self.dev.request(path, query));
        let (messages, errors, warnings) = self.drain();
        ServeResponse {
            status: r.status,
            content_type: r.content_type.to_string(),
            body: Contents::from_bytes(r.body),
            no_cache: r.no_cache,
            location: r.location,
            messages,
            errors,
            warnings,
        }
    }

    /// Files the host saw change (it already wrote them), at the host's clock `now` (ms).
    pub fn changed(&mut self, paths: &[PathBuf], now: u64) -> ChangedResponse {
        let mut changes = Vec::new();
        for path in paths {
            changes.push(self.runtime.block_on(self.dev.file_changed(path, now)));
        }
        let (messages, errors, warnings) = self.drain();
        ChangedResponse { changes, messages, errors, warnings }
    }

    /// A message from a page (`import.meta.hot.invalidate()`); returns what goes to the pages.
    pub fn client_message(&mut self, text: &str, now: u64) -> Vec<serde_json::Value> {
        self.runtime.block_on(self.dev.client_message(text, now));
        self.drain().0
    }

    /// The host loaded the config again after a `.env` change; returns whether `import.meta.env`
    /// changed and what goes to the pages.
    pub fn env_changed(&mut self, config: &ResolvedConfig) -> (bool, Vec<serde_json::Value>) {
        let changed = self.dev.env_changed(config);
        (changed, self.drain().0)
    }

    /// Applies edits (files written and removed) and returns what the page should do.
    pub fn update(&mut self, changed: Vec<InputFile>, removed: Vec<String>) -> SessionUpdate {
        let mut update = SessionUpdate::default();
        let mut touched = Vec::new();
        for f in changed {
            match (crate::memory_fs_path(&self.root, &f.path), f.contents.bytes()) {
                (Ok(path), Ok(bytes)) => {
                    self.dev.host.fs.apply(&path, Some(bytes));
                    touched.push(path);
                }
                (Err(e), _) | (_, Err(e)) => update.errors.push(Message::plain(e)),
            }
        }
        for r in removed {
            match crate::memory_fs_path(&self.root, &r) {
                Ok(path) => {
                    self.dev.host.fs.apply(&path, None);
                    touched.push(path);
                }
                Err(e) => update.errors.push(Message::plain(e)),
            }
        }
        if !update.errors.is_empty() {
            return update;
        }
        for path in touched {
            // The config decides everything the session was opened with: start over.
            if is_config(&self.root, &path) {
                update.full_reload = true;
                continue;
            }
            self.clock += 1;
            let _ = self.runtime.block_on(self.dev.file_changed(&path, self.clock));
        }
        update.messages = std::mem::take(&mut *self.dev.host.outbox.lock().expect("outbox"));
        update.full_reload |= update.messages.iter().any(|m| m["type"] == "full-reload");
        update.errors = std::mem::take(&mut *self.dev.host.errors.lock().expect("errors"));
        update.ok = update.errors.is_empty();
        update.warnings = std::mem::take(&mut *self.dev.host.warnings.lock().expect("warnings"));
        update
    }

    /// What the dev server would answer for `url` (path and query): how the page's runtime gets a
    /// module the session did not send (`?runner` form) and anything else a page asks for.
    pub fn request(&mut self, url: &str) -> SessionResponse {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let r = self.runtime.block_on(self.dev.request(path, query));
        SessionResponse {
            status: r.status,
            content_type: r.content_type.to_string(),
            text: String::from_utf8_lossy(&r.body).into_owned(),
        }
    }

    /// The runner form of module `url`: the body the runtime's `fetchRunner` needs.
    pub fn runner(&mut self, url: &str) -> Result<String, Message> {
        let code = self.runtime.block_on(self.dev.runner(url)).map_err(|d| Message::from_diagnostic(&d))?;
        Ok(code.to_string())
    }
}

fn is_config(root: &Path, path: &Path) -> bool {
    let env_file =
        path.parent() == Some(root) && path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".env"));
    env_file || nexxo_migrate::is_config_source(root, path, None)
}
