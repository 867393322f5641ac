//! After rolldown: chunk CSS files, rewritten HTML pages, emitted assets and the manifest.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

use arcstr::ArcStr;
use rolldown::BundleOutput;
use rolldown_common::{Output, OutputChunk, StrOrBytes};
use rolldown_fs::FileSystem;
use serde_json::{Map, Value, json};

use crate::Leftovers;
use crate::output::{BuildFailure, BuildOutput, OutputFile, OutputKind, Problem};
use crate::state::BuildState;

pub const MANIFEST_PATH: &str = ".nexxo/manifest.json";

/// `leftovers`: what becomes of rolldown's output once its code and files are taken (its chunks'
/// module tables and rendered modules: freeing them took 11 ms at 19k modules, at the very end of
/// the build).
pub fn finish<Fs: FileSystem>(
    fs: &Fs,
    state: &BuildState,
    mut out: BundleOutput,
    leftovers: Leftovers,
) -> Result<BuildOutput, BuildFailure> {
    let root = &state.config.root;
    let mut files: Vec<OutputFile> = Vec::new();
    // The chunks' code and the assets' bytes (source maps) are the largest things a build makes
    // (9.5 MB at 19k modules): moved out of rolldown's output where it holds the only handle on
    // them, copied only where it does not. The chunks' code waits for their files below.
    let mut code: HashMap<ArcStr, Vec<u8>> = HashMap::new();
    for o in &mut out.assets {
        match o {
            Output::Chunk(c) => {
                if let Some(c) = Arc::get_mut(c) {
                    code.insert(c.filename.clone(), std::mem::take(&mut c.code).into_bytes());
                }
            }
            Output::Asset(a) => {
                let contents = match Arc::get_mut(a) {
                    Some(a) => match std::mem::take(&mut a.source) {
                        StrOrBytes::Str(s) => s.into_bytes(),
                        StrOrBytes::Bytes(b) => b,
                    },
                    None => a.source.as_bytes().to_vec(),
                };
                let kind = if a.filename.ends_with(".map") { OutputKind::SourceMap } else { OutputKind::Asset };
                files.push(OutputFile { path: a.filename.to_string(), contents, kind });
            }
        }
    }
    let chunks: Vec<Arc<OutputChunk>> = out
        .assets
        .iter()
        .filter_map(|o| match o {
            Output::Chunk(c) => Some(Arc::clone(c)),
            Output::Asset(_) => None,
        })
        .collect();

    let mut css_by_chunk: HashMap<&str, String> = HashMap::new();
    for c in &chunks {
        let kind = if c.is_entry { OutputKind::EntryJs } else { OutputKind::ChunkJs };
        let contents = code.remove(&c.filename).unwrap_or_else(|| c.code.clone().into_bytes());
        files.push(OutputFile { path: c.filename.to_string(), contents, kind });
        // The chunk's `.map` is already among the assets above: rolldown serializes it there
        // (`SourceMapType::File`), so `c.map` is not serialized a second time.
        if state.lib.is_some() {
            continue;
        }
        if let Some(css) = state.css_of(c.modules.keys.iter().map(|m| m.as_str())) {
            let path = state.css_path(&c.name, &css);
            files.push(OutputFile { path: path.clone(), contents: css.into_bytes(), kind: OutputKind::Css });
            css_by_chunk.insert(c.filename.as_str(), path);
        }
    }
    let by_file: HashMap<&str, &Arc<OutputChunk>> = chunks.iter().map(|c| (c.filename.as_str(), c)).collect();

    // Static-import closure of a chunk, dependencies first: its CSS must come first too.
    let closure = |start: &str| -> Vec<String> {
        let mut order = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([start.to_string()]);
        while let Some(f) = queue.pop_front() {
            if !seen.insert(f.clone()) {
                continue;
            }
            if let Some(c) = by_file.get(f.as_str()) {
                for i in &c.imports {
                    queue.push_back(i.to_string());
                }
            }
            order.push(f);
        }
        order.reverse();
        order
    };

    // What each lazily imported module needs (see `crate::lazy_css`): the style sheets of its
    // chunk and of the chunks that chunk imports, and those chunks, for the pages' data block.
    let lazy: Vec<(String, Vec<String>, Vec<String>)> = chunks
        .iter()
        .filter(|c| c.is_dynamic_entry)
        .filter_map(|c| {
            let all = closure(&c.filename);
            let css: Vec<String> = all.iter().filter_map(|f| css_by_chunk.get(f.as_str()).cloned()).collect();
            let js: Vec<String> = all.iter().filter(|f| f.as_str() != c.filename.as_str()).cloned().collect();
            let key = crate::lazy_css::key_of(state, c.facade_module_id.as_ref()?.as_str());
            (!css.is_empty() || !js.is_empty()).then_some((key, css, js))
        })
        .collect();
    let pages = state.pages();
    for page in &pages {
        let entry_id = page.entry_id();
        let entry = chunks.iter().find(|c| c.facade_module_id.as_ref().is_some_and(|f| f.as_str() == entry_id));
        let (js, preloads, css) = match entry {
            Some(e) => {
                let all = closure(&e.filename);
                let css: Vec<String> = all.iter().filter_map(|f| css_by_chunk.get(f.as_str()).cloned()).collect();
                let preloads: Vec<String> = all.iter().filter(|f| f.as_str() != e.filename.as_str()).cloned().collect();
                (Some(e.filename.to_string()), preloads, css)
            }
            None => (None, Vec::new(), Vec::new()),
        };
        let html = page
            .render(
                state,
                js.as_deref(),
                &preloads,
                &css,
                &lazy,
                |file: &Path| fs.read(file).ok(),
                |file: &Path| fs.metadata(file).is_ok_and(|m| m.is_file()),
                |file: &Path| crate::css::style_source(fs, state, "", file, &state.rel(file)),
            )
            .map_err(|d| BuildFailure { errors: vec![Problem::from_diagnostic(&d)] })?;
        files.push(OutputFile { path: page.rel.clone(), contents: html.into_bytes(), kind: OutputKind::Html });
    }

    // A `--watch` session's table stays for its next build, which loads only edited modules again.
    let assets = if leftovers == Leftovers::Keep {
        let table = state.assets.lock().expect("asset table");
        table
            .iter()
            .map(|(path, a)| {
                (
                    path.clone(),
                    crate::state::Asset { src: a.src.clone(), bytes: a.bytes.clone(), owners: Default::default() },
                )
            })
            .collect()
    } else {
        std::mem::take(&mut *state.assets.lock().expect("asset table"))
    };
    let manifest = manifest(state, &pages, &chunks, &css_by_chunk, &assets);
    for (path, asset) in assets {
        files.push(OutputFile { path, contents: asset.bytes, kind: OutputKind::Asset });
    }
    match &state.lib {
        // A library: every module's CSS in one sheet, in the chunks' order; no manifest (no page
        // to serve it with).
        Some(lib) => {
            let modules = chunks.iter().flat_map(|c| c.modules.keys.iter().map(|m| m.as_str()));
            if let Some(css) = state.css_of(modules) {
                files.push(OutputFile {
                    path: lib.css_file.clone(),
                    contents: css.into_bytes(),
                    kind: OutputKind::Css,
                });
            }
        }
        None => {
            let contents = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
            // `build.manifest`: the same file where a backend integration reads it.
            if let Some(path) = &state.config.manifest_path {
                files.push(OutputFile { path: path.clone(), contents: contents.clone(), kind: OutputKind::Manifest });
            }
            files.push(OutputFile { path: MANIFEST_PATH.into(), contents, kind: OutputKind::Manifest });
        }
    }
    // The workers' source maps; a `--watch` session keeps them with their workers.
    for worker in state.workers.lock().expect("worker table").values_mut() {
        match leftovers {
            Leftovers::Keep => files.extend(worker.extra.iter().cloned()),
            _ => files.append(&mut worker.extra),
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    let mut warnings: Vec<_> = out.warnings.iter().map(|w| crate::render_rolldown(root, w)).collect();
    state.inserted.unshift(&mut warnings);
    for w in pages.iter().flat_map(|p| &p.warnings) {
        warnings.push(Problem::text(w.clone()));
    }
    for d in state.warnings.lock().expect("warnings").iter() {
        warnings.push(Problem::from_diagnostic(d));
    }
    let mut inputs: Vec<std::path::PathBuf> = chunks
        .iter()
        .flat_map(|c| c.module_ids.iter())
        .map(|m| std::path::PathBuf::from(m.as_str().split('?').next().unwrap_or_default()))
        .filter(|p| p.is_absolute())
        .chain(pages.iter().map(|p| p.abs.clone()))
        .chain(state.read_files.lock().expect("read list").keys().cloned())
        .collect();
    // By bytes: `Path`'s own order compares component by component, several times slower.
    inputs.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    inputs.dedup();
    match leftovers {
        // `chunks` only shares what `out` holds: dropping it frees nothing.
        Leftovers::Leak => std::mem::forget(out),
        // Freed on rayon's pool, off the rebuild's critical path (11 ms at 19k modules), as
        // rolldown frees its link stage's output (`defer_drop`).
        #[cfg(not(target_family = "wasm"))]
        Leftovers::Keep => rayon::spawn(move || drop((out, chunks))),
        _ => {}
    }
    let looked_for = state.looked_for.lock().expect("looked-for list").iter().map(|(p, &f)| (p.clone(), f)).collect();
    Ok(BuildOutput { files, warnings, inputs, looked_for })
}

/// Vite-compatible manifest: source path (or `_file` for shared chunks) to output files.
fn manifest(
    state: &BuildState,
    pages: &[Arc<crate::html::Page>],
    chunks: &[Arc<OutputChunk>],
    css_by_chunk: &HashMap<&str, String>,
    assets: &BTreeMap<String, crate::state::Asset>,
) -> Value {
    let key_of = |c: &OutputChunk| -> String {
        if let Some(f) = &c.facade_module_id {
            let id = f.as_str();
            if let Some(page) = pages.iter().find(|p| p.entry_id() == id) {
                return page.rel.clone();
            }
            if Path::new(id).is_absolute() {
                return state.rel(Path::new(id));
            }
        }
        format!("_{}", c.filename.rsplit('/').next().unwrap_or(&c.filename))
    };
    let keys: HashMap<&str, String> = chunks.iter().map(|c| (c.filename.as_str(), key_of(c))).collect();
    let mut m = Map::new();
    for c in chunks {
        let mut e = Map::new();
        e.insert("file".into(), json!(c.filename.as_str()));
        e.insert("name".into(), json!(c.name.as_str()));
        if c.facade_module_id.is_some() {
            e.insert("src".into(), json!(keys[c.filename.as_str()]));
        }
        if c.is_entry {
            e.insert("isEntry".into(), json!(true));
        }
        if c.is_dynamic_entry {
            e.insert("isDynamicEntry".into(), json!(true));
        }
        let imports: Vec<&String> = c.imports.iter().filter_map(|i| keys.get(i.as_str())).collect();
        if !imports.is_empty() {
            e.insert("imports".into(), json!(imports));
        }
        let dynamic: Vec<&String> = c.dynamic_imports.iter().filter_map(|i| keys.get(i.as_str())).collect();
        if !dynamic.is_empty() {
            e.insert("dynamicImports".into(), json!(dynamic));
        }
        if let Some(css) = css_by_chunk.get(c.filename.as_str()) {
            e.insert("css".into(), json!([css]));
        }
        m.insert(keys[c.filename.as_str()].clone(), Value::Object(e));
    }
    for (file, asset) in assets {
        m.entry(asset.src.clone()).or_insert_with(|| json!({ "file": file, "src": asset.src }));
    }
    Value::Object(m)
}
