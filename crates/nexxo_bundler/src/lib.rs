//! Nexxo's production build: HTML pages and script entries in, every output file in memory out.
//!
//! rolldown does the JS work (resolve, transform with oxc, link, tree-shake, split, minify). Nexxo
//! adds what a web app needs around it: HTML entries, CSS (rolldown no longer bundles CSS),
//! assets, `import.meta.env`, and a manifest. All file access goes through the `FileSystem` the
//! caller passes in; the engine never writes, so the host decides how output lands on disk.

mod assets;
mod css;
pub mod deps;
mod finish;
mod glob;
mod html;
mod json;
mod lazy_css;
mod lib_mode;
pub mod minify;
mod nesting;
mod options;
mod output;
mod progress;
pub mod query;
mod read;
pub mod sass;
mod state;
mod workers;

use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

use nexxo_config::ResolvedConfig;
use rolldown::{BundleFactory, BundleFactoryOptions, InputItem};
use rolldown_error::{BuildDiagnostic, DiagnosticOptions, EventKind};
use rolldown_fs::FileSystem;
use rolldown_plugin::__inner::SharedPluginable;
use rolldown_plugin::Plugin;
use rolldown_resolver::Resolver;

pub use css::css_specifiers;
pub use glob::{FsLister, glob_aliases};
pub use html::normalize as normalize_path;
pub use minify::KeptChunks;
pub use nexxo_css::plugins::{CssPlugins, Processed};
pub use output::{
    BuildFailure, BuildOutput, OutputFile, OutputKind, Problem, decode_files, file_headers, large_chunks,
};
pub use progress::{OnStage, Stage};

use crate::state::BuildState;

/// What becomes of what a build leaves behind once its output is made: the bundler with its
/// plugins, their state and the resolver's cache, and what is left of rolldown's output.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Leftovers {
    /// Freed: a process or engine instance that builds again.
    Free,
    /// Never freed: for a process that exits right after the build (`nexxo build`), where the
    /// kernel takes the memory back at once and freeing it piece by piece is work on the
    /// critical path (25 ms of a 19k-module build, and 11 ms more for rolldown's output).
    Leak,
    /// Freed, and the plugins' tables kept for the next build of the same bundler, which loads
    /// only edited modules again (`--watch`, [`Incremental`]).
    Keep,
}

/// Builds the project described by `config`, reading files through `fs`; `css_plugins` runs the
/// project's JavaScript CSS tools, when the host can (see [`nexxo_css::plugins`]); `on_stage`
/// hears where the build is as it goes (see [`Stage`]); `minified` holds the minified parts of the
/// last build of a session of builds, which this one takes again where they did not change and
/// replaces with its own (see [`KeptChunks`]).
pub async fn build<Fs>(
    fs: Fs,
    config: &ResolvedConfig,
    css_plugins: Option<Arc<dyn CssPlugins>>,
    on_stage: Option<OnStage>,
    leftovers: Leftovers,
    minified: Option<KeptChunks>,
) -> Result<BuildOutput, BuildFailure>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    match &config.lib {
        Some(lib) => lib_mode::build(fs, config, lib, css_plugins, on_stage, leftovers).await,
        None => build_one(fs, config, css_plugins, on_stage, leftovers, minified, None).await,
    }
}

/// One bundle of the app's pages and script entries, or of one format of a library (`lib`).
async fn build_one<Fs>(
    fs: Fs,
    config: &ResolvedConfig,
    css_plugins: Option<Arc<dyn CssPlugins>>,
    on_stage: Option<OnStage>,
    leftovers: Leftovers,
    minified: Option<KeptChunks>,
    lib: Option<&lib_mode::LibBuild>,
) -> Result<BuildOutput, BuildFailure>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    if let Some(on_stage) = &on_stage {
        on_stage(Stage::Load);
    }
    let setup = tracing::info_span!("nexxo.setup").entered();
    let Setup { bundler_options, resolver, state } = set_up(&fs, config, css_plugins, lib)?;
    let mut plugins = plugins(&fs, &state, &resolver, &[], minified, false);
    if let Some(on_stage) = on_stage {
        plugins.push(Plugin::new_shared(progress::ProgressPlugin { on_stage }));
    }
    let mut factory = BundleFactory::new(BundleFactoryOptions {
        bundler_options,
        plugins,
        session: None,
        disable_tracing_setup: true,
    })
    .map_err(|errs| BuildFailure::from_rolldown(&config.root, errs.into_vec()))?;
    let bundle = factory.create_bundle_with_fs(fs.clone(), resolver);
    drop(setup);
    let generated = bundle.generate().await.map_err(|errs| failed(&state, errs.into_vec()));
    if leftovers == Leftovers::Leak {
        // The plugins hold `state`, so it stays too.
        std::mem::forget(factory);
    }
    let mut output = generated?;
    if let Some(failure) = unresolved_in_app(&state, &config.root, &mut output) {
        return Err(failure);
    }
    tracing::info_span!("nexxo.finish").in_scope(|| finish::finish(&fs, &state, output, leftovers))
}

/// What a build needs before rolldown runs: the bundler options (HTML pages and script entries
/// as inputs), the resolver the plugins share, and the plugins' state.
struct Setup<Fs: FileSystem + Clone + Debug + 'static> {
    bundler_options: rolldown::BundlerOptions,
    resolver: Arc<Resolver<Fs>>,
    state: Arc<BuildState>,
}

fn set_up<Fs>(
    fs: &Fs,
    config: &ResolvedConfig,
    css_plugins: Option<Arc<dyn CssPlugins>>,
    lib: Option<&lib_mode::LibBuild>,
) -> Result<Setup<Fs>, BuildFailure>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    let mut pages = Vec::new();
    let mut inputs = Vec::new();
    // A library's entries are named for its files (`my-lib`); an app's script entries by their stem.
    let entries: Vec<(Option<String>, &String)> = match lib {
        Some(l) => l.inputs.iter().map(|(name, path)| (Some(name.clone()), path)).collect(),
        None => config.input.iter().map(|e| (None, e)).collect(),
    };
    for (lib_name, entry) in entries {
        let abs = config.root.join(entry);
        if lib.is_none() && entry.ends_with(".html") {
            let source = fs.read_to_string(&abs).map_err(|e| missing_entry(entry, &e))?;
            let page = html::Page::analyze(entry, &abs, source, config);
            inputs.push(InputItem { name: Some(page.chunk_name()), import: page.entry_id() });
            pages.push(page);
        } else {
            if !fs.metadata(&abs).is_ok_and(|m| m.is_file()) {
                return Err(missing_entry(entry, &std::io::Error::from(std::io::ErrorKind::NotFound)));
            }
            let name = lib_name.or_else(|| Path::new(entry).file_stem().map(|s| s.to_string_lossy().into_owned()));
            inputs.push(InputItem { name, import: abs.to_string_lossy().into_owned() });
        }
    }
    if inputs.is_empty() {
        return Err(BuildFailure::single("NO_ENTRY", "no entries to build: build.input is empty".into()));
    }
    let bundler_options = options::bundler_options(config, inputs, lib);
    let resolver = Arc::new(Resolver::new(
        fs.clone(),
        config.root.clone(),
        rolldown::Platform::Browser,
        &rolldown::TsConfig::Auto(true),
        bundler_options.resolve.clone().unwrap_or_default(),
    ));
    // Checked before anything is built: a typo in `build.cssTarget` names itself.
    let css_targets = nexxo_css::browser_targets(&config.css_target)
        .map_err(|e| BuildFailure::single("CSS_TARGET", format!("build.cssTarget (or build.target) {e}")))?;
    let mut state = BuildState::new(config.clone(), pages, css_targets, css_plugins);
    state.lib = lib.map(|l| l.state.clone());
    let state = Arc::new(state);
    Ok(Setup { bundler_options, resolver, state })
}

/// A failed rolldown build's errors, the plugins' located details first.
fn failed(state: &BuildState, errs: Vec<BuildDiagnostic>) -> BuildFailure {
    let details = std::mem::take(&mut *state.plugin_errors.lock().expect("error list"));
    // An error a resolve or transform hook of Nexxo's recorded (located, with its hint) comes
    // back from rolldown as "plugin `nexxo:x` threw an error", the same text again under "Caused
    // by" and no location: once is enough. (A load's failure comes back as rolldown's "Could not
    // load", which points at the import: kept.)
    let errs: Vec<BuildDiagnostic> = errs
        .into_iter()
        .filter(|d| {
            !matches!(d.kind(), EventKind::PluginError) || {
                let text = d.to_message_with(&DiagnosticOptions { cwd: state.config.root.clone() });
                !details.iter().any(|x| !x.message.is_empty() && text.contains(&x.message))
            }
        })
        .collect();
    let mut failure = BuildFailure::from_rolldown(&state.config.root, errs);
    let mut located: Vec<Problem> = details.iter().map(Problem::from_diagnostic).collect();
    state.inserted.unshift(&mut failure.errors);
    located.append(&mut failure.errors);
    failure.errors = located;
    failure
}

/// The extensions of script modules (JavaScript and TypeScript, with or without JSX): one list
/// for the build's incremental rebuilds and the dev server.
pub const SCRIPT_EXTS: &[&str] = &["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"];

/// Kinds of file whose appearance can change a build without an import naming it (see
/// [`Incremental::can_skip_new`]).
#[cfg(feature = "incremental")]
const SIDE_KINDS: &[&str] = &["json", "json5", "jsonc", "scss", "sass", "less", "styl", "stylus", "html", "htm"];

/// Nexxo's plugins in hook order, for the app (`within` empty: with its HTML pages) or for the
/// bundle of a worker (`within`: that worker's entry, after the workers that start it);
/// `minified`: the minified parts a session of rebuilds keeps for the next (see [`KeptChunks`]);
/// `list_loads`: rolldown's list of loaded files names every file loaded ([`read::ListLoads`]).
pub(crate) fn plugins<Fs>(
    fs: &Fs,
    state: &Arc<BuildState>,
    resolver: &Arc<Resolver<Fs>>,
    within: &[String],
    minified: Option<KeptChunks>,
    list_loads: bool,
) -> Vec<SharedPluginable>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    let config = &state.config;
    let mut plugins: Vec<SharedPluginable> = Vec::new();
    if list_loads {
        plugins.push(Plugin::new_shared(read::ListLoads));
    }
    if within.is_empty() {
        plugins.push(Plugin::new_shared(html::HtmlPlugin { state: Arc::clone(state) }));
    }
    plugins.extend([
        Plugin::new_shared(assets::AssetPlugin {
            fs: fs.clone(),
            state: Arc::clone(state),
            resolver: Arc::clone(resolver),
        }),
        Plugin::new_shared(css::CssPlugin { fs: fs.clone(), state: Arc::clone(state), resolver: Arc::clone(resolver) }),
        Plugin::new_shared(json::JsonPlugin { fs: fs.clone(), state: Arc::clone(state) }),
        // Before every plugin that parses a script (glob, workers) and before rolldown does.
        Plugin::new_shared(nesting::NestingPlugin { state: Arc::clone(state) }),
        Plugin::new_shared(glob::GlobPlugin { fs: fs.clone(), state: Arc::clone(state), alias: glob_aliases(config) }),
        Plugin::new_shared(workers::WorkerPlugin {
            fs: fs.clone(),
            state: Arc::clone(state),
            resolver: Arc::clone(resolver),
            within: within.to_vec(),
        }),
        // After glob: the `import()`s its expansion writes are wrapped too.
        Plugin::new_shared(lazy_css::LazyCssPlugin {
            state: Arc::clone(state),
            resolver: Arc::clone(resolver),
            pages: within.is_empty(),
        }),
        // Last: the other plugins' loads come first.
        Plugin::new_shared(read::ReadPlugin { fs: fs.clone() }),
    ]);
    if config.minify {
        let remove_whitespace = !state.lib.as_ref().is_some_and(|l| l.keep_whitespace);
        let raw = options::minify_options(true, remove_whitespace, &config.compress);
        plugins.push(Plugin::new_shared(minify::MinifyPlugin { raw, kept: minified }));
    }
    plugins
}

/// Whether an emitted asset was recorded only for modules the output does not include (see
/// [`Incremental::build`]); pages' and workers' assets (`""`) always are.
#[cfg(feature = "incremental")]
fn stale_assets(state: &BuildState, output: &rolldown::BundleOutput) -> bool {
    let assets = state.assets.lock().expect("asset table");
    if assets.is_empty() {
        return false;
    }
    let included = included_modules(output);
    assets.values().any(|a| !a.owners.iter().any(|o| o.is_empty() || included.contains(o.as_str())))
}

/// The ids of the modules whose code is in `output`'s chunks.
#[cfg(feature = "incremental")]
fn included_modules(output: &rolldown::BundleOutput) -> std::collections::HashSet<&str> {
    output
        .assets
        .iter()
        .filter_map(|o| match o {
            rolldown_common::Output::Chunk(c) => Some(c.module_ids.iter().map(|m| m.as_str())),
            rolldown_common::Output::Asset(_) => None,
        })
        .flatten()
        .collect()
}

/// A bare import that nothing resolves would fail in the browser at run time; rolldown only
/// warns and leaves it external, Nexxo refuses it like Vite does. Takes those warnings out of
/// `output` and returns them as the failure.
/// [`unresolved_imports`] of the app's build, located where the user wrote them (the app's
/// modules carry Nexxo's insertions, see [`state::Insertions`]).
fn unresolved_in_app(state: &BuildState, root: &Path, output: &mut rolldown::BundleOutput) -> Option<BuildFailure> {
    let mut failure = unresolved_imports(root, output)?;
    state.inserted.unshift(&mut failure.errors);
    Some(failure)
}

pub(crate) fn unresolved_imports(root: &Path, output: &mut rolldown::BundleOutput) -> Option<BuildFailure> {
    let (unresolved, warnings): (Vec<_>, Vec<_>) =
        output.warnings.drain(..).partition(|w| matches!(w.kind(), EventKind::UnresolvedImport));
    output.warnings = warnings;
    if unresolved.is_empty() {
        return None;
    }
    let mut failure = BuildFailure::from_rolldown(root, unresolved);
    for p in &mut failure.errors {
        let hint = "\nhint: Nexxo looked in node_modules/ of the importer's directory and every parent directory, \
                    and in resolve.alias and tsconfig paths. Install the package (npm install NAME), fix the \
                    specifier, or add a resolve.alias entry in nexxo.config.json.";
        p.plain.push_str(hint);
        p.colored.push_str(hint);
    }
    Some(failure)
}

pub use html::{compile_style, page_reference, replace_env};
pub use options::{env_object, global_defines};

/// Resolution options of a project (alias, conditions...) for a resolver outside a build.
pub fn dev_resolve_options(config: &ResolvedConfig) -> rolldown::ResolveOptions {
    options::resolve_options(config)
}

fn missing_entry(entry: &str, err: &std::io::Error) -> BuildFailure {
    BuildFailure::single(
        "MISSING_ENTRY",
        format!(
            "cannot read entry `{entry}`: {err}\nhint: create it, or list your entries in build.input of nexxo.config.json"
        ),
    )
}

/// One of rolldown's own reports: ariadne's rendering for the terminal, and its kind, message
/// and primary location as data (so no host reads them back from the text).
pub(crate) fn render_rolldown(root: &Path, diag: &BuildDiagnostic) -> Problem {
    let opts = DiagnosticOptions { cwd: root.to_path_buf() };
    let d = diag.to_diagnostic_with(&opts);
    let mut located = nexxo_diagnostics::Diagnostic::new(rolldown_code(diag.kind()), diag.to_message_with(&opts));
    if let Some((file, line, column, _)) = d.get_primary_location() {
        let path = Path::new(&file);
        let shown = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
        located.file = Some(shown);
        located.line = u32::try_from(line).ok();
        // rolldown counts 0-based UTF-16 units (as browsers' DevTools do).
        located.column = u32::try_from(column + 1).ok();
    }
    Problem { plain: d.to_string(), colored: d.to_color_string(), diagnostic: Some(located) }
}

/// The code of a rolldown report, as rolldown names it. `Diagnostic::code` is a `&'static str`
/// and rolldown's names exist only as `Display`; the kinds an app's own code can cause are named
/// here, the rest (rolldown's options, internals) share one code.
fn rolldown_code(kind: EventKind) -> &'static str {
    match kind {
        EventKind::ParseError => "PARSE_ERROR",
        EventKind::UnresolvedImport => "UNRESOLVED_IMPORT",
        EventKind::UnresolvedEntry => "UNRESOLVED_ENTRY",
        EventKind::MissingExportError => "MISSING_EXPORT",
        EventKind::JsonParseError => "JSON_PARSE",
        EventKind::FileNotFoundError => "FILE_NOT_FOUND",
        EventKind::ResolveError => "RESOLVE_ERROR",
        EventKind::TransformError => "TRANSFORM_ERROR",
        EventKind::PluginError => "PLUGIN_ERROR",
        EventKind::CircularDependency => "CIRCULAR_DEPENDENCY",
        EventKind::Eval => "EVAL",
        EventKind::ImportIsUndefined => "IMPORT_IS_UNDEFINED",
        EventKind::EmptyImportMeta => "EMPTY_IMPORT_META",
        EventKind::MixedExports => "MIXED_EXPORTS",
        EventKind::CommonJsVariableInEsm => "COMMONJS_VARIABLE_IN_ESM",
        EventKind::AssignToImportError => "ASSIGN_TO_IMPORT",
        EventKind::IllegalReassignmentError => "ILLEGAL_REASSIGNMENT",
        EventKind::UnsupportedFeatureError => "UNSUPPORTED_FEATURE",
        EventKind::RequireTlaError => "REQUIRE_TLA",
        EventKind::ModuleLevelDirective => "MODULE_LEVEL_DIRECTIVE",
        EventKind::InvalidAnnotation => "INVALID_ANNOTATION",
        EventKind::TsConfigError => "TSCONFIG_ERROR",
        _ => "BUNDLER",
    }
}

/// A rebuild that keeps rolldown's scan between builds (its incremental `Bundler`, behind its
/// `experimental` feature): a rebuild loads, parses and transforms only the modules it is told
/// changed, then links and generates in full. rolldown keeps that state only on its own
/// `OsFileSystem` and resolver, so this runs on them (no read recording). Nexxo's plugin state
/// is per build in places (assets and workers are taken by `finish`; a `?raw`/`?url` module is
/// another module of the same file), so [`Incremental::partial_ids`] says when a partial rebuild
/// gives what a full build would; the caller does a full one otherwise.
#[cfg(feature = "incremental")]
pub struct Incremental {
    bundler: rolldown::Bundler,
    state: Arc<BuildState>,
    fs: rolldown_fs::OsFileSystem,
    /// The resolver the plugins share (rolldown's own is the bundler's).
    resolver: Arc<Resolver<rolldown_fs::OsFileSystem>>,
    root: std::path::PathBuf,
    /// Whether the state after the last build holds everything a partial rebuild needs.
    reusable: bool,
    /// Whether the last build loaded only the edited modules again (a partial one can end as a
    /// full one, see [`Incremental::build`]).
    was_partial: bool,
    /// The modules a failed partial build was loading, which the next one loads again.
    pending: Vec<String>,
    /// Modules edited while no module imported them, not loaded since (see [`Incremental::build`]).
    unloaded: std::collections::BTreeSet<String>,
}

/// A new [`Incremental`] for `config`; its first [`Incremental::build`] is a full one.
/// `minified`: the minified parts the session keeps across its builds and bundlers, which each
/// build takes again where a chunk's part did not change.
#[cfg(feature = "incremental")]
pub fn incremental(
    config: &ResolvedConfig,
    css_plugins: Option<Arc<dyn CssPlugins>>,
    minified: KeptChunks,
) -> Result<Incremental, BuildFailure> {
    use rolldown_fs::OxcResolverFileSystem as _;
    let fs = rolldown_fs::OsFileSystem::new(false);
    // A library's formats are separate builds (see `lib_mode`): the host builds it whole.
    debug_assert!(config.lib.is_none(), "a library is not built incrementally");
    let Setup { mut bundler_options, resolver, state } = set_up(&fs, config, css_plugins, None)?;
    bundler_options.experimental.get_or_insert_default().incremental_build = Some(true);
    let plugins = plugins(&fs, &state, &resolver, &[], Some(minified), true);
    let bundler = rolldown::Bundler::with_plugins(bundler_options, plugins)
        .map_err(|errs| BuildFailure::from_rolldown(&config.root, errs.into_vec()))?;
    Ok(Incremental {
        bundler,
        state,
        fs,
        resolver,
        root: config.root.clone(),
        reusable: false,
        was_partial: false,
        pending: Vec::new(),
        unloaded: Default::default(),
    })
}

#[cfg(feature = "incremental")]
impl Incremental {
    /// The modules a rebuild must load again for `changed` (absolute paths of files whose
    /// content changed) to give a full build's output, or `None` when only a full build does.
    /// A partial rebuild needs: the last build succeeded and emitted no asset for a module left
    /// out of its output (each asset, a worker's bundle too, is kept with the modules whose loads
    /// emitted it, see [`Self::build`]; an asset a worker's own module emitted counts as left
    /// out); and each changed file is a module of that build (its modules with a query,
    /// `?raw`, `?url`, `?inline`, `?worker`, load again with it), or a file that modules' loads read (an
    /// asset a sheet's `url()` names or a small one inlined, a sheet an `@import` inlined, a Sass
    /// partial), which then loads those modules again; or a page, whose entry and inline scripts
    /// load again from its new text (every build renders the pages, so a file only a page reads
    /// needs no more). A load replaces what the last one recorded (a sheet's compiled CSS and
    /// `composes` edges, the assets emitted, the files read). A file the project's CSS plugins
    /// made a sheet from (Tailwind's content) is a full rebuild.
    ///
    /// A changed file that is gone (deleted, or renamed away) loads again its importers and the
    /// modules that read it: each resolves or reads again and fails if it still names the file
    /// (so the build fails as a full one would), or no longer names it, and the file's module
    /// stays in rolldown's scan, in no output. The caller must [`Self::forget_resolutions`]
    /// first, or the resolvers' caches still find the file. A gone page or entry, and an app
    /// that expands globs (a deleted file leaves a pattern's matches), are full rebuilds.
    pub fn partial_ids(&self, changed: &[String]) -> Option<Vec<String>> {
        if !self.reusable {
            return None;
        }
        let postcss_inputs = self.state.postcss_inputs.lock().expect("postcss inputs");
        if changed.iter().any(|p| postcss_inputs.values().any(|r| r.depends_on(Path::new(p)))) {
            return None;
        }
        drop(postcss_inputs);
        let infos = self.bundler.module_infos();
        let read = self.state.read_files.lock().expect("read list");
        let pages = self.state.pages();
        let mut ids = std::collections::BTreeSet::new();
        let of_page = |id: &str| {
            pages.iter().any(|page| {
                id.strip_prefix(page.abs.to_string_lossy().as_ref()).is_some_and(|rest| rest.starts_with('?'))
            })
        };
        for p in changed {
            let with_query = |id: &str| id.strip_prefix(p.as_str()).is_some_and(|rest| rest.starts_with('?'));
            let gone = !Path::new(p).exists();
            if gone {
                let is_page = pages.iter().any(|page| page.abs.as_os_str() == p.as_str());
                if is_page || !self.state.globbing.lock().expect("globbing").is_empty() {
                    return None;
                }
                // Its modules: the plain one and those with a query (`?raw`, `?url`).
                for info in infos.iter().filter(|m| m.key().as_str() == p.as_str() || with_query(m.key())) {
                    if info.is_entry {
                        return None;
                    }
                    for importer in info.importers.iter().chain(&info.dynamic_importers) {
                        // A script or sheet module of a file, or a page's entry or inline
                        // script: their loads run again alone (see below).
                        let plain = !importer.contains('?') && Path::new(importer.as_str()).is_file();
                        if !plain && !of_page(importer) {
                            return None;
                        }
                        ids.insert(importer.to_string());
                    }
                }
            }
            if pages.iter().any(|page| page.abs.as_os_str() == p.as_str()) {
                // A page: its entry and inline scripts (modules of the page's file with a query)
                // are loaded again from the page as it is now (see `Self::build`).
                ids.extend(infos.iter().map(|m| m.key().clone()).filter(|id| with_query(id)).map(|id| id.to_string()));
                continue;
            }
            // The file's modules with a query (`?raw`, `?url`, `?inline`, `?worker`) load again as
            // its plain module does: each load reads the file, and what it emitted or read is
            // recorded under its own id (see `forget_loads`).
            let queried: Vec<String> = infos.iter().map(|m| m.key().to_string()).filter(|id| with_query(id)).collect();
            let readers = read.get(Path::new(p));
            let module = infos.contains_key(p.as_str());
            if !module && queried.is_empty() && readers.is_none() {
                return None;
            }
            if !gone {
                ids.extend(queried);
                if module {
                    ids.insert(p.clone());
                }
            }
            for owner in readers.into_iter().flatten() {
                if owner.is_empty() {
                    // A page's read: every build renders the pages again, which reads it again.
                    // A partial scan loads at least one module: the pages' entries, cheap.
                    ids.extend(pages.iter().map(|page| page.entry_id()));
                } else if !infos.contains_key(owner.as_str()) || !Path::new(query::split(owner).0).is_absolute() {
                    // Not a module of a file (a public file's `?raw`, a virtual module): a
                    // partial scan resolves the ids it loads again as paths, which this is not.
                    return None;
                } else if !Path::new(query::split(owner).0).exists() {
                    // A module deleted earlier in the watch, which no module imports any more
                    // (its importers were loaded again then): in no output, nothing to load.
                } else {
                    ids.insert(owner.clone());
                }
            }
        }
        // A failed build's modules, unless deleted since (their importers load again instead).
        ids.extend(self.pending.iter().filter(|id| Path::new(query::split(id).0).exists()).cloned());
        if ids.is_empty() {
            // A partial scan loads at least one module: the pages' entries, cheap.
            ids.extend(pages.iter().map(|page| page.entry_id()));
        }
        (!ids.is_empty()).then(|| ids.into_iter().collect())
    }

    /// Whether `path`, a file the last build did not load, can appear (or change) without a
    /// rebuild: a new script module, CSS file or asset that no module imports yet (an edit that
    /// imports it loads it in a partial rebuild). After a successful build, a new file changes
    /// what the modules resolved to only by standing where a resolution looked first (`./util`
    /// finding a new `util.ts` before `util.js`, a new `dir.ts` before `dir/index.ts`,
    /// `src/util.ts` before `generated/util.ts` for a tsconfig `paths` entry with two places), by
    /// matching a glob import or a dynamic import with variables, by answering a URL a page or a
    /// `new URL()` left as written (`BuildState::looked_for`), or by being a config or a CSS
    /// plugin's content (Tailwind's scanned sources). So: its name without the extension is no
    /// module's, nor the directory name of a module's `index` file (nor, for an `index` file, is
    /// its directory's name a module's); for a kind no resolution looks for by its stem (a text
    /// file, an editor's temporary copy), its whole name is no module's; no module expands a
    /// pattern; no URL looked for it; it is not at the root (where config files are); no PostCSS
    /// plugin reads it. Anything else (a new package.json, tsconfig.json, Sass partial, page or
    /// directory) starts a full build, and so does any new file after a failed build.
    pub fn can_skip_new(&self, path: &str) -> bool {
        let p = Path::new(path);
        let ext = p.extension().and_then(|e| e.to_str());
        let script_or_css = ext.is_some_and(|e| SCRIPT_EXTS.contains(&e) || e == "css");
        // A file no resolution looks for by its stem (`notes.txt`, an editor's temporary
        // `Title.tsx___jb_tmp___`): only an import naming it whole finds it, which failed before it
        // was there (a failed build: no partial rebuild), unless an alias with several places
        // found a file of that name in another one (checked below). Not the kinds that change a
        // build unnamed: JSON (a package.json or tsconfig.json changes how its directory
        // resolves), style sheet languages (a new partial can stand before the one a load path
        // found), pages, browserslist.
        let asset = assets::is_asset(&self.state.config, path);
        let named_whole =
            !script_or_css && !asset && ext.is_some_and(|e| !SIDE_KINDS.contains(&e.to_ascii_lowercase().as_str()));
        // An extensionless file (`sed -i`'s temporary `sedK3x9Qa`, vim's `4913`) is found by the
        // resolver before `./name` gets an extension, so it is judged by its name as a module's
        // stem, as scripts are (below).
        let bare = ext.is_none() && p.file_name().is_some_and(|n| n != "browserslist");
        let kind_ok = script_or_css || asset || bare || named_whole;
        // After a failed build, a new file may be the one an import looked for.
        if !self.reusable
            || !self.pending.is_empty()
            || !kind_ok
            || p.parent() == Some(self.root.as_path())
            || !p.is_file()
        {
            return false;
        }
        if !self.state.globbing.lock().expect("globbing").is_empty()
            || self.state.postcss_inputs.lock().expect("postcss inputs").values().any(|r| r.depends_on(p))
            || self.state.looked_for.lock().expect("looked-for list").contains_key(p)
        {
            return false;
        }
        /// A module's name as a resolution may look for it: `util` of `util.ts`, `dir` of `dir/index.ts`.
        fn looked_for(f: &Path) -> Option<&std::ffi::OsStr> {
            match f.file_stem() {
                Some(s) if s == "index" => f.parent().and_then(Path::file_name),
                s => s,
            }
        }
        let Some(name) = looked_for(p) else { return false };
        let infos = self.bundler.module_infos();
        !infos.iter().any(|m| {
            let module = Path::new(m.key().split('?').next().unwrap_or_default());
            if named_whole {
                return module.file_name() == p.file_name();
            }
            module == p || module.file_stem() == Some(name) || looked_for(module) == Some(name)
        })
    }

    /// The files of every module in rolldown's scan, those the output does not show included (a
    /// module whose exports were all inlined or shaken off is in no chunk's module list, and its
    /// deletion must still fail the build as a full one would).
    pub fn module_files(&self) -> Vec<std::path::PathBuf> {
        let infos = self.bundler.module_infos();
        infos
            .iter()
            .map(|m| Path::new(m.key().split('?').next().unwrap_or_default()).to_path_buf())
            .filter(|p| p.is_absolute())
            .collect()
    }

    /// Whether the project's CSS plugins read `path` in the last build (Tailwind's scanned
    /// sources, a PostCSS plugin's dependency), whatever its kind.
    pub fn css_plugins_read(&self, path: &Path) -> bool {
        self.state.postcss_inputs.lock().expect("postcss inputs").values().any(|r| r.depends_on(path))
    }

    /// `failure`, after noting what a failed build leaves to build on. A failed partial build
    /// leaves rolldown's scan as it was before it (rolldown reverts a failed partial scan and
    /// scans its modules again next time) or with the edited modules merged (a failure after
    /// the scan: a missing export, an import of a missing file left in the output), so the next
    /// rebuild can be partial too (a fix after a syntax error was a full build: 1.5-2 s at 19k
    /// modules), loading the failed build's modules again with the edited ones: their loads
    /// record what they read and emit anew. A failed full build leaves nothing to build on.
    fn after_failure(&mut self, partial: Option<&[arcstr::ArcStr]>, failure: BuildFailure) -> BuildFailure {
        match partial {
            Some(ids) => {
                self.pending.extend(ids.iter().map(ToString::to_string));
                self.reusable = true;
            }
            None => self.pending.clear(),
        }
        failure
    }

    /// The files the last build loaded, also one that failed (see `read::ListLoads`).
    pub fn loaded_files(&self) -> Vec<std::path::PathBuf> {
        self.bundler.watch_files().iter().map(|f| std::path::PathBuf::from(f.as_str())).collect()
    }

    /// Drops what the loads of `ids` recorded last time (the assets they emitted, the files they
    /// read, the workers they started), as their loads record it again, and analyses an edited
    /// page again, whose entry and inline scripts load from its new text.
    fn forget_loads(&self, ids: &[arcstr::ArcStr]) -> Result<(), BuildFailure> {
        // What the modules loaded again emitted last time: their loads emit it again if
        // they still reference it. So do the pages, which every build renders (`""`).
        let again = |owner: &str| owner.is_empty() || ids.iter().any(|id| id.as_str() == owner);
        let mut assets = self.state.assets.lock().expect("asset table");
        for asset in assets.values_mut() {
            asset.owners.retain(|o| !again(o));
        }
        assets.retain(|_, a| !a.owners.is_empty());
        // And what they read: their loads record it again.
        let mut read = self.state.read_files.lock().expect("read list");
        for owners in read.values_mut() {
            owners.retain(|o| !again(o));
        }
        read.retain(|_, owners| !owners.is_empty());
        // A worker is bundled again when every module that starts it is loaded again.
        let mut workers = self.state.workers.lock().expect("worker table");
        workers.retain(|_, w| {
            w.owners.retain(|o| !again(o));
            !w.owners.is_empty()
        });
        drop((assets, read, workers));
        // An edited page: its entry and inline scripts load from the page as it is now.
        use rolldown_fs::OxcResolverFileSystem as _;
        for page in self.state.pages() {
            if ids.iter().any(|id| *id == page.entry_id()) {
                let source = self.fs.read_to_string(&page.abs).map_err(|e| missing_entry(&page.rel, &e))?;
                self.state.replace_page(html::Page::analyze(&page.rel, &page.abs, source, &self.state.config));
            }
        }
        Ok(())
    }

    /// Whether the module `id` is in rolldown's scan, imported by no module and no entry.
    fn unneeded(&self, id: &str) -> bool {
        let infos = self.bundler.module_infos();
        infos.get(id).is_some_and(|i| !i.is_entry && i.importers.is_empty() && i.dynamic_importers.is_empty())
    }

    /// Forgets what the resolvers found on disk (rolldown's and the plugins'), so that a file
    /// deleted since the last build is not found from their caches, nor a file created or put
    /// back not found (a failed build's search cached its absence).
    pub fn forget_resolutions(&self) {
        self.bundler.clear_resolver_cache();
        self.resolver.clear_cache();
    }

    /// Whether the last [`Self::build`] loaded only the edited modules again.
    pub fn was_partial(&self) -> bool {
        self.was_partial
    }

    /// A full build (`changed` None) or one that loads only `changed` again (see [`Self::partial_ids`]).
    pub async fn build(&mut self, changed: Option<Vec<String>>) -> Result<BuildOutput, BuildFailure> {
        let mut partial: Option<Vec<arcstr::ArcStr>> =
            changed.map(|ids| ids.into_iter().map(arcstr::ArcStr::from).collect());
        self.reusable = false;
        if let Some(ids) = &mut partial {
            // An edited module that no module imports any more (its import removed earlier
            // in the session) is not loaded: a fresh build would not read it, so a syntax
            // error in it must not fail this one. It is loaded once the output needs it
            // again (below). Judged only after a good build: rolldown does not take back
            // the importer lists a failed scan's loads wrote (a module that failed to parse
            // has none).
            let (left, kept): (Vec<arcstr::ArcStr>, Vec<arcstr::ArcStr>) = if self.pending.is_empty() {
                ids.iter().cloned().partition(|id| self.unneeded(id))
            } else {
                (Vec::new(), ids.clone())
            };
            let pages = self.state.pages();
            if !left.is_empty() && !(kept.is_empty() && pages.is_empty()) {
                self.unloaded.extend(left.iter().map(ToString::to_string));
                *ids = kept;
                if ids.is_empty() {
                    // A partial scan loads at least one module: the pages' entries, cheap.
                    ids.extend(pages.iter().map(|page| arcstr::ArcStr::from(page.entry_id())));
                }
            }
            self.forget_loads(ids)?;
        }
        let (output, stale) = loop {
            self.state.plugin_errors.lock().expect("error list").clear();
            self.state.warnings.lock().expect("warnings").clear();
            let mode = match &partial {
                Some(ids) => rolldown_common::ScanMode::Partial(ids.clone()),
                None => {
                    // Everything is loaded again, and records what it reads and emits again.
                    self.unloaded.clear();
                    self.state.postcss_inputs.lock().expect("postcss inputs").clear();
                    self.state.read_files.lock().expect("read files").clear();
                    self.state.looked_for.lock().expect("looked-for list").clear();
                    self.state.globbing.lock().expect("globbing").clear();
                    self.state.assets.lock().expect("asset table").clear();
                    self.state.workers.lock().expect("worker table").clear();
                    rolldown_common::ScanMode::Full
                }
            };
            let mut output = match self.bundler.incremental_generate(mode).await {
                Ok(output) => output,
                Err(errs) => return Err(self.after_failure(partial.as_deref(), failed(&self.state, errs.into_vec()))),
            };
            if let Some(failure) = unresolved_in_app(&self.state, &self.root, &mut output) {
                return Err(self.after_failure(partial.as_deref(), failure));
            }
            let stale = stale_assets(&self.state, &output);
            // An edit that dropped the last import of an asset (or of the sheet that used it)
            // leaves its module in rolldown's partial scan, not in the output: a full build
            // decides what is emitted.
            if stale && partial.take().is_some() {
                continue;
            }
            // A module left unloaded that the output includes again, or that a module imports
            // again: rolldown took its last scan, so the build starts over. (A partial scan of
            // it alone gave a fresh build's code but not its order of CommonJS initializations
            // when the app's package.json says `"sideEffects": true`.)
            if partial.is_some() && !self.unloaded.is_empty() {
                let included = included_modules(&output);
                if self.unloaded.iter().any(|id| included.contains(id.as_str()) || !self.unneeded(id)) {
                    partial = None;
                    continue;
                }
            }
            break (output, stale);
        };
        self.was_partial = partial.is_some();
        // An asset only a worker's own modules emitted stays stale: the next rebuild is a full one.
        let none_made_once = !stale;
        let result = tracing::info_span!("nexxo.finish")
            .in_scope(|| finish::finish(&self.fs, &self.state, output, Leftovers::Keep));
        self.reusable = result.is_ok() && none_made_once;
        self.pending.clear();
        result
    }
}
