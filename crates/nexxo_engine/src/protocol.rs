//! The wire types. Field names are camelCase: JavaScript callers read them as they are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use nexxo_bundler::{BuildOutput, OutputKind};
use nexxo_config::{CliOverrides, ResolvedConfig};
use serde::{Deserialize, Serialize};

fn default_root() -> PathBuf {
    PathBuf::from(crate::DEFAULT_ROOT)
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildRequest {
    /// Absolute directory the project's files live under.
    #[serde(default = "default_root")]
    pub root: PathBuf,
    /// The project's files, relative to `root`. Empty means "read `root` from the runtime's file
    /// system" (a WASI preopen).
    #[serde(default)]
    pub files: Vec<InputFile>,
    /// A config the host already resolved (it read `.env` and flags itself). Without it the engine
    /// resolves `nexxo.config.json` and `.env*` found among the files, with `env` and `overrides`.
    #[serde(default)]
    pub resolved: Option<ResolvedConfig>,
    /// Stands in for the process environment (`NEXXO_*` variables win over `.env` files).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub overrides: CliOverrides,
    /// Keep this build's minified parts for the host's next build that asks for it too, and take
    /// the last one's again where a chunk's part did not change: a rebuild after an edit minifies
    /// only what changed, with the same output as a build without it. Held by the host (the WASM
    /// engine: by the instance) until the next such build replaces them.
    #[serde(default)]
    pub incremental: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(try_from = "RawInputFile")]
pub struct InputFile {
    pub path: String,
    #[serde(flatten)]
    pub contents: Contents,
}

/// An input file as sent, checked apart so a file without contents is named in the error (an
/// untagged enum's own error says only that no variant matched, not which file).
#[derive(Deserialize)]
struct RawInputFile {
    path: String,
    text: Option<serde_json::Value>,
    base64: Option<serde_json::Value>,
}

impl TryFrom<RawInputFile> for InputFile {
    type Error = String;

    fn try_from(raw: RawInputFile) -> Result<Self, String> {
        let contents = match (raw.text, raw.base64) {
            (Some(serde_json::Value::String(text)), _) => Contents::Text { text },
            (None, Some(serde_json::Value::String(base64))) => Contents::Base64 { base64 },
            _ => return Err(no_contents(&raw.path)),
        };
        Ok(Self { path: raw.path, contents })
    }
}

/// The error of a file sent without contents, in every form of the build call.
pub fn no_contents(path: &str) -> String {
    format!("file `{path}` needs its contents as `text` (a string) or `base64`")
}

/// Text as is; binary files (images, fonts) as base64.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Contents {
    Text { text: String },
    Base64 { base64: String },
}

impl Contents {
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            Contents::Text { text } => Ok(text.clone().into_bytes()),
            Contents::Base64 { base64 } => B64.decode(base64).map_err(|e| format!("invalid base64: {e}")),
        }
    }

    /// [`Contents::bytes`] without copying a text (a project's sources are megabytes).
    pub fn into_bytes(self) -> Result<Vec<u8>, String> {
        match self {
            Contents::Text { text } => Ok(text.into_bytes()),
            Contents::Base64 { .. } => self.bytes(),
        }
    }

    /// UTF-8 text stays text, anything else goes as base64.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => Contents::Text { text },
            Err(e) => Contents::Base64 { base64: B64.encode(e.as_bytes()) },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct OutFile {
    pub path: String,
    /// `html`, `entry`, `chunk`, `css`, `asset`, `sourcemap` or `manifest`.
    pub kind: String,
    #[serde(flatten)]
    pub contents: OutContents,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum OutContents {
    Text { text: String },
    Base64 { base64: String },
}

/// An error or warning: the full text as a terminal shows it (with the code frame), and where it
/// points when it points somewhere.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Message {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Message {
    pub fn plain(message: String) -> Self {
        Self { message, file: None, line: None, column: None }
    }

    /// A build's problem as rendered for the terminal, located by its structured report.
    pub fn from_build_problem(p: &nexxo_bundler::Problem) -> Self {
        let d = p.diagnostic.as_ref();
        Self {
            message: p.plain.clone(),
            file: d.and_then(|d| d.file.clone()),
            line: d.and_then(|d| d.line),
            column: d.and_then(|d| d.column),
        }
    }

    /// The problem this message carries (its text as rendered, its location as data).
    pub fn to_problem(&self) -> nexxo_bundler::Problem {
        let mut d = nexxo_diagnostics::Diagnostic::new("BUILD", self.message.clone());
        (d.file, d.line, d.column) = (self.file.clone(), self.line, self.column);
        nexxo_bundler::Problem { plain: self.message.clone(), colored: self.message.clone(), diagnostic: Some(d) }
    }

    pub fn from_diagnostic(d: &nexxo_diagnostics::Diagnostic) -> Self {
        Self { message: d.to_string(), file: d.file.clone(), line: d.line, column: d.column }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct BuildResponse {
    pub ok: bool,
    /// Sorted by path.
    pub files: Vec<OutFile>,
    pub warnings: Vec<Message>,
    pub errors: Vec<Message>,
    /// Every project file the build read, relative to the root (what a cache entry depends on).
    pub inputs: Vec<String>,
    /// Files whose existence, not content, the output depends on, relative to the root, and
    /// whether each existed (a page's URL or a `new URL()` left as written: creating the file
    /// makes another output; see `BuildOutput::looked_for`).
    #[serde(rename = "lookedFor")]
    pub looked_for: Vec<(String, bool)>,
}

fn kind_name(kind: OutputKind) -> &'static str {
    match kind {
        OutputKind::Html => "html",
        OutputKind::EntryJs => "entry",
        OutputKind::ChunkJs => "chunk",
        OutputKind::Css => "css",
        OutputKind::Asset => "asset",
        OutputKind::SourceMap => "sourcemap",
        OutputKind::Manifest => "manifest",
    }
}

pub fn kind_from_name(name: &str) -> Option<OutputKind> {
    use OutputKind::*;
    [Html, EntryJs, ChunkJs, Css, Asset, SourceMap, Manifest].into_iter().find(|k| kind_name(*k) == name)
}

impl BuildResponse {
    pub fn failed(errors: Vec<Message>) -> Self {
        Self { ok: false, errors, ..Default::default() }
    }

    pub(crate) fn from_output(root: &Path, output: BuildOutput) -> Self {
        let files = output
            .files
            .into_iter()
            .map(|f| OutFile {
                path: f.path,
                kind: kind_name(f.kind).to_string(),
                contents: match String::from_utf8(f.contents) {
                    Ok(text) => OutContents::Text { text },
                    Err(e) => OutContents::Base64 { base64: B64.encode(e.as_bytes()) },
                },
            })
            .collect();
        Self {
            ok: true,
            files,
            warnings: output.warnings.iter().map(Message::from_build_problem).collect(),
            errors: Vec::new(),
            inputs: output.inputs.iter().map(|p| crate::rel_path(root, p)).collect(),
            looked_for: output.looked_for.iter().map(|(p, found)| (crate::rel_path(root, p), *found)).collect(),
        }
    }

    /// Back to the native output type, for a host that writes files and prints the summary.
    pub fn into_output(self, root: &Path) -> Result<BuildOutput, Vec<Message>> {
        if !self.ok {
            return Err(self.errors);
        }
        let mut files = Vec::with_capacity(self.files.len());
        for f in self.files {
            let contents = match f.contents {
                OutContents::Text { text } => text.into_bytes(),
                OutContents::Base64 { base64 } => {
                    B64.decode(base64).map_err(|e| vec![Message::plain(format!("engine sent bad base64: {e}"))])?
                }
            };
            let kind = kind_from_name(&f.kind)
                .ok_or_else(|| vec![Message::plain(format!("engine sent unknown file kind `{}`", f.kind))])?;
            files.push(nexxo_bundler::OutputFile { path: f.path, contents, kind });
        }
        let warnings = self.warnings.into_iter().map(|w| w.to_problem()).collect();
        Ok(BuildOutput {
            files,
            warnings,
            inputs: self.inputs.iter().map(|p| root.join(p)).collect(),
            looked_for: self.looked_for.iter().map(|(p, found)| (root.join(p), *found)).collect(),
        })
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransformRequest {
    /// Decides the syntax (`.ts`, `.tsx`, `.jsx`) and is shown in errors.
    pub path: String,
    pub source: String,
    #[serde(default)]
    pub react_refresh: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TransformResponse {
    pub ok: bool,
    pub code: String,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
    pub errors: Vec<Message>,
}

/// One unit of work, tagged by `op`: what the WASI command reads and the worker services accept.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Job {
    Build(Box<BuildRequest>),
    Transform(TransformRequest),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rolldown's own reports arrive located as data, not read back from their rendering.
    #[test]
    fn rolldown_reports_are_located_as_data() {
        let file =
            |path: &str, text: &str| InputFile { path: path.into(), contents: Contents::Text { text: text.into() } };
        let request = BuildRequest {
            root: crate::DEFAULT_ROOT.into(),
            files: vec![
                file("index.html", "<script type=\"module\" src=\"./src/main.js\"></script>"),
                // A wide character before the import: the column counts characters, not bytes.
                file("src/main.js", "// 中\nconst x = 1; import \"./missing.js\";\nconsole.log(x);\n"),
            ],
            resolved: None,
            env: BTreeMap::new(),
            overrides: CliOverrides::default(),
            incremental: false,
        };
        let response = crate::build(request, None, |fs: nexxo_memfs::MemoryFs| fs, None, None);
        assert!(!response.ok);
        let e = &response.errors[0];
        assert!(e.message.contains("missing.js"), "{}", e.message);
        assert_eq!((e.file.as_deref(), e.line, e.column), (Some("src/main.js"), Some(2), Some(21)), "{}", e.message);
    }

    #[test]
    fn binary_contents_round_trip() {
        let c = Contents::from_bytes(vec![0, 159, 146, 150]);
        assert!(matches!(c, Contents::Base64 { .. }));
        assert_eq!(c.bytes().unwrap(), vec![0, 159, 146, 150]);
    }
}
