//! HTML entries. Each page becomes one virtual entry module that imports, in document order, its
//! module scripts (external and inline) and local style sheets, so its JS and CSS land in one
//! entry chunk, as in Vite. After bundling, the page is rewritten to point at the outputs.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_config::ResolvedConfig;
use nexxo_diagnostics::Diagnostic;
use nexxo_html::{Document, Edits, escape_attr};
use rolldown_common::ModuleType;
use rolldown_common::side_effects::HookSideEffects;
use rolldown_plugin::{
    HookLoadArgs, HookLoadOutput, HookLoadReturn, HookResolveIdArgs, HookResolveIdOutput, HookResolveIdReturn,
    HookUsage, Plugin, PluginContext, PluginContextResolveOptions, SharedLoadPluginContext,
};

use crate::assets::is_asset;
use crate::state::BuildState;

pub(crate) const ENTRY_QUERY: &str = "?nexxo-html";
const PROXY_QUERY: &str = "?html-proxy&index=";

pub struct Page {
    /// Path relative to the root, e.g. `about/index.html`.
    pub rel: String,
    pub abs: PathBuf,
    pub source: String,
    pub doc: Document,
    /// Absolute paths (or proxy ids) imported by the entry module, in document order.
    pub imports: Vec<String>,
    pub inline_scripts: Vec<String>,
    /// Indices into `doc.elements` of tags replaced by the build's outputs.
    pub consumed: Vec<usize>,
    pub has_module_script: bool,
    /// Every module script of the page is `async`: so is the built entry script (Vite's rule; a
    /// mix falls back to deferred, with a warning).
    pub all_async: bool,
    /// Indices into `doc.elements` of local style sheets linked with `media` or `disabled`: kept
    /// as their own files (bundled into the page's CSS they would apply everywhere, always).
    pub separate_sheets: Vec<usize>,
    /// Problems worth a warning: `%NAME%` with the env prefix but no value, mixed async scripts.
    pub warnings: Vec<String>,
}

fn is_external(url: &str) -> bool {
    url.starts_with("//") || url.contains("://") || url.starts_with("data:") || url.starts_with('#')
}

impl Page {
    pub fn analyze(rel: &str, abs: &Path, source: String, config: &ResolvedConfig) -> Self {
        let rel = rel.replace('\\', "/");
        let (source, mut warnings) = replace_env(&rel, &source, config, &crate::options::env_object(config, false));
        let doc = nexxo_html::scan(&source);
        let dir = abs.parent().unwrap_or(&config.root).to_path_buf();
        let mut page = Page {
            rel,
            abs: abs.to_path_buf(),
            source: String::new(),
            doc: Document::default(),
            imports: Vec::new(),
            inline_scripts: Vec::new(),
            consumed: Vec::new(),
            has_module_script: false,
            all_async: true,
            separate_sheets: Vec::new(),
            warnings: Vec::new(),
        };
        let mut some_async = false;
        for (idx, el) in doc.elements.iter().enumerate() {
            let local = |url: &str| -> PathBuf { page_reference(config, &dir, url) };
            match el.name.as_str() {
                _ if el.is_module_script() => {
                    match el.attr("src") {
                        Some(src) if is_external(src) => continue,
                        Some(src) => page.imports.push(local(src).to_string_lossy().into_owned()),
                        None => {
                            // Inline scripts may use TypeScript syntax, as in `nexxo dev` (`.ts`).
                            #[expect(
                                clippy::string_slice,
                                reason = "the span of a script's text that `nexxo_html::scan` found in `source`"
                            )]
                            let text = el.text.clone().map(|r| source[r].to_string()).unwrap_or_default();
                            page.imports.push(format!(
                                "{}{PROXY_QUERY}{}.ts",
                                abs.display(),
                                page.inline_scripts.len()
                            ));
                            page.inline_scripts.push(text);
                        }
                    }
                    page.consumed.push(idx);
                    page.has_module_script = true;
                    let is_async = el.has_attr("async");
                    page.all_async &= is_async;
                    some_async |= is_async;
                }
                _ if el.is_style_sheet_link() => {
                    if let Some(href) = el.attr("href").filter(|h| !is_external(h)) {
                        if el.has_attr("media") || el.has_attr("disabled") {
                            page.separate_sheets.push(idx);
                        } else {
                            page.imports.push(local(href).to_string_lossy().into_owned());
                            page.consumed.push(idx);
                        }
                    }
                }
                _ => {}
            }
        }
        if some_async && !page.all_async {
            warnings.push(format!(
                "{}: some module scripts are `async` and some are not; the built entry script is deferred. \
                 Mark every module script (inline ones too) `async` to keep it async.",
                page.rel
            ));
        }
        page.warnings = warnings;
        page.source = source;
        page.doc = doc;
        page
    }

    pub fn entry_id(&self) -> String {
        format!("{}{ENTRY_QUERY}", self.abs.display())
    }

    pub fn chunk_name(&self) -> String {
        let stem = self.rel.trim_end_matches(".html");
        let stem = stem.strip_suffix("/index").unwrap_or(stem);
        stem.replace('/', "-")
    }

    fn entry_code(&self) -> String {
        self.imports.iter().map(|i| format!("import {};\n", serde_json::Value::String(i.clone()))).collect()
    }

    /// The page with module scripts and style sheets swapped for the built files, other local
    /// references (images, icons) swapped for hashed assets, inline `<style>`s compiled, and
    /// style sheets linked with `media` emitted as their own compiled files. `read` reads a file
    /// of the project and `is_file` asks whether one exists, both through the build's file system
    /// (the engine makes no OS calls: in a browser or a WASM host there is no disk);
    /// `sheet_source` gives a linked sheet's CSS through it (Sass compiled, the project's CSS
    /// plugins run: `css::style_source`).
    #[expect(
        clippy::too_many_arguments,
        reason = "`read`, `is_file` and `sheet_source` are the build's file access, handed in as closures (see above)"
    )]
    pub fn render(
        &self,
        state: &BuildState,
        entry_js: Option<&str>,
        preloads: &[String],
        css: &[String],
        lazy: &[(String, Vec<String>, Vec<String>)],
        read: impl Fn(&Path) -> Option<Vec<u8>>,
        is_file: impl Fn(&Path) -> bool,
        sheet_source: impl Fn(&Path) -> Result<String, Diagnostic>,
    ) -> Result<String, Diagnostic> {
        let mut edits = Edits::default();
        let src = &self.source;
        for idx in &self.consumed {
            let el = &self.doc.elements[*idx];
            // A tag alone on its line goes with its indentation and line break.
            #[expect(
                clippy::string_slice,
                reason = "`outer` is an element's span that `nexxo_html::scan` found in `src`"
            )]
            let line_start = src[..el.outer.start].rfind('\n').map_or(0, |p| p + 1);
            #[expect(
                clippy::string_slice,
                reason = "`outer` is a span `nexxo_html::scan` found in `src`; `line_start` is past a `\\n`"
            )]
            let alone = src[line_start..el.outer.start].trim().is_empty() && src[el.outer.end..].starts_with('\n');
            let span = if alone { line_start..el.outer.end + 1 } else { el.outer.clone() };
            edits.replace(span, "");
        }
        let dir = self.abs.parent().unwrap_or(&state.config.root);
        let target_of = |url: &str| page_reference(&state.config, dir, url);
        // What `url()` in the page's CSS becomes: an asset (inlined when small, as from any style sheet).
        let css_asset = |file: &Path| Some(state.asset_url(file, read(file)?, true));
        // With a relative `base` (`"./"`), a URL in a page is relative to that page, as in Vite:
        // `./assets/x.js` from `index.html`, `../assets/x.js` from `nested/index.html`. Output
        // URLs are built from the root (`./assets/...`), so a nested page climbs to it first.
        let depth = self.rel.matches('/').count();
        let in_page = |url: String| -> String {
            match url.strip_prefix("./") {
                Some(rest) if state.config.base == "./" && depth > 0 => format!("{}{rest}", "../".repeat(depth)),
                _ => url,
            }
        };
        for (idx, el) in self.doc.elements.iter().enumerate() {
            if let Some(text) = el.text.clone().filter(|_| el.is_css_style()) {
                let dir = dir.to_path_buf();
                let compiled = compile_style(
                    &self.rel,
                    &dir,
                    src,
                    text.clone(),
                    state.config.minify,
                    state.css_targets,
                    &state.config.base,
                    |file: &Path| css_asset(file).map(in_page),
                )?;
                edits.replace(text, compiled);
                continue;
            }
            if self.separate_sheets.contains(&idx) {
                let Some(a) = el.attrs.iter().find(|a| a.name == "href") else { continue };
                let file = target_of(a.value.as_deref().unwrap_or_default());
                let rel = state.rel(&file);
                if !is_file(&file) {
                    return Err(Diagnostic::new(
                        "UNRESOLVED_URL",
                        format!("{}: cannot read style sheet {rel}", self.rel),
                    )
                    .with_file(self.rel.clone())
                    .with_hint("check the href; it is relative to the page"));
                }
                // A linked Sass sheet compiles to CSS first, as one a script imports does (Vite
                // compiles every sheet the page links, `media` or not); its `url()`s are rebased
                // onto the sheet, so the CSS step below resolves them from its directory.
                let is_sass = nexxo_css::plugins::is_preprocessed(&rel);
                let text = sheet_source(&file)?;
                let sheet_dir = file.parent().unwrap_or(dir).to_path_buf();
                let compiled = compile_style(
                    &rel,
                    &sheet_dir,
                    &text,
                    0..text.len(),
                    state.config.minify,
                    state.css_targets,
                    &state.config.base,
                    // The sheet becomes its own file in the assets directory: its URLs are relative
                    // to it there.
                    |file: &Path| css_asset(file).map(|url| state.url_in_sheet(url)),
                )?;
                let url = if is_sass {
                    state.compiled_asset_url(&file, "css", compiled.into_bytes())
                } else {
                    state.asset_url(&file, compiled.into_bytes(), false)
                };
                let url = in_page(url);
                edits.replace(a.span.clone(), format!("href=\"{}\"", escape_attr(&url)));
                continue;
            }
            let attr = match el.name.as_str() {
                "img" | "source" | "video" | "audio" | "track" | "input" => "src",
                "link"
                    if el.attr("rel").is_some_and(|r| {
                        r.split_whitespace().any(|t| matches!(t, "icon" | "apple-touch-icon" | "manifest" | "preload"))
                    }) =>
                {
                    "href"
                }
                _ => continue,
            };
            let Some(a) = el.attrs.iter().find(|a| a.name == attr) else { continue };
            let Some(url) = a.value.as_deref().filter(|u| !u.is_empty() && !is_external(u)) else { continue };
            let candidate = target_of(url);
            let replacement = is_asset(&state.config, &candidate.to_string_lossy())
                .then(|| {
                    let bytes = read(&candidate);
                    if bytes.is_none() {
                        state.looked_for(candidate.clone(), false);
                    }
                    Some(state.asset_url(&candidate, bytes?, false))
                })
                .flatten()
                .or_else(|| {
                    // Absolute paths that name public/ files move with `base`.
                    let public = state.config.public_dir.as_ref()?;
                    let r = url.split(['?', '#']).next().unwrap_or(url).strip_prefix('/')?;
                    let file = public.join(r);
                    let found = is_file(&file);
                    state.looked_for(file, found);
                    found.then(|| format!("{}{r}", state.config.base))
                })
                .map(in_page);
            match replacement {
                Some(new_url) => edits.replace(a.span.clone(), format!("{attr}=\"{}\"", escape_attr(&new_url))),
                // What Vite does: the URL stays as written (a route or a file the server adds
                // later may answer it), with a warning naming it, so a typo does not ship silently.
                None if is_asset(&state.config, &candidate.to_string_lossy()) && !is_file(&candidate) => {
                    let (line, column) = line_col(src, a.span.start);
                    state.warnings.lock().expect("warnings").push(
                        Diagnostic::new(
                            "UNRESOLVED_HTML_URL",
                            format!(
                                "{url} referenced in {} did not resolve at build time; it stays as written",
                                self.rel
                            ),
                        )
                        .with_file(self.rel.clone())
                        .at(src, line, column)
                        .with_hint("check the path; files served as they are belong in public/"),
                    );
                }
                None => {}
            }
        }
        let mut tags = String::new();
        if let Some(js) = entry_js.filter(|_| self.has_module_script) {
            let async_attr = if self.all_async { " async" } else { "" };
            tags.push_str(&format!(
                "    <script type=\"module\" crossorigin{async_attr} src=\"{}\"></script>\n",
                escape_attr(&in_page(state.public_url(js)))
            ));
            for p in preloads {
                tags.push_str(&format!(
                    "    <link rel=\"modulepreload\" crossorigin href=\"{}\">\n",
                    escape_attr(&in_page(state.public_url(p)))
                ));
            }
            if !lazy.is_empty() {
                // Data, not a script: nothing runs, so a Content-Security-Policy has no say.
                let urls = |list: &Vec<String>| list.iter().map(|u| in_page(state.public_url(u))).collect::<Vec<_>>();
                let map: serde_json::Map<String, serde_json::Value> =
                    lazy.iter().map(|(key, css, js)| (key.clone(), serde_json::json!([urls(css), urls(js)]))).collect();
                // `<` escaped, so no URL can close the element.
                let json = serde_json::Value::Object(map).to_string().replace('<', "\\u003c");
                tags.push_str(&format!(
                    "    <script type=\"application/json\" id=\"{}\">{json}</script>\n",
                    crate::lazy_css::REGISTRY_ID
                ));
            }
        }
        for c in css {
            tags.push_str(&format!(
                "    <link rel=\"stylesheet\" crossorigin href=\"{}\">\n",
                escape_attr(&in_page(state.public_url(c)))
            ));
        }
        // In the head after the page's own tags; in a page without one, before the body's content
        // (CSS at the end of the body would show the page unstyled first and reorder the cascade).
        let at = nexxo_html::head_insertion(src, &self.doc, false);
        // Keep `</head>` on its own line: insert after the last newline before it.
        #[expect(clippy::string_slice, reason = "`at` is the offset of `</head>`; `nl` that of a `\\n` before it")]
        let at = if self.doc.head_end == Some(at) {
            src[..at].rfind('\n').map_or(at, |nl| if src[nl + 1..at].trim().is_empty() { nl + 1 } else { at })
        } else {
            at
        };
        // Elsewhere (no `</head>`), on a line of their own too.
        #[expect(
            clippy::string_slice,
            reason = "`at` is where `head_insertion` puts tags: at a tag's `<` or past its `>`, or past a `\\n`"
        )]
        let (at, tags) = if self.doc.head_end == Some(at) || src[..at].ends_with('\n') || at == 0 {
            (at, tags)
        } else if src[at..].starts_with('\n') {
            (at + 1, tags)
        } else {
            (at, format!("\n{tags}"))
        };
        edits.insert(at, tags);
        Ok(edits.apply(src))
    }
}

/// `%NAME%` in the page `rel` replaced by `import.meta.env.NAME` as the page's scripts see it
/// (`env`: see `env_object`) and `define`d `import.meta.env.NAME` entries, as Vite does; returns
/// the page and a warning for each `%NAME%` that has the env prefix but no value (left as written).
pub fn replace_env(
    rel: &str,
    html: &str,
    config: &ResolvedConfig,
    env: &serde_json::Map<String, serde_json::Value>,
) -> (String, Vec<String>) {
    if !html.contains('%') {
        return (html.to_string(), Vec::new());
    }
    let (out, unknown) = nexxo_html::replace_env(html, |name| {
        if let Some(expr) = config.define.get(&format!("import.meta.env.{name}")) {
            // A define is an expression; a string literal stands for its text.
            return Some(match serde_json::from_str::<serde_json::Value>(expr) {
                Ok(serde_json::Value::String(s)) => s,
                _ => expr.clone(),
            });
        }
        env.get(name).map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    });
    let warnings = unknown
        .into_iter()
        .filter(|n| config.is_exposed_env(n))
        .map(|n| format!("%{n}% in {rel} is not defined in the env variables; it is left as written. Is it mistyped?"))
        .collect();
    (out, warnings)
}

/// A style sheet that is not part of the module graph: an inline `<style>` of a page, or a sheet
/// linked with `media` and kept as its own file. Compiled like any other (minified when
/// `minify`, lowered for the browsers of `targets`), each local `url()` resolved relative to
/// `dir` and replaced by `url_for(file)`, a root-absolute one moved under `base`. The sheet is `source[range]` (`source`: the page, or
/// the sheet itself), so errors point at the page's lines, with its code around them. A local
/// `@import` is refused (nothing would bundle it: link the file, or import it from a script);
/// remote ones are kept.
#[expect(
    clippy::too_many_arguments,
    reason = "each is a separate input of the one compile step the build and nexxo dev share"
)]
pub fn compile_style(
    file_rel: &str,
    dir: &Path,
    source: &str,
    range: std::ops::Range<usize>,
    minify: bool,
    targets: Option<nexxo_css::Browsers>,
    base: &str,
    mut url_for: impl FnMut(&Path) -> Option<String>,
) -> Result<String, Diagnostic> {
    // Padded with a blank for each line and character before it, so the parser's lines and
    // columns are the page's; a located error's frame is then drawn from the page itself.
    #[expect(
        clippy::string_slice,
        reason = "`range` is a `<style>`'s text span from `nexxo_html::scan` of `source`, or all of it"
    )]
    let before = &source[..range.start];
    // Lines as diagnostics count them (a lone `\r` ends one too), so the padding's line is the page's.
    let line_start = before.rfind(['\r', '\n']).map_or(0, |p| p + 1);
    #[expect(
        clippy::string_slice,
        reason = "`line_start` is past a `\\r` or `\\n` in `before`; `range` is a span of `source` (see above)"
    )]
    let padded = format!(
        "{}{}{}",
        "\n".repeat(nexxo_diagnostics::line_column(before, before.len()).0 as usize - 1),
        " ".repeat(before[line_start..].chars().count()),
        &source[range]
    );
    let in_page = |d: Diagnostic| match (d.line, d.column) {
        (Some(line), Some(column)) => {
            let text = nexxo_diagnostics::lines(source).nth(line as usize - 1).unwrap_or_default();
            let byte = text.char_indices().nth(column as usize - 1).map_or(text.len(), |(b, _)| b);
            d.at(source, line, byte as u32 + 1)
        }
        _ => d,
    };
    let opts = nexxo_css::CssOptions { minify, css_module: false, module_pattern: None, targets };
    let compiled = nexxo_css::compile(file_rel, &padded, &opts).map_err(in_page)?;
    let mut urls = Vec::with_capacity(compiled.urls.len());
    for u in &compiled.urls {
        let target = if nexxo_css::is_local_url(&u.url) {
            let (spec, suffix) = u.url.find(['?', '#']).map_or((u.url.as_str(), ""), |i| u.url.split_at(i));
            let Some(url) = url_for(&normalize(&dir.join(spec))) else {
                return Err(in_page(
                    Diagnostic::new("UNRESOLVED_URL", format!("cannot resolve url({}): no such file", u.url))
                        .with_file(file_rel)
                        .at_utf16(&padded, u.line, u.column.max(1))
                        .with_hint(format!("check the path; it is relative to {file_rel}")),
                ));
            };
            format!("{url}{suffix}")
        } else if u.url.starts_with('/') && !u.url.starts_with("//") && base.starts_with('/') && base != "/" {
            format!("{base}{}", u.url.strip_prefix('/').unwrap_or(&u.url))
        } else {
            u.url.clone()
        };
        urls.push((u.placeholder.clone(), target));
    }
    let mut out = String::new();
    for imp in &compiled.imports {
        if !imp.is_remote() {
            // lightningcss gives the line only (counted as CSS counts lines): point at the
            // rule's first character.
            let line = Diagnostic::new("", "").at_utf16(&padded, imp.line, 1).line.unwrap_or(1);
            let text = nexxo_diagnostics::lines(source).nth(line as usize - 1).unwrap_or_default();
            return Err(Diagnostic::new(
                "UNSUPPORTED_IMPORT",
                format!("@import \"{}\" in a style sheet of the page is not supported", imp.specifier),
            )
            .with_file(file_rel)
            .at(source, line, (text.len() - text.trim_start().len()) as u32 + 1)
            .with_hint("link the file with <link rel=\"stylesheet\">, or import it from a script"));
        }
        out.push_str(&imp.external_rule());
    }
    out.push_str(&nexxo_css::replace_urls(&compiled.code, &urls));
    Ok(out)
}

/// `a/./b/../c` as `a/c`, without touching the file system (it may be in memory). The one
/// lexical normalization of the build, its workers and `nexxo dev`.
/// 1-based line and byte column of `offset` in `text`, lines as every diagnostic counts them.
fn line_col(text: &str, offset: usize) -> (u32, u32) {
    nexxo_diagnostics::line_column(text, offset)
}

/// The file a page's `src`/`href` names (query and fragment dropped): through `resolve.alias`
/// (`<img src="@assets/logo.png">`, as Vite does), from the root for `/x`, else from the page's
/// directory. The build and `nexxo dev` both read pages by this rule.
pub fn page_reference(config: &ResolvedConfig, page_dir: &Path, url: &str) -> PathBuf {
    let clean = url.split(['?', '#']).next().unwrap_or(url);
    for (key, target) in crate::glob_aliases(config) {
        if let Some(rest) = clean.strip_prefix(key.as_str()).filter(|r| r.is_empty() || r.starts_with('/')) {
            return normalize(&target.join(rest.trim_start_matches('/')));
        }
    }
    normalize(&match clean.strip_prefix('/') {
        Some(r) => config.root.join(r),
        None => page_dir.join(clean),
    })
}

pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[derive(Debug)]
pub struct HtmlPlugin {
    pub state: Arc<BuildState>,
}

impl HtmlPlugin {
    fn page_for(&self, id: &str) -> Option<Arc<Page>> {
        let path = id.split('?').next()?;
        self.state.pages().into_iter().find(|p| p.abs.to_str() == Some(path))
    }
}

impl Plugin for HtmlPlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:html")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::ResolveId | HookUsage::Load
    }

    async fn resolve_id(&self, ctx: &PluginContext, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        let s = args.specifier;
        if (s.ends_with(ENTRY_QUERY) || s.contains(PROXY_QUERY)) && self.page_for(s).is_some() {
            return Ok(Some(HookResolveIdOutput::from_id(s)));
        }
        // What a page loads (its scripts and sheets) and a script given as `build.input` are
        // entries: Vite runs them even when their package.json says `"sideEffects": false`
        // (an app's own package.json often does, for its library code). rolldown would read that
        // flag and drop the whole module from the page's entry; asserting side effects here
        // overrides only the flag, rolldown still tree-shakes inside the module.
        let from_page = args.importer.is_some_and(|i| i.ends_with(ENTRY_QUERY));
        if from_page || args.is_entry {
            let options = PluginContextResolveOptions {
                import_kind: args.kind,
                is_entry: args.is_entry,
                skip_self: true,
                custom: Arc::clone(&args.custom),
            };
            if let Ok(resolved) = ctx.resolve(s, args.importer, Some(options)).await?
                && !resolved.external.is_external()
            {
                let mut out = HookResolveIdOutput::from_resolved_id(resolved);
                // A plugin's own answer (CSS: no tree-shaking at all) stays.
                out.side_effects.get_or_insert(HookSideEffects::True);
                return Ok(Some(out));
            }
        }
        Ok(None)
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let id = args.id;
        let Some(page) = self.page_for(id) else { return Ok(None) };
        let code = if id.ends_with(ENTRY_QUERY) {
            page.entry_code()
        } else if let Some(idx) =
            id.split(PROXY_QUERY).nth(1).and_then(|r| r.trim_end_matches(".ts").parse::<usize>().ok())
        {
            page.inline_scripts.get(idx).cloned().unwrap_or_default()
        } else {
            return Ok(None);
        };
        // The entry module is plain JS; inline scripts may be TypeScript.
        let module_type = if id.ends_with(ENTRY_QUERY) { ModuleType::Js } else { ModuleType::Ts };
        Ok(Some(HookLoadOutput { code: code.into(), module_type: Some(module_type), ..Default::default() }))
    }
}

#[cfg(test)]
mod tests {
    use super::compile_style;
    use std::path::Path;

    #[test]
    fn inline_style_errors_after_lone_cr_are_on_a_line_of_the_page() {
        // `<style>\r\rE</style`: lightningcss counts each `\r` as a line break, so must the page.
        let page = "<p>\r<style>\r\rE</style>";
        let start = page.find("<style>").unwrap() + "<style>".len();
        let range = start..page.find("</style").unwrap();
        let e = compile_style("index.html", Path::new("."), page, range, false, None, "/", |_| None).unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(2)), "{e}");
        assert!(e.frame.as_deref().unwrap().contains("> 4 | E</style>"), "{e}");
    }
}
