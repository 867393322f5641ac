//! Where a module calls `import()`: the byte spans of its dynamic import expressions, so a build
//! can wrap each one (see nexxo_bundler's `lazy_css`). Type positions (`typeof import("x")`) are
//! not expressions and are not listed.

use oxc::allocator::Allocator;
use oxc::ast::ast::ImportExpression;
use oxc::ast_visit::{VisitJs, walk_js};
use oxc::parser::Parser;
use oxc::span::Span;

/// The spans `[start, end)` of every `import(...)` expression in `source`, in source order; empty
/// when there is none or the module does not parse (the parse that follows reports that).
pub fn dynamic_imports(filename: &str, source: &str) -> Vec<(u32, u32)> {
    // Most modules have no `import(`: no parse for them. (`import/* c */(x)` is missed; its
    // chunk's CSS then applies when it loads, as before.)
    if !may_import(source) || crate::nesting::check(filename, source).is_err() {
        return Vec::new();
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, crate::source_type(filename)).parse();
    if !parsed.diagnostics.is_empty() {
        return Vec::new();
    }
    let mut found = Found(Vec::new());
    // The visitor walks in source order, a parent `import()` before one in its argument.
    found.visit_program(&parsed.program);
    found.0
}

/// `import` followed by `(`, spaces between allowed: every module has `import`, few call it.
fn may_import(source: &str) -> bool {
    let bytes = source.as_bytes();
    memchr::memmem::find_iter(bytes, b"import")
        .any(|at| bytes.get(at + 6..).and_then(|rest| rest.iter().find(|b| !b.is_ascii_whitespace())) == Some(&b'('))
}

struct Found(Vec<(u32, u32)>);

impl<'a> VisitJs<'a> for Found {
    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        let Span { start, end, .. } = it.span;
        self.0.push((start, end));
        walk_js::walk_import_expression(self, it);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_import_calls_not_types_or_strings() {
        let src = "type T = typeof import('./t');\nconst s = 'import(\"./no\")';\nconst a = import('./a');\nf(() => import(`./b/${x}.ts`));\n";
        let spans = dynamic_imports("m.ts", src);
        let texts: Vec<&str> = spans.iter().filter_map(|&(s, e)| src.get(s as usize..e as usize)).collect();
        assert_eq!(texts, ["import('./a')", "import(`./b/${x}.ts`)"]);
        assert!(dynamic_imports("m.ts", "const x = 1;").is_empty());
        assert!(dynamic_imports("m.ts", "import(").is_empty());
        assert!(may_import("x = import (\n'./a')") && !may_import("import a from './a'; // import"));
    }
}
