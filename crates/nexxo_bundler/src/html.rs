//! HTML entries. Each page becomes one virtual entry module that imports, in document order, its
//! module scripts (external and inline) and local style sheets, so its JS and CSS land in one
//! entry chunk, as in Vite. After bundling, the page is rewritten to point at the outputs.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_config::ResolvedConfig;
use nexxo_html::{Document, Edits, escape_attr};
use rolldown_common::ModuleType;
use rolldown_plugin::{
    HookLoadArgs, HookLoadOutput, HookLoadReturn, HookResolveIdArgs, HookResolveIdOutput, HookResolveIdReturn,
    HookUsage, Plugin, PluginContext, SharedLoadPluginContext,
};

use crate::state::BuildState;

const ENTRY_QUERY: &str = "?nexxo-html";
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
}

fn is_external(url: &str) -> bool {
    url.starts_with("//") || url.contains("://") || url.starts_with("data:") || url.starts_with('#')
}

impl Page {
    pub fn analyze(rel: &str, abs: &Path, source: String, config: &ResolvedConfig) -> Self {
        let doc = nexxo_html::scan(&source);
        let dir = abs.parent().unwrap_or(&config.root).to_path_buf();
        let mut page = Page {
            rel: rel.replace('\\', "/"),
            abs: abs.to_path_buf(),
            source: String::new(),
            doc: Document::default(),
            imports: Vec::new(),
            inline_scripts: Vec::new(),
            consumed: Vec::new(),
            has_module_script: false,
        };
        for (idx, el) in doc.elements.iter().enumerate() {
            let local = |url: &str| -> PathBuf {
                let clean = url.split(['?', '#']).next().unwrap_or(url);
                match clean.strip_prefix('/') {
                    Some(from_root) => config.root.join(from_root),
                    None => dir.join(clean),
                }
            };
            match el.name.as_str() {
                "script" if el.attr("type") == Some("module") => match el.attr("src") {
                    Some(src) if is_external(src) => {}
                    Some(src) => {
                        page.imports.push(local(src).to_string_lossy().into_owned());
                        page.consumed.push(idx);
                        page.has_module_script = true;
                    }
                    None => {
                        let text = el.text.clone().map(|r| source[r].to_string()).unwrap_or_default();
                        page.imports.push(format!("{}{PROXY_QUERY}{}.js", abs.display(), page.inline_scripts.len()));
                        page.inline_scripts.push(text);
                        page.consumed.push(idx);
                        page.has_module_script = true;
                    }
                },
                "link"
                    if el
                        .attr("rel")
                        .is_some_and(|r| r.split_whitespace().any(|t| t.eq_ignore_ascii_case("stylesheet"))) =>
                {
                    if let Some(href) = el.attr("href").filter(|h| !is_external(h)) {
                        page.imports.push(local(href).to_string_lossy().into_owned());
                        page.consumed.push(idx);
                    }
                }
                _ => {}
            }
        }
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

    /// The page with module scripts and style sheets swapped for the built files, and other
    /// local references (images, icons) swapped for hashed assets via `asset_url`.
    pub fn render(
        &self,
        state: &BuildState,
        entry_js: Option<&str>,
        preloads: &[String],
        css: &[String],
        mut asset_url: impl FnMut(&Path) -> Option<String>,
    ) -> String {
        let mut edits = Edits::default();
        let src = &self.source;
        for idx in &self.consumed {
            let el = &self.doc.elements[*idx];
            // A tag alone on its line goes with its indentation and line break.
            let line_start = src[..el.outer.start].rfind('\n').map_or(0, |p| p + 1);
            let alone = src[line_start..el.outer.start].trim().is_empty() && src[el.outer.end..].starts_with('\n');
            let span = if alone { line_start..el.outer.end + 1 } else { el.outer.clone() };
            edits.replace(span, "");
        }
        let dir = self.abs.parent().unwrap_or(&state.config.root);
        for el in &self.doc.elements {
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
            let clean = url.split(['?', '#']).next().unwrap_or(url);
            let candidate = match clean.strip_prefix('/') {
                Some(r) => state.config.root.join(r),
                None => dir.join(clean),
            };
            let replacement = asset_url(&candidate).or_else(|| {
                // Absolute paths that name public/ files move with `base`.
                let public = state.config.public_dir.as_ref()?;
                let r = clean.strip_prefix('/')?;
                public.join(r).is_file().then(|| format!("{}{r}", state.config.base))
            });
            if let Some(new_url) = replacement {
                edits.replace(a.span.clone(), format!("{attr}=\"{}\"", escape_attr(&new_url)));
            }
        }
        let mut tags = String::new();
        if let Some(js) = entry_js.filter(|_| self.has_module_script) {
            tags.push_str(&format!(
                "    <script type=\"module\" crossorigin src=\"{}\"></script>\n",
                escape_attr(&state.public_url(js))
            ));
            for p in preloads {
                tags.push_str(&format!(
                    "    <link rel=\"modulepreload\" crossorigin href=\"{}\">\n",
                    escape_attr(&state.public_url(p))
                ));
            }
        }
        for c in css {
            tags.push_str(&format!(
                "    <link rel=\"stylesheet\" crossorigin href=\"{}\">\n",
                escape_attr(&state.public_url(c))
            ));
        }
        let at = self.doc.head_end.or(self.doc.body_end).unwrap_or(src.len());
        // Keep `</head>` on its own line: insert after the last newline before it.
        let at = src[..at].rfind('\n').map_or(at, |nl| if src[nl + 1..at].trim().is_empty() { nl + 1 } else { at });
        edits.insert(at, tags);
        edits.apply(src)
    }
}

#[derive(Debug)]
pub struct HtmlPlugin {
    pub state: Arc<BuildState>,
}

impl HtmlPlugin {
    fn page_for(&self, id: &str) -> Option<&Page> {
        let path = id.split('?').next()?;
        self.state.pages.iter().find(|p| p.abs.to_str() == Some(path))
    }
}

impl Plugin for HtmlPlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:html")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::ResolveId | HookUsage::Load
    }

    async fn resolve_id(&self, _ctx: &PluginContext, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        let s = args.specifier;
        if (s.ends_with(ENTRY_QUERY) || s.contains(PROXY_QUERY)) && self.page_for(s).is_some() {
            return Ok(Some(HookResolveIdOutput::from_id(s)));
        }
        Ok(None)
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let id = args.id;
        let Some(page) = self.page_for(id) else { return Ok(None) };
        let code = if id.ends_with(ENTRY_QUERY) {
            page.entry_code()
        } else if let Some(idx) =
            id.split(PROXY_QUERY).nth(1).and_then(|r| r.trim_end_matches(".js").parse::<usize>().ok())
        {
            page.inline_scripts.get(idx).cloned().unwrap_or_default()
        } else {
            return Ok(None);
        };
        Ok(Some(HookLoadOutput { code: code.into(), module_type: Some(ModuleType::Js), ..Default::default() }))
    }
}
