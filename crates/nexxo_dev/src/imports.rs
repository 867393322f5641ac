//! Imports whose query changes what they give (`?url`, `?raw`, `?inline`, `?no-inline`, `?init`,
//! `?worker`, `?sharedworker`) and files of public/ imported by their URL path, in `nexxo dev`:
//! the same meanings and the same generated modules as the build (`nexxo_bundler::query`).

use std::path::Path;

use nexxo_bundler::query::{self, PublicImport, Query};
use nexxo_diagnostics::Diagnostic;

use rolldown_fs::OxcResolverFileSystem as _;

use crate::serve::{Served, css_module};
use crate::{DevHost, DevSession};

/// The module for `file` imported with `query`, or `None` when the query asks for nothing special
/// (the file is served as itself).
pub fn special<H: DevHost>(state: &DevSession<H>, file: &Path, query: &str) -> Result<Option<Served>, Diagnostic> {
    let q = Query::parse(query);
    let url = state.url_of(file).unwrap_or_default();
    let rel = url.trim_start_matches('/').to_string();
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let module = |code: String| -> Result<Option<Served>, Diagnostic> {
        Ok(Some(Served { code, imports: Vec::new(), map_lines: None }))
    };
    let read_err =
        |e: std::io::Error| Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel.clone());
    // A file of public/ is served at its path under public/ (under an absolute `base`, as the
    // pages are), as in the built site.
    if let Some(in_public) = state.config.public_dir.as_ref().and_then(|d| file.strip_prefix(d).ok()) {
        let in_public = in_public.to_string_lossy().replace('\\', "/");
        let url_path = format!("/{in_public}");
        let base = if state.config.base.starts_with('/') { state.config.base.as_str() } else { "/" };
        return match query::public_import(&url_path, &rel, q)? {
            PublicImport::Raw => {
                module(query::default_string(&state.host.fs().read_to_string(file).map_err(read_err)?))
            }
            PublicImport::Url => module(query::default_string(&state.asset_url(&format!("{base}{in_public}")))),
        };
    }
    if !q.is_special() {
        return Ok(None);
    }
    if q.worker || q.shared_worker {
        // The worker runs from its module URL and its imports are served like the page's, so
        // `&inline` changes nothing here (as in Vite's dev server).
        let literal = serde_json::Value::String(url.clone()).to_string();
        return module(if q.url {
            query::default_string(&url)
        } else {
            query::worker_module(&literal, q.shared_worker)
        });
    }
    if q.raw {
        return module(query::default_string(&state.host.fs().read_to_string(file).map_err(read_err)?));
    }
    if (ext == "css" || ext == "scss" || ext == "sass") && !q.url {
        return css_module(state, file, q.inline).map(Some);
    }
    if q.init && ext == "wasm" {
        return module(query::wasm_init_module(&url));
    }
    if q.forces_inline() {
        let bytes = state.host.fs().read(file).map_err(read_err)?;
        return module(query::default_string(&query::data_url(&rel, &bytes)));
    }
    if q.url || q.no_inline {
        return module(query::default_string(&state.asset_url(&url)));
    }
    Ok(None)
}
