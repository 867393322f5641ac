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
    /// Adds each file it reads to rolldown's list of loaded files: a worker's bundle takes its
    /// inputs from it (see `workers`). Only there: for the app it cost 0.8% of a build's
    /// instructions (the performance gate), for a list nobody reads.
    pub list: bool,
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for ReadPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:read")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Load
    }

    async fn load(&self, ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
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
        // rolldown lists the files it read itself, not a plugin's: a worker's bundle reads its
        // inputs from that list (a module whose code all went, inlined, is in no chunk).
        if self.list {
            ctx.add_watch_file(id);
        }
        Ok(Some(HookLoadOutput { code: code.into(), ..Default::default() }))
    }
}
