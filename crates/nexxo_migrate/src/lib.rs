//! `nexxo migrate`'s translation: a Vite config file's text in, `nexxo.config.json`'s text and a
//! list of located notes (what could not be translated, and why) out. No file system, no clock:
//! the host reads the file and writes the result.
//!
//! The config is read as data, never run: oxc parses it, and only literals (and the few path
//! helpers every Vite template uses, such as `path.resolve(__dirname, 'src')`) are translated.
//! Whatever needs JavaScript to run (plugins, functions, `process.env`, spreads) becomes a note.

mod chunks;
mod lib_mode;
mod load;
mod minify;
mod output;
mod paths;
mod proxy;

pub use load::{Loaded, RunConfig, is_config_source, load_config};

use std::collections::HashMap;

use nexxo_diagnostics::Diagnostic;
use oxc::allocator::Allocator;
use oxc::ast::ast::{
    Argument, ArrayExpressionElement, ArrowFunctionExpression, BindingPattern, CallExpression,
    ExportDefaultDeclarationKind, Expression, FunctionBody, ImportDeclarationSpecifier, ObjectExpression,
    ObjectPropertyKind, PropertyKind, Statement, UnaryOperator,
};
use oxc::parser::Parser;
use oxc::span::{GetSpan, SourceType, Span};
use serde_json::Value;

use output::Obj;

/// Where Vite looks for its config, in Vite's order (`DEFAULT_CONFIG_FILES`).
pub const VITE_CONFIG_FILES: [&str; 6] =
    ["vite.config.js", "vite.config.mjs", "vite.config.ts", "vite.config.cjs", "vite.config.mts", "vite.config.cts"];

/// Something of the Vite config that was not translated (or was translated with a caveat).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    /// Starts with what the note is about ([`Note::subject`]).
    pub message: String,
    pub kind: NoteKind,
    /// The part is code (a spread, a function, `process.env.X`, a call): running the config, as
    /// Vite does, gives its value, where reading it as data cannot.
    pub code: bool,
}

/// What a note means for the app: whether Nexxo, without this part of the Vite config, still
/// builds what Vite builds. It lets nexxo build/dev/preview stay silent about a Vite config whose
/// every part Nexxo does anyway (the create-vite templates' `plugins: [react()]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Nothing is lost: Nexxo does it itself (plugin `react()`, `vite-tsconfig-paths`,
    /// `optimizeDeps`), or it is read by another tool (`test`, Vitest's).
    BuiltIn,
    /// Translated, with a caveat (a config function's object, `build.minify: "terser"`).
    Caveat,
    /// Not translated: Nexxo behaves differently from Vite here.
    NotTranslated,
}

impl Note {
    /// What the note is about: its message up to the first closing backquote (every message
    /// names its subject first: "plugin `legacy()`", "`server.open`"), or the whole message.
    pub fn subject(&self) -> &str {
        let m = &self.message;
        let end = m.find('`').and_then(|open| m.get(open + 1..)?.find('`').map(|close| open + 1 + close + 1));
        end.and_then(|end| m.get(..end)).unwrap_or(m)
    }
}

#[derive(Debug, Clone)]
pub struct Migration {
    /// The text of `nexxo.config.json` (pretty-printed, fields in the order the Vite config wrote
    /// them); it passes Nexxo's own config validation.
    pub json: String,
    /// How many fields were translated.
    pub fields: usize,
    /// The Vite options translated, as Vite names them (`base`, `resolve.alias`,
    /// `build.rollupOptions.input`), once each, in the order the config wrote them: what Nexxo
    /// does differently while it does not read the Vite config.
    pub translated: Vec<String>,
    pub notes: Vec<Note>,
}

/// Translates the Vite config `source`. `file` names it in messages and decides its syntax (`.ts`
/// and `.mts` are TypeScript). An error means nothing could be translated: the file does not
/// parse, exports no config, or its config is code rather than data.
pub fn migrate(file: &str, source: &str) -> Result<Migration, Diagnostic> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(file.replace(".cts", ".ts").replace(".cjs", ".js"))
        .unwrap_or_else(|_| SourceType::ts())
        .with_module(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if let Some(e) = parsed.diagnostics.first() {
        let at = e.labels.first().map_or(0, |l| l.offset());
        let (line, col) = byte_line_col(source, at);
        return Err(Diagnostic::new("MIGRATE_SYNTAX", format!("cannot parse the Vite config: {}", e.message))
            .with_file(file)
            .at(source, line, col)
            .with_hint("fix the syntax error (does `vite build` accept this file?), then run nexxo migrate again"));
    }
    let mut cx = Cx {
        file,
        source,
        imports: HashMap::new(),
        consts: HashMap::new(),
        notes: Vec::new(),
        fields: 0,
        translated: Vec::new(),
    };
    let mut exported: Option<&Expression<'_>> = None;
    let mut export_span = Span::default();
    for stmt in &parsed.program.body {
        match stmt {
            Statement::ImportDeclaration(decl) => {
                for spec in decl.specifiers.iter().flatten() {
                    let local = match spec {
                        ImportDeclarationSpecifier::ImportSpecifier(s) => s.local.name.as_str(),
                        ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => s.local.name.as_str(),
                        ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => s.local.name.as_str(),
                    };
                    cx.imports.insert(local.to_string(), decl.source.value.display().to_string());
                }
            }
            Statement::VariableDeclaration(decl) => {
                for d in &decl.declarations {
                    let (BindingPattern::BindingIdentifier(id), Some(init)) = (&d.id, &d.init) else { continue };
                    // `const path = require('node:path')` is an import too.
                    if let Some(module) = require_source(init) {
                        cx.imports.insert(id.name.to_string(), module);
                    } else if decl.kind.is_const() {
                        cx.consts.insert(id.name.to_string(), init);
                    }
                }
            }
            Statement::ExportDefaultDeclaration(decl) => {
                export_span = decl.span;
                match &decl.declaration {
                    ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                        return Err(cx.not_data(f.span, "the default export is a function"));
                    }
                    kind => match kind.as_expression() {
                        Some(e) => exported = Some(e),
                        None => return Err(cx.not_data(decl.span, "the default export is not a config object")),
                    },
                }
            }
            Statement::ExpressionStatement(s) => {
                if let Expression::AssignmentExpression(a) = s.expression.get_inner_expression()
                    && a.left.as_member_expression().is_some_and(|m| m.is_specific_member_access("module", "exports"))
                {
                    export_span = a.span;
                    exported = Some(&a.right);
                }
            }
            _ => {}
        }
    }
    let Some(exported) = exported else {
        return Err(Diagnostic::new("MIGRATE_NO_EXPORT", "the Vite config exports nothing").with_file(file).with_hint(
            "a Vite config ends with `export default defineConfig({ ... })` (or `module.exports = { ... }`)",
        ));
    };
    let _ = export_span;
    let config = cx.config_object(exported, 0)?;
    let mut out = Obj::default();
    cx.top_level(config, &mut out);
    out.prune();
    let json = out.render();
    // What is written must be what Nexxo reads: a translation it would reject is a bug here.
    if let Err(e) = nexxo_config::parse_config(nexxo_config::CONFIG_FILE, &json) {
        return Err(Diagnostic::new(
            "MIGRATE_INTERNAL",
            format!("the translated config is invalid ({e}); this is a bug in nexxo migrate"),
        )
        .with_file(file));
    }
    Ok(Migration { json, fields: cx.fields, translated: cx.translated, notes: cx.notes })
}

/// How many untranslatable parts [`report`] names before "and N more".
const LOST_LISTED: usize = 4;

/// What nexxo build/dev/preview say about the Vite config they run with (the project has no
/// nexxo.config.json). `file` is the config's name as the user should see it; `translation` is
/// [`migrate`]'s answer for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViteConfigReport {
    /// What was applied ("vite.config.ts: base, resolve.alias"); `None` when nothing was.
    pub applied: Option<String>,
    /// What Vite would do and Nexxo will not: the parts that cannot be translated, located, or
    /// why the config could not be read at all. `None` when Nexxo builds what Vite builds
    /// (every note built in, as with the create-vite templates' `plugins: [react()]`).
    pub warning: Option<String>,
}

/// The [`ViteConfigReport`] of `file`'s translation (read as data).
pub fn report(file: &str, translation: &Result<Migration, Diagnostic>) -> ViteConfigReport {
    let m = match translation {
        Ok(m) => m,
        // Not an error for the build: Nexxo runs without the Vite config, but what it sets is
        // not applied, and the user should know.
        Err(d) => {
            let at = d.location().map(|l| format!(" ({l})")).unwrap_or_default();
            return ViteConfigReport {
                applied: None,
                warning: Some(format!(
                    "{file} is not read: {}{at}\n  if the app needs what it sets, write nexxo.config.json (README, \
                     \"Migrating from Vite\")",
                    d.message
                )),
            };
        }
    };
    let applied = (!m.translated.is_empty())
        .then(|| format!("{file} (as `nexxo migrate` translates it): {}", m.translated.join(", ")));
    let warning = lost_warning(file, m, |n| format!("{} ({file}:{}:{})", n.subject(), n.line, n.column))
        .map(|w| format!("{w}\n  `nexxo migrate --dry-run` explains each part"));
    ViteConfigReport { applied, warning }
}

/// The [`ViteConfigReport`] of a config that was run (as Vite runs it) and then translated:
/// `translation` is [`migrate`]'s answer for the object the run returned, whose text is not the
/// user's, so nothing is located.
pub fn report_run(file: &str, translation: &Result<Migration, Diagnostic>) -> ViteConfigReport {
    match translation {
        Ok(m) => ViteConfigReport {
            applied: (!m.translated.is_empty())
                .then(|| format!("{file} (run with Node.js, as Vite does): {}", m.translated.join(", "))),
            warning: lost_warning(file, m, |n| n.subject().to_string()),
        },
        Err(d) => ViteConfigReport {
            applied: None,
            warning: Some(format!("{file} is not read: what it returned {}", d.message)),
        },
    }
}

/// "`file`: Nexxo runs without what it cannot translate: ..." naming the untranslated parts
/// (`name` of each), or `None` when there are none.
fn lost_warning(file: &str, m: &Migration, name: impl Fn(&Note) -> String) -> Option<String> {
    let lost: Vec<&Note> = m.notes.iter().filter(|n| n.kind == NoteKind::NotTranslated).collect();
    if lost.is_empty() {
        return None;
    }
    let mut listed: Vec<String> = lost.iter().take(LOST_LISTED).map(|n| name(n)).collect();
    if lost.len() > LOST_LISTED {
        listed.push(format!("and {} more", lost.len() - LOST_LISTED));
    }
    Some(format!("{file}: Nexxo runs without what it cannot translate: {}", listed.join(", ")))
}

/// Whether running the config (as Vite does) would give Nexxo more than reading it as data: it
/// is code (a function with statements), or some of its values are.
pub fn needs_run(translation: &Result<Migration, Diagnostic>) -> bool {
    match translation {
        Ok(m) => m.notes.iter().any(|n| n.code),
        Err(d) => d.code == "MIGRATE_NOT_DATA",
    }
}

/// 1-based line and 1-based byte column of byte offset `at`.
fn byte_line_col(source: &str, at: u32) -> (u32, u32) {
    nexxo_diagnostics::line_column(source, at as usize)
}

/// `require('x')` → `x`.
fn require_source(e: &Expression<'_>) -> Option<String> {
    let Expression::CallExpression(call) = e.get_inner_expression() else { return None };
    if !call.callee.is_specific_id("require") || call.arguments.len() != 1 {
        return None;
    }
    match &call.arguments[0] {
        Argument::StringLiteral(s) => Some(s.value.display().to_string()),
        _ => None,
    }
}

/// Why a value was not translated: where, and what it is.
struct Skip {
    span: Span,
    why: String,
}

/// Deepest nesting of arrays/objects/const references followed (a config is shallow; this keeps
/// a hostile file from exhausting the stack).
const MAX_DEPTH: usize = 64;

struct Cx<'a, 's> {
    file: &'s str,
    source: &'s str,
    /// Local name → module it was imported (or required) from.
    imports: HashMap<String, String>,
    /// Top-level `const` bindings: a config may name its parts (`const port = 3000`).
    consts: HashMap<String, &'a Expression<'a>>,
    notes: Vec<Note>,
    fields: usize,
    translated: Vec<String>,
}

impl<'a> Cx<'a, '_> {
    /// A note about something not translated (most notes); see [`Cx::note_kind`] for the others.
    fn note(&mut self, span: Span, message: impl Into<String>) {
        self.note_kind(span, NoteKind::NotTranslated, message);
    }

    fn note_kind(&mut self, span: Span, kind: NoteKind, message: impl Into<String>) {
        let (line, byte_col) = byte_line_col(self.source, span.start);
        let d = Diagnostic::new("", "").at(self.source, line, byte_col);
        self.notes.push(Note {
            line,
            column: d.column.unwrap_or(byte_col),
            message: message.into(),
            kind,
            code: false,
        });
    }

    /// A note about a part that is code ([`Note::code`]).
    fn code_note(&mut self, span: Span, message: impl Into<String>) {
        self.note(span, message);
        if let Some(n) = self.notes.last_mut() {
            n.code = true;
        }
    }

    fn not_data(&self, span: Span, what: &str) -> Diagnostic {
        let (line, col) = byte_line_col(self.source, span.start);
        Diagnostic::new("MIGRATE_NOT_DATA", format!("{what}: the config is code, not data, so it cannot be translated"))
            .with_file(self.file)
            .at(self.source, line, col)
            .with_hint(
                "nexxo migrate reads configs that are plain objects (`export default defineConfig({ ... })`, or a \
                 function whose body is only an object). Write nexxo.config.json by hand (see README, \
                 \"Migrating from Vite\"), or make the config an object and run nexxo migrate again",
            )
    }

    /// The short source text of `span`, for messages.
    fn snippet(&self, span: Span) -> String {
        let text = self.source.get(span.start as usize..span.end as usize).unwrap_or("");
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 48 {
            format!("{}…", one_line.chars().take(47).collect::<String>())
        } else {
            one_line
        }
    }

    fn resolve_const(&self, e: &'a Expression<'a>) -> &'a Expression<'a> {
        let mut e = e.get_inner_expression();
        for _ in 0..MAX_DEPTH {
            match e {
                Expression::Identifier(id) => match self.consts.get(id.name.as_str()) {
                    Some(init) => e = init.get_inner_expression(),
                    None => break,
                },
                _ => break,
            }
        }
        e
    }

    /// The object literal that the exported value is or returns.
    fn config_object(&mut self, e: &'a Expression<'a>, depth: usize) -> Result<&'a ObjectExpression<'a>, Diagnostic> {
        let e = self.resolve_const(e);
        if depth > MAX_DEPTH {
            return Err(self.not_data(e.span(), "the config is nested too deeply"));
        }
        match e {
            Expression::ObjectExpression(o) => Ok(o),
            Expression::CallExpression(call) if call.callee.is_specific_id("defineConfig") => {
                match call.arguments.first().and_then(Argument::as_expression) {
                    Some(arg) if call.arguments.len() == 1 => self.config_object(arg, depth + 1),
                    _ => Err(self.not_data(call.span, "`defineConfig` is not given one config")),
                }
            }
            Expression::ArrowFunctionExpression(f) => {
                let body = self.function_result(f.r#async, f.get_expression(), f.get_function_body(), f.span)?;
                self.note_function(f);
                self.config_object(body, depth + 1)
            }
            Expression::FunctionExpression(f) => {
                let body = self.function_result(f.r#async || f.generator, None, f.body.as_deref(), f.span)?;
                self.note_kind(f.span, NoteKind::Caveat, "the config is a function: translated the object it returns, which is the same for every command and mode");
                self.config_object(body, depth + 1)
            }
            Expression::CallExpression(call) => {
                let what = format!("the config is computed by `{}`", self.snippet(call.callee.span()));
                Err(self.not_data(call.span, &what))
            }
            other => {
                let what = format!("the exported config `{}` is not an object literal", self.snippet(other.span()));
                Err(self.not_data(other.span(), &what))
            }
        }
    }

    fn note_function(&mut self, f: &ArrowFunctionExpression<'_>) {
        self.note_kind(
            f.span,
            NoteKind::Caveat,
            "the config is a function: translated the object it returns, which is the same for every command and mode",
        );
    }

    /// What a config function returns when its body is only that value.
    fn function_result(
        &self,
        is_async: bool,
        expression: Option<&'a Expression<'a>>,
        body: Option<&'a FunctionBody<'a>>,
        span: Span,
    ) -> Result<&'a Expression<'a>, Diagnostic> {
        if is_async {
            return Err(self.not_data(span, "the config is an async function"));
        }
        if let Some(e) = expression {
            return Ok(e);
        }
        let statements = body.map(|b| &b.statements[..]).unwrap_or_default();
        match statements {
            [Statement::ReturnStatement(r)] if r.argument.is_some() => {
                Ok(r.argument.as_ref().unwrap_or_else(|| unreachable!()))
            }
            [] => Err(self.not_data(span, "the config function returns nothing")),
            [first, ..] => Err(self.not_data(
                first.span(),
                "the config is a function with statements (it runs code before returning the config)",
            )),
        }
    }

    /// The properties of an object literal with static keys; spreads, computed keys, getters and
    /// methods become notes.
    fn props(&mut self, obj: &'a ObjectExpression<'a>, path: &str) -> Vec<(String, &'a Expression<'a>, Span)> {
        self.props_with(obj, path, false)
    }

    /// [`Self::props`], with methods (`manualChunks(id) { ... }`) given as their function when
    /// `methods`.
    fn props_with(
        &mut self,
        obj: &'a ObjectExpression<'a>,
        path: &str,
        methods: bool,
    ) -> Vec<(String, &'a Expression<'a>, Span)> {
        let mut out = Vec::new();
        for p in &obj.properties {
            match p {
                ObjectPropertyKind::SpreadProperty(s) => {
                    let text = self.snippet(s.span);
                    self.code_note(
                        s.span,
                        format!("{}`{text}` is a spread, computed when Vite runs; not translated", at(path)),
                    );
                }
                ObjectPropertyKind::ObjectProperty(prop) => {
                    let name =
                        if prop.computed { None } else { prop.key.static_name().map(|n| n.display().to_string()) };
                    let Some(name) = name else {
                        let text = self.snippet(prop.key.span());
                        self.code_note(prop.span, format!("{}the computed key `[{text}]` is not translated", at(path)));
                        continue;
                    };
                    if prop.kind != PropertyKind::Init || (prop.method && !methods) {
                        self.code_note(prop.span, format!("`{}` is a function; not translated", join(path, &name)));
                        continue;
                    }
                    out.push((name, &prop.value, prop.span));
                }
            }
        }
        out
    }

    /// The object literal `e` is (through `const`s), or a note saying why it is not.
    fn object(&mut self, e: &'a Expression<'a>, path: &str) -> Option<&'a ObjectExpression<'a>> {
        match self.resolve_const(e) {
            Expression::ObjectExpression(o) => Some(o),
            other => {
                let text = self.snippet(other.span());
                self.code_note(other.span(), format!("`{path}` (`{text}`) is not an object literal; not translated"));
                None
            }
        }
    }

    fn skipped(&mut self, path: &str, skip: Skip) {
        self.code_note(skip.span, format!("`{path}`: {}; not translated", skip.why));
    }

    fn top_level(&mut self, config: &'a ObjectExpression<'a>, out: &mut Obj) {
        for (key, value, span) in self.props(config, "") {
            match key.as_str() {
                "base" | "mode" => self.string_field(&key, value, out, &key),
                "envDir" => self.path_field(&key, value, out, &key),
                "envPrefix" => match self.data(value, 0) {
                    Ok(Value::String(s)) if !s.is_empty() => self.set(out, &key, Value::String(s), &key),
                    Ok(Value::Array(list))
                        if !list.is_empty() && list.iter().all(|v| v.as_str().is_some_and(|s| !s.is_empty())) =>
                    {
                        self.set(out, &key, Value::Array(list), &key)
                    }
                    Ok(Value::Null) => {}
                    Ok(_) => self
                        .note(value.span(), "`envPrefix` must be a non-empty string or a list of them; not translated"),
                    Err(skip) => self.skipped(&key, skip),
                },
                "publicDir" => match self.data(value, 0) {
                    Ok(Value::Bool(false)) => self.set(out, &key, Value::Bool(false), &key),
                    Ok(Value::String(s)) => self.set(out, &key, Value::String(paths::root_relative(&s)), &key),
                    Ok(Value::Null) => {}
                    Ok(_) => self.note(value.span(), "`publicDir` must be a path or false; not translated"),
                    Err(skip) => self.skipped(&key, skip),
                },
                "define" => {
                    let Some(obj) = self.object(value, "define") else { continue };
                    for (name, v, _) in self.props(obj, "define") {
                        match self.data(v, 0) {
                            Ok(json) => self.set(out.obj("define"), &name, json, "define"),
                            Err(skip) => self.skipped(&format!("define.{name}"), skip),
                        }
                    }
                }
                "resolve" => self.resolve(value, out),
                "build" => self.build(value, out),
                "css" => self.css(value, out),
                "server" | "preview" => self.server(&key, value, out),
                "plugins" => self.plugins(value),
                "esbuild" => self.esbuild(value, out),
                "root" => self.note(
                    span,
                    "`root` is not translated: Nexxo's root is the directory nexxo.config.json is in (or the ROOT \
                     argument of nexxo build/dev); move nexxo.config.json there and give paths relative to it",
                ),
                "test" => {
                    self.note_kind(span, NoteKind::BuiltIn, "`test` configures Vitest, not the build; left for Vitest")
                }
                "optimizeDeps" => self.note_kind(
                    span,
                    NoteKind::BuiltIn,
                    "`optimizeDeps` is not translated: nexxo dev finds and pre-bundles dependencies itself",
                ),
                "appType" => {
                    if !matches!(self.data(value, 0), Ok(Value::String(s)) if s == "spa") {
                        self.note(
                            span,
                            "`appType`: Nexxo serves single-page apps (index.html fallback); not translated",
                        );
                    }
                }
                _ => self.note(span, format!("`{key}` has no Nexxo equivalent; not translated")),
            }
        }
    }

    /// Sets `key` of `out`, which translates the Vite option `vite_path`.
    fn set(&mut self, out: &mut Obj, key: &str, value: Value, vite_path: &str) {
        self.fields += 1;
        if !self.translated.iter().any(|p| p == vite_path) {
            self.translated.push(vite_path.to_string());
        }
        out.set(key, value);
    }

    fn string_field(&mut self, key: &str, value: &'a Expression<'a>, out: &mut Obj, path: &str) {
        match self.data(value, 0) {
            Ok(Value::String(s)) => self.set(out, key, Value::String(s), path),
            Ok(Value::Null) => {}
            Ok(_) => self.note(value.span(), format!("`{path}` must be a string; not translated")),
            Err(skip) => self.skipped(path, skip),
        }
    }

    /// A directory or file relative to the root, written without a leading `./`.
    fn path_field(&mut self, key: &str, value: &'a Expression<'a>, out: &mut Obj, path: &str) {
        match self.data(value, 0) {
            Ok(Value::String(s)) => self.set(out, key, Value::String(paths::root_relative(&s)), path),
            Ok(Value::Null) => {}
            Ok(_) => self.note(value.span(), format!("`{path}` must be a path; not translated")),
            Err(skip) => self.skipped(path, skip),
        }
    }

    fn bool_field(&mut self, key: &str, value: &'a Expression<'a>, out: &mut Obj, path: &str) {
        match self.data(value, 0) {
            Ok(Value::Bool(b)) => self.set(out, key, Value::Bool(b), path),
            Ok(Value::Null) => {}
            Ok(_) => self.note(value.span(), format!("`{path}` must be true or false; not translated")),
            Err(skip) => self.skipped(path, skip),
        }
    }

    fn string_list_field(&mut self, key: &str, value: &'a Expression<'a>, out: &mut Obj, path: &str) {
        match self.data(value, 0) {
            Ok(Value::Array(list)) if list.iter().all(Value::is_string) => self.set(out, key, Value::Array(list), path),
            Ok(Value::Null) => {}
            Ok(_) => self.note(value.span(), format!("`{path}` must be a list of strings; not translated")),
            Err(skip) => self.skipped(path, skip),
        }
    }

    fn resolve(&mut self, value: &'a Expression<'a>, out: &mut Obj) {
        let Some(obj) = self.object(value, "resolve") else { return };
        for (key, v, span) in self.props(obj, "resolve") {
            let path = format!("resolve.{key}");
            match key.as_str() {
                "alias" => self.alias(v, out.obj("resolve")),
                "conditions" | "extensions" | "mainFields" => {
                    self.string_list_field(&key, v, out.obj("resolve"), &path)
                }
                "dedupe" => self.string_list_field(&key, v, out.obj("resolve"), &path),
                _ => self.note(span, format!("`{path}` has no Nexxo equivalent; not translated")),
            }
        }
    }

    fn alias(&mut self, value: &'a Expression<'a>, out: &mut Obj) {
        let target = |s: String| Value::String(paths::alias_target(&s));
        match self.resolve_const(value) {
            Expression::ObjectExpression(obj) => {
                for (find, v, _) in self.props(obj, "resolve.alias") {
                    match self.data(v, 0) {
                        Ok(Value::String(s)) => self.set(out.obj("alias"), &find, target(s), "resolve.alias"),
                        Ok(_) => {
                            self.note(v.span(), format!("`resolve.alias[\"{find}\"]` must be a path; not translated"))
                        }
                        Err(skip) => self.skipped(&format!("resolve.alias[\"{find}\"]"), skip),
                    }
                }
            }
            Expression::ArrayExpression(list) => {
                for el in &list.elements {
                    let Some(e) = el.as_expression() else {
                        self.note(el.span(), "`resolve.alias`: a spread or hole in the list; not translated");
                        continue;
                    };
                    let Some(entry) = self.object(e, "resolve.alias[]") else { continue };
                    let (mut find, mut replacement) = (None, None);
                    for (k, v, span) in self.props(entry, "resolve.alias[]") {
                        match k.as_str() {
                            "find" => find = Some(v),
                            "replacement" => replacement = Some(v),
                            _ => self.note(span, format!("`resolve.alias[].{k}` is not supported; not translated")),
                        }
                    }
                    let (Some(find), Some(replacement)) = (find, replacement) else {
                        self.note(entry.span, "`resolve.alias[]` needs `find` and `replacement`; not translated");
                        continue;
                    };
                    let find = match self.data(find, 0) {
                        Ok(Value::String(s)) => s,
                        Ok(_) | Err(_) => {
                            let text = self.snippet(find.span());
                            self.note(
                                find.span(),
                                format!(
                                    "`resolve.alias`: find `{text}` is not a string (regular expressions are not \
                                     supported: Nexxo's aliases are prefixes); not translated"
                                ),
                            );
                            continue;
                        }
                    };
                    match self.data(replacement, 0) {
                        Ok(Value::String(s)) => self.set(out.obj("alias"), &find, target(s), "resolve.alias"),
                        Ok(_) => self.note(
                            replacement.span(),
                            format!("`resolve.alias[\"{find}\"]` must be a path; not translated"),
                        ),
                        Err(skip) => self.skipped(&format!("resolve.alias[\"{find}\"]"), skip),
                    }
                }
            }
            other => {
                let text = self.snippet(other.span());
                self.note(
                    other.span(),
                    format!("`resolve.alias` (`{text}`) is not an object or list literal; not translated"),
                );
            }
        }
    }

    fn build(&mut self, value: &'a Expression<'a>, out: &mut Obj) {
        let Some(obj) = self.object(value, "build") else { return };
        for (key, v, span) in self.props(obj, "build") {
            let path = format!("build.{key}");
            let b = out.obj("build");
            match key.as_str() {
                "outDir" | "assetsDir" => self.path_field(&key, v, b, &path),
                "emptyOutDir" | "reportCompressedSize" => self.bool_field(&key, v, b, &path),
                "sourcemap" => match self.data(v, 0) {
                    Ok(Value::Bool(on)) => self.set(b, &key, Value::Bool(on), &path),
                    Ok(Value::String(kind)) if nexxo_config::SourcemapKind::parse(&kind).is_some() => {
                        self.set(b, &key, Value::String(kind), &path)
                    }
                    Ok(Value::String(kind)) => self.note(
                        v.span(),
                        format!("`build.sourcemap: \"{kind}\"` is not a kind of source map (true, \"hidden\" or \"inline\"); not translated"),
                    ),
                    Ok(_) => self.note(v.span(), "`build.sourcemap` must be true or false; not translated"),
                    Err(skip) => self.skipped(&path, skip),
                },
                // `true` keeps compress options `esbuild.drop` gave, wherever it was written.
                "minify" if matches!(b.get("minify"), Some(Value::Object(_)))
                    && matches!(self.data(v, 0), Ok(Value::Bool(true) | Value::String(_))) => {}
                "minify" => match self.data(v, 0) {
                    Ok(Value::Bool(on)) => self.set(b, &key, Value::Bool(on), &path),
                    Ok(Value::String(tool)) => {
                        self.set(b, &key, Value::Bool(true), &path);
                        if tool != "oxc" {
                            self.note_kind(v.span(), NoteKind::Caveat, format!("`build.minify: \"{tool}\"`: Nexxo minifies with oxc; written as `true`"));
                        }
                    }
                    Ok(_) => self.note(v.span(), "`build.minify` must be true or false; not translated"),
                    Err(skip) => self.skipped(&path, skip),
                },
                "chunkSizeWarningLimit" => match self.data(v, 0) {
                    Ok(Value::Number(n)) if n.as_f64().is_some_and(|l| l >= 0.0) => self.set(b, &key, Value::Number(n), &path),
                    Ok(_) => self.note(v.span(), "`build.chunkSizeWarningLimit` must be a number of kB; not translated"),
                    Err(skip) => self.skipped(&path, skip),
                },
                "assetsInlineLimit" => match self.data(v, 0) {
                    Ok(Value::Number(n)) if n.is_u64() => self.set(b, &key, Value::Number(n), &path),
                    Ok(_) => self.note(v.span(), "`build.assetsInlineLimit` must be a whole number of bytes; not translated"),
                    Err(skip) => self.skipped(&path, skip),
                },
                "target" => self.target(v, b),
                "rollupOptions" | "rolldownOptions" => self.rollup_options(&key, v, b),
                "manifest" => match self.data(v, 0) {
                    Ok(m @ (Value::Bool(_) | Value::String(_))) => self.set(b, &key, m, &path),
                    Ok(_) => self.note(v.span(), "`build.manifest` must be true, false or a path; not translated"),
                    Err(skip) => self.skipped(&path, skip),
                },
                "lib" => self.lib(v, b),
                // Kept as written (a string or a list, like Vite's); the build checks the names.
                "cssTarget" => match self.data(v, 0) {
                    Ok(Value::String(s)) => self.set(b, &key, Value::String(s), &path),
                    Ok(Value::Array(list)) if list.iter().all(Value::is_string) => {
                        self.set(b, &key, Value::Array(list), &path)
                    }
                    Ok(_) => self.note(v.span(), "`build.cssTarget` must be a string or a list of them; not translated"),
                    Err(skip) => self.skipped(&path, skip),
                },
                "cssMinify" | "cssCodeSplit" => self.note(span, format!("`{path}` is not translated: Nexxo minifies CSS with `build.minify` and gives each chunk its CSS file")),
                _ => self.note(span, format!("`{path}` has no Nexxo equivalent; not translated")),
            }
        }
    }

    fn target(&mut self, v: &'a Expression<'a>, b: &mut Obj) {
        let target = match self.data(v, 0) {
            Ok(Value::String(s)) => s,
            Ok(Value::Array(list)) if list.iter().all(Value::is_string) => {
                list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")
            }
            Ok(_) => return self.note(v.span(), "`build.target` must be a string or a list of them; not translated"),
            Err(skip) => return self.skipped("build.target", skip),
        };
        // Vite's named browser sets: Nexxo reads the same names (`nexxo_config::target_list`).
        let named = ["baseline-widely-available", "modules"];
        let spelled = target.split(',').map(str::trim).filter(|t| !named.contains(t)).collect::<Vec<_>>().join(",");
        if spelled.is_empty() {
            return self.set(b, "target", Value::String(target), "build.target");
        }
        match oxc::transformer::EnvOptions::from_target(&spelled) {
            Ok(_) => self.set(b, "target", Value::String(target), "build.target"),
            Err(e) => self.note(
                v.span(),
                format!("`build.target: \"{target}\"` is not a target Nexxo (oxc) understands ({e}); not translated"),
            ),
        }
    }

    fn rollup_options(&mut self, key: &str, v: &'a Expression<'a>, b: &mut Obj) {
        let Some(obj) = self.object(v, &format!("build.{key}")) else { return };
        for (k, v, span) in self.props(obj, &format!("build.{key}")) {
            let path = format!("build.{key}.{k}");
            if k == "output" {
                self.rollup_output(&path, v, b);
                continue;
            }
            if k == "external" {
                if let Some(list) = self.external(v) {
                    self.set(b, "external", Value::Array(list), &path);
                }
                continue;
            }
            if k != "input" {
                self.note(span, format!("`{path}` is not translated: Nexxo does not take Rollup options"));
                continue;
            }
            let entries = match self.data(v, 0) {
                Ok(Value::String(s)) => vec![Value::String(s)],
                Ok(Value::Array(list)) => list,
                // `{ main: 'index.html', nested: 'nested/index.html' }`: Nexxo names chunks after
                // their files, so only the paths are kept.
                Ok(Value::Object(map)) => map.into_iter().map(|(_, v)| v).collect(),
                Ok(_) => {
                    self.note(
                        v.span(),
                        format!("`{path}` must be a path, a list or an object of paths; not translated"),
                    );
                    continue;
                }
                Err(skip) => {
                    self.skipped(&path, skip);
                    continue;
                }
            };
            let mut input = Vec::new();
            for entry in entries {
                match entry {
                    Value::String(s) => input.push(Value::String(paths::root_relative(&s))),
                    _ => self.note(v.span(), format!("`{path}`: an entry is not a path; not translated")),
                }
            }
            if !input.is_empty() {
                self.set(b, "input", Value::Array(input), &path);
            }
        }
    }

    /// `build.rollupOptions.output`: `manualChunks` in its object form (chunk name to a list of
    /// packages or files) becomes `build.manualChunks`; the function form and every other output
    /// option are noted.
    fn rollup_output(&mut self, path: &str, v: &'a Expression<'a>, b: &mut Obj) {
        let Some(obj) = self.object(v, path) else { return };
        for (k, v, span) in self.props_with(obj, path, true) {
            let path = format!("{path}.{k}");
            if k == "globals" {
                match self.data(v, 0) {
                    Ok(Value::Object(map)) if map.values().all(Value::is_string) => {
                        self.set(b, "globals", Value::Object(map), &path)
                    }
                    Ok(_) => self.note(v.span(), format!("`{path}`: only an object of global names is translated")),
                    Err(skip) => self.skipped(&path, skip),
                }
                continue;
            }
            if matches!(k.as_str(), "codeSplitting" | "advancedChunks") {
                if let Some(c) = self.code_splitting(&path, v) {
                    self.set(b, "codeSplitting", c, &path);
                }
                continue;
            }
            if k == "minify" {
                self.output_minify(&path, v, b);
                continue;
            }
            if k == "inlineDynamicImports" {
                match self.data(v, 0) {
                    Ok(Value::Bool(true)) => self.set(b, "codeSplitting", Value::Bool(false), &path),
                    Ok(Value::Bool(false)) => {}
                    Ok(_) => self.note(v.span(), format!("`{path}` must be true or false; not translated")),
                    Err(skip) => self.skipped(&path, skip),
                }
                continue;
            }
            if matches!(k.as_str(), "entryFileNames" | "chunkFileNames" | "assetFileNames") {
                self.file_names(&k, &path, v, b);
                continue;
            }
            if k != "manualChunks" {
                self.note(span, format!("`{path}` is not translated: Nexxo does not take Rollup options"));
                continue;
            }
            if matches!(
                self.resolve_const(v),
                Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_)
            ) {
                if let Some(groups) = self.manual_chunks_fn(&path, v) {
                    self.set(b, "codeSplitting", groups, &path);
                }
                continue;
            }
            match self.data(v, 0) {
                Ok(Value::Object(map))
                    if map.values().all(|m| m.as_array().is_some_and(|list| list.iter().all(Value::is_string))) =>
                {
                    self.set(b, "manualChunks", Value::Object(map), &path)
                }
                Ok(_) => self.note(
                    v.span(),
                    format!("`{path}`: only the object form (chunk name to a list of modules) is translated"),
                ),
                Err(skip) => self.skipped(&path, skip),
            }
        }
    }

    /// `output.entryFileNames`, `chunkFileNames`, `assetFileNames` in their string form become
    /// `build.<key>` when Nexxo takes the pattern (`nexxo_config::check_file_names`: relative
    /// base rules apply when the build runs); the function form is code, noted.
    fn file_names(&mut self, key: &str, path: &str, v: &'a Expression<'a>, b: &mut Obj) {
        match self.data(v, 0) {
            Ok(Value::String(pattern)) => {
                let mut names = nexxo_config::FileNames::default();
                match key {
                    "entryFileNames" => names.entry = Some(pattern.clone()),
                    "chunkFileNames" => names.chunk = Some(pattern.clone()),
                    _ => names.asset = Some(pattern.clone()),
                }
                match nexxo_config::check_file_names(&names, "assets", "/") {
                    Ok(()) => self.set(b, key, Value::String(pattern), path),
                    Err(e) => {
                        let first = e.lines().next().unwrap_or_default().to_string();
                        self.note(v.span(), format!("`{path}`: {first}; not translated"))
                    }
                }
            }
            Ok(_) => self.note(v.span(), format!("`{path}`: only a pattern (a string) is translated")),
            Err(skip) => self.skipped(path, skip),
        }
    }

    fn css(&mut self, value: &'a Expression<'a>, out: &mut Obj) {
        let Some(obj) = self.object(value, "css") else { return };
        for (key, v, span) in self.props(obj, "css") {
            match key.as_str() {
                "modules" => {
                    let Some(modules) = self.object(v, "css.modules") else { continue };
                    for (k, v, span) in self.props(modules, "css.modules") {
                        if k != "generateScopedName" {
                            self.note(span, format!("`css.modules.{k}` has no Nexxo equivalent; not translated"));
                            continue;
                        }
                        match self.data(v, 0) {
                            Ok(Value::String(pattern)) => self.scoped_name(&pattern, v.span(), out),
                            Ok(_) => self.note(v.span(), "`css.modules.generateScopedName` must be a string; not translated"),
                            Err(skip) => self.skipped("css.modules.generateScopedName", skip),
                        }
                    }
                }
                "postcss" => self.note(span, "`css.postcss` is not translated: Nexxo runs the PostCSS config file (postcss.config.*, .postcssrc, package.json `postcss`), not inline plugins; move them there"),
                "preprocessorOptions" => self.preprocessor_options(v, out),
                "transformer" | "lightningcss" => self.note(span, format!("`css.{key}` is not translated: Nexxo always compiles CSS with lightningcss, with its own options")),
                _ => self.note(span, format!("`css.{key}` has no Nexxo equivalent; not translated")),
            }
        }
    }

    /// `css.preprocessorOptions`: per language, `additionalData` when it is text (a function is
    /// code), and for Less and Stylus their compiler's options when they are data. Sass's other
    /// options choose between Dart Sass's APIs and warnings, which Nexxo's Sass compiler has no
    /// use for.
    fn preprocessor_options(&mut self, value: &'a Expression<'a>, out: &mut Obj) {
        let Some(langs) = self.object(value, "css.preprocessorOptions") else { return };
        for (lang, v, span) in self.props(langs, "css.preprocessorOptions") {
            let path = format!("css.preprocessorOptions.{lang}");
            if !matches!(lang.as_str(), "scss" | "sass" | "less" | "styl" | "stylus") {
                self.note(span, format!("`{path}` names no language Nexxo compiles; not translated"));
                continue;
            }
            let Some(options) = self.object(v, &path) else { continue };
            for (key, v, span) in self.props(options, &path) {
                let key_path = format!("{path}.{key}");
                let sass = matches!(lang.as_str(), "scss" | "sass");
                if sass && key != "additionalData" {
                    self.note_kind(
                        span,
                        NoteKind::BuiltIn,
                        format!("`{key_path}` is not needed: Nexxo compiles Sass itself (grass)"),
                    );
                    continue;
                }
                match self.data(v, 0) {
                    Ok(Value::String(text)) if key == "additionalData" => {
                        self.set(
                            out.obj("css").obj("preprocessorOptions").obj(&lang),
                            &key,
                            Value::String(text),
                            &key_path,
                        );
                    }
                    Ok(_) if key == "additionalData" => {
                        self.note(v.span(), format!("`{key_path}` must be a string; not translated"));
                    }
                    Ok(data) => self.set(out.obj("css").obj("preprocessorOptions").obj(&lang), &key, data, &key_path),
                    Err(skip) => self.skipped(&key_path, skip),
                }
            }
        }
    }

    /// Vite (postcss-modules) placeholders → lightningcss's: `[hash:base64:5]` → `[hash]`.
    #[expect(clippy::string_slice, reason = "indexes are where `find` found an ASCII `[` or `]`, or past them")]
    fn scoped_name(&mut self, pattern: &str, span: Span, out: &mut Obj) {
        let mut translated = String::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('[') {
            translated.push_str(&rest[..open]);
            let Some(close) = rest[open..].find(']') else { break };
            let placeholder = &rest[open + 1..open + close];
            let name = placeholder.split(':').next().unwrap_or("");
            match name {
                "name" | "local" | "hash" => {
                    translated.push('[');
                    translated.push_str(name);
                    translated.push(']');
                }
                "contenthash" => translated.push_str("[hash]"),
                _ => {
                    return self.note(
                        span,
                        format!(
                            "`css.modules.generateScopedName`: the placeholder `[{placeholder}]` has no lightningcss \
                             equivalent (it has [name], [local] and [hash]); not translated"
                        ),
                    );
                }
            }
            rest = &rest[open + close + 1..];
        }
        translated.push_str(rest);
        if let Err(e) = nexxo_config::check_css_modules_pattern(&translated) {
            return self.note(span, format!("`css.modules.generateScopedName` becomes {e}; not translated"));
        }
        self.set(out.obj("css").obj("modules"), "pattern", Value::String(translated), "css.modules.generateScopedName");
    }

    fn server(&mut self, section: &str, value: &'a Expression<'a>, out: &mut Obj) {
        let Some(obj) = self.object(value, section) else { return };
        for (key, v, span) in self.props(obj, section) {
            let path = format!("{section}.{key}");
            let s = out.obj(section);
            match key.as_str() {
                "port" => match self.data(v, 0) {
                    Ok(Value::Number(n)) if n.as_u64().is_some_and(|p| p <= 65535) => {
                        self.set(s, &key, Value::Number(n), &path)
                    }
                    Ok(_) => self.note(v.span(), format!("`{path}` must be a port number (0-65535); not translated")),
                    Err(skip) => self.skipped(&path, skip),
                },
                "host" => match self.data(v, 0) {
                    Ok(Value::String(h)) => self.set(s, &key, Value::String(h), &path),
                    // Vite: `true` listens on all addresses.
                    Ok(Value::Bool(true)) => self.set(s, &key, Value::String("0.0.0.0".into()), &path),
                    Ok(Value::Bool(false) | Value::Null) => {}
                    Ok(_) => self.note(v.span(), format!("`{path}` must be an address; not translated")),
                    Err(skip) => self.skipped(&path, skip),
                },
                "proxy" => self.proxy(section, v, out),
                "headers" => match self.data(v, 0) {
                    Ok(Value::Object(map)) if map.values().all(Value::is_string) => {
                        self.set(s, &key, Value::Object(map), &path)
                    }
                    Ok(_) => {
                        self.note(v.span(), format!("`{path}` must be an object of header values; not translated"))
                    }
                    Err(skip) => self.skipped(&path, skip),
                },
                "origin" if section == "server" => self.string_field(&key, v, s, &path),
                "cors" => match self.resolve_const(v) {
                    Expression::BooleanLiteral(b) => self.set(s, &key, Value::Bool(b.value), &path),
                    Expression::ObjectExpression(o) => {
                        for (k, ov, ospan) in self.props(o, &path) {
                            if k != "origin" {
                                self.note(ospan, format!("`{path}.{k}` has no Nexxo equivalent; not translated"));
                                continue;
                            }
                            let origins = match self.resolve_const(ov) {
                                Expression::ArrayExpression(list) => {
                                    list.elements.iter().filter_map(|e| e.as_expression()).collect()
                                }
                                one => vec![one],
                            };
                            let mut out = Vec::new();
                            for o in origins {
                                match self.resolve_const(o) {
                                    Expression::RegExpLiteral(r) if r.regex.flags.is_empty() => {
                                        let text = r.regex.pattern.text.as_str();
                                        out.push(Value::String(if text.starts_with('^') {
                                            text.to_string()
                                        } else {
                                            format!("^.*{text}")
                                        }));
                                    }
                                    Expression::BooleanLiteral(b) if origins_single(ov) => {
                                        out.push(Value::Bool(b.value))
                                    }
                                    other => match self.data(other, 0) {
                                        Ok(Value::String(text)) => out.push(Value::String(text)),
                                        _ => {
                                            let text = self.snippet(other.span());
                                            self.code_note(
                                                other.span(),
                                                format!("`{path}.origin` (`{text}`) is code; not translated"),
                                            );
                                            out.clear();
                                            break;
                                        }
                                    },
                                }
                            }
                            let origin = match out.len() {
                                0 => continue,
                                1 => out.remove(0),
                                _ => Value::Array(out),
                            };
                            let mut cors = serde_json::Map::new();
                            cors.insert("origin".into(), origin);
                            self.set(s, &key, Value::Object(cors), &path);
                        }
                    }
                    other => {
                        let text = self.snippet(other.span());
                        self.code_note(other.span(), format!("`{path}` (`{text}`) is code; not translated"));
                    }
                },
                "open" => match self.data(v, 0) {
                    Ok(open @ (Value::Bool(_) | Value::String(_))) => self.set(s, &key, open, &path),
                    Ok(_) => self.note(v.span(), format!("`{path}` must be true, false or a path; not translated")),
                    Err(skip) => self.skipped(&path, skip),
                },
                "strictPort" => self.note(
                    span,
                    format!(
                        "`{path}` is not translated: pass --strict-port to nexxo {}",
                        if section == "server" { "dev" } else { "preview" }
                    ),
                ),
                _ => self.note(span, format!("`{path}` has no Nexxo equivalent; not translated")),
            }
        }
    }

    fn plugins(&mut self, value: &'a Expression<'a>) {
        match self.resolve_const(value) {
            Expression::ArrayExpression(list) => {
                for el in &list.elements {
                    match el {
                        ArrayExpressionElement::Elision(_) => {}
                        ArrayExpressionElement::SpreadElement(s) => {
                            let text = self.snippet(s.span);
                            self.note(s.span, format!("plugins `{text}` are not supported: Nexxo does not run Vite or Rollup plugins; not translated"));
                        }
                        el => {
                            if let Some(e) = el.as_expression() {
                                self.plugin(e);
                            }
                        }
                    }
                }
            }
            other => {
                let text = self.snippet(other.span());
                self.note(other.span(), format!("`plugins` (`{text}`) are not supported: Nexxo does not run Vite or Rollup plugins; not translated"));
            }
        }
    }

    fn plugin(&mut self, e: &'a Expression<'a>) {
        let e = self.resolve_const(e);
        if let Expression::ArrayExpression(_) = e {
            return self.plugins(e);
        }
        let text = self.snippet(e.span());
        let call: Option<&CallExpression<'_>> = match e {
            Expression::CallExpression(c) => Some(c),
            _ => None,
        };
        let name = call.and_then(|c| match c.callee.get_inner_expression() {
            Expression::Identifier(id) => Some(id.name.to_string()),
            _ => None,
        });
        let module = name.as_ref().and_then(|n| self.imports.get(n)).cloned();
        match module.as_deref() {
            Some("@vitejs/plugin-react" | "@vitejs/plugin-react-swc") => {
                // Options (Babel plugins, a JSX import source) change the output, and are lost.
                let (kind, options) = if call.is_some_and(|c| !c.arguments.is_empty()) {
                    (NoteKind::NotTranslated, " (its options, such as Babel plugins, are not used)")
                } else {
                    (NoteKind::BuiltIn, "")
                };
                self.note_kind(
                    e.span(),
                    kind,
                    format!("plugin `{text}` is built in: Nexxo does JSX, React Fast Refresh and TS itself{options}"),
                );
            }
            Some("@tailwindcss/vite") => {
                // Its one option (`optimize`) only changes how the CSS is minified, which Nexxo's
                // own CSS step does.
                self.note_kind(
                    e.span(),
                    NoteKind::BuiltIn,
                    format!(
                        "plugin `{text}` is built in: Nexxo runs Tailwind CSS's compiler on each style sheet when package.json lists @tailwindcss/vite (with Node.js)"
                    ),
                );
            }
            Some("@preact/preset-vite") => self.note_kind(
                e.span(),
                // Not a warning: an app that needs what is not done fails loudly (an unresolved
                // `react` import), never quietly.
                NoteKind::Caveat,
                format!(
                    "plugin `{text}`: Nexxo takes JSX settings from tsconfig (create-vite's Preact templates set `jsxImportSource: \"preact\"` there); its `react` → `preact/compat` aliases (add them to `resolve.alias`) and Prefresh are not used (an edit reloads the page)"
                ),
            ),
            Some("vite-tsconfig-paths") => self.note_kind(
                e.span(),
                NoteKind::BuiltIn,
                format!("plugin `{text}` is built in: Nexxo reads tsconfig.json `paths` itself"),
            ),
            Some(m) => self.note(
                e.span(),
                format!("plugin `{text}` (from \"{m}\") is not supported: Nexxo does not run Vite or Rollup plugins; not translated"),
            ),
            None => self.note(
                e.span(),
                format!("plugin `{text}` is not supported: Nexxo does not run Vite or Rollup plugins; not translated"),
            ),
        }
    }

    /// The JSON value of a literal expression, or why it is not one.
    fn data(&mut self, e: &'a Expression<'a>, depth: usize) -> Result<Value, Skip> {
        let e = self.resolve_const(e);
        let span = e.span();
        let code = |cx: &Self, why: &str| Skip { span, why: format!("`{}` {why}", cx.snippet(span)) };
        if depth > MAX_DEPTH {
            return Err(code(self, "is nested too deeply"));
        }
        Ok(match e {
            Expression::StringLiteral(s) => Value::String(s.value.display().to_string()),
            Expression::TemplateLiteral(t) => match t.single_quasi() {
                Some(q) => Value::String(q.display().to_string()),
                None => return Err(code(self, "is a template literal with expressions, computed when Vite runs")),
            },
            Expression::NumericLiteral(n) => number(n.value).ok_or_else(|| code(self, "is not a finite number"))?,
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::UnaryNegation => {
                match u.argument.get_inner_expression() {
                    Expression::NumericLiteral(n) => {
                        number(-n.value).ok_or_else(|| code(self, "is not a finite number"))?
                    }
                    _ => return Err(code(self, "is computed when Vite runs")),
                }
            }
            Expression::BooleanLiteral(b) => Value::Bool(b.value),
            Expression::NullLiteral(_) => Value::Null,
            Expression::Identifier(id) if id.name == "undefined" => Value::Null,
            Expression::ArrayExpression(list) => {
                let mut out = Vec::new();
                for el in &list.elements {
                    match el.as_expression() {
                        Some(v) => out.push(self.data(v, depth + 1)?),
                        None => {
                            return Err(Skip {
                                span: el.span(),
                                why: "a spread or hole in a list is computed when Vite runs".into(),
                            });
                        }
                    }
                }
                Value::Array(out)
            }
            Expression::ObjectExpression(obj) => {
                let mut out = serde_json::Map::new();
                for p in &obj.properties {
                    let ObjectPropertyKind::ObjectProperty(prop) = p else {
                        return Err(Skip {
                            span: p.span(),
                            why: format!("`{}` is a spread, computed when Vite runs", self.snippet(p.span())),
                        });
                    };
                    let name =
                        if prop.computed { None } else { prop.key.static_name().map(|n| n.display().to_string()) };
                    let (Some(name), PropertyKind::Init, false) = (name, prop.kind, prop.method) else {
                        return Err(Skip {
                            span: prop.span,
                            why: format!("`{}` is not a plain property", self.snippet(prop.span)),
                        });
                    };
                    out.insert(name, self.data(&prop.value, depth + 1)?);
                }
                Value::Object(out)
            }
            Expression::CallExpression(call) => {
                if let Some(path) = paths::path_call(self, call)? {
                    Value::String(path)
                } else if call.callee.is_specific_member_access("JSON", "stringify") && call.arguments.len() == 1 {
                    // `define: { __VERSION__: JSON.stringify('1.2.0') }`: the expression text.
                    let arg =
                        call.arguments[0].as_expression().ok_or_else(|| code(self, "is computed when Vite runs"))?;
                    Value::String(self.data(arg, depth + 1)?.to_string())
                } else {
                    return Err(code(self, "is a function call, computed when Vite runs"));
                }
            }
            Expression::StaticMemberExpression(m) if m.property.name == "pathname" => {
                match paths::url_path(self, &m.object) {
                    Some(p) => Value::String(p?),
                    None => return Err(code(self, "is computed when Vite runs")),
                }
            }
            Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => {
                return Err(code(self, "is a function"));
            }
            Expression::Identifier(_) => return Err(code(self, "is a variable, known only when Vite runs")),
            _ => return Err(code(self, "is computed when Vite runs")),
        })
    }
}

/// Whether `server.cors.origin` is one value, not a list (`origin: true` is Vite's "any").
fn origins_single(e: &Expression<'_>) -> bool {
    !matches!(e.get_inner_expression(), Expression::ArrayExpression(_))
}

fn number(v: f64) -> Option<Value> {
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        #[expect(clippy::cast_possible_truncation, reason = "whole and within ±2^53, so exact")]
        return Some(Value::from(v as i64));
    }
    serde_json::Number::from_f64(v).map(Value::Number)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// `"`build`: "` prefix of a note about a field of `path` (nothing at the top level).
fn at(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("`{path}`: ") }
}

#[cfg(test)]
mod tests;
