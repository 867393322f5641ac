//! A guard in front of the JavaScript parser. oxc 0.156's parser takes quadratic time in nested
//! parenthesized expressions (`(a = (a = (...`): at each `(` it first tries an arrow function's
//! parameter list, then rewinds. 1,000 levels parse in ~0.14 s, 4,000 in ~3 s, and a 1 MB file of
//! them would stop a build or a dev server for hours (found by the js fuzzer). Real code nests a
//! few levels, so a module deeper than [`MAX_GROUP_NESTING`] is refused with a located error
//! before any parse, in every path that parses a script: the dev transforms and the build.

use nexxo_diagnostics::Diagnostic;

/// How deeply parenthesized expressions may nest. Call and statement parentheses (`f(`, `if (`)
/// do not count: the parser does not try them as arrow parameters.
pub const MAX_GROUP_NESTING: usize = 1000;

/// `Err` with a located diagnostic when parenthesized expressions in `source` nest deeper than
/// [`MAX_GROUP_NESTING`].
pub fn check(filename: &str, source: &str) -> Result<(), Diagnostic> {
    let refused = |at: usize, message: String, hint: &str| {
        Err(Diagnostic::new("TOO_DEEP", message).with_file(filename).at_offset(source, at).with_hint(hint))
    };
    if let Some(at) = too_deep_groups(source) {
        return refused(
            at,
            format!("parenthesized expressions nest more than {MAX_GROUP_NESTING} levels deep here"),
            "split the expression; the JavaScript parser takes quadratic time on nesting this deep",
        );
    }
    if let Some(at) = chained_type_literals(source) {
        return refused(
            at,
            format!(
                "`< {{[` (type arguments that start an object type) nest more than {MAX_CHAINED_TYPE_LITERALS} deep here"
            ),
            "close each `{[ ... }` before the next `< {[`; the TypeScript parser takes exponential time on this",
        );
    }
    Ok(())
}

/// How many `< {[` may follow each other with no `}` between. At each one oxc 0.156's parser
/// tries type arguments with an object type, and inside it the next one, then rewinds: the time
/// doubles with each (22 of them took 2.8 s; found by the js fuzzer). Real code closes its
/// `{[key: string]: T}` types long before eight.
pub const MAX_CHAINED_TYPE_LITERALS: usize = 8;

/// The byte offset of the `<` that chains one `< {[` too many, if any.
fn chained_type_literals(source: &str) -> Option<usize> {
    let b = source.as_bytes();
    let skip_space = |mut j: usize| {
        while b.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        j
    };
    let mut run = 0usize;
    let mut last = 0usize;
    for at in memchr::memchr_iter(b'<', b) {
        let brace = skip_space(at + 1);
        if b.get(brace) != Some(&b'{') || b.get(skip_space(brace + 1)) != Some(&b'[') {
            continue;
        }
        let closed_between = run > 0 && b.get(last..at).is_some_and(|between| memchr::memchr(b'}', between).is_some());
        run = if run == 0 || closed_between { 1 } else { run + 1 };
        last = brace;
        if run > MAX_CHAINED_TYPE_LITERALS {
            return Some(at);
        }
    }
    None
}

/// The byte offset of the `(` that nests one level too deep, if any. A light scan, not a
/// tokenizer: comments, strings and template literals are skipped (a `${` inside a template is
/// skipped with it, which can only undercount), and an escaped byte (`\(` in a regular
/// expression) is skipped. A `(` right after an identifier character, `)` or `]` (white space
/// between is looked back over) opens a call or a statement's condition and is not counted.
///
/// It runs before every parse of every script (React's 600 KB included), so it jumps between
/// the bytes it cares about with SIMD searches (memchr) instead of looking at every byte: about
/// a fifth of an instruction per byte instead of 13.
fn too_deep_groups(source: &str) -> Option<usize> {
    let b = source.as_bytes();
    // No file with this few `(` can nest deeper: most modules stop here.
    if memchr::memchr_iter(b'(', b).count() <= MAX_GROUP_NESTING {
        return None;
    }
    // The next stop of each of three searches, found from the last position passed; a search
    // runs again only once the scan has passed its stop.
    let search = |k: usize, from: usize| {
        let rest = b.get(from..).unwrap_or_default();
        let found = match k {
            0 => memchr::memchr3(b'(', b')', b'/', rest),
            1 => memchr::memchr3(b'"', b'\'', b'`', rest),
            _ => memchr::memchr(b'\\', rest),
        };
        found.map_or(usize::MAX, |at| from + at)
    };
    let mut next = [search(0, 0), search(1, 0), search(2, 0)];
    let mut opened: Vec<bool> = Vec::new();
    let mut groups = 0usize;
    let mut i = 0;
    loop {
        for (k, n) in next.iter_mut().enumerate() {
            if *n < i {
                *n = search(k, i);
            }
        }
        i = *next.iter().min().expect("three searches");
        if i >= b.len() {
            return None;
        }
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |e| i + e);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |e| i + 2 + e + 1);
            }
            b'/' if regex_may_start(&b[..i]) => {
                // A regular expression: its quotes and parentheses are not code. Unterminated on
                // its line, it was a division after all.
                if let Some(end) = regex_end(b, i + 1) {
                    i = end;
                }
            }
            q @ (b'"' | b'\'' | b'`') => {
                // To the closing quote, over escaped bytes. A quote that no quote closes (on its
                // line, for '' and ""; anywhere, for ``) opened nothing: it was inside something
                // this scan does not see (a regular expression it took for a division), and
                // skipping to the end would let what follows past the check.
                let start = i;
                i += 1;
                loop {
                    let rest = b.get(i..).unwrap_or_default();
                    let found = if q == b'`' {
                        memchr::memchr2(q, b'\\', rest)
                    } else {
                        memchr::memchr3(q, b'\\', b'\n', rest)
                    };
                    match found {
                        Some(k) if b[i + k] == q => {
                            i += k;
                            break;
                        }
                        Some(k) if b[i + k] == b'\\' => i += k + 2,
                        _ => {
                            i = start;
                            break;
                        }
                    }
                }
            }
            b'\\' => i += 1,
            b'(' => {
                let prev = b[..i].iter().rev().find(|c| !c.is_ascii_whitespace()).copied().unwrap_or(b';');
                let group =
                    !(prev.is_ascii_alphanumeric() || prev >= 0x80 || matches!(prev, b'_' | b'$' | b')' | b']'));
                opened.push(group);
                if group {
                    groups += 1;
                    if groups > MAX_GROUP_NESTING {
                        return Some(i);
                    }
                }
            }
            b')' => groups -= usize::from(opened.pop() == Some(true)),
            _ => {}
        }
        i += 1;
    }
}

/// Whether a `/` after `before` starts a regular expression rather than a division: after an
/// operator, an opening bracket or a separator, or at the start (keywords such as `return /x/`
/// are taken for a division, which only means the expression's bytes are scanned as code).
fn regex_may_start(before: &[u8]) -> bool {
    before.iter().rev().find(|c| !c.is_ascii_whitespace()).is_none_or(|c| b"(,=:[!&|?{};+-*%~^".contains(c))
}

/// The offset of the `/` that closes a regular expression whose body starts at `from` (over
/// escapes and `[...]` classes), or `None` if a line ends first.
fn regex_end(b: &[u8], from: usize) -> Option<usize> {
    let mut in_class = false;
    let mut i = from;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => i += 1,
            b'\n' | b'\r' => return None,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'/' if !in_class => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_groups_are_refused_at_the_first_one_too_deep() {
        let deep = format!("let a;\nexport const x = {}1{};", "(a = ".repeat(1200), ")".repeat(1200));
        let started = std::time::Instant::now();
        let e = check("src/deep.js", &deep).unwrap_err();
        assert_eq!(e.code, "TOO_DEEP");
        assert_eq!(e.line, Some(2));
        // The 1,001st `(`: 17 bytes of `export const x = `, then 5 bytes per level.
        assert_eq!(e.column, Some(18 + 5 * 1000));
        assert!(started.elapsed().as_secs() < 1);
    }

    /// For counting the scan's instructions under callgrind on a real file:
    /// `NEXXO_NESTING_FILE=... valgrind --tool=callgrind <test binary> --ignored scan_a_file`.
    #[test]
    #[ignore = "a measurement, run by hand"]
    fn scan_a_file() {
        let path = std::env::var("NEXXO_NESTING_FILE").expect("NEXXO_NESTING_FILE");
        let source = std::fs::read_to_string(path).expect("readable");
        assert!(check("f.js", &source).is_ok());
    }

    #[test]
    fn quotes_inside_a_regular_expression_hide_nothing() {
        // Found by the js fuzzer: the quotes are inside a regular expression, so a scan that took
        // `"tic = ((/...` for an unterminated string skipped the 1,500 groups after it.
        let src = format!("/9\"\"9\"tic = {}1;\n", "((/((((x = ((/".repeat(300));
        assert_eq!(check("a.ts", &src).map_err(|d| d.code), Err("TOO_DEEP"));
        // An unterminated quote hides nothing either.
        let src = format!("x = \"abc\n{}1{}", "(".repeat(1100), ")".repeat(1100));
        assert!(check("a.js", &src).is_err());
        // A division is not a regular expression; a real one keeps its parentheses to itself.
        let ok = format!("a = b / c / d; r = /[(/]{}/; {}", "(".repeat(1100), "f(x);".repeat(1100));
        assert!(check("a.js", &ok).is_ok());
    }

    #[test]
    fn chained_object_type_arguments_are_refused() {
        // Found by the js fuzzer: a 400-byte .tsx of these took 6 s to parse.
        let src = "impoatg < {[[[[oatg < {[[[[".repeat(6);
        assert_eq!(check("a.tsx", &src).map_err(|d| d.code), Err("TOO_DEEP"));
        // Closed ones, however many, pass.
        let ok = "let a: Map<{[k: string]: number}, 1>;\n".repeat(50);
        assert!(check("a.ts", &ok).is_ok());
        let nested = "f< {[k: string]: g<{[j: string]: 1}> }>();";
        assert!(check("a.ts", nested).is_ok());
    }

    #[test]
    fn calls_comments_strings_and_shallow_groups_pass() {
        // Deep calls are not groups; parentheses in comments, strings and templates are skipped.
        let calls = format!("f{}1{}", "(g".repeat(1500), ")".repeat(1500));
        assert!(check("a.js", &calls).is_ok());
        let skipped = format!(
            "// {}\n/* {} */\nconst s = '{}', t = `{}`, r = /\\(/;",
            "(".repeat(1500),
            "(".repeat(1500),
            "(".repeat(1500),
            "(".repeat(1500)
        );
        assert!(check("a.js", &skipped).is_ok());
        let shallow = format!("x = {}1{};", "(".repeat(1000), ")".repeat(1000));
        assert!(check("a.js", &shallow).is_ok());
        // Sequential groups do not add up.
        assert!(check("a.js", &"(1);".repeat(5000)).is_ok());
    }
}
