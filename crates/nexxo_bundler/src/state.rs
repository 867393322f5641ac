//! What the plugins learn during one build and the post-processing step needs afterwards.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use nexxo_config::ResolvedConfig;
use nexxo_diagnostics::Diagnostic;

use crate::html::Page;

pub struct Asset {
    /// Source path relative to the root, for the manifest.
    pub src: String,
    pub bytes: Vec<u8>,
    /// The ids of the modules whose load emitted it, and `""` for a page (or a worker): a
    /// `--watch` rebuild that loads a module again drops what it emitted before (see
    /// `Incremental::build`).
    pub owners: std::collections::BTreeSet<String>,
}

/// A worker's bundle: its output file and code, the files its bundle wrote besides it (source
/// maps, as they are) and the files it read, and the modules whose loads or transforms start it:
/// a `--watch` rebuild that loads all of those again bundles it again (see `Incremental::build`).
pub struct Worker {
    pub out_path: String,
    pub code: String,
    pub extra: Vec<crate::output::OutputFile>,
    pub reads: Vec<std::path::PathBuf>,
    pub owners: std::collections::BTreeSet<String>,
}

/// What a library build (`build.lib`, see `crate::lib_mode`) changes in the plugins and at the end.
#[derive(Debug, Clone)]
pub struct LibState {
    /// The one style sheet every module's CSS goes into (`my-lib.css`); no chunk links a sheet.
    pub css_file: String,
    /// The `es` format is minified but keeps its lines and its `/* @__PURE__ */` annotations, as
    /// Vite's: the app that bundles the library reads that code again.
    pub keep_whitespace: bool,
}

pub struct BuildState {
    /// Set for a library build.
    pub lib: Option<LibState>,
    /// The browsers of `build.cssTarget` (see `nexxo_css::browser_targets`), which every
    /// style sheet of the build is lowered for.
    pub css_targets: Option<nexxo_css::Browsers>,
    pub config: ResolvedConfig,
    /// The HTML pages, each replaced when a `--watch` rebuild finds it edited (see
    /// `Incremental::build`); read through [`Self::pages`].
    pages: Mutex<Vec<Arc<Page>>>,
    /// Compiled CSS by module id (only style sheets that go into chunk CSS files): the `@import`
    /// rules left to the browser (remote URLs), which must open the chunk's file, and the rules.
    pub css: Mutex<HashMap<String, (String, String)>>,
    /// Emitted assets by output path.
    pub assets: Mutex<BTreeMap<String, Asset>>,
    /// Full reports of plugin failures. rolldown keeps only a short reason for a failed load, so
    /// the located report (with code frame) is kept here and shown first.
    pub plugin_errors: Mutex<Vec<Diagnostic>>,
    /// Files read by Nexxo's own plugins beyond rolldown's modules (assets, inlined or not;
    /// sheets an `@import` inlined; Sass partials; a preprocessor's or PostCSS's dependencies),
    /// each with the ids of the modules whose load read it, `""` for a page or a worker: a
    /// `--watch` rebuild after an edit of one loads those modules again (see
    /// `Incremental::partial_ids`).
    pub read_files: Mutex<HashMap<std::path::PathBuf, std::collections::BTreeSet<String>>>,
    /// Files whose existence, not content, the output depends on, and whether each existed: a
    /// URL a page or a `new URL()` names that is left as written when no file answers it, and the
    /// public/ file that answers it. Creating or deleting one changes the output (see
    /// `BuildOutput::looked_for`).
    pub looked_for: Mutex<BTreeMap<std::path::PathBuf, bool>>,
    /// `composes ... from` edges, to refuse cycles (they would throw when the page loads).
    pub composes: Mutex<nexxo_css::ComposesGraph>,
    /// Problems that do not stop the build, located (shown with rolldown's warnings).
    pub warnings: Mutex<Vec<Diagnostic>>,
    /// Workers bundled so far, by module id and format (see `workers`).
    pub workers: Mutex<HashMap<String, Worker>>,
    /// Text inserted into modules before rolldown parses them (see [`Insertions`]).
    pub inserted: Insertions,
    /// The project's JavaScript CSS tools, when the host runs them (see [`nexxo_css::plugins`]).
    pub css_plugins: Option<Arc<dyn nexxo_css::plugins::CssPlugins>>,
    /// What the plugins' results were made from, by sheet: a `--watch` rebuild after an edit of
    /// one of those files must load the sheet again.
    pub postcss_inputs: Mutex<HashMap<std::path::PathBuf, nexxo_css::plugins::Processed>>,
    /// The root's PostCSS / Tailwind CSS config files, looked for once per build (by the first
    /// style sheet that is not run through PostCSS), not once per sheet.
    pub postcss_configs: std::sync::OnceLock<Vec<&'static str>>,
    /// The modules whose latest transform expanded a glob import or a dynamic import with
    /// variables, by id: what they import depends on which files exist.
    pub globbing: Mutex<HashSet<String>>,
}

/// Text a plugin inserted into modules, by root-relative path: (1-based line, 0-based UTF-16
/// column in the module as written, length in UTF-16 units), in source order. rolldown locates
/// its errors in the module as transformed; these put the columns back where the user wrote them.
#[derive(Debug, Default)]
pub struct Insertions(Mutex<HashMap<String, Vec<Insertion>>>);

/// (1-based line, 0-based UTF-16 column as written, length in UTF-16 units).
pub type Insertion = (u32, u32, u32);

impl Insertions {
    /// What was inserted into `file` by its latest transform.
    pub fn record(&self, file: String, at: Vec<Insertion>) {
        self.0.lock().expect("insertions").insert(file, at);
    }

    /// Nothing was inserted into a file by its latest transform: an earlier entry goes (a
    /// `--watch` rebuild of a file whose last `import()` was deleted). Runs for every script
    /// module, so the name is made only when the table has entries.
    pub fn forget(&self, file: impl FnOnce() -> String) {
        let mut table = self.0.lock().expect("insertions");
        if !table.is_empty() {
            table.remove(&file());
        }
    }

    /// Whether any module has an insertion: the app has an `import()`.
    pub fn any(&self) -> bool {
        !self.0.lock().expect("insertions").is_empty()
    }

    /// Moves every located problem of a file with insertions back to its column as written; a
    /// position inside inserted text goes to where the text was inserted.
    pub fn unshift(&self, problems: &mut [crate::Problem]) {
        let table = self.0.lock().expect("insertions");
        if table.is_empty() {
            return;
        }
        for d in problems.iter_mut().filter_map(|p| p.diagnostic.as_mut()) {
            let (Some(file), Some(line), Some(column)) = (&d.file, d.line, d.column) else { continue };
            let Some(at) = table.get(file) else { continue };
            let mut shift = 0;
            let mut written = column.saturating_sub(1);
            for &(_, col, len) in at.iter().filter(|(l, ..)| *l == line) {
                let start = col + shift;
                if written < start {
                    break;
                }
                if written < start + len {
                    written = start;
                    break;
                }
                shift += len;
            }
            d.column = Some(written - shift.min(written) + 1);
        }
    }
}

impl std::fmt::Debug for BuildState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildState").field("root", &self.config.root).finish_non_exhaustive()
    }
}

#[expect(clippy::string_slice, reason = "the hex digits of a number are ASCII: every index is a char boundary")]
pub fn short_hash(bytes: &[u8]) -> String {
    content_hash(bytes)[..8].to_string()
}

/// The content hash of an output file: 16 hex digits, of which names take 8 (`[hash]`) or N.
fn content_hash(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

impl BuildState {
    pub fn new(
        config: ResolvedConfig,
        pages: Vec<Page>,
        css_targets: Option<nexxo_css::Browsers>,
        css_plugins: Option<Arc<dyn nexxo_css::plugins::CssPlugins>>,
    ) -> Self {
        Self {
            lib: None,
            config,
            css_targets,
            pages: Mutex::new(pages.into_iter().map(Arc::new).collect()),
            css: Mutex::default(),
            assets: Mutex::default(),
            plugin_errors: Mutex::default(),
            read_files: Mutex::default(),
            looked_for: Mutex::default(),
            composes: Mutex::default(),
            warnings: Mutex::default(),
            workers: Mutex::default(),
            inserted: Insertions::default(),
            css_plugins,
            postcss_inputs: Mutex::default(),
            postcss_configs: std::sync::OnceLock::new(),
            globbing: Mutex::default(),
        }
    }

    /// Records a plugin failure and returns the error to hand back to rolldown.
    pub fn fail(&self, d: Diagnostic) -> anyhow::Error {
        let e = anyhow::anyhow!("{d}");
        self.plugin_errors.lock().expect("error list").push(d);
        e
    }

    pub fn rel(&self, abs: &Path) -> String {
        let p = abs.strip_prefix(&self.config.root).unwrap_or(abs);
        p.to_string_lossy().replace('\\', "/")
    }

    /// Output path of an asset named `name` with extension `ext` (no dot) and content `bytes`:
    /// `build.assetFileNames`, by default `<assetsDir>/[name]-[hash][extname]`.
    pub fn asset_path(&self, name: &str, ext: &str, bytes: &[u8]) -> String {
        self.config.file_names.asset_path(&self.config.assets_dir, name, ext, &content_hash(bytes))
    }

    /// Public URL of an output path, honoring `base`.
    pub fn public_url(&self, out_path: &str) -> String {
        format!("{}{out_path}", self.config.base)
    }

    /// An output file's URL as the first argument of `new URL(url, import.meta.url)` in a chunk:
    /// the public URL, or with a relative `base` the path from the chunks' directory (one for all
    /// chunks, `nexxo_config::check_file_names`), which is right wherever the site is served from.
    pub fn url_from_chunk(&self, out_path: &str) -> String {
        let base = &self.config.base;
        if base.starts_with('/') || base.contains("://") {
            return self.public_url(out_path);
        }
        relative_from(&self.config.file_names.chunk_dir(&self.config.assets_dir), out_path)
    }

    /// An output URL (as [`Self::public_url`] gives it) as written inside a style sheet the build
    /// emits: with a relative `base` a URL is relative to the sheets' directory (a browser
    /// resolves a sheet's `url()` against the sheet, not the page). Data URLs and absolute bases
    /// are unchanged.
    pub fn url_in_sheet(&self, url: String) -> String {
        let base = &self.config.base;
        if base.starts_with('/') || base.contains("://") {
            return url;
        }
        match url.strip_prefix(base.as_str()) {
            Some(out_path) if !url.starts_with("data:") => {
                // With a relative base no placeholder but `[ext]` names a directory (checked).
                let sheet = self.asset_path("sheet", "css", b"");
                let dir = sheet.rsplit_once('/').map_or("", |(d, _)| d);
                relative_from(dir, out_path)
            }
            _ => url,
        }
    }

    /// The URL at which `abs`, referenced by a page, is served after the build: inlined as a data
    /// URL when small enough and `may_inline`, otherwise emitted as a content-hashed file.
    pub fn asset_url(&self, abs: &Path, bytes: Vec<u8>, may_inline: bool) -> String {
        self.module_asset_url("", abs, bytes, may_inline, false)
    }

    /// [`Self::asset_url`] for an asset the load of module `owner` references, inlined whatever
    /// its size when `force_inline` (`?inline`).
    pub fn module_asset_url(
        &self,
        owner: &str,
        abs: &Path,
        bytes: Vec<u8>,
        may_inline: bool,
        force_inline: bool,
    ) -> String {
        let ext = abs.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        self.emit_asset(owner, abs, &ext, bytes, may_inline, force_inline)
    }

    /// The URL of `bytes` compiled from `abs` into a file of another type (a linked `.scss`
    /// sheet emitted as `.css`): named after `abs`, with the extension `ext`, never inlined.
    pub fn compiled_asset_url(&self, abs: &Path, ext: &str, bytes: Vec<u8>) -> String {
        self.emit_asset("", abs, ext, bytes, false, false)
    }

    fn emit_asset(
        &self,
        owner: &str,
        abs: &Path,
        ext: &str,
        bytes: Vec<u8>,
        may_inline: bool,
        force_inline: bool,
    ) -> String {
        self.read_by(owner, [abs.to_path_buf()]);
        let ext = ext.to_string();
        if force_inline
            || (may_inline
                && (bytes.len() as u64) < self.config.assets_inline_limit
                && !matches!(ext.as_str(), "svg" if contains_fragment_refs(&bytes)))
        {
            return data_url(&ext, &bytes);
        }
        let stem = abs.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "asset".into());
        let out = self.asset_path(&stem, &ext, &bytes);
        let url = self.public_url(&out);
        let src = self.rel(abs);
        let mut assets = self.assets.lock().expect("asset table");
        let asset = assets.entry(out).or_insert(Asset { src, bytes, owners: Default::default() });
        if !asset.owners.contains(owner) {
            asset.owners.insert(owner.to_string());
        }
        url
    }

    /// Records that the output depends on whether `path` exists, and that it did (`found`).
    pub fn looked_for(&self, path: std::path::PathBuf, found: bool) {
        self.looked_for.lock().expect("looked-for list").insert(path, found);
    }

    /// The pages as they are now.
    pub fn pages(&self) -> Vec<Arc<Page>> {
        self.pages.lock().expect("pages").clone()
    }

    /// Puts `page` in place of the page of the same file.
    #[cfg(feature = "incremental")]
    pub fn replace_page(&self, page: Page) {
        let mut pages = self.pages.lock().expect("pages");
        if let Some(slot) = pages.iter_mut().find(|p| p.abs == page.abs) {
            *slot = Arc::new(page);
        }
    }

    /// Records that the load of module `owner` (`""`: a page or a worker) read `files`.
    pub fn read_by(&self, owner: &str, files: impl IntoIterator<Item = std::path::PathBuf>) {
        let mut table = self.read_files.lock().expect("read list");
        for file in files {
            let owners = table.entry(file).or_default();
            if !owners.contains(owner) {
                owners.insert(owner.to_string());
            }
        }
    }

    /// CSS of the given modules in execution order, or `None` if none of them is a style sheet.
    pub fn css_of<'a>(&self, module_ids: impl Iterator<Item = &'a str>) -> Option<String> {
        let table = self.css.lock().expect("css table");
        let parts: Vec<&(String, String)> = module_ids.filter_map(|id| table.get(id)).collect();
        if parts.is_empty() {
            return None;
        }
        // A browser ignores an `@import` after any other rule: every one goes first.
        let sep = if self.config.minify { "" } else { "\n" };
        let imports = parts.iter().map(|(imports, _)| imports.as_str()).filter(|i| !i.is_empty());
        let rules = parts.iter().map(|(_, rules)| rules.as_str());
        Some(imports.chain(rules).collect::<Vec<_>>().join(sep))
    }

    /// Output path of a chunk's CSS file; the name follows the chunk, the hash the content.
    pub fn css_path(&self, chunk_name: &str, css: &str) -> String {
        self.asset_path(chunk_name, "css", css.as_bytes())
    }
}

/// The relative URL of output file `out_path` from a file in output directory `dir` (`""`: the
/// output root).
fn relative_from(dir: &str, out_path: &str) -> String {
    let dir = dir.trim_matches('/');
    if dir.is_empty() {
        return format!("./{out_path}");
    }
    match out_path.strip_prefix(&format!("{dir}/")) {
        Some(inside) => format!("./{inside}"),
        // Elsewhere (public/ at the root, another directory): up to the root, then down.
        None => format!("{}{out_path}", "../".repeat(dir.split('/').count())),
    }
}

fn contains_fragment_refs(svg: &[u8]) -> bool {
    // SVG sprites referenced by `#id` do not work from a data URL in every browser.
    svg.windows(5).any(|w| w == b"<use ")
}

pub fn mime_for(ext: &str) -> &'static str {
    match ext {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "bmp" => "image/bmp",
        "apng" => "image/apng",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "ogg" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

pub(crate) fn data_url(ext: &str, bytes: &[u8]) -> String {
    format!("data:{};base64,{}", mime_for(ext), base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unshift_puts_columns_back_where_they_were_written() {
        // Line 1 as written: `import("./a"); import("./b"); x` with 10 units inserted after each
        // import (at columns 13 and 28, 0-based).
        let ins = Insertions::default();
        ins.record("src/m.ts".into(), vec![(1, 13, 10), (1, 28, 10), (2, 0, 10)]);
        let at = |line, column| {
            let d = Diagnostic {
                line: Some(line),
                column: Some(column),
                ..Diagnostic::new("X", "m").with_file("src/m.ts")
            };
            crate::Problem::from_diagnostic(&d)
        };
        let mut problems = vec![at(1, 8), at(1, 34), at(1, 18), at(1, 51), at(3, 5)];
        ins.unshift(&mut problems);
        let columns: Vec<_> = problems.iter().map(|p| p.diagnostic.as_ref().and_then(|d| d.column)).collect();
        // Before the first insertion: as is; after it: 10 less; inside it: where it was inserted;
        // after both: 20 less; another line without insertions: as is.
        assert_eq!(columns, [Some(8), Some(24), Some(14), Some(31), Some(5)]);
        // A later transform of the file with nothing inserted (`--watch`: its `import()` deleted)
        // forgets the insertions: columns stay as rolldown gives them.
        ins.forget(|| "src/m.ts".into());
        let mut again = vec![at(1, 34)];
        ins.unshift(&mut again);
        assert_eq!(again[0].diagnostic.as_ref().and_then(|d| d.column), Some(34));
    }
}
