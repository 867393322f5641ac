//! Request handling: pages, transformed modules, CSS as modules, assets, pre-bundled
//! dependencies, the client runtime and the HMR WebSocket, all behind host and path checks.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use nexxo_diagnostics::Diagnostic;
use nexxo_transform::{Module, Target};
use rayon::prelude::*;
use rolldown_fs::{OsFileSystem, OxcResolverFileSystem as _};
use tokio::net::TcpListener;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Message, handshake::derive_accept_key};

use super::DevState;
use super::resolve::{Resolved, resolve, resolve_imports};
use crate::http_util::{mime, safe_path};
use crate::preview::respond;
use nexxo_bundler::normalize_path as normalize;

const CLIENT_JS: &str = include_str!("client.js");
/// React Fast Refresh's runtime from the `react-refresh` package Nexxo depends on (host/runtime,
/// wrapped as an ES module by host/build.rs), so apps need not install it.
const REACT_REFRESH_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/react-refresh-runtime.js"));
/// Vite's query for a page's inline module script: `/index.html?html-proxy&index=0.ts` is the first.
const HTML_PROXY: &str = "html-proxy";
const SCRIPT_EXTS: &[&str] = &["ts", "tsx", "jsx", "js", "mjs", "mts", "cjs"];

type Resp = Response<Full<Bytes>>;

pub fn is_script(url: &str) -> bool {
    if url.split_once('?').is_some_and(|(_, q)| has_flag(q, HTML_PROXY)) {
        return true;
    }
    Path::new(url.split('?').next().unwrap_or(url))
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SCRIPT_EXTS.contains(&e))
}

pub async fn serve(listener: TcpListener, state: Arc<DevState>) {
    loop {
        let stream = crate::net::accept(&listener).await;
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let state = Arc::clone(&state);
                // Its own task, so a bug that panics while serving one request costs that request
                // a 500, not the server.
                async move {
                    let resp = tokio::spawn(handle(state, req)).await.unwrap_or_else(|_| {
                        text(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "internal error in the Nexxo dev server (details in its terminal)",
                        )
                    });
                    Ok::<_, Infallible>(resp)
                }
            });
            let _ = crate::net::http1().serve_connection(TokioIo::new(stream), service).with_upgrades().await;
        });
    }
}

fn text(status: StatusCode, body: &str) -> Resp {
    respond(status, "text/plain; charset=utf-8", body.as_bytes().to_vec(), false)
}

fn js(body: String) -> Resp {
    let mut r = respond(StatusCode::OK, "text/javascript; charset=utf-8", body.into_bytes(), false);
    r.headers_mut().insert(header::CACHE_CONTROL, "no-cache".parse().expect("static header"));
    r
}

/// DNS-rebinding defence: only names this server was started for may reach it.
fn host_allowed(state: &DevState, req: &Request<Incoming>) -> bool {
    let Some(host) = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let name = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]"))
    } else {
        host.split(':').next().map(str::to_string)
    };
    name.is_some_and(|n| state.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(&n)))
}

fn origin_allowed(state: &DevState, req: &Request<Incoming>) -> bool {
    match req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        // Non-browser clients send no Origin; browsers always do for WebSockets.
        None => true,
        Some(origin) => state.allowed_hosts.iter().any(|h| origin == format!("http://{h}:{}", state.port)),
    }
}

async fn handle(state: Arc<DevState>, req: Request<Incoming>) -> Resp {
    if !host_allowed(&state, &req) {
        return text(
            StatusCode::FORBIDDEN,
            "Blocked request: this host is not allowed. Start nexxo dev with --host to serve it.",
        );
    }
    let mut path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    // `base: "/app/"`: the app is served under it, as by Vite (`/` and the bare base redirect
    // there), so URLs relative to its pages work. The URLs the server writes itself (modules,
    // `/@nexxo/`, `/@deps/`) stay at the root, which it keeps serving.
    let base = state.config.base.trim_end_matches('/');
    if base.starts_with('/') && !base.is_empty() {
        if path == "/" || path == "/index.html" || path == base {
            let to = if query.is_empty() { format!("{base}/") } else { format!("{base}/?{query}") };
            let mut r = text(StatusCode::FOUND, &format!("the app is served under {base}/"));
            r.headers_mut()
                .insert(header::LOCATION, to.parse().unwrap_or_else(|_| header::HeaderValue::from_static("/")));
            return r;
        }
        if let Some(rest) = path.strip_prefix(base).filter(|r| r.starts_with('/')) {
            path = rest.to_string();
        }
    }
    match path.as_str() {
        "/@nexxo/client" => return js(CLIENT_JS.to_string()),
        "/@nexxo/react-refresh" => return js(REACT_REFRESH_JS.to_string()),
        "/@nexxo/ping" => return text(StatusCode::OK, "pong"),
        "/@nexxo/ws" => return upgrade(state, req),
        "/@nexxo/bundle" => {
            let Some(entry) = query.strip_prefix("entry=").and_then(crate::http_util::percent_decode) else {
                return text(StatusCode::BAD_REQUEST, "expected /@nexxo/bundle?entry=URL");
            };
            if !is_entry(&state, &entry) {
                return text(StatusCode::NOT_FOUND, "not found");
            }
            let built = bundle(&state, &entry).await;
            return js(format!("{}{}", built.text, map_comment(&format!("bundle={}", url_param(&entry)))));
        }
        "/@nexxo/map" => return source_map(&state, &query).await,
        _ => {}
    }
    if let Some(file) = path.strip_prefix("/@deps/") {
        return match state.deps.read().expect("deps").files.get(file) {
            Some(code) => js(code.clone()),
            None => text(StatusCode::NOT_FOUND, "unknown dependency chunk"),
        };
    }
    let Some(mut file) = state.file_of(&path) else {
        return text(StatusCode::FORBIDDEN, "forbidden");
    };
    if file.is_dir() {
        file.push("index.html");
    }
    let is_import = has_flag(&query, "import");
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    // `public/` is served at the root as is, as in the built output (files under the root win).
    if !file.exists()
        && let Some(public) = state.config.public_dir.as_ref().and_then(|d| safe_path(d, &path)).filter(|f| f.is_file())
    {
        return match std::fs::read(&public) {
            Ok(bytes) => respond(StatusCode::OK, mime(&public), bytes, false),
            Err(_) => text(StatusCode::NOT_FOUND, "not found"),
        };
    }
    if !file.is_file() {
        // SPA fallback for client-side routes.
        if ext.is_empty() && state.config.root.join("index.html").is_file() {
            return page(&state, &state.config.root.join("index.html"));
        }
        return text(StatusCode::NOT_FOUND, "not found");
    }
    let inline_script = ext == "html" && has_flag(&query, HTML_PROXY);
    if ext == "html" && !inline_script {
        return page(&state, &file);
    }
    if SCRIPT_EXTS.contains(&ext.as_str()) || is_import || inline_script {
        let url = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        if has_flag(&query, "runner") {
            let map = map_comment(&format!("url={}&at=1", url_param(&url)));
            return match runner_module(&state, &file, &url, &query).await {
                Ok(code) => js(format!("export default async function ({RUNNER_PARAMS}) {{\n{code}\n}}{map}\n")),
                Err(d) => error_response(&state, &d),
            };
        }
        return match served(&state, &file, &query).await {
            Ok(m) if m.map_lines.is_some() => js(m.code + &map_comment(&format!("url={}", url_param(&url)))),
            Ok(m) => js(m.code),
            Err(d) => error_response(&state, &d),
        };
    }
    if ext == "scss" || ext == "sass" {
        // A sheet linked with `media` stays a `<link>`: the browser asks for CSS.
        return match sass_as_css(&state, &file) {
            Ok(css) => respond(StatusCode::OK, "text/css; charset=utf-8", css.into_bytes(), false),
            Err(d) => error_response(&state, &d),
        };
    }
    match std::fs::read(&file) {
        Ok(bytes) => respond(StatusCode::OK, mime(&file), bytes, false),
        Err(_) => text(StatusCode::NOT_FOUND, "not found"),
    }
}

/// A Sass sheet requested as CSS: compiled, its `url()`s pointed at served files.
fn sass_as_css(state: &DevState, file: &Path) -> Result<String, Diagnostic> {
    let url = state.url_of(file).unwrap_or_default();
    let rel = url.trim_start_matches('/');
    let (source, _) = style_source(state, file, rel)?;
    let dir = file.parent().unwrap_or(&state.config.root);
    let url_for = |f: &Path| f.is_file().then(|| state.url_of(f)).flatten();
    nexxo_bundler::compile_style(rel, dir, &source, 0..source.len(), false, "/", url_for)
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
async fn served(state: &Arc<DevState>, file: &Path, query: &str) -> Result<Served, Diagnostic> {
    if let Some(script) = inline_module_of(file, query) {
        return module_response(state, &script).await;
    }
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if let Some(special) = super::imports::special(state, file, query)? {
        return Ok(special);
    }
    if SCRIPT_EXTS.contains(&ext.as_str()) {
        return module_response(state, file).await;
    }
    if ext == "css" || ext == "scss" || ext == "sass" {
        return css_module(state, file, false);
    }
    if let Some(d) = nexxo_css::sass::unsupported_preprocessor(&ext_path(file)) {
        let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
        return Err(d.with_file(rel));
    }
    let read = || {
        std::fs::read_to_string(file).map_err(|e| {
            let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
            Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel)
        })
    };
    let code = if ext == "json" {
        format!("export default {};", read()?)
    } else if has_flag(query, "raw") {
        format!("export default {};", serde_json::Value::String(read()?))
    } else {
        format!("export default {};", serde_json::Value::String(state.url_of(file).unwrap_or_default()))
    };
    Ok(Served { code, imports: Vec::new(), map_lines: None })
}

/// The module at `url` in runner form: what a bundled page fetches for a module its bundle lacks.
pub async fn runner_module(state: &Arc<DevState>, file: &Path, url: &str, query: &str) -> Result<Arc<str>, Diagnostic> {
    let m = served(state, file, query).await?;
    runner_form(state, url, &m.code)
}

/// The parameters of a module in runner form (oxc's `ModuleRunnerTransform`, Vite's names).
const RUNNER_PARAMS: &str = "__vite_ssr_import__, __vite_ssr_dynamic_import__, __vite_ssr_exports__, __vite_ssr_exportAll__, __vite_ssr_import_meta__";

/// `code` (a served ES module) as the body of an async function for the client's module
/// registry; cached by content, since the conversion parses the module once more.
fn runner_form(state: &DevState, url: &str, code: &str) -> Result<Arc<str>, Diagnostic> {
    let key = crate::cache::key("runner", &[code.as_bytes()]);
    if let Some(hit) = state.runners.lock().expect("runner forms").get(&key) {
        return Ok(Arc::clone(hit));
    }
    let out: Arc<str> = match state.cache.get(&key).and_then(|b| String::from_utf8(b).ok()) {
        Some(hit) => hit.into(),
        None => {
            let out = nexxo_transform::to_runner(url, code)?;
            state.cache.put(&key, out.as_bytes());
            out.into()
        }
    };
    state.runners.lock().expect("runner forms").insert(key, Arc::clone(&out));
    Ok(out)
}

/// Everything `entry` reaches, in one script: each module registered with the client as a
/// function, then the entry run. One request instead of one per module, which is what a large
/// app's first load waits on (see README, "Dev server"). Pre-bundled dependencies stay native
/// ES modules, imported by URL.
async fn bundle(state: &Arc<DevState>, entry: &str) -> Arc<Bundle> {
    let mut built = state.bundles.lock().await;
    let generation = state.generation.load(std::sync::atomic::Ordering::SeqCst);
    if let Some((g, bundle)) = built.get(entry)
        && *g == generation
    {
        return Arc::clone(bundle);
    }
    let (bundle, clean) = build_bundle(state, entry).await;
    let bundle = Arc::new(bundle);
    // A bundle with a broken module is built again on the next request (after the fix, a reload).
    if clean {
        built.insert(entry.to_string(), (generation, Arc::clone(&bundle)));
    }
    bundle
}

/// One entry's script, and where each module's body starts in it (for its source map).
pub struct Bundle {
    text: String,
    modules: Vec<(String, u32)>,
}

/// The HTML entries' bundles, built ahead of the first request.
pub async fn warm_bundles(state: &Arc<DevState>) {
    for input in &state.config.input {
        let html = state.config.root.join(input);
        for module in page_modules(state, &html) {
            if let Some(url) = state.url_of(&module) {
                bundle(state, &url).await;
            }
        }
    }
}

async fn build_bundle(state: &Arc<DevState>, entry: &str) -> (Bundle, bool) {
    let mut clean = true;
    // Chromium's compile hint: every function here runs during the first load, so compile them
    // all while the script streams in (off the main thread) instead of one by one on first call.
    // Measured on 10,000 components: 7.2-8.2 s to rendered without it, 4.6-5.5 s with it.
    let mut out = String::from(
        "//# allFunctionsCalledOnLoad\nimport { define as __nexxo_define, load as __nexxo_load } from \"/@nexxo/client\";\n",
    );
    // Served forms in import order (cheap once transformed), then runner forms on all cores.
    let mut served_forms = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut queue = std::collections::VecDeque::from([entry.to_string()]);
    while let Some(url) = queue.pop_front() {
        if !seen.insert(url.clone()) {
            continue;
        }
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        let form =
            match state.file_of(path).filter(|f| f.is_file()) {
                None => Err(Diagnostic::new("NOT_FOUND", format!("{path} does not exist"))
                    .with_file(path.trim_start_matches('/'))),
                Some(file) => served(state, &file, query).await.map(|m| {
                    queue.extend(m.imports);
                    m.code
                }),
            };
        served_forms.push((url, form));
    }
    let bodies: Vec<Result<Arc<str>, Diagnostic>> = tokio::task::block_in_place(|| {
        served_forms
            .par_iter()
            .map(|(url, form)| form.as_ref().map_err(Clone::clone).and_then(|code| runner_form(state, url, code)))
            .collect()
    });
    let mut modules = Vec::with_capacity(served_forms.len());
    let mut line = line_count(&out);
    for ((url, _), body) in served_forms.into_iter().zip(bodies) {
        // A broken module fails where it is imported, as a failed request would; the overlay shows why.
        let body = body.unwrap_or_else(|d| {
            clean = false;
            report_error(state, &d);
            format!("throw new Error({});", serde_json::Value::String(d.to_string())).into()
        });
        out.push_str(&format!(
            "__nexxo_define({}, async function ({RUNNER_PARAMS}) {{\n{body}\n}});\n",
            serde_json::Value::String(url.clone())
        ));
        modules.push((url, line + 1));
        line += line_count(&body) + 3;
    }
    out.push_str(&format!("await __nexxo_load({});\n", serde_json::Value::String(entry.to_string())));
    (Bundle { text: out, modules }, clean)
}

fn error_response(state: &DevState, d: &Diagnostic) -> Resp {
    report_error(state, d);
    text(StatusCode::INTERNAL_SERVER_ERROR, &d.to_string())
}

/// Prints the error and shows it in every connected browser.
pub fn report_error(state: &DevState, d: &Diagnostic) {
    crate::style::error(&d.to_string());
    let msg = serde_json::json!({ "type": "error", "error": {
        "code": d.code, "message": d.message, "file": d.file, "line": d.line, "column": d.column,
        "frame": d.frame, "hint": d.hint,
    }});
    *state.last_error.lock().expect("error slot") = Some(msg.to_string());
    state.broadcast(msg);
}

/// The file a page's `src`/`href` points at: root-relative or relative to the page.
fn page_target(state: &DevState, page: &Path, href: &str) -> PathBuf {
    let dir = page.parent().unwrap_or(&state.config.root);
    normalize(&match href.strip_prefix('/') {
        Some(r) => state.config.root.join(r),
        None => dir.join(href),
    })
}

fn is_local(href: &str) -> bool {
    !href.contains("://") && !href.starts_with("//") && !href.starts_with("data:")
}

/// `<script type="module" src>` for a module URL: the URL itself, or its bundle. `is_async`
/// keeps the page's `async`.
fn module_script(state: &DevState, url: &str, is_async: bool) -> String {
    let attrs = if is_async { " async" } else { "" };
    if !state.bundled {
        return format!(
            "<script type=\"module\"{attrs}>import {};</script>",
            serde_json::Value::String(url.to_string())
        );
    }
    format!("<script type=\"module\"{attrs} src=\"/@nexxo/bundle?entry={}\"></script>", url_param(url))
}

/// The page `file` as the browser sees it in dev: `%NAME%` replaced from `import.meta.env` (as in
/// a build), with the warnings for names that have the env prefix but no value.
fn page_source(state: &DevState, file: &Path) -> std::io::Result<(String, Vec<String>)> {
    let raw = std::fs::read_to_string(file)?;
    let rel = state.url_of(file).unwrap_or_default();
    // The current `import.meta.env` (it follows `.env` edits).
    let env = serde_json::from_str(&state.env_json.read().expect("env")).unwrap_or_default();
    Ok(nexxo_bundler::replace_env(rel.trim_start_matches('/'), &raw, &state.config, &env))
}

/// The inline module script that `?html-proxy&index=N` names on page `file`, as the path the dev
/// server keys it by everywhere a module has a file (transform cache, HMR graph, resolver
/// importer): the page's path plus that query, with `.ts` (inline scripts may use TypeScript
/// syntax, as in a build). `read_module` reads it out of the page.
fn inline_module_of(file: &Path, query: &str) -> Option<PathBuf> {
    if !file.extension().is_some_and(|e| e.eq_ignore_ascii_case("html")) || !has_flag(query, HTML_PROXY) {
        return None;
    }
    let index = query.split('&').find_map(|kv| kv.strip_prefix("index="))?;
    let index: usize = index.strip_suffix(".ts").unwrap_or(index).parse().ok()?;
    Some(inline_module_path(file, index))
}

fn inline_module_path(page: &Path, index: usize) -> PathBuf {
    PathBuf::from(format!("{}?{HTML_PROXY}&index={index}.ts", page.display()))
}

/// The source of module `file`: the file, or for a page's inline module script (see
/// `inline_module_of`) its text in the page, padded with the lines and columns before it so that
/// errors and source maps point at the page's own lines.
pub fn read_module(state: &DevState, file: &Path) -> std::io::Result<String> {
    let name = file.to_string_lossy();
    let Some((page, index)) = name.split_once(&format!("?{HTML_PROXY}&index=")) else {
        return std::fs::read_to_string(file);
    };
    let missing = || std::io::Error::new(std::io::ErrorKind::NotFound, "the page has no such inline module script");
    let index: usize = index.strip_suffix(".ts").and_then(|i| i.parse().ok()).ok_or_else(missing)?;
    let (html, _) = page_source(state, Path::new(page))?;
    let doc = nexxo_html::scan(&html);
    let script =
        doc.elements.iter().filter(|e| e.is_module_script() && !e.has_attr("src")).nth(index).ok_or_else(missing)?;
    let text = script.text.clone().unwrap_or(script.outer.end..script.outer.end);
    let before = &html[..text.start];
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let lines = before.matches('\n').count();
    let columns = before[line_start..].chars().count();
    Ok(format!("{}{}{}", "\n".repeat(lines), " ".repeat(columns), &html[text]))
}

/// The modules page `html` starts: its local module scripts' files and its inline module scripts.
fn page_modules(state: &DevState, html: &Path) -> Vec<PathBuf> {
    let Ok((source, _)) = page_source(state, html) else { return Vec::new() };
    let mut inline = 0;
    let mut out = Vec::new();
    for el in nexxo_html::scan(&source).elements.iter().filter(|e| e.is_module_script()) {
        match el.attr("src") {
            Some(src) if is_local(src) => out.push(page_target(state, html, src)),
            Some(_) => {}
            None => {
                out.push(inline_module_path(html, inline));
                inline += 1;
            }
        }
    }
    out
}

fn page(state: &DevState, file: &Path) -> Resp {
    let Ok((source, warnings)) = page_source(state, file) else { return text(StatusCode::NOT_FOUND, "not found") };
    let s = crate::style::Style::stderr();
    for w in warnings {
        eprintln!("{} {w}", s.yellow("warning:"));
    }
    let doc = nexxo_html::scan(&source);
    let mut edits = nexxo_html::Edits::default();
    let mut inline = 0;
    let dir = file.parent().unwrap_or(&state.config.root);
    let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
    for el in &doc.elements {
        // Style sheets become module imports so they update in place like imported CSS; a sheet
        // with `media` (or `disabled`) stays a `<link>`, which is what keeps it conditional.
        let conditional = el.has_attr("media") || el.has_attr("disabled");
        if let Some(href) = el.attr("href").filter(|h| el.is_style_sheet_link() && !conditional && is_local(h))
            && let Some(url) = state.url_of(&page_target(state, file, href))
        {
            edits.replace(el.outer.clone(), module_script(state, &format!("{url}?import"), false));
        }
        if el.is_module_script() {
            let is_async = el.has_attr("async");
            match el.attr("src") {
                Some(src) if state.bundled && is_local(src) => {
                    if let Some(url) = state.url_of(&page_target(state, file, src)) {
                        edits.replace(el.outer.clone(), module_script(state, &url, is_async));
                    }
                }
                Some(_) => {}
                // An inline module is served as a module of its own, transformed like any other
                // (bare imports, TypeScript, `import.meta.env`); editing the page reloads it.
                None => {
                    if let Some(url) = state.url_of(&inline_module_path(file, inline)) {
                        edits.replace(el.outer.clone(), module_script(state, &url, is_async));
                    }
                    inline += 1;
                }
            }
        }
        // Inline CSS is compiled as in a build (unminified), its `url()`s pointed at served files.
        if let Some(text) = el.text.clone().filter(|_| el.is_css_style()) {
            let url_for = |f: &Path| f.is_file().then(|| state.url_of(f)).flatten();
            match nexxo_bundler::compile_style(&rel, dir, &source, text.clone(), false, "/", url_for) {
                Ok(css) => edits.replace(text, css),
                // Shown in the terminal and the overlay; the page keeps the style as written.
                Err(d) => report_error(state, &d),
            }
        }
    }
    let mut preamble = String::from("<script type=\"module\" src=\"/@nexxo/client\"></script>\n");
    let deps = state.deps.read().expect("deps");
    // The app's modules import these only when they run; fetch them alongside instead of after.
    let mut files: Vec<&String> = deps.files.keys().collect();
    files.sort();
    for f in files {
        preamble.push_str(&format!("<link rel=\"modulepreload\" href=\"/@deps/{f}\">\n"));
    }
    drop(deps);
    // Before any module runs, so React finds the refresh hook when it loads.
    if state.react_refresh {
        preamble.push_str(
            "<script type=\"module\">import R from \"/@nexxo/react-refresh\";R.injectIntoGlobalHook(window);\
             window.$RefreshReg$=()=>{};window.$RefreshSig$=()=>(t)=>t;window.__nexxo_refresh=R;</script>\n",
        );
    }
    edits.insert(nexxo_html::head_insertion(&source, &doc, true), preamble);
    let html = edits.apply(&source);
    let mut r = respond(StatusCode::OK, "text/html; charset=utf-8", html.into_bytes(), false);
    r.headers_mut().insert(header::CACHE_CONTROL, "no-cache".parse().expect("static header"));
    r
}

/// Transforms `file`, reusing the cached result while its source is unchanged.
pub fn transform(state: &DevState, file: &Path) -> Result<Arc<Module>, Diagnostic> {
    let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
    let source = read_module(state, file)
        .map_err(|e| Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel.clone()))?;
    // Glob imports expanded first: the cache keys below then cover the files they list.
    let source = super::glob::expand_source(state, file, &rel, source)?;
    if let Some((cached_src, m)) = state.transforms.lock().expect("transform cache").get(file)
        && *cached_src == source
    {
        return Ok(Arc::clone(m));
    }
    let key = crate::cache::key("transform", &[&state.transform_options().key(), rel.as_bytes(), source.as_bytes()]);
    let cached = state.cache.get(&key).and_then(|bytes| match serde_json::from_slice::<Module>(&bytes) {
        Ok(m) => Some(m),
        Err(_) => {
            state.cache.forget(&key);
            None
        }
    });
    let m = match cached {
        Some(m) => Arc::new(m),
        None => {
            let m = nexxo_transform::transform(&rel, &source, state.transform_options())
                // An inline script's lines are the page's: name the page, which an editor can open.
                .map_err(|mut d| {
                    if let Some((page, _)) = rel.split_once(&format!("?{HTML_PROXY}&")) {
                        d.file = Some(page.to_string());
                    }
                    d
                })?;
            if let Ok(bytes) = serde_json::to_vec(&m) {
                state.cache.put(&key, &bytes);
            }
            Arc::new(m)
        }
    };
    state.transforms.lock().expect("transform cache").insert(file.to_path_buf(), (source, Arc::clone(&m)));
    Ok(m)
}

/// Bare specifiers reachable from the HTML entries, found by transforming the app's modules.
pub fn crawl_dependencies(state: &DevState) -> BTreeSet<String> {
    let mut deps = BTreeSet::new();
    let mut queue: Vec<PathBuf> = Vec::new();
    for input in &state.config.input {
        queue.extend(page_modules(state, &state.config.root.join(input)));
    }
    // Level by level, each level's modules transformed and resolved on all cores.
    let mut seen: std::collections::HashSet<PathBuf> = queue.iter().cloned().collect();
    while !queue.is_empty() {
        let found: Vec<Vec<Resolved>> = queue
            .par_iter()
            .filter(|f| f.extension().and_then(|e| e.to_str()).is_some_and(|e| SCRIPT_EXTS.contains(&e)))
            .filter_map(|file| {
                let m = transform(state, file).ok()?;
                let mut found: Vec<Resolved> =
                    resolve_imports(state, file, &m).into_iter().filter_map(Result::ok).collect();
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
        queue = Vec::new();
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
pub async fn bundle_dependencies(state: &Arc<DevState>, mut specifiers: BTreeSet<String>) -> Result<(), String> {
    let _guard = state.deps_lock.lock().await;
    specifiers.extend(state.deps.read().expect("deps").entries.keys().cloned());
    let list: Vec<String> = specifiers.into_iter().collect();
    let key = deps_key(state, &list);
    if let Some(Ok(cached)) = state.cache.get(&key).map(|b| serde_json::from_slice::<super::Deps>(&b)) {
        *state.deps.write().expect("deps") = cached;
        return Ok(());
    }
    // A package's own CSS and assets: served like the app's, under their URL (see DepAssetsPlugin).
    // Weak: the plugin lives inside rolldown's bundle, which must not keep the server state alive.
    let urls = Arc::downgrade(state);
    let url_of: nexxo_bundler::deps::AssetUrl = Arc::new(move |p| urls.upgrade()?.url_of(p));
    let chunks = nexxo_bundler::deps::prebundle(OsFileSystem::new(false), &state.config, &list, url_of)
        .await
        .map_err(|f| format!("pre-bundling dependencies failed:\n{f}"))?;
    let mut deps = super::Deps::default();
    for c in chunks {
        if let Some(spec) = &c.specifier {
            let cjs = c.exports.iter().all(|e| e == "default");
            deps.entries.insert(spec.clone(), (c.file.clone(), cjs));
        }
        deps.files.insert(c.file, c.code);
    }
    if let Ok(bytes) = serde_json::to_vec(&deps) {
        state.cache.put(&key, &bytes);
    }
    *state.deps.write().expect("deps") = deps;
    state.invalidate_bundles();
    Ok(())
}

/// Pre-bundled dependencies change with the specifier set, the installed packages (lockfiles)
/// and the config that reaches them (mode, env, alias).
fn deps_key(state: &DevState, list: &[String]) -> Vec<u8> {
    let root = &state.config.root;
    let mut locks = Vec::new();
    for f in ["package-lock.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock", "package.json"] {
        locks.extend(std::fs::read(root.join(f)).unwrap_or_default());
    }
    let config = format!("{:?}{:?}{:?}", state.config.mode, state.config.env, state.config.alias);
    crate::cache::key("deps", &[list.join("\n").as_bytes(), &locks, config.as_bytes()])
}

/// The served form of a script module: imports pointed at URLs, `import.meta.hot` and Fast Refresh set up.
async fn module_response(state: &Arc<DevState>, file: &Path) -> Result<Served, Diagnostic> {
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
        println!("  new dependencies found: {}; re-bundling", missing.iter().cloned().collect::<Vec<_>>().join(", "));
        bundle_dependencies(state, missing).await.map_err(|e| Diagnostic::new("DEPS", e))?;
        state.reload_pages();
    }
    let boundary = m.self_accepting || (m.has_refresh && m.is_component_module());
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
                failure.get_or_insert_with(|| format!("`{}` resolves outside the project root", imp.specifier));
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
    super::hmr::record(state, &url, file, &imported, boundary, &accepted);
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

fn line_count(s: &str) -> u32 {
    s.bytes().filter(|&b| b == b'\n').count() as u32
}

/// The source map of the module at `url` as served (`runner_at: None`) or in runner form with
/// its body starting at line `runner_at` of the script the browser sees. `None` for modules that
/// are not transformed scripts.
async fn module_map(state: &Arc<DevState>, url: &str, runner_at: Option<u32>) -> Option<nexxo_transform::maps::Map> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let file = state.file_of(path).filter(|f| f.is_file())?;
    let served = served(state, &file, query).await.ok()?;
    // A page's inline script maps to the page: its source is padded to the page's lines.
    let module = inline_module_of(&file, query).unwrap_or(file);
    let source = read_module(state, &module).ok()?;
    let rel = state.url_of(&module)?;
    let source = super::glob::expand_source(state, &module, rel.trim_start_matches('/'), source).ok()?;
    let opts = state.transform_options();
    let map = nexxo_transform::maps::module(rel.trim_start_matches('/'), path, &source, opts)
        .ok()?
        .shifted(served.map_lines?);
    match runner_at {
        None => Some(map),
        Some(at) => Some(nexxo_transform::maps::runner(url, &served.code, map).ok()?.shifted(at)),
    }
}

/// `/@nexxo/map?url=URL[&at=N]` (one module, see `module_map`) or `/@nexxo/map?bundle=ENTRY`.
async fn source_map(state: &Arc<DevState>, query: &str) -> Resp {
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(crate::http_util::percent_decode)
    };
    let map = if let Some(entry) = param("bundle").filter(|e| is_entry(state, e)) {
        let built = bundle(state, &entry).await;
        let mut parts = Vec::new();
        for (url, line) in &built.modules {
            parts.extend(module_map(state, url, Some(0)).await.map(|m| (m, *line)));
        }
        Some(nexxo_transform::maps::concat(parts))
    } else if let Some(url) = param("url") {
        module_map(state, &url, param("at").and_then(|a| a.parse().ok())).await
    } else {
        None
    };
    match map {
        Some(m) => respond(StatusCode::OK, "application/json", m.to_json().into_bytes(), false),
        None => text(StatusCode::NOT_FOUND, "no source map"),
    }
}

/// A module URL a bundle may start from: a file the page may have.
fn is_entry(state: &DevState, url: &str) -> bool {
    state.file_of(url.split('?').next().unwrap_or_default()).is_some_and(|f| f.is_file())
}

/// The comment that points a script's developer tools at its map.
fn map_comment(query: &str) -> String {
    format!("\n//# sourceMappingURL=/@nexxo/map?{query}")
}

fn url_param(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '?' | '&' | '%' | '#' | '+' | ' ' | '"' | '=' => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// `import.meta.env` of dev modules, as a JS object literal (computed once per server).
pub fn import_meta_env(config: &nexxo_config::ResolvedConfig) -> String {
    serde_json::Value::Object(nexxo_bundler::env_object(config, true)).to_string()
}

/// CSS imported from JS: a module that puts the style sheet in a `<style>` tag and replaces it on update.
/// `inline` (`?inline`): a module whose default export is the compiled text, with the text of
/// the sheets it `@import`s in front, applied nowhere.
pub(super) fn css_module(state: &DevState, file: &Path, inline: bool) -> Result<Served, Diagnostic> {
    let url = state.url_of(file).unwrap_or_default();
    let rel = url.trim_start_matches('/').to_string();
    let (source, partials) = style_source(state, file, &rel)?;
    let is_module = nexxo_css::is_css_module(&rel);
    let compiled = nexxo_css::compile(
        &rel,
        &source,
        &nexxo_css::CssOptions {
            minify: false,
            css_module: is_module,
            module_pattern: state.config.css_modules_pattern.as_deref(),
        },
    )?;
    let dir = file.parent().unwrap_or(&state.config.root);
    let mut urls = Vec::new();
    for u in &compiled.urls {
        let target = if nexxo_css::is_local_url(&u.url) {
            let clean = u.url.split(['?', '#']).next().unwrap_or(&u.url);
            state.url_of(&normalize(&dir.join(clean))).unwrap_or_else(|| u.url.clone())
        } else {
            u.url.clone()
        };
        urls.push((u.placeholder.clone(), target));
    }
    let css = nexxo_css::replace_urls(&compiled.code, &urls);
    let mut imported = Vec::new();
    let mut written = Vec::new();
    let mut inlined = Vec::new();
    let mut out = String::from(if inline {
        ""
    } else {
        "import { createHotContext as __nexxo_hot, updateStyle as __nexxo_style } from \"/@nexxo/client\";\n"
    });
    for imp in &compiled.imports {
        if let Ok(Resolved::File(p)) = resolve(state, file, &format!("./{}", imp.specifier.trim_start_matches("./")))
            .or_else(|_| resolve(state, file, &imp.specifier))
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
    if inline {
        inlined.push(serde_json::Value::String(css).to_string());
        out.push_str(&format!("export default {};\n", inlined.join(" + ")));
        return Ok(Served { code: out, imports: written, map_lines: None });
    }
    // Style sheets this one composes from go first, so their rules come first.
    for (i, spec) in compiled.composes_specifiers().into_iter().enumerate() {
        let Some(u) = resolve(state, file, spec).ok().and_then(|r| match r {
            Resolved::File(p) => state.url_of(&p),
            _ => None,
        }) else {
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
        for (k, v) in compiled.export_values() {
            let ident = k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                && !matches!(
                    k.as_str(),
                    "default" | "class" | "function" | "var" | "let" | "const" | "new" | "delete" | "in" | "if"
                );
            if ident {
                out.push_str(&format!("export const {k} = {v};\n"));
            }
        }
    } else {
        out.push_str("import.meta.hot.accept();\n");
    }
    // The Sass partials it read count as its imports in the HMR graph (not in its code): an
    // edit of one updates this sheet (see `hmr::on_change`).
    imported.extend(partials);
    super::hmr::record(state, &url, file, &imported, !is_module, &[]);
    Ok(Served { code: out, imports: written, map_lines: None })
}

/// A style sheet's CSS: the file, or for Sass its compiled output (the same compile step as the
/// build's, over the disk) with the URLs of the partials it read. Less and Stylus are refused.
pub(super) fn style_source(state: &DevState, file: &Path, rel: &str) -> Result<(String, Vec<String>), Diagnostic> {
    if let Some(d) = nexxo_css::sass::unsupported_preprocessor(rel) {
        return Err(d.with_file(rel));
    }
    warn_postcss_config(state);
    let (source, partials) = if nexxo_css::sass::is_sass(rel) {
        let out = nexxo_bundler::sass::compile_sass(&OsFileSystem::new(false), file, &state.config.root)?;
        let s = crate::style::Style::stderr();
        for w in &out.warnings {
            eprintln!("{} {rel}: {w}", s.yellow("warning:"));
        }
        let partials = out.files.iter().skip(1).filter_map(|f| state.url_of(f)).collect();
        (out.css, partials)
    } else {
        let source = std::fs::read_to_string(file)
            .map_err(|e| Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel))?;
        (source, Vec::new())
    };
    if let Some(w) = nexxo_css::sass::needs_postcss(&source) {
        eprintln!("{} {rel}: {w}", crate::style::Style::stderr().yellow("warning:"));
    }
    Ok((source, partials))
}

/// Says once per server that a PostCSS / Tailwind config in the root is not used.
fn warn_postcss_config(state: &DevState) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        for c in nexxo_css::sass::POSTCSS_CONFIGS.iter().filter(|c| state.config.root.join(c).is_file()) {
            let s = crate::style::Style::stderr();
            eprintln!("{} {}", s.yellow("warning:"), nexxo_css::sass::postcss_config_warning(c));
        }
    });
}

fn upgrade(state: Arc<DevState>, mut req: Request<Incoming>) -> Resp {
    if !origin_allowed(&state, &req) {
        return text(StatusCode::FORBIDDEN, "WebSocket origin not allowed");
    }
    let Some(key) = req.headers().get("sec-websocket-key").map(|k| derive_accept_key(k.as_bytes())) else {
        return text(StatusCode::BAD_REQUEST, "expected a WebSocket upgrade");
    };
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let (mut tx, mut rx) = ws.split();
        let mut events = state.events.subscribe();
        let _ = tx.send(Message::text(r#"{"type":"connected"}"#)).await;
        let last = state.last_error.lock().expect("error slot").clone();
        if let Some(err) = last {
            let _ = tx.send(Message::text(err)).await;
        }
        loop {
            tokio::select! {
                ev = events.recv() => match ev {
                    Ok(text) => if tx.send(Message::text(text)).await.is_err() { break },
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                },
                msg = rx.next() => match msg {
                    Some(Ok(Message::Text(t))) => super::hmr::client_message(&state, t.as_str()).await,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    _ => {}
                },
            }
        }
    });
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(header::UPGRADE, "websocket".parse().expect("static header"));
    h.insert(header::CONNECTION, "Upgrade".parse().expect("static header"));
    h.insert("sec-websocket-accept", key.parse().expect("base64 key"));
    r
}
