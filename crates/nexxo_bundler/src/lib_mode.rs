//! `build.lib`: a library instead of an app, as Vite's library mode builds one. Each format
//! (`es`, `cjs`, `umd`, `iife`) is one build of the entries, named as Vite names them
//! (`my-lib.js`, `my-lib.umd.cjs`, from `fileName` or the package's name, with extensions by the
//! package's `type`); the modules' CSS goes into one style sheet (`my-lib.css`) that no chunk
//! links; every asset is inlined; the `es` build is minified with its lines and `/* @__PURE__ */`
//! annotations kept (as Vite's); `process.env.NODE_ENV` is left to the app that bundles the
//! library (see `options::defines`); `build.external` imports stay imports (or `require`s, or
//! `build.globals` in `umd`/`iife`).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use nexxo_config::{LibConfig, ResolvedConfig};
use nexxo_css::plugins::CssPlugins;
use rolldown::OutputFormat;
use rolldown_fs::FileSystem;

use crate::options::LibOutput;
use crate::output::{BuildFailure, BuildOutput};
use crate::state::LibState;
use crate::{Leftovers, OnStage};

/// One format's build: its output names, its entries (name, path from the root) and what
/// the plugins do differently.
pub(crate) struct LibBuild {
    pub output: LibOutput,
    pub inputs: Vec<(String, String)>,
    pub state: LibState,
}

/// What the nearest `package.json` says that names the output.
struct Package {
    /// `name` without its scope (`@acme/ui` -> `ui`), as Vite uses it.
    name: Option<String>,
    module: bool,
}

fn package<Fs: FileSystem>(fs: &Fs, config: &ResolvedConfig) -> Package {
    let json: Option<serde_json::Value> =
        fs.read_to_string(&config.root.join("package.json")).ok().and_then(|text| serde_json::from_str(&text).ok());
    let field = |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(|v| v.as_str()).map(str::to_string);
    Package {
        name: field("name").map(|n| n.rsplit('/').next().unwrap_or(&n).to_string()).filter(|n| !n.is_empty()),
        module: field("type").as_deref() == Some("module"),
    }
}

/// The builds of `lib`'s formats, in the order written.
fn plan<Fs: FileSystem>(fs: &Fs, config: &ResolvedConfig, lib: &LibConfig) -> Result<Vec<LibBuild>, BuildFailure> {
    let pkg = package(fs, config);
    let entries = lib.entries();
    let single = entries.len() == 1;
    let css_file =
        format!("{}.css", lib.css_file_name.clone().or_else(|| pkg.name.clone()).unwrap_or_else(|| "style".into()));
    let mut builds = Vec::new();
    for format in lib.formats() {
        // Vite's extensions: `.js` is whatever the package's `type` makes it; the other module
        // system gets `.mjs` or `.cjs`.
        let ext = match (format.as_str(), pkg.module) {
            ("es", true) | ("iife", _) => "js",
            ("es", false) => "mjs",
            ("cjs" | "umd", true) => "cjs",
            _ => "js",
        };
        let suffix = if matches!(format.as_str(), "es" | "cjs") { String::new() } else { format!(".{format}") };
        let inputs: Vec<(String, String)> = if single {
            let name = lib.file_name.clone().or_else(|| pkg.name.clone()).unwrap_or_else(|| entries[0].0.clone());
            vec![(name, entries[0].1.clone())]
        } else {
            entries.clone()
        };
        let output = LibOutput {
            format: match format.as_str() {
                "es" => OutputFormat::Esm,
                "cjs" => OutputFormat::Cjs,
                "umd" => OutputFormat::Umd,
                "iife" => OutputFormat::Iife,
                other => {
                    return Err(BuildFailure::single(
                        "LIB_FORMAT",
                        format!("build.lib.formats: unknown format `{other}`"),
                    ));
                }
            },
            entry_file_names: format!("[name]{suffix}.{ext}"),
            chunk_file_names: format!("[name]-[hash]{suffix}.{ext}"),
            name: lib.name.clone(),
        };
        let state = LibState { css_file: css_file.clone(), keep_whitespace: format == "es" };
        builds.push(LibBuild { output, inputs, state });
    }
    Ok(builds)
}

/// Builds every format of `config.lib` and puts their files together (the style sheet and the
/// inlined assets are the same in each, so written once).
pub(crate) async fn build<Fs>(
    fs: Fs,
    config: &ResolvedConfig,
    lib: &LibConfig,
    css_plugins: Option<Arc<dyn CssPlugins>>,
    on_stage: Option<OnStage>,
    leftovers: Leftovers,
) -> Result<BuildOutput, BuildFailure>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    let mut config = config.clone();
    // Vite inlines every asset a library imports: the library's users bundle its code, not its files.
    config.assets_inline_limit = u64::MAX;
    let mut files = BTreeMap::new();
    let mut all = BuildOutput::default();
    for build in plan(&fs, &config, lib)? {
        let out =
            crate::build_one(fs.clone(), &config, css_plugins.clone(), on_stage.clone(), leftovers, None, Some(&build))
                .await?;
        for f in out.files {
            files.entry(f.path.clone()).or_insert(f);
        }
        // Each format's build says the same of the same sources: once.
        for w in out.warnings {
            if !all.warnings.iter().any(|seen| seen.plain == w.plain) {
                all.warnings.push(w);
            }
        }
        all.inputs.extend(out.inputs);
        all.looked_for.extend(out.looked_for);
    }
    all.files = files.into_values().collect();
    all.inputs.sort();
    all.inputs.dedup();
    all.looked_for.sort();
    all.looked_for.dedup();
    Ok(all)
}
