//! `import.meta.glob(...)` and dynamic imports with variables in `nexxo dev`: each module's source
//! is expanded by [`nexxo_transform::glob`] (the code the build runs) before its transform, so the
//! transform cache, the import graph and both serving models see ordinary imports. A file added to
//! or removed from a directory a module globbed updates that module as if it had been edited.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_bundler::FsLister;
use nexxo_diagnostics::Diagnostic;
use nexxo_transform::glob::{GlobContext, expand, may_expand};

use crate::{Change, DevHost, DevSession};

/// What the last expansion of each globbing module depended on and produced.
#[derive(Default)]
pub struct Globs {
    /// Module file to (directories listed, hash of the expanded source).
    by_module: std::sync::Mutex<HashMap<PathBuf, (Vec<PathBuf>, u64)>>,
}

/// `source` of module `file` (shown as `rel`) with its glob imports expanded.
pub fn expand_source<H: DevHost>(
    state: &DevSession<H>,
    file: &Path,
    rel: &str,
    source: String,
) -> Result<String, Diagnostic> {
    if !may_expand(&source) {
        state.globs.by_module.lock().expect("globs").remove(file);
        return Ok(source);
    }
    let alias = nexxo_bundler::glob_aliases(&state.config);
    let ctx = GlobContext { root: &state.config.root, alias: &alias, fs: &FsLister(state.host.fs()) };
    let expansion = expand(rel, file, &source, &ctx)?;
    let out = if expansion.is_empty() { source } else { expansion.apply(&source) };
    let mut globs = state.globs.by_module.lock().expect("globs");
    if expansion.dirs.is_empty() {
        globs.remove(file);
    } else {
        globs.insert(file.to_path_buf(), (expansion.dirs, xxhash_rust::xxh3::xxh3_64(out.as_bytes())));
    }
    Ok(out)
}

/// `path` was created or deleted: the modules whose globs listed its directory and now expand
/// differently are handled as edited (re-served, their importers updated or the page reloaded).
/// What that did, if there were any.
pub async fn on_change<H: DevHost>(state: &Arc<DevSession<H>>, path: &Path, now: u64) -> Option<Change> {
    let dir = path.parent()?;
    let modules: Vec<(PathBuf, u64)> = state
        .globs
        .by_module
        .lock()
        .expect("globs")
        .iter()
        .filter(|(_, (dirs, _))| dirs.iter().any(|d| d == dir))
        .map(|(m, (_, hash))| (m.clone(), *hash))
        .collect();
    let mut changed = None;
    for (module, before) in modules {
        let rel = state.url_of(&module).unwrap_or_default().trim_start_matches('/').to_string();
        let Ok(source) = crate::serve::read_module(state, &module) else { continue };
        let after = expand_source(state, &module, &rel, source);
        let hash = state.globs.by_module.lock().expect("globs").get(&module).map(|(_, h)| *h);
        // A module whose glob now fails (say, a bad pattern edited in) reports it as an edit would.
        if after.is_err() || hash != Some(before) {
            changed = Some(if module.to_string_lossy().contains("?html-proxy") {
                // A page's inline script: the page itself changed.
                state.invalidate_bundles();
                state.reload_pages();
                Change::Reloaded(rel)
            } else {
                Box::pin(crate::hmr::on_change(state, &module, now)).await
            });
        }
    }
    changed
}
