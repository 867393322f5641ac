//! Nexxo's configuration: the `nexxo.config.json` schema, its validation (unknown fields get a
//! "did you mean" suggestion), `.env` parsing, and the resolved options the engine consumes.
//!
//! Nothing here touches the file system: the host reads files and hands their text in.

mod env;
mod proxy;
mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use env::{ENV_FILES, parse_dotenv};
pub use proxy::{ProxyRule, Target as ProxyTarget};
pub use schema::FIELDS;

pub const CONFIG_FILE: &str = "nexxo.config.json";

/// The config file as the user wrote it. Every field is optional; see README for meanings.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct UserConfig {
    pub base: Option<String>,
    pub mode: Option<String>,
    pub define: BTreeMap<String, serde_json::Value>,
    pub env_prefix: Option<EnvPrefix>,
    pub env_dir: Option<String>,
    pub public_dir: Option<PublicDir>,
    /// Vite's `assetsInclude`: more files imported as assets (their URL), by glob.
    pub assets_include: Option<OneOrMany>,
    pub resolve: ResolveConfig,
    pub build: BuildConfig,
    pub css: CssConfig,
    pub server: ServerConfig,
    pub preview: ServerConfig,
}

/// `envPrefix`: one prefix or several, as in Vite.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum EnvPrefix {
    One(String),
    Many(Vec<String>),
}

/// Variables with these prefixes reach `import.meta.env` unless `envPrefix` says otherwise:
/// Nexxo's own, and Vite's, so a Vite project's `.env` works unchanged.
pub const DEFAULT_ENV_PREFIXES: [&str; 2] = ["NEXXO_", "VITE_"];

/// Vite 8's default `build.target`, `"baseline-widely-available"`: the browsers in which every
/// feature of Baseline's "widely available" set works (Vite's list, as of Vite 7 and 8). Nexxo's
/// default too, so a switched app ships the syntax Vite would ship: no class fields or `??=`
/// rewritten into older code, CSS nesting lowered only where Chrome 111 needs it.
pub const BASELINE_WIDELY_AVAILABLE: [&str; 4] = ["chrome111", "edge111", "firefox114", "safari16.4"];

/// Vite's `"modules"` target (its default before Vite 7): browsers with native ES modules,
/// dynamic import and `import.meta`.
pub const MODULES_TARGET: [&str; 5] = ["es2020", "edge88", "firefox78", "chrome87", "safari14"];

/// The targets `build.target` (or `build.cssTarget`) names: a list, or one string split at
/// commas, with Vite's named sets (`"baseline-widely-available"`, `"modules"`) spelled out.
fn target_list(t: &OneOrMany) -> Vec<String> {
    let items: Vec<&str> = match t {
        OneOrMany::One(s) => s.split(',').collect(),
        OneOrMany::Many(list) => list.iter().map(String::as_str).collect(),
    };
    let mut out = Vec::new();
    for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
        match item {
            "baseline-widely-available" => out.extend(BASELINE_WIDELY_AVAILABLE.iter().map(|t| t.to_string())),
            "modules" => out.extend(MODULES_TARGET.iter().map(|t| t.to_string())),
            other => out.push(other.to_string()),
        }
    }
    out
}

/// A string or a list of them (`build.target`, `build.cssTarget`), as Vite takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PublicDir {
    Enabled(bool),
    Path(String),
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ResolveConfig {
    pub alias: BTreeMap<String, String>,
    pub conditions: Option<Vec<String>>,
    pub extensions: Option<Vec<String>>,
    pub main_fields: Option<Vec<String>>,
    /// Vite's `resolve.dedupe`: packages always resolved from the root, so that a linked
    /// package with its own copy (`packages/ui/node_modules/react`) uses the app's.
    pub dedupe: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct BuildConfig {
    pub out_dir: Option<String>,
    pub assets_dir: Option<String>,
    /// `true`, `false`, `"inline"` or `"hidden"`, as in Vite.
    pub sourcemap: Option<SourcemapSetting>,
    /// `true`, `false`, or rolldown's `output.minify` object (Vite 8's
    /// `build.rolldownOptions.output.minify`) with the compress options Nexxo takes.
    pub minify: Option<MinifySetting>,
    pub input: Option<Vec<String>>,
    pub assets_inline_limit: Option<u64>,
    pub target: Option<OneOrMany>,
    /// Vite's `build.cssTarget`: browsers the CSS is lowered for, apart from `target`.
    pub css_target: Option<OneOrMany>,
    /// Replace a non-empty output directory outside the root (Vite's `build.emptyOutDir`).
    pub empty_out_dir: Option<bool>,
    /// Vite's `build.reportCompressedSize`: the summary's gzip sizes (on by default).
    pub report_compressed_size: Option<bool>,
    /// Rollup's `output.manualChunks` object form, as Vite apps write it: chunk name to the
    /// packages (`"react"`) or files (`"./src/big.ts"`) it holds, with their dependencies.
    pub manual_chunks: Option<BTreeMap<String, Vec<String>>>,
    /// Vite's `build.lib`: build a library from script entries instead of the app's pages.
    pub lib: Option<LibConfig>,
    /// Rollup's `external` (`build.rollupOptions.external` in Vite): imports left as they are
    /// written, not bundled; a name matches itself only (`react`, not `react/jsx-runtime`), one
    /// starting with `^` is a regular expression.
    pub external: Option<Vec<String>>,
    /// Rollup's `output.globals`: the global variable a `umd`/`iife` library reads an external from.
    pub globals: BTreeMap<String, String>,
    /// Vite's `build.manifest`: `true` writes the manifest also at `.vite/manifest.json` (where
    /// backend integrations read it), a string at that path in the output directory.
    pub manifest: Option<ManifestSetting>,
    /// rolldown's `output.codeSplitting` (Vite 8's `build.rolldownOptions.output.codeSplitting`,
    /// formerly `advancedChunks`): `false` puts each entry's code in one file (Rollup's
    /// `inlineDynamicImports`), or groups of modules matched by a regular expression.
    pub code_splitting: Option<CodeSplitting>,
    /// Vite's `build.chunkSizeWarningLimit`: kB (1,000 bytes) of minified JS above which a chunk
    /// is named in a warning after the build (500 by default).
    pub chunk_size_warning_limit: Option<f64>,
    /// Rollup's `output.entryFileNames` (string form): where entry chunks go (`[name]`, `[hash]`).
    pub entry_file_names: Option<String>,
    /// Rollup's `output.chunkFileNames`: where shared and lazy chunks go.
    pub chunk_file_names: Option<String>,
    /// Rollup's `output.assetFileNames`: where style sheets, images and fonts go (`[name]`,
    /// `[hash]`, `[ext]`, `[extname]`).
    pub asset_file_names: Option<String>,
}

/// `build.minify`: on or off, or on with options.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum MinifySetting {
    On(bool),
    Options(MinifyOptions),
}

impl<'de> Deserialize<'de> for MinifySetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bool_or_object(d, "a boolean or { \"compress\": { \"dropConsole\": true } }")
            .map(|v| v.map_or_else(Self::On, Self::Options))
    }
}

/// A field that is `true`/`false` or an object of options (`build.minify`, `build.codeSplitting`),
/// read without `#[serde(untagged)]`'s "did not match any variant": a wrong type says what is
/// `expected`, a mistake inside the object is named.
fn bool_or_object<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(
    d: D,
    expected: &'static str,
) -> Result<Result<T, bool>, D::Error> {
    use serde::de::{Error, Unexpected};
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Ok(Err(b)),
        v @ serde_json::Value::Object(_) => serde_json::from_value(v).map(Ok).map_err(D::Error::custom),
        other => {
            let unexpected = match &other {
                serde_json::Value::String(s) => Unexpected::Str(s),
                serde_json::Value::Number(n) => n.as_f64().map_or(Unexpected::Other("number"), Unexpected::Float),
                serde_json::Value::Array(_) => Unexpected::Seq,
                _ => Unexpected::Unit,
            };
            Err(D::Error::invalid_type(unexpected, &expected))
        }
    }
}

/// `build.minify` as an object: minified, with these compress options.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct MinifyOptions {
    pub compress: CompressOptions,
}

/// The minifier's dead-code options (oxc's `dropConsole`, `dropDebugger`): Vite 8's answer to
/// esbuild's `drop: ['console', 'debugger']`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CompressOptions {
    /// Remove `console.*()` calls (their arguments are not evaluated either).
    pub drop_console: bool,
    /// Remove `debugger;` statements (on by default, as oxc's minifier does).
    pub drop_debugger: Option<bool>,
}

/// `build.manifest`: `true`/`false` or a path.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ManifestSetting {
    Yes(bool),
    Path(String),
}

impl ManifestSetting {
    /// Where the manifest goes besides `.nexxo/manifest.json`, relative to the output directory.
    pub fn path(setting: Option<&Self>) -> Option<String> {
        match setting? {
            Self::Yes(false) => None,
            Self::Yes(true) => Some(".vite/manifest.json".into()),
            Self::Path(p) => Some(p.trim_start_matches("./").to_string()),
        }
    }
}

/// `build.codeSplitting`: on or off, or chunk groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CodeSplitting {
    /// `false`: no chunk besides the entries (lazy imports inlined); `true` is the default.
    Enabled(bool),
    Groups(ChunkGroups),
}

impl<'de> Deserialize<'de> for CodeSplitting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bool_or_object(d, "false or { \"groups\": [...] }").map(|v| v.map_or_else(Self::Enabled, Self::Groups))
    }
}

/// rolldown's chunk groups (sizes in bytes: integers, which the WASM engine's requests carry
/// exactly).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ChunkGroups {
    pub groups: Vec<ChunkGroup>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_share_count: Option<u32>,
}

/// A group `name` that names each module's chunk after its npm package (`react-dom`,
/// `@scope+name`), what a `manualChunks` function returning
/// `id.split('node_modules/')[1].split('/')[0]` does; the app's own modules stay out of it.
pub const PACKAGE_GROUP_NAME: &str = "[package]";

/// One group: the modules whose id (absolute path) matches `test` (all, without it) go to a
/// chunk named `name`, with what they import; a module two groups match goes to the one of
/// higher `priority`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChunkGroup {
    pub name: String,
    /// A regular expression (JavaScript's syntax, as rolldown takes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_share_count: Option<u32>,
}

impl CodeSplitting {
    /// A name that cannot name a file, a test that is no regular expression, or groups beside
    /// `manualChunks`.
    pub fn check(&self, manual_chunks: bool) -> Result<(), String> {
        let Self::Groups(g) = self else { return Ok(()) };
        if manual_chunks {
            return Err("build.codeSplitting and build.manualChunks both group modules into chunks\nhint: write the \
                        manualChunks entries as groups: { \"name\": \"vendor\", \"test\": \"node_modules\" }"
                .into());
        }
        for group in &g.groups {
            if group.name != PACKAGE_GROUP_NAME
                && (group.name.is_empty() || group.name.contains(['/', '\\', '[']) || group.name.starts_with('.'))
            {
                return Err(format!(
                    "build.codeSplitting: the group name \"{}\" must be a file name (no `/`, not empty)",
                    group.name
                ));
            }
            if let Some(test) = &group.test
                && let Err(e) = regex::Regex::new(test)
            {
                return Err(format!(
                    "build.codeSplitting: the test of group \"{}\" is not a regular expression: {e}",
                    group.name
                ));
            }
        }
        Ok(())
    }
}

/// `build.sourcemap`: on, off, or one of Vite's two other kinds.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SourcemapSetting {
    On(bool),
    Kind(String),
}

/// Which source maps a build writes (when `sourcemap` is on).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourcemapKind {
    /// A `.map` file beside each chunk, named by a `//# sourceMappingURL` comment.
    #[default]
    File,
    /// The map inside the chunk, as a data URL: no `.map` files.
    Inline,
    /// `.map` files without the comment: for error trackers (Sentry) that take the maps uploaded,
    /// while browsers' devtools do not fetch them.
    Hidden,
}

impl SourcemapKind {
    /// `"inline"` or `"hidden"` (Vite's spellings); `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "inline" => Some(Self::Inline),
            "hidden" => Some(Self::Hidden),
            _ => None,
        }
    }
}

/// `build.entryFileNames`, `build.chunkFileNames`, `build.assetFileNames`: output paths as
/// patterns, relative to the output directory; `None` keeps Vite's default
/// (`<assetsDir>/[name]-[hash].js`, `<assetsDir>/[name]-[hash][extname]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileNames {
    pub entry: Option<String>,
    pub chunk: Option<String>,
    pub asset: Option<String>,
}

impl FileNames {
    /// The entry chunks' pattern, written in full.
    pub fn entry_pattern(&self, assets_dir: &str) -> String {
        self.entry.clone().unwrap_or_else(|| default_pattern(assets_dir, ".js"))
    }

    pub fn chunk_pattern(&self, assets_dir: &str) -> String {
        self.chunk.clone().unwrap_or_else(|| default_pattern(assets_dir, ".js"))
    }

    pub fn asset_pattern(&self, assets_dir: &str) -> String {
        self.asset.clone().unwrap_or_else(|| default_pattern(assets_dir, "[extname]"))
    }

    /// The output path of an asset named `name` (a file's stem, or a chunk's name for its style
    /// sheet) with extension `ext` (no dot; may be empty) and content hash `hash` (hex digits):
    /// `[hash]` is its first 8, `[hash:N]` its first N.
    #[expect(clippy::string_slice, reason = "indexes are at ASCII brackets and hex digits")]
    pub fn asset_path(&self, assets_dir: &str, name: &str, ext: &str, hash: &str) -> String {
        let extname = if ext.is_empty() { String::new() } else { format!(".{ext}") };
        let pattern = self.asset_pattern(assets_dir);
        let mut out = String::with_capacity(pattern.len() + name.len() + 16);
        let mut rest = pattern.as_str();
        while let Some(open) = rest.find('[') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find(']') else { break };
            let placeholder = &rest[open + 1..open + close];
            match placeholder {
                "name" => out.push_str(name),
                "ext" => out.push_str(ext),
                "extname" => out.push_str(&extname),
                _ => {
                    let len = placeholder
                        .strip_prefix("hash")
                        .map_or(0, |n| n.strip_prefix(':').and_then(|n| n.parse::<usize>().ok()).unwrap_or(8));
                    out.push_str(&hash[..len.min(hash.len())]);
                }
            }
            rest = &rest[open + close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// A regular expression matching the output paths (relative to the output directory, `/`
    /// separated) of the files the build names with a content hash, and their source maps:
    /// files whose content never changes under their name. `None` when no pattern has `[hash]`.
    #[expect(clippy::string_slice, reason = "indexes are at ASCII brackets")]
    pub fn hashed_paths(&self, assets_dir: &str) -> Option<regex::Regex> {
        let mut alternatives = Vec::new();
        for pattern in [self.entry_pattern(assets_dir), self.chunk_pattern(assets_dir), self.asset_pattern(assets_dir)]
        {
            if !pattern.contains("[hash") {
                continue;
            }
            let mut re = String::new();
            let mut rest = pattern.as_str();
            while let Some(open) = rest.find('[') {
                re.push_str(&regex::escape(&rest[..open]));
                let Some(close) = rest[open..].find(']') else { break };
                let placeholder = &rest[open + 1..open + close];
                match placeholder {
                    "name" => re.push_str("[^/]+"),
                    "ext" => re.push_str("[^/.]*"),
                    "extname" => re.push_str("(?:\\.[^/.]+)?"),
                    "format" => re.push_str("[a-z]+"),
                    // rolldown's base64url hashes and Nexxo's hex ones: 8 characters, or N.
                    _ => {
                        let len = placeholder.strip_prefix("hash:").and_then(|n| n.parse::<usize>().ok()).unwrap_or(8);
                        re.push_str(&format!("[A-Za-z0-9_-]{{{len}}}"));
                    }
                }
                rest = &rest[open + close + 1..];
            }
            re.push_str(&regex::escape(rest));
            alternatives.push(re);
        }
        if alternatives.is_empty() {
            return None;
        }
        regex::Regex::new(&format!("^(?:{})(?:\\.map)?$", alternatives.join("|"))).ok()
    }

    /// The directory the chunks are written to (`""`: the output root). Every chunk goes to one
    /// directory (checked by [`check_file_names`] where a relative `base` needs it).
    pub fn chunk_dir(&self, assets_dir: &str) -> String {
        let pattern = self.entry_pattern(assets_dir);
        pattern.rsplit_once('/').map_or(String::new(), |(dir, _)| dir.to_string())
    }
}

/// `http://host[:port]` or `https://...`, nothing after it.
fn is_origin(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("http://").or_else(|| text.strip_prefix("https://")) else { return false };
    !rest.is_empty() && !rest.contains(['/', '?', '#', ' '])
}

fn sourcemap_kind_error(kind: &str) -> String {
    format!(
        "build.sourcemap: \"{kind}\" is not a kind of source map\nhint: use true (a .map file beside each chunk), \
         \"hidden\" (the files, without the comment that names them) or \"inline\" (inside the chunk)"
    )
}

const CHUNK_LIMIT_ERROR: &str = "build.chunkSizeWarningLimit must be a number of kB, 0 or more";

fn default_pattern(assets_dir: &str, ext: &str) -> String {
    if assets_dir.is_empty() { format!("[name]-[hash]{ext}") } else { format!("{assets_dir}/[name]-[hash]{ext}") }
}

/// Checks a file-name pattern of `build.<field>`: relative, inside the output directory, with
/// known placeholders, and a `[name]` (or `[hash]`) so that two files cannot get one name.
#[expect(clippy::string_slice, reason = "indexes are at ASCII brackets")]
fn check_file_name_pattern(field: &str, pattern: &str, placeholders: &[&str]) -> Result<(), String> {
    let hint = format!("hint: use the placeholders {}, e.g. \"{}\"", placeholders.join(", "), example(field));
    if pattern.is_empty() || pattern.starts_with('/') || pattern.contains('\\') || pattern.contains("://") {
        return Err(format!("build.{field}: \"{pattern}\" must be a path relative to the output directory\n{hint}"));
    }
    if pattern.split('/').any(|part| part == ".." || part == "." || part.is_empty()) {
        return Err(format!(
            "build.{field}: \"{pattern}\" must stay inside the output directory (no `..`, `.` or empty parts)\n{hint}"
        ));
    }
    let mut rest = pattern;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else { break };
        let placeholder = &rest[open..open + close + 1];
        let hash_len = placeholder.strip_prefix("[hash:").and_then(|n| n.strip_suffix(']')).map(str::parse::<usize>);
        if let Some(len) = hash_len {
            if !matches!(len, Ok(4..=16)) {
                return Err(format!(
                    "build.{field}: \"{pattern}\": {placeholder} must name a length from 4 to 16\n{hint}"
                ));
            }
        } else if !placeholders.contains(&placeholder) {
            return Err(format!("build.{field}: \"{pattern}\" has the unknown placeholder {placeholder}\n{hint}"));
        }
        rest = &rest[open + close + 1..];
    }
    if !pattern.contains("[name]") && !pattern.contains("[hash") {
        return Err(format!(
            "build.{field}: \"{pattern}\" has neither [name] nor [hash], so every file would get the same name\n{hint}"
        ));
    }
    Ok(())
}

fn example(field: &str) -> &'static str {
    match field {
        "assetFileNames" => "static/[ext]/[name]-[hash][extname]",
        _ => "js/[name]-[hash].js",
    }
}

/// Checks `build.entryFileNames`, `chunkFileNames` and `assetFileNames` together: each pattern
/// alone, then, with a relative `base` (`./`), that the chunks share one directory that no
/// placeholder names: a chunk reaches a file by a path relative to its own directory, which
/// must be known when the chunk is written.
pub fn check_file_names(names: &FileNames, assets_dir: &str, base: &str) -> Result<(), String> {
    const JS: &[&str] = &["[name]", "[hash]", "[format]"];
    const ASSET: &[&str] = &["[name]", "[hash]", "[ext]", "[extname]"];
    for (field, pattern, placeholders) in [
        ("entryFileNames", &names.entry, JS),
        ("chunkFileNames", &names.chunk, JS),
        ("assetFileNames", &names.asset, ASSET),
    ] {
        if let Some(p) = pattern {
            check_file_name_pattern(field, p, placeholders)?;
        }
    }
    let relative = !base.starts_with('/') && !base.contains("://");
    if relative && (names.entry.is_some() || names.chunk.is_some()) {
        let dir = |p: String| p.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
        let (entry, chunk) = (dir(names.entry_pattern(assets_dir)), dir(names.chunk_pattern(assets_dir)));
        if entry != chunk || entry.contains('[') {
            return Err(format!(
                "build.entryFileNames and build.chunkFileNames must put every chunk in one directory when `base` is \
                 relative (\"{base}\"): \"{entry}\" and \"{chunk}\"\nhint: give both patterns the same directory \
                 without placeholders, e.g. \"js/[name]-[hash].js\", or use an absolute base such as \"/\""
            ));
        }
    }
    if relative
        && names
            .asset
            .as_deref()
            .is_some_and(|a| a.rsplit_once('/').is_some_and(|(d, _)| d.contains("[name]") || d.contains("[hash")))
    {
        return Err(format!(
            "build.assetFileNames: with a relative `base` (\"{base}\") the directory of an asset may name its [ext] only\nhint: e.g. \"static/[ext]/[name]-[hash][extname]\""
        ));
    }
    Ok(())
}

/// `build.lib`, as in Vite: entries, formats and names of a library build.
#[derive(Debug, Default, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LibConfig {
    /// A file, a list of files (each named after its file) or names to files.
    pub entry: LibEntry,
    /// The global a `umd` or `iife` build defines (required for those formats).
    pub name: Option<String>,
    /// The output files' name (without extension); by default the `package.json` name for one
    /// entry, else each entry's name.
    pub file_name: Option<String>,
    /// `es`, `cjs`, `umd`, `iife`; default `["es", "umd"]` for one entry, `["es", "cjs"]` for more.
    pub formats: Option<Vec<String>>,
    /// The style sheet's name (without `.css`); by default the `package.json` name, else `style`.
    pub css_file_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum LibEntry {
    One(String),
    Many(Vec<String>),
    Named(BTreeMap<String, String>),
}

impl Default for LibEntry {
    fn default() -> Self {
        LibEntry::Many(Vec::new())
    }
}

impl LibConfig {
    /// The entries as (name, path relative to the root), a file's name being its stem.
    pub fn entries(&self) -> Vec<(String, String)> {
        let named = |p: &String| {
            let stem = Path::new(p).file_stem().map_or_else(|| p.clone(), |s| s.to_string_lossy().into_owned());
            (stem, p.trim_start_matches("./").to_string())
        };
        match &self.entry {
            LibEntry::One(p) => vec![named(p)],
            LibEntry::Many(list) => list.iter().map(named).collect(),
            LibEntry::Named(map) => {
                map.iter().map(|(k, v)| (k.clone(), v.trim_start_matches("./").to_string())).collect()
            }
        }
    }

    /// The formats to write, defaulted as Vite does.
    pub fn formats(&self) -> Vec<String> {
        self.formats.clone().unwrap_or_else(|| {
            let one = matches!(self.entry, LibEntry::One(_)) || self.entries().len() == 1;
            if one { vec!["es".into(), "umd".into()] } else { vec!["es".into(), "cjs".into()] }
        })
    }

    fn check(&self) -> Result<(), String> {
        let entries = self.entries();
        if entries.is_empty() {
            return Err("build.lib.entry names no file: give the library's entry (\"src/index.ts\")".into());
        }
        for f in self.formats() {
            match f.as_str() {
                "es" | "cjs" => {}
                "umd" | "iife" => {
                    if self.name.as_deref().is_none_or(str::is_empty) {
                        return Err(format!(
                            "build.lib.name is required for the `{f}` format: the global variable the library defines"
                        ));
                    }
                    if entries.len() > 1 {
                        return Err(format!(
                            "build.lib: the `{f}` format takes one entry (as in Vite); use `es` or `cjs` for several"
                        ));
                    }
                }
                other => {
                    return Err(format!(
                        "build.lib.formats: `{other}` is not a format Nexxo writes (es, cjs, umd, iife)"
                    ));
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CssConfig {
    pub modules: CssModulesConfig,
    /// Vite's `css.preprocessorOptions`, by language (`scss`, `sass`, `less`, `styl`): each an
    /// object; `additionalData` (text put before every sheet of that language) for all, and for
    /// Less and Stylus the compiler's own options (`modifyVars`, `javascriptEnabled`, ...).
    pub preprocessor_options: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CssModulesConfig {
    /// lightningcss pattern, e.g. `[name]_[local]_[hash]`.
    pub pattern: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ServerConfig {
    pub port: Option<u16>,
    pub host: Option<String>,
    /// Dev only: serve the app's modules in one script per entry (default) instead of one
    /// request per module.
    pub bundle: Option<bool>,
    /// `server.fs`: what the dev server may serve from outside the project root.
    pub fs: ServerFsConfig,
    /// `server.proxy` / `preview.proxy`, as in Vite: requests whose path starts with a key (or
    /// matches it, for a key that starts with `^`) go to another server.
    pub proxy: BTreeMap<String, ProxyRule>,
    /// `server.headers` / `preview.headers`: sent with every response the server makes (e.g.
    /// `Cross-Origin-Opener-Policy` and `-Embedder-Policy`, which `SharedArrayBuffer` needs).
    pub headers: BTreeMap<String, String>,
    /// `server.open` / `preview.open`: open the app in the browser once the server is ready
    /// (`true`, or the path to open).
    pub open: Option<OpenSetting>,
    /// `server.cors` / `preview.cors`, as in Vite: which other origins' pages may load from the
    /// server (a backend's page loading the dev server's modules). By default the pages of
    /// `localhost`, `127.0.0.1` and `[::1]` on any port, as Vite's default.
    pub cors: Option<CorsSetting>,
    /// `server.origin` (dev): the origin the app's asset URLs start with
    /// (`"http://localhost:5173"`), for a page that another server serves.
    pub origin: Option<String>,
}

/// `server.cors`: `true` (any origin), `false` (none), or `{ "origin": ... }`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum CorsSetting {
    All(bool),
    Options { origin: CorsOrigin },
}

/// `server.cors.origin`: `true` (any), an origin, or a list; a string starting with `^` is a
/// regular expression (Vite's `RegExp`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum CorsOrigin {
    Any(bool),
    One(String),
    Many(Vec<String>),
}

/// Vite's default `server.cors.origin`: pages served from this machine.
pub const DEFAULT_CORS_ORIGIN: &str = r"^https?://(?:(?:[^:]+\.)?localhost|127\.0\.0\.1|\[::1\])(?::\d+)?$";

impl CorsSetting {
    /// The origins allowed: `None` for any, else exact origins and patterns.
    pub fn origins(setting: Option<&Self>) -> Option<Vec<String>> {
        match setting {
            None => Some(vec![DEFAULT_CORS_ORIGIN.to_string()]),
            Some(Self::All(true) | Self::Options { origin: CorsOrigin::Any(true) }) => None,
            Some(Self::All(false) | Self::Options { origin: CorsOrigin::Any(false) }) => Some(Vec::new()),
            Some(Self::Options { origin: CorsOrigin::One(o) }) => Some(vec![o.clone()]),
            Some(Self::Options { origin: CorsOrigin::Many(list) }) => Some(list.clone()),
        }
    }
}

/// `server.open`: `true`/`false`, or a path under the server (`"/docs/"`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum OpenSetting {
    Yes(bool),
    Path(String),
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ServerFsConfig {
    /// `server.fs.allow`, as in Vite: directories (relative to the root, or absolute) whose files
    /// the page may import from outside the root (a monorepo's shared sources). The root and the
    /// `node_modules` directories above it are always allowed.
    pub allow: Vec<String>,
}

/// A configuration problem, worded for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// 1-based line and character column of byte `offset` in `text`, as [`ConfigError`] gives them.
pub(crate) fn char_position(text: &str, offset: usize) -> (usize, usize) {
    let (line, column) = nexxo_diagnostics::line_char_column(text, offset);
    (line as usize, column as usize)
}

/// Parses and validates the text of a config file. `file` is only used in messages.
pub fn parse_config(file: &str, text: &str) -> Result<UserConfig, ConfigError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // serde_json counts lines by `\n` only and columns in bytes (0 on an empty input): through
        // an offset, to lines as every diagnostic counts them and columns in characters.
        let (line, column) = char_position(text, nexxo_diagnostics::lf_offset(text, e.line(), e.column()));
        ConfigError {
            file: file.to_string(),
            message: format!("invalid JSON: {e}"),
            line: Some(line),
            column: Some(column),
        }
    })?;
    if let Err(message) = schema::check(&value) {
        let (line, column) = schema::locate(text, &message.key);
        return Err(ConfigError { file: file.to_string(), message: message.text, line, column });
    }
    let config: UserConfig = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let key = path.rsplit('.').next().unwrap_or_default().to_string();
        let (line, column) = schema::locate(text, &key);
        ConfigError { file: file.to_string(), message: format!("`{path}`: {}", e.into_inner()), line, column }
    })?;
    if let Some(lib) = &config.build.lib {
        lib.check().map_err(|message| {
            let (line, column) = schema::locate(text, "lib");
            ConfigError { file: file.to_string(), message, line, column }
        })?;
    }
    // The build's own checks (as `ResolvedConfig::resolve` makes them), here with the place.
    let located = |key: &str, message: String| {
        let (line, column) = schema::locate(text, key);
        ConfigError { file: file.to_string(), message, line, column }
    };
    if let Some(SourcemapSetting::Kind(kind)) = &config.build.sourcemap
        && SourcemapKind::parse(kind).is_none()
    {
        return Err(located("sourcemap", sourcemap_kind_error(kind)));
    }
    if config.build.chunk_size_warning_limit.is_some_and(|l| !(l.is_finite() && l >= 0.0)) {
        return Err(located("chunkSizeWarningLimit", CHUNK_LIMIT_ERROR.into()));
    }
    let names = FileNames {
        entry: config.build.entry_file_names.clone(),
        chunk: config.build.chunk_file_names.clone(),
        asset: config.build.asset_file_names.clone(),
    };
    let assets_dir = config.build.assets_dir.as_deref().unwrap_or("assets").trim_matches('/');
    let base = normalize_base(config.base.as_deref().unwrap_or("/"));
    if let Err(message) = check_file_names(&names, assets_dir, &base) {
        let key = message.split([':', ' ']).next().unwrap_or_default().trim_start_matches("build.").to_string();
        return Err(located(&key, message));
    }
    if let Some(path) = ManifestSetting::path(config.build.manifest.as_ref())
        && (path.is_empty()
            || path.starts_with('/')
            || path.contains('\\')
            || path.split('/').any(|p| p == ".." || p.is_empty())
            || !path.ends_with(".json"))
    {
        return Err(located(
            "manifest",
            format!(
                "build.manifest: \"{path}\" must be a .json file inside the output directory\nhint: true writes \
                 .vite/manifest.json, as Vite; or a path such as \"manifest.json\""
            ),
        ));
    }
    if let Some(c) = &config.build.code_splitting
        && let Err(message) = c.check(config.build.manual_chunks.is_some())
    {
        return Err(located("codeSplitting", message));
    }
    for pattern in config.build.external.iter().flatten().filter(|p| p.starts_with('^')) {
        if let Err(e) = regex::Regex::new(pattern) {
            let (line, column) = schema::locate(text, "external");
            return Err(ConfigError {
                file: file.to_string(),
                message: format!("build.external: `{pattern}` is not a regular expression: {e}"),
                line,
                column,
            });
        }
    }
    for (section, server) in [("server", &config.server), ("preview", &config.preview)] {
        for (name, value) in &server.headers {
            let token =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token || value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                let (line, column) = schema::locate(text, name);
                return Err(ConfigError {
                    file: file.to_string(),
                    message: format!("`{section}.headers`: `{name}: {value}` is not a valid HTTP header"),
                    line,
                    column,
                });
            }
        }
        for pattern in
            CorsSetting::origins(server.cors.as_ref()).unwrap_or_default().iter().filter(|p| p.starts_with('^'))
        {
            if let Err(e) = regex::Regex::new(pattern) {
                return Err(located("cors", format!("`{section}.cors`: `{pattern}` is not a regular expression: {e}")));
            }
        }
        if let Some(origin) = &server.origin
            && !is_origin(origin)
        {
            return Err(located(
                "origin",
                format!(
                    "`{section}.origin`: \"{origin}\" is not an origin\nhint: a scheme, a host and a port, without a path: \
                     \"http://localhost:5173\""
                ),
            ));
        }
        if let Err((key, message)) = proxy::check_keys(&server.proxy) {
            let (line, column) = schema::locate(text, &key);
            return Err(ConfigError {
                file: file.to_string(),
                message: format!("`{section}.proxy`: {message}"),
                line,
                column,
            });
        }
    }
    Ok(config)
}

/// Options that the CLI sets on top of the config file (flags win).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct CliOverrides {
    pub mode: Option<String>,
    pub out_dir: Option<String>,
    pub sourcemap: Option<bool>,
    /// `--sourcemap inline|hidden`: the kind, with `sourcemap` on.
    #[serde(default)]
    pub sourcemap_kind: Option<SourcemapKind>,
    pub minify: Option<bool>,
    pub base: Option<String>,
}

/// Everything the engine needs to build, with defaults applied and paths made absolute.
/// Serializable so a host can resolve it once and hand it to a WASM engine instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResolvedConfig {
    /// tsconfig's JSX and decorator settings (read by [`load`] and [`load_user`]), for the
    /// transforms of the build and of dev alike.
    #[serde(default)]
    pub ts: TsOptions,
    pub root: PathBuf,
    pub mode: String,
    /// Always starts and ends with `/` (or is `./` for relative deployments).
    pub base: String,
    pub out_dir: PathBuf,
    /// `build.emptyOutDir`: `Some(true)` allows replacing a foreign directory outside the root.
    #[serde(default)]
    pub empty_out_dir: Option<bool>,
    /// `build.reportCompressedSize`: whether `nexxo build` compresses each output file to show its
    /// gzip size, as Vite does by default; off saves that time on large outputs.
    #[serde(default = "report_compressed_size_default")]
    pub report_compressed_size: bool,
    pub assets_dir: String,
    pub public_dir: Option<PathBuf>,
    pub sourcemap: bool,
    /// `build.sourcemap: "inline" | "hidden"`: which maps, when `sourcemap` is on.
    #[serde(default)]
    pub sourcemap_kind: SourcemapKind,
    pub minify: bool,
    /// `build.minify.compress` (used when `minify`).
    #[serde(default)]
    pub compress: CompressOptions,
    /// `build.codeSplitting` (checked).
    #[serde(default)]
    pub code_splitting: Option<CodeSplitting>,
    /// `build.manifest`: a second copy of the manifest, at this path in the output directory.
    #[serde(default)]
    pub manifest_path: Option<String>,
    /// `build.chunkSizeWarningLimit`, in bytes (the config gives kB of 1,000 bytes). An integer:
    /// the WASM engine's serde_json (`arbitrary_precision`, for a dependency) cannot take a
    /// float inside the request's tagged enum.
    #[serde(default = "chunk_size_warning_limit_default")]
    pub chunk_size_warning_bytes: u64,
    /// `build.entryFileNames`, `chunkFileNames`, `assetFileNames` (checked).
    #[serde(default)]
    pub file_names: FileNames,
    /// Entry files relative to root: `.html` pages or script modules.
    pub input: Vec<String>,
    pub assets_inline_limit: u64,
    /// `build.manualChunks`: chunk name to the packages or root-relative files it holds.
    #[serde(default)]
    pub manual_chunks: BTreeMap<String, Vec<String>>,
    /// `build.lib`: a library build of these entries instead of the pages of `input`.
    #[serde(default)]
    pub lib: Option<LibConfig>,
    /// `build.external`.
    #[serde(default)]
    pub external: Vec<String>,
    /// `build.globals`.
    #[serde(default)]
    pub globals: BTreeMap<String, String>,
    pub target: String,
    /// esbuild-style targets of the CSS (`["chrome61"]`): `build.cssTarget`, else `build.target`,
    /// as in Vite. Only browser targets lower CSS (`es2020` says nothing about it).
    #[serde(default)]
    pub css_target: Vec<String>,
    /// Expression replacements, already stringified (`"\"production\""`).
    pub define: BTreeMap<String, String>,
    /// Variables exposed on `import.meta.env` (beyond MODE/DEV/PROD/BASE_URL/SSR).
    pub env: BTreeMap<String, String>,
    /// Prefixes of the variables exposed on `import.meta.env`; never empty, no empty prefix.
    pub env_prefix: Vec<String>,
    pub alias: Vec<(String, String)>,
    pub conditions: Option<Vec<String>>,
    pub extensions: Option<Vec<String>>,
    pub main_fields: Option<Vec<String>>,
    /// `resolve.dedupe`.
    #[serde(default)]
    pub dedupe: Vec<String>,
    pub css_modules_pattern: Option<String>,
    /// `css.preprocessorOptions`, checked (see [`CssConfig`]), `stylus` stored as `styl`.
    #[serde(default)]
    pub preprocessor_options: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// `assetsInclude`: globs of files, relative to the root (`**/*.gltf`), that an import gives
    /// the URL of, like images; beyond the built-in asset extensions.
    #[serde(default)]
    pub assets_include: Vec<String>,
    /// `server.*` (dev) and `preview.*`: defaults for the servers' flags.
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub preview: ServerConfig,
}

/// A resolved config from a host that predates `report_compressed_size` reports them, as Vite.
fn report_compressed_size_default() -> bool {
    true
}

/// Vite's default `build.chunkSizeWarningLimit`: 500 kB.
fn chunk_size_warning_limit_default() -> u64 {
    500_000
}

impl ResolvedConfig {
    /// `css.preprocessorOptions` of the language of the sheet `path` (by extension: `.scss`,
    /// `.sass`, `.less`, `.styl`/`.stylus`): its `additionalData` and the rest of its options.
    pub fn preprocessor_options(&self, path: &str) -> (&str, serde_json::Map<String, serde_json::Value>) {
        let path = path.split('?').next().unwrap_or(path);
        let lang = match Path::new(path).extension().and_then(|e| e.to_str()) {
            Some("stylus") => "styl",
            Some(ext) => ext,
            None => "",
        };
        let Some(options) = self.preprocessor_options.get(lang) else { return ("", serde_json::Map::new()) };
        let data = options.get("additionalData").and_then(|d| d.as_str()).unwrap_or("");
        let mut rest = options.clone();
        rest.remove("additionalData");
        (data, rest)
    }

    /// Resolves `user` + `cli` for the project at absolute `root`. `env_files` are the contents of
    /// the `.env` files the host found, in [`ENV_FILES`] order for the mode; `process_env` is the
    /// host process environment (prefixed variables there win over files, as in Vite).
    pub fn resolve(
        root: &Path,
        user: &UserConfig,
        cli: &CliOverrides,
        env_files: &[(String, String)],
        process_env: &[(String, String)],
    ) -> Result<Self, ConfigError> {
        let err = |message: String| ConfigError { file: CONFIG_FILE.to_string(), message, line: None, column: None };
        let mode = cli.mode.clone().or_else(|| user.mode.clone()).unwrap_or_else(|| "production".into());
        let base = normalize_base(cli.base.as_deref().or(user.base.as_deref()).unwrap_or("/"));
        let out_dir = root.join(cli.out_dir.as_deref().or(user.build.out_dir.as_deref()).unwrap_or("dist"));
        if out_dir == root {
            return Err(err("build.outDir must not be the project root: the build replaces it".into()));
        }
        let public_dir = match &user.public_dir {
            Some(PublicDir::Enabled(false)) => None,
            Some(PublicDir::Path(p)) => Some(root.join(p)),
            _ => Some(root.join("public")),
        };
        let env_prefix: Vec<String> = match &user.env_prefix {
            None => DEFAULT_ENV_PREFIXES.iter().map(|p| p.to_string()).collect(),
            Some(EnvPrefix::One(p)) => vec![p.clone()],
            Some(EnvPrefix::Many(list)) => list.clone(),
        };
        if env_prefix.is_empty() || env_prefix.iter().any(String::is_empty) {
            return Err(err("envPrefix must not be empty: it would expose every variable, secrets included".into()));
        }
        let exposed = |k: &str| env_prefix.iter().any(|p| k.starts_with(p.as_str()));
        let mut env = BTreeMap::new();
        for (file, text) in env_files {
            for (k, v) in parse_dotenv(text).map_err(|m| ConfigError {
                file: file.clone(),
                message: m.message,
                line: Some(m.line),
                column: None,
            })? {
                if exposed(&k) {
                    env.insert(k, v);
                }
            }
        }
        for (k, v) in process_env {
            if exposed(k) {
                env.insert(k.clone(), v.clone());
            }
        }
        let mut define = BTreeMap::new();
        for (k, v) in &user.define {
            // Vite semantics: a string is an expression; anything else is JSON-encoded.
            let expr = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            define.insert(k.clone(), expr);
        }
        if let Some(pattern) = &user.css.modules.pattern {
            check_css_modules_pattern(pattern).map_err(|m| err(format!("css.modules.pattern: {m}")))?;
        }
        let mut preprocessor_options = BTreeMap::new();
        for (lang, options) in &user.css.preprocessor_options {
            let key = match lang.as_str() {
                "scss" | "sass" | "less" | "styl" => lang.clone(),
                "stylus" => "styl".to_string(),
                other => {
                    return Err(err(format!(
                        "css.preprocessorOptions: unknown language `{other}`; expected scss, sass, less, styl or stylus"
                    )));
                }
            };
            let serde_json::Value::Object(map) = options else {
                return Err(err(format!("css.preprocessorOptions.{lang}: expected an object")));
            };
            if map.get("additionalData").is_some_and(|d| !d.is_string()) {
                return Err(err(format!(
                    "css.preprocessorOptions.{lang}.additionalData: expected a string (a function cannot be written in JSON)"
                )));
            }
            preprocessor_options.insert(key, map.clone());
        }
        let assets_dir = user.build.assets_dir.clone().unwrap_or_else(|| "assets".into());
        let assets_dir = assets_dir.trim_matches('/').to_string();
        let (sourcemap, file_kind) = match &user.build.sourcemap {
            None => (false, SourcemapKind::File),
            Some(SourcemapSetting::On(on)) => (*on, SourcemapKind::File),
            Some(SourcemapSetting::Kind(kind)) => match SourcemapKind::parse(kind) {
                Some(kind) => (true, kind),
                None => return Err(err(sourcemap_kind_error(kind))),
            },
        };
        // The command line wins: `--sourcemap` alone keeps the config's kind, `--sourcemap hidden` sets it.
        let sourcemap_kind = cli.sourcemap_kind.unwrap_or(file_kind);
        let sourcemap = cli.sourcemap.unwrap_or(sourcemap);
        let chunk_size_warning_limit = user.build.chunk_size_warning_limit.unwrap_or(500.0);
        if !(chunk_size_warning_limit.is_finite() && chunk_size_warning_limit >= 0.0) {
            return Err(err(CHUNK_LIMIT_ERROR.into()));
        }
        let file_names = FileNames {
            entry: user.build.entry_file_names.clone(),
            chunk: user.build.chunk_file_names.clone(),
            asset: user.build.asset_file_names.clone(),
        };
        check_file_names(&file_names, &assets_dir, &base).map_err(err)?;
        if let Some(c) = &user.build.code_splitting {
            c.check(user.build.manual_chunks.is_some()).map_err(err)?;
        }
        let target = user
            .build
            .target
            .as_ref()
            .map_or_else(|| BASELINE_WIDELY_AVAILABLE.iter().map(|t| t.to_string()).collect(), target_list);
        Ok(Self {
            root: root.to_path_buf(),
            mode,
            base,
            out_dir,
            empty_out_dir: user.build.empty_out_dir,
            report_compressed_size: user.build.report_compressed_size.unwrap_or(true),
            assets_dir,
            public_dir,
            sourcemap,
            sourcemap_kind,
            minify: cli.minify.unwrap_or(!matches!(user.build.minify, Some(MinifySetting::On(false)))),
            compress: match &user.build.minify {
                Some(MinifySetting::Options(o)) => o.compress.clone(),
                _ => CompressOptions::default(),
            },
            code_splitting: user.build.code_splitting.clone(),
            manifest_path: ManifestSetting::path(user.build.manifest.as_ref()),
            chunk_size_warning_bytes: (chunk_size_warning_limit * 1000.0).round() as u64,
            file_names,
            input: user.build.input.clone().unwrap_or_else(|| vec!["index.html".into()]),
            assets_inline_limit: user.build.assets_inline_limit.unwrap_or(4096),
            manual_chunks: user.build.manual_chunks.clone().unwrap_or_default(),
            lib: user.build.lib.clone(),
            external: user.build.external.clone().unwrap_or_default(),
            globals: user.build.globals.clone(),
            // `build.cssTarget` defaults to the JS target, as in Vite.
            css_target: user.build.css_target.as_ref().map_or_else(|| target.clone(), target_list),
            target: target.join(","),
            define,
            env,
            env_prefix,
            alias: user.resolve.alias.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            conditions: user.resolve.conditions.clone(),
            extensions: user.resolve.extensions.clone(),
            main_fields: user.resolve.main_fields.clone(),
            dedupe: user.resolve.dedupe.clone(),
            css_modules_pattern: user.css.modules.pattern.clone(),
            preprocessor_options,
            assets_include: match &user.assets_include {
                Some(OneOrMany::One(g)) => vec![g.clone()],
                Some(OneOrMany::Many(list)) => list.clone(),
                None => Vec::new(),
            },
            server: user.server.clone(),
            preview: user.preview.clone(),
            ts: TsOptions::default(),
        })
    }

    /// Whether a variable of this name may reach `import.meta.env` (it has one of the prefixes).
    pub fn is_exposed_env(&self, name: &str) -> bool {
        self.env_prefix.iter().any(|p| name.starts_with(p.as_str()))
    }

    pub fn is_production(&self) -> bool {
        self.mode == "production"
    }
}

fn normalize_base(base: &str) -> String {
    if base.is_empty() || base == "./" || base == "." {
        return "./".into();
    }
    let mut b = base.to_string();
    if !b.starts_with('/') && !b.contains("://") {
        b.insert(0, '/');
    }
    if !b.ends_with('/') {
        b.push('/');
    }
    b
}

/// A CSS-modules naming pattern must keep distinct classes distinct: without `[local]` every
/// class of a file gets the same name (and an empty pattern has nothing to name them with).
pub fn check_css_modules_pattern(pattern: &str) -> Result<(), String> {
    if !pattern.contains("[local]") {
        return Err(format!(
            "\"{pattern}\" has no [local] placeholder, so every class of a file would get the same name\nhint: use \
             placeholders [name], [local] and [hash], e.g. \"[name]_[local]_[hash]\""
        ));
    }
    let bad = pattern.replace("[name]", "").replace("[local]", "").replace("[hash]", "");
    if let Some(c) = bad.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')) {
        return Err(format!(
            "\"{pattern}\" contains `{c}`, which is not valid in a class name\nhint: use letters, digits, `_`, `-` and \
             the placeholders [name], [local], [hash]"
        ));
    }
    Ok(())
}

/// What of a project's tsconfig the transforms follow. The dev server transforms one module at a
/// time with oxc and takes all of it from here; the build takes the JSX runtime from here and the
/// rest from rolldown's own tsconfig reading, file by file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TsOptions {
    pub experimental_decorators: bool,
    pub emit_decorator_metadata: bool,
    /// `jsxImportSource` (`preact`, `@emotion/react`): where the automatic JSX runtime is
    /// imported from (`preact/jsx-dev-runtime`).
    pub jsx_import_source: Option<String>,
    /// `jsx: "react"`: the classic runtime (`h(...)` calls), with these factories when set.
    pub jsx_classic: bool,
    pub jsx_factory: Option<String>,
    pub jsx_fragment_factory: Option<String>,
    /// Class fields are assigned in the constructor (`this.x = 0`) rather than defined:
    /// `useDefineForClassFields: false`, or a `target` before ES2022 without it, as TypeScript
    /// and rolldown read it. Lit's decorated properties need it (a defined field hides the
    /// accessor, and the element never updates).
    pub class_fields_set: bool,
}

/// TypeScript's default of `useDefineForClassFields` for a `target`: true from ES2022 on.
fn target_defines_class_fields(target: Option<&str>) -> bool {
    let Some(rest) = target.and_then(|t| t.get(..2).filter(|p| p.eq_ignore_ascii_case("es")).and(t.get(2..))) else {
        return false;
    };
    rest.eq_ignore_ascii_case("next") || rest.parse::<u32>().is_ok_and(|year| year > 2021)
}

/// How deep `extends` is followed (a cycle ends here too).
const MAX_EXTENDS: usize = 8;

/// A tsconfig's `compilerOptions`, its relative `extends` chain merged under them, and the
/// whole file. JSON with comments and trailing commas, as TypeScript reads it.
fn tsconfig_at(
    path: &Path,
    read: &dyn Fn(&Path) -> Option<String>,
    depth: usize,
) -> Option<(serde_json::Map<String, serde_json::Value>, serde_json::Value)> {
    let mut text = strip_bom(read(path)?);
    json_strip_comments::strip(&mut text).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let mut options = match value["extends"].as_str() {
        // A package's config (`@tsconfig/strictest`) sets no JSX or decorator options an app
        // relies on; relative ones (a monorepo's tsconfig.base.json) are followed.
        Some(base) if base.starts_with('.') && depth < MAX_EXTENDS => {
            let dir = path.parent().unwrap_or(Path::new(""));
            let mut base = dir.join(base);
            if base.extension().is_none_or(|e| e != "json") {
                base.set_extension("json");
            }
            tsconfig_at(&base, read, depth + 1).map(|(o, _)| o).unwrap_or_default()
        }
        _ => serde_json::Map::new(),
    };
    if let Some(own) = value["compilerOptions"].as_object() {
        options.extend(own.clone());
    }
    Some((options, value))
}

/// Whether a referenced tsconfig is the one for tools, not the app (create-vite's
/// tsconfig.node.json: `"include": ["vite.config.ts"]`).
fn only_tool_files(config: &serde_json::Value) -> bool {
    config["include"].as_array().is_some_and(|list| {
        !list.is_empty()
            && list
                .iter()
                .all(|i| i.as_str().is_some_and(|s| s.rsplit('/').next().is_some_and(|n| n.contains(".config."))))
    })
}

/// The [`TsOptions`] of the project at `root`: `tsconfig.json`'s compiler options over those of
/// the config it `extends`; when it has `references` (create-vite's layout: `tsconfig.app.json`
/// and `tsconfig.node.json`), the first referenced config that is not only for tool files is the
/// app's, and its options win. `read` gives a file's text, `None` when it cannot; unreadable or
/// malformed files give the defaults (the build reports tsconfig problems itself).
pub fn tsconfig_options(root: &Path, read: impl Fn(&Path) -> Option<String>) -> TsOptions {
    let Some((mut options, whole)) = tsconfig_at(&root.join("tsconfig.json"), &read, 0) else {
        return TsOptions::default();
    };
    for reference in whole["references"].as_array().into_iter().flatten() {
        let Some(rel) = reference["path"].as_str() else { continue };
        let mut path = root.join(rel);
        if path.extension().is_none_or(|e| e != "json") {
            path = path.join("tsconfig.json");
        }
        if let Some((app, value)) = tsconfig_at(&path, &read, 0)
            && !only_tool_files(&value)
        {
            options.extend(app);
            break;
        }
    }
    let flag = |name: &str| options.get(name).and_then(|v| v.as_bool()).unwrap_or(false);
    let text = |name: &str| options.get(name).and_then(|v| v.as_str()).map(str::to_string);
    TsOptions {
        experimental_decorators: flag("experimentalDecorators"),
        emit_decorator_metadata: flag("emitDecoratorMetadata"),
        jsx_import_source: text("jsxImportSource"),
        jsx_classic: text("jsx").is_some_and(|j| j.eq_ignore_ascii_case("react")),
        jsx_factory: text("jsxFactory"),
        jsx_fragment_factory: text("jsxFragmentFactory"),
        class_fields_set: !options
            .get("useDefineForClassFields")
            .and_then(|v| v.as_bool())
            .unwrap_or_else(|| target_defines_class_fields(text("target").as_deref())),
    }
}

/// Drops a leading UTF-8 byte-order mark.
pub fn strip_bom(text: String) -> String {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// Reads the config file and the mode's `.env` files through `read` and resolves them.
/// `config_file` is an explicit config path (then it must exist); otherwise `nexxo.config.json`
/// in `root` is optional. `read` returns `ErrorKind::NotFound` for missing files: that is how a
/// host on disk and an engine over in-memory files share this logic.
pub fn load(
    root: &Path,
    config_file: Option<&Path>,
    cli: CliOverrides,
    process_env: &[(String, String)],
    read: impl Fn(&Path) -> std::io::Result<String>,
) -> Result<ResolvedConfig, ConfigError> {
    let (config_path, explicit) = match config_file {
        Some(p) => (p.to_path_buf(), true),
        None => (root.join(CONFIG_FILE), false),
    };
    // Editors on Windows save UTF-8 with a byte-order mark; JSON.parse in Node accepts it, so it
    // is dropped (`load_user` does the same for .env files).
    let user = match read(&config_path).map(strip_bom) {
        Ok(text) => parse_config(&config_path.display().to_string(), &text)?,
        Err(e) if explicit || e.kind() != std::io::ErrorKind::NotFound => {
            return Err(io_error("config ", &config_path, e));
        }
        Err(_) => UserConfig::default(),
    };
    load_user(root, &user, cli, process_env, read)
}

/// A file of the config that could not be read (`what`: "config " or "" for a .env file).
fn io_error(what: &str, path: &Path, e: std::io::Error) -> ConfigError {
    ConfigError {
        file: "nexxo".into(),
        message: format!("cannot read {what}{}: {e}", path.display()),
        line: None,
        column: None,
    }
}

/// [`load`] for a config the caller has already parsed (a translated `vite.config.*`): reads
/// the mode's `.env` files through `read` and resolves.
pub fn load_user(
    root: &Path,
    user: &UserConfig,
    mut cli: CliOverrides,
    process_env: &[(String, String)],
    read: impl Fn(&Path) -> std::io::Result<String>,
) -> Result<ResolvedConfig, ConfigError> {
    // Editors on Windows save UTF-8 with a byte-order mark; dotenv accepts it, so it is dropped
    // here, where every host's .env and tsconfig text comes in.
    let read = |p: &Path| read(p).map(strip_bom);
    cli.mode = cli.mode.or_else(|| user.mode.clone());
    let mode = cli.mode.clone().unwrap_or_else(|| "production".into());
    let env_dir = root.join(user.env_dir.as_deref().unwrap_or("."));
    let mut env_files = Vec::new();
    for name in ENV_FILES {
        let path = env_dir.join(name.replace("{mode}", &mode));
        match read(&path) {
            Ok(text) => env_files.push((path.display().to_string(), text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("", &path, e)),
        }
    }
    let mut config = ResolvedConfig::resolve(root, user, &cli, &env_files, process_env)?;
    config.ts = tsconfig_options(root, |p| read(p).ok());
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_suggests_nearest() {
        let e = parse_config("nexxo.config.json", "{\n  \"build\": {\n    \"outdir\": \"x\"\n  }\n}").unwrap_err();
        assert!(e.message.contains("build.outdir"), "{e}");
        assert!(e.message.contains("did you mean `outDir`"), "{e}");
        assert_eq!(e.line, Some(3));
        let e = parse_config("c", r#"{"bsae": "/"}"#).unwrap_err();
        assert!(e.message.contains("did you mean `base`"), "{e}");
    }

    #[test]
    fn wrong_type_and_bad_json_are_errors() {
        let e = parse_config("c", r#"{"build": {"minify": "yes"}}"#).unwrap_err();
        assert!(e.message.contains("`build.minify`") && e.message.contains("boolean"), "{e}");
        let e = parse_config("c", "{\n \"base\": }").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn error_columns_are_characters_on_lines_as_editors_count_them() {
        // serde_json says column 0 for an empty file and counts bytes: "日本" is 6 bytes.
        let e = parse_config("c", "").unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(1)), "{e}");
        let e = parse_config("c", "{\"日本\": x}").unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(8)), "{e}");
        // A lone CR ends a line for an editor, not for serde_json.
        let e = parse_config("c", "{\r\"base\": }").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(9)), "{e}");
        // A key found by the schema check.
        let e = parse_config("c", "{\"base\": \"/日/\",\r \"bsae\": \"/\"}").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(2)), "{e}");
    }

    #[test]
    fn targets_spell_out_vites_named_sets() {
        let one = |s: &str| target_list(&OneOrMany::One(s.into()));
        assert_eq!(one("baseline-widely-available"), BASELINE_WIDELY_AVAILABLE);
        assert_eq!(one(" modules , chrome120"), [&MODULES_TARGET[..], &["chrome120"]].concat());
        assert_eq!(target_list(&OneOrMany::Many(vec!["es2022".into(), "safari15".into()])), ["es2022", "safari15"]);
        // A list is accepted where Vite accepts one; a number is a wrong type naming the field.
        assert!(parse_config("c", r#"{"build": {"target": ["es2022", "chrome100"]}}"#).is_ok());
        let e = parse_config("c", r#"{"build": {"target": 5}}"#).unwrap_err();
        assert!(e.message.contains("build.target"), "{e}");
    }

    #[test]
    fn css_modules_pattern_must_name_classes_apart() {
        assert!(check_css_modules_pattern("").is_err());
        assert!(check_css_modules_pattern("x").is_err());
        assert!(check_css_modules_pattern("[name]").is_err());
        assert!(check_css_modules_pattern("[name] [local]").is_err());
        assert!(check_css_modules_pattern("[name]_[local]_[hash]").is_ok());
        assert!(check_css_modules_pattern("app-[local]").is_ok());
        let user = parse_config("c", r#"{"css": {"modules": {"pattern": ""}}}"#).unwrap();
        let e = ResolvedConfig::resolve(Path::new("/p"), &user, &CliOverrides::default(), &[], &[]).unwrap_err();
        assert!(e.message.contains("css.modules.pattern"), "{e}");
    }

    #[test]
    fn tsconfig_options_read_through_comments_extends_and_references() {
        let ts = |files: &[(&str, &str)]| {
            let files: std::collections::HashMap<PathBuf, String> =
                files.iter().map(|(p, t)| (Path::new("/p").join(p), t.to_string())).collect();
            tsconfig_options(Path::new("/p"), |p| files.get(p).cloned())
        };
        let text = "{\n  // legacy\n  \"compilerOptions\": { \"experimentalDecorators\": true, /* x */ \"emitDecoratorMetadata\": true, },\n}";
        let o = ts(&[("tsconfig.json", text)]);
        assert!(o.experimental_decorators && o.emit_decorator_metadata);
        // TypeScript's default target (ES5) assigns class fields, as rolldown reads it.
        assert_eq!(ts(&[("tsconfig.json", "{}")]), TsOptions { class_fields_set: true, ..TsOptions::default() });
        assert_eq!(ts(&[("tsconfig.json", "not json")]), TsOptions::default());
        assert_eq!(ts(&[]), TsOptions::default());
        // create-vite's preact-ts layout: the app's options are in the referenced tsconfig.app.json,
        // not in tsconfig.node.json (for vite.config.ts), whichever comes first.
        let o = ts(&[
            (
                "tsconfig.json",
                r#"{ "files": [], "references": [{ "path": "./tsconfig.node.json" }, { "path": "./tsconfig.app.json" }] }"#,
            ),
            ("tsconfig.node.json", r#"{ "compilerOptions": { "jsx": "preserve" }, "include": ["vite.config.ts"] }"#),
            (
                "tsconfig.app.json",
                r#"{ "extends": "./base", "compilerOptions": { "jsx": "react-jsx" }, "include": ["src"] }"#,
            ),
            (
                "base.json",
                r#"{ "compilerOptions": { "jsx": "react", "jsxImportSource": "preact", "jsxFactory": "h" } }"#,
            ),
        ]);
        assert_eq!(o.jsx_import_source.as_deref(), Some("preact"));
        assert!(!o.jsx_classic, "the app's own `jsx` wins over the one it extends");
        assert_eq!(o.jsx_factory.as_deref(), Some("h"));
        // Class fields: set (assigned) when useDefineForClassFields is false or the target is
        // before ES2022; defined otherwise.
        let set = |c: &str| ts(&[("tsconfig.json", c)]).class_fields_set;
        assert!(set(r#"{ "compilerOptions": { "target": "es2023", "useDefineForClassFields": false } }"#));
        assert!(!set(r#"{ "compilerOptions": { "target": "ES2022" } }"#));
        assert!(!set(r#"{ "compilerOptions": { "target": "ESNext" } }"#));
        assert!(set(r#"{ "compilerOptions": { "target": "ES2020" } }"#));
        assert!(!set(r#"{ "compilerOptions": { "target": "ES2020", "useDefineForClassFields": true } }"#));
        assert!(!ts(&[]).class_fields_set, "no tsconfig: JavaScript's own semantics");
        // A cycle of extends ends.
        let o = ts(&[("tsconfig.json", r#"{ "extends": "./tsconfig.json", "compilerOptions": { "jsx": "react" } }"#)]);
        assert!(o.jsx_classic);
    }

    #[test]
    fn bom_in_config_and_env_is_ignored() {
        let files = |p: &Path| match p.file_name().and_then(|n| n.to_str()) {
            Some("nexxo.config.json") => Ok("\u{feff}{\"base\": \"/x/\"}".to_string()),
            Some(".env") => Ok("\u{feff}NEXXO_A=1\n".to_string()),
            _ => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
        };
        let r = load(Path::new("/p"), None, CliOverrides::default(), &[], files).unwrap();
        assert_eq!(r.base, "/x/");
        assert_eq!(r.env.get("NEXXO_A").map(String::as_str), Some("1"));
    }

    #[test]
    fn resolves_defaults_env_and_cli() {
        let user = parse_config(
            "c",
            r#"{"base": "app", "define": {"__N__": 3, "__S__": "\"s\""}, "build": {"sourcemap": true}}"#,
        )
        .unwrap();
        let cli = CliOverrides { mode: Some("staging".into()), sourcemap: Some(false), ..Default::default() };
        let files = vec![(".env".into(), "NEXXO_A=1\nSECRET=x\nNEXXO_B=file".to_string())];
        let penv = vec![("NEXXO_B".into(), "proc".into())];
        let r = ResolvedConfig::resolve(Path::new("/p"), &user, &cli, &files, &penv).unwrap();
        assert_eq!(r.base, "/app/");
        assert_eq!(r.mode, "staging");
        assert!(!r.sourcemap);
        assert_eq!(r.define["__N__"], "3");
        assert_eq!(r.define["__S__"], "\"s\"");
        assert_eq!(r.env.get("NEXXO_A").map(String::as_str), Some("1"));
        assert_eq!(r.env.get("NEXXO_B").map(String::as_str), Some("proc"));
        assert!(!r.env.contains_key("SECRET"));
        assert!(r.is_exposed_env("VITE_X") && !r.is_exposed_env("SECRET"));
        let user = parse_config("c", r#"{"envPrefix": ["APP_", "PUBLIC_"]}"#).unwrap();
        let files = vec![(".env".into(), "APP_A=1\nPUBLIC_B=2\nNEXXO_C=3".to_string())];
        let r = ResolvedConfig::resolve(Path::new("/p"), &user, &CliOverrides::default(), &files, &[]).unwrap();
        assert_eq!(r.env.keys().collect::<Vec<_>>(), ["APP_A", "PUBLIC_B"]);
        let user = parse_config("c", r#"{"envPrefix": ["APP_", ""]}"#).unwrap();
        assert!(ResolvedConfig::resolve(Path::new("/p"), &user, &CliOverrides::default(), &[], &[]).is_err());
        assert_eq!(r.out_dir, Path::new("/p/dist"));
    }

    #[test]
    fn library_mode_defaults_and_refusals() {
        let lib = parse_config("c", r#"{"build": {"lib": {"entry": "src/index.ts", "name": "L"}}}"#)
            .unwrap()
            .build
            .lib
            .unwrap();
        assert_eq!(lib.formats(), ["es", "umd"]);
        let many = parse_config("c", r#"{"build": {"lib": {"entry": {"a": "./a.ts", "b": "b.ts"}}}}"#)
            .unwrap()
            .build
            .lib
            .unwrap();
        assert_eq!(many.formats(), ["es", "cjs"]);
        assert_eq!(many.entries(), [("a".to_string(), "a.ts".to_string()), ("b".to_string(), "b.ts".to_string())]);
        let e = parse_config("c", "{\n\"build\": {\"lib\": {\"entry\": \"x.ts\"}}}").unwrap_err();
        assert!(e.message.contains("build.lib.name is required for the `umd` format"), "{e}");
        assert_eq!(e.line, Some(2));
        let e =
            parse_config("c", r#"{"build": {"lib": {"entry": ["a.ts", "b.ts"], "name": "L", "formats": ["iife"]}}}"#)
                .unwrap_err();
        assert!(e.message.contains("takes one entry"), "{e}");
        let e = parse_config("c", r#"{"build": {"lib": {"entry": "a.ts", "formats": ["system"]}}}"#).unwrap_err();
        assert!(e.message.contains("`system` is not a format"), "{e}");
        assert!(parse_config("c", r#"{"build": {"external": ["^re(act"]}}"#).is_err());
    }

    #[test]
    fn file_names_render_check_and_match_hashed_paths() {
        let names = FileNames { asset: Some("static/[ext]/[name]-[hash:10][extname]".into()), ..Default::default() };
        assert_eq!(names.asset_path("assets", "logo", "png", "0123456789abcdef"), "static/png/logo-0123456789.png");
        assert_eq!(FileNames::default().asset_path("assets", "logo", "", "0123456789abcdef"), "assets/logo-01234567");
        assert_eq!(FileNames::default().chunk_dir("assets"), "assets");
        assert_eq!(FileNames::default().chunk_dir(""), "");
        // Vite's defaults: hashed files and their maps are immutable; public/ files and pages are not.
        let re = FileNames::default().hashed_paths("assets").unwrap();
        for hashed in ["assets/index-BZ4hqpyH.js", "assets/index-BZ4hqpyH.js.map", "assets/logo-ded8dfa7.png"] {
            assert!(re.is_match(hashed), "{hashed}");
        }
        for not in ["index.html", "favicon.svg", "assets/react-dom.js", "assets/x-1234.png", "js/a-BZ4hqpyH.js"] {
            assert!(!re.is_match(not), "{not}");
        }
        let plain = FileNames {
            entry: Some("assets/[name].js".into()),
            chunk: Some("assets/[name].js".into()),
            asset: Some("assets/[name][extname]".into()),
        };
        assert!(plain.hashed_paths("assets").is_none());
        let re = names.hashed_paths("assets").unwrap();
        assert!(re.is_match("static/png/logo-0123456789.png") && !re.is_match("static/png/logo-01234567.png"));

        let check = |entry: Option<&str>, chunk: Option<&str>, asset: Option<&str>, base: &str| {
            let names =
                FileNames { entry: entry.map(Into::into), chunk: chunk.map(Into::into), asset: asset.map(Into::into) };
            check_file_names(&names, "assets", base)
        };
        assert!(
            check(Some("js/[name]-[hash].js"), Some("js/[name]-[hash].js"), Some("[ext]/[name][extname]"), "./")
                .is_ok()
        );
        assert!(check(Some("js/[name]-[hash].js"), Some("js/c/[name]-[hash].js"), None, "/").is_ok());
        for (entry, asset, base, says) in [
            (Some("../[name].js"), None, "/", "inside the output directory"),
            (Some("/abs/[name].js"), None, "/", "relative to the output directory"),
            (Some("js/[nme].js"), None, "/", "unknown placeholder [nme]"),
            (Some("js/main.js"), None, "/", "neither [name] nor [hash]"),
            (Some("js/[name]-[hash:2].js"), None, "/", "from 4 to 16"),
            (Some("js/[name].js"), None, "./", "one directory"),
            (None, Some("[name]/[hash][extname]"), "./", "may name its [ext] only"),
        ] {
            let e = check(entry, None, asset, base).unwrap_err();
            assert!(e.contains(says) && e.contains("hint:"), "{e}");
        }
        // Located where the config says it.
        let e = parse_config("c", "{\"build\": {\n  \"assetFileNames\": \"[name]\",\n  \"entryFileNames\": \"x.js\"}}")
            .unwrap_err();
        assert_eq!((e.line, e.message.starts_with("build.entryFileNames")), (Some(3), true), "{e}");
        let e = parse_config("c", "{\"build\": {\"sourcemap\": \"both\"}}").unwrap_err();
        assert!(e.message.contains("\"both\" is not a kind of source map"), "{e}");
        let e = parse_config("c", "{\"build\": {\"chunkSizeWarningLimit\": -1}}").unwrap_err();
        assert!(e.message.contains("chunkSizeWarningLimit"), "{e}");
    }
}
