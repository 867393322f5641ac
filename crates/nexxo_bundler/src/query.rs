//! Import queries (`./x.png?url`, `./w.js?worker&inline`, `./a.js?v=1`) as Vite documents them,
//! and the small modules some of them become. The build and `nexxo dev` both read queries and
//! write these modules through here, so an import means the same in both.

/// The flags of an import's query that change what the import gives. Other parameters (`?v=1`,
/// `?t=123`) only tell module instances apart: the file loads as usual.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// `?url`: the file's URL.
    pub url: bool,
    /// `?raw`: the file's text.
    pub raw: bool,
    /// `?inline`: a data URL (a style sheet: its compiled CSS text, not applied to the page).
    pub inline: bool,
    /// `?no-inline`: a file URL, whatever the file's size.
    pub no_inline: bool,
    /// `?worker`: a constructor of a Web Worker running the file.
    pub worker: bool,
    /// `?sharedworker`: a constructor of a SharedWorker running the file.
    pub shared_worker: bool,
    /// `?init` on a `.wasm` file: a function that instantiates it.
    pub init: bool,
}

/// Splits `id` into its path and its query (without the `?`; empty if none). A `#` stays in the
/// path: a file's name may hold one, and module ids are paths.
pub fn split(id: &str) -> (&str, &str) {
    id.split_once('?').unwrap_or((id, ""))
}

impl Query {
    pub fn parse(query: &str) -> Self {
        let mut q = Query::default();
        for param in query.split(['&', '#']) {
            match param.split('=').next().unwrap_or_default() {
                "url" => q.url = true,
                "raw" => q.raw = true,
                "inline" => q.inline = true,
                "no-inline" => q.no_inline = true,
                "worker" => q.worker = true,
                "sharedworker" => q.shared_worker = true,
                "init" => q.init = true,
                _ => {}
            }
        }
        q
    }

    /// `?worker` or `?sharedworker`: the import is a worker's constructor, made by bundling the
    /// file on its own.
    pub fn starts_worker(&self) -> bool {
        self.worker || self.shared_worker
    }

    /// Any flag that makes the import something other than the module itself.
    pub fn is_special(&self) -> bool {
        *self != Query::default()
    }

    /// The flags, in a fixed order, as query parameters (`["worker", "inline"]`): what the dev
    /// server keeps of a specifier's query in the URL it writes.
    pub fn params(&self) -> Vec<&'static str> {
        let all = [
            (self.worker, "worker"),
            (self.shared_worker, "sharedworker"),
            (self.url, "url"),
            (self.raw, "raw"),
            (self.inline, "inline"),
            (self.no_inline, "no-inline"),
            (self.init, "init"),
        ];
        all.into_iter().filter(|(on, _)| *on).map(|(_, p)| p).collect()
    }

    /// An asset import given as a data URL: `?inline` (unless `?no-inline` says otherwise).
    pub fn forces_inline(&self) -> bool {
        self.inline && !self.no_inline
    }

    /// An asset import given as a file URL, whatever its size: `?no-inline`, or `?url` alone.
    pub fn forces_file(&self) -> bool {
        self.no_inline || (self.url && !self.inline)
    }
}

/// What an import of a file of public/ by its URL path (`/icon.png`) gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicImport {
    /// The URL it is served at (an asset, or `?url`).
    Url,
    /// Its text (`?raw`).
    Raw,
}

/// Files of public/ are copied as they are and never bundled: importing one gives its URL or its
/// text; code and data (`/data.json`) are refused, as Vite does. `rel` names the file for errors.
pub fn public_import(url_path: &str, rel: &str, query: Query) -> Result<PublicImport, nexxo_diagnostics::Diagnostic> {
    if query.raw {
        return Ok(PublicImport::Raw);
    }
    if query.url || crate::assets::is_asset_path(url_path) {
        return Ok(PublicImport::Url);
    }
    Err(nexxo_diagnostics::Diagnostic::new(
        "PUBLIC_IMPORT",
        format!("cannot import {url_path}: it is a file of public/, copied as is and never bundled"),
    )
    .with_file(rel)
    .with_hint(format!("use `{url_path}?url` for its URL, or move it out of public/ to import it as a module")))
}

/// `data:<mime>;base64,...` of a file's bytes (`?inline`).
pub fn data_url(path: &str, bytes: &[u8]) -> String {
    let ext = std::path::Path::new(path).extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    crate::state::data_url(&ext, bytes)
}

fn js_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A module whose default export constructs the worker (a `SharedWorker` when `shared`) at the URL
/// the JS expression `url` evaluates to; `new MyWorker({ name })` passes the name on.
pub fn worker_module(url: &str, shared: bool) -> String {
    let class = if shared { "SharedWorker" } else { "Worker" };
    format!(
        "export default function WorkerWrapper(options) {{\n  return new {class}({url}, {{ type: \"module\", name: options?.name }});\n}}\n"
    )
}

/// A module whose default export constructs the worker from `code` itself, through a blob URL
/// (`?worker&inline`: no separate file to fetch).
pub fn inline_worker_module(code: &str, shared: bool) -> String {
    let class = if shared { "SharedWorker" } else { "Worker" };
    format!(
        "const code = {};\nexport default function WorkerWrapper(options) {{\n  const url = URL.createObjectURL(new Blob([code], {{ type: \"text/javascript\" }}));\n  try {{\n    return new {class}(url, {{ type: \"module\", name: options?.name }});\n  }} finally {{\n    URL.revokeObjectURL(url);\n  }}\n}}\n",
        js_string(code)
    )
}

/// `?init` on a `.wasm` file: a default export that fetches and instantiates the module with the
/// given imports and resolves to its `WebAssembly.Instance`, as Vite's does.
pub fn wasm_init_module(url: &str) -> String {
    format!(
        "export default async function init(imports = {{}}) {{\n  const bytes = await (await fetch({})).arrayBuffer();\n  return (await WebAssembly.instantiate(bytes, imports)).instance;\n}}\n",
        js_string(url)
    )
}

/// A `.wasm` file imported as a module (`import { add } from "./add.wasm"`): WebAssembly's ESM
/// integration, which Vite does not support either. Refused with the ways that work, instead of
/// parsing the binary as JavaScript. One message for the build and `nexxo dev`.
pub fn wasm_esm_unsupported(file_rel: &str) -> nexxo_diagnostics::Diagnostic {
    nexxo_diagnostics::Diagnostic::new(
        "WASM_ESM",
        format!("`{file_rel}` is imported as a module: WebAssembly's ES module integration is not supported (nor is it in Vite)"),
    )
    .with_file(file_rel)
    .with_hint(
        "import it with `?init` (`import init from \"./x.wasm?init\"; const { exports } = await init(imports)`) \
         or take its URL with `?url` and instantiate it yourself",
    )
}

/// A framework's component file (`.vue`, `.svelte`, ...) imported as a module: it needs that
/// framework's compiler, which Vite runs as a plugin and Nexxo does not have. Refused by name,
/// instead of the parse error JavaScript's parser gives for `<template>`. One message for the
/// build and `nexxo dev`; `None` for every other file. `rel` names the file as the user sees it,
/// asked for only when the file is one of them.
pub fn framework_file_unsupported(
    file: &std::path::Path,
    rel: impl FnOnce() -> String,
) -> Option<nexxo_diagnostics::Diagnostic> {
    let ext = file.extension()?.to_str()?.to_ascii_lowercase();
    let (what, plugin) = match ext.as_str() {
        "vue" => ("a Vue single-file component", "@vitejs/plugin-vue"),
        "svelte" => ("a Svelte component", "@sveltejs/vite-plugin-svelte"),
        "astro" => ("an Astro component", "Astro's own build"),
        "mdx" => ("an MDX document", "@mdx-js/rollup"),
        "marko" => ("a Marko template", "@marko/vite"),
        _ => return None,
    };
    let file_rel = rel();
    Some(
        nexxo_diagnostics::Diagnostic::new(
            "UNSUPPORTED_FILE",
            format!("`{file_rel}` is {what}: it needs its framework's compiler ({plugin} under Vite), which Nexxo does not have"),
        )
        .with_file(file_rel.clone())
        .with_hint(
            "Nexxo compiles TypeScript, JSX (React, Preact, any `jsxImportSource`), CSS, Sass, Less and Stylus itself; \
             build this app with Vite for now (README, \"Not supported yet\")",
        ),
    )
}

/// `export default "<text>";`
pub fn default_string(text: &str) -> String {
    format!("export default {};\n", js_string(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_other_parameters() {
        let q = Query::parse("worker&inline");
        assert!(q.worker && q.inline && !q.url);
        assert_eq!(q.params(), ["worker", "inline"]);
        assert!(!Query::parse("v=1").is_special());
        assert!(Query::parse("url&inline").forces_inline());
        assert!(!Query::parse("url&inline").forces_file());
        assert!(Query::parse("url").forces_file() && Query::parse("no-inline").forces_file());
        assert_eq!(split("./a.js?v=1"), ("./a.js", "v=1"));
        assert_eq!(split("./a.svg?url#icon"), ("./a.svg", "url#icon"));
        assert!(Query::parse("url#icon").url);
        assert_eq!(split("./a.js"), ("./a.js", ""));
    }
}
