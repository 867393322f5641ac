//! `import.meta.glob(...)` and dynamic imports with variables in a build: each script module is
//! expanded by [`nexxo_transform::glob`] (the same code `nexxo dev` runs) before rolldown parses
//! it, listing directories through the build's file system.

use std::borrow::Cow;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_config::ResolvedConfig;
use nexxo_transform::glob::{GlobContext, ListDir, expand, may_expand};
use rolldown_common::ModuleType;
use rolldown_fs::FileSystem;
use rolldown_plugin::{
    HookTransformArgs, HookTransformOutput, HookTransformOutputMap, HookTransformReturn, HookUsage, Plugin,
    SharedTransformPluginContext,
};

use crate::state::BuildState;

#[derive(Debug)]
pub struct GlobPlugin<Fs: FileSystem + Clone + Debug + 'static> {
    pub fs: Fs,
    pub state: Arc<BuildState>,
    pub alias: Vec<(String, PathBuf)>,
}

/// `resolve.alias` entries that name directories, as absolute paths: what a glob pattern may
/// start with (`@/views/*.ts`). Aliases to packages are left out; they name no directory to list.
pub fn glob_aliases(config: &ResolvedConfig) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = config
        .alias
        .iter()
        .filter_map(|(from, to)| {
            let target = if to.starts_with("./") || to.starts_with("../") || to == "." {
                config.root.join(to)
            } else if Path::new(to).is_absolute() {
                PathBuf::from(to)
            } else {
                return None;
            };
            Some((from.clone(), target))
        })
        .collect();
    // The longest key first, so `@lib` wins over `@` for `@lib/x/*.ts`.
    out.sort_by_key(|a| std::cmp::Reverse(a.0.len()));
    out
}

/// Directory listings through a rolldown file system (the OS, memory, or the WASM host).
pub struct FsLister<'a, Fs: FileSystem>(pub &'a Fs);

impl<Fs: FileSystem> ListDir for FsLister<'_, Fs> {
    fn list(&self, dir: &Path) -> Vec<(String, bool)> {
        let Ok(entries) = self.0.read_dir(dir) else { return Vec::new() };
        entries
            .into_iter()
            .filter_map(|p| {
                let name = p.file_name()?.to_string_lossy().into_owned();
                let is_dir = self.0.metadata(&p).is_ok_and(|m| m.is_dir());
                Some((name, is_dir))
            })
            .collect()
    }
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for GlobPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:glob")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Transform
    }

    async fn transform(&self, _ctx: SharedTransformPluginContext, args: &HookTransformArgs<'_>) -> HookTransformReturn {
        // Which modules expand a pattern, kept up to date as each is transformed again (a
        // `--watch` rebuild loads only edited modules): see `Incremental::can_skip_new`.
        let forget = || {
            let mut globbing = self.state.globbing.lock().expect("globbing");
            if !globbing.is_empty() {
                globbing.remove(args.id);
            }
        };
        if !matches!(args.module_type, ModuleType::Js | ModuleType::Jsx | ModuleType::Ts | ModuleType::Tsx)
            || args.id.starts_with('\0')
            || !may_expand(args.code)
        {
            forget();
            return Ok(None);
        }
        let path = Path::new(args.id.split('?').next().unwrap_or(args.id));
        let lister = FsLister(&self.fs);
        let ctx = GlobContext { root: &self.state.config.root, alias: &self.alias, fs: &lister };
        let expansion =
            expand(&self.state.rel(path), Path::new(args.id), args.code, &ctx).map_err(|d| self.state.fail(d))?;
        if expansion.is_empty() {
            forget();
            return Ok(None);
        }
        self.state.globbing.lock().expect("globbing").insert(args.id.to_string());
        let code = expansion.apply(args.code);
        let map = HookTransformOutputMap::from_if_enabled(self.state.config.sourcemap, || {
            let mut s = string_wizard::MagicString::new(args.code.as_str());
            for e in &expansion.edits {
                let done = if e.start == e.end {
                    s.prepend_right(e.start, e.text.clone()).map(|_| ())
                } else {
                    s.update(e.start, e.end, e.text.clone()).map(|_| ())
                };
                debug_assert!(done.is_ok(), "glob edits do not overlap");
            }
            s.source_map(string_wizard::SourceMapOptions {
                hires: string_wizard::Hires::Boundary,
                source: args.id.into(),
                ..Default::default()
            })
        });
        Ok(Some(HookTransformOutput { code: Some(code), map, ..Default::default() }))
    }
}
