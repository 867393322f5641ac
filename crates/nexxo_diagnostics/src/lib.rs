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
    /// 1-based, in characters (what editors show), whatever unit the producer counted in.
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

    /// Sets the position and renders a code frame from `source`. `byte_column` is 1-based and
    /// counts bytes of the line (oxc's unit); it may land inside a character (then the character
    /// is meant) or past the line's end.
    pub fn at(mut self, source: &str, line: u32, byte_column: u32) -> Self {
        let text = line_text(source, line);
        let byte = char_floor(text, byte_column.max(1) as usize - 1);
        #[expect(clippy::string_slice, reason = "`char_floor` returns a char boundary of `text`")]
        let before = &text[..byte];
        self.line = Some(line);
        self.column = Some(before.chars().count() as u32 + 1);
        self.frame = Some(code_frame(source, line, byte_column));
        self
    }

    /// [`Diagnostic::at`] for producers that count columns in UTF-16 code units (lightningcss
    /// and the CSS parser under it, like browsers' DevTools).
    pub fn at_utf16(self, source: &str, line: u32, utf16_column: u32) -> Self {
        let text = line_text(source, line);
        let mut units = 0usize;
        let mut byte = text.len();
        for (i, c) in text.char_indices() {
            if units + 1 >= utf16_column.max(1) as usize {
                byte = i;
                break;
            }
            units += c.len_utf16();
        }
        self.at(source, line, byte as u32 + 1)
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

/// The text of 1-based `line` (the last line when past the end), without its line break.
fn line_text(source: &str, line: u32) -> &str {
    let mut last = "";
    for (i, l) in source.lines().enumerate() {
        last = l;
        if i + 1 == line as usize {
            break;
        }
    }
    last.strip_suffix('\r').unwrap_or(last)
}

/// The largest char boundary of `text` at or before `byte`.
fn char_floor(text: &str, byte: usize) -> usize {
    let mut b = byte.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    b
}

/// Two lines of context either side of `line` (1-based), with a caret under `byte_column`
/// (1-based, in bytes of the line). The caret lines up in a terminal: tabs are copied, wide
/// (CJK, emoji) characters take two cells, combining marks none.
pub fn code_frame(source: &str, line: u32, byte_column: u32) -> String {
    use unicode_width::UnicodeWidthChar as _;
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
        let text = text.strip_suffix('\r').unwrap_or(text);
        out.push_str(&format!("{marker} {n:>width$} | {text}\n"));
        if n == line {
            let col = char_floor(text, byte_column.max(1) as usize - 1);
            #[expect(clippy::string_slice, reason = "`char_floor` returns a char boundary of `text`")]
            let pad: String = text[..col]
                .chars()
                .map(|c| if c == '\t' { "\t".to_string() } else { " ".repeat(c.width().unwrap_or(0)) })
                .collect();
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

    #[test]
    fn columns_inside_and_after_wide_characters() {
        // "日本" is 6 bytes, 2 UTF-16 units, 4 terminal cells.
        let src = "a { content: \"日本\"; colr }\r\n";
        let byte_col = src.find("colr").unwrap() as u32 + 1;
        let d = Diagnostic::new("X", "m").at(src, 1, byte_col);
        assert_eq!(d.column, Some(20));
        let frame = d.frame.clone().unwrap();
        let caret = frame.lines().nth(1).unwrap();
        assert_eq!(caret.find('^').unwrap() - caret.find('|').unwrap() - 2, 21, "{frame}");
        assert!(!frame.contains('\r'));
        // A column inside a multi-byte character does not panic and points at that character.
        let d = Diagnostic::new("X", "m").at(src, 1, 16);
        assert_eq!(d.column, Some(15));
        // UTF-16 columns (lightningcss) convert to the same place.
        let d16 = Diagnostic::new("X", "m").at_utf16(src, 1, 20);
        assert_eq!(d16.column, Some(20));
        // Past the end of the line and of the file.
        let _ = Diagnostic::new("X", "m").at(src, 9, 400);
        let _ = Diagnostic::new("X", "m").at("", 1, 3);
    }
}
