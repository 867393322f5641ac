//! `build.lib` (library mode) and the Rollup options a library sets beside it: `external`
//! (names, or regular expressions as `^` patterns) and `output.globals`.

use oxc::ast::ast::{ArrayExpressionElement, Expression, RegExpFlags};
use oxc::span::GetSpan;
use serde_json::Value;

use crate::output::Obj;
use crate::{Cx, paths};

impl<'a> Cx<'a, '_> {
    pub(crate) fn lib(&mut self, value: &'a Expression<'a>, b: &mut Obj) {
        let Some(obj) = self.object(value, "build.lib") else { return };
        let mut lib = serde_json::Map::new();
        for (key, v, span) in self.props(obj, "build.lib") {
            let path = format!("build.lib.{key}");
            let translated = match (key.as_str(), self.data(v, 0)) {
                ("entry", Ok(Value::String(p))) => Some(Value::String(paths::root_relative(&p))),
                ("entry", Ok(Value::Array(list))) if list.iter().all(Value::is_string) => Some(Value::Array(
                    list.iter().filter_map(Value::as_str).map(|p| Value::String(paths::root_relative(p))).collect(),
                )),
                ("entry", Ok(Value::Object(map))) if map.values().all(Value::is_string) => Some(Value::Object(
                    map.into_iter()
                        .map(|(k, p)| (k, Value::String(paths::root_relative(p.as_str().unwrap_or_default()))))
                        .collect(),
                )),
                ("name" | "fileName" | "cssFileName", Ok(Value::String(s))) => Some(Value::String(s)),
                ("formats", Ok(Value::Array(list))) if list.iter().all(Value::is_string) => Some(Value::Array(list)),
                ("entry" | "name" | "fileName" | "cssFileName" | "formats", Ok(_)) => {
                    self.note(v.span(), format!("`{path}` has a shape Nexxo does not take; not translated"));
                    None
                }
                ("entry" | "name" | "fileName" | "cssFileName" | "formats", Err(skip)) => {
                    self.skipped(&path, skip);
                    None
                }
                _ => {
                    self.note(span, format!("`{path}` has no Nexxo equivalent; not translated"));
                    None
                }
            };
            if let Some(t) = translated {
                lib.insert(key, t);
            }
        }
        if lib.contains_key("entry") {
            self.set(b, "lib", Value::Object(lib), "build.lib");
        } else {
            self.note(value.span(), "`build.lib` without an entry Nexxo can read; not translated");
        }
    }

    /// Rollup's `external`: a name, a regular expression or a list of them, as Nexxo's list (a
    /// regular expression becomes a `^` pattern: `/^react/` is `"^react"`, `/lodash/` is
    /// `"^.*(?:lodash)"`); a function is a note.
    pub(crate) fn external(&mut self, v: &'a Expression<'a>) -> Option<Vec<Value>> {
        let v = self.resolve_const(v);
        let items: Vec<&Expression<'_>> = match v {
            Expression::ArrayExpression(list) => {
                list.elements.iter().filter_map(ArrayExpressionElement::as_expression).collect()
            }
            other => vec![other],
        };
        let mut out = Vec::new();
        for item in items {
            let item = self.resolve_const(item);
            match item {
                Expression::RegExpLiteral(r) => {
                    let text = r.regex.pattern.text.as_str();
                    let flags = if r.regex.flags.contains(RegExpFlags::I) { "(?i)" } else { "" };
                    out.push(Value::String(match text.strip_prefix('^') {
                        Some(rest) => format!("^{flags}{rest}"),
                        None => format!("^{flags}.*(?:{text})"),
                    }));
                }
                _ => match self.data(item, 0) {
                    Ok(Value::String(s)) => out.push(Value::String(s)),
                    Ok(_) => {
                        self.note(item.span(), "`build.rollupOptions.external`: an entry is not a name; not translated")
                    }
                    Err(skip) => self.skipped("build.rollupOptions.external", skip),
                },
            }
        }
        (!out.is_empty()).then_some(out)
    }
}
