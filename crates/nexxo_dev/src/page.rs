//! A page as the browser gets it in dev: `%ENV%` replaced, style sheets and module scripts turned
//! into module imports (or bundles), inline `<style>` compiled, the client runtime and Fast
//! Refresh set up before any module runs.

use std::path::{Path, PathBuf};

use rolldown_fs::OxcResolverFileSystem as _;

use crate::bundle::url_param;
use crate::serve::{Response, inline_module_path};
use crate::{DevHost, DevSession};

/// The file a page's `src`/`href` points at: root-relative or relative to the page.
pub(crate) fn page_target<H: DevHost>(state: &DevSession<H>, page: &Path, href: &str) -> PathBuf {
    let dir = page.parent().unwrap_or(&state.config.root);
    nexxo_bundler::page_reference(&state.config, dir, href)
}

/// An attribute of `el` that names a file through a `resolve.alias` key (`<img src="@/logo.png">`):
/// the browser cannot fetch that, so the page gets the file's URL instead. Other references are
/// URLs the browser resolves itself.
fn aliased_reference<'a>(
    state: &DevSession<impl DevHost>,
    el: &'a nexxo_html::Element,
) -> Option<&'a nexxo_html::Attr> {
    let attr = match el.name.as_str() {
        "img" | "source" | "video" | "audio" | "track" | "input" | "script" => "src",
        "link" => "href",
        _ => return None,
    };
    let a = el.attrs.iter().find(|a| a.name == attr)?;
    let value = a.value.as_deref()?;
    let aliased = nexxo_bundler::glob_aliases(&state.config)
        .iter()
        .any(|(key, _)| value.strip_prefix(key.as_str()).is_some_and(|r| r.is_empty() || r.starts_with('/')));
    aliased.then_some(a)
}

pub(crate) fn is_local(href: &str) -> bool {
    !href.contains("://") && !href.starts_with("//") && !href.starts_with("data:")
}

/// `<script type="module" src>` for a module URL: the URL itself, or its bundle. `is_async`
/// keeps the page's `async`.
pub(crate) fn module_script<H: DevHost>(state: &DevSession<H>, url: &str, is_async: bool) -> String {
    let attrs = if is_async { " async" } else { "" };
    if !state.bundled {
        return format!(
            "<script type=\"module\"{attrs}>import {};</script>",
            serde_json::Value::String(url.to_string())
        );
    }
    format!("<script type=\"module\"{attrs} src=\"/@nexxo/bundle?entry={}\"></script>", url_param(url))
}

/// The page `file` as the browser sees it in dev: `%NAME%` replaced from `import.meta.env` (as in
/// a build), with the warnings for names that have the env prefix but no value.
pub(crate) fn page_source<H: DevHost>(state: &DevSession<H>, file: &Path) -> std::io::Result<(String, Vec<String>)> {
    let raw = state.host.fs().read_to_string(file)?;
    let rel = state.url_of(file).unwrap_or_default();
    // The current `import.meta.env` (it follows `.env` edits).
    let env = serde_json::from_str(&state.env_json.read().expect("env")).unwrap_or_default();
    Ok(nexxo_bundler::replace_env(rel.trim_start_matches('/'), &raw, &state.config, &env))
}

/// The modules page `html` starts: its local module scripts' files and its inline module scripts.
pub(crate) fn page_modules<H: DevHost>(state: &DevSession<H>, html: &Path) -> Vec<PathBuf> {
    let Ok((source, _)) = page_source(state, html) else { return Vec::new() };
    let mut inline = 0;
    let mut out = Vec::new();
    for el in nexxo_html::scan(&source).elements.iter().filter(|e| e.is_module_script()) {
        match el.attr("src") {
            Some(src) if is_local(src) => out.push(page_target(state, html, src)),
            Some(_) => {}
            None => {
                out.push(inline_module_path(html, inline));
                inline += 1;
            }
        }
    }
    out
}

pub(crate) fn page<H: DevHost>(state: &DevSession<H>, file: &Path) -> Response {
    let Ok((source, warnings)) = page_source(state, file) else { return Response::not_found() };
    for w in warnings {
        state.host.warn(&w);
    }
    let doc = nexxo_html::scan(&source);
    let mut edits = nexxo_html::Edits::default();
    let mut inline = 0;
    let dir = file.parent().unwrap_or(&state.config.root);
    let rel = state.url_of(file).unwrap_or_default().trim_start_matches('/').to_string();
    for el in &doc.elements {
        // Style sheets become module imports so they update in place like imported CSS; a sheet
        // with `media` (or `disabled`) stays a `<link>`, which is what keeps it conditional.
        let conditional = el.has_attr("media") || el.has_attr("disabled");
        if let Some(href) = el.attr("href").filter(|h| el.is_style_sheet_link() && !conditional && is_local(h))
            && let Some(url) = state.url_of(&page_target(state, file, href))
        {
            edits.replace(el.outer.clone(), module_script(state, &format!("{url}?import"), false));
        }
        if let Some(a) = aliased_reference(state, el)
            && !(el.is_module_script() || (el.is_style_sheet_link() && !conditional))
            && let Some(url) = state.url_of(&page_target(state, file, a.value.as_deref().unwrap_or_default()))
        {
            edits.replace(a.span.clone(), format!("{}=\"{url}\"", a.name));
        }
        if el.is_module_script() {
            let is_async = el.has_attr("async");
            match el.attr("src") {
                Some(src) if state.bundled && is_local(src) => {
                    if let Some(url) = state.url_of(&page_target(state, file, src)) {
                        edits.replace(el.outer.clone(), module_script(state, &url, is_async));
                    }
                }
                Some(_) => {}
                // An inline module is served as a module of its own, transformed like any other
                // (bare imports, TypeScript, `import.meta.env`); editing the page reloads it.
                None => {
                    if let Some(url) = state.url_of(&inline_module_path(file, inline)) {
                        edits.replace(el.outer.clone(), module_script(state, &url, is_async));
                    }
                    inline += 1;
                }
            }
        }
        // Inline CSS is compiled as in a build (unminified), its `url()`s pointed at served files.
        if let Some(text) = el.text.clone().filter(|_| el.is_css_style()) {
            let url_for = |f: &Path| state.is_file(f).then(|| state.url_of(f)).flatten();
            match nexxo_bundler::compile_style(&rel, dir, &source, text.clone(), false, None, "/", url_for) {
                Ok(css) => edits.replace(text, css),
                // Shown in the terminal and the overlay; the page keeps the style as written.
                Err(d) => state.report_error(&d),
            }
        }
    }
    // The reload count the page was served at (see `DevSession::reloads`).
    let mut preamble = format!(
        "<script type=\"module\" src=\"/@nexxo/client\" data-nexxo-reloads=\"{}\"></script>\n",
        state.reloads()
    );
    let deps = state.deps.read().expect("deps");
    // The app's modules import these only when they run; fetch them alongside instead of after.
    let mut files: Vec<&String> = deps.files.keys().collect();
    files.sort();
    for f in files {
        preamble.push_str(&format!("<link rel=\"modulepreload\" href=\"/@deps/{f}\">\n"));
    }
    drop(deps);
    // Before any module runs, so React finds the refresh hook when it loads.
    if state.react_refresh {
        preamble.push_str(
            "<script type=\"module\">import R from \"/@nexxo/react-refresh\";R.injectIntoGlobalHook(window);\
             window.$RefreshReg$=()=>{};window.$RefreshSig$=()=>(t)=>t;window.__nexxo_refresh=R;</script>\n",
        );
    }
    edits.insert(nexxo_html::head_insertion(&source, &doc, true), preamble);
    let html = edits.apply(&source);
    let mut r = Response::file("text/html; charset=utf-8", html.into_bytes());
    r.no_cache = true;
    r
}
