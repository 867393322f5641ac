//! Inputs from inputs: a seeded PRNG and a mutator that knows the shapes parsers trip on
//! (brackets nested deep, unclosed quotes, multi-byte characters at odd places, CRLF, BOM).

/// SplitMix64: tiny, fast, and the same sequence for the same seed on every machine, so a run
/// is reproduced by its seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Text that every syntax in Nexxo has an opinion about. Each target adds its own tokens.
const COMMON_TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "<",
    ">",
    "\"",
    "'",
    "`",
    "\\",
    "/",
    "*",
    "/*",
    "*/",
    "//",
    "<!--",
    "-->",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\u{feff}",
    "\u{0}",
    "\u{3000}",
    "\u{2028}",
    "\u{200b}",
    "\u{301}",
    "日本語",
    "😀",
    "é",
    "\u{10ffff}",
    "%",
    "%2e%2e",
    "%00",
    "%c3%a9",
    "..",
    "./",
    "../",
    "=",
    ":",
    ";",
    ",",
    "&",
    "#",
    "@",
    "$",
    "${",
    "?",
    "0",
    "-1",
    "1e308",
    "9007199254740993",
    "\u{7f}",
    "\u{85}",
    "\u{a0}",
];

/// Opening and closing pairs used to wrap a span many times over (deep nesting).
const PAIRS: &[(&str, &str)] = &[
    ("(", ")"),
    ("[", "]"),
    ("{", "}"),
    ("<div>", "</div>"),
    ("a{", "}"),
    ("&{", "}"),
    ("@media screen{", "}"),
    ("`${", "}`"),
    ("\"", "\""),
    ("/*", "*/"),
    ("() => ", ""),
    ("-", ""),
    ("!", ""),
    ("1+", ""),
    ("{\"a\":", "}"),
    ("[", ""),
];

/// Upper bound on an input's size: large enough for deep nesting (thousands of levels), small
/// enough that each run takes milliseconds.
pub const MAX_LEN: usize = 64 * 1024;

/// Applies 1 to 8 random edits to `input`. `other` is another corpus entry to splice from;
/// `tokens` the target's dictionary.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8], tokens: &[&str]) -> Vec<u8> {
    let mut data = input.to_vec();
    let edits = 1 + rng.below(8);
    for _ in 0..edits {
        edit(rng, &mut data, other, tokens);
        if data.len() > MAX_LEN {
            data.truncate(MAX_LEN);
        }
    }
    data
}

fn token<'a>(rng: &mut Rng, tokens: &[&'a str]) -> &'a str {
    if !tokens.is_empty() && rng.chance(2) { rng.pick(tokens) } else { rng.pick(COMMON_TOKENS) }
}

/// A position in `data`, preferably on a character boundary so edits keep the text UTF-8 most
/// of the time (inputs that are not UTF-8 are tried too, as the hosts read them).
fn position(rng: &mut Rng, data: &[u8]) -> usize {
    let mut p = rng.below(data.len() + 1);
    if !rng.chance(16) {
        while p < data.len() && (data[p] & 0xc0) == 0x80 {
            p += 1;
        }
    }
    p
}

/// A range of `data` of a length that favours small spans.
fn range(rng: &mut Rng, data: &[u8]) -> (usize, usize) {
    let start = position(rng, data);
    let max = (data.len() - start).min(if rng.chance(4) { 4096 } else { 64 });
    let mut end = start + rng.below(max + 1);
    while end < data.len() && (data[end] & 0xc0) == 0x80 {
        end += 1;
    }
    (start, end)
}

fn edit(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8], tokens: &[&str]) {
    match rng.below(14) {
        // Flip one bit, or overwrite one byte.
        0 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] ^= 1 << rng.below(8);
        }
        1 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] = rng.next_u64() as u8;
        }
        // Insert a token.
        2 | 3 => {
            let at = position(rng, data);
            let t = token(rng, tokens).as_bytes().to_vec();
            data.splice(at..at, t);
        }
        // Delete a range.
        4 => {
            let (s, e) = range(rng, data);
            data.drain(s..e);
        }
        // Duplicate a range, elsewhere or right after itself.
        5 => {
            let (s, e) = range(rng, data);
            let copy = data[s..e].to_vec();
            let at = if rng.chance(2) { e } else { position(rng, data) };
            data.splice(at..at, copy);
        }
        // Repeat a short range many times (long operator chains, many siblings).
        6 => {
            let (s, e) = range(rng, data);
            let piece = data[s..e.min(s + 16)].to_vec();
            let most = if rng.chance(8) { 4000 } else { 64 };
            let times = 1 + rng.below(most);
            let mut rep = Vec::with_capacity(piece.len() * times);
            for _ in 0..times {
                rep.extend_from_slice(&piece);
            }
            data.splice(e..e, rep);
        }
        // Wrap a range in bracket pairs, up to thousands deep.
        7 => {
            let (s, e) = range(rng, data);
            let (open, close) = *rng.pick(PAIRS);
            let most = if rng.chance(8) { 3000 } else { 16 };
            let depth = 1 + rng.below(most);
            let unclosed = rng.chance(4);
            let mut out = Vec::with_capacity(data.len() + depth * (open.len() + close.len()));
            out.extend_from_slice(&data[..s]);
            for _ in 0..depth {
                out.extend_from_slice(open.as_bytes());
            }
            out.extend_from_slice(&data[s..e]);
            if !unclosed {
                for _ in 0..depth {
                    out.extend_from_slice(close.as_bytes());
                }
            }
            out.extend_from_slice(&data[e..]);
            *data = out;
        }
        // Splice in a range of another corpus entry.
        8 | 9 if !other.is_empty() => {
            let (s, e) = range(rng, other);
            let at = position(rng, data);
            if rng.chance(2) {
                data.splice(at..at, other[s..e].iter().copied());
            } else {
                let (ds, de) = range(rng, data);
                data.splice(ds..de, other[s..e].iter().copied());
            }
        }
        // Replace a range with a token (e.g. a quote for a bracket).
        10 => {
            let (s, e) = range(rng, data);
            let t = token(rng, tokens).as_bytes().to_vec();
            data.splice(s..e, t);
        }
        // Swap two ranges.
        11 if data.len() > 2 => {
            let (a0, a1) = range(rng, data);
            let (b0, b1) = range(rng, data);
            if a1 <= b0 {
                let a = data[a0..a1].to_vec();
                let b = data[b0..b1].to_vec();
                data.splice(b0..b1, a);
                data.splice(a0..a1, b);
            }
        }
        // Line endings: CRLF everywhere, or CR alone.
        12 => {
            let text = String::from_utf8_lossy(data).into_owned();
            *data = if rng.chance(2) { text.replace('\n', "\r\n") } else { text.replace('\n', "\r") }.into_bytes();
        }
        // Truncate: unexpected end of input.
        13 if !data.is_empty() => {
            let at = position(rng, data);
            data.truncate(at);
        }
        _ => {
            let at = position(rng, data);
            let t = token(rng, tokens).as_bytes().to_vec();
            data.splice(at..at, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_inputs_and_bounded_size() {
        let seed = b"import a from './a';\nexport const x = (1 + 2);\n";
        let run = |s| {
            let mut rng = Rng::new(s);
            (0..500).map(|_| mutate(&mut rng, seed, b"a { color: red }", &["import"])).collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        assert!(a.iter().all(|x| x.len() <= MAX_LEN));
        assert!(a.iter().any(|x| x != seed));
    }
}
