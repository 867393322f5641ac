//! `server.proxy` / `preview.proxy`: each entry's target and the options Nexxo's proxy has (see
//! `nexxo_config::ProxyRule`). A `rewrite` function is code; the one shape Vite's docs and most
//! apps write, `(path) => path.replace(/^\/api/, '')`, is the data `{ "^/api": "" }`.

use oxc::ast::ast::{Argument, BindingPattern, Expression, RegExpFlags, Statement};
use oxc::span::GetSpan;
use serde_json::Value;

use crate::Cx;
use crate::output::Obj;

impl<'a> Cx<'a, '_> {
    pub(crate) fn proxy(&mut self, section: &str, value: &'a Expression<'a>, out: &mut Obj) {
        let path = format!("{section}.proxy");
        let Some(obj) = self.object(value, &path) else { return };
        for (key, v, _) in self.props(obj, &path) {
            let at = format!("{path}[\"{key}\"]");
            let entry = match self.resolve_const(v) {
                Expression::ObjectExpression(o) => {
                    let mut entry = serde_json::Map::new();
                    for (field, fv, span) in self.props(o, &at) {
                        let field_at = format!("{at}.{field}");
                        let value = match field.as_str() {
                            "rewrite" => self.rewrite(fv).map(|(p, to)| {
                                let mut m = serde_json::Map::new();
                                m.insert(p, Value::String(to));
                                Value::Object(m)
                            }),
                            "target" | "changeOrigin" | "ws" | "headers" | "secure" => match self.data(fv, 0) {
                                // `target` may be written as Node's URL parts; only a string is translated.
                                Ok(Value::Null) => None,
                                Ok(v) => Some(v),
                                Err(skip) => {
                                    self.skipped(&field_at, skip);
                                    None
                                }
                            },
                            _ => {
                                self.note(span, format!("`{field_at}` has no Nexxo equivalent; not translated"));
                                None
                            }
                        };
                        if let Some(value) = value {
                            entry.insert(field, value);
                        }
                    }
                    Value::Object(entry)
                }
                _ => match self.data(v, 0) {
                    Ok(value) => value,
                    Err(skip) => {
                        self.skipped(&at, skip);
                        continue;
                    }
                },
            };
            // The same check as the config file's: what Nexxo would refuse to start with is a
            // note, and the entry is left out.
            match nexxo_config::ProxyRule::try_from(entry.clone()) {
                Ok(_) => self.set(out.obj(section).obj("proxy"), &key, entry, &path),
                Err(why) => self.note(v.span(), format!("`{at}`: {why}; not translated")),
            }
        }
    }

    /// `(p) => p.replace(/pattern/, 'text')` (or with a string pattern, or a body that only
    /// returns that) as a pattern and a replacement in Rust's regex syntax; otherwise a note.
    fn rewrite(&mut self, e: &'a Expression<'a>) -> Option<(String, String)> {
        let e = self.resolve_const(e);
        let found = match e {
            Expression::ArrowFunctionExpression(f) if f.params.items.len() == 1 => {
                let body = f.get_expression().or_else(|| match f.get_function_body().map(|b| &b.statements[..]) {
                    Some([Statement::ReturnStatement(r)]) => r.argument.as_ref(),
                    _ => None,
                });
                body.zip(param_name(&f.params.items[0].pattern)).and_then(|(b, p)| replace_call(b, p))
            }
            Expression::FunctionExpression(f) if f.params.items.len() == 1 => {
                let body = f.body.as_ref().and_then(|b| match &b.statements[..] {
                    [Statement::ReturnStatement(r)] => r.argument.as_ref(),
                    _ => None,
                });
                body.zip(param_name(&f.params.items[0].pattern)).and_then(|(b, p)| replace_call(b, p))
            }
            _ => None,
        };
        match found {
            Some(Ok(rule)) => Some(rule),
            Some(Err(why)) => {
                self.note(e.span(), format!("`rewrite` (`{}`): {why}; not translated", self.snippet(e.span())));
                None
            }
            None => {
                self.code_note(
                    e.span(),
                    format!(
                        "`rewrite` (`{}`) is code; Nexxo translates `(path) => path.replace(/pattern/, 'text')`; not translated",
                        self.snippet(e.span())
                    ),
                );
                None
            }
        }
    }
}

fn param_name<'b>(p: &'b BindingPattern<'_>) -> Option<&'b str> {
    match p {
        BindingPattern::BindingIdentifier(id) => Some(id.name.as_str()),
        _ => None,
    }
}

/// `param.replace(pattern, replacement)`: `None` when the body is another shape, an error when
/// it is this shape with what Nexxo cannot do the same.
fn replace_call(body: &Expression<'_>, param: &str) -> Option<Result<(String, String), String>> {
    let Expression::CallExpression(call) = body.get_inner_expression() else { return None };
    let Expression::StaticMemberExpression(m) = call.callee.get_inner_expression() else { return None };
    if m.property.name != "replace" || !m.object.is_specific_id(param) || call.arguments.len() != 2 {
        return None;
    }
    let (Some(pattern), Some(to)) = (call.arguments[0].as_expression(), string(&call.arguments[1])) else {
        return None;
    };
    Some(match pattern.get_inner_expression() {
        Expression::StringLiteral(s) => Ok(regex::escape(&s.value.display().to_string())),
        Expression::RegExpLiteral(r) => {
            let flags = r.regex.flags;
            let text = r.regex.pattern.text.as_str();
            if flags.contains(RegExpFlags::G) && !text.starts_with('^') {
                Err("a global (`/g`) replacement of a pattern that is not anchored with `^` replaces every match, Nexxo's the first".to_string())
            } else if flags.intersects(RegExpFlags::Y | RegExpFlags::V) {
                Err("the `y` and `v` flags have no equivalent".to_string())
            } else {
                let mut inline = String::new();
                for (flag, c) in [(RegExpFlags::I, 'i'), (RegExpFlags::M, 'm'), (RegExpFlags::S, 's')] {
                    if flags.contains(flag) {
                        inline.push(c);
                    }
                }
                Ok(if inline.is_empty() { text.to_string() } else { format!("(?{inline}){text}") })
            }
        }
        _ => return None,
    }
    .and_then(|pattern| {
        regex::Regex::new(&pattern).map_err(|e| format!("the pattern is not one Nexxo can run: {e}"))?;
        Ok((pattern, replacement(&to)?))
    }))
}

fn string(arg: &Argument<'_>) -> Option<String> {
    match arg.as_expression()?.get_inner_expression() {
        Expression::StringLiteral(s) => Some(s.value.display().to_string()),
        Expression::TemplateLiteral(t) => t.single_quasi().map(|q| q.display().to_string()),
        _ => None,
    }
}

/// JavaScript's replacement text in Rust's regex syntax: `$1` is `${1}` (Rust would read `$1a`
/// as a group named `1a`), `$$` stays; `$&`, `` $` `` and `$'` have no equivalent.
fn replacement(js: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = js.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('$') => {
                chars.next();
                out.push_str("$$");
            }
            Some(d) if d.is_ascii_digit() => {
                let mut n = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            Some('&' | '`' | '\'' | '<') => {
                return Err(format!("the replacement `{js}` uses `$&`, `$<name>`, `` $` `` or `$'`"));
            }
            _ => out.push_str("$$"),
        }
    }
    Ok(out)
}
