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

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use rolldown_common::ModuleType;
use rolldown_plugin::{
    HookTransformArgs, HookTransformOutput, HookTransformOutputMap, HookTransformReturn, HookUsage, Plugin,
    SharedTransformPluginContext,
};

use crate::state::BuildState;

/// The set the CSS footer fills (see [`footer_code`]) and the wrapper waits for.
const PENDING: &str = "globalThis.__nexxo_css";

/// Appended to every `import(...)`: the module, once the style sheets loading now have loaded.
const WAIT: &str = ".then(m=>{let s=globalThis.__nexxo_css;return s&&s.size?Promise.all(s).then(()=>m):m})";

/// What a chunk with CSS runs at its end: link the sheet unless the page has it, and while it
/// loads keep the load in the pending set. `href` is a JSON string relative to the chunk.
pub fn footer_code(href: &str) -> String {
    // Plain ES2020 (no `??=`): the footer is added after the target's lowering.
    format!(
        "if(typeof document<\"u\"){{const h=new URL({href},import.meta.url).href;\
         let l=[...document.querySelectorAll(\"link[rel=stylesheet]\")].find(l=>l.href===h);\
         if(!l){{l=document.createElement(\"link\");l.rel=\"stylesheet\";l.href=h;document.head.appendChild(l)}}\
         if(!l.sheet){{const s={PENDING}||({PENDING}=new Set),p=new Promise(r=>{{l.addEventListener(\"load\",r);l.addEventListener(\"error\",r)}});\
         s.add(p);p.then(()=>s.delete(p))}}}}"
    )
}

#[derive(Debug)]
pub struct LazyCssPlugin {
    pub state: Arc<BuildState>,
}

impl Plugin for LazyCssPlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:lazy-css")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Transform
    }

    async fn transform(&self, _ctx: SharedTransformPluginContext, args: &HookTransformArgs<'_>) -> HookTransformReturn {
        if !matches!(args.module_type, ModuleType::Js | ModuleType::Jsx | ModuleType::Ts | ModuleType::Tsx)
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
        let wait_len = u32::try_from(WAIT.len()).unwrap_or(u32::MAX);
        for &(_, end) in &spans {
            if s.append_left(end, WAIT).is_err() {
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
