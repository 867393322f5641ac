//! What a page asks the dev server for: pages, transformed modules (served and runner forms), CSS
//! as modules, assets, pre-bundled dependencies, the client runtime and source maps, answered as
//! plain [`Response`] data the host turns into HTTP.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_diagnostics::Diagnostic;
use nexxo_http_util::mime;
use nexxo_transform::{Module, Target};
use rayon::prelude::*;
use rolldown_fs::{FileSystem as _, OxcResolverFileSystem as _};

use crate::bundle::{bundle, is_entry, map_comment, source_map, url_param};
use crate::jobs::{Done, Job};
use crate::page::{page, page_modules, page_source};
use crate::resolve::{Resolved, resolve, resolve_imports};
use crate::{Change, DevHost, DevSession, cache_key};
use nexxo_bundler::normalize_path as normalize;

/// Vite's query for a page's inline module script: `/index.html?html-proxy&index=0.ts` is the first.
pub(crate) const HTML_PROXY: &str = "html-proxy";
pub(crate) use nexxo_bundler::SCRIPT_EXTS;

/// An answer to a request, for the host to send as HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Served content that changes with every edit (`Cache-Control: no-cache`).
    pub no_cache: bool,
    /// Where a redirect (302) goes.
    pub location: Option<String>,
}

impl Response {
    pub fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8".into(),
            body: body.as_bytes().to_vec(),
            no_cache: false,
            location: None,
        }
    }

    pub fn js(body: String) -> Self {
        Self {
            status: 200,
            content_type: "text/javascript; charset=utf-8".into(),
            body: body.into_bytes(),
            no_cache: true,
            location: None,
        }
    }

    pub(crate) fn file(content_type: &str, body: Vec<u8>) -> Self {
        Self { status: 200, content_type: content_type.into(), body, no_cache: false, location: None }
    }

    pub(crate) fn not_found() -> Self {
        Self::text(404, "not found")
    }
}

pub fn is_script(url: &str) -> bool {
    if url.split_once('?').is_some_and(|(_, q)| has_flag(q, HTML_PROXY)) {
        return true;
    }
    Path::new(url.split('?').next().unwrap_or(url))
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SCRIPT_EXTS.contains(&e))
}

impl<H: DevHost> DevSession<H> {
    /// Answers a GET for `path` (percent-encoded, as in the request line) with `query` (without `?`).
    pub async fn request(self: &Arc<Self>, path: &str, query: &str) -> Response {
        request(self, path, query).await
    }

    /// A file event from the host's watcher (written, created, renamed or deleted); `now` is the
    /// host's clock in milliseconds, which update timestamps follow.
    pub async fn file_changed(self: &Arc<Self>, file: &Path, now: u64) -> Change {
        crate::hmr::on_change(self, file, now).await
    }

    /// Module `url` (path and query, as a page imports it) in runner form: how a page runtime
    /// without HTTP gets a module its registry lacks.
    pub async fn runner(self: &Arc<Self>, url: &str) -> Result<Arc<str>, Diagnostic> {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let file = self.file_of(path).filter(|f| self.is_file(f)).ok_or_else(|| {
            Diagnostic::new("NOT_FOUND", format!("{path} does not exist")).with_file(path.trim_start_matches('/'))
        })?;
        runner_module(self, &file, url, query).await
    }

    /// A message from a page (`import.meta.hot.invalidate()`).
    pub async fn client_message(self: &Arc<Self>, text: &str, now: u64) {
        crate::hmr::client_message(self, text, now).await
    }
}

async fn request<H: DevHost>(state: &Arc<DevSession<H>>, path: &str, query: &str) -> Response {
    let mut path = path.to_string();
    // `base: "/app/"`: the app is served under it, as by Vite (`/` and the bare base redirect
    // there), so URLs relative to its pages work. The URLs the server writes itself (modules,
    // `/@nexxo/`, `/@deps/`) stay at the root, which it keeps serving.
    let base = state.config.base.trim_end_matches('/');
    if base.starts_with('/') && !base.is_empty() {
        if path == "/" || path == "/index.html" || path == base {
            let to = if query.is_empty() { format!("{base}/") } else { format!("{base}/?{query}") };
            let mut r = Response::text(302, &format!("the app is served under {base}/"));
            r.location = Some(to);
            return r;
        }
        if let Some(rest) = path.strip_prefix(base).filter(|r| r.starts_with('/')) {
            path = rest.to_string();
        }
    }
    match path.as_str() {
        "/@nexxo/client" => return Response::js(crate::CLIENT_JS.to_string()),
        // The names Vite's backend-integration snippet loads (`<script type="module"
        // src="http://localhost:5173/@vite/client">`, `import RefreshRuntime from
        // '.../@react-refresh'`), as modules that import Nexxo's: one client per page, whatever
        // the page names it, and React Fast Refresh hooked where the app's modules look for it.
        "/@vite/client" => return Response::js("import \"/@nexxo/client\";\n".to_string()),
        "/@react-refresh" => {
            return Response::js(
                "import R from \"/@nexxo/react-refresh\";\nglobalThis.__nexxo_refresh ??= R;\nexport default R;\n"
                    .to_string(),
            );
        }
        "/@nexxo/bundle" => {
            let Some(entry) = query.strip_prefix("entry=").and_then(nexxo_http_util::percent_decode) else {
                return Response::text(400, "expected /@nexxo/bundle?entry=URL");
            };
            if !is_entry(state, &entry) {
                return Response::not_found();
            }
            let built = bundle(state, &entry).await;
            return Response::js(format!("{}{}", built.text, map_comment(&format!("bundle={}", url_param(&entry)))));
        }
        "/@nexxo/map" => return source_map(state, query).await,
        _ => {}
    }
    if let Some(file) = path.strip_prefix("/@deps/") {
        return match state.deps.read().expect("deps").files.get(file) {
            Some(code) => Response::js(code.clone()),
            None => Response::text(404, "unknown dependency chunk"),
        };
    }
    let Some(mut file) = state.file_of(&path) else {
        return Response::text(403, "forbidden");
    };
    if state.is_dir(&file) {
        file.push("index.html");
    }
    let is_import = has_flag(query, "import");
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let fs = state.host.fs();
    // `public/` is served at the root as is, as in the built output (files under the root win).
    if !fs.exists(&file)
        && let Some(public) = state
            .config
            .public_dir
            .as_ref()
            .and_then(|d| nexxo_http_util::safe_path_in(d, &path, |p| fs.canonicalize(p).ok()))
            .filter(|f| state.is_file(f))
    {
        return match fs.read(&public) {
            Ok(bytes) => Response::file(mime(&public), bytes),
            Err(_) => Response::not_found(),
        };
    }
    if !state.is_file(&file) {
        // SPA fallback for client-side routes.
        let index = state.config.root.join("index.html");
        if ext.is_empty() && state.is_file(&index) {
            return page(state, &index);
        }
        return Response::not_found();
    }
    let inline_script = ext == "html" && has_flag(query, HTML_PROXY);
    if ext == "html" && !inline_script {
        return page(state, &file);
    }
    if SCRIPT_EXTS.contains(&ext.as_str()) || is_import || inline_script {
        let url = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        if has_flag(query, "runner") {
            let map = map_comment(&format!("url={}&at=1", url_param(&url)));
            return match runner_module(state, &file, &url, query).await {
                Ok(code) => {
                    Response::js(format!("export default async function ({RUNNER_PARAMS}) {{\n{code}\n}}{map}\n"))
                }
                Err(d) => error_response(state, &d),
            };
        }
        return match served(state, &file, query).await {
            Ok(m) if m.map_lines.is_some() => Response::js(m.code + &map_comment(&format!("url={}", url_param(&url)))),
            Ok(m) => Response::js(m.code),
            Err(d) => error_response(state, &d),
        };
    }
    if nexxo_css::plugins::is_preprocessed(&ext_path(&file))
        || (ext == "css" && state.host.css_plugins().is_some_and(|p| p.has_postcss()))
    {
        // A sheet linked with `media` stays a `<link>`: the browser asks for CSS, compiled (and
        // through the project's CSS plugins) as a sheet a script imports.
        return match sheet_as_css(state, &file) {
            Ok(css) => Response::file("text/css; charset=utf-8", css.into_bytes()),
            Err(d) => error_response(state, &d),
        };
    }
    match fs.read(&file) {
        Ok(bytes) => Response::file(mime(&file), bytes),
        Err(_) => Response::not_found(),
    }
}

pub(crate) fn error_response<H: DevHost>(state: &DevSession<H>, d: &Diagnostic) -> Response {
    state.report_error(d);
    Response::text(500, &d.to_string())
}

/// A Sass sheet (or any sheet, with CSS plugins) requested as CSS: compiled, its `url()`s
/// pointed at served files.
fn sheet_as_css<H: DevHost>(state: &DevSession<H>, file: &Path) -> Result<String, Diagnostic> {
    let url = state.url_of(file).unwrap_or_default();
    let rel = url.trim_start_matches('/');
    let (source, _) = style_source(state, file, rel)?;
    let dir = file.parent().unwrap_or(&state.config.root);
    let url_for = |f: &Path| state.is_file(f).then(|| state.url_of(f)).flatten().map(|u| state.asset_url(&u));
    nexxo_bundler::compile_style(rel, dir, &source, 0..source.len(), false, None, "/", url_for)
}

/// The file name of `file` as text (for extension checks).
fn ext_path(file: &Path) -> String {
    file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn has_flag(query: &str, flag: &str) -> bool {
    query.split('&').any(|q| q == flag)
}

/// A module as the browser gets it, and the module URLs its code imports, as written there.
pub struct Served {
    pub code: String,
    pub imports: Vec<String>,
    /// For a transformed script: the lines the server put before the transformed code, which
    /// is all its source map needs to know about the served form (see `source_map`).
    pub map_lines: Option<u32>,
}

/// The JS module for `file`: a transformed script, or CSS, JSON, `?raw` text or an asset URL
/// imported from JS (`?import`).
pub(crate) async fn served<H: DevHost>(
    state: &Arc<DevSession<H>>,
    file: &Path,
    query: &str,
) -> Result<Served, Diagnostic> {
    if let Some(script) = inline_module_of(file, query) {
        return module_response(state, &script).await;
    }
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if let Some(special) = crate::imports::special(state, file, query)? {
        return Ok(special);
    }
    if SCRIPT_EXTS.contains(&ext.as_str()) {
        return module_response(state, file).await;
    }
    if ext == "css" || nexxo_css::plugins::is_preprocessed(&ext_path(file)) {
        return css_module(state, file, false);
    }
    if let Some(d) = nexxo_css::sass::unsupported_preprocessor(&ext_path(file)) {
        let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
        return Err(d.with_file(rel));
    }
    if let Some(d) = nexxo_bundler::query::framework_file_unsupported(file, || {
        state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string()
    }) {
        return Err(d);
    }
    // `?init` and `?url` were answered above; this is an import of the module itself.
    if ext == "wasm" {
        let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
        return Err(nexxo_bundler::query::wasm_esm_unsupported(&rel));
    }
    let read = || {
        state.host.fs().read_to_string(file).map_err(|e| {
            let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
            Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel)
        })
    };
    let code = if ext == "json" {
        format!("export default {};", read()?)
    } else if has_flag(query, "raw") {
        format!("export default {};", serde_json::Value::String(read()?))
    } else {
        format!(
            "export default {};",
            serde_json::Value::String(state.asset_url(&state.url_of(file).unwrap_or_default()))
        )
    };
    Ok(Served { code, imports: Vec::new(), map_lines: None })
}

/// The module at `url` in runner form: what a bundled page fetches for a module its bundle lacks.
pub async fn runner_module<H: DevHost>(
    state: &Arc<DevSession<H>>,
    file: &Path,
    url: &str,
    query: &str,
) -> Result<Arc<str>, Diagnostic> {
    let m = served(state, file, query).await?;
    runner_form(state, url, &m.code)
}

/// The parameters of a module in runner form (oxc's `ModuleRunnerTransform`, Vite's names).
pub(crate) const RUNNER_PARAMS: &str = "__vite_ssr_import__, __vite_ssr_dynamic_import__, __vite_ssr_exports__, __vite_ssr_exportAll__, __vite_ssr_import_meta__";

/// `code` (a served ES module) as the body of an async function for the client's module
/// registry; cached by content, since the conversion parses the module once more.
pub(crate) fn runner_form<H: DevHost>(state: &DevSession<H>, url: &str, code: &str) -> Result<Arc<str>, Diagnostic> {
    runner_forms(state, &[(url, code)]).pop().expect("one result per module")
}

/// The runner forms of served modules (`(url, code)`), reusing cached ones; the misses go to the
/// host as one batch of jobs.
pub(crate) fn runner_forms<H: DevHost>(
    state: &DevSession<H>,
    modules: &[(&str, &str)],
) -> Vec<Result<Arc<str>, Diagnostic>> {
    let found: Vec<(Vec<u8>, Option<Arc<str>>)> = modules
        .par_iter()
        .map(|(_, code)| {
            let key = cache_key("runner", &[code.as_bytes()]);
            // Two statements: in one, the guard of this lock would live to its end, and the
            // `or_else` below, which locks again, would wait for it forever (a persistent-cache
            // hit, e.g. on the second start of `nexxo dev`).
            let cached = state.runners.lock().expect("runner forms").get(&key).cloned();
            let hit = cached.or_else(|| {
                let hit: Arc<str> = state.host.cache_get(&key).and_then(|b| String::from_utf8(b).ok())?.into();
                state.runners.lock().expect("runner forms").insert(key.clone(), Arc::clone(&hit));
                Some(hit)
            });
            (key, hit)
        })
        .collect();
    let jobs: Vec<Job> = modules
        .iter()
        .zip(&found)
        .filter(|(_, (_, hit))| hit.is_none())
        .map(|((url, code), _)| Job::Runner { url: url.to_string(), code: code.to_string() })
        .collect();
    let mut done = if jobs.is_empty() { Vec::new() } else { state.host.run_jobs(&jobs) }.into_iter();
    modules
        .iter()
        .zip(found)
        .map(|((url, code), (key, hit))| {
            if let Some(hit) = hit {
                return Ok(hit);
            }
            let out: Arc<str> = match done.next() {
                Some(Done::Runner { code }) => code.into(),
                // A failure's diagnostic comes from running it again here (see `Done`).
                _ => nexxo_transform::to_runner(url, code)?.into(),
            };
            state.host.cache_put(&key, out.as_bytes());
            state.runners.lock().expect("runner forms").insert(key, Arc::clone(&out));
            Ok(out)
        })
        .collect()
}

/// The inline module script that `?html-proxy&index=N` names on page `file`, as the path the dev
/// server keys it by everywhere a module has a file (transform cache, HMR graph, resolver
/// importer): the page's path plus that query, with `.ts` (inline scripts may use TypeScript
/// syntax, as in a build). `read_module` reads it out of the page.
pub(crate) fn inline_module_of(file: &Path, query: &str) -> Option<PathBuf> {
    if !file.extension().is_some_and(|e| e.eq_ignore_ascii_case("html")) || !has_flag(query, HTML_PROXY) {
        return None;
    }
    let index = query.split('&').find_map(|kv| kv.strip_prefix("index="))?;
    let index: usize = index.strip_suffix(".ts").unwrap_or(index).parse().ok()?;
    Some(inline_module_path(file, index))
}

pub(crate) fn inline_module_path(page: &Path, index: usize) -> PathBuf {
    PathBuf::from(format!("{}?{HTML_PROXY}&index={index}.ts", page.display()))
}

/// The source of module `file`: the file, or for a page's inline module script (see
/// `inline_module_of`) its text in the page, padded with the lines and columns before it so that
/// errors and source maps point at the page's own lines.
pub fn read_module<H: DevHost>(state: &DevSession<H>, file: &Path) -> std::io::Result<String> {
    let name = file.to_string_lossy();
    let Some((page, index)) = name.split_once(&format!("?{HTML_PROXY}&index=")) else {
        return state.host.fs().read_to_string(file);
    };
    let missing = || std::io::Error::new(std::io::ErrorKind::NotFound, "the page has no such inline module script");
    let index: usize = index.strip_suffix(".ts").and_then(|i| i.parse().ok()).ok_or_else(missing)?;
    let (html, _) = page_source(state, Path::new(page))?;
    let doc = nexxo_html::scan(&html);
    let script =
        doc.elements.iter().filter(|e| e.is_module_script() && !e.has_attr("src")).nth(index).ok_or_else(missing)?;
    let text = script.text.clone().unwrap_or(script.outer.end..script.outer.end);
    #[expect(
        clippy::string_slice,
        reason = "`text` is a script's text span that `nexxo_html::scan` found in `html` (or the end of its tag)"
    )]
    let before = &html[..text.start];
    // Lines as diagnostics count them (a lone `\r` ends one too), so the padding's line is the page's.
    let line_start = before.rfind(['\r', '\n']).map_or(0, |p| p + 1);
    let lines = nexxo_diagnostics::line_column(before, before.len()).0 as usize - 1;
    #[expect(clippy::string_slice, reason = "`line_start` is past a `\\r` or `\\n` found by `rfind`")]
    let columns = before[line_start..].chars().count();
    #[expect(clippy::string_slice, reason = "`text` is a span of `html` (see above)")]
    Ok(format!("{}{}{}", "\n".repeat(lines), " ".repeat(columns), &html[text]))
}

/// Transforms `file`, reusing the cached result while its source is unchanged.
pub fn transform<H: DevHost>(state: &DevSession<H>, file: &Path) -> Result<Arc<Module>, Diagnostic> {
    transform_many(state, std::slice::from_ref(&file.to_path_buf())).pop().expect("one result per file")
}

/// A module before its transform: read, globs expanded, memo and cache checked.
enum Pending {
    Ready(Arc<Module>),
    Failed(Diagnostic),
    /// A miss: what to transform, and the cache key to store its result under.
    Run {
        rel: String,
        source: String,
        key: Vec<u8>,
    },
}

fn pending<H: DevHost>(state: &DevSession<H>, file: &Path) -> Pending {
    let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
    let source = match read_module(state, file) {
        Ok(s) => s,
        Err(e) => {
            return Pending::Failed(
                Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel.clone()),
            );
        }
    };
    // Glob imports expanded first: the cache keys below then cover the files they list.
    let source = match crate::glob::expand_source(state, file, &rel, source) {
        Ok(s) => s,
        Err(d) => return Pending::Failed(d),
    };
    if let Some((cached_src, m)) = state.transforms.lock().expect("transform cache").get(file)
        && *cached_src == source
    {
        return Pending::Ready(Arc::clone(m));
    }
    let key = cache_key("transform", &[&state.transform_options().key(), rel.as_bytes(), source.as_bytes()]);
    match state.host.cache_get(&key).map(|bytes| serde_json::from_slice::<Module>(&bytes)) {
        Some(Ok(m)) => {
            let m = Arc::new(m);
            state.transforms.lock().expect("transform cache").insert(file.to_path_buf(), (source, Arc::clone(&m)));
            Pending::Ready(m)
        }
        found => {
            if found.is_some() {
                // Unreadable (an older format): transform again and replace it.
                state.host.cache_forget(&key);
            }
            Pending::Run { rel, source, key }
        }
    }
}

/// Transforms `files`, reusing cached results; the misses go to the host as one batch of jobs,
/// which it may spread over its cores or engine instances.
pub fn transform_many<H: DevHost>(state: &DevSession<H>, files: &[PathBuf]) -> Vec<Result<Arc<Module>, Diagnostic>> {
    let pending: Vec<Pending> = files.par_iter().map(|f| pending(state, f)).collect();
    let options = state.transform_options();
    let jobs: Vec<Job> = pending
        .iter()
        .filter_map(|p| match p {
            Pending::Run { rel, source, .. } => {
                Some(Job::Transform { rel: rel.clone(), source: source.clone(), options: options.clone() })
            }
            _ => None,
        })
        .collect();
    let mut done = if jobs.is_empty() { Vec::new() } else { state.host.run_jobs(&jobs) }.into_iter();
    files
        .iter()
        .zip(pending)
        .map(|(file, p)| match p {
            Pending::Ready(m) => Ok(m),
            Pending::Failed(d) => Err(d),
            Pending::Run { rel, source, key } => {
                let m = match done.next() {
                    Some(Done::Module { module }) => module,
                    // A failure's diagnostic comes from running it again here (see `Done`).
                    _ => nexxo_transform::transform(&rel, &source, &options).map_err(|mut d| {
                        // An inline script's lines are the page's: name the page, which an editor can open.
                        if let Some((page, _)) = rel.split_once(&format!("?{HTML_PROXY}&")) {
                            d.file = Some(page.to_string());
                        }
                        d
                    })?,
                };
                if let Ok(bytes) = serde_json::to_vec(&m) {
                    state.host.cache_put(&key, &bytes);
                }
                let m = Arc::new(m);
                state.transforms.lock().expect("transform cache").insert(file.clone(), (source, Arc::clone(&m)));
                Ok(m)
            }
        })
        .collect()
}

/// Bare specifiers reachable from the HTML entries, found by transforming the app's modules.
pub fn crawl_dependencies<H: DevHost>(state: &DevSession<H>) -> BTreeSet<String> {
    let mut deps = BTreeSet::new();
    let mut queue: Vec<PathBuf> = Vec::new();
    for input in &state.config.input {
        queue.extend(page_modules(state, &state.config.root.join(input)));
    }
    // Level by level, each level's modules transformed and resolved on all cores.
    let mut seen: std::collections::HashSet<PathBuf> = queue.iter().cloned().collect();
    while !queue.is_empty() {
        let scripts: Vec<PathBuf> = std::mem::take(&mut queue)
            .into_iter()
            .filter(|f| f.extension().and_then(|e| e.to_str()).is_some_and(|e| SCRIPT_EXTS.contains(&e)))
            .collect();
        let modules = transform_many(state, &scripts);
        let found: Vec<Vec<Resolved>> = scripts
            .par_iter()
            .zip(&modules)
            .filter_map(|(file, m)| {
                let m = m.as_ref().ok()?;
                let mut found: Vec<Resolved> =
                    resolve_imports(state, file, m).into_iter().filter_map(Result::ok).collect();
                // Workers started by `new Worker(new URL("./w.js", import.meta.url))` are no
                // imports, but their dependencies must be pre-bundled as well.
                let dir = file.parent().unwrap_or(&state.config.root);
                for r in nexxo_transform::urls::new_url_refs("m.js", &m.code) {
                    if r.worker.is_some() && r.specifier.starts_with('.') {
                        found.push(Resolved::File(normalize(&dir.join(nexxo_bundler::query::split(&r.specifier).0))));
                    }
                }
                Some(found)
            })
            .collect();
        for r in found.into_iter().flatten() {
            match r {
                Resolved::Dep(s) => {
                    deps.insert(s);
                }
                Resolved::File(p) if seen.insert(p.clone()) => queue.push(p),
                _ => {}
            }
        }
    }
    deps
}

/// Bundles `specifiers` (plus the ones already bundled) with rolldown into /@deps/.
pub async fn bundle_dependencies<H: DevHost>(
    state: &Arc<DevSession<H>>,
    mut specifiers: BTreeSet<String>,
) -> Result<(), String> {
    let _guard = state.deps_lock.lock().await;
    specifiers.extend(state.deps.read().expect("deps").entries.keys().cloned());
    let list: Vec<String> = specifiers.into_iter().collect();
    let key = deps_key(state, &list);
    if let Some(Ok(cached)) = state.host.cache_get(&key).map(|b| serde_json::from_slice::<crate::Deps>(&b)) {
        *state.deps.write().expect("deps") = cached;
        return Ok(());
    }
    // A package's own CSS and assets: served like the app's, under their URL (see DepAssetsPlugin).
    // Weak: the plugin lives inside rolldown's bundle, which must not keep the server state alive.
    let urls = Arc::downgrade(state);
    let url_of: nexxo_bundler::deps::AssetUrl = Arc::new(move |p| urls.upgrade()?.url_of(p));
    let chunks =
        nexxo_bundler::deps::prebundle(state.host.fs().clone(), &state.config, &list, &state.externals, url_of)
            .await
            .map_err(|f| format!("pre-bundling dependencies failed:\n{f}"))?;
    let mut deps = crate::Deps::default();
    for c in chunks {
        if let Some(spec) = &c.specifier {
            let cjs = c.exports.iter().all(|e| e == "default");
            deps.entries.insert(spec.clone(), (c.file.clone(), cjs));
        }
        deps.files.insert(c.file, c.code);
    }
    if let Ok(bytes) = serde_json::to_vec(&deps) {
        state.host.cache_put(&key, &bytes);
    }
    *state.deps.write().expect("deps") = deps;
    state.invalidate_bundles();
    Ok(())
}

/// Pre-bundled dependencies change with the specifier set, the installed packages (lockfiles)
/// and the config that reaches them (mode, env, alias).
fn deps_key<H: DevHost>(state: &DevSession<H>, list: &[String]) -> Vec<u8> {
    let root = &state.config.root;
    let mut locks = Vec::new();
    for f in ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "package.json"] {
        locks.extend(state.host.fs().read(&root.join(f)).unwrap_or_default());
    }
    let config = format!("{:?}{:?}{:?}", state.config.mode, state.config.env, state.config.alias);
    cache_key("deps", &[list.join("\n").as_bytes(), &locks, config.as_bytes()])
}

/// The served form of a script module: imports pointed at URLs, `import.meta.hot` and Fast Refresh set up.
async fn module_response<H: DevHost>(state: &Arc<DevSession<H>>, file: &Path) -> Result<Served, Diagnostic> {
    let m = transform(state, file)?;
    let url = state.url_of(file).unwrap_or_default();
    // A dependency nobody had imported yet: bundle it (with the others, to keep one React), then reload.
    // Resolve each import once; both the dependency check and the rewrite below use the result.
    let resolved: std::collections::HashMap<(u32, u32), Result<Resolved, String>> =
        m.imports.iter().map(|imp| imp.literal).zip(resolve_imports(state, file, &m)).collect();
    let mut missing = BTreeSet::new();
    {
        let deps = state.deps.read().expect("deps");
        for r in resolved.values() {
            if let Ok(Resolved::Dep(s)) = r
                && !deps.entries.contains_key(s)
            {
                missing.insert(s.clone());
            }
        }
    }
    if !missing.is_empty() {
        let list = missing.iter().cloned().collect::<Vec<_>>().join(", ");
        state.host.info(&format!("new dependencies found: {list}; re-bundling"));
        bundle_dependencies(state, missing).await.map_err(|e| Diagnostic::new("DEPS", e))?;
        state.reload_pages();
    }
    let boundary = m.is_hmr_boundary();
    let mut imported = Vec::new();
    let mut written = Vec::new();
    let mut failure = None;
    let code = nexxo_transform::rewrite(&m, |imp| match resolved[&imp.literal].clone() {
        Ok(Resolved::External) => Target::Keep,
        Ok(Resolved::Dep(s)) => match state.deps.read().expect("deps").entries.get(&s) {
            Some((f, true)) => Target::CommonJs(format!("/@deps/{f}")),
            Some((f, false)) => Target::Url(format!("/@deps/{f}")),
            None => Target::Keep,
        },
        Ok(Resolved::File(p)) => {
            let Some(dep_url) = state.url_of(&p) else {
                failure.get_or_insert_with(|| {
                    format!(
                        "`{}` resolves outside the project root; to serve it, add its directory to `server.fs.allow` in nexxo.config.json",
                        imp.specifier
                    )
                });
                return Target::Keep;
            };
            imported.push(dep_url.clone());
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            let mut q = Vec::new();
            if !SCRIPT_EXTS.contains(&ext) {
                q.push("import".to_string());
            }
            // What the import's query asks for (`?raw`, `?url`, `?worker`...) stays in the URL;
            // other parameters (`?v=1`) only name the same file.
            let flags = nexxo_bundler::query::Query::parse(nexxo_bundler::query::split(&imp.specifier).1);
            q.extend(flags.params().into_iter().map(String::from));
            if let Some(ts) = state.graph.lock().expect("graph").get(&dep_url).map(|n| n.timestamp).filter(|t| *t > 0) {
                q.push(format!("t={ts}"));
            }
            let url = if q.is_empty() { dep_url } else { format!("{dep_url}?{}", q.join("&")) };
            written.push(url.clone());
            Target::Url(url)
        }
        Err(e) => {
            failure.get_or_insert_with(|| format!("cannot resolve `{}`: {e}", imp.specifier));
            Target::Keep
        }
    });
    if let Some(msg) = failure {
        let rel = url.trim_start_matches('/').to_string();
        return Err(Diagnostic::new("UNRESOLVED_IMPORT", msg)
            .with_file(rel)
            .with_hint("check the path, or install the package"));
    }
    // `import.meta.hot.accept("./dep", cb)`: the server must know the dep's URL to route its
    // updates here, and the client must see the same URL to find the callback.
    let mut code = code;
    let mut accepted = Vec::new();
    let mut edits = Vec::new();
    for ((start, end), spec) in nexxo_transform::hot_accepts(&code).into_iter().flatten().flatten() {
        if let Ok(Resolved::File(p)) = resolve(state, file, &spec)
            && let Some(dep_url) = state.url_of(&p)
        {
            edits.push((start, end, serde_json::Value::String(dep_url.clone()).to_string()));
            accepted.push(dep_url);
        }
    }
    for (start, end, with) in edits.into_iter().rev() {
        code.replace_range(start..end, &with);
    }
    crate::hmr::record(state, &url, file, &imported, boundary, &accepted);
    let env = state.env_json.read().expect("env").clone();
    let mut out = format!(
        "import {{ createHotContext as __nexxo_hot, scheduleRefresh as __nexxo_refresh_schedule }} from \"/@nexxo/client\";\n\
         import.meta.hot = __nexxo_hot({url:?});\nimport.meta.env = {env};\n"
    );
    if m.has_refresh {
        out.push_str(&format!(
            "const __nexxo_prev_reg = window.$RefreshReg$, __nexxo_prev_sig = window.$RefreshSig$;\n\
             window.$RefreshReg$ = (type, id) => window.__nexxo_refresh?.register(type, {url:?} + \" \" + id);\n\
             window.$RefreshSig$ = window.__nexxo_refresh ? window.__nexxo_refresh.createSignatureFunctionForTransform : () => (t) => t;\n"
        ));
    }
    let map_lines = Some(line_count(&out));
    out.push_str(&code);
    if m.has_refresh {
        out.push_str("\nwindow.$RefreshReg$ = __nexxo_prev_reg; window.$RefreshSig$ = __nexxo_prev_sig;\n");
        if m.is_component_module() && !m.self_accepting {
            out.push_str("import.meta.hot.accept(() => __nexxo_refresh_schedule());\n");
        }
    }
    Ok(Served { code: out, imports: written, map_lines })
}

pub(crate) fn line_count(s: &str) -> u32 {
    s.bytes().filter(|&b| b == b'\n').count() as u32
}

/// `import.meta.env` of dev modules, as a JS object literal (computed once per server).
pub fn import_meta_env(config: &nexxo_config::ResolvedConfig) -> String {
    serde_json::Value::Object(nexxo_bundler::env_object(config, true)).to_string()
}

/// CSS imported from JS: a module that puts the style sheet in a `<style>` tag and replaces it on update.
/// `inline` (`?inline`): a module whose default export is the compiled text, with the text of
/// the sheets it `@import`s in front, applied nowhere.
pub(crate) fn css_module<H: DevHost>(state: &DevSession<H>, file: &Path, inline: bool) -> Result<Served, Diagnostic> {
    let url = state.url_of(file).unwrap_or_default();
    let (rel, compiled, css, mut partials) = compile_sheet(state, file)?;
    let is_module = nexxo_css::is_css_module(&rel);
    let mut imported = Vec::new();
    let mut written = Vec::new();
    let mut inlined = Vec::new();
    let mut out = String::from(if inline {
        ""
    } else {
        "import { createHotContext as __nexxo_hot, updateStyle as __nexxo_style } from \"/@nexxo/client\";\n"
    });
    // From the first conditional `@import` on, the imported sheets' rules go inside their
    // conditions in this sheet's text, as in the build (`nexxo_css::first_inlined`); the files
    // count as this sheet's partials, so an edit of one updates it.
    let inline_from = nexxo_css::first_inlined(&compiled.imports);
    let mut inlined_css = String::new();
    // `@import`s of remote URLs stay for the browser, first in the sheet (it ignores them later).
    let mut external = String::new();
    for (i, imp) in compiled.imports.iter().enumerate() {
        if imp.is_remote() {
            external.push_str(&imp.external_rule());
            continue;
        }
        if i >= inline_from {
            let stack = &mut vec![file.to_path_buf()];
            let host = &mut Inlining { state, partials: &mut partials };
            inlined_css.push_str(&nexxo_css::inline_import(host, &file.to_path_buf(), imp, stack, &mut external)?);
            continue;
        }
        if let Some(p) = resolve_css(state, file, &imp.specifier)
            && let Some(u) = state.url_of(&p)
        {
            if inline {
                let binding = format!("__nexxo_inline{}", inlined.len());
                written.push(format!("{u}?import&inline"));
                out.push_str(&format!("import {binding} from {:?};\n", format!("{u}?import&inline")));
                inlined.push(binding);
                continue;
            }
            imported.push(u.clone());
            written.push(format!("{u}?import"));
            out.push_str(&format!("import {:?};\n", format!("{u}?import")));
        }
    }
    let css = external + &inlined_css + &css;
    if inline {
        inlined.push(serde_json::Value::String(css).to_string());
        out.push_str(&format!("export default {};\n", inlined.join(" + ")));
        return Ok(Served { code: out, imports: written, map_lines: None });
    }
    // Style sheets this one composes from go first, so their rules come first.
    for (i, spec) in compiled.composes_specifiers().into_iter().enumerate() {
        let Some(u) = resolve_css(state, file, spec).and_then(|p| state.url_of(&p)) else {
            return Err(Diagnostic::new("UNRESOLVED_IMPORT", format!("cannot resolve composes from \"{spec}\""))
                .with_file(rel)
                .with_hint("check the path of the CSS module named after `from`"));
        };
        imported.push(u.clone());
        written.push(format!("{u}?import"));
        out.push_str(&format!("import {} from {:?};\n", nexxo_css::composes_binding(i), format!("{u}?import")));
    }
    out.push_str(&format!(
        "import.meta.hot = __nexxo_hot({url:?});\n__nexxo_style({url:?}, {});\n",
        serde_json::Value::String(css)
    ));
    if is_module {
        out.push_str(&format!("export default {};\n", compiled.exports_object()));
        // Named exports too, for class names that are identifiers (as in the build).
        for (k, v) in compiled.named_exports() {
            out.push_str(&format!("export const {k} = {v};\n"));
        }
    } else {
        out.push_str("import.meta.hot.accept();\n");
    }
    // The Sass partials it read count as its imports in the HMR graph (not in its code): an
    // edit of one updates this sheet (see `hmr::on_change`).
    imported.extend(partials);
    crate::hmr::record(state, &url, file, &imported, !is_module, &[]);
    Ok(Served { code: out, imports: written, map_lines: None })
}

/// A style sheet compiled as `nexxo dev` serves it: its path relative to the root, the compiled
/// sheet, its text with the `url()`s the server answers, and the URLs of the Sass partials read.
fn compile_sheet<H: DevHost>(
    state: &DevSession<H>,
    file: &Path,
) -> Result<(String, nexxo_css::CompiledCss, String, Vec<String>), Diagnostic> {
    let url = state.url_of(file).unwrap_or_default();
    let rel = url.trim_start_matches('/').to_string();
    let (source, partials) = style_source(state, file, &rel)?;
    let compiled = nexxo_css::compile(
        &rel,
        &source,
        &nexxo_css::CssOptions {
            minify: false,
            css_module: nexxo_css::is_css_module(&rel),
            module_pattern: state.config.css_modules_pattern.as_deref(),
            // `build.cssTarget` is for the build; Vite serves CSS as written in dev too.
            targets: None,
        },
    )?;
    let dir = file.parent().unwrap_or(&state.config.root);
    let mut urls = Vec::new();
    for u in &compiled.urls {
        let target = if nexxo_css::is_local_url(&u.url) {
            let clean = u.url.split(['?', '#']).next().unwrap_or(&u.url);
            // Resolved as the build does (aliases, packages); a root-absolute URL is already one
            // the server answers (a file under the root, or public/), and a file that does not
            // exist stays pointed where it is written, so the browser reports the 404.
            let found = (!clean.starts_with('/'))
                .then(|| resolve_css(state, file, clean))
                .flatten()
                .unwrap_or_else(|| normalize(&dir.join(clean)));
            state.url_of(&found).map_or_else(|| u.url.clone(), |url| state.asset_url(&url))
        } else {
            u.url.clone()
        };
        urls.push((u.placeholder.clone(), target));
    }
    let css = nexxo_css::replace_urls(&compiled.code, &urls);
    Ok((rel, compiled, css, partials))
}

/// `nexxo dev`'s side of inlining an `@import` ([`nexxo_css::inline_import`]): a sheet that does
/// not resolve is left out (as a browser skips it); the URLs of the files read are added to
/// `partials`, so an edit of one updates the importing sheet.
struct Inlining<'a, H: DevHost> {
    state: &'a DevSession<H>,
    partials: &'a mut Vec<String>,
}

impl<H: DevHost> nexxo_css::ImportHost for Inlining<'_, H> {
    type File = PathBuf;
    type Error = Diagnostic;

    fn resolve(&mut self, importer: &PathBuf, imp: &nexxo_css::CssImport) -> Result<Option<PathBuf>, Diagnostic> {
        Ok(resolve_css(self.state, importer, &imp.specifier))
    }

    fn compile(&mut self, file: &PathBuf) -> Result<(Vec<nexxo_css::CssImport>, String), Diagnostic> {
        let (_, compiled, css, read) = compile_sheet(self.state, file)?;
        self.partials.extend(self.state.url_of(file));
        self.partials.extend(read);
        Ok((compiled.imports, css))
    }
}

/// The file a reference from style sheet `file` names, by the build's rule
/// ([`nexxo_bundler::css_specifiers`]).
fn resolve_css<H: DevHost>(state: &DevSession<H>, file: &Path, spec: &str) -> Option<PathBuf> {
    nexxo_bundler::css_specifiers(spec).into_iter().find_map(|candidate| match resolve(state, file, &candidate) {
        Ok(Resolved::File(p)) => Some(p),
        _ => None,
    })
}

/// A style sheet's CSS: the file, or for Sass its compiled output (the same compile step as the
/// build's, over the disk), for Less and Stylus the project's compiler's (where the host runs
/// it), with the URLs of the partials read; then the project's PostCSS plugins.
pub(crate) fn style_source<H: DevHost>(
    state: &DevSession<H>,
    file: &Path,
    rel: &str,
) -> Result<(String, Vec<String>), Diagnostic> {
    let plugins = state.host.css_plugins();
    if plugins.is_none()
        && let Some(d) = nexxo_css::sass::unsupported_preprocessor(rel)
    {
        return Err(d.with_file(rel));
    }
    warn_postcss_config(state);
    let read = || {
        state
            .host
            .fs()
            .read_to_string(file)
            .map_err(|e| Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel))
    };
    let (source, partials) = if nexxo_css::sass::is_sass(rel) {
        let out = nexxo_bundler::sass::compile_sass(&state.host.fs().clone(), file, &state.config)?;
        for w in &out.warnings {
            state.host.warn(&format!("{rel}: {w}"));
        }
        let partials = out.files.iter().skip(1).filter_map(|f| state.url_of(f)).collect();
        (out.css, partials)
    } else if let (Some(lang), Some(plugins)) = (nexxo_css::plugins::Preprocessor::of(rel), plugins) {
        let (additional, options) = state.config.preprocessor_options(rel);
        let out = nexxo_css::plugins::compile_preprocessed(plugins, lang, file, rel, &read()?, additional, &options)?;
        for w in &out.warnings {
            state.host.warn(&w.to_string());
        }
        let partials = out.dependencies.iter().filter(|f| *f != file).filter_map(|f| state.url_of(f)).collect();
        (out.css, partials)
    } else {
        (read()?, Vec::new())
    };
    let Some(postcss) = plugins.filter(|p| p.has_postcss()) else {
        if let Some(w) = nexxo_css::sass::needs_postcss(&source) {
            state.host.warn(&format!("{rel}: {w}"));
        }
        return Ok((source, partials));
    };
    // The project's CSS plugins, as in the build; what they made the sheet from is kept, so an
    // edit of one of those files (a component using a new Tailwind class) updates the sheet.
    let mut out = postcss.process(file, rel, &source)?;
    for w in out.warnings.drain(..) {
        state.host.warn(&w.to_string());
    }
    let css = std::mem::take(&mut out.css);
    if let Some(url) = state.url_of(file) {
        state.postcss_inputs.lock().expect("postcss inputs").insert(url, out);
    }
    Ok((css, partials))
}

/// Says once per session that a PostCSS / Tailwind config in the root is not used.
fn warn_postcss_config<H: DevHost>(state: &DevSession<H>) {
    if state.host.css_plugins().is_some_and(|p| p.has_postcss())
        || state.postcss_warned.swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        return;
    }
    for c in nexxo_css::sass::POSTCSS_CONFIGS.iter().filter(|c| state.is_file(&state.config.root.join(c))) {
        state.host.warn(&nexxo_css::sass::postcss_config_warning(c));
    }
}
