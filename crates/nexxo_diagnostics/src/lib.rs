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

    /// Sets the position from a byte offset into `source` (oxc's spans, scanners' offsets): the
    /// line and column are counted by [`line_column`]. An offset inside a character means that
    /// character, one past the end the end.
    pub fn at_offset(self, source: &str, offset: usize) -> Self {
        let (line, byte_column) = line_column(source, offset);
        self.at(source, line, byte_column)
    }

    /// [`Diagnostic::at`] for CSS producers (lightningcss and the CSS parser under it, like
    /// browsers' DevTools): `css_line` (1-based) counts line breaks as CSS does (`\r\n`, `\r`,
    /// `\f` and `\n` each end a line, CSS Syntax 3 § 3.3), `utf16_column` (1-based) counts UTF-16
    /// code units. The position is turned into an offset and counted again by [`line_column`]:
    /// a form feed ends a line for the CSS parser, not in an editor.
    pub fn at_utf16(self, source: &str, css_line: u32, utf16_column: u32) -> Self {
        let start = css_line_start(source, css_line);
        #[expect(clippy::string_slice, reason = "`css_line_start` returns the offset after a line break (ASCII) or 0")]
        let rest = &source[start..];
        let end = rest.find(['\r', '\n', '\x0c']).unwrap_or(rest.len());
        let mut units = 0usize;
        let mut byte = end;
        for (i, c) in rest.char_indices() {
            if i >= end || units + 1 >= utf16_column.max(1) as usize {
                byte = i.min(end);
                break;
            }
            units += c.len_utf16();
        }
        self.at_offset(source, start + byte)
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

/// The lines of `source` as diagnostics count them, each without its line break: `\r\n`, a lone
/// `\r` and `\n` each end a line, as in editors (VS Code, CodeMirror) and for both parsers
/// whose positions we report (oxc's line terminators and CSS's newlines include these three). The
/// rarer breaks of one language only (a form feed in CSS, U+2028/U+2029 in JavaScript) are not:
/// editors show them inside a line. Like [`str::lines`], a final line break does not start an
/// empty last line. The one definition of "line N" for every crate that locates a problem.
pub fn lines(source: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(source);
    std::iter::from_fn(move || {
        let text = rest?;
        if text.is_empty() {
            rest = None;
            return None;
        }
        let Some(at) = text.find(['\r', '\n']) else {
            rest = None;
            return Some(text);
        };
        let break_len = if text.as_bytes().get(at..at + 2) == Some(b"\r\n") { 2 } else { 1 };
        let (line, after) = text.split_at(at);
        rest = Some(after.get(break_len..).unwrap_or(""));
        Some(line)
    })
}

/// 1-based line (as [`lines`] counts them) and 1-based column in bytes of that line of byte
/// `offset` in `source`. An offset inside a character counts as that character's start, one
/// past the end as the end, and between the `\r` and `\n` of a `\r\n` as the line's end:
/// locating an error must not panic.
pub fn line_column(source: &str, offset: usize) -> (u32, u32) {
    let at = char_floor(source, offset);
    let bytes = source.as_bytes();
    let mut line = 1u32;
    let mut start = 0usize;
    let mut i = 0usize;
    while i < at {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                if i + 1 == at {
                    // Inside the break: the end of the line it ends.
                    return (line, (i - start) as u32 + 1);
                }
                i += 2;
            }
            b'\r' | b'\n' => i += 1,
            _ => {
                i += 1;
                continue;
            }
        }
        line += 1;
        start = i;
    }
    (line, (at - start) as u32 + 1)
}

/// 1-based line (as [`lines`] counts them) and 1-based column in characters (what editors show)
/// of byte `offset` in `source`, clamped like [`line_column`]. For reports that carry a position
/// without a code frame (config errors).
pub fn line_char_column(source: &str, offset: usize) -> (u32, u32) {
    let (line, byte_column) = line_column(source, offset);
    let at = char_floor(source, offset);
    let start = at - (byte_column as usize - 1);
    let chars = source.get(start..at).map_or(0, |text| text.chars().count());
    (line, chars as u32 + 1)
}

/// The byte offset of a position from a producer that counts lines by `\n` only (serde_json):
/// 1-based `lf_line`, `byte_column` in bytes of that line (0 counts as 1, as serde_json gives
/// for an empty input). Locate with [`Diagnostic::at_offset`] or [`line_char_column`] then, so
/// the line is counted as everywhere else (a lone `\r` ends one too). Clamped to the end.
pub fn lf_offset(source: &str, lf_line: usize, byte_column: usize) -> usize {
    let start = lf_line.max(1).checked_sub(2).and_then(|n| source.match_indices('\n').nth(n)).map_or(0, |(i, _)| i + 1);
    (start + byte_column.saturating_sub(1)).min(source.len())
}

/// The byte offset where 1-based `css_line` starts, line breaks counted as CSS counts them
/// (`\r\n`, `\r`, `\f`, `\n`); the start of the last line when past the end.
fn css_line_start(source: &str, css_line: u32) -> usize {
    let bytes = source.as_bytes();
    let (mut line, mut start, mut i) = (1u32, 0usize, 0usize);
    while line < css_line.max(1) && i < bytes.len() {
        let len = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => 2,
            b'\r' | b'\n' | b'\x0c' => 1,
            _ => {
                i += 1;
                continue;
            }
        };
        i += len;
        line += 1;
        start = i;
    }
    start
}

/// The text of 1-based `line` (the last line when past the end), without its line break.
fn line_text(source: &str, line: u32) -> &str {
    let mut last = "";
    for (i, l) in lines(source).enumerate() {
        last = l;
        if i + 1 == line as usize {
            break;
        }
    }
    last
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
    let lines: Vec<&str> = lines(source).collect();
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

    #[test]
    fn lone_cr_and_crlf_end_lines() {
        assert_eq!(lines("a\rb\r\nc\nd\x0ce\u{2028}f\r").collect::<Vec<_>>(), ["a", "b", "c", "d\x0ce\u{2028}f"]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("\r\r").collect::<Vec<_>>(), ["", ""]);
        let src = "a\rbc\r\nd";
        assert_eq!(line_column(src, 3), (2, 2));
        assert_eq!(line_column(src, 5), (2, 3), "between \\r and \\n: the end of line 2");
        assert_eq!(line_column(src, 6), (3, 1));
        assert_eq!(line_column(src, 99), (3, 2));
        // A lone CR is a line break for the line lookup and the frame too.
        let d = Diagnostic::new("X", "m").at_offset(src, 6);
        assert_eq!((d.line, d.column), (Some(3), Some(1)));
        assert!(d.frame.unwrap().contains("> 3 | d"));
        let d = Diagnostic::new("X", "m").at("x\ry\rz", 2, 1);
        assert!(d.frame.as_deref().unwrap().contains("> 2 | y"), "{d}");
    }

    #[test]
    fn character_columns_and_lf_only_positions() {
        assert_eq!(line_char_column("日本x", 6), (1, 3));
        assert_eq!(line_char_column("a\r日本x", 8), (2, 3));
        assert_eq!(line_char_column("", 0), (1, 1));
        assert_eq!(lf_offset("ab\r\ncd", 2, 2), 5);
        assert_eq!(lf_offset("", 1, 0), 0);
        assert_eq!(lf_offset("ab", 1, 99), 2);
    }

    #[test]
    fn css_positions_count_form_feeds_as_lightningcss_does() {
        // lightningcss: `\f` and a lone `\r` each end a line. Line 3 column 2 is the `e`,
        // on line 2 for an editor.
        let src = "a\x0cb\rce";
        let d = Diagnostic::new("X", "m").at_utf16(src, 3, 2);
        assert_eq!((d.line, d.column), (Some(2), Some(2)), "{d}");
        // `<style>\r\rE</style`: lightningcss reports line 3 (1-based); there are 3 lines.
        let d = Diagnostic::new("X", "m").at_utf16("\r\rE", 3, 1);
        assert_eq!((d.line, d.column), (Some(3), Some(1)));
        assert!(d.frame.unwrap().contains("> 3 | E"));
        let _ = Diagnostic::new("X", "m").at_utf16("a\x0c", 9, 9);
    }
}
