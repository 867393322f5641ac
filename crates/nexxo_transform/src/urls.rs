//! `new URL("./file", import.meta.url)` references in a module, and the workers constructed from
//! them (`new Worker(new URL("./w.js", import.meta.url), { type: "module" })`): the build turns
//! each into an emitted file (a hashed asset, or a bundled worker) and the dev server follows the
//! workers to find their dependencies. Only a static string is a reference; anything computed is
//! left to run as written, as in Vite.

use oxc::allocator::Allocator;
use oxc::ast::ast::{Argument, Expression, NewExpression, ObjectPropertyKind};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::Parser;
use oxc::span::{GetSpan, SourceType};

/// How a worker is constructed around a `new URL(...)` reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerRef {
    /// `new SharedWorker(...)` rather than `new Worker(...)`.
    pub shared: bool,
    /// The options say `type: "module"`: the worker runs as an ES module.
    pub module: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRef {
    /// Byte span of the whole `new URL(...)` expression.
    pub span: (u32, u32),
    /// The string it names, as written.
    pub specifier: String,
    /// Set when the expression is the first argument of a worker constructor.
    pub worker: Option<WorkerRef>,
}

/// The `new URL(<static string>, import.meta.url)` expressions of `code`, in source order. `filename`
/// picks the syntax (TS, JSX). Code that does not parse has none: the caller's parser reports it.
pub fn new_url_refs(filename: &str, code: &str) -> Vec<UrlRef> {
    // Most modules have none; skip the parse for them.
    if !code.contains("import.meta.url") {
        return Vec::new();
    }
    let allocator = Allocator::default();
    let path = filename.split('?').next().unwrap_or(filename);
    let st = SourceType::from_path(path).unwrap_or_default().with_module(true);
    let parsed = Parser::new(&allocator, code, st).parse();
    if !parsed.diagnostics.is_empty() {
        return Vec::new();
    }
    let mut finder = Finder { refs: Vec::new() };
    finder.visit_program(&parsed.program);
    finder.refs.sort_by_key(|r| r.span.0);
    finder.refs
}

struct Finder {
    refs: Vec<UrlRef>,
}

/// The specifier of `new URL("lit", import.meta.url)`, or `None` for any other expression.
fn static_url(e: &NewExpression) -> Option<String> {
    if !matches!(&e.callee, Expression::Identifier(id) if id.name == "URL") || e.arguments.len() != 2 {
        return None;
    }
    let is_meta_url = matches!(
        e.arguments[1].as_expression(),
        Some(Expression::StaticMemberExpression(m))
            if m.property.name == "url" && matches!(m.object, Expression::ImportMeta(_))
    );
    if !is_meta_url {
        return None;
    }
    match &e.arguments[0] {
        Argument::StringLiteral(s) => s.value.as_str().map(str::to_string),
        Argument::TemplateLiteral(t) if t.expressions.is_empty() && t.quasis.len() == 1 => {
            t.quasis[0].value.cooked.as_ref().and_then(|c| c.as_str()).map(str::to_string)
        }
        _ => None,
    }
}

/// `{ type: "module" }` among a worker constructor's options.
fn is_module_type(options: Option<&Argument>) -> bool {
    let Some(Expression::ObjectExpression(obj)) = options.and_then(Argument::as_expression) else { return false };
    obj.properties.iter().any(|p| match p {
        ObjectPropertyKind::ObjectProperty(p) => {
            p.key.static_name().is_some_and(|n| n == "type")
                && matches!(&p.value, Expression::StringLiteral(s) if s.value == "module")
        }
        ObjectPropertyKind::SpreadProperty(_) => false,
    })
}

impl<'a> Visit<'a> for Finder {
    fn visit_new_expression(&mut self, it: &NewExpression<'a>) {
        let worker = match &it.callee {
            Expression::Identifier(id) if id.name == "Worker" => Some(false),
            Expression::Identifier(id) if id.name == "SharedWorker" => Some(true),
            _ => None,
        };
        if let Some(shared) = worker
            && let Some(Expression::NewExpression(inner)) = it.arguments.first().and_then(Argument::as_expression)
            && let Some(specifier) = static_url(inner)
        {
            let span = inner.span();
            let module = is_module_type(it.arguments.get(1));
            self.refs.push(UrlRef {
                span: (span.start, span.end),
                specifier,
                worker: Some(WorkerRef { shared, module }),
            });
            // The options may hold more references; the URL itself is taken.
            for arg in it.arguments.iter().skip(1) {
                self.visit_argument(arg);
            }
            return;
        }
        if let Some(specifier) = static_url(it) {
            let span = it.span();
            self.refs.push(UrlRef { span: (span.start, span.end), specifier, worker: None });
            return;
        }
        walk::walk_new_expression(self, it);
    }
}

#[cfg(test)]
#[allow(clippy::string_slice, reason = "tests slice at spans the code under test returned")]
mod tests {
    use super::*;

    #[test]
    fn finds_assets_and_workers_with_their_spans() {
        let code = r#"const img = new URL("./a.png", import.meta.url).href;
const w = new Worker(new URL('./w.ts', import.meta.url), { type: "module", name: "x" });
const s = new SharedWorker(new URL(`./s.js`, import.meta.url));
const dynamic = new URL(`./${name}.png`, import.meta.url);
const other = new URL("./b.png", location.href);
function f(): URL { return new URL("../c.svg", import.meta.url); }
"#;
        let refs = new_url_refs("m.ts", code);
        let specs: Vec<(&str, Option<WorkerRef>)> = refs.iter().map(|r| (r.specifier.as_str(), r.worker)).collect();
        assert_eq!(
            specs,
            [
                ("./a.png", None),
                ("./w.ts", Some(WorkerRef { shared: false, module: true })),
                ("./s.js", Some(WorkerRef { shared: true, module: false })),
                ("../c.svg", None),
            ]
        );
        for r in &refs {
            let text = &code[r.span.0 as usize..r.span.1 as usize];
            assert!(text.starts_with("new URL(") && text.ends_with("import.meta.url)"), "{text}");
        }
        assert!(new_url_refs("m.js", "const u = new URL('./x', base);").is_empty());
    }
}
