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
mod options;
mod output;
pub mod query;
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
pub use output::{BuildFailure, BuildOutput, OutputFile, OutputKind, Problem, decode_files, encode_files};

use crate::state::BuildState;

/// Builds the project described by `config`, reading files through `fs`.
pub async fn build<Fs>(fs: Fs, config: &ResolvedConfig) -> Result<BuildOutput, BuildFailure>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    let setup = tracing::info_span!("nexxo.setup").entered();
    let mut pages = Vec::new();
    let mut inputs = Vec::new();
    for entry in &config.input {
        let abs = config.root.join(entry);
        if entry.ends_with(".html") {
            let source = fs.read_to_string(&abs).map_err(|e| missing_entry(entry, &e))?;
            let page = html::Page::analyze(entry, &abs, source, config);
            inputs.push(InputItem { name: Some(page.chunk_name()), import: page.entry_id() });
            pages.push(page);
        } else {
            if !fs.metadata(&abs).is_ok_and(|m| m.is_file()) {
                return Err(missing_entry(entry, &std::io::Error::from(std::io::ErrorKind::NotFound)));
            }
            let name = Path::new(entry).file_stem().map(|s| s.to_string_lossy().into_owned());
            inputs.push(InputItem { name, import: abs.to_string_lossy().into_owned() });
        }
    }
    if inputs.is_empty() {
        return Err(BuildFailure::single("NO_ENTRY", "no entries to build: build.input is empty".into()));
    }

    let bundler_options = options::bundler_options(config, inputs);
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
    let state = Arc::new(BuildState::new(config.clone(), pages, css_targets));
    let plugins = plugins(&fs, &state, &resolver, &[]);
    let mut factory = BundleFactory::new(BundleFactoryOptions {
        bundler_options,
        plugins,
        session: None,
        disable_tracing_setup: true,
    })
    .map_err(|errs| BuildFailure::from_rolldown(&config.root, errs.into_vec()))?;
    let bundle = factory.create_bundle_with_fs(fs.clone(), resolver);
    drop(setup);
    let mut output = match bundle.generate().await {
        Ok(o) => o,
        Err(errs) => {
            let mut failure = BuildFailure::from_rolldown(&config.root, errs.into_vec());
            let details = std::mem::take(&mut *state.plugin_errors.lock().expect("error list"));
            let mut located: Vec<Problem> = details.iter().map(Problem::from_diagnostic).collect();
            located.append(&mut failure.errors);
            failure.errors = located;
            return Err(failure);
        }
    };
    if let Some(failure) = unresolved_imports(&config.root, &mut output) {
        return Err(failure);
    }
    tracing::info_span!("nexxo.finish").in_scope(|| finish::finish(&fs, &state, output))
}

/// Nexxo's plugins in hook order, for the app (`within` empty: with its HTML pages) or for the
/// bundle of a worker (`within`: that worker's entry, after the workers that start it).
pub(crate) fn plugins<Fs>(
    fs: &Fs,
    state: &Arc<BuildState>,
    resolver: &Arc<Resolver<Fs>>,
    within: &[String],
) -> Vec<SharedPluginable>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    let config = &state.config;
    let mut plugins: Vec<SharedPluginable> = Vec::new();
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
        Plugin::new_shared(glob::GlobPlugin { fs: fs.clone(), state: Arc::clone(state), alias: glob_aliases(config) }),
        Plugin::new_shared(workers::WorkerPlugin {
            fs: fs.clone(),
            state: Arc::clone(state),
            resolver: Arc::clone(resolver),
            within: within.to_vec(),
        }),
    ]);
    plugins
}

/// A bare import that nothing resolves would fail in the browser at run time; rolldown only
/// warns and leaves it external, Nexxo refuses it like Vite does. Takes those warnings out of
/// `output` and returns them as the failure.
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
