//! Vite's `import.meta.glob(...)` and dynamic imports with variables (``import(`./views/${name}.js`)``),
//! expanded into code that names every matching file, so a bundler or a dev server sees ordinary
//! imports. One implementation for `nexxo build` (a rolldown `transform` hook) and `nexxo dev` (before
//! each module's transform).
//!
//! The expansion is a list of text edits on the module's own source (TypeScript or JSX included),
//! made to keep every line where it was: what the glob calls expand to goes on the lines they
//! occupied, and the imports they add go on the first line. Source maps of the rest stay exact.
//!
//! The engine does no I/O: the host lists directories through [`ListDir`] (the build's file system,
//! or the dev server's), and learns from [`Expansion::dirs`] which directories the result depends
//! on, so it can expand again when a file is added to or removed from one of them.
//!
//! Rules, as Vite documents them (learned from Vite's docs and rolldown's native plugins):
//! - Patterns are string literals: `./` and `../` relative to the importer (or to `base`), `/` from
//!   the project root, `**` from the root, or starting with a `resolve.alias` key. `!` negates.
//! - Keys are relative to the importer when every positive pattern is relative, else root-absolute
//!   (`/src/...`); relative to `base` when it is given. Files are sorted; the importer itself,
//!   dotfiles and `node_modules` are left out (unless `exhaustive: true`).
//! - Dynamic imports with variables follow @rollup/plugin-dynamic-import-vars: each variable
//!   stands for one path segment (`*`), the static part must start with `./` or `../` (or `/`, or
//!   an alias) and name a file extension; a value no file matches rejects with
//!   `Unknown variable dynamic import: <path>` when the import runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use nexxo_diagnostics::Diagnostic;
use oxc::allocator::Allocator;
use oxc::ast::ast::{
    Argument, ArrayExpressionElement, BinaryExpression, CallExpression, Expression, ImportExpression, ObjectExpression,
    ObjectPropertyKind, PropertyKey, PropertyKind, TemplateLiteral,
};
use oxc::ast_visit::{VisitJs, walk_js};
use oxc::parser::Parser;
use oxc::span::{GetSpan, SourceType, Span};
use oxc::syntax::operator::BinaryOperator;

/// Directory listings for the expansion: the host's file system.
pub trait ListDir {
    /// The entries of `dir` as (file name, is a directory, following symlinks). A missing or
    /// unreadable directory is empty.
    fn list(&self, dir: &Path) -> Vec<(String, bool)>;
}

/// What the expansion needs to know about the project.
pub struct GlobContext<'a> {
    /// The project root: `/`-patterns and root-absolute keys are relative to it.
    pub root: &'a Path,
    /// `resolve.alias` entries whose target is a directory, as absolute paths.
    pub alias: &'a [(String, PathBuf)],
    pub fs: &'a dyn ListDir,
}

/// One replacement in the module's source: bytes `start..end` become `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: u32,
    pub end: u32,
    pub text: String,
}

/// The edits that expand a module's glob imports, and the directories they were listed from.
#[derive(Debug, Default)]
pub struct Expansion {
    /// Sorted by position, never overlapping.
    pub edits: Vec<Edit>,
    /// Every directory read (including ones that do not exist yet): adding or removing a file in
    /// one of them can change the expansion.
    pub dirs: Vec<PathBuf>,
}

impl Expansion {
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// The source with the edits applied.
    pub fn apply(&self, source: &str) -> String {
        let mut out = source.to_string();
        for e in self.edits.iter().rev() {
            out.replace_range(e.start as usize..e.end as usize, &e.text);
        }
        out
    }
}

/// A cheap test on the text: can [`expand`] have anything to do? (It parses the module.)
#[expect(
    clippy::string_slice,
    reason = "indexes are past a found `import`, past an ASCII quote or backtick, or where `find` found one"
)]
pub fn may_expand(source: &str) -> bool {
    if source.contains("import.meta.glob") {
        return true;
    }
    // `import(` followed by something other than a plain string literal.
    let bytes = source.as_bytes();
    let mut from = 0;
    while let Some(found) = source[from..].find("import") {
        let at = from + found;
        from = at + 6;
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || matches!(bytes[at - 1], b'_' | b'$' | b'.')) {
            continue;
        }
        let rest = source[from..].trim_start();
        let Some(arg) = rest.strip_prefix('(') else { continue };
        let arg = arg.trim_start();
        match arg.as_bytes().first() {
            Some(b'\'' | b'"') => {
                // A string literal followed by `+` is a concatenation.
                let quote = arg.as_bytes()[0] as char;
                if let Some(end) = arg[1..].find(quote)
                    && arg[end + 2..].trim_start().starts_with('+')
                {
                    return true;
                }
            }
            Some(b'`') => {
                let end = arg[1..].find('`').unwrap_or(arg.len() - 1);
                if arg[1..=end].contains("${") {
                    return true;
                }
            }
            Some(_) => return true,
            None => {}
        }
    }
    false
}

/// Finds the glob imports of `source` (the module at absolute path `importer`, shown as `filename`
/// in errors) and returns the edits that expand them. A module that does not parse gets no edits:
/// its transform reports the syntax error.
pub fn expand(filename: &str, importer: &Path, source: &str, ctx: &GlobContext<'_>) -> Result<Expansion, Diagnostic> {
    if !may_expand(source) {
        return Ok(Expansion::default());
    }
    let allocator = Allocator::default();
    let clean = importer.to_str().map_or(importer.to_path_buf(), |s| PathBuf::from(s.split('?').next().unwrap_or(s)));
    // A page's inline script (`index.html?html-proxy&index=0.ts`) has its syntax after the query.
    let source_type = SourceType::from_path(&clean)
        .or_else(|_| SourceType::from_path(importer))
        .unwrap_or_default()
        .with_module(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if !parsed.diagnostics.is_empty() {
        return Ok(Expansion::default());
    }
    let dir = clean.parent().map_or_else(|| ctx.root.to_path_buf(), Path::to_path_buf);
    let mut v = Expander {
        filename,
        source,
        ctx,
        importer: clean,
        dir,
        edits: Vec::new(),
        prelude: String::new(),
        helper: false,
        calls: 0,
        dirs: BTreeSet::new(),
        error: None,
    };
    v.visit_program(&parsed.program);
    if let Some(e) = v.error {
        return Err(e);
    }
    if v.helper {
        v.prelude.push_str(HELPER);
    }
    let mut edits = v.edits;
    if !v.prelude.is_empty() {
        // First line, so no line moves; after a hashbang, which must stay first.
        let at = if source.starts_with("#!") { source.find('\n').map_or(source.len(), |i| i + 1) } else { 0 };
        edits.push(Edit { start: at as u32, end: at as u32, text: v.prelude });
    }
    edits.sort_by_key(|e| (e.start, e.end));
    Ok(Expansion { edits, dirs: v.dirs.into_iter().collect() })
}

/// Looks a dynamic import's path up in its glob object; a path no file matched rejects, as the
/// import of a missing module would.
const HELPER: &str = "function __nexxo_import_vars(files, path, segments) { \
const q = path.lastIndexOf(\"?\"); \
const load = files[q !== -1 && q > path.lastIndexOf(\"/\") ? path.slice(0, q) : path]; \
if (load) return load(); \
const deep = path.split(\"/\").length !== segments ? \". Note that variables only represent file names one level deep.\" : \"\"; \
return Promise.reject(new Error(\"Unknown variable dynamic import: \" + path + deep)); }";

#[derive(Default)]
struct GlobOptions {
    eager: bool,
    import: Option<String>,
    query: Option<String>,
    base: Option<String>,
    exhaustive: bool,
    case_sensitive: bool,
}

/// A pattern made absolute: the directory the walk starts at, and the glob below it.
struct AbsGlob {
    base: PathBuf,
    glob: String,
}

struct Expander<'s, 'c> {
    filename: &'s str,
    source: &'s str,
    ctx: &'c GlobContext<'c>,
    importer: PathBuf,
    dir: PathBuf,
    edits: Vec<Edit>,
    prelude: String,
    helper: bool,
    calls: usize,
    dirs: BTreeSet<PathBuf>,
    error: Option<Diagnostic>,
}

const PATTERN_HINT: &str = "write the pattern as a string literal (or an array of them), e.g. \
    import.meta.glob('./dir/*.js'): the files are listed when the module is built, so the pattern \
    cannot be computed at run time. To load one file chosen at run time, use import(`./dir/${name}.js`)";

impl<'a> VisitJs<'a> for Expander<'_, '_> {
    fn visit_call_expression(&mut self, call: &CallExpression<'a>) {
        if self.error.is_some() {
            return;
        }
        if is_import_meta_glob(&call.callee) {
            if let Err(e) = self.glob_call(call) {
                self.error = Some(e);
            }
            return;
        }
        walk_js::walk_call_expression(self, call);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if self.error.is_some() {
            return;
        }
        match self.dynamic_import(it) {
            Ok(true) => {}
            Ok(false) => walk_js::walk_import_expression(self, it),
            Err(e) => self.error = Some(e),
        }
    }
}

fn is_import_meta_glob(callee: &Expression<'_>) -> bool {
    let Expression::StaticMemberExpression(m) = callee else { return false };
    m.property.name == "glob" && matches!(m.object, Expression::ImportMeta(_))
}

/// A string written as a literal: `'x'`, `"x"` or `` `x` ``.
fn literal_string<'a>(e: &Expression<'a>) -> Option<String> {
    match e {
        Expression::StringLiteral(s) => Some(s.value.display().to_string()),
        Expression::TemplateLiteral(t) => t.single_quasi().map(|q| q.display().to_string()),
        _ => None,
    }
}

/// `s` as a double-quoted JavaScript string literal.
fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c < ' ' || c == '\u{2028}' || c == '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Expander<'_, '_> {
    fn located(&self, code: &'static str, message: String, span: Span, hint: &str) -> Diagnostic {
        Diagnostic::new(code, message)
            .with_file(self.filename)
            .at_offset(self.source, span.start as usize)
            .with_hint(hint)
    }

    fn glob_call(&mut self, call: &CallExpression<'_>) -> Result<(), Diagnostic> {
        let call_index = self.calls;
        self.calls += 1;
        if call.arguments.is_empty() || call.arguments.len() > 2 {
            return Err(self.located(
                "GLOB_IMPORT",
                format!(
                    "import.meta.glob() takes a pattern and an optional options object, got {} arguments",
                    call.arguments.len()
                ),
                call.span,
                PATTERN_HINT,
            ));
        }
        let mut patterns: Vec<(String, Span)> = Vec::new();
        let not_literal = |e: &Self, span: Span| {
            e.located("GLOB_IMPORT", "import.meta.glob() patterns must be string literals".into(), span, PATTERN_HINT)
        };
        match &call.arguments[0] {
            Argument::ArrayExpression(a) => {
                for el in &a.elements {
                    let value = match el {
                        ArrayExpressionElement::StringLiteral(s) => Some(s.value.display().to_string()),
                        ArrayExpressionElement::TemplateLiteral(t) => t.single_quasi().map(|q| q.display().to_string()),
                        _ => None,
                    };
                    match value {
                        Some(v) => patterns.push((v, el.span())),
                        None => return Err(not_literal(self, el.span())),
                    }
                }
            }
            Argument::SpreadElement(s) => return Err(not_literal(self, s.span)),
            arg => match literal_string(arg.to_expression()) {
                Some(v) => patterns.push((v, arg.span())),
                None => return Err(not_literal(self, arg.span())),
            },
        }
        let options = match call.arguments.get(1) {
            None => GlobOptions { case_sensitive: true, ..Default::default() },
            Some(Argument::ObjectExpression(o)) => self.options(o)?,
            Some(other) => {
                return Err(self.located(
                    "GLOB_IMPORT",
                    "the options of import.meta.glob() must be an object literal".into(),
                    other.span(),
                    "e.g. import.meta.glob('./dir/*.js', { eager: true, import: 'default' })",
                ));
            }
        };
        let files = self.match_files(&patterns, &options)?;
        let replacement = self.glob_object(&files, &options, call_index);
        self.replace(call.span, replacement);
        Ok(())
    }

    fn options(&self, o: &ObjectExpression<'_>) -> Result<GlobOptions, Diagnostic> {
        let mut opts = GlobOptions { case_sensitive: true, ..Default::default() };
        let mut legacy_as = None;
        for prop in &o.properties {
            let ObjectPropertyKind::ObjectProperty(p) = prop else {
                return Err(self.located(
                    "GLOB_IMPORT",
                    "import.meta.glob() options must be written out (no spread)".into(),
                    prop.span(),
                    "list the options as literals: { eager: true, import: 'default' }",
                ));
            };
            let key = match &p.key {
                PropertyKey::StaticIdentifier(id) if !p.computed => id.name.to_string(),
                PropertyKey::StringLiteral(s) => s.value.display().to_string(),
                _ => String::new(),
            };
            let bad_value = |what: &str| {
                self.located(
                    "GLOB_IMPORT",
                    format!("import.meta.glob() option `{key}` must be {what}"),
                    p.value.span(),
                    "options are read when the module is built: write them as literals",
                )
            };
            let bool_value = || match &p.value {
                Expression::BooleanLiteral(b) => Ok(b.value),
                _ => Err(bad_value("true or false")),
            };
            if p.kind != PropertyKind::Init || p.method {
                return Err(bad_value("a literal"));
            }
            match key.as_str() {
                "eager" => opts.eager = bool_value()?,
                "exhaustive" => opts.exhaustive = bool_value()?,
                "caseSensitive" => opts.case_sensitive = bool_value()?,
                "import" => opts.import = Some(literal_string(&p.value).ok_or_else(|| bad_value("a string"))?),
                "base" => {
                    let base = literal_string(&p.value).ok_or_else(|| bad_value("a string"))?;
                    if !(base.starts_with('/') || base.starts_with("./") || base.starts_with("../")) {
                        return Err(bad_value("a path starting with /, ./ or ../"));
                    }
                    opts.base = Some(base);
                }
                "as" => legacy_as = Some(literal_string(&p.value).ok_or_else(|| bad_value("a string"))?),
                "query" => {
                    opts.query = Some(match &p.value {
                        Expression::ObjectExpression(q) => self.query_object(q)?,
                        v => {
                            let q = literal_string(v).ok_or_else(|| bad_value("a string or an object literal"))?;
                            if q.is_empty() || q.starts_with('?') { q } else { format!("?{q}") }
                        }
                    });
                }
                _ => {
                    return Err(self.located(
                        "GLOB_IMPORT",
                        format!("unknown import.meta.glob() option `{key}`"),
                        p.key.span(),
                        "the options are eager, import, query, base, exhaustive (and the legacy `as`)",
                    ));
                }
            }
        }
        if let Some(kind) = legacy_as {
            // Vite's deprecated `as: 'raw'` / `as: 'url'`: the query, and the default export.
            if opts.query.is_some() {
                return Err(self.located(
                    "GLOB_IMPORT",
                    "import.meta.glob() options `as` and `query` cannot be used together".into(),
                    o.span,
                    "`as` is the deprecated form of `query`: write { query: '?raw', import: 'default' }",
                ));
            }
            if opts.import.is_none() && matches!(kind.as_str(), "raw" | "url") {
                opts.import = Some("default".into());
            }
            opts.query = Some(format!("?{kind}"));
        }
        Ok(opts)
    }

    fn query_object(&self, q: &ObjectExpression<'_>) -> Result<String, Diagnostic> {
        let mut parts = Vec::new();
        for prop in &q.properties {
            let ObjectPropertyKind::ObjectProperty(p) = prop else { continue };
            let key = match &p.key {
                PropertyKey::StaticIdentifier(id) if !p.computed => id.name.to_string(),
                PropertyKey::StringLiteral(s) => s.value.display().to_string(),
                _ => String::new(),
            };
            let value = match &p.value {
                Expression::BooleanLiteral(b) => b.value.to_string(),
                Expression::NumericLiteral(n) => n.value.to_string(),
                v => literal_string(v).ok_or_else(|| {
                    self.located(
                        "GLOB_IMPORT",
                        format!("import.meta.glob() query value `{key}` must be a string, number or boolean literal"),
                        p.value.span(),
                        "e.g. { query: { lang: 'en', v: 2 } }",
                    )
                })?,
            };
            if key.is_empty() {
                continue;
            }
            parts.push(format!("{key}={value}"));
        }
        Ok(if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) })
    }

    /// The directory `base` (or the importer's) patterns are relative to.
    fn pattern_dir(&self, base: Option<&str>) -> PathBuf {
        match base {
            Some(b) => match b.strip_prefix('/') {
                Some(r) => normalize(&self.ctx.root.join(r)),
                None => normalize(&self.dir.join(b)),
            },
            None => self.dir.clone(),
        }
    }

    /// `pattern` as a directory to walk and a glob below it, or an error naming what is wrong.
    fn absolute(&self, pattern: &str, dir: &Path) -> Result<AbsGlob, String> {
        let (start, rest): (PathBuf, &str) = if let Some(r) = pattern.strip_prefix('/') {
            (self.ctx.root.to_path_buf(), r)
        } else if pattern.starts_with("./") || pattern.starts_with("../") {
            (dir.to_path_buf(), pattern)
        } else if pattern.starts_with("**") {
            (self.ctx.root.to_path_buf(), pattern)
        } else if let Some((target, r)) = self.alias(pattern) {
            (target, r)
        } else {
            return Err(format!(
                "invalid glob pattern `{pattern}`: patterns start with ./ or ../ (relative to this file), / (from the project root), ** or a resolve.alias key"
            ));
        };
        if let Err(e) = fast_glob::validate(rest) {
            return Err(format!("invalid glob pattern `{pattern}`: {e:?}"));
        }
        // The static directories before the first segment with glob syntax are walked from.
        let segments: Vec<&str> = rest.split('/').collect();
        let first_glob = segments.iter().position(|s| s.contains(['*', '?', '[', ']', '{', '}', '\\']));
        let (static_part, glob_part) = match first_glob {
            Some(i) => (&segments[..i], &segments[i..]),
            // A plain file path: its directory, and its name as the glob.
            None => (&segments[..segments.len() - 1], &segments[segments.len() - 1..]),
        };
        let base = normalize(&start.join(static_part.join("/")));
        Ok(AbsGlob { base, glob: glob_part.join("/") })
    }

    /// The alias `pattern` starts with (`@` in `@/views/*.js`): its directory and the rest.
    fn alias<'p>(&self, pattern: &'p str) -> Option<(PathBuf, &'p str)> {
        self.ctx.alias.iter().find_map(|(key, target)| {
            let rest = pattern.strip_prefix(key.as_str())?;
            if key.ends_with('/') {
                Some((target.clone(), rest))
            } else {
                rest.strip_prefix('/').map(|r| (target.clone(), r))
            }
        })
    }

    /// The files the patterns match, sorted: (absolute path, key).
    fn match_files(
        &mut self,
        patterns: &[(String, Span)],
        opts: &GlobOptions,
    ) -> Result<Vec<(PathBuf, String)>, Diagnostic> {
        let dir = self.pattern_dir(opts.base.as_deref());
        let mut positive = Vec::new();
        let mut negative = Vec::new();
        let mut relative = true;
        for (p, span) in patterns {
            let (negated, pat) = match p.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, p.as_str()),
            };
            let abs = self.absolute(pat, &dir).map_err(|m| {
                self.located(
                    "GLOB_IMPORT",
                    m,
                    *span,
                    "e.g. import.meta.glob('./dir/*.js') or import.meta.glob('/src/**/*.ts')",
                )
            })?;
            if negated {
                negative.push(abs);
            } else {
                relative &= pat.starts_with('.');
                positive.push(abs);
            }
        }
        let mut found: BTreeMap<String, PathBuf> = BTreeMap::new();
        for g in &positive {
            let depth = if g.glob.contains("**") { 64 } else { g.glob.split('/').count() };
            self.walk(&g.base, depth, opts.exhaustive, &mut found);
        }
        let matches = |g: &AbsGlob, file: &str| {
            let base = slash(&g.base);
            let Some(rel) =
                file.strip_prefix(base.as_str()).and_then(|r| r.strip_prefix('/').or(base.ends_with('/').then_some(r)))
            else {
                return false;
            };
            if opts.case_sensitive {
                fast_glob::glob_match(&g.glob, rel)
            } else {
                fast_glob::glob_match(g.glob.to_lowercase(), rel.to_lowercase())
            }
        };
        let key_dir = opts.base.as_ref().map(|_| dir.clone());
        let mut out = Vec::new();
        for (file, path) in found {
            if path == self.importer
                || !positive.iter().any(|g| matches(g, &file))
                || negative.iter().any(|g| matches(g, &file))
            {
                continue;
            }
            let key = match &key_dir {
                Some(d) => relative_specifier(d, &path),
                None if relative => relative_specifier(&self.dir, &path),
                None => match path.strip_prefix(self.ctx.root) {
                    Ok(r) => format!("/{}", slash(r)),
                    Err(_) => relative_specifier(self.ctx.root, &path),
                },
            };
            out.push((path, key));
        }
        Ok(out)
    }

    fn walk(&mut self, dir: &Path, depth: usize, exhaustive: bool, out: &mut BTreeMap<String, PathBuf>) {
        self.dirs.insert(dir.to_path_buf());
        for (name, is_dir) in self.ctx.fs.list(dir) {
            if !exhaustive && (name.starts_with('.') || name == "node_modules") {
                continue;
            }
            let path = dir.join(&name);
            if is_dir {
                if depth > 1 {
                    self.walk(&path, depth - 1, exhaustive, out);
                }
            } else {
                out.insert(slash(&path), path);
            }
        }
    }

    /// `Object.assign({ key: value, ... })` for the matched files. Eager values are namespace (or
    /// named) imports added to the prelude; lazy ones are functions that import.
    fn glob_object(&mut self, files: &[(PathBuf, String)], opts: &GlobOptions, call: usize) -> String {
        let query = opts.query.as_deref().unwrap_or("");
        let import = opts.import.as_deref().filter(|i| *i != "*");
        let mut props = Vec::with_capacity(files.len());
        for (i, (path, key)) in files.iter().enumerate() {
            let spec = js_string(&format!("{}{query}", relative_specifier(&self.dir, path)));
            let value = if opts.eager {
                let name = format!("__nexxo_glob_{call}_{i}");
                let binding = match import {
                    None => format!("* as {name}"),
                    Some(imp) if is_identifier(imp) => format!("{{ {imp} as {name} }}"),
                    Some(imp) => format!("{{ {} as {name} }}", js_string(imp)),
                };
                self.prelude.push_str(&format!("import {binding} from {spec};"));
                name
            } else {
                match import {
                    None => format!("() => import({spec})"),
                    Some(imp) => format!("() => import({spec}).then((m) => m[{}])", js_string(imp)),
                }
            };
            props.push(format!("{}: {value}", js_string(key)));
        }
        format!("/* #__PURE__ */ Object.assign({{{}}})", props.join(", "))
    }

    /// Replaces `span` with `text`, keeping the line count of what it replaces. The missing line
    /// breaks go inside the expression's last parentheses, not after it: a break after it would
    /// end the statement before what follows on the call's last line (TypeScript's `) as T`, a
    /// `.then(...)`, by automatic semicolon insertion).
    fn replace(&mut self, span: Span, mut text: String) {
        #[expect(
            clippy::string_slice,
            reason = "`span` is that of a node oxc parsed from `self.source`: oxc spans are char boundaries"
        )]
        let lines = self.source[span.start as usize..span.end as usize].matches('\n').count();
        let breaks = "\n".repeat(lines.saturating_sub(text.matches('\n').count()));
        match text.strip_suffix(')') {
            Some(call) => text = format!("{call}{breaks})"),
            None => text.push_str(&breaks),
        }
        self.edits.push(Edit { start: span.start, end: span.end, text });
    }

    /// ``import(`./views/${name}.js`)`` and `import('./views/' + name + '.js')`: a lookup in the
    /// glob of the files the expression can name. `Ok(false)` for imports it leaves alone.
    fn dynamic_import(&mut self, it: &ImportExpression<'_>) -> Result<bool, Diagnostic> {
        let source = it.source.without_parentheses();
        let varies = match source {
            Expression::TemplateLiteral(t) => !t.expressions.is_empty(),
            Expression::BinaryExpression(_) => true,
            Expression::CallExpression(c) => {
                matches!(&c.callee, Expression::StaticMemberExpression(m) if m.property.name == "concat")
            }
            _ => false,
        };
        if !varies {
            return Ok(false);
        }
        #[expect(clippy::string_slice, reason = "spans of nodes oxc parsed from `self.source`: char boundaries")]
        let between = &self.source[it.span.start as usize..source.span().start as usize];
        if between.contains("@vite-ignore") || between.contains("@nexxo-ignore") {
            return Ok(false);
        }
        #[expect(clippy::string_slice, reason = "the span of a node oxc parsed from `self.source`: char boundaries")]
        let text = &self.source[source.span().start as usize..source.span().end as usize];
        let glob = to_glob(source).map_err(|m| {
            self.located("DYNAMIC_IMPORT", format!("invalid dynamic import {text}: {m}"), source.span(), DYNAMIC_HINT)
        })?;
        let glob = collapse_stars(&glob);
        if !glob.contains('*')
            || glob.starts_with('*')
            || ["data:", "http:", "https:"].iter().any(|p| glob.starts_with(*p))
        {
            // Constant, or nothing static to search from (`import(url)`): left to the runtime.
            return Ok(false);
        }
        // The query (`?raw`) after the last `/` goes on each import, not into the glob.
        let last_slash = glob.rfind('/').unwrap_or(0);
        #[expect(clippy::string_slice, reason = "`last_slash` is where `rfind` found `/` (or 0)")]
        let (path_glob, query) = match glob[last_slash..].find('?') {
            Some(q) => glob.split_at(last_slash + q),
            None => (glob.as_str(), ""),
        };
        let err = |m: String| {
            self.located("DYNAMIC_IMPORT", format!("invalid dynamic import {text}: {m}"), source.span(), DYNAMIC_HINT)
        };
        let star = path_glob.find('*').unwrap_or(0);
        #[expect(clippy::string_slice, reason = "`star` is where `find` found `*` (or 0)")]
        let prefix_end = path_glob[..star].rfind('/').map_or(0, |i| i + 1);
        #[expect(clippy::string_slice, reason = "`prefix_end` is past a `/` that `rfind` found (or 0)")]
        let written_prefix = &path_glob[..prefix_end];
        let is_bare = !(path_glob.starts_with("./") || path_glob.starts_with("../") || path_glob.starts_with('/'));
        if is_bare && self.alias(path_glob).is_none() {
            return Err(err(
                "variable bare imports are not supported; the static part must start with ./ or ../".into()
            ));
        }
        #[expect(clippy::string_slice, reason = "past a `/` that `rfind` found (or 0)")]
        let file_name = &path_glob[path_glob.rfind('/').map_or(0, |i| i + 1)..];
        if !file_name.rfind('.').is_some_and(|i| i > 0 && i + 1 < file_name.len()) {
            return Err(err("a file extension must be included in the static part of the import".into()));
        }
        // The static prefix, resolved; the rest, escaped for the glob matcher except the stars.
        let prefix_dir = if written_prefix.is_empty() {
            self.dir.clone()
        } else {
            self.absolute(&format!("{written_prefix}x"), &self.dir).map_err(err)?.base
        };
        #[expect(clippy::string_slice, reason = "`prefix_end` is past a `/` that `rfind` found (or 0)")]
        let glob_rest: String = path_glob[prefix_end..]
            .chars()
            .map(|c| if "?[]{}\\".contains(c) { format!("\\{c}") } else { c.to_string() })
            .collect();
        let depth = glob_rest.split('/').count();
        let mut found = BTreeMap::new();
        self.walk(&prefix_dir, depth, false, &mut found);
        let mut files = Vec::new();
        for (file, path) in found {
            let Some(rel) = file.strip_prefix(&format!("{}/", slash(&prefix_dir))) else { continue };
            if path != self.importer && fast_glob::glob_match(&glob_rest, rel) {
                // Keyed as the expression writes it, so the lookup needs no rewriting of the path.
                files.push((path, format!("{written_prefix}{rel}")));
            }
        }
        let opts = GlobOptions { query: (!query.is_empty()).then(|| query.to_string()), ..Default::default() };
        let call = self.calls;
        self.calls += 1;
        let object = self.glob_object(&files, &opts, call);
        let segments = path_glob.split('/').count();
        self.helper = true;
        // The expression's own text, so the runtime path is computed exactly as written.
        self.replace(it.span, format!("__nexxo_import_vars({object}, ({text}), {segments})"));
        Ok(true)
    }
}

const DYNAMIC_HINT: &str = "a dynamic import with variables is expanded to the files it can name: \
    each variable stands for one path segment, and the static part must start with ./ or ../ and \
    end with a file extension, e.g. import(`./views/${name}.js`). Add /* @vite-ignore */ inside \
    import( ) to leave it to the browser as is";

fn collapse_stars(glob: &str) -> String {
    let mut out = glob.to_string();
    while out.contains("**") {
        out = out.replace("**", "*");
    }
    out
}

/// The glob of a string expression: literal parts kept, every other part `*`
/// (@rollup/plugin-dynamic-import-vars' rules).
fn to_glob(e: &Expression<'_>) -> Result<String, String> {
    match e.without_parentheses() {
        Expression::TemplateLiteral(t) => template_glob(t),
        Expression::StringLiteral(s) => literal_part(&s.value.display().to_string()),
        Expression::BinaryExpression(b) => binary_glob(b),
        Expression::CallExpression(c) => match &c.callee {
            Expression::StaticMemberExpression(m) if m.property.name == "concat" => {
                let mut out = to_glob(&m.object)?;
                for a in &c.arguments {
                    out.push_str(&match a {
                        Argument::SpreadElement(_) => "*".to_string(),
                        a => to_glob(a.to_expression())?,
                    });
                }
                Ok(out)
            }
            _ => Ok("*".into()),
        },
        _ => Ok("*".into()),
    }
}

fn template_glob(t: &TemplateLiteral<'_>) -> Result<String, String> {
    let mut out = String::new();
    for (i, q) in t.quasis.iter().enumerate() {
        let cooked = q.value.cooked.map_or_else(|| q.value.raw.to_string(), |c| c.display().to_string());
        out.push_str(&literal_part(&cooked)?);
        if let Some(e) = t.expressions.get(i) {
            out.push_str(&to_glob(e)?);
        }
    }
    Ok(out)
}

fn binary_glob(b: &BinaryExpression<'_>) -> Result<String, String> {
    if b.operator != BinaryOperator::Addition {
        return Err(format!("the {} operator is not supported", b.operator.as_str()));
    }
    Ok(format!("{}{}", to_glob(&b.left)?, to_glob(&b.right)?))
}

fn literal_part(s: &str) -> Result<String, String> {
    if s.contains('*') {
        return Err("a dynamic import cannot contain * characters".into());
    }
    Ok(s.to_string())
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// `to` as an import specifier from directory `from`: `./x` or `../x`.
fn relative_specifier(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to_c: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(to_c[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    let rel = parts.join("/");
    if rel.starts_with("../") { rel } else { format!("./{rel}") }
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Whether the root-relative path `rel` matches `pattern` (fast-glob's syntax, as in
/// `import.meta.glob`): one matcher for every glob of the config (`assetsInclude`). A pattern
/// with no `/` names a file anywhere (`*.gltf`), as Vite's filters treat it.
pub fn path_matches(pattern: &str, rel: &str) -> bool {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    if pattern.contains('/') {
        fast_glob::glob_match(pattern, rel)
    } else {
        fast_glob::glob_match(format!("**/{pattern}"), rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A directory tree in memory: path to (name, is_dir) entries.
    struct Tree(HashMap<PathBuf, Vec<(String, bool)>>);

    impl Tree {
        fn new(files: &[&str]) -> Self {
            let mut t: HashMap<PathBuf, Vec<(String, bool)>> = HashMap::new();
            for f in files {
                let p = PathBuf::from(f);
                let mut child = p.as_path();
                while let Some(parent) = child.parent() {
                    let name = child.file_name().unwrap().to_string_lossy().into_owned();
                    let is_dir = child != p.as_path();
                    let entries = t.entry(parent.to_path_buf()).or_default();
                    if !entries.iter().any(|(n, _)| *n == name) {
                        entries.push((name, is_dir));
                    }
                    child = parent;
                }
            }
            Self(t)
        }
    }

    impl ListDir for Tree {
        fn list(&self, dir: &Path) -> Vec<(String, bool)> {
            self.0.get(dir).cloned().unwrap_or_default()
        }
    }

    fn run(src: &str, files: &[&str]) -> Result<(String, Vec<PathBuf>), Diagnostic> {
        let tree = Tree::new(files);
        let alias = vec![("@".to_string(), PathBuf::from("/p/src"))];
        let ctx = GlobContext { root: Path::new("/p"), alias: &alias, fs: &tree };
        let e = expand("src/main.ts", Path::new("/p/src/main.ts"), src, &ctx)?;
        Ok((e.apply(src), e.dirs))
    }

    const FILES: &[&str] = &[
        "/p/src/main.ts",
        "/p/src/dir/foo.js",
        "/p/src/dir/bar.js",
        "/p/src/dir/.hidden.js",
        "/p/src/dir/note.md",
        "/p/src/dir/deep/baz.js",
        "/p/src/dir/node_modules/x.js",
        "/p/src/views/a.js",
        "/p/src/views/b.js",
    ];

    #[test]
    fn lazy_eager_import_query() {
        let (out, dirs) = run("const m = import.meta.glob('./dir/*.js');\n", FILES).unwrap();
        assert_eq!(
            out,
            "const m = /* #__PURE__ */ Object.assign({\"./dir/bar.js\": () => import(\"./dir/bar.js\"), \"./dir/foo.js\": () => import(\"./dir/foo.js\")});\n"
        );
        assert_eq!(dirs, [PathBuf::from("/p/src/dir")]);
        let (out, _) =
            run("const m = import.meta.glob('./dir/*.js', { eager: true, import: 'default' });", FILES).unwrap();
        assert!(out.starts_with("import { default as __nexxo_glob_0_0 } from \"./dir/bar.js\";import { default as __nexxo_glob_0_1 } from \"./dir/foo.js\";const m = "), "{out}");
        assert!(out.contains("\"./dir/foo.js\": __nexxo_glob_0_1"), "{out}");
        let (out, _) = run("import.meta.glob('./dir/*.md', { query: '?raw', import: 'default' })", FILES).unwrap();
        assert!(out.contains("() => import(\"./dir/note.md?raw\").then((m) => m[\"default\"])"), "{out}");
        let (legacy, _) = run("import.meta.glob('./dir/*.md', { as: 'raw' })", FILES).unwrap();
        assert_eq!(legacy, out);
        let (out, _) = run("import.meta.glob('./dir/*.js', { query: { foo: 'bar', n: 2, b: true } })", FILES).unwrap();
        assert!(out.contains("import(\"./dir/foo.js?foo=bar&n=2&b=true\")"), "{out}");
    }

    #[test]
    fn recursive_negative_absolute_alias_base() {
        let (out, dirs) = run("import.meta.glob(['./dir/**/*.js', '!**/bar.js'])", FILES).unwrap();
        assert!(out.contains("\"./dir/deep/baz.js\"") && out.contains("\"./dir/foo.js\""), "{out}");
        assert!(!out.contains("bar.js") && !out.contains("hidden") && !out.contains("node_modules"), "{out}");
        assert!(dirs.contains(&PathBuf::from("/p/src/dir/deep")), "{dirs:?}");
        let (out, _) = run("import.meta.glob('/src/views/*.js')", FILES).unwrap();
        assert!(out.contains("\"/src/views/a.js\": () => import(\"./views/a.js\")"), "{out}");
        let (out, _) = run("import.meta.glob('@/views/*.js')", FILES).unwrap();
        assert!(out.contains("\"/src/views/a.js\": () => import(\"./views/a.js\")"), "{out}");
        let (out, _) = run("import.meta.glob('./*.js', { base: './views' })", FILES).unwrap();
        assert!(out.contains("\"./a.js\": () => import(\"./views/a.js\")"), "{out}");
        // The importer never imports itself.
        let (out, _) = run("import.meta.glob('./*.ts')", FILES).unwrap();
        assert!(out.contains("Object.assign({})"), "{out}");
    }

    #[test]
    fn a_multi_line_glob_followed_by_as_or_a_call_stays_one_expression() {
        let src = "const m = import.meta.glob(\n  './dir/*.js',\n  { eager: true },\n) as Record<string, unknown>;\nexport const x = 1;\n";
        let (out, _) = run(src, FILES).unwrap();
        assert_eq!(out.lines().count(), src.lines().count(), "{out}");
        assert!(out.contains("\n) as Record<string, unknown>;"), "{out}");
    }

    #[test]
    fn lines_are_kept() {
        let src = "const m = import.meta.glob(\n  './dir/*.js',\n  { eager: true },\n);\nexport const x = 1;\n";
        let (out, _) = run(src, FILES).unwrap();
        assert_eq!(out.lines().count(), src.lines().count(), "{out}");
        assert_eq!(out.lines().nth(4), Some("export const x = 1;"));
    }

    #[test]
    fn dynamic_import_vars() {
        let src = "const load = (name) => import(`./views/${name}.js`);\nconst two = (n) => import('./views/' + n + '.js');\n";
        let (out, dirs) = run(src, FILES).unwrap();
        assert!(out.contains("__nexxo_import_vars(/* #__PURE__ */ Object.assign({\"./views/a.js\": () => import(\"./views/a.js\"), \"./views/b.js\": () => import(\"./views/b.js\")}), (`./views/${name}.js`), 3)"), "{out}");
        assert!(out.contains(", ('./views/' + n + '.js'), 3)"), "{out}");
        assert!(out.starts_with("function __nexxo_import_vars("), "{out}");
        assert_eq!(out.lines().count(), 2);
        assert_eq!(dirs, [PathBuf::from("/p/src/views")]);
        // Root-absolute: keyed as written, imported relatively.
        let (out, _) = run("import(`/src/views/${n}.js`)", FILES).unwrap();
        assert!(out.contains("\"/src/views/a.js\": () => import(\"./views/a.js\")"), "{out}");
        // Left alone: constants, fully dynamic paths, ignored ones.
        for src in [
            "import('./a.js')",
            "import(`./a.js`)",
            "import(url)",
            "import(`${base}/x.js`)",
            "import(/* @vite-ignore */ `./v/${x}.js`)",
        ] {
            assert_eq!(run(src, FILES).unwrap().0, src);
        }
    }

    #[test]
    fn errors_are_located() {
        let e = run("const p = './dir/*.js';\nimport.meta.glob(p);\n", FILES).unwrap_err();
        assert_eq!((e.code, e.line, e.column), ("GLOB_IMPORT", Some(2), Some(18)));
        assert!(e.hint.unwrap().contains("string literal"));
        let e = run("import.meta.glob('./*.js', { eagr: true })", FILES).unwrap_err();
        assert!(e.message.contains("unknown import.meta.glob() option `eagr`"), "{e}");
        let e = run("import.meta.glob('dir/*.js')", FILES).unwrap_err();
        assert!(e.message.contains("invalid glob pattern"), "{e}");
        let e = run("\nimport(`./views/${n}`)", FILES).unwrap_err();
        assert_eq!((e.code, e.line, e.column), ("DYNAMIC_IMPORT", Some(2), Some(8)));
        assert!(e.message.contains("file extension"), "{e}");
        let e = run("import(`views/${n}.js`)", FILES).unwrap_err();
        assert!(e.message.contains("bare"), "{e}");
        // After multi-byte text on the line: the column counts characters.
        let e = run("const \u{540d} = '\u{4e2d}';\u{3000}import(`./views/${n}`)", FILES).unwrap_err();
        assert_eq!((e.code, e.line, e.column), ("DYNAMIC_IMPORT", Some(1), Some(23)));
    }

    #[test]
    fn prefilter() {
        assert!(!may_expand("import x from './a.js'; import('./b.js'); import(\"./c.js\")"));
        assert!(may_expand("import(`./v/${x}.js`)"));
        assert!(may_expand("import('./v/' + x)"));
        assert!(may_expand("import(name)"));
        assert!(may_expand("import.meta.glob('./x/*.js')"));
        assert!(!may_expand("myimport(x)"));
        // Multi-byte text around the argument (an ideographic space, `中`, an emoji).
        assert!(may_expand("import\u{3000}(\u{3000}'./\u{4e2d}/' + x)"));
        assert!(!may_expand("import('./\u{4e2d}.js')\u{1f600}"));
        assert!(!may_expand("import(`\u{4e2d}"));
    }
}
