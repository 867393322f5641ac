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
}

/// One rendered error or warning, plain and with ANSI colors.
#[derive(Debug, Clone)]
pub struct Problem {
    pub plain: String,
    pub colored: String,
}

#[derive(Debug)]
pub struct BuildFailure {
    pub errors: Vec<Problem>,
}

impl BuildFailure {
    pub fn single(code: &str, message: String) -> Self {
        let plain = format!("[{code}] {message}");
        Self { errors: vec![Problem { colored: plain.clone(), plain }] }
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
