//! Bundled dev: everything a page entry reaches in one script, each module registered with the
//! client runtime as a function (see README, "Dev server"), and the source maps of modules and
//! bundles.

use std::sync::Arc;

use nexxo_diagnostics::Diagnostic;

use crate::page::page_modules;
use crate::serve::{RUNNER_PARAMS, Response, inline_module_of, line_count, read_module, runner_forms, served};
use crate::{DevHost, DevSession};

/// Everything `entry` reaches, in one script: each module registered with the client as a
/// function, then the entry run. One request instead of one per module, which is what a large
/// app's first load waits on (see README, "Dev server"). Pre-bundled dependencies stay native
/// ES modules, imported by URL.
pub(crate) async fn bundle<H: DevHost>(state: &Arc<DevSession<H>>, entry: &str) -> Arc<Bundle> {
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
pub(crate) struct Bundle {
    pub(crate) text: String,
    modules: Vec<(String, u32)>,
}

/// The HTML entries' bundles, built ahead of the first request.
pub(crate) async fn warm_bundles<H: DevHost>(state: &Arc<DevSession<H>>) {
    for url in page_entries(state) {
        bundle(state, &url).await;
    }
}

/// Every module `entry` reaches, in import order, each in runner form (or the error that stops
/// it): what a bundle carries, and what a host without HTTP (the playground) hands its page.
pub(crate) async fn entry_modules<H: DevHost>(
    state: &Arc<DevSession<H>>,
    entry: &str,
) -> Vec<(String, Result<Arc<str>, Diagnostic>)> {
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
            match state.file_of(path).filter(|f| state.is_file(f)) {
                None => Err(Diagnostic::new("NOT_FOUND", format!("{path} does not exist"))
                    .with_file(path.trim_start_matches('/'))),
                Some(file) => served(state, &file, query).await.map(|m| {
                    queue.extend(m.imports);
                    m.code
                }),
            };
        served_forms.push((url, form));
    }
    let convert = || -> Vec<Result<Arc<str>, Diagnostic>> {
        let served: Vec<(&str, &str)> =
            served_forms.iter().filter_map(|(url, form)| Some((url.as_str(), form.as_deref().ok()?))).collect();
        let mut runners = runner_forms(state, &served).into_iter();
        served_forms
            .iter()
            .map(|(_, form)| match form {
                Ok(_) => runners.next().expect("one runner form per served module"),
                Err(d) => Err(d.clone()),
            })
            .collect()
    };
    // On a multi-threaded runtime (native), let tokio move other tasks off this thread while the
    // conversion blocks it; a current-thread runtime (the WASM engine) just runs it.
    #[cfg(feature = "multi-thread")]
    let bodies = if tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
    {
        tokio::task::block_in_place(convert)
    } else {
        convert()
    };
    #[cfg(not(feature = "multi-thread"))]
    let bodies = convert();
    served_forms.into_iter().map(|(url, _)| url).zip(bodies).collect()
}

pub(crate) async fn build_bundle<H: DevHost>(state: &Arc<DevSession<H>>, entry: &str) -> (Bundle, bool) {
    let mut clean = true;
    // Chromium's compile hint: every function here runs during the first load, so compile them
    // all while the script streams in (off the main thread) instead of one by one on first call.
    // Measured on 10,000 components: 7.2-8.2 s to rendered without it, 4.6-5.5 s with it.
    let mut out = String::from(
        "//# allFunctionsCalledOnLoad\nimport { define as __nexxo_define, load as __nexxo_load } from \"/@nexxo/client\";\n",
    );
    let forms = entry_modules(state, entry).await;
    let mut modules = Vec::with_capacity(forms.len());
    let mut line = line_count(&out);
    for (url, body) in forms {
        // A broken module fails where it is imported, as a failed request would; the overlay shows why.
        let body = body.unwrap_or_else(|d| {
            clean = false;
            state.report_error(&d);
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

/// The module URLs the HTML entries start (their module scripts, inline ones included).
pub(crate) fn page_entries<H: DevHost>(state: &DevSession<H>) -> Vec<String> {
    let mut out = Vec::new();
    for input in &state.config.input {
        let html = state.config.root.join(input);
        out.extend(page_modules(state, &html).iter().filter_map(|m| state.url_of(m)));
    }
    out
}

/// The source map of the module at `url` as served (`runner_at: None`) or in runner form with
/// its body starting at line `runner_at` of the script the browser sees. `None` for modules that
/// are not transformed scripts.
async fn module_map<H: DevHost>(
    state: &Arc<DevSession<H>>,
    url: &str,
    runner_at: Option<u32>,
) -> Option<nexxo_transform::maps::Map> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let file = state.file_of(path).filter(|f| state.is_file(f))?;
    let served = served(state, &file, query).await.ok()?;
    // A page's inline script maps to the page: its source is padded to the page's lines.
    let module = inline_module_of(&file, query).unwrap_or(file);
    let source = read_module(state, &module).ok()?;
    let rel = state.url_of(&module)?;
    let source = crate::glob::expand_source(state, &module, rel.trim_start_matches('/'), source).ok()?;
    let opts = state.transform_options();
    let map = nexxo_transform::maps::module(rel.trim_start_matches('/'), path, &source, &opts)
        .ok()?
        .shifted(served.map_lines?);
    match runner_at {
        None => Some(map),
        Some(at) => Some(nexxo_transform::maps::runner(url, &served.code, map).ok()?.shifted(at)),
    }
}

/// `/@nexxo/map?url=URL[&at=N]` (one module, see `module_map`) or `/@nexxo/map?bundle=ENTRY`.
pub(crate) async fn source_map<H: DevHost>(state: &Arc<DevSession<H>>, query: &str) -> Response {
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(nexxo_http_util::percent_decode)
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
        Some(m) => Response::file("application/json", m.to_json().into_bytes()),
        None => Response::text(404, "no source map"),
    }
}

/// A module URL a bundle may start from: a file the page may have.
pub(crate) fn is_entry<H: DevHost>(state: &DevSession<H>, url: &str) -> bool {
    state.file_of(url.split('?').next().unwrap_or_default()).is_some_and(|f| state.is_file(&f))
}

/// The comment that points a script's developer tools at its map.
pub(crate) fn map_comment(query: &str) -> String {
    format!("\n//# sourceMappingURL=/@nexxo/map?{query}")
}

pub(crate) fn url_param(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '?' | '&' | '%' | '#' | '+' | ' ' | '"' | '=' => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}
