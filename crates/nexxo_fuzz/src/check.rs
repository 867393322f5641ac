//! The properties every target checks besides "no panic, no hang": a reported position lies
//! inside the input and the code frame shows that line; spans handed back land on character
//! boundaries inside the text they index.

use nexxo_diagnostics::Diagnostic;

/// Lines as [`Diagnostic`] and its code frame count them ([`nexxo_diagnostics::lines`]: `\r\n`,
/// a lone `\r` and `\n` each end a line).
/// A leading byte-order mark is not part of the first line: editors do not show or count it,
/// and the hosts drop it where they read text.
fn lines(source: &str) -> Vec<&str> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    nexxo_diagnostics::lines(source).collect()
}

/// `line` (1-based) may be one past the last line (parsers report "unexpected end of input"
/// there); `column` (1-based, in characters) at most one past the end of that line (the last
/// line when `line` is past the end).
pub fn position(source: &str, line: Option<u32>, column: Option<u32>) -> Result<(), String> {
    let all = lines(source);
    let Some(line) = line else {
        return match column {
            Some(c) => Err(format!("column without a line: column {c}")),
            None => Ok(()),
        };
    };
    if line == 0 || line as usize > all.len() + 1 {
        return Err(format!("line outside the input: line {line} of {} lines", all.len()));
    }
    if let Some(column) = column {
        let text = all.get(line as usize - 1).or(all.last()).copied().unwrap_or("");
        // A producer that kept the BOM counts it as one more character on the first line.
        let bom = usize::from(line == 1 && source.starts_with('\u{feff}'));
        let len = text.chars().count() + bom;
        if column == 0 || column as usize > len + 1 {
            return Err(format!("column outside its line: column {column} of line {line} ({len} characters)"));
        }
    }
    Ok(())
}

/// A diagnostic about `source`: its position is inside it and its code frame marks that line
/// (the last line for a position one past the end), with the caret line after it.
pub fn diagnostic(source: &str, d: &Diagnostic) -> Result<(), String> {
    // "[CODE] problem: details", so the part before the first ": " names one kind of bug.
    let message = first_line(&d.message).chars().take(120).collect::<String>();
    position(source, d.line, d.column).map_err(|e| format!("[{}] {e} ({message})", d.code))?;
    let (Some(line), Some(frame)) = (d.line, &d.frame) else {
        return match (&d.frame, d.line) {
            (Some(_), None) => Err(format!("[{}] code frame without a line: ({message})", d.code)),
            _ => Ok(()),
        };
    };
    let shown = (line as usize).min(lines(source).len().max(1));
    let marked: Vec<usize> = frame
        .lines()
        .filter_map(|l| l.strip_prefix('>'))
        .filter_map(|rest| rest.split('|').next()?.trim().parse().ok())
        .collect();
    if marked != [shown] {
        return Err(format!("[{}] code frame marks another line: {marked:?} for line {line}", d.code));
    }
    let text = lines(source).get(shown - 1).copied().unwrap_or("");
    let frame_lines: Vec<&str> = frame.lines().collect();
    let at = frame_lines.iter().position(|l| l.starts_with('>')).unwrap_or(0);
    let shown_text = frame_lines[at].split_once(" | ").map_or("", |(_, t)| t);
    // A leading byte-order mark may be dropped before parsing (nexxo_css and nexxo_config do): the
    // frame then shows the line without it.
    let unbom =
        |t: &'_ str| if shown == 1 { t.strip_prefix('\u{feff}').unwrap_or(t).to_string() } else { t.to_string() };
    let same = shown_text.trim_end() == text.trim_end()
        || unbom(shown_text).trim_end() == text.trim_end()
        || shown_text.trim_end() == unbom(text).trim_end();
    if !same {
        return Err(format!(
            "[{}] code frame shows other text: {shown_text:?} for line {shown}, the input has {text:?}",
            d.code
        ));
    }
    if !frame_lines.get(at + 1).is_some_and(|l| l.contains('^')) {
        return Err(format!("[{}] code frame has no caret: line {shown}", d.code));
    }
    Ok(())
}

/// A byte span into `text` that can be sliced.
pub fn span(text: &str, start: usize, end: usize, what: &str) -> Result<(), String> {
    if start > end || end > text.len() {
        return Err(format!("{what} outside the text: {start}..{end} of {} bytes", text.len()));
    }
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return Err(format!("{what} splits a character: {start}..{end}"));
    }
    Ok(())
}

pub fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// What names one kind of bug in a broken property's message: the part before the first ": ".
pub fn category(message: &str) -> &str {
    message.split(": ").next().unwrap_or(message)
}

/// An outcome's shape for corpus feedback: the message with numbers and quoted text blanked, so
/// "unexpected token at 3:4" and "at 9:1" count as one kind of outcome.
pub fn shape(s: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in first_line(s).chars().take(160) {
        match c {
            '`' | '"' => {
                quoted = !quoted;
                out.push('"');
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        assert!(position("ab\ncd", Some(2), Some(3)).is_ok());
        assert!(position("ab\ncd", Some(3), Some(3)).is_ok(), "one past the end: the last line");
        assert!(position("ab\ncd", Some(4), None).is_err());
        assert!(position("ab\ncd", Some(2), Some(4)).is_err());
        assert!(position("日本\n", Some(1), Some(3)).is_ok());
        assert!(position("日本\n", Some(1), Some(7)).is_err(), "bytes are not characters");
        assert!(position("", Some(1), Some(1)).is_ok());
        assert!(position("a\r\nb", Some(1), Some(3)).is_err(), "the \\r is part of the line break");
        assert!(position("\u{feff}ab", Some(1), Some(4)).is_ok(), "a kept BOM may count as a character");
        assert!(position("\u{feff}ab", Some(1), Some(5)).is_err());
    }

    #[test]
    fn frames() {
        let src = "a {\n  colr: red\n}\n";
        let d = Diagnostic::new("X", "m").at(src, 2, 3);
        assert!(diagnostic(src, &d).is_ok(), "{d}");
        let mut wrong = d.clone();
        wrong.line = Some(3);
        assert!(diagnostic(src, &wrong).is_err());
        let mut outside = d.clone();
        outside.column = Some(40);
        assert!(diagnostic(src, &outside).is_err());
    }

    #[test]
    fn shapes() {
        assert_eq!(shape("Unexpected token `)` at 12:4"), "Unexpected token \"\" at #:#");
    }
}
