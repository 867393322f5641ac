//! A small HTML tag scanner and rewriter.
//!
//! Nexxo only needs the start tags of a page (`<script>`, `<link>`, `<img>`...) with the byte
//! spans of their attributes, so it can swap references for hashed output files while leaving
//! every other byte of the user's markup untouched. A full DOM parser would re-serialize the
//! document and lose formatting, so this scanner works on spans instead.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// Lower-cased attribute name.
    pub name: String,
    /// Decoded value (entities `&amp;`, `&quot;`, `&#39;`, `&lt;`, `&gt;` are decoded).
    pub value: Option<String>,
    /// Span of the whole attribute, `name="value"`, in the source.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Lower-cased tag name.
    pub name: String,
    pub attrs: Vec<Attr>,
    /// Span of the start tag `<name ...>`.
    pub start_tag: Range<usize>,
    /// For raw-text elements (`script`, `style`): span of the text between the tags.
    pub text: Option<Range<usize>>,
    /// Span from `<` of the start tag to the `>` of the end tag, when the end tag was found
    /// (raw-text elements only); otherwise equal to `start_tag`.
    pub outer: Range<usize>,
    /// 1-based line of the start tag, for error messages.
    pub line: usize,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name == name).and_then(|a| a.value.as_deref())
    }

    pub fn has_attr(&self, name: &str) -> bool {
        self.attrs.iter().any(|a| a.name == name)
    }

    /// `<script type="module">` (the type is ASCII case-insensitive, as in browsers).
    pub fn is_module_script(&self) -> bool {
        self.name == "script" && self.attr("type").is_some_and(|t| t.trim().eq_ignore_ascii_case("module"))
    }

    /// `<link rel="stylesheet">` (`rel` is a token list: `rel="preload stylesheet"` counts).
    pub fn is_style_sheet_link(&self) -> bool {
        self.name == "link"
            && self
                .attr("rel")
                .is_some_and(|r| r.split_ascii_whitespace().any(|t| t.eq_ignore_ascii_case("stylesheet")))
    }

    /// A `<style>` whose text is CSS (no `type`, or `text/css`).
    pub fn is_css_style(&self) -> bool {
        self.name == "style"
            && self.attr("type").is_none_or(|t| t.trim().is_empty() || t.trim().eq_ignore_ascii_case("text/css"))
    }
}

#[derive(Debug, Default)]
pub struct Document {
    pub elements: Vec<Element>,
    /// Byte offset of `</head>`, if present.
    pub head_end: Option<usize>,
    /// Byte offset of `</body>`, if present.
    pub body_end: Option<usize>,
}

const RAW_TEXT: [&str; 4] = ["script", "style", "textarea", "title"];

/// Scans `html` and returns its start tags in document order.
#[expect(
    clippy::string_slice,
    reason = "a byte scanner that slices only at ASCII bytes (`<`, `>`, ASCII name bytes) or past them, and at what \
              `find` returns in `html` or in its ASCII lower-casing (same byte offsets): char boundaries"
)]
pub fn scan(html: &str) -> Document {
    let bytes = html.as_bytes();
    let mut doc = Document::default();
    let mut i = 0;
    while let Some(off) = memchr(b'<', &bytes[i..]) {
        let lt = i + off;
        let rest = &html[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            i = comment.find("-->").map_or(bytes.len(), |e| lt + 4 + e + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = rest.find('>').map_or(bytes.len(), |e| lt + e + 1);
            continue;
        }
        if let Some(close) = rest.strip_prefix("</") {
            let name_len = close.bytes().take_while(u8::is_ascii_alphanumeric).count();
            let name = close[..name_len].to_ascii_lowercase();
            if name == "head" && doc.head_end.is_none() {
                doc.head_end = Some(lt);
            } else if name == "body" {
                doc.body_end = Some(lt);
            }
            i = rest.find('>').map_or(bytes.len(), |e| lt + e + 1);
            continue;
        }
        let name_len = rest[1..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'-').count();
        if name_len == 0 || !rest.as_bytes()[1].is_ascii_alphabetic() {
            i = lt + 1;
            continue;
        }
        let name = rest[1..=name_len].to_ascii_lowercase();
        let (attrs, tag_end) = scan_attrs(html, lt + 1 + name_len);
        let line = 1 + html[..lt].bytes().filter(|b| *b == b'\n').count();
        let mut el = Element { name, attrs, start_tag: lt..tag_end, text: None, outer: lt..tag_end, line };
        i = tag_end;
        if RAW_TEXT.contains(&el.name.as_str()) {
            let needle = format!("</{}", el.name);
            let lower_rest = html[tag_end..].to_ascii_lowercase();
            if let Some(e) = lower_rest.find(&needle) {
                let text_end = tag_end + e;
                let close_end = html[text_end..].find('>').map_or(bytes.len(), |x| text_end + x + 1);
                el.text = Some(tag_end..text_end);
                el.outer = lt..close_end;
                i = close_end;
            }
        }
        doc.elements.push(el);
    }
    doc
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

/// Parses attributes starting right after the tag name; returns them and the offset just past `>`.
#[expect(
    clippy::string_slice,
    reason = "`i` starts past a tag name and only stops at ASCII bytes (whitespace, `=`, `>`, `/`, quotes) or the end; \
              every slice is between such stops: char boundaries"
)]
fn scan_attrs(html: &str, mut i: usize) -> (Vec<Attr>, usize) {
    let b = html.as_bytes();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (attrs, b.len());
        }
        if b[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = None;
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let vs = j + 1;
                let ve = html[vs..].bytes().position(|c| c == q).map_or(b.len(), |p| vs + p);
                value = Some(decode_entities(&html[vs..ve]));
                i = (ve + 1).min(b.len());
            } else {
                let vs = j;
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                    j += 1;
                }
                value = Some(decode_entities(&html[vs..j]));
                i = j;
            }
        }
        if !name.is_empty() {
            attrs.push(Attr { name, value, span: start..i });
        }
        if i == start {
            i += 1;
        }
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// Escapes a value for use inside a double-quoted attribute.
pub fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;")
}

/// Where tags go in the head of `src`: with `prepend`, right after `<head>` (before the page's own
/// tags: the dev client and Fast Refresh must run first), else just before `</head>` (after them:
/// the built CSS follows the page's own style sheets in the cascade). A page without a `<head>`
/// gets them where the browser's implied head is, so they still come before the body's content:
/// before `<body>` (appending), else after `<html>`, else after the doctype (never before it, which
/// would switch the page to quirks mode), else at the start. Vite places them the same way.
pub fn head_insertion(src: &str, doc: &Document, prepend: bool) -> usize {
    let start_of = |name: &str| doc.elements.iter().find(|e| e.name == name);
    if prepend && let Some(head) = start_of("head") {
        return head.start_tag.end;
    }
    if !prepend {
        if let Some(end) = doc.head_end {
            return end;
        }
        if let Some(body) = start_of("body") {
            return body.start_tag.start;
        }
        // `<head>` without `</head>` (optional in HTML) and no `<body>`: after the head's own tags
        // is unknowable, so right after `<head>`.
        if let Some(head) = start_of("head") {
            return head.start_tag.end;
        }
    }
    if let Some(html) = start_of("html") {
        return html.start_tag.end;
    }
    doctype_end(src, doc).unwrap_or(0)
}

/// The offset just past `<!doctype ...>`, if the page starts with one (after whitespace and
/// comments) before any element.
#[expect(
    clippy::string_slice,
    reason = "the first element's `<`, and `find` in `src` or its ASCII lower-casing (same byte offsets)"
)]
fn doctype_end(src: &str, doc: &Document) -> Option<usize> {
    let first_element = doc.elements.first().map_or(src.len(), |e| e.start_tag.start);
    let head = &src[..first_element];
    let at = head.to_ascii_lowercase().find("<!doctype")?;
    head[at..].find('>').map(|e| at + e + 1)
}

/// Replaces `%NAME%` in a page with `lookup(NAME)` (Vite's HTML env replacement: `%MODE%`,
/// `%NEXXO_TITLE%`), for names without whitespace. Names `lookup` does not know are left as
/// written and returned, so the caller can warn about the ones that look like env variables.
#[expect(clippy::string_slice, reason = "indexes are those of `%` (ASCII) found by `find`, or past them")]
pub fn replace_env(html: &str, lookup: impl Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    if !html.contains('%') {
        return (html.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(html.len());
    let mut unknown = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('%') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after.find(|c: char| c == '%' || c.is_whitespace()).filter(|&n| after[n..].starts_with('%'));
        match name_len.filter(|&n| n > 0) {
            Some(n) => {
                let name = &after[..n];
                match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push_str(&rest[open..open + n + 2]);
                        if !unknown.iter().any(|u| u == name) {
                            unknown.push(name.to_string());
                        }
                    }
                }
                rest = &after[n + 1..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, unknown)
}

/// A set of non-overlapping span replacements applied in one pass.
#[derive(Debug, Default)]
pub struct Edits {
    edits: Vec<(Range<usize>, String)>,
}

impl Edits {
    pub fn replace(&mut self, span: Range<usize>, with: impl Into<String>) {
        self.edits.push((span, with.into()));
    }

    pub fn insert(&mut self, at: usize, text: impl Into<String>) {
        self.edits.push((at..at, text.into()));
    }

    #[expect(
        clippy::string_slice,
        reason = "the spans are those of `scan` of `src` and offsets past an ASCII byte of it, as every caller makes \
                  them"
    )]
    pub fn apply(mut self, src: &str) -> String {
        // Stable sort keeps insertions at one offset in the order they were made.
        self.edits.sort_by_key(|(r, _)| (r.start, r.end));
        let mut out = String::with_capacity(src.len() + 256);
        let mut pos = 0;
        for (range, text) in self.edits {
            if range.start < pos {
                continue;
            }
            out.push_str(&src[pos..range.start]);
            out.push_str(&text);
            pos = range.end;
        }
        out.push_str(&src[pos..]);
        out
    }
}

#[cfg(test)]
#[allow(clippy::string_slice, reason = "tests slice at spans the scanner found")]
mod tests {
    use super::*;

    #[test]
    fn finds_scripts_links_and_skips_comments() {
        let html = r#"<!doctype html><html><head>
<!-- <script type="module" src="/commented.js"></script> -->
<link rel="stylesheet" href="./a.css">
<script type=module src='/src/main.ts'></script>
<script type="module">import "./x.js"; if (a < b) {}</script>
</head><body><img src="logo.png" alt="a &amp; b"></body></html>"#;
        let doc = scan(html);
        let names: Vec<_> = doc.elements.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["html", "head", "link", "script", "script", "body", "img"]);
        let s = &doc.elements[3];
        assert_eq!(s.attr("type"), Some("module"));
        assert_eq!(s.attr("src"), Some("/src/main.ts"));
        assert_eq!(s.line, 4);
        let inline = &doc.elements[4];
        assert_eq!(&html[inline.text.clone().unwrap()], r#"import "./x.js"; if (a < b) {}"#);
        assert_eq!(doc.elements[6].attr("alt"), Some("a & b"));
        assert!(doc.head_end.is_some() && doc.body_end.is_some());
    }

    #[test]
    fn head_insertion_without_head() {
        let at = |src: &str, prepend: bool| {
            let doc = scan(src);
            let i = head_insertion(src, &doc, prepend);
            format!("{}|{}", &src[..i], &src[i..])
        };
        let full = "<!doctype html><html><head><title>t</title></head><body>b</body></html>";
        assert_eq!(at(full, true), "<!doctype html><html><head>|<title>t</title></head><body>b</body></html>");
        assert_eq!(at(full, false), "<!doctype html><html><head><title>t</title>|</head><body>b</body></html>");
        let no_head = "<!DOCTYPE html>\n<html lang=en>\n<body><p>x</p></body></html>";
        assert_eq!(at(no_head, true), "<!DOCTYPE html>\n<html lang=en>|\n<body><p>x</p></body></html>");
        assert_eq!(at(no_head, false), "<!DOCTYPE html>\n<html lang=en>\n|<body><p>x</p></body></html>");
        let bare = "<!-- c --><!doctype html><div id=app></div><script type=module src=m.js></script>";
        assert_eq!(
            at(bare, true),
            "<!-- c --><!doctype html>|<div id=app></div><script type=module src=m.js></script>"
        );
        assert_eq!(
            at(bare, false),
            "<!-- c --><!doctype html>|<div id=app></div><script type=module src=m.js></script>"
        );
        assert_eq!(at("<p>x</p>", false), "|<p>x</p>");
    }

    #[test]
    fn env_replacement_keeps_unknown_names_and_percent_signs() {
        let lookup = |k: &str| match k {
            "MODE" => Some("development".to_string()),
            "NEXXO_TITLE" => Some("Hi".to_string()),
            _ => None,
        };
        let (out, unknown) =
            replace_env("<title>%NEXXO_TITLE% (%MODE%)</title><p>50% off, 20 % more %NEXXO_NOPE% %%</p>", lookup);
        assert_eq!(out, "<title>Hi (development)</title><p>50% off, 20 % more %NEXXO_NOPE% %%</p>");
        assert_eq!(unknown, ["NEXXO_NOPE"]);
        assert_eq!(replace_env("no env", lookup).0, "no env");
        assert_eq!(replace_env("%MODE%%MODE%", lookup).0, "developmentdevelopment");
    }

    #[test]
    fn edits_replace_and_insert_in_order() {
        let src = "<a><b></b></a>";
        let mut e = Edits::default();
        e.replace(3..6, "<B>");
        e.insert(10, "1");
        e.insert(10, "2");
        assert_eq!(e.apply(src), "<a><B></b>12</a>");
    }
}
