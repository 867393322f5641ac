//! The HMR graph: who imports whom, which modules accept their own updates, and what a change
//! means for the browser (patch these boundaries, or reload the page).

use std::collections::HashSet;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::DevState;
use super::serve::{report_error, transform};

pub fn record(state: &DevState, url: &str, file: &Path, imported: &[String], self_accepting: bool) {
    let mut graph = state.graph.lock().expect("graph");
    let node = graph.entry(url.to_string()).or_default();
    node.file = file.to_path_buf();
    node.self_accepting = self_accepting;
    let now: HashSet<String> = imported.iter().cloned().collect();
    let dropped: Vec<String> = node.imports.difference(&now).cloned().collect();
    node.imports = now;
    for dep in imported {
        graph.entry(dep.clone()).or_default().importers.insert(url.to_string());
    }
    // Modules no longer imported by anyone are pruned: their `import.meta.hot.prune` callbacks run.
    let mut pruned = Vec::new();
    for dep in dropped {
        if let Some(n) = graph.get_mut(&dep) {
            n.importers.remove(url);
            if n.importers.is_empty() {
                pruned.push(dep);
            }
        }
    }
    drop(graph);
    if !pruned.is_empty() {
        state.broadcast(json!({ "type": "prune", "paths": pruned }));
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Walks from `url` up through importers; returns the accepting boundaries, or `None` if some
/// path reaches a module nobody accepts (then only a reload is correct).
fn propagate(state: &DevState, starts: &[String], ts: u64) -> Option<Vec<String>> {
    let mut graph = state.graph.lock().expect("graph");
    let mut boundaries = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<String> = starts.to_vec();
    while let Some(url) = stack.pop() {
        if !seen.insert(url.clone()) {
            continue;
        }
        let node = graph.get_mut(&url)?;
        node.timestamp = ts;
        if node.self_accepting {
            boundaries.push(url);
            continue;
        }
        if node.importers.is_empty() {
            return None;
        }
        stack.extend(node.importers.iter().cloned());
    }
    Some(boundaries)
}

fn send_update(state: &DevState, boundaries: Vec<String>, ts: u64) {
    *state.last_error.lock().expect("error slot") = None;
    let updates: Vec<_> = boundaries
        .iter()
        .map(|b| {
            // Non-script modules (CSS) are served as JS only when asked with `?import`.
            let is_script = super::serve::is_script(b);
            let url = if is_script { format!("{b}?t={ts}") } else { format!("{b}?import&t={ts}") };
            json!({ "path": b, "url": url, "timestamp": ts, "kind": "js" })
        })
        .collect();
    state.broadcast(json!({ "type": "update", "updates": updates }));
}

/// A file changed on disk (written, created, renamed or deleted).
pub fn on_change(state: &DevState, file: &Path) {
    let Some(url) = state.url_of(file) else { return };
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "html" {
        state.broadcast(json!({ "type": "full-reload" }));
        return;
    }
    if !state.graph.lock().expect("graph").contains_key(&url) {
        // A file nobody loaded yet: if the page is stuck on an error (say, an import of this very
        // file before it existed), reloading retries everything.
        if file.is_file() && state.last_error.lock().expect("error slot").take().is_some() {
            state.broadcast(json!({ "type": "full-reload" }));
        }
        return;
    }
    // Check the new source now, so a broken save shows the overlay instead of a failed import.
    if file.is_file() {
        let check = if ext == "css" {
            std::fs::read_to_string(file).map_err(|e| e.to_string()).and_then(|src| {
                nexxo_css::compile(url.trim_start_matches('/'), &src, &nexxo_css::CssOptions::default())
                    .map(|_| ())
                    .map_err(|d| {
                        report_error(state, &d);
                        String::new()
                    })
            })
        } else {
            transform(state, file).map(|_| ()).map_err(|d| {
                report_error(state, &d);
                String::new()
            })
        };
        if check.is_err() {
            return;
        }
    }
    let ts = now_ms();
    match propagate(state, std::slice::from_ref(&url), ts) {
        Some(b) if !b.is_empty() => {
            println!("  hmr update {}", b.join(", "));
            send_update(state, b, ts);
        }
        _ => {
            println!("  page reload {url}");
            state.broadcast(json!({ "type": "full-reload" }));
        }
    }
}

/// Messages from the browser: `import.meta.hot.invalidate()`.
pub fn client_message(state: &DevState, text: &str) {
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
        let ts = now_ms();
        match propagate(state, &importers, ts).filter(|b| !b.is_empty() && !importers.is_empty()) {
            Some(b) => send_update(state, b, ts),
            None => state.broadcast(json!({ "type": "full-reload" })),
        }
    }
}
