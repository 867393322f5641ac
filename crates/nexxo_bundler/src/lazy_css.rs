//! A lazily imported chunk's CSS is applied by the time its `import()` resolves, as Vite's
//! preload does, so a component rendered right after `await import("./Page")` (React.lazy, a
//! router's lazy route) has its styles from the first frame.
//!
//! Two halves. A chunk with CSS links its sheet when it runs (the CSS plugin's footer) and, while
//! the sheet loads, keeps the load in a set on `globalThis`. Every `import(...)` in the app is
//! wrapped here in `__nexxo_css_ready(...)`, which waits, once the module has arrived, for the
//! loads in that set (a sheet that fails to load counts as loaded: the page goes on, unstyled, as
//! with a failed `<link>`). No top-level await: it works for every `build.target`.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use rolldown_common::ModuleType;
use rolldown_plugin::{
    HookLoadArgs, HookLoadOutput, HookLoadReturn, HookResolveIdArgs, HookResolveIdOutput, HookResolveIdReturn,
    HookTransformArgs, HookTransformOutput, HookTransformOutputMap, HookTransformReturn, HookUsage, Plugin,
    PluginContext, SharedLoadPluginContext, SharedTransformPluginContext,
};

use crate::state::BuildState;

const HELPER: &str = "nexxo:css-ready";
const HELPER_ID: &str = "\0nexxo:css-ready";
const WRAPPER: &str = "__nexxo_css_ready";

/// The set the CSS footer fills (see [`footer_code`]) and the wrapper waits for.
const PENDING: &str = "globalThis.__nexxo_css";

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
        HookUsage::ResolveId | HookUsage::Load | HookUsage::Transform
    }

    async fn resolve_id(&self, _ctx: &PluginContext, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        Ok((args.specifier == HELPER).then(|| HookResolveIdOutput::from_id(HELPER_ID)))
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        if args.id != HELPER_ID {
            return Ok(None);
        }
        let code = format!(
            "export function {WRAPPER}(p){{return p.then(function(m){{var s={PENDING};\
             return s&&s.size?Promise.all(s).then(function(){{return m}}):m}})}}\n"
        );
        Ok(Some(HookLoadOutput { code: code.into(), module_type: Some(ModuleType::Js), ..Default::default() }))
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
            return Ok(None);
        }
        // The import goes on the first line (after a `#!` line), so no other line moves.
        let code: &str = args.code;
        let at = if code.starts_with("#!") { code.find('\n').map_or(code.len(), |i| i + 1) } else { 0 };
        let import = format!("import {{ {WRAPPER} }} from \"{HELPER}\";");
        let mut s = string_wizard::MagicString::new(code);
        // The import last: prepending puts it before a wrapper that starts at the same byte.
        let edited = spans.iter().all(|&(start, end)| {
            s.prepend_right(start, format!("{WRAPPER}(")).is_ok() && s.append_left(end, ")").is_ok()
        }) && s.prepend_right(u32::try_from(at).unwrap_or(0), import).is_ok();
        if !edited {
            return Ok(None);
        }
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
