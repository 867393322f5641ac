//! The path helpers Vite configs use to name directories next to the config file
//! (`path.resolve(__dirname, 'src')`, `fileURLToPath(new URL('./src', import.meta.url))`),
//! computed as paths relative to the project root, which is where nexxo.config.json goes.

use oxc::ast::ast::{Argument, CallExpression, Expression};
use oxc::span::GetSpan;
use serde_json::Value;

use crate::{Cx, Skip};

const PATH_MODULES: [&str; 4] = ["path", "node:path", "path/posix", "node:path/posix"];
const URL_MODULES: [&str; 2] = ["url", "node:url"];

/// What a callee names: `resolve` (imported from "path") or `path.resolve` → ("path", "resolve").
fn callee_of<'c>(cx: &'c Cx<'_, '_>, callee: &'c Expression<'_>) -> Option<(&'c str, &'c str)> {
    match callee.get_inner_expression() {
        Expression::Identifier(id) => Some((cx.imports.get(id.name.as_str())?.as_str(), id.name.as_str())),
        Expression::StaticMemberExpression(m) => {
            let Expression::Identifier(obj) = m.object.get_inner_expression() else { return None };
            Some((cx.imports.get(obj.name.as_str())?.as_str(), m.property.name.as_str()))
        }
        _ => None,
    }
}

/// The root-relative path a path-helper call gives, `None` when `call` is not one.
pub(crate) fn path_call<'a>(cx: &mut Cx<'a, '_>, call: &'a CallExpression<'a>) -> Result<Option<String>, Skip> {
    let Some((module, name)) = callee_of(cx, &call.callee).map(|(m, n)| (m.to_string(), n.to_string())) else {
        return Ok(None);
    };
    let (module, name) = (module.as_str(), name.as_str());
    let unsupported = |cx: &Cx<'_, '_>, span| Skip {
        span,
        why: format!("`{}` is computed when Vite runs (only literal paths are translated)", cx.snippet(span)),
    };
    if PATH_MODULES.contains(&module) && matches!(name, "resolve" | "join") {
        let mut segments = Vec::new();
        for arg in &call.arguments {
            let Some(e) = arg.as_expression() else { return Err(unsupported(cx, arg.span())) };
            if is_config_dir(e) {
                segments.push(".".to_string());
                continue;
            }
            match cx.data(e, 0) {
                Ok(Value::String(s)) => segments.push(s),
                _ => return Err(unsupported(cx, e.span())),
            }
        }
        let joined = if name == "resolve" {
            // Each absolute segment starts over; relative ones are taken from the root (where
            // Vite runs and where the config lives).
            let mut cur = String::from(".");
            for s in segments {
                if s.starts_with('/') {
                    cur = s;
                } else {
                    cur = format!("{cur}/{s}");
                }
            }
            cur
        } else {
            segments.join("/")
        };
        return Ok(Some(normalize(&joined)));
    }
    if URL_MODULES.contains(&module) && name == "fileURLToPath" {
        let arg = match &call.arguments[..] {
            [Argument::SpreadElement(s)] => return Err(unsupported(cx, s.span)),
            [a] => a.to_expression(),
            _ => return Err(unsupported(cx, call.span)),
        };
        return match url_path(cx, arg) {
            Some(p) => p.map(Some),
            None => Err(unsupported(cx, arg.span())),
        };
    }
    Ok(None)
}

/// `new URL('./src', import.meta.url)` → `./src`; `None` when `e` is not that shape.
pub(crate) fn url_path<'a>(cx: &mut Cx<'a, '_>, e: &'a Expression<'a>) -> Option<Result<String, Skip>> {
    let Expression::NewExpression(new) = e.get_inner_expression() else { return None };
    if !new.callee.is_specific_id("URL") || new.arguments.len() != 2 {
        return None;
    }
    let base = new.arguments[1].as_expression()?;
    if !is_import_meta(base, "url") {
        return None;
    }
    let spec = new.arguments[0].as_expression()?;
    Some(match cx.data(spec, 0) {
        Ok(Value::String(s)) if !s.contains(':') && !s.contains('?') && !s.contains('#') => Ok(normalize(&s)),
        _ => {
            Err(Skip { span: spec.span(), why: format!("`{}` is not a literal relative URL", cx.snippet(spec.span())) })
        }
    })
}

/// `__dirname`, `import.meta.dirname`, `process.cwd()`: the directory of the config, which is the
/// project root.
fn is_config_dir(e: &Expression<'_>) -> bool {
    match e.get_inner_expression() {
        Expression::Identifier(id) => id.name == "__dirname",
        Expression::CallExpression(c) => c.arguments.is_empty() && c.callee.is_specific_member_access("process", "cwd"),
        other => is_import_meta(other, "dirname"),
    }
}

fn is_import_meta(e: &Expression<'_>, property: &str) -> bool {
    matches!(e.get_inner_expression(), Expression::StaticMemberExpression(m)
        if m.property.name == property && matches!(m.object, Expression::ImportMeta(_)))
}

/// Resolves `.` and `..` segments: `./a/../b/` → `./b/`, `/x/./y` → `/x/y`, `.` for the root
/// itself. Relative results start with `./` or `../`; a trailing slash is kept.
pub fn normalize(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut stack: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => match stack.last() {
                Some(&last) if last != ".." => {
                    stack.pop();
                }
                _ if absolute => {}
                _ => stack.push(".."),
            },
            other => stack.push(other),
        }
    }
    let mut out = if absolute {
        format!("/{}", stack.join("/"))
    } else if stack.is_empty() {
        ".".to_string()
    } else if stack[0] == ".." {
        stack.join("/")
    } else {
        format!("./{}", stack.join("/"))
    };
    if p.ends_with('/') && !stack.is_empty() {
        out.push('/');
    }
    out
}

/// A root-relative path as Nexxo's fields write it: `./dist` → `dist`; absolute paths and paths
/// out of the root (`../out`) are kept.
pub fn root_relative(p: &str) -> String {
    let n = normalize(p);
    match n.strip_prefix("./") {
        Some(rest) => rest.to_string(),
        None => n,
    }
}

/// A `resolve.alias` replacement. Vite resolves `/src` from the root first, so root-absolute
/// replacements become `./src` (Nexxo reads `./` replacements from the root); package names
/// (`preact/compat`) are kept.
pub fn alias_target(p: &str) -> String {
    if let Some(rest) = p.strip_prefix('/') {
        return normalize(&format!("./{rest}"));
    }
    if p.starts_with("./") || p.starts_with("../") || p == "." {
        return normalize(p);
    }
    p.to_string()
}
