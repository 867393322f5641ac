//! The config file's field tree, used to reject unknown fields with a useful suggestion before
//! serde sees the value (serde's own message lists every field and cannot point at nested keys).

use serde_json::Value;

pub enum Node {
    Leaf,
    /// An object whose keys are the user's (e.g. `define`, `resolve.alias`).
    Map,
    Object(&'static [(&'static str, Node)]),
}

const SERVER: &[(&str, Node)] = &[
    ("port", Node::Leaf),
    ("host", Node::Leaf),
    ("proxy", Node::Map),
    ("headers", Node::Map),
    ("open", Node::Leaf),
    ("cors", Node::Leaf),
];
const DEV_SERVER: &[(&str, Node)] = &[
    ("port", Node::Leaf),
    ("host", Node::Leaf),
    ("bundle", Node::Leaf),
    ("fs", Node::Object(&[("allow", Node::Leaf)])),
    ("proxy", Node::Map),
    ("headers", Node::Map),
    ("open", Node::Leaf),
    ("cors", Node::Leaf),
    ("origin", Node::Leaf),
];

pub const FIELDS: &[(&str, Node)] = &[
    ("$schema", Node::Leaf),
    ("base", Node::Leaf),
    ("mode", Node::Leaf),
    ("define", Node::Map),
    ("envPrefix", Node::Leaf),
    ("envDir", Node::Leaf),
    ("publicDir", Node::Leaf),
    ("assetsInclude", Node::Leaf),
    (
        "resolve",
        Node::Object(&[
            ("alias", Node::Map),
            ("conditions", Node::Leaf),
            ("extensions", Node::Leaf),
            ("mainFields", Node::Leaf),
            ("dedupe", Node::Leaf),
        ]),
    ),
    (
        "build",
        Node::Object(&[
            ("outDir", Node::Leaf),
            ("assetsDir", Node::Leaf),
            ("sourcemap", Node::Leaf),
            ("minify", Node::Leaf),
            ("input", Node::Leaf),
            ("assetsInlineLimit", Node::Leaf),
            ("target", Node::Leaf),
            ("cssTarget", Node::Leaf),
            ("emptyOutDir", Node::Leaf),
            ("reportCompressedSize", Node::Leaf),
            ("manualChunks", Node::Leaf),
            (
                "lib",
                Node::Object(&[
                    ("entry", Node::Leaf),
                    ("name", Node::Leaf),
                    ("fileName", Node::Leaf),
                    ("formats", Node::Leaf),
                    ("cssFileName", Node::Leaf),
                ]),
            ),
            ("external", Node::Leaf),
            ("globals", Node::Map),
            ("chunkSizeWarningLimit", Node::Leaf),
            ("codeSplitting", Node::Leaf),
            ("manifest", Node::Leaf),
            ("entryFileNames", Node::Leaf),
            ("chunkFileNames", Node::Leaf),
            ("assetFileNames", Node::Leaf),
        ]),
    ),
    ("css", Node::Object(&[("modules", Node::Object(&[("pattern", Node::Leaf)])), ("preprocessorOptions", Node::Map)])),
    ("server", Node::Object(DEV_SERVER)),
    ("preview", Node::Object(SERVER)),
];

pub struct SchemaError {
    pub key: String,
    pub text: String,
}

pub fn check(value: &Value) -> Result<(), SchemaError> {
    let Value::Object(map) = value else {
        return Err(SchemaError { key: String::new(), text: "the config must be a JSON object".into() });
    };
    check_object(map, FIELDS, "")
}

fn check_object(
    map: &serde_json::Map<String, Value>,
    fields: &'static [(&'static str, Node)],
    path: &str,
) -> Result<(), SchemaError> {
    for (key, v) in map {
        let full = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        match fields.iter().find(|(name, _)| name == key) {
            Some((_, Node::Object(sub))) => match v {
                Value::Object(m) => check_object(m, sub, &full)?,
                _ => return Err(SchemaError { key: key.clone(), text: format!("`{full}` must be an object") }),
            },
            Some((_, Node::Map)) if !v.is_object() => {
                return Err(SchemaError { key: key.clone(), text: format!("`{full}` must be an object") });
            }
            Some(_) => {}
            None => {
                let best = fields
                    .iter()
                    .map(|(name, _)| (strsim::jaro_winkler(&key.to_lowercase(), &name.to_lowercase()), *name))
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                let hint = match best {
                    Some((score, name)) if score > 0.7 => format!("; did you mean `{name}`?"),
                    _ => {
                        let names: Vec<_> = fields.iter().map(|(n, _)| *n).filter(|n| !n.starts_with('$')).collect();
                        format!("; valid fields here: {}", names.join(", "))
                    }
                };
                return Err(SchemaError { key: key.clone(), text: format!("unknown config field `{full}`{hint}") });
            }
        }
    }
    Ok(())
}

/// Finds the first `"key"` occurrence in the source to point the user at it.
pub fn locate(text: &str, key: &str) -> (Option<usize>, Option<usize>) {
    if key.is_empty() {
        return (None, None);
    }
    let needle = format!("\"{key}\"");
    let Some(off) = text.find(&needle) else { return (None, None) };
    let (line, col) = crate::char_position(text, off);
    (Some(line), Some(col))
}
