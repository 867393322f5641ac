//! The HMR graph: who imports whom, which modules accept their own updates, and what a change
//! means for the browser (patch these boundaries, or reload the page).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use nexxo_hmr::Boundary;
use rolldown_fs::{FileSystem as _, OxcResolverFileSystem as _};
use serde_json::json;

use crate::serve::transform;
use crate::{DevHost, DevSession};

/// What a file change did, for the host's log line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// Nothing loaded depends on the file.
    Nothing,
    /// These HMR boundaries were updated in place.
    Updated(Vec<String>),
    /// The pages reload (the change reached a module nobody accepts, or a page, or a new file
    /// while an error was on screen).
    Reloaded(String),
    /// The new source is broken: the error is on screen.
    Failed,
    /// A `.env` file: the host loads the config again and calls [`DevSession::env_changed`].
    EnvFile,
}

pub fn record<H: DevHost>(
    state: &DevSession<H>,
    url: &str,
    file: &Path,
    imported: &[String],
    self_accepting: bool,
    accepted: &[String],
) {
    let pruned = state.graph.lock().expect("graph").record(url, file.to_path_buf(), imported, self_accepting, accepted);
    if !pruned.is_empty() {
        state.broadcast(json!({ "type": "prune", "paths": pruned }));
    }
}

/// A fresh update timestamp from the host's clock `now` (ms). Strictly increasing: two saves
/// within one millisecond must still get different module URLs, or the browser would reuse the
/// first one's module.
fn next_ts<H: DevHost>(state: &DevSession<H>, now: u64) -> u64 {
    let prev = state.last_ts.fetch_max(now, Ordering::SeqCst);
    if prev >= now { state.last_ts.fetch_add(1, Ordering::SeqCst) + 1 } else { now }
}

/// The accepting boundaries of a change, or `None` when only a reload is correct.
fn propagate<H: DevHost>(state: &DevSession<H>, starts: &[String], ts: u64) -> Option<Vec<Boundary>> {
    state.invalidate_bundles();
    state.graph.lock().expect("graph").propagate(starts, ts)
}

/// Sends the update of `boundaries`; `false` when a module of it failed (the error is shown instead).
async fn send_update<H: DevHost>(state: &Arc<DevSession<H>>, boundaries: Vec<Boundary>, ts: u64) -> bool {
    *state.last_error.lock().expect("error slot") = None;
    let updates: Vec<_> = boundaries
        .iter()
        .map(|b| {
            // The module to fetch anew: the boundary itself, or the dep it accepts.
            let m = &b.accepted;
            json!({ "path": b.id, "accepted": m, "url": versioned(m, ts), "timestamp": ts, "kind": "js" })
        })
        .collect();
    // A bundled page would fetch every module the update runs again, one after another, as each
    // importer runs: send them along instead (runner form, keyed by the URL their importers use).
    let mut modules = serde_json::Map::new();
    if state.bundled {
        let stamped: Vec<(String, PathBuf)> = {
            let graph = state.graph.lock().expect("graph");
            graph.stamped(ts).into_iter().map(|(id, f)| (id.to_string(), f.clone())).collect()
        };
        for (id, file) in stamped {
            let url = versioned(&id, ts);
            let query = url.split_once('?').map_or("", |(_, q)| q);
            match crate::serve::runner_module(state, &file, &url, query).await {
                Ok(code) => {
                    modules.insert(url, code.to_string().into());
                }
                // Reported here, so every host shows it at once (a host without HTTP would
                // otherwise hear of it only when its page asks for the module); the pages keep
                // the code they run until a save fixes it, as after a failed transform.
                Err(d) => {
                    state.report_error(&d);
                    return false;
                }
            }
        }
    }
    state.broadcast(json!({ "type": "update", "updates": updates, "modules": modules }));
    true
}

/// The URL of module `id` at version `ts`, as importers stamped with `ts` write it.
fn versioned(id: &str, ts: u64) -> String {
    // Non-script modules (CSS) are served as JS only when asked with `?import`.
    // A page's inline script (`/index.html?html-proxy&index=0.ts`) already has a query.
    let sep = if id.contains('?') { '&' } else { '?' };
    if crate::serve::is_script(id) { format!("{id}{sep}t={ts}") } else { format!("{id}{sep}import&t={ts}") }
}

/// A file changed on disk (written, created, renamed or deleted); `now` is the host's clock (ms).
pub async fn on_change<H: DevHost>(state: &Arc<DevSession<H>>, file: &Path, now: u64) -> Change {
    if file.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".env")) {
        return Change::EnvFile;
    }
    if let Some(p) = state.host.css_plugins().filter(|p| p.is_config(file)) {
        // The PostCSS config: its plugins load again and the pages reload, as Vite restarts.
        p.reload();
        state.postcss_inputs.lock().expect("postcss inputs").clear();
        state.invalidate_bundles();
        state.reload_pages();
        return Change::Reloaded(file.to_string_lossy().into_owned());
    }
    let Some(url) = state.url_of(file) else { return Change::Nothing };
    state.invalidate_bundles();
    // Sheets the CSS plugins made from this file (Tailwind's content, its config): they are
    // made again, as if edited themselves.
    let plugin_sheets: Vec<String> = state
        .postcss_inputs
        .lock()
        .expect("postcss inputs")
        .iter()
        .filter(|(sheet, made)| **sheet != url && made.depends_on(file))
        .map(|(sheet, _)| sheet.clone())
        .collect();
    // The resolver caches what exists: a created or deleted file, or an edited package.json or
    // tsconfig.json, must be looked up anew.
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let is_file = state.is_file(file);
    if !is_file
        || !state.graph.lock().expect("graph").contains(&url)
        || matches!(name, "package.json" | "tsconfig.json")
    {
        state.resolver.clear_cache();
        state.resolutions.refresh(state.host.fs(), &state.config);
    }
    // A file added to or removed from a directory that a module globbed: that module changed.
    let known = state.graph.lock().expect("graph").contains(&url);
    if (!state.host.fs().exists(file) || !known)
        && let Some(change) = crate::glob::on_change(state, file, now).await
    {
        return change;
    }
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "html" {
        state.reload_pages();
        return Change::Reloaded(url);
    }
    let in_graph = state.graph.lock().expect("graph").contains(&url);
    if !in_graph && plugin_sheets.is_empty() {
        // A file nobody loaded yet: if the page is stuck on an error (say, an import of this very
        // file before it existed), reloading retries everything.
        if is_file && state.last_error.lock().expect("error slot").is_some() {
            state.reload_pages();
            return Change::Reloaded(url);
        }
        return Change::Nothing;
    }
    // A Sass, Less or Stylus file: update the sheets that compiled it in (and itself, if served
    // as a sheet); the partial is never a module of its own.
    let mut starts = if nexxo_css::plugins::is_preprocessed(&url) {
        preprocessed_sheets(state, &url)
    } else if in_graph {
        vec![(url.clone(), file.into())]
    } else {
        Vec::new()
    };
    if nexxo_css::plugins::is_preprocessed(&url) {
        for (sheet_url, sheet) in &starts {
            let rel = sheet_url.trim_start_matches('/');
            if let Err(d) = crate::serve::style_source(state, sheet, rel) {
                state.report_error(&d);
                return Change::Failed;
            }
        }
    }
    for sheet in plugin_sheets {
        if let Some(f) = state.file_of(&sheet) {
            starts.push((sheet, f));
        }
    }
    let starts: Vec<String> = starts.into_iter().map(|(u, _)| u).collect();
    // Check the new source now, so a broken save shows the overlay instead of a failed import.
    if is_file && in_graph && !nexxo_css::plugins::is_preprocessed(&url) {
        let check = if ext == "css" {
            let rel = url.trim_start_matches('/');
            state.host.fs().read_to_string(file).map_err(|e| e.to_string()).and_then(|src| {
                // Through the project's CSS plugins first, as it will be served.
                let src = if state.host.css_plugins().is_some_and(|p| p.has_postcss()) {
                    crate::serve::style_source(state, file, rel).map(|(css, _)| css)
                } else {
                    Ok(src)
                };
                src.and_then(|src| nexxo_css::compile(rel, &src, &nexxo_css::CssOptions::default()).map(|_| ()))
                    .map_err(|d| {
                        state.report_error(&d);
                        String::new()
                    })
            })
        } else {
            transform(state, file).map(|_| ()).map_err(|d| {
                state.report_error(&d);
                String::new()
            })
        };
        if check.is_err() {
            return Change::Failed;
        }
    }
    let ts = next_ts(state, now);
    match propagate(state, &starts, ts) {
        Some(b) if !b.is_empty() => {
            let names: Vec<String> = b.iter().map(|b| b.id.clone()).collect();
            if send_update(state, b, ts).await { Change::Updated(names) } else { Change::Failed }
        }
        _ => {
            state.reload_pages();
            Change::Reloaded(url)
        }
    }
}

/// The sheets to update when a Sass, Less or Stylus file `url` changes: itself if it was served
/// as a style sheet, and every such sheet that read it while compiling (recorded as its imports,
/// see `serve::css_module`).
fn preprocessed_sheets<H: DevHost>(state: &DevSession<H>, url: &str) -> Vec<(String, PathBuf)> {
    let graph = state.graph.lock().expect("graph");
    let Some(node) = graph.get(url) else { return Vec::new() };
    let mut out = Vec::new();
    if !node.file.as_os_str().is_empty() {
        out.push((url.to_string(), node.file.clone()));
    }
    for importer in node.importers.iter().filter(|i| nexxo_css::plugins::is_preprocessed(i)) {
        if let Some(n) = graph.get(importer).filter(|n| !n.file.as_os_str().is_empty()) {
            out.push((importer.clone(), n.file.clone()));
        }
    }
    out
}

/// Messages from the browser: `import.meta.hot.invalidate()`.
pub async fn client_message<H: DevHost>(state: &Arc<DevSession<H>>, text: &str, now: u64) {
    let Ok(msg) = serde_json::from_str::<serde_json::Value>(text) else { return };
    if msg["type"] == "invalidate"
        && let Some(path) = msg["path"].as_str()
    {
        let importers: Vec<String> = state
            .graph
            .lock()
            .expect("graph")
            .get(path)
            .map(|n| n.importers.iter().cloned().collect())
            .unwrap_or_default();
        let ts = next_ts(state, now);
        match propagate(state, &importers, ts).filter(|b| !b.is_empty() && !importers.is_empty()) {
            Some(b) => {
                send_update(state, b, ts).await;
            }
            None => state.reload_pages(),
        }
    }
}
