//! `.env` files, with the syntax most tools agree on: `KEY=value`, `export KEY=value`,
//! `#` comments, single quotes (literal), double quotes (with `\n` escapes, may span lines),
//! and `${OTHER}` expansion from variables defined earlier in the same set.

/// The files read for a mode, lowest priority first.
pub const ENV_FILES: [&str; 4] = [".env", ".env.local", ".env.{mode}", ".env.{mode}.local"];

#[derive(Debug, PartialEq, Eq)]
pub struct EnvError {
    pub line: usize,
    pub message: String,
}

pub fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>, EnvError> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((idx, raw)) = lines.next() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, rest)) = line.split_once('=') else {
            return Err(EnvError { line: idx + 1, message: format!("expected KEY=value, found `{line}`") });
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            return Err(EnvError { line: idx + 1, message: format!("invalid variable name `{key}`") });
        }
        let rest = rest.trim_start();
        #[expect(
            clippy::string_slice,
            reason = "the value ends where `find` found a `'` or at the `\"` that `closing_quote` returns (its index \
                      is always that of a `\"` byte)"
        )]
        let value = if let Some(body) = rest.strip_prefix('\'') {
            match body.find('\'') {
                Some(end) => body[..end].to_string(),
                None => return Err(EnvError { line: idx + 1, message: "unterminated single quote".into() }),
            }
        } else if let Some(body) = rest.strip_prefix('"') {
            let mut acc = body.to_string();
            while !has_closing_quote(&acc) {
                match lines.next() {
                    Some((_, more)) => {
                        acc.push('\n');
                        acc.push_str(more);
                    }
                    None => return Err(EnvError { line: idx + 1, message: "unterminated double quote".into() }),
                }
            }
            let end = closing_quote(&acc).unwrap_or(acc.len());
            expand(&unescape(&acc[..end]), &out)
        } else {
            let v = rest.split(" #").next().unwrap_or("").trim_end();
            expand(v, &out)
        };
        out.retain(|(k, _)| k != key);
        out.push((key.to_string(), value));
    }
    Ok(out)
}

fn closing_quote(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

fn has_closing_quote(s: &str) -> bool {
    closing_quote(s).is_some()
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// dotenv-expand's forms: `$NAME`, `${NAME}`, `${NAME:-default}` (default when unset or empty),
/// and `\$` for a literal dollar. Names are looked up among the variables defined before.
#[expect(
    clippy::string_slice,
    reason = "indexes are where `find` found `$`, `\\`, `}` or a char that is not a name's, or past them (a char's \
              `len_utf8`)"
)]
fn expand(v: &str, defined: &[(String, String)]) -> String {
    let lookup = |name: &str| defined.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(at) = rest.find(['$', '\\']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("\\$") {
            out.push('$');
            rest = after;
        } else if let Some(body) = tail.strip_prefix("${") {
            let Some(end) = body.find('}') else {
                out.push_str(tail);
                return out;
            };
            let inner = &body[..end];
            let (name, default) = inner.split_once(":-").map_or((inner, None), |(n, d)| (n, Some(d)));
            match (lookup(name).filter(|v| !v.is_empty()), default) {
                (Some(val), _) => out.push_str(val),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {}
            }
            rest = &body[end + 1..];
        } else if let Some(body) = tail.strip_prefix('$')
            && body.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        {
            let end = body.find(|c: char| !is_name(c)).unwrap_or(body.len());
            out.push_str(lookup(&body[..end]).unwrap_or(""));
            rest = &body[end..];
        } else {
            // A lone `$` or `\`: kept as written.
            let c = tail.chars().next().unwrap_or('$');
            out.push(c);
            rest = &tail[c.len_utf8()..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let text = "# c\nA=1\nexport B = two # trailing\nC='lit ${A}'\nD=\"x\\ny ${A}\"\nE=\"multi\nline\"\nA=3\n";
        let got = parse_dotenv(text).unwrap();
        let get = |k: &str| got.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("A"), Some("3"));
        assert_eq!(get("B"), Some("two"));
        assert_eq!(get("C"), Some("lit ${A}"));
        assert_eq!(get("D"), Some("x\ny 1"));
        assert_eq!(get("E"), Some("multi\nline"));
    }

    #[test]
    fn expands_like_dotenv_expand() {
        let text = "HOST=example.com\nURL=https://$HOST/api\nB=${HOST}:8080\nC=${MISSING:-fallback}\nD=\\$HOST\nE=cost $5 and $\nF=\"$HOST\"\n";
        let got = parse_dotenv(text).unwrap();
        let get = |k: &str| got.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get("URL"), "https://example.com/api");
        assert_eq!(get("B"), "example.com:8080");
        assert_eq!(get("C"), "fallback");
        assert_eq!(get("D"), "$HOST");
        assert_eq!(get("E"), "cost $5 and $");
        assert_eq!(get("F"), "example.com");
    }

    #[test]
    fn reports_bad_lines() {
        assert_eq!(parse_dotenv("A=1\nnonsense").unwrap_err().line, 2);
        assert!(parse_dotenv("X=\"open").is_err());
    }
}
