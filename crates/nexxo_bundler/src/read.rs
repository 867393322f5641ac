//! Reads script modules on the module's own task. rolldown, left to read a file itself, hands
//! every read to tokio's blocking pool (`spawn_blocking`) and waits for it: two thread hand-offs
//! per module, for a read the page cache answers in microseconds. At 18k modules those hand-offs
//! were a large part of the build's kernel time (futex wake-ups and context switches on 2
//! cores). A `load` hook that returns the text skips them; rolldown then types the module by its
//! extension as it would have. Last among the plugins, so every other `load` (assets, workers,
//! JSON, CSS, queried ids) is asked first.

use std::borrow::Cow;
use std::fmt::Debug;
use std::path::Path;

use rolldown_fs::FileSystem;
use rolldown_plugin::{HookLoadArgs, HookLoadOutput, HookLoadReturn, HookUsage, Plugin, SharedLoadPluginContext};

use crate::SCRIPT_EXTS;

#[derive(Debug)]
pub struct ReadPlugin<Fs: FileSystem + Clone + Debug + 'static> {
    pub fs: Fs,
}

/// First among the plugins where a build needs to know every file it loaded, whichever plugin
/// loads it (rolldown lists only the files it read itself): a worker's bundle takes its inputs
/// from the list (a module whose code all went, inlined, is in no chunk), and a `--watch`
/// session the files a failed build loaded (see `Incremental::loaded_files`). Not in a one-shot
/// build of the app, where it cost 0.8% of the instructions (the performance gate) for a list
/// nobody reads.
#[derive(Debug)]
pub struct ListLoads;

impl Plugin for ListLoads {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:list-loads")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Load
    }

    async fn load(&self, ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let file = crate::query::split(args.id).0;
        if Path::new(file).is_absolute() {
            ctx.add_watch_file(file);
        }
        Ok(None)
    }
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for ReadPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:read")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Load
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let id = args.id;
        // A forced module type (`with { type: "json" }`) and virtual or queried ids stay rolldown's.
        if args.asserted_module_type.is_some() || id.starts_with('\0') || id.contains('?') {
            return Ok(None);
        }
        let path = Path::new(id);
        if !path.extension().and_then(|e| e.to_str()).is_some_and(|e| SCRIPT_EXTS.contains(&e)) {
            return Ok(None);
        }
        // A file that cannot be read is left to rolldown's own read, whose error names the
        // importer and the reason (a plugin's error would show as "plugin threw an error").
        let Ok(code) = self.fs.read_to_string(path) else { return Ok(None) };
        Ok(Some(HookLoadOutput { code: code.into(), ..Default::default() }))
    }
}
