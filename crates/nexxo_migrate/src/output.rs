//! The written config: objects keep the order the Vite config wrote their fields in (serde_json's
//! map sorts keys, and the workspace does not enable its `preserve_order`).

use serde_json::Value;

#[derive(Default, Debug)]
pub struct Obj(Vec<(String, Node)>);

#[derive(Debug)]
enum Node {
    Obj(Obj),
    Json(Value),
}

impl Obj {
    /// Sets `key` (a later value wins, as in a JavaScript object literal).
    pub fn set(&mut self, key: &str, value: Value) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = Node::Json(value),
            None => self.0.push((key.to_string(), Node::Json(value))),
        }
    }

    /// The value set at `key`, if it is one (not a nested object).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).and_then(|(_, n)| match n {
            Node::Json(v) => Some(v),
            Node::Obj(_) => None,
        })
    }

    /// The nested object `key`, created when missing.
    pub fn obj(&mut self, key: &str) -> &mut Obj {
        let i = match self.0.iter().position(|(k, _)| k == key) {
            Some(i) => {
                if !matches!(self.0[i].1, Node::Obj(_)) {
                    self.0[i].1 = Node::Obj(Obj::default());
                }
                i
            }
            None => {
                self.0.push((key.to_string(), Node::Obj(Obj::default())));
                self.0.len() - 1
            }
        };
        match &mut self.0[i].1 {
            Node::Obj(o) => o,
            Node::Json(_) => unreachable!("replaced by an object above"),
        }
    }

    /// Drops objects left empty (a section whose every field was a note).
    pub fn prune(&mut self) {
        for (_, node) in &mut self.0 {
            if let Node::Obj(o) = node {
                o.prune();
            }
        }
        self.0.retain(|(_, node)| !matches!(node, Node::Obj(o) if o.0.is_empty()));
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    fn write(&self, out: &mut String, indent: usize) {
        if self.0.is_empty() {
            out.push_str("{}");
            return;
        }
        out.push_str("{\n");
        for (i, (key, node)) in self.0.iter().enumerate() {
            push_indent(out, indent + 1);
            out.push_str(&Value::String(key.clone()).to_string());
            out.push_str(": ");
            match node {
                Node::Obj(o) => o.write(out, indent + 1),
                Node::Json(v) => write_value(v, out, indent + 1),
            }
            if i + 1 < self.0.len() {
                out.push(',');
            }
            out.push('\n');
        }
        push_indent(out, indent);
        out.push('}');
    }
}

fn push_indent(out: &mut String, level: usize) {
    out.push_str(&"  ".repeat(level));
}

/// Two-space indentation; a list of scalars stays on one line when short.
fn write_value(v: &Value, out: &mut String, indent: usize) {
    match v {
        Value::Array(list) if list.iter().all(|e| !e.is_array() && !e.is_object()) => {
            let items: Vec<String> = list.iter().map(Value::to_string).collect();
            let one_line = format!("[{}]", items.join(", "));
            if one_line.len() + indent * 2 <= 100 {
                out.push_str(&one_line);
            } else {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    push_indent(out, indent + 1);
                    out.push_str(item);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                push_indent(out, indent);
                out.push(']');
            }
        }
        Value::Array(list) => {
            out.push_str("[\n");
            for (i, item) in list.iter().enumerate() {
                push_indent(out, indent + 1);
                write_value(item, out, indent + 1);
                out.push_str(if i + 1 < list.len() { ",\n" } else { "\n" });
            }
            push_indent(out, indent);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (k, item)) in map.iter().enumerate() {
                push_indent(out, indent + 1);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                write_value(item, out, indent + 1);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            push_indent(out, indent);
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}
