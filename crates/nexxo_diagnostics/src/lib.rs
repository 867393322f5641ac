//! Error reports shaped for people: `file:line:column`, the message, a code frame, and a hint on
//! what to do. Every Nexxo crate that finds a problem in user input reports it as a [`Diagnostic`].

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Short machine-readable kind, e.g. `CSS_SYNTAX`, `UNRESOLVED_IMPORT`.
    pub code: &'static str,
    pub message: String,
    /// Path as the user should see it (relative to the project root when possible).
    pub file: Option<String>,
    /// 1-based.
    pub line: Option<u32>,
    /// 1-based.
    pub column: Option<u32>,
    pub frame: Option<String>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), file: None, line: None, column: None, frame: None, hint: None }
    }

    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Sets the position and renders a code frame from `source`.
    pub fn at(mut self, source: &str, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self.frame = Some(code_frame(source, line, column));
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `file:line:column` or whatever part of it is known.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_deref()?;
        Some(match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file.to_string(),
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.code)?;
        if let Some(loc) = self.location() {
            write!(f, "{loc}: ")?;
        }
        writeln!(f, "{}", self.message)?;
        if let Some(frame) = &self.frame {
            writeln!(f, "{frame}")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// Two lines of context either side of `line` (1-based), with a caret under `column` (1-based).
pub fn code_frame(source: &str, line: u32, column: u32) -> String {
    let lines: Vec<&str> = source.lines().collect();
    // Parsers report "unexpected end of input" one line past the last; show the last line.
    let line = (line.max(1) as usize).min(lines.len().max(1));
    let first = line.saturating_sub(3);
    let last = (line + 2).min(lines.len());
    let width = last.to_string().len();
    let mut out = String::new();
    for (idx, text) in lines.iter().enumerate().take(last).skip(first) {
        let n = idx + 1;
        let marker = if n == line { '>' } else { ' ' };
        out.push_str(&format!("{marker} {n:>width$} | {text}\n"));
        if n == line {
            let col = (column.max(1) as usize - 1).min(text.len());
            let pad: String = text[..col.min(text.len())].chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            out.push_str(&format!("  {:>width$} | {pad}^\n", ""));
        }
    }
    out.truncate(out.trim_end().len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_points_at_column() {
        let src = "a {\n  color: red;\n  colr blue;\n}\n";
        let f = code_frame(src, 3, 3);
        assert!(f.contains("> 3 |   colr blue;"), "{f}");
        assert!(f.contains("  |   ^"), "{f}");
        let d = Diagnostic::new("CSS_SYNTAX", "bad").with_file("a.css").at(src, 3, 3).with_hint("fix it");
        let s = d.to_string();
        assert!(s.starts_with("[CSS_SYNTAX] a.css:3:3: bad"), "{s}");
        assert!(s.contains("hint: fix it"));
        assert!(code_frame("a\nb\n", 9, 1).contains("> 2 | b"));
    }
}
