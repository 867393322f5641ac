use std::path::Path;

use rolldown_error::BuildDiagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutputKind {
    Html,
    EntryJs,
    ChunkJs,
    Css,
    Asset,
    SourceMap,
    Manifest,
}

#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Relative to the output directory, with `/` separators.
    pub path: String,
    pub contents: Vec<u8>,
    pub kind: OutputKind,
}

#[derive(Debug, Default)]
pub struct BuildOutput {
    /// Sorted by path, so every runtime produces the same list.
    pub files: Vec<OutputFile>,
    pub warnings: Vec<Problem>,
    /// Every source file the build read (modules, pages, assets), sorted: what a cached copy of
    /// this output depends on.
    pub inputs: Vec<std::path::PathBuf>,
    /// Files whose existence, not content, the output depends on, and whether each existed (see
    /// `BuildState::looked_for`): creating or deleting one makes another output.
    pub looked_for: Vec<(std::path::PathBuf, bool)>,
}

/// The chunks of `files` over `build.chunkSizeWarningLimit` (kB of 1,000 bytes, as Vite counts
/// them), which the build's summary marks and names in a warning; as Vite, only for a minified
/// app (a library's chunks are its users' to bundle, and unminified sizes say little).
pub fn large_chunks<'a>(config: &nexxo_config::ResolvedConfig, files: &'a [OutputFile]) -> Vec<&'a OutputFile> {
    if !config.minify || config.lib.is_some() {
        return Vec::new();
    }
    files
        .iter()
        .filter(|f| {
            matches!(f.kind, OutputKind::EntryJs | OutputKind::ChunkJs)
                && f.contents.len() as u64 > config.chunk_size_warning_bytes
        })
        .collect()
}

impl OutputKind {
    pub fn to_byte(self) -> u8 {
        self as u8
    }

    pub fn from_byte(b: u8) -> Option<Self> {
        use OutputKind::*;
        [Html, EntryJs, ChunkJs, Css, Asset, SourceMap, Manifest].into_iter().find(|k| *k as u8 == b)
    }
}

/// Length-prefixed binary form of output files, for caches (JSON would quadruple the bytes): per
/// file a header (path, kind, length of the contents) followed by its contents. Given as the
/// headers alone, so a cache writes each header then the contents it already holds instead of
/// copying megabytes into one buffer first; [`decode_files`] reads the concatenation.
pub fn file_headers(files: &[OutputFile]) -> Vec<Vec<u8>> {
    files
        .iter()
        .map(|f| {
            let mut out = Vec::with_capacity(f.path.len() + 9);
            out.extend((f.path.len() as u32).to_le_bytes());
            out.extend(f.path.as_bytes());
            out.push(f.kind.to_byte());
            out.extend((f.contents.len() as u32).to_le_bytes());
            out
        })
        .collect()
}

pub fn decode_files(mut bytes: &[u8]) -> Option<Vec<OutputFile>> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if b.len() < n {
            return None;
        }
        let (head, tail) = b.split_at(n);
        *b = tail;
        Some(head)
    }
    let mut files = Vec::new();
    while !bytes.is_empty() {
        let n = u32::from_le_bytes(take(&mut bytes, 4)?.try_into().ok()?) as usize;
        let path = String::from_utf8(take(&mut bytes, n)?.to_vec()).ok()?;
        let kind = OutputKind::from_byte(take(&mut bytes, 1)?[0])?;
        let n = u32::from_le_bytes(take(&mut bytes, 4)?.try_into().ok()?) as usize;
        let contents = take(&mut bytes, n)?.to_vec();
        files.push(OutputFile { path, contents, kind });
    }
    Some(files)
}

/// One rendered error or warning, plain and with ANSI colors.
#[derive(Debug, Clone)]
pub struct Problem {
    pub plain: String,
    pub colored: String,
    /// The structured report (code, message, location): hosts pass its location on as data
    /// instead of reading it back from the text. Nexxo's own reports and rolldown's have one;
    /// only a bare text (`Problem::text`) has none.
    pub diagnostic: Option<nexxo_diagnostics::Diagnostic>,
}

impl Problem {
    pub fn text(text: String) -> Self {
        Self { colored: text.clone(), plain: text, diagnostic: None }
    }

    pub fn from_diagnostic(d: &nexxo_diagnostics::Diagnostic) -> Self {
        Self { plain: d.to_string(), colored: d.to_string(), diagnostic: Some(d.clone()) }
    }
}

#[derive(Debug)]
pub struct BuildFailure {
    pub errors: Vec<Problem>,
}

impl BuildFailure {
    pub fn single(code: &str, message: String) -> Self {
        let plain = format!("[{code}] {message}");
        Self { errors: vec![Problem::text(plain)] }
    }

    pub(crate) fn from_rolldown(root: &Path, diags: Vec<BuildDiagnostic>) -> Self {
        Self { errors: diags.iter().map(|d| crate::render_rolldown(root, d)).collect() }
    }
}

impl std::fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.errors {
            writeln!(f, "{}", e.plain)?;
        }
        Ok(())
    }
}
