//! One module at a time, for the dev server: TypeScript and JSX to browser JavaScript with oxc
//! (with React Fast Refresh registrations when asked), plus the list of the module's imports with
//! their exact spans so the server can point each one at a URL.

use std::path::{Path, PathBuf};

use nexxo_diagnostics::Diagnostic;
use oxc::allocator::Allocator;
use oxc::ast::ast::{
    Argument, ArrayExpressionElement, CallExpression, Declaration, Expression, Program, Statement, StringLiteral,
};
use oxc::ast_visit::{Visit, walk};
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::syntax::module_record::{ExportExportName, ImportImportName};
use oxc::transformer::{JsxRuntime, ReactRefreshOptions, TransformOptions, Transformer};
use oxc::transformer_plugins::{ReplaceGlobalDefines, ReplaceGlobalDefinesConfig};
use oxc_sourcemap::SourceMap;

pub mod dynamic_imports;
pub mod glob;
pub mod nesting;
pub mod urls;

/// tsconfig's settings the transform follows (read with the config; see [`Options::ts`]).
pub use nexxo_config::TsOptions;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    /// Register components with React Fast Refresh (`$RefreshReg$` / `$RefreshSig$`).
    pub react_refresh: bool,
    /// Global replacements (`define`, `process.env.NODE_ENV`): expression text as in the build's
    /// `define`, applied by oxc to the syntax tree (not to strings or comments).
    #[serde(default)]
    pub defines: Vec<(String, String)>,
    /// tsconfig's decorator, JSX and class-field settings, as the build has them.
    #[serde(default)]
    pub ts: nexxo_config::TsOptions,
}

impl Options {
    /// Bytes that tell option sets apart in a cache key.
    pub fn key(&self) -> Vec<u8> {
        let ts = &self.ts;
        let mut key = vec![
            u8::from(self.react_refresh),
            u8::from(ts.experimental_decorators),
            u8::from(ts.emit_decorator_metadata),
            u8::from(ts.jsx_classic),
            u8::from(ts.class_fields_set),
        ];
        let jsx = [&ts.jsx_import_source, &ts.jsx_factory, &ts.jsx_fragment_factory];
        let texts = jsx.into_iter().map(|t| t.as_deref().unwrap_or(""));
        for text in self.defines.iter().flat_map(|(name, value)| [name.as_str(), value.as_str()]).chain(texts) {
            key.extend_from_slice(text.as_bytes());
            key.push(0);
        }
        key
    }
}

/// What one import statement of a module names, for CommonJS interop on the served side.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Binding {
    Default(String),
    Namespace(String),
    Named { imported: String, local: String },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    pub specifier: String,
    /// Byte span of the specifier string literal in [`Module::code`], quotes included.
    pub literal: (u32, u32),
    /// For static `import` declarations: the whole statement's span and its bindings.
    pub statement: Option<(u32, u32)>,
    pub bindings: Vec<Binding>,
    pub dynamic: bool,
}

/// Serializable so hosts can keep transformed modules in a persistent cache.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Module {
    pub code: String,
    pub imports: Vec<Import>,
    /// The module calls `import.meta.hot.accept()` (or with a callback): it accepts itself.
    pub self_accepting: bool,
    /// Specifiers it accepts updates of: `import.meta.hot.accept("./dep", cb)` or `(["./a", "./b"], cb)`.
    #[serde(default)]
    pub accepted_deps: Vec<String>,
    /// React Fast Refresh registered at least one component.
    pub has_refresh: bool,
    /// Exported names (`default` for the default export).
    pub exports: Vec<String>,
}

/// How the server wants one import served.
pub enum Target {
    /// Point the specifier at this URL.
    Url(String),
    /// A CommonJS dependency: import its default export and read named bindings off it.
    CommonJs(String),
    /// Leave it alone.
    Keep,
}

/// Rewrites the module's imports as `target` says. Edits are applied back to front so spans stay valid.
pub fn rewrite(module: &Module, mut target: impl FnMut(&Import) -> Target) -> String {
    let mut code = module.code.clone();
    let mut cjs_index = 0;
    for imp in module.imports.iter().rev() {
        match target(imp) {
            Target::Keep => {}
            Target::Url(url) => {
                let (s, e) = (imp.literal.0 as usize, imp.literal.1 as usize);
                code.replace_range(s..e, &format!("{url:?}"));
            }
            Target::CommonJs(url) => match imp.statement {
                Some((s, e)) if !imp.dynamic => {
                    let ns = format!("__nexxo_cjs{cjs_index}");
                    cjs_index += 1;
                    let mut out = format!("import {ns} from {url:?};");
                    for b in &imp.bindings {
                        match b {
                            Binding::Default(local) => out
                                .push_str(&format!(" const {local} = {ns} && {ns}.__esModule ? {ns}.default : {ns};")),
                            Binding::Namespace(local) => out.push_str(&format!(" const {local} = {ns};")),
                            Binding::Named { imported, local } => {
                                out.push_str(&format!(" const {local} = {ns}[{imported:?}];"))
                            }
                        }
                    }
                    code.replace_range(s as usize..e as usize, &out);
                }
                _ => {
                    let (s, e) = (imp.literal.0 as usize, imp.literal.1 as usize);
                    code.replace_range(s..e, &format!("{url:?}"));
                }
            },
        }
    }
    code
}

/// The syntax of `path`: its extension, or for a virtual module whose path has none it knows (a
/// page's inline script, `index.html?html-proxy&index=0.ts`), the extension its query ends with.
fn source_type(path: &str) -> SourceType {
    SourceType::from_path(Path::new(path.split('?').next().unwrap_or(path)))
        .or_else(|_| SourceType::from_path(Path::new(path)))
        .unwrap_or_default()
        .with_module(true)
}

/// `export class {}` / `export function () {}`: not JavaScript, yet oxc 0.156's TypeScript parser
/// accepts a malformed decorated export (`export@m n{}`, found by the fuzzer) as one, without a
/// diagnostic, and its module runner transform then panics on the missing name. Refused as a
/// syntax error at the declaration.
fn unnamed_export(program: &Program<'_>) -> Option<oxc::diagnostics::OxcDiagnostic> {
    program.body.iter().find_map(|stmt| {
        let Statement::ExportDeclaration(e) = stmt else { return None };
        let span = match &e.declaration {
            Declaration::ClassDeclaration(c) if c.id.is_none() => c.span,
            Declaration::FunctionDeclaration(f) if f.id.is_none() => f.span,
            _ => return None,
        };
        Some(
            oxc::diagnostics::OxcDiagnostic::error("an exported class or function declaration needs a name")
                .with_label(span),
        )
    })
}

fn parse_error(filename: &str, source: &str, errors: &[oxc::diagnostics::OxcDiagnostic]) -> Diagnostic {
    let e = &errors[0];
    let mut d = Diagnostic::new("PARSE_ERROR", e.to_string()).with_file(filename);
    if let Some(label) = e.labels.first() {
        d = d.at_offset(source, label.offset() as usize);
    }
    d.with_hint("fix the syntax error; the page updates on the next save")
}

/// Transforms one module. `filename` is shown in errors and decides the syntax (ts, tsx, jsx).
pub fn transform(filename: &str, source: &str, opts: &Options) -> Result<Module, Diagnostic> {
    let code = transform_code(filename, source, opts, false)?.0;
    let has_refresh = opts.react_refresh && code.contains("$RefreshReg$(");
    // The nesting guard already passed on `source`, and codegen prints no deeper than it parsed.
    scan_parsed(filename, code, has_refresh).map_err(|d| located_in_source(filename, source, opts, d))
}

/// An error [`scan`] found in the code [`transform_code`] generated, located in the user's
/// `source` through that code's source map. oxc checks some rules only in JavaScript (a name
/// exported twice: not in TypeScript, whose type and value exports may share a name), so in a
/// `.ts` file such an error first shows in the generated code, whose lines are not the user's.
/// Without a mapping the error keeps the file only: a position in text the user never wrote
/// would point at the wrong line.
fn located_in_source(filename: &str, source: &str, opts: &Options, d: Diagnostic) -> Diagnostic {
    let (Some(line), Some(column)) = (d.line, d.column) else { return d };
    let unlocated = Diagnostic { line: None, column: None, frame: None, ..d };
    let Ok((code, Some(map))) = transform_code(filename, source, opts, true) else { return unlocated };
    // The map counts UTF-16 columns; the diagnostic characters (codegen writes `\n` line breaks).
    let text = nexxo_diagnostics::lines(&code).nth(line as usize - 1).unwrap_or_default();
    let utf16_column: usize = text.chars().take(column as usize - 1).map(char::len_utf16).sum();
    let table = map.generate_lookup_table();
    let Some(token) = map.lookup_token(&table, line - 1, utf16_column as u32) else { return unlocated };
    match js_offset(source, token.get_src_line(), token.get_src_col()) {
        Some(offset) => unlocated.at_offset(source, offset),
        None => unlocated,
    }
}

/// The byte offset of a source-map position in `source`: 0-based `line`, counted by JavaScript's
/// line terminators as oxc's codegen counts them for its maps (`\r\n`, `\r`, `\n`, U+2028,
/// U+2029), and 0-based `utf16_column`. `None` when past the end.
fn js_offset(source: &str, line: u32, utf16_column: u32) -> Option<usize> {
    let mut start = 0usize;
    let mut chars = source.char_indices().peekable();
    let mut current = 0u32;
    while current < line {
        let (i, c) = chars.next()?;
        match c {
            '\r' if chars.peek().is_some_and(|(_, n)| *n == '\n') => {
                chars.next();
                start = i + 2;
            }
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => start = i + c.len_utf8(),
            _ => continue,
        }
        current += 1;
    }
    let mut units = 0u32;
    for (i, c) in source.get(start..)?.char_indices() {
        if units >= utf16_column || matches!(c, '\r' | '\n' | '\u{2028}' | '\u{2029}') {
            return Some(start + i);
        }
        units += c.len_utf16() as u32;
    }
    Some(source.len())
}

/// The code [`transform`] generates, and when `with_map`, its source map to `source`.
fn transform_code(
    filename: &str,
    source: &str,
    opts: &Options,
    with_map: bool,
) -> Result<(String, Option<SourceMap<'static>>), Diagnostic> {
    nesting::check(filename, source)?;
    let allocator = Allocator::default();
    let st = source_type(filename);
    let parsed = Parser::new(&allocator, source, st).parse();
    if !parsed.diagnostics.is_empty() {
        let errors: Vec<_> = parsed.diagnostics.into_iter().collect();
        return Err(parse_error(filename, source, &errors));
    }
    if let Some(e) = unnamed_export(&parsed.program) {
        return Err(parse_error(filename, source, &[e]));
    }
    let mut program = parsed.program;
    let scoping = SemanticBuilder::new().build(&program).semantic.into_scoping();
    let mut options = TransformOptions::default();
    let ts = &opts.ts;
    options.jsx.runtime = if ts.jsx_classic { JsxRuntime::Classic } else { JsxRuntime::Automatic };
    options.jsx.development = true;
    options.jsx.import_source.clone_from(&ts.jsx_import_source);
    options.jsx.pragma.clone_from(&ts.jsx_factory);
    options.jsx.pragma_frag.clone_from(&ts.jsx_fragment_factory);
    if opts.react_refresh && (st.is_jsx() || st.is_typescript()) {
        options.jsx.refresh = Some(ReactRefreshOptions::default());
    }
    if ts.class_fields_set {
        // What rolldown does for the build from the same tsconfig, plus the lowering that turns
        // the fields into constructor assignments (the build's target may lower them anyway).
        options.assumptions.set_public_class_fields = true;
        options.typescript.remove_class_fields_without_initializer = true;
        options.env.es2022.class_properties = Some(oxc::transformer::ClassPropertiesOptions { loose: true });
    }
    options.decorator.legacy = ts.experimental_decorators;
    options.decorator.emit_decorator_metadata = ts.experimental_decorators && ts.emit_decorator_metadata;
    let ret = Transformer::new(&allocator, Path::new(filename), &options).build_with_scoping(scoping, &mut program);
    let errors: Vec<_> =
        ret.diagnostics.into_iter().filter(|d| d.severity == oxc::diagnostics::Severity::Error).collect();
    if !errors.is_empty() {
        return Err(parse_error(filename, source, &errors));
    }
    if !opts.defines.is_empty() {
        let config = ReplaceGlobalDefinesConfig::new(&opts.defines).map_err(|e| {
            let why = e.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            Diagnostic::new("INVALID_DEFINE", format!("`define` in nexxo.config.json: {why}"))
                .with_hint("each value is an expression: a string needs its own quotes (\"\\\"1.0\\\"\")")
        })?;
        // The tree is all codegen needs from here; the updated scoping is not used.
        let _ = ReplaceGlobalDefines::new(&allocator, config).build(ret.scoping, &mut program);
    }
    let ret = Codegen::new().with_options(codegen_options(filename, with_map)).build(&program);
    Ok((ret.code, ret.map.map(SourceMap::into_owned)))
}

fn codegen_options(filename: &str, with_map: bool) -> CodegenOptions {
    CodegenOptions { source_map_path: with_map.then(|| PathBuf::from(filename)), ..CodegenOptions::default() }
}

/// Lists the imports of plain JavaScript (already transformed, or served as is).
pub fn scan(filename: &str, code: String, has_refresh: bool) -> Result<Module, Diagnostic> {
    nesting::check(filename, &code)?;
    scan_parsed(filename, code, has_refresh)
}

/// [`scan`] without the nesting guard, for code whose source already passed it.
fn scan_parsed(filename: &str, code: String, has_refresh: bool) -> Result<Module, Diagnostic> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, &code, SourceType::mjs()).parse();
    if !parsed.diagnostics.is_empty() {
        let errors: Vec<_> = parsed.diagnostics.into_iter().collect();
        return Err(parse_error(filename, &code, &errors));
    }
    let record = &parsed.module_record;
    let mut imports: Vec<Import> = Vec::new();
    for (specifier, requests) in &record.requested_modules {
        for r in requests {
            if r.is_type {
                continue;
            }
            imports.push(Import {
                specifier: specifier.to_string(),
                literal: (r.span.start, r.span.end),
                statement: None,
                bindings: Vec::new(),
                dynamic: false,
            });
        }
    }
    for entry in &record.import_entries {
        let span = entry.module_request.span;
        let Some(imp) = imports.iter_mut().find(|i| i.literal == (span.start, span.end)) else { continue };
        imp.statement = Some((entry.statement_span.start, entry.statement_span.end));
        let local = entry.local_name.name.to_string();
        imp.bindings.push(match &entry.import_name {
            ImportImportName::Default(_) => Binding::Default(local),
            ImportImportName::NamespaceObject => Binding::Namespace(local),
            ImportImportName::Name(n) => Binding::Named { imported: n.name.to_string(), local },
        });
    }
    for d in &record.dynamic_imports {
        let (s, e) = (d.module_request.start as usize, d.module_request.end as usize);
        #[expect(
            clippy::string_slice,
            reason = "the span of a string or template oxc parsed from `code`: char boundaries"
        )]
        let text = &code[s..e];
        let quoted = text.len() >= 2
            && matches!(text.as_bytes()[0], b'"' | b'\'' | b'`')
            && text.as_bytes()[0] == text.as_bytes()[text.len() - 1]
            && !text.contains("${");
        if quoted {
            #[expect(clippy::string_slice, reason = "inside the quotes: the first and last bytes are ASCII quotes")]
            let specifier = text[1..text.len() - 1].to_string();
            imports.push(Import {
                specifier,
                literal: (d.module_request.start, d.module_request.end),
                statement: None,
                bindings: Vec::new(),
                dynamic: true,
            });
        }
    }
    imports.sort_by_key(|i| i.literal.0);
    let accepts = hot_accepts_in(&parsed.program);
    let self_accepting = accepts.iter().any(|a| a.is_none());
    let accepted_deps = accepts.into_iter().flatten().flat_map(|deps| deps.into_iter().map(|d| d.1)).collect();
    let mut exports: Vec<String> = record.exported_bindings.keys().map(|k| k.to_string()).collect();
    for e in record.local_export_entries.iter().chain(record.indirect_export_entries.iter()) {
        match &e.export_name {
            ExportExportName::Name(n) => exports.push(n.name.to_string()),
            ExportExportName::Default(_) => exports.push("default".into()),
            ExportExportName::Null => {}
        }
    }
    if !record.star_export_entries.is_empty() {
        exports.push("*".into());
    }
    exports.sort();
    exports.dedup();
    Ok(Module { code, imports, self_accepting, accepted_deps, has_refresh, exports })
}

/// The dependencies one `accept` call names: each specifier with the byte span of its literal.
pub type AcceptedDeps = Vec<((usize, usize), String)>;

/// Every `import.meta.hot.accept(...)` call in `code` (plain JavaScript): `None` when it accepts
/// the module itself (no argument or a callback), else the dependency string literals it names
/// with their byte spans (quotes included). Read off the AST, so strings, comments and any
/// Unicode around a call cannot be mistaken for one.
pub fn hot_accepts(code: &str) -> Vec<Option<AcceptedDeps>> {
    // Too deep to parse in reasonable time: `scan` refuses the module anyway.
    if !code.contains("accept") || nesting::check("", code).is_err() {
        return Vec::new();
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, code, SourceType::mjs()).parse();
    hot_accepts_in(&parsed.program)
}

fn hot_accepts_in(program: &Program<'_>) -> Vec<Option<AcceptedDeps>> {
    let mut visitor = AcceptCalls::default();
    visitor.visit_program(program);
    visitor.found
}

#[derive(Default)]
struct AcceptCalls {
    found: Vec<Option<AcceptedDeps>>,
}

impl<'a> Visit<'a> for AcceptCalls {
    fn visit_call_expression(&mut self, call: &CallExpression<'a>) {
        if is_hot_accept(&call.callee) {
            // A specifier with a lone surrogate names no file: skip it.
            let literal = |s: &StringLiteral<'_>| {
                Some(((s.span.start as usize, s.span.end as usize), s.value.as_str()?.to_string()))
            };
            let deps: AcceptedDeps = match call.arguments.first() {
                Some(Argument::StringLiteral(s)) => literal(s).into_iter().collect(),
                Some(Argument::ArrayExpression(a)) => a
                    .elements
                    .iter()
                    .filter_map(|e| match e {
                        ArrayExpressionElement::StringLiteral(s) => literal(s),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            self.found.push(if deps.is_empty() { None } else { Some(deps) });
        }
        walk::walk_call_expression(self, call);
    }
}

/// `import.meta.hot.accept` as a callee.
fn is_hot_accept(callee: &Expression<'_>) -> bool {
    let Expression::StaticMemberExpression(accept) = callee else { return false };
    let Expression::StaticMemberExpression(hot) = &accept.object else { return false };
    accept.property.name == "accept" && hot.property.name == "hot" && matches!(hot.object, Expression::ImportMeta(_))
}

impl Module {
    /// Exports only components (capitalized names or a default): React Fast Refresh can swap it
    /// in place, so the module is its own HMR boundary.
    pub fn is_component_module(&self) -> bool {
        !self.exports.is_empty()
            && self.exports.iter().all(|e| e == "default" || e.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
    }

    /// An update of this module stops here: it accepts itself, or Fast Refresh swaps its
    /// components in place. The rule every HMR host (dev server, wasm-bindgen module) uses.
    pub fn is_hmr_boundary(&self) -> bool {
        self.self_accepting || (self.has_refresh && self.is_component_module())
    }
}

/// Rewrites an ES module (already plain JavaScript) for an in-page module runner: imports become
/// `await __vite_ssr_import__(specifier)`, exports become properties of `__vite_ssr_exports__`,
/// `import.meta` becomes `__vite_ssr_import_meta__` (the names Vite's module runner uses). The
/// result is the body of an async function, so a runtime can re-run a module on every update,
/// which native ESM cannot do in a page without a server.
pub fn to_runner(filename: &str, code: &str) -> Result<String, Diagnostic> {
    Ok(runner_code(filename, code, false)?.0)
}

/// The code [`to_runner`] generates, and when `with_map`, its source map to `code`.
fn runner_code(filename: &str, code: &str, with_map: bool) -> Result<(String, Option<SourceMap<'static>>), Diagnostic> {
    nesting::check(filename, code)?;
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, code, SourceType::mjs()).parse();
    if !parsed.diagnostics.is_empty() {
        let errors: Vec<_> = parsed.diagnostics.into_iter().collect();
        return Err(parse_error(filename, code, &errors));
    }
    if let Some(e) = unnamed_export(&parsed.program) {
        return Err(parse_error(filename, code, &[e]));
    }
    let mut program = parsed.program;
    let scoping = SemanticBuilder::new().build(&program).semantic.into_scoping();
    oxc::transformer_plugins::ModuleRunnerTransform::new().transform(&allocator, &mut program, scoping);
    let ret = Codegen::new().with_options(codegen_options(filename, with_map)).build(&program);
    Ok((ret.code, ret.map.map(SourceMap::into_owned)))
}

/// Source maps for what the dev server sends, built only when a browser's developer tools ask:
/// they cost a second transform, which the hot path never pays.
pub mod maps {
    use oxc_sourcemap::{ConcatSourceMapBuilder, SourceMap};

    use super::{Diagnostic, Options};

    /// A source map from served code back to the original source.
    pub struct Map(SourceMap<'static>);

    impl Map {
        /// `lines` more lines in front of the mapped code.
        #[must_use]
        pub fn shifted(self, lines: u32) -> Self {
            if lines == 0 {
                return self;
            }
            Self(ConcatSourceMapBuilder::from_owned_sourcemaps(vec![(self.0, lines)]).into_sourcemap())
        }

        pub fn to_json(&self) -> String {
            self.0.to_json_string()
        }
    }

    /// The map of [`super::transform`]'s code for `source` (import rewrites keep its lines), naming
    /// the source `source_url`, where the browser finds it.
    pub fn module(filename: &str, source_url: &str, source: &str, opts: &Options) -> Result<Map, Diagnostic> {
        let (_, map) = super::transform_code(filename, source, opts, true)?;
        let mut map = map.expect("codegen map requested");
        map.set_sources([source_url]);
        Ok(Map(map))
    }

    /// The map of [`super::to_runner`]'s code for `served`, whose own map is `served_map`.
    pub fn runner(filename: &str, served: &str, served_map: Map) -> Result<Map, Diagnostic> {
        let (_, map) = super::runner_code(filename, served, true)?;
        Ok(Map(map.expect("codegen map requested").compose(served_map.0)))
    }

    /// Maps of code pieces concatenated into one script, each with the line it starts at.
    pub fn concat(parts: Vec<(Map, u32)>) -> Map {
        Map(ConcatSourceMapBuilder::from_owned_sourcemaps(parts.into_iter().map(|(m, l)| (m.0, l)).collect())
            .into_sourcemap())
    }
}

#[cfg(test)]
#[allow(clippy::string_slice, reason = "tests slice at spans the code under test returned")]
mod tests {
    use super::*;

    #[test]
    fn errors_found_in_generated_code_are_located_in_the_users_file() {
        // oxc checks duplicate exports only once the TypeScript is JavaScript.
        for src in
            ["//\rexport{gen}\rexport{gen}", "//\nexport{gen}\nexport{gen}", "const 日 = 1;\r\nexport{日};export{日}"]
        {
            let e = transform("src/a.ts", src, &Options::default()).unwrap_err();
            assert!(e.message.contains("Duplicated export"), "{e}");
            let line = e.line.expect("located");
            let text = nexxo_diagnostics::lines(src).nth(line as usize - 1).unwrap();
            let frame = e.frame.as_deref().unwrap();
            assert!(frame.contains(&format!("> {line} | {text}")), "{e}");
            assert!(text.contains("export{"), "{e}");
        }
        assert_eq!(js_offset("a\r\u{2028}b\r\nc", 2, 0), Some(5));
        assert_eq!(js_offset("a\r\u{2028}b\r\nc", 3, 0), Some(8));
        assert_eq!(js_offset("a", 3, 0), None);
    }

    #[test]
    fn transforms_tsx_and_lists_imports() {
        let src = r#"import React, { useState as useS } from "react";
import * as utils from "./utils";
import type { T } from "./types";
import "./style.css";
export function App(): JSX.Element { const [n] = useS<number>(0); return <p>{n}{utils.x}</p>; }
const lazy = () => import("./lazy");
"#;
        let m = transform("src/App.tsx", src, &Options { react_refresh: true, ..Default::default() }).unwrap();
        let specs: Vec<&str> = m.imports.iter().map(|i| i.specifier.as_str()).collect();
        assert!(specs.contains(&"react") && specs.contains(&"./utils") && specs.contains(&"./style.css"), "{specs:?}");
        assert!(specs.contains(&"./lazy") && !specs.contains(&"./types"), "{specs:?}");
        assert!(specs.contains(&"react/jsx-dev-runtime"), "{specs:?}");
        let react = m.imports.iter().find(|i| i.specifier == "react").unwrap();
        assert!(react.bindings.contains(&Binding::Default("React".into())));
        assert!(react.bindings.contains(&Binding::Named { imported: "useState".into(), local: "useS".into() }));
        for i in &m.imports {
            let lit = &m.code[i.literal.0 as usize..i.literal.1 as usize];
            assert_eq!(&lit[1..lit.len() - 1], i.specifier);
        }
        assert!(m.has_refresh && m.code.contains("$RefreshReg$"), "{}", m.code);
        assert!(m.is_component_module());
        assert!(!m.code.contains("useS<number>"));
        assert_eq!(m.exports, vec!["App".to_string()]);
        let out = rewrite(&m, |i| match i.specifier.as_str() {
            "react" => Target::CommonJs("/@deps/react.js".into()),
            "./lazy" => Target::Url("/src/lazy.ts".into()),
            _ => Target::Keep,
        });
        assert!(out.contains(r#"import __nexxo_cjs0 from "/@deps/react.js";"#), "{out}");
        assert!(out.contains(r#"const useS = __nexxo_cjs0["useState"];"#), "{out}");
        assert!(out.contains(r#"import("/src/lazy.ts")"#), "{out}");
    }

    #[test]
    fn defines_replace_expressions_not_strings() {
        let opts = Options {
            defines: vec![
                ("process.env.NODE_ENV".into(), "\"development\"".into()),
                ("__V__".into(), "\"1.2.3\"".into()),
            ],
            ..Default::default()
        };
        let m =
            transform("src/a.ts", "export const x = [process.env.NODE_ENV, __V__, 'process.env.NODE_ENV'];\n", &opts)
                .unwrap();
        assert!(m.code.contains("\"development\""), "{}", m.code);
        assert!(m.code.contains("\"1.2.3\""), "{}", m.code);
        assert!(m.code.contains("\"process.env.NODE_ENV\""), "{}", m.code);
        let bad = Options { defines: vec![("__V__".into(), "1 +".into())], ..Default::default() };
        assert_eq!(transform("src/a.ts", "export const x = __V__;\n", &bad).unwrap_err().code, "INVALID_DEFINE");
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = transform("src/a.ts", "const a = 1;\nconst b: = 2;\n", &Options::default()).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.frame.is_some());
        // After multi-byte text on the line (`中`, an ideographic space, an emoji): a column in characters.
        let e =
            transform("src/a.ts", "const a = '\u{e9}';\nconst \u{4e2d} =\u{3000}'\u{1f600}' +;\n", &Options::default())
                .unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(16)), "{e}");
    }

    #[test]
    fn an_unnamed_exported_class_is_a_located_error_not_a_panic() {
        // A fuzz find: oxc's TypeScript parser reads this as `export @m class { 名前 }`.
        let e = transform("a.ts", "export@m n{名前}", &Options::default()).unwrap_err();
        assert!(e.message.contains("needs a name"), "{e}");
        assert_eq!(e.line, Some(1), "{e}");
        let e = to_runner("/a.js", "export @m class {\n\t名前;\n}\n").unwrap_err();
        assert!(e.message.contains("needs a name"), "{e}");
    }

    #[test]
    fn runner_form_routes_imports_and_exports_through_the_runtime() {
        let code = "import { a } from './a.js';\nexport const b = a + 1;\nexport default function C() {}\n";
        let out = to_runner("m.js", code).unwrap();
        assert!(out.contains("__vite_ssr_import__(\"./a.js\""), "{out}");
        assert!(out.contains("__vite_ssr_exports__"), "{out}");
        assert!(!out.contains("import {"), "{out}");
    }

    #[test]
    fn hot_accept_calls_are_told_apart() {
        let code = "import.meta.hot.accept();\nimport.meta.hot.accept(\"./a.ts\", (m) => {});\nimport.meta.hot.accept([\"./b.ts\", \"./c.ts\"], cb);\n";
        let found = hot_accepts(code);
        assert_eq!(found.len(), 3);
        assert!(found[0].is_none());
        let a = found[1].as_ref().unwrap();
        assert_eq!(a[0].1, "./a.ts");
        assert_eq!(&code[a[0].0.0..a[0].0.1], "\"./a.ts\"");
        let bc: Vec<&str> = found[2].as_ref().unwrap().iter().map(|d| d.1.as_str()).collect();
        assert_eq!(bc, ["./b.ts", "./c.ts"]);
        let m = scan("m.js", code.to_string(), false).unwrap();
        assert!(m.self_accepting);
        assert_eq!(m.accepted_deps, ["./a.ts", "./b.ts", "./c.ts"]);
        let only_deps = scan("m.js", "import.meta.hot.accept(\"./a.ts\", cb);".into(), false).unwrap();
        assert!(!only_deps.self_accepting);
        // Text that only looks like a call, followed by multi-byte whitespace (U+3000) once panicked.
        let tricky = "const s = \"import.meta.hot.accept(\u{3000}\";\n// import.meta.hot.accept(\"./x\")\n";
        assert!(hot_accepts(tricky).is_empty());
        let real = "import.meta.hot.accept(\u{3000}\"./日本.ts\", cb);";
        let found = hot_accepts(real);
        let dep = &found[0].as_ref().unwrap()[0];
        assert_eq!(dep.1, "./日本.ts");
        assert_eq!(&real[dep.0.0..dep.0.1], "\"./日本.ts\"");
    }
}
