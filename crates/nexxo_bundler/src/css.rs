//! CSS as modules of the JS graph. Each style sheet loads as a JS stub that imports its `@import`s
//! (so rolldown's resolver and execution order decide what comes first) and exports CSS-module
//! class names; its compiled CSS is kept aside and concatenated per chunk after linking. Chunks
//! that load lazily get a footer that attaches their style sheet when they run.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_css::{CssOptions, compile, composes_binding, is_local_url, replace_urls};
use nexxo_diagnostics::Diagnostic;
use rolldown_common::{ImportKind, ModuleType, side_effects::HookSideEffects};
use rolldown_fs::FileSystem;
use rolldown_plugin::{
    HookAddonArgs, HookInjectionOutputReturn, HookLoadArgs, HookLoadOutput, HookLoadReturn, HookUsage, Plugin,
    PluginContext, SharedLoadPluginContext,
};
use rolldown_resolver::Resolver;

use crate::assets::resolve_path;
use crate::state::BuildState;

#[derive(Debug)]
pub struct CssPlugin<Fs: FileSystem + Clone + Debug + 'static> {
    pub fs: Fs,
    pub state: Arc<BuildState>,
    pub resolver: Arc<Resolver<Fs>>,
}

/// What to resolve, in order, for a reference from a style sheet (`@import`, `composes ... from`,
/// `url()`): relative first (CSS has no bare specifiers: `@import "a.css"` is `./a.css`), then as a
/// package path or alias (a leading `~`, webpack's package marker, dropped), as browsers and Vite
/// do. The build and `nexxo dev` both resolve by this rule.
pub fn css_specifiers(spec: &str) -> Vec<String> {
    if spec.starts_with('.') || spec.starts_with('/') {
        return vec![spec.to_string()];
    }
    vec![format!("./{spec}"), spec.strip_prefix('~').unwrap_or(spec).to_string()]
}

impl<Fs: FileSystem + Clone + Debug + 'static> CssPlugin<Fs> {
    /// `column` counts UTF-16 units, as lightningcss reports them.
    fn located(&self, d: Diagnostic, source: &str, line: u32, column: u32) -> anyhow::Error {
        self.state.fail(d.at_utf16(source, line, column.max(1)))
    }

    /// A style sheet compiled, its `url()`s written for where its text lands: the file's path
    /// relative to the root, its CSS source (Sass compiled), the compiled sheet and that text.
    /// `inline` (`?inline`): the text goes wherever the app puts it (a `<style>` in the page), so
    /// its URLs stay as the page sees them; otherwise it becomes a file in the assets directory.
    /// `owner`: the id of the module whose load compiles it (the assets its `url()`s emit are
    /// recorded for that load).
    fn compile_sheet(
        &self,
        owner: &str,
        path: &Path,
        inline: bool,
    ) -> Result<(String, String, nexxo_css::CompiledCss, String), anyhow::Error> {
        let state = &self.state;
        let rel = state.rel(path);
        let source = style_source(&self.fs, state, owner, path, &rel).map_err(|d| state.fail(d))?;
        let opts = CssOptions {
            minify: state.config.minify,
            css_module: nexxo_css::is_css_module(&rel),
            module_pattern: state.config.css_modules_pattern.as_deref(),
            targets: state.css_targets,
        };
        let compiled = compile(&rel, &source, &opts).map_err(|d| state.fail(d))?;
        let in_sheet = |url: String| if inline { url } else { state.url_in_sheet(url) };
        let importer = path.to_string_lossy();
        let mut urls = Vec::with_capacity(compiled.urls.len());
        for u in &compiled.urls {
            let final_url = if is_local_url(&u.url) {
                let (spec, suffix) = u.url.find(['?', '#']).map_or((u.url.as_str(), ""), |i| u.url.split_at(i));
                let target = self.resolve_from_css(&importer, spec, ImportKind::UrlImport).map_err(|e| {
                    self.located(
                        Diagnostic::new("UNRESOLVED_URL", format!("cannot resolve url({}): {e}", u.url))
                            .with_file(rel.clone())
                            .with_hint("check the path; it is relative to this CSS file"),
                        &source,
                        u.line,
                        u.column,
                    )
                })?;
                let bytes = self.fs.read(&target).map_err(|e| {
                    state.fail(Diagnostic::new("READ_ERROR", format!("cannot read {}: {e}", state.rel(&target))))
                })?;
                format!("{}{suffix}", in_sheet(state.module_asset_url(owner, &target, bytes, true, false)))
            } else if u.url.starts_with('/') && !u.url.starts_with("//") && state.config.base != "/" {
                in_sheet(state.public_url(u.url.strip_prefix('/').unwrap_or(&u.url)))
            } else {
                u.url.clone()
            };
            urls.push((u.placeholder.clone(), final_url));
        }
        let css = replace_urls(&compiled.code, &urls);
        Ok((rel, source, compiled, css))
    }

    /// The file an `@import` of the sheet `importer` names, or a located error.
    fn resolve_import(
        &self,
        importer: &str,
        rel: &str,
        source: &str,
        imp: &nexxo_css::CssImport,
    ) -> Result<std::path::PathBuf, anyhow::Error> {
        self.resolve_from_css(importer, &imp.specifier, ImportKind::AtImport).map_err(|e| {
            self.located(
                Diagnostic::new("UNRESOLVED_IMPORT", format!("cannot resolve @import \"{}\": {e}", imp.specifier))
                    .with_file(rel)
                    .with_hint("check the path, or install the package that provides it"),
                source,
                imp.line,
                1,
            )
        })
    }

    /// Resolves a reference from a style sheet (see [`css_specifiers`]).
    fn resolve_from_css(&self, importer: &str, spec: &str, kind: ImportKind) -> Result<std::path::PathBuf, String> {
        let mut last = String::new();
        for candidate in css_specifiers(spec) {
            match resolve_path(&self.resolver, Some(importer), &candidate, kind) {
                Ok(p) => return Ok(p),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// The build's side of inlining an `@import` ([`nexxo_css::inline_import`]): the sheets named are
/// resolved with the build's resolver (an unresolvable one is a located error) and compiled as
/// any sheet; each is an input of the build (the cache and `--watch` see it).
struct Inlining<'a, Fs: FileSystem + Clone + Debug + 'static> {
    plugin: &'a CssPlugin<Fs>,
    /// The id of the module whose load inlines these sheets.
    owner: &'a str,
    inline: bool,
    /// Each compiled sheet's root-relative path and source, to locate an error in its imports.
    sheets: HashMap<PathBuf, (String, String)>,
}

impl<Fs: FileSystem + Clone + Debug + 'static> nexxo_css::ImportHost for Inlining<'_, Fs> {
    type File = PathBuf;
    type Error = anyhow::Error;

    fn resolve(&mut self, importer: &PathBuf, imp: &nexxo_css::CssImport) -> Result<Option<PathBuf>, anyhow::Error> {
        let (rel, source) = self.sheets.get(importer).map_or(("", ""), |(r, s)| (r.as_str(), s.as_str()));
        self.plugin.resolve_import(&importer.to_string_lossy(), rel, source, imp).map(Some)
    }

    fn compile(&mut self, file: &PathBuf) -> Result<(Vec<nexxo_css::CssImport>, String), anyhow::Error> {
        self.plugin.state.read_by(self.owner, [file.clone()]);
        let (rel, source, compiled, css) = self.plugin.compile_sheet(self.owner, file, self.inline)?;
        self.sheets.insert(file.clone(), (rel, source));
        Ok((compiled.imports, css))
    }
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for CssPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:css")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Load | HookUsage::Footer
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let (path, query) = crate::query::split(args.id);
        let query = crate::query::Query::parse(query);
        // `?raw` and `?url` are the asset plugin's; any other query still means the style sheet.
        if query.raw || query.url || query.starts_worker() {
            return Ok(None);
        }
        if !path.ends_with(".css") && !nexxo_css::plugins::is_preprocessed(path) {
            return Ok(None);
        }
        // No await below: the guard times this thread's work on the sheet (`--profile`).
        let _profile = tracing::info_span!("nexxo.css").entered();
        let state = &self.state;
        let (rel, source, compiled, css) = self.compile_sheet(args.id, Path::new(path), query.inline)?;

        let mut js = String::new();
        let mut external_imports = String::new();
        let mut inlined = Vec::new();
        let mut inlined_css = String::new();
        let inline_from = nexxo_css::first_inlined(&compiled.imports);
        let file = Path::new(path).to_path_buf();
        // Made at the first import inlined, and kept for the ones after it.
        let mut inlining: Option<Inlining<'_, Fs>> = None;
        for (i, imp) in compiled.imports.iter().enumerate() {
            if imp.is_remote() {
                external_imports.push_str(&imp.external_rule());
                continue;
            }
            if i >= inline_from {
                // Its rules go inside its conditions, in this sheet's text (see `first_inlined`).
                let host = inlining.get_or_insert_with(|| Inlining {
                    plugin: self,
                    owner: args.id,
                    inline: query.inline,
                    sheets: HashMap::from([(file.clone(), (rel.clone(), source.clone()))]),
                });
                let stack = &mut vec![file.clone()];
                inlined_css.push_str(&nexxo_css::inline_import(host, &file, imp, stack, &mut external_imports)?);
                continue;
            }
            let target = self.resolve_import(path, &rel, &source, imp)?;
            if query.inline {
                // An inlined sheet's text includes what it imports, which is never applied either.
                let binding = format!("__nexxo_inline{}", inlined.len());
                let spec = serde_json::Value::String(format!("{}?inline", target.to_string_lossy()));
                js.push_str(&format!("import {binding} from {spec};\n"));
                inlined.push(binding);
                continue;
            }
            js.push_str(&format!("import {};\n", serde_json::Value::String(target.to_string_lossy().into_owned())));
        }
        let css = inlined_css + &css;
        if query.inline {
            inlined.push(serde_json::Value::String(external_imports + &css).to_string());
            js.push_str(&format!("export default {};\n", inlined.join(" + ")));
        } else {
            state.css.lock().expect("css table").insert(args.id.to_string(), (external_imports, css));
        }
        // `composes: x from "./other.module.css"`: that file's class map, imported before this
        // sheet, so its rules come first in the chunk's CSS as well. Every sheet's edges are
        // recorded, none included: a `--watch` rebuild of an edited sheet replaces its old ones.
        let mut composed = Vec::new();
        if !compiled.exports.is_empty() && !query.inline {
            for (i, spec) in compiled.composes_specifiers().into_iter().enumerate() {
                let target = self.resolve_from_css(path, spec, ImportKind::Import).map_err(|e| {
                    state.fail(
                        Diagnostic::new("UNRESOLVED_IMPORT", format!("cannot resolve composes from \"{spec}\": {e}"))
                            .with_file(rel.clone())
                            .with_hint("check the path of the CSS module named after `from`"),
                    )
                })?;
                composed.push(state.rel(&target));
                let target = serde_json::Value::String(target.to_string_lossy().into_owned());
                js = format!("import {} from {target};\n{js}", composes_binding(i));
            }
            js.push_str(&format!("export default {};\n", compiled.exports_object()));
            for (k, v) in compiled.named_exports() {
                js.push_str(&format!("export const {k} = {v};\n"));
            }
        }
        if !query.inline
            && let Err(cycle) = state.composes.lock().expect("composes graph").add(&rel, composed)
        {
            return Err(state.fail(
                Diagnostic::new("CSS_COMPOSES_CYCLE", format!("`composes` forms a cycle: {}", cycle.join(" -> ")))
                    .with_file(rel.clone())
                    .with_hint("a class can only compose from files that do not compose back from this one"),
            ));
        }
        Ok(Some(HookLoadOutput {
            code: js.into(),
            module_type: Some(ModuleType::Js),
            side_effects: Some(HookSideEffects::NoTreeshake),
            ..Default::default()
        }))
    }

    async fn footer(&self, _ctx: &PluginContext, args: &HookAddonArgs) -> HookInjectionOutputReturn {
        let chunk = &args.chunk;
        if chunk.is_entry || self.state.lib.is_some() {
            // Entry chunks' CSS is linked from the HTML page (or listed in the manifest); a
            // library's is one style sheet its users link.
            return Ok(None);
        }
        let Some(css) = self.state.css_of(chunk.module_ids.iter().map(|m| m.as_str())) else { return Ok(None) };
        // Resolved against the chunk, not the page: with a relative `base` ("./") the page may be
        // in a subdirectory (`nested/index.html`), where `./assets/x.css` names nothing. A link
        // the page already has is recognised by its resolved URL, however its `href` is written.
        let href = serde_json::Value::String(self.state.url_from_chunk(&self.state.css_path(&chunk.name, &css)));
        // Its `import()` waits for the sheet to load (crate::lazy_css).
        Ok(Some(crate::lazy_css::footer_code(&href.to_string())))
    }
}

/// The CSS of style sheet `path` (`rel` from the root) before Nexxo's CSS step: Sass compiled
/// (partials inlined, their `url()`s rebased onto this file), then the project's CSS plugins
/// (PostCSS, Tailwind CSS) when the host runs them. Every file read is an input of the build
/// (the cache and `--watch` see it). Sheets a script imports and sheets a page links with
/// `media` both come through here; `owner` is the id of the module whose load reads it (`""`
/// for a page).
pub(crate) fn style_source<Fs: FileSystem>(
    fs: &Fs,
    state: &BuildState,
    owner: &str,
    path: &Path,
    rel: &str,
) -> Result<String, Diagnostic> {
    let lang = nexxo_css::plugins::Preprocessor::of(rel);
    let plugins = state.css_plugins.as_deref();
    if plugins.is_none()
        && let Some(d) = nexxo_css::sass::unsupported_preprocessor(rel)
    {
        return Err(d.with_file(rel));
    }
    let read = || {
        fs.read_to_string(path)
            .map_err(|e| Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel))
    };
    let source = if nexxo_css::sass::is_sass(rel) {
        let out = crate::sass::compile_sass(fs, path, &state.config)?;
        state.read_by(owner, out.files.iter().skip(1).cloned());
        let mut warnings = state.warnings.lock().expect("warnings");
        warnings.extend(out.warnings.into_iter().map(|w| Diagnostic::new("SASS_WARNING", w).with_file(rel)));
        out.css
    } else if let (Some(lang), Some(plugins)) = (lang, plugins) {
        // Less and Stylus: the project's own compiler (the host runs it); what it imported
        // counts as read, as Sass partials do.
        let (additional, options) = state.config.preprocessor_options(rel);
        let mut out =
            nexxo_css::plugins::compile_preprocessed(plugins, lang, path, rel, &read()?, additional, &options)?;
        state.warnings.lock().expect("warnings").append(&mut out.warnings);
        state.read_by(owner, out.dependencies);
        out.css
    } else {
        read()?
    };
    let Some(postcss) = plugins.filter(|p| p.has_postcss()) else {
        warn_postcss(fs, state, rel, &source);
        return Ok(source);
    };
    let mut out = postcss.process(path, rel, &source)?;
    state.warnings.lock().expect("warnings").append(&mut out.warnings);
    state.read_by(owner, out.dependencies.iter().cloned());
    let css = std::mem::take(&mut out.css);
    state.postcss_inputs.lock().expect("postcss inputs").insert(path.to_path_buf(), out);
    Ok(css)
}

/// Warns (once per build) that PostCSS / Tailwind CSS is expected but not run (the host cannot
/// run them): a config file in the root, or Tailwind directives in this sheet.
fn warn_postcss<Fs: FileSystem>(fs: &Fs, state: &BuildState, rel: &str, source: &str) {
    let root = &state.config.root;
    let configs = state.postcss_configs.get_or_init(|| {
        nexxo_css::sass::POSTCSS_CONFIGS.iter().copied().filter(|c| fs.exists(&root.join(c))).collect()
    });
    let mut found: Vec<Diagnostic> = configs
        .iter()
        .map(|c| Diagnostic::new("POSTCSS_NOT_RUN", nexxo_css::sass::postcss_config_warning(c)).with_file(*c))
        .collect();
    if let Some(w) = nexxo_css::sass::needs_postcss(source) {
        found.push(Diagnostic::new("POSTCSS_NOT_RUN", w).with_file(rel));
    }
    let mut warnings = state.warnings.lock().expect("warnings");
    for d in found {
        if !warnings.contains(&d) {
            warnings.push(d);
        }
    }
}
