//! How a Vite config splits its chunks, as `build.codeSplitting` (rolldown's chunk groups):
//! Vite 8's `rolldownOptions.output.codeSplitting` (or its former name `advancedChunks`) is data
//! apart from regular-expression literals; Rollup's `output.inlineDynamicImports: true` is
//! `false`; and the `manualChunks` functions most apps write, `if (id.includes('node_modules'))
//! return 'vendor'` and its nested and combined forms, are the groups those `if`s describe, in
//! the order they are tried (a module goes to the first name its id reaches, as Vite 8 runs the
//! function: one group whose name is the function's answer).

use oxc::ast::ast::{Expression, FunctionBody, LogicalOperator, RegExpFlags, Statement};
use oxc::span::GetSpan;
use serde_json::{Map, Value};

use crate::Cx;

/// A regular expression's source (JavaScript's syntax, which rolldown runs), or why not.
type Test = Result<String, String>;

impl<'a> Cx<'a, '_> {
    /// `output.codeSplitting` / `output.advancedChunks`: `false`, or `{ groups, minSize, ... }`.
    pub(crate) fn code_splitting(&mut self, path: &str, v: &'a Expression<'a>) -> Option<Value> {
        if let Expression::BooleanLiteral(b) = self.resolve_const(v) {
            return Some(Value::Bool(b.value));
        }
        let obj = self.object(v, path)?;
        let mut out = Map::new();
        for (key, v, span) in self.props(obj, path) {
            let at = format!("{path}.{key}");
            match key.as_str() {
                "groups" => {
                    let Expression::ArrayExpression(list) = self.resolve_const(v) else {
                        self.note(v.span(), format!("`{at}` must be a list of groups; not translated"));
                        continue;
                    };
                    let mut groups = Vec::new();
                    for (i, el) in list.elements.iter().enumerate() {
                        let at = format!("{at}[{i}]");
                        let Some(group) = el.as_expression().and_then(|e| self.object(e, &at)) else { continue };
                        if let Some(g) = self.group(&at, group) {
                            groups.push(g);
                        }
                    }
                    out.insert("groups".into(), Value::Array(groups));
                }
                "minSize" | "maxSize" | "minShareCount" => {
                    if let Some(n) = self.whole(&at, v) {
                        out.insert(key, n);
                    }
                }
                _ => self.note(span, format!("`{at}` has no Nexxo equivalent; not translated")),
            }
        }
        out.contains_key("groups").then_some(Value::Object(out))
    }

    /// One group of `codeSplitting.groups`; `None` (with a note) when its name or test is code.
    fn group(&mut self, at: &str, obj: &'a oxc::ast::ast::ObjectExpression<'a>) -> Option<Value> {
        let mut out = Map::new();
        for (key, v, span) in self.props(obj, at) {
            let field = format!("{at}.{key}");
            match key.as_str() {
                "name" => match self.data(v, 0) {
                    Ok(Value::String(name)) => drop(out.insert(key, Value::String(name))),
                    _ => {
                        let text = self.snippet(v.span());
                        self.code_note(
                            v.span(),
                            format!("`{field}` (`{text}`) is not a name; the group is not translated"),
                        );
                        return None;
                    }
                },
                "test" => match test_of(self.resolve_const(v)) {
                    Some(Ok(re)) => drop(out.insert(key, Value::String(re))),
                    other => {
                        let why = other.and_then(Result::err).unwrap_or_else(|| "is code".into());
                        let text = self.snippet(v.span());
                        self.code_note(v.span(), format!("`{field}` (`{text}`) {why}; the group is not translated"));
                        return None;
                    }
                },
                "priority" | "minSize" | "maxSize" | "minShareCount" => {
                    if let Some(n) = self.whole(&field, v) {
                        out.insert(key, n);
                    }
                }
                _ => self.note(span, format!("`{field}` has no Nexxo equivalent; not translated")),
            }
        }
        if !out.contains_key("name") {
            self.note(obj.span, format!("`{at}` has no `name`; not translated"));
            return None;
        }
        Some(Value::Object(out))
    }

    /// A whole number 0 or more (sizes in bytes, rounded; counts; priorities).
    fn whole(&mut self, at: &str, v: &'a Expression<'a>) -> Option<Value> {
        match self.data(v, 0) {
            Ok(Value::Number(n)) if n.as_f64().is_some_and(|f| f >= 0.0) => {
                #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "0 or more, rounded")]
                let whole = n.as_f64().unwrap_or_default().round() as u64;
                Some(Value::from(whole))
            }
            Ok(_) => {
                self.note(v.span(), format!("`{at}` must be a number 0 or more; not translated"));
                None
            }
            Err(skip) => {
                self.skipped(at, skip);
                None
            }
        }
    }

    /// `manualChunks(id) { ... }` as `{ "groups": [...] }` when its body is only `if`s on the
    /// module id that return names; otherwise a note.
    pub(crate) fn manual_chunks_fn(&mut self, path: &str, e: &'a Expression<'a>) -> Option<Value> {
        let (param, body, expression) = match self.resolve_const(e) {
            Expression::ArrowFunctionExpression(f) => {
                (f.params.items.first().map(|p| &p.pattern), f.get_function_body(), f.get_expression())
            }
            Expression::FunctionExpression(f) => (f.params.items.first().map(|p| &p.pattern), f.body.as_deref(), None),
            _ => return None,
        };
        let param = match param {
            Some(oxc::ast::ast::BindingPattern::BindingIdentifier(id)) => id.name.as_str(),
            _ => "",
        };
        let mut groups = Vec::new();
        let result = match (expression, body) {
            (Some(e), _) => Groups { param, out: &mut groups }.returned(e, &[]).map(|_| ()),
            (None, Some(body)) => Groups { param, out: &mut groups }.body(body),
            (None, None) => Err("has no body".to_string()),
        };
        let text = self.snippet(e.span());
        match result {
            Ok(()) if !groups.is_empty() && !param.is_empty() => {
                let count = groups.len();
                let groups = groups
                    .into_iter()
                    .enumerate()
                    .map(|(i, (name, test))| {
                        let mut g = Map::new();
                        g.insert("name".into(), Value::String(name));
                        if let Some(test) = test {
                            g.insert("test".into(), Value::String(test));
                        }
                        // Tried in the written order: the first name returned wins.
                        g.insert("priority".into(), Value::from(count - i));
                        Value::Object(g)
                    })
                    .collect();
                let mut out = Map::new();
                out.insert("groups".into(), Value::Array(groups));
                Some(Value::Object(out))
            }
            Ok(()) => {
                self.code_note(e.span(), format!("`{path}` (`{text}`) returns no chunk name; not translated"));
                None
            }
            Err(why) => {
                self.code_note(
                    e.span(),
                    format!(
                        "`{path}` (`{text}`) {why}; Nexxo translates `if`s on the id (`id.includes('x')`, `/re/.test(id)`, \
                         `&&`, `||`) that return names; not translated"
                    ),
                );
                None
            }
        }
    }
}

/// The groups a `manualChunks` body describes, in order: (name, test); `None` matches every id.
struct Groups<'p, 'o> {
    param: &'p str,
    out: &'o mut Vec<(String, Option<String>)>,
}

impl Groups<'_, '_> {
    fn body(&mut self, body: &FunctionBody<'_>) -> Result<(), String> {
        self.statements(&body.statements, &[]).map(|_| ())
    }

    /// Runs `statements` under the conditions `conds` (all must hold); `Ok(true)` when they
    /// always return.
    fn statements(&mut self, statements: &[Statement<'_>], conds: &[String]) -> Result<bool, String> {
        for s in statements {
            if self.statement(s, conds)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn statement(&mut self, s: &Statement<'_>, conds: &[String]) -> Result<bool, String> {
        match s {
            Statement::BlockStatement(b) => self.statements(&b.body, conds),
            Statement::EmptyStatement(_) => Ok(false),
            Statement::IfStatement(i) => {
                let cond = test_of_condition(&i.test, self.param)?;
                let mut inner = conds.to_vec();
                inner.push(cond);
                let always = self.statement(&i.consequent, &inner)?;
                match &i.alternate {
                    // After a branch that always returns, `else` is what follows the `if`.
                    Some(alt) if always => self.statement(alt, conds),
                    Some(_) => Err("has an `else` after a branch that may not return".into()),
                    None => Ok(false),
                }
            }
            Statement::ReturnStatement(r) => match &r.argument {
                Some(e) => self.returned(e, conds),
                None => Err("returns nothing under a condition".into()),
            },
            _ => Err("runs a statement other than `if` and `return`".into()),
        }
    }

    /// `return 'name'` under `conds`: a group; `return` of anything else is refused.
    fn returned(&mut self, e: &Expression<'_>, conds: &[String]) -> Result<bool, String> {
        let name = match e.get_inner_expression() {
            _ if is_package_name(e) => nexxo_config::PACKAGE_GROUP_NAME.to_string(),
            Expression::StringLiteral(s) => s.value.display().to_string(),
            Expression::TemplateLiteral(t) => {
                t.single_quasi().map(|q| q.display().to_string()).ok_or("returns a computed name")?
            }
            Expression::Identifier(id) if id.name == "undefined" && conds.is_empty() => return Ok(true),
            _ => return Err("returns a computed name".into()),
        };
        let test = match conds {
            [] => None,
            [one] => Some(one.clone()),
            [first, rest @ ..] => Some(rest.iter().try_fold(first.clone(), |a, b| and(&a, b))?),
        };
        self.out.push((name, test));
        Ok(true)
    }
}

/// Whether `e` computes the module's package name the way apps write it,
/// `id.toString().split('node_modules/')[1].split('/')[0].toString()` (with or without the
/// `toString()`s): a chunk per package.
fn is_package_name(e: &Expression<'_>) -> bool {
    // Peels `.toString()`, then expects `X[0]` with X = `Y.split('/')`, Y = `Z[1]`, Z = `id.split('node_modules/')`.
    fn peel<'b>(e: &'b Expression<'b>) -> &'b Expression<'b> {
        match e.get_inner_expression() {
            Expression::CallExpression(c) if c.arguments.is_empty() => match c.callee.get_inner_expression() {
                Expression::StaticMemberExpression(m) if m.property.name == "toString" => peel(&m.object),
                _ => e,
            },
            other => other,
        }
    }
    fn index<'b>(e: &'b Expression<'b>, at: f64) -> Option<&'b Expression<'b>> {
        match peel(e) {
            Expression::ComputedMemberExpression(m) => match m.expression.get_inner_expression() {
                Expression::NumericLiteral(n) if n.value == at => Some(&m.object),
                _ => None,
            },
            _ => None,
        }
    }
    fn split<'b>(e: &'b Expression<'b>, by: &str) -> Option<&'b Expression<'b>> {
        match peel(e) {
            Expression::CallExpression(c) if c.arguments.len() == 1 => {
                match (c.callee.get_inner_expression(), c.arguments[0].as_expression()) {
                    (Expression::StaticMemberExpression(m), Some(Expression::StringLiteral(s)))
                        if m.property.name == "split"
                            && s.value.display().to_string().trim_end_matches('/') == by.trim_end_matches('/') =>
                    {
                        Some(&m.object)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
    index(e, 0.0)
        .and_then(|e| split(e, "/"))
        .and_then(|e| index(e, 1.0))
        .and_then(|e| split(e, "node_modules/"))
        .is_some_and(|id| matches!(peel(id), Expression::Identifier(_)))
}

/// A condition on the id as a regular expression, or why it is not one.
fn test_of_condition(e: &Expression<'_>, param: &str) -> Test {
    match e.get_inner_expression() {
        Expression::LogicalExpression(l) => {
            let (a, b) = (test_of_condition(&l.left, param)?, test_of_condition(&l.right, param)?);
            match l.operator {
                LogicalOperator::And => and(&a, &b),
                LogicalOperator::Or => Ok(format!("(?:{a})|(?:{b})")),
                LogicalOperator::Coalesce => Err("tests with `??`".into()),
            }
        }
        Expression::CallExpression(call) => {
            let Expression::StaticMemberExpression(m) = call.callee.get_inner_expression() else {
                return Err("tests the id in a way Nexxo does not translate".into());
            };
            let arg = call.arguments.first().and_then(|a| a.as_expression()).map(Expression::get_inner_expression);
            let on_id = m.object.is_specific_id(param);
            match (m.property.name.as_str(), arg) {
                ("includes", Some(Expression::StringLiteral(s))) if on_id => Ok(escape(&s.value.display().to_string())),
                ("startsWith", Some(Expression::StringLiteral(s))) if on_id => {
                    Ok(format!("^{}", escape(&s.value.display().to_string())))
                }
                ("endsWith", Some(Expression::StringLiteral(s))) if on_id => {
                    Ok(format!("{}$", escape(&s.value.display().to_string())))
                }
                ("match", Some(re @ Expression::RegExpLiteral(_))) if on_id => {
                    test_of(re).unwrap_or_else(|| Err("tests with a computed pattern".into()))
                }
                ("test", Some(a)) if a.is_specific_id(param) => test_of(m.object.get_inner_expression())
                    .unwrap_or_else(|| Err("tests with a computed pattern".into())),
                _ => Err("tests the id in a way Nexxo does not translate".into()),
            }
        }
        _ => Err("tests the id in a way Nexxo does not translate".into()),
    }
}

/// Both tests, in either order (ids are paths: `node_modules` then a package name). Anchored
/// tests are refused: joined this way they would no longer say the same.
fn and(a: &str, b: &str) -> Test {
    if [a, b].iter().any(|t| t.contains('^') || t.contains('$')) {
        return Err("combines an anchored test (`startsWith`, `^`, `$`) with another".into());
    }
    Ok(format!("(?:{a}).*(?:{b})|(?:{b}).*(?:{a})"))
}

/// A regular-expression literal (`/[\\/]node_modules[\\/]/`, `i` the only flag kept) or a
/// string (a regular expression's source, as rolldown reads a string `test`).
fn test_of(e: &Expression<'_>) -> Option<Test> {
    Some(match e.get_inner_expression() {
        Expression::RegExpLiteral(r) => {
            let flags = r.regex.flags;
            let text = r.regex.pattern.text.to_string();
            if flags.intersects(RegExpFlags::Y | RegExpFlags::V | RegExpFlags::M | RegExpFlags::S) {
                Err("has flags Nexxo does not translate (only `i` and `g`)".into())
            } else if flags.contains(RegExpFlags::I) {
                Ok(format!("(?i){text}"))
            } else {
                Ok(text)
            }
        }
        Expression::StringLiteral(s) => Ok(s.value.display().to_string()),
        _ => return None,
    })
}

/// `text` as a regular expression matching it literally.
fn escape(text: &str) -> String {
    regex::escape(text)
}
