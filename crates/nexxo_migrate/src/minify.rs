//! What a Vite config asks of the minifier beyond on/off: Vite 8's
//! `build.rolldownOptions.output.minify.compress.dropConsole`/`dropDebugger`, and Vite 7's
//! `esbuild.drop: ['console', 'debugger']`, which Vite 8's guide tells users to move there. Both
//! become `build.minify: { "compress": { ... } }`. `drop` is often written for builds only,
//! `mode === 'production' ? ['console'] : []`: the minifier runs in builds only, so that branch
//! is the one taken.

use oxc::ast::ast::{BinaryOperator, Expression};
use oxc::span::GetSpan;
use serde_json::{Map, Value};

use crate::Cx;
use crate::output::Obj;

impl<'a> Cx<'a, '_> {
    /// Top-level `esbuild`: its `drop`; the rest are notes (Nexxo transforms with oxc).
    pub(crate) fn esbuild(&mut self, value: &'a Expression<'a>, out: &mut Obj) {
        let Some(obj) = self.object(value, "esbuild") else { return };
        for (key, v, span) in self.props(obj, "esbuild") {
            if key != "drop" {
                self.note(span, format!("`esbuild.{key}` has no Nexxo equivalent; not translated"));
                continue;
            }
            let v = build_branch(self.resolve_const(v));
            let list = match self.data(v, 0) {
                Ok(Value::Array(list)) if list.iter().all(|d| matches!(d.as_str(), Some("console" | "debugger"))) => {
                    list
                }
                Ok(_) => {
                    self.note(v.span(), "`esbuild.drop` must list `console` and `debugger`; not translated");
                    continue;
                }
                Err(skip) => {
                    self.skipped("esbuild.drop", skip);
                    continue;
                }
            };
            let has = |name: &str| list.iter().any(|d| d.as_str() == Some(name));
            let mut compress = Map::new();
            compress.insert("dropConsole".into(), Value::Bool(has("console")));
            compress.insert("dropDebugger".into(), Value::Bool(has("debugger")));
            self.compress(compress, "esbuild.drop", out.obj("build"));
        }
    }

    /// `output.minify` (rolldown's): `true`/`false`, or an object whose `compress.dropConsole`
    /// and `compress.dropDebugger` Nexxo takes.
    pub(crate) fn output_minify(&mut self, path: &str, v: &'a Expression<'a>, b: &mut Obj) {
        let Expression::ObjectExpression(obj) = self.resolve_const(v) else {
            match self.data(v, 0) {
                Ok(Value::Bool(on)) => self.set(b, "minify", Value::Bool(on), path),
                Ok(_) => self.note(v.span(), format!("`{path}` must be true, false or an object; not translated")),
                Err(skip) => self.skipped(path, skip),
            }
            return;
        };
        let mut compress = Map::new();
        for (key, v, span) in self.props(obj, path) {
            let at = format!("{path}.{key}");
            if key != "compress" {
                self.note(span, format!("`{at}` has no Nexxo equivalent; not translated"));
                continue;
            }
            let Some(options) = self.object(v, &at) else { continue };
            for (k, v, span) in self.props(options, &at) {
                let field = format!("{at}.{k}");
                if !matches!(k.as_str(), "dropConsole" | "dropDebugger") {
                    self.note(span, format!("`{field}` has no Nexxo equivalent; not translated"));
                    continue;
                }
                match self.data(v, 0) {
                    Ok(Value::Bool(on)) => drop(compress.insert(k, Value::Bool(on))),
                    Ok(_) => self.note(v.span(), format!("`{field}` must be true or false; not translated")),
                    Err(skip) => self.skipped(&field, skip),
                }
            }
        }
        if !compress.is_empty() {
            self.compress(compress, path, b);
        }
    }

    /// Sets `build.minify` to `{ compress }`, unless the config turned minification off.
    fn compress(&mut self, compress: Map<String, Value>, path: &str, b: &mut Obj) {
        if b.get("minify") == Some(&Value::Bool(false)) {
            return;
        }
        let mut minify = Map::new();
        minify.insert("compress".into(), Value::Object(compress));
        self.set(b, "minify", Value::Object(minify), path);
    }
}

/// `mode === 'production' ? a : b` or `command === 'build' ? a : b` (either side, `==` or `!=`
/// too): the branch a production build takes; any other expression as it is.
fn build_branch<'a>(e: &'a Expression<'a>) -> &'a Expression<'a> {
    let Expression::ConditionalExpression(c) = e else { return e };
    let Expression::BinaryExpression(test) = c.test.get_inner_expression() else { return e };
    let is = |x: &Expression<'_>, id: &str| x.is_specific_id(id);
    let text = |x: &Expression<'_>| match x.get_inner_expression() {
        Expression::StringLiteral(s) => Some(s.value.display().to_string()),
        _ => None,
    };
    let (l, r) = (test.left.get_inner_expression(), test.right.get_inner_expression());
    let building = [(l, r), (r, l)].iter().find_map(|(id, lit)| match text(lit)?.as_str() {
        "production" if is(id, "mode") => Some(true),
        "build" if is(id, "command") => Some(true),
        "development" if is(id, "mode") => Some(false),
        "serve" if is(id, "command") => Some(false),
        _ => None,
    });
    let Some(building) = building else { return e };
    let equal = match test.operator {
        BinaryOperator::StrictEquality | BinaryOperator::Equality => true,
        BinaryOperator::StrictInequality | BinaryOperator::Inequality => false,
        _ => return e,
    };
    if building == equal { &c.consequent } else { &c.alternate }
}
