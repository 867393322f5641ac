//! A lazily imported chunk's CSS is applied by the time its `import()` resolves, as Vite's
//! preload does, so a component rendered right after `await import("./Page")` (React.lazy, a
//! router's lazy route) has its styles from the first frame.
//!
//! Two halves. A chunk with CSS links its sheet when it runs (the CSS plugin's footer) and, while
//! the sheet loads, keeps the load in a set on `globalThis`. Every `import(...)` in the app gets
//! `.then(...)` appended here, which waits, once the module has arrived, for the loads in that set
//! (a sheet that fails to load counts as loaded: the page goes on, unstyled, as with a failed
//! `<link>`). No top-level await, so any `build.target`; no import added, so a CommonJS module
//! stays one. The text goes after each `import(...)`, and rolldown locates errors in the module
//! as transformed, so the insertions are recorded ([`crate::state::Insertions`]) and reported
//! columns are put back where the user wrote them.
//!
//! And a head start, as Vite's preload gives one: an `import()` whose argument is a string gets
//! the key of the module it names in its `.then(...)` (evaluated when the `import()` is called,
//! before the chunk has arrived), and the page's data block ([`REGISTRY_ID`], written with the
//! HTML by `crate::finish`) lists per key the chunk's style sheets and the chunks it imports. The runtime
//! ([`PRELOAD`], at the top of each entry chunk of an app with `import()`s) starts those requests
//! at once, beside the chunk's own, instead of after it has run. A page without the block, or a
//! key missing from it, only loses the head start.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use std::fmt::Debug;

use rolldown_common::{ImportKind, ModuleType};
use rolldown_fs::FileSystem;
use rolldown_plugin::{
    HookAddonArgs, HookInjectionOutputReturn, HookTransformArgs, HookTransformOutput, HookTransformOutputMap,
    HookTransformReturn, HookUsage, Plugin, PluginContext, SharedTransformPluginContext,
};
use rolldown_resolver::Resolver;

use crate::assets::resolve_path;
use crate::state::BuildState;

/// The callback appended to every `import(...)`: the module, once the style sheets loading now
/// (the set `globalThis.__nexxo_css`, which [`LINK_SHEET`] fills) have loaded.
const WAIT: &str = "m=>{let s=globalThis.__nexxo_css;return s&&s.size?Promise.all(s).then(()=>m):m}";

/// Links the style sheet at the absolute URL `h` unless the page has it, and while it loads keeps
/// the load in the pending set. Plain ES2020 (no `??=`): it is added after the target's lowering.
const LINK_SHEET: &str = "let l=[...document.querySelectorAll(\"link[rel=stylesheet]\")].find(l=>l.href===h);\
if(!l){l=document.createElement(\"link\");l.rel=\"stylesheet\";l.href=h;document.head.appendChild(l)}\
if(!l.sheet){const s=globalThis.__nexxo_css||(globalThis.__nexxo_css=new Set),p=new Promise(r=>{l.addEventListener(\"load\",r);l.addEventListener(\"error\",r)});\
s.add(p);p.then(()=>s.delete(p))}";

/// What a chunk with CSS runs at its end: [`LINK_SHEET`] for its sheet. `href` is a JSON string
/// relative to the chunk.
pub fn footer_code(href: &str) -> String {
    format!("if(typeof document<\"u\"){{const h=new URL({href},import.meta.url).href;{LINK_SHEET}}}")
}

/// The id of the page's data block: key to `[style sheets, chunks]`, URLs as the page names them.
pub const REGISTRY_ID: &str = "nexxo-lazy";

/// `globalThis.__nexxo_pl(key)`: starts loading what the lazily imported module `key` needs
/// (see the module docs). Defined once, by whichever entry chunk runs first.
pub const PRELOAD: &str = "globalThis.__nexxo_pl||(globalThis.__nexxo_pl=k=>{if(typeof document>\"u\")return;\
let t=globalThis.__nexxo_pl.d;if(t===void 0){const e=document.getElementById(\"nexxo-lazy\");\
try{t=e?JSON.parse(e.textContent):null}catch(x){t=null}globalThis.__nexxo_pl.d=t}\
const d=t&&t[k];if(!d)return;\
for(const u of d[1]){const h=new URL(u,document.baseURI).href;\
if(![...document.querySelectorAll(\"link[rel=modulepreload]\")].some(l=>l.href===h)){\
const l=document.createElement(\"link\");l.rel=\"modulepreload\";l.crossOrigin=\"\";l.href=h;document.head.appendChild(l)}}\
for(const u of d[0]){const h=new URL(u,document.baseURI).href;";

/// [`PRELOAD`] whole: its CSS loop's body is [`LINK_SHEET`].
pub fn preload_code() -> String {
    format!("{PRELOAD}{LINK_SHEET}}}}});\n")
}

/// The key of a lazily imported module (its rolldown id), as the insertions and the page's data
/// block both name it: from its path relative to the root, so every host (whose roots differ:
/// wasmtime, an in-memory project) writes the same bytes.
pub fn key_of(state: &BuildState, module_id: &str) -> String {
    crate::state::short_hash(state.rel(Path::new(module_id)).as_bytes())
}

/// The text appended to an `import(...)`: with the key of the module it names, a head start
/// for what that module needs, then the wait.
fn appended(key: Option<&str>) -> String {
    match key {
        Some(k) => format!(".then((globalThis.__nexxo_pl&&globalThis.__nexxo_pl(\"{k}\"),{WAIT}))"),
        None => format!(".then({WAIT})"),
    }
}

/// The string an `import(...)` expression names, if its argument is one plain string literal
/// (`import("./Page")`, `import('./a', { with: {} })`, a template literal without `${`).
fn literal_specifier(expr: &str) -> Option<&str> {
    let rest = expr.strip_prefix("import")?.trim_start().strip_prefix('(')?.trim_start();
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let (spec, after) = rest.get(1..)?.split_once(quote)?;
    let after = after.trim_start();
    let plain = !spec.contains('\\') && !(quote == '`' && spec.contains("${"));
    (plain && (after.starts_with(')') || after.starts_with(','))).then_some(spec)
}

#[derive(Debug)]
pub struct LazyCssPlugin<Fs: FileSystem + Clone + Debug + 'static> {
    pub state: Arc<BuildState>,
    /// The build's resolver, as the CSS plugin uses it: the plugin context's `resolve` gives
    /// nothing in the WASM engine, and every host must write the same bytes.
    pub resolver: Arc<Resolver<Fs>>,
    /// The build of the app's pages, not of a worker (which has no document to preload into).
    pub pages: bool,
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for LazyCssPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:lazy-css")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Transform | HookUsage::Banner
    }

    async fn banner(&self, _ctx: &PluginContext, args: &HookAddonArgs) -> HookInjectionOutputReturn {
        // Only a page's entry of an app with an `import()` can use it (see the module docs); a
        // script entry of `build.input` has no page, and so no data block.
        let page_entry = args
            .chunk
            .facade_module_id
            .as_ref()
            .is_some_and(|id| self.state.pages().iter().any(|p| p.entry_id() == id.as_str()));
        if !self.pages || !page_entry || !self.state.inserted.any() {
            return Ok(None);
        }
        Ok(Some(preload_code()))
    }

    async fn transform(&self, _ctx: SharedTransformPluginContext, args: &HookTransformArgs<'_>) -> HookTransformReturn {
        // A library's style sheet is its users' to link: no `import()` waits for one.
        if self.state.lib.is_some()
            || !matches!(args.module_type, ModuleType::Js | ModuleType::Jsx | ModuleType::Ts | ModuleType::Tsx)
            || args.id.starts_with('\0')
        {
            return Ok(None);
        }
        let path = Path::new(args.id.split('?').next().unwrap_or(args.id));
        let spans = nexxo_transform::dynamic_imports::dynamic_imports(&path.to_string_lossy(), args.code);
        if spans.is_empty() {
            self.state.inserted.forget(|| self.state.rel(path));
            return Ok(None);
        }
        let code: &str = args.code;
        let mut s = string_wizard::MagicString::new(code);
        let mut inserted = Vec::with_capacity(spans.len());
        let importer = path.to_string_lossy();
        for &(start, end) in &spans {
            // rolldown reports what does not resolve when it gets there.
            let key = code
                .get(start as usize..end as usize)
                .and_then(literal_specifier)
                .and_then(|spec| resolve_path(&self.resolver, Some(&importer), spec, ImportKind::DynamicImport).ok())
                .map(|target| key_of(&self.state, &target.to_string_lossy()));
            let text = appended(key.as_deref());
            let wait_len = u32::try_from(text.len()).unwrap_or(u32::MAX);
            if s.append_left(end, text).is_err() {
                return Ok(None);
            }
            let (line, byte_column) = nexxo_diagnostics::line_column(code, end as usize);
            let line_start = end as usize - (byte_column as usize - 1);
            let column = code.get(line_start..end as usize).map_or(0, |t| t.encode_utf16().count());
            inserted.push((line, u32::try_from(column).unwrap_or(u32::MAX), wait_len));
        }
        // Source order of the insertion points (a nested `import()` ends before its parent).
        inserted.sort_unstable();
        self.state.inserted.record(self.state.rel(path), inserted);
        let map = HookTransformOutputMap::from_if_enabled(self.state.config.sourcemap, || {
            s.source_map(string_wizard::SourceMapOptions {
                hires: string_wizard::Hires::Boundary,
                source: args.id.into(),
                ..Default::default()
            })
        });
        Ok(Some(HookTransformOutput { code: Some(s.to_string()), map, ..Default::default() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_string_argument_gets_a_head_start() {
        assert_eq!(literal_specifier("import(\"./a\")"), Some("./a"));
        assert_eq!(literal_specifier("import( './b' , { with: { type: 'json' } })"), Some("./b"));
        assert_eq!(literal_specifier("import(`./c`)"), Some("./c"));
        assert_eq!(literal_specifier("import(`./${x}`)"), None);
        assert_eq!(literal_specifier("import('./' + x)"), None);
        assert_eq!(literal_specifier("import(x)"), None);
        assert_eq!(literal_specifier("import('./\\x61')"), None);
        // A comment before the argument: no head start (the wait still comes).
        assert_eq!(literal_specifier("import(/* c */ './d')"), None);
    }
}
