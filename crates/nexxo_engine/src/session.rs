//! An HMR session over in-memory files: what an in-browser preview (the playground, an online
//! IDE) needs to run a project module by module and patch it on every edit, without a server.
//!
//! Modules come out in the module-runner form ([`nexxo_transform::to_runner`]): each is the body
//! of an async function the page-side runtime calls with
//! `(__vite_ssr_import__, __vite_ssr_dynamic_import__, __vite_ssr_exports__, __vite_ssr_exportAll__,
//! __vite_ssr_import_meta__, __nexxo_style__, $RefreshReg$, $RefreshSig$)`. Bare imports
//! (`react`) are `external:` ids the runtime supplies. The session keeps the graph and decides
//! what an edit means: which boundaries re-run, or a full reload.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use nexxo_config::{CliOverrides, ResolvedConfig};
use nexxo_hmr::{Boundary, Graph};
use nexxo_memfs::MemoryFs;
use rolldown_fs::OxcResolverFileSystem as _;
use rolldown_resolver::Resolver;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64;

use crate::protocol::{BuildRequest, InputFile, Message};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionModule {
    /// Root-relative path with a leading `/` (`/src/App.tsx`).
    pub id: String,
    pub code: String,
    /// Each import specifier of the module to the id it loads.
    pub deps: BTreeMap<String, String>,
    /// Accepts its own updates (plain CSS, `import.meta.hot.accept()`, React component modules).
    pub self_accepting: bool,
    /// Registered components with React Fast Refresh: the runtime refreshes after re-running it.
    pub refresh: bool,
    /// Ids of the deps it accepts (`import.meta.hot.accept("./dep", cb)`): it is their boundary.
    pub accepted_deps: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTarget {
    pub id: String,
    pub accepted: String,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUpdate {
    /// Modules (re)transformed by this call; the runtime replaces its copies.
    pub modules: Vec<SessionModule>,
    pub entry: String,
    /// Boundaries whose accept callbacks run, in order.
    pub updates: Vec<UpdateTarget>,
    pub full_reload: bool,
    /// Modules no longer imported by anyone.
    pub pruned: Vec<String>,
    pub errors: Vec<Message>,
    /// `import.meta.env`.
    pub env: BTreeMap<String, serde_json::Value>,
}

pub struct HmrSession {
    root: PathBuf,
    fs: MemoryFs,
    config: ResolvedConfig,
    resolver: Resolver<MemoryFs>,
    graph: Graph,
    /// Content hash of each module's source when it was last sent.
    sent: HashMap<String, u64>,
    clock: u64,
    entry: String,
    /// Directories each module's glob imports listed: a file added or removed there changes it.
    globs: HashMap<String, Vec<PathBuf>>,
}

const SCRIPT_EXTS: [&str; 8] = ["ts", "tsx", "js", "jsx", "mjs", "mts", "cjs", "cts"];

impl HmrSession {
    /// Opens a session on the request's files (mode `development` unless the request says).
    pub fn new(request: BuildRequest) -> Result<Self, Message> {
        let fs = crate::memory_fs(&request.root, &request.files).map_err(Message::plain)?;
        let env: Vec<(String, String)> = request.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let overrides =
            CliOverrides { mode: request.overrides.mode.clone().or(Some("development".into())), ..request.overrides };
        let config = match request.resolved {
            Some(c) => c,
            None => nexxo_config::load(&request.root, None, overrides, &env, |p| fs.read_to_string(p))
                .map_err(|e| Message::plain(e.to_string()))?,
        };
        let resolver = Resolver::new(
            fs.clone(),
            config.root.clone(),
            rolldown::Platform::Browser,
            &rolldown::TsConfig::Auto(true),
            nexxo_bundler::dev_resolve_options(&config),
        );
        let entry = find_entry(&fs, &config)?;
        Ok(Self {
            root: config.root.clone(),
            fs,
            config,
            resolver,
            graph: Graph::default(),
            sent: HashMap::new(),
            clock: 0,
            entry,
            globs: HashMap::new(),
        })
    }

    /// Transforms everything the entry reaches.
    pub fn start(&mut self) -> SessionUpdate {
        let mut update = self.empty_update();
        let entry = self.entry.clone();
        self.load_tree(&[entry], &mut update);
        update
    }

    /// Applies edits; returns the modules to replace and where the update lands.
    pub fn update(&mut self, changed: Vec<InputFile>, removed: Vec<String>) -> SessionUpdate {
        let mut update = self.empty_update();
        let mut touched = Vec::new();
        for f in changed {
            match (crate::memory_fs_path(&self.root, &f.path), f.contents.bytes()) {
                (Ok(path), Ok(bytes)) => {
                    self.fs.insert(&path, bytes);
                    touched.push(id_of(&f.path));
                }
                (Err(e), _) | (_, Err(e)) => update.errors.push(Message::plain(e)),
            }
        }
        for r in removed {
            if let Ok(path) = crate::memory_fs_path(&self.root, &r) {
                self.fs.remove(&path);
                touched.push(id_of(&r));
            }
        }
        if !update.errors.is_empty() {
            return update;
        }
        if touched.iter().any(|id| id.ends_with(".html") || id.ends_with("nexxo.config.json") || id.contains("/.env")) {
            update.full_reload = true;
            return update;
        }
        let mut loaded: Vec<String> = touched.iter().filter(|id| self.graph.contains(id)).cloned().collect();
        // Modules whose globs list the directory of an added or removed file are loaded again;
        // one whose expansion comes out the same is left alone (`load` compares the result).
        for id in &touched {
            let dir = self.root.join(&id[1..]).parent().map(Path::to_path_buf);
            for (module, dirs) in &self.globs {
                if dir.as_ref().is_some_and(|d| dirs.contains(d)) && !loaded.contains(module) {
                    loaded.push(module.clone());
                }
            }
        }
        if loaded.is_empty() {
            return update;
        }
        // Re-transform first: a broken edit reports errors and changes nothing.
        let mut changed_ids = Vec::new();
        for id in &loaded {
            if self.fs.get(&self.root.join(&id[1..])).is_none() {
                update.full_reload = true;
                continue;
            }
            match self.load(id) {
                Ok(Some(m)) => {
                    changed_ids.push(id.clone());
                    update.modules.push(m);
                }
                Ok(None) => {}
                Err(e) => update.errors.push(e),
            }
        }
        if !update.errors.is_empty() || update.full_reload {
            update.modules.clear();
            return update;
        }
        // New imports of the edited modules come along in the same update.
        let new_deps: Vec<String> = update
            .modules
            .iter()
            .flat_map(|m| m.deps.values().cloned())
            .filter(|d| !d.starts_with("external:") && !self.sent.contains_key(d))
            .collect();
        self.load_tree(&new_deps, &mut update);
        if !update.errors.is_empty() {
            update.modules.clear();
            return update;
        }
        for m in update.modules.clone() {
            let imports: Vec<String> = m.deps.values().filter(|d| !d.starts_with("external:")).cloned().collect();
            update.pruned.extend(self.graph.record(
                &m.id,
                self.root.join(&m.id[1..]),
                &imports,
                m.self_accepting,
                &m.accepted_deps,
            ));
        }
        self.clock += 1;
        match self.graph.propagate(&changed_ids, self.clock) {
            Some(boundaries) => {
                update.updates =
                    boundaries.into_iter().map(|Boundary { id, accepted }| UpdateTarget { id, accepted }).collect();
            }
            None if changed_ids.is_empty() => {}
            None => update.full_reload = true,
        }
        update
    }

    fn empty_update(&self) -> SessionUpdate {
        let mut env = BTreeMap::new();
        env.insert("MODE".into(), self.config.mode.clone().into());
        env.insert("DEV".into(), true.into());
        env.insert("PROD".into(), false.into());
        env.insert("SSR".into(), false.into());
        env.insert("BASE_URL".into(), self.config.base.clone().into());
        for (k, v) in &self.config.env {
            env.insert(k.clone(), v.clone().into());
        }
        SessionUpdate { entry: self.entry.clone(), env, ..Default::default() }
    }

    /// Loads `ids` and everything they import that was not sent yet.
    fn load_tree(&mut self, ids: &[String], update: &mut SessionUpdate) {
        let mut stack: Vec<String> = ids.to_vec();
        while let Some(id) = stack.pop() {
            if self.sent.contains_key(&id) && !ids.contains(&id) {
                continue;
            }
            match self.load(&id) {
                Ok(Some(m)) => {
                    let imports: Vec<String> =
                        m.deps.values().filter(|d| !d.starts_with("external:")).cloned().collect();
                    self.graph.record(&id, self.root.join(&id[1..]), &imports, m.self_accepting, &m.accepted_deps);
                    stack.extend(imports.into_iter().filter(|d| !self.sent.contains_key(d)));
                    update.modules.push(m);
                }
                Ok(None) => {}
                Err(e) => {
                    update.errors.push(e);
                    self.sent.remove(&id);
                }
            }
        }
    }

    /// Transforms one module; `None` when its source is what was last sent.
    fn load(&mut self, id: &str) -> Result<Option<SessionModule>, Message> {
        let path = self.root.join(&id[1..]);
        let source = self.fs.read_to_string(&path).map_err(|e| Message {
            file: Some(id[1..].to_string()),
            ..Message::plain(format!("cannot read {id}: {e}"))
        })?;
        let ext = Path::new(id).extension().and_then(|e| e.to_str()).unwrap_or("");
        let rel = &id[1..];
        let source = if SCRIPT_EXTS.contains(&ext) { self.expand_globs(id, &path, source)? } else { source };
        let hash = xxh3_64(source.as_bytes());
        if self.sent.get(id) == Some(&hash) {
            return Ok(None);
        }
        let module = match ext {
            "css" => self.css_module(id, &path, &source)?,
            "json" => {
                let value: serde_json::Value = serde_json::from_str(&source).map_err(|e| Message {
                    file: Some(rel.into()),
                    line: Some(e.line() as u32),
                    column: Some(e.column() as u32),
                    ..Message::plain(format!("{rel}:{}:{}: invalid JSON: {e}", e.line(), e.column()))
                })?;
                SessionModule {
                    id: id.into(),
                    code: format!("__vite_ssr_exports__.default = {value};\n"),
                    deps: BTreeMap::new(),
                    self_accepting: false,
                    refresh: false,
                    accepted_deps: Vec::new(),
                }
            }
            e if SCRIPT_EXTS.contains(&e) => self.script_module(id, &path, &source)?,
            _ => SessionModule {
                id: id.into(),
                code: format!("__vite_ssr_exports__.default = {};\n", serde_json::Value::String(id.into())),
                deps: BTreeMap::new(),
                self_accepting: false,
                refresh: false,
                accepted_deps: Vec::new(),
            },
        };
        self.sent.insert(id.to_string(), hash);
        Ok(Some(module))
    }

    /// `source` with its `import.meta.glob` calls and dynamic imports with variables expanded over
    /// the session's files (the expansion the build and `nexxo dev` use).
    fn expand_globs(&mut self, id: &str, path: &Path, source: String) -> Result<String, Message> {
        let lister = nexxo_bundler::FsLister(&self.fs);
        let alias = nexxo_bundler::glob_aliases(&self.config);
        let ctx = nexxo_transform::glob::GlobContext { root: &self.root, alias: &alias, fs: &lister };
        let mut expansion =
            nexxo_transform::glob::expand(&id[1..], path, &source, &ctx).map_err(|d| Message::from_diagnostic(&d))?;
        if expansion.dirs.is_empty() {
            self.globs.remove(id);
        } else {
            self.globs.insert(id.to_string(), std::mem::take(&mut expansion.dirs));
        }
        Ok(if expansion.is_empty() { source } else { expansion.apply(&source) })
    }

    fn script_module(&self, id: &str, path: &Path, source: &str) -> Result<SessionModule, Message> {
        let rel = &id[1..];
        let m = nexxo_transform::transform(
            rel,
            source,
            nexxo_transform::Options { react_refresh: true, ..Default::default() },
        )
        .map_err(|d| Message::from_diagnostic(&d))?;
        let mut deps = BTreeMap::new();
        for imp in &m.imports {
            deps.insert(imp.specifier.clone(), self.resolve_id(path, &imp.specifier, rel)?);
        }
        let mut accepted_deps = Vec::new();
        for spec in &m.accepted_deps {
            let dep = self.resolve_id(path, spec, rel)?;
            deps.insert(spec.clone(), dep.clone());
            accepted_deps.push(dep);
        }
        let refresh = m.has_refresh;
        let self_accepting = m.self_accepting || (refresh && m.is_component_module());
        let mut code = m.code.clone();
        if refresh && m.is_component_module() && !m.self_accepting {
            code.push_str("\nimport.meta.hot.accept();\n");
        }
        let code = nexxo_transform::to_runner(rel, &code).map_err(|d| Message::from_diagnostic(&d))?;
        Ok(SessionModule { id: id.into(), code, deps, self_accepting, refresh, accepted_deps })
    }

    fn css_module(&self, id: &str, path: &Path, source: &str) -> Result<SessionModule, Message> {
        let rel = &id[1..];
        let is_module = rel.ends_with(".module.css");
        let compiled = nexxo_css::compile(
            rel,
            source,
            &nexxo_css::CssOptions {
                minify: false,
                css_module: is_module,
                module_pattern: self.config.css_modules_pattern.as_deref(),
            },
        )
        .map_err(|d| Message::from_diagnostic(&d))?;
        // url()s stay as written: the preview has no server for the project's assets.
        let urls: Vec<(String, String)> =
            compiled.urls.iter().map(|u| (u.placeholder.clone(), u.url.clone())).collect();
        let css = nexxo_css::replace_urls(&compiled.code, &urls);
        let mut deps = BTreeMap::new();
        let mut code = String::new();
        for imp in &compiled.imports {
            let spec = if imp.specifier.starts_with('.') || imp.specifier.starts_with('/') {
                imp.specifier.clone()
            } else {
                format!("./{}", imp.specifier)
            };
            let dep = self.resolve_id(path, &spec, rel)?;
            code.push_str(&format!("await __vite_ssr_import__({});\n", serde_json::Value::String(spec.clone())));
            deps.insert(spec, dep);
        }
        // Style sheets this one composes from go first, so their rules come first.
        for (i, spec) in compiled.composes_specifiers().into_iter().enumerate() {
            let dep = self.resolve_id(path, spec, rel)?;
            code.push_str(&format!(
                "const {} = (await __vite_ssr_import__({})).default;\n",
                nexxo_css::composes_binding(i),
                serde_json::Value::String(spec.to_string())
            ));
            deps.insert(spec.to_string(), dep);
        }
        code.push_str(&format!(
            "__nexxo_style__({}, {});\n",
            serde_json::Value::String(id.into()),
            serde_json::Value::String(css)
        ));
        if is_module {
            code.push_str(&format!("__vite_ssr_exports__.default = {};\n", compiled.exports_object()));
        } else {
            code.push_str("__vite_ssr_import_meta__.hot.accept();\n");
        }
        Ok(SessionModule {
            id: id.into(),
            code,
            deps,
            self_accepting: !is_module,
            refresh: false,
            accepted_deps: Vec::new(),
        })
    }

    /// The id an import loads: a project file (`/src/x.ts`), or `external:<specifier>` for
    /// packages, which the page supplies.
    fn resolve_id(&self, importer: &Path, specifier: &str, importer_rel: &str) -> Result<String, Message> {
        let bare = !(specifier.starts_with('.') || specifier.starts_with('/'));
        match self.resolver.resolve(Some(importer), specifier, rolldown_common::ImportKind::Import, false) {
            Ok(r) => {
                let p = PathBuf::from(r.path.as_str());
                match p.strip_prefix(&self.root) {
                    Ok(rel) if !rel.starts_with("node_modules") => Ok(id_of(&rel.to_string_lossy())),
                    _ => Ok(format!("external:{specifier}")),
                }
            }
            Err(_) if bare => Ok(format!("external:{specifier}")),
            Err(e) => Err(Message {
                file: Some(importer_rel.into()),
                ..Message::plain(format!("{importer_rel}: cannot resolve `{specifier}`: {e}"))
            }),
        }
    }
}

fn id_of(rel: &str) -> String {
    format!("/{}", rel.trim_start_matches("./").trim_start_matches('/'))
}

/// The first module script of the first HTML page, or the first script entry.
fn find_entry(fs: &MemoryFs, config: &ResolvedConfig) -> Result<String, Message> {
    for input in &config.input {
        if !input.ends_with(".html") {
            return Ok(id_of(input));
        }
        let html = fs
            .read_to_string(&config.root.join(input))
            .map_err(|e| Message::plain(format!("cannot read entry `{input}`: {e}")))?;
        let doc = nexxo_html::scan(&html);
        for el in &doc.elements {
            if el.name == "script"
                && el.attr("type") == Some("module")
                && let Some(src) = el.attr("src")
            {
                let dir = Path::new(input).parent().unwrap_or(Path::new(""));
                let rel = match src.strip_prefix('/') {
                    Some(abs) => PathBuf::from(abs),
                    None => dir.join(src),
                };
                return Ok(id_of(&rel.to_string_lossy()));
            }
        }
    }
    Err(Message::plain(
        "no entry: add index.html with a <script type=\"module\" src=...> or a script in build.input".into(),
    ))
}
