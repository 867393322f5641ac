//! Nexxo's per-file work as a typed JavaScript API: one TS/JSX module to browser JavaScript (with
//! React Fast Refresh registrations when asked) and one style sheet (CSS modules included) to its
//! printed code and class map; and the HMR update of an edit. The same crates (`nexxo_transform`,
//! `nexxo_css`, `nexxo_hmr`) as `nexxo dev` and the WASI engine; what differs is the boundary:
//! wasm-bindgen passes JS objects in and out (serde-wasm-bindgen) and the TypeScript types are
//! derived from the Rust types below (tsify), where the WASI engine takes and returns JSON text
//! through its own JS host.
//!
//! No resolver runs here: rolldown's needs `Path::is_absolute`, which is false on
//! wasm32-unknown-unknown, so resolution and bundling stay with the WASI engine. The HMR graph
//! ([`HmrGraph`]) needs none either: the caller gives it imports already resolved.

use serde::{Deserialize, Serialize};
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

mod hmr;
pub use hmr::{HmrBoundary, HmrGraph, HmrUpdate};

/// Options of [`transform`].
#[derive(Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct TransformOptions {
    /// Register components with React Fast Refresh (`$RefreshReg$` / `$RefreshSig$`).
    pub react_refresh: bool,
    /// TypeScript's legacy decorators (`experimentalDecorators`).
    pub legacy_decorators: bool,
    /// `emitDecoratorMetadata` (with legacy decorators).
    pub decorator_metadata: bool,
    /// Global replacements, `[name, expression]` as in the build's `define`.
    pub defines: Vec<(String, String)>,
    /// tsconfig's `jsxImportSource`: the automatic JSX runtime's package (`preact`); React when unset.
    pub jsx_import_source: Option<String>,
    /// tsconfig's `jsx: "react"`: the classic runtime, calling `jsxFactory` (`React.createElement`
    /// when unset) and `jsxFragmentFactory`.
    pub jsx_classic: bool,
    pub jsx_factory: Option<String>,
    pub jsx_fragment_factory: Option<String>,
    /// Class fields assigned in the constructor (`useDefineForClassFields: false`).
    pub class_fields_set: bool,
}

/// One import of a transformed module.
#[derive(Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ModuleImport {
    pub specifier: String,
    /// Byte span `[start, end)` of the specifier's string literal in `code`, quotes included.
    pub literal: (u32, u32),
    /// `import()` rather than a static import.
    pub dynamic: bool,
}

/// What [`transform`] returns.
#[derive(Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TransformOutput {
    pub code: String,
    pub imports: Vec<ModuleImport>,
    /// Exported names (`default` for the default export).
    pub exports: Vec<String>,
    /// React Fast Refresh registered at least one component.
    pub has_refresh: bool,
    /// The module calls `import.meta.hot.accept()`.
    pub self_accepting: bool,
    /// Specifiers it accepts updates of (`import.meta.hot.accept("./dep", cb)`).
    pub accepted_deps: Vec<String>,
    /// The module is its own HMR boundary, as `nexxo dev` decides: it self-accepts, or it is a
    /// Fast Refresh module exporting only components (swapped in place). `selfAccepting` of
    /// [`HmrGraph::record`].
    pub hmr_boundary: bool,
}

/// Options of [`compile_css`].
#[derive(Debug, Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", default)]
pub struct CssOptions {
    pub minify: bool,
    /// Scope class names; `undefined` decides by the file name (`*.module.css`), as the build does.
    pub css_module: Option<bool>,
    /// lightningcss pattern for scoped names; default `[name]_[local]_[hash]`.
    pub module_pattern: Option<String>,
    /// esbuild-style targets (`"chrome61"`, `"safari13.1"`): newer syntax is lowered for them.
    pub targets: Vec<String>,
}

/// An `@import` of a style sheet, left for the host to resolve.
#[derive(Debug, Serialize, Tsify)]
pub struct CssImport {
    pub specifier: String,
    pub media: Option<String>,
    pub supports: Option<String>,
    pub line: u32,
}

/// A `url()` of a style sheet: `placeholder` stands in for it in `code` until the host resolves it.
#[derive(Debug, Serialize, Tsify)]
pub struct CssUrl {
    pub url: String,
    pub placeholder: String,
    pub line: u32,
    pub column: u32,
}

/// What [`compile_css`] returns.
#[derive(Debug, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CssOutput {
    pub code: String,
    pub imports: Vec<CssImport>,
    pub urls: Vec<CssUrl>,
    /// CSS-module class map: name to the space-separated scoped classes (local `composes`
    /// included), in order of appearance.
    pub exports: Vec<(String, String)>,
    /// `composes: name from "file"`: `[export, composed name, file]`; the host adds the other
    /// file's classes.
    pub composed_from: Vec<(String, String, String)>,
}

/// What the functions throw on bad input: the same located diagnostic the CLI prints.
#[derive(Debug, Serialize, Tsify)]
pub struct Problem {
    /// Machine-readable kind, e.g. `PARSE_ERROR`, `CSS_SYNTAX`.
    pub code: String,
    pub message: String,
    pub file: Option<String>,
    /// 1-based.
    pub line: Option<u32>,
    /// 1-based, in characters.
    pub column: Option<u32>,
    pub frame: Option<String>,
    pub hint: Option<String>,
}

impl Problem {
    /// A problem with the arguments rather than with a file: no location.
    fn plain(code: &str, message: String, hint: &str) -> Self {
        Problem {
            code: code.into(),
            message,
            file: None,
            line: None,
            column: None,
            frame: None,
            hint: Some(hint.into()),
        }
    }
}

impl From<nexxo_diagnostics::Diagnostic> for Problem {
    fn from(d: nexxo_diagnostics::Diagnostic) -> Self {
        Problem {
            code: d.code.to_string(),
            message: d.message,
            file: d.file,
            line: d.line,
            column: d.column,
            frame: d.frame,
            hint: d.hint,
        }
    }
}

/// Options as given, or a `Problem` naming what is wrong with them. (Deserialized here rather than
/// at the boundary: tsify's own conversion leaks the wasm heap when it fails, tsify issue 65.)
fn options<T>(given: Option<Ts<T>>, function: &str) -> Result<T, JsValue>
where
    T: Tsify + Default + serde::de::DeserializeOwned,
    T::JsType: Clone,
{
    let Some(given) = given else { return Ok(T::default()) };
    given.to_rust().map_err(|e| {
        thrown(Problem::plain(
            "BAD_OPTIONS",
            format!("{function}: the options are not valid: {e}"),
            "see the options' type in nexxo_bindgen.d.ts",
        ))
    })
}

/// A value as the JS object returned.
fn returned<T: Tsify + Serialize>(value: &T) -> Result<Ts<T>, JsValue> {
    value.into_ts().map_err(|e| JsValue::from_str(&e.to_string()))
}

/// A [`Problem`] as the JS value thrown (a plain object, so `code`/`line`/`hint` are readable).
fn thrown(problem: Problem) -> JsValue {
    serde_wasm_bindgen::to_value(&problem).unwrap_or_else(|e| JsValue::from_str(&e.to_string()))
}

/// One TS/JSX/JS module to browser JavaScript; `path` decides the syntax and names the file in
/// errors. Throws a `Problem` on a syntax error.
#[wasm_bindgen]
pub fn transform(
    path: &str,
    source: &str,
    options: Option<Ts<TransformOptions>>,
) -> Result<Ts<TransformOutput>, JsValue> {
    let options: TransformOptions = self::options(options, "transform")?;
    let opts = nexxo_transform::Options {
        react_refresh: options.react_refresh,
        defines: options.defines,
        ts: nexxo_transform::TsOptions {
            experimental_decorators: options.legacy_decorators,
            emit_decorator_metadata: options.decorator_metadata,
            jsx_import_source: options.jsx_import_source,
            jsx_classic: options.jsx_classic,
            jsx_factory: options.jsx_factory,
            jsx_fragment_factory: options.jsx_fragment_factory,
            class_fields_set: options.class_fields_set,
        },
    };
    let module = nexxo_transform::transform(path, source, &opts).map_err(|d| thrown(d.into()))?;
    let hmr_boundary = module.is_hmr_boundary();
    returned(&TransformOutput {
        hmr_boundary,
        imports: module
            .imports
            .into_iter()
            .map(|i| ModuleImport { specifier: i.specifier, literal: i.literal, dynamic: i.dynamic })
            .collect(),
        code: module.code,
        exports: module.exports,
        has_refresh: module.has_refresh,
        self_accepting: module.self_accepting,
        accepted_deps: module.accepted_deps,
    })
}

/// One style sheet: printed code, its `@import`s and `url()`s, and for CSS modules the class map.
/// Throws a `Problem` on a syntax error or an unknown target.
#[wasm_bindgen(js_name = compileCss)]
pub fn compile_css(filename: &str, source: &str, options: Option<Ts<CssOptions>>) -> Result<Ts<CssOutput>, JsValue> {
    let options: CssOptions = self::options(options, "compileCss")?;
    let targets = nexxo_css::browser_targets(&options.targets).map_err(|message| {
        thrown(Problem::plain("CSS_TARGET", message, "targets look like \"chrome61\" or \"safari13.1\""))
    })?;
    let opts = nexxo_css::CssOptions {
        minify: options.minify,
        css_module: options.css_module.unwrap_or_else(|| nexxo_css::is_css_module(filename)),
        module_pattern: options.module_pattern.as_deref(),
        targets,
    };
    let css = nexxo_css::compile(filename, source, &opts).map_err(|d| thrown(d.into()))?;
    returned(&CssOutput {
        code: css.code,
        imports: css
            .imports
            .into_iter()
            .map(|i| CssImport { specifier: i.specifier, media: i.media, supports: i.supports, line: i.line })
            .collect(),
        urls: css
            .urls
            .into_iter()
            .map(|u| CssUrl { url: u.url, placeholder: u.placeholder, line: u.line, column: u.column })
            .collect(),
        exports: css.exports,
        composed_from: css.composed_from,
    })
}
