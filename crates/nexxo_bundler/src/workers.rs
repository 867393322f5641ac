//! Web Workers and `new URL("./file", import.meta.url)` in a build.
//!
//! A worker (`import W from "./w.js?worker"`, `?sharedworker`, `?worker&inline`, `?worker&url`,
//! or `new Worker(new URL("./w.js", import.meta.url))`) is bundled on its own, by a nested
//! rolldown build of that one entry with code splitting off: one self-contained file that shares
//! no chunk (and no module instance) with the page, as a worker's realm needs, and whose text an
//! inline worker can carry. Module workers get ES module output; classic ones
//! (`new Worker(url)` without `type: "module"`) an IIFE, where `import.meta.url` is the worker's
//! `self.location.href`. A `new URL(...)` naming any other file emits that file as a hashed asset.
//! Both rewrite the URL so it resolves against the chunk's own URL, as the source's did.

use std::borrow::Cow;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_diagnostics::Diagnostic;
use nexxo_transform::urls::{UrlRef, new_url_refs};
use rolldown::{BundleFactory, BundleFactoryOptions, CodeSplittingMode, InputItem, OutputFormat};
use rolldown_common::{ModuleType, Output};
use rolldown_fs::FileSystem;
use rolldown_plugin::{
    HookLoadArgs, HookLoadOutput, HookLoadReturn, HookTransformArgs, HookTransformOutput, HookTransformOutputMap,
    HookTransformReturn, HookUsage, Plugin, SharedLoadPluginContext, SharedTransformPluginContext,
};
use rolldown_resolver::Resolver;

use crate::output::{BuildFailure, OutputFile, OutputKind};
use crate::query::{self, Query};
use crate::state::{Asset, BuildState};

#[derive(Debug)]
pub struct WorkerPlugin<Fs: FileSystem + Clone + Debug + 'static> {
    pub fs: Fs,
    pub state: Arc<BuildState>,
    pub resolver: Arc<Resolver<Fs>>,
    /// The workers whose bundles this build is part of, outermost first (empty for the app).
    pub within: Vec<String>,
}

/// A worker bundle: where it was written (none when inlined) and its code.
struct Bundled {
    out_path: String,
    code: String,
}

impl<Fs: FileSystem + Clone + Debug + 'static> WorkerPlugin<Fs> {
    /// Bundles the worker whose entry is `entry` (a module id: a path, maybe with a query) into
    /// one file. `module`: ES module output, else an IIFE for a classic worker. `inline`: only its
    /// code is wanted (no file, no source map). Each worker is bundled once per build and format
    /// (and kept by a `--watch` session's next builds while a module that starts it is not loaded
    /// again). `owner`: the id of the module whose load or transform starts it, which its file
    /// and the files its bundle read are recorded for.
    async fn bundle(&self, owner: &str, entry: &str, module: bool, inline: bool) -> anyhow::Result<Bundled> {
        let key = format!("{entry}\0{module}\0{inline}");
        let kept = self.state.workers.lock().expect("worker table").get_mut(&key).map(|w| {
            w.owners.insert(owner.to_string());
            (Bundled { out_path: w.out_path.clone(), code: w.code.clone() }, w.reads.clone())
        });
        if let Some((bundled, reads)) = kept {
            self.own(owner, &bundled, reads, inline);
            return Ok(bundled);
        }
        let state = &self.state;
        let config = &state.config;
        let path = Path::new(query::split(entry).0);
        if self.within.iter().any(|w| query::split(w).0 == path.to_string_lossy()) {
            let chain: Vec<String> = self.within.iter().map(|w| state.rel(Path::new(query::split(w).0))).collect();
            return Err(state.fail(
                Diagnostic::new(
                    "WORKER_CYCLE",
                    format!("the worker {} starts itself (through {})", state.rel(path), chain.join(" -> ")),
                )
                .with_file(state.rel(path))
                .with_hint("a worker's bundle cannot contain a worker built from its own file; start it from the page"),
            ));
        }
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let mut options =
            crate::options::bundler_options(config, vec![InputItem { name, import: entry.to_string() }], None);
        options.format = Some(if module { OutputFormat::Esm } else { OutputFormat::Iife });
        options.code_splitting = Some(CodeSplittingMode::Bool(false));
        if inline {
            options.sourcemap = None;
        }
        if !module {
            // A classic script has no `import.meta`; its own URL is the worker's location.
            options.define.get_or_insert_default().insert("import.meta.url".into(), "self.location.href".into());
        }
        let mut within = self.within.clone();
        within.push(entry.to_string());
        let plugins = crate::plugins(&self.fs, state, &self.resolver, &within, None, true);
        // rolldown reports a failed load of the importer only briefly: the worker's own errors
        // (located, with their code frames) go to the plugin errors shown first.
        let failed = |f: BuildFailure| {
            let rel = state.rel(path);
            state.fail(
                Diagnostic::new(
                    "WORKER_BUILD",
                    format!("cannot bundle the worker {rel}:\n{}", f.to_string().trim_end()),
                )
                .with_hint("fix the worker's code; it is bundled on its own, like an entry"),
            )
        };
        let mut factory = BundleFactory::new(BundleFactoryOptions {
            bundler_options: options,
            plugins,
            session: None,
            disable_tracing_setup: true,
        })
        .map_err(|errs| failed(BuildFailure::from_rolldown(&config.root, errs.into_vec())))?;
        let bundle = factory.create_bundle_with_fs(self.fs.clone(), Arc::clone(&self.resolver));
        // Every file the worker's build loaded, also those whose code no chunk kept (a module of
        // constants, inlined): an edit of one changes the worker.
        let loaded = Arc::clone(bundle.get_watch_files());
        let mut output = bundle
            .generate()
            .await
            .map_err(|errs| failed(BuildFailure::from_rolldown(&config.root, errs.into_vec())))?;
        if let Some(f) = crate::unresolved_imports(&config.root, &mut output) {
            return Err(failed(f));
        }
        let mut bundled = None;
        let mut extra = Vec::new();
        let mut reads: Vec<PathBuf> =
            loaded.iter().map(|f| PathBuf::from(query::split(f.as_str()).0)).filter(|p| p.is_absolute()).collect();
        for o in output.assets {
            match o {
                Output::Chunk(c) => {
                    // The worker's modules are inputs of this build (its cache depends on them).
                    let read = c.module_ids.iter().map(|m| PathBuf::from(query::split(m.as_str()).0));
                    reads.extend(read.filter(|p| p.is_absolute()));
                    if let (Some(map), Some(map_name)) = (&c.map, &c.sourcemap_filename) {
                        extra.push(OutputFile {
                            path: map_name.clone(),
                            contents: map.to_json_string().into_bytes(),
                            kind: OutputKind::SourceMap,
                        });
                    }
                    if c.is_entry {
                        bundled = Some(Bundled { out_path: c.filename.to_string(), code: c.code.clone() });
                    }
                }
                Output::Asset(a) => {
                    let kind = if a.filename.ends_with(".map") { OutputKind::SourceMap } else { OutputKind::Asset };
                    let contents = a.source.as_bytes().to_vec();
                    extra.push(OutputFile { path: a.filename.to_string(), contents, kind });
                }
            }
        }
        let bundled =
            bundled.ok_or_else(|| anyhow::anyhow!("the worker bundle of {} has no entry chunk", state.rel(path)))?;
        if !inline {
            state.assets.lock().expect("asset table").entry(bundled.out_path.clone()).or_insert_with(|| Asset {
                src: state.rel(path),
                bytes: bundled.code.clone().into_bytes(),
                owners: Default::default(),
            });
        }
        // Two modules that start the same worker may both have bundled it: one entry, both owners.
        state
            .workers
            .lock()
            .expect("worker table")
            .entry(key)
            .or_insert_with(|| crate::state::Worker {
                out_path: bundled.out_path.clone(),
                code: bundled.code.clone(),
                extra,
                reads: reads.clone(),
                owners: Default::default(),
            })
            .owners
            .insert(owner.to_string());
        self.own(owner, &bundled, reads, inline);
        Ok(bundled)
    }

    /// Records `owner` as a module that starts the worker `bundled`: the worker's file is kept
    /// while it is, and an edit of a file the worker's bundle read loads it again.
    fn own(&self, owner: &str, bundled: &Bundled, reads: Vec<PathBuf>, inline: bool) {
        self.state.read_by(owner, reads);
        if !inline && let Some(asset) = self.state.assets.lock().expect("asset table").get_mut(&bundled.out_path) {
            asset.owners.insert(owner.to_string());
        }
    }

    /// The JS expression of an output file's URL, evaluated in the chunk that names it.
    fn url_expr(&self, out_path: &str) -> String {
        let url = serde_json::Value::String(self.state.url_from_chunk(out_path)).to_string();
        if url.starts_with("\"./") || url.starts_with("\"../") {
            format!("new URL({url}, import.meta.url).href")
        } else {
            url
        }
    }

    /// What a `new URL("<spec>", import.meta.url)` in `importer` becomes: the new first argument,
    /// or `None` to leave it as written (with a warning when it names no file).
    /// `owner`: the importer's module id, whose load the emitted asset is recorded for.
    async fn rewrite_ref(
        &self,
        owner: &str,
        importer: &Path,
        source: &str,
        r: &UrlRef,
    ) -> anyhow::Result<Option<String>> {
        let state = &self.state;
        // `./sprite.svg#icon`: the fragment (and any query) stays on the URL, the file is the path.
        let spec = r.specifier.split(['?', '#']).next().unwrap_or_default();
        #[expect(
            clippy::string_slice,
            reason = "`spec` is a prefix of `specifier` that ends at an ASCII `?` or `#` or at its end"
        )]
        let suffix = &r.specifier[spec.len()..];
        // `/icon.png`: the path under the root (or public/).
        let root_rel = spec.strip_prefix('/').filter(|rel| !rel.starts_with('/'));
        let root_absolute = root_rel.is_some();
        if !(spec.starts_with("./") || spec.starts_with("../") || root_absolute) {
            return Ok(None); // a full URL, a data: URL or a bare name: nothing to emit
        }
        let file = match root_rel {
            Some(rel) => state.config.root.join(rel),
            None => importer.parent().unwrap_or(&state.config.root).join(spec),
        };
        let file = crate::html::normalize(&file);
        if !self.fs.metadata(&file).is_ok_and(|m| m.is_file()) {
            state.looked_for(file.clone(), false);
            // `/icon.png` of public/ is served at that path (after `base`).
            if let Some(rel) = root_rel
                && r.worker.is_none()
                && let Some(public) = state.config.public_dir.as_ref().map(|d| d.join(rel))
            {
                let found = self.fs.metadata(&public).is_ok_and(|m| m.is_file());
                state.looked_for(public, found);
                if found {
                    return Ok(Some(format!("{}{suffix}", state.url_from_chunk(rel))));
                }
            }
            let (line, column) = line_column(source, r.span.0);
            let rel = state.rel(importer);
            let what = if r.worker.is_some() { "worker" } else { "file" };
            let d = Diagnostic::new(
                "MISSING_FILE",
                format!("new URL(\"{}\", import.meta.url) names a {what} that does not exist", r.specifier),
            )
            .with_file(rel)
            .at(source, line, column);
            if r.worker.is_some() {
                return Err(state.fail(d.with_hint("check the path; it is relative to this module")));
            }
            state.warnings.lock().expect("warnings").push(d.with_hint(
                "it is left as written and resolved when the page runs; put files the server provides in public/",
            ));
            return Ok(None);
        }
        let out_path = match r.worker {
            Some(w) => self.bundle(owner, &file.to_string_lossy(), w.module, false).await?.out_path,
            None => {
                let bytes = self.fs.read(&file).map_err(|e| {
                    state.fail(Diagnostic::new("READ_ERROR", format!("cannot read {}: {e}", state.rel(&file))))
                })?;
                let url = state.module_asset_url(owner, &file, bytes, false, false);
                url.strip_prefix(&state.config.base).unwrap_or(&url).to_string()
            }
        };
        Ok(Some(format!("{}{suffix}", state.url_from_chunk(&out_path))))
    }
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for WorkerPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:workers")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Load | HookUsage::Transform
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let (path, q) = query::split(args.id);
        let query = Query::parse(q);
        if !query.starts_worker() || path.starts_with('\0') {
            return Ok(None);
        }
        // The worker's entry is the file itself (a `?v=1` it carried is dropped with the flags).
        let code = if query.inline && !query.url {
            let bundled = self.bundle(args.id, path, true, true).await?;
            query::inline_worker_module(&bundled.code, query.shared_worker)
        } else {
            let bundled = self.bundle(args.id, path, true, false).await?;
            let url = self.url_expr(&bundled.out_path);
            if query.url { format!("export default {url};\n") } else { query::worker_module(&url, query.shared_worker) }
        };
        Ok(Some(HookLoadOutput { code: code.into(), module_type: Some(ModuleType::Js), ..Default::default() }))
    }

    async fn transform(&self, _ctx: SharedTransformPluginContext, args: &HookTransformArgs<'_>) -> HookTransformReturn {
        let syntax = match args.module_type {
            ModuleType::Js => "m.js",
            ModuleType::Jsx => "m.jsx",
            ModuleType::Ts => "m.ts",
            ModuleType::Tsx => "m.tsx",
            _ => return Ok(None),
        };
        if args.id.starts_with('\0') {
            return Ok(None);
        }
        // A worker module this plugin's `load` made already points at the emitted worker (with a
        // relative `base`, `new URL("./w-HASH.js", import.meta.url)`, which names no source file).
        let query = Query::parse(query::split(args.id).1);
        if query.starts_worker() {
            return Ok(None);
        }
        let refs = new_url_refs(syntax, args.code);
        if refs.is_empty() {
            return Ok(None);
        }
        let importer = Path::new(query::split(args.id).0);
        let mut edits = Vec::new();
        for r in &refs {
            if let Some(url) = self.rewrite_ref(args.id, importer, args.code, r).await? {
                let url = serde_json::Value::String(url).to_string();
                edits.push((r.span.0 as usize, r.span.1 as usize, format!("new URL({url}, import.meta.url)")));
            }
        }
        if edits.is_empty() {
            return Ok(None);
        }
        let mut code = args.code.to_string();
        for (start, end, text) in edits.iter().rev() {
            code.replace_range(*start..*end, text);
        }
        let map = HookTransformOutputMap::from_if_enabled(self.state.config.sourcemap, || {
            let mut s = string_wizard::MagicString::new(args.code.as_str());
            for (start, end, text) in &edits {
                let done = s.update(*start as u32, *end as u32, text.clone()).map(|_| ());
                debug_assert!(done.is_ok(), "URL rewrites do not overlap");
            }
            s.source_map(string_wizard::SourceMapOptions {
                hires: string_wizard::Hires::Boundary,
                source: args.id.into(),
                ..Default::default()
            })
        });
        Ok(Some(HookTransformOutput { code: Some(code), map, ..Default::default() }))
    }
}

/// 1-based line and byte column of byte `offset` in `source`, lines as every diagnostic counts
/// them (clamped: a position for a message must not panic).
fn line_column(source: &str, offset: u32) -> (u32, u32) {
    nexxo_diagnostics::line_column(source, offset as usize)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn line_column_counts_bytes_and_never_panics() {
        let source = "a\n\u{4e2d}x\u{3000}y";
        assert_eq!(line_column(source, 5), (2, 4), "`x`, after the 3 bytes of `中`");
        assert_eq!(line_column(source, 3), (2, 1), "inside `中`: its start");
        assert_eq!(line_column(source, 99), (2, 9), "past the end: the end");
    }
}
