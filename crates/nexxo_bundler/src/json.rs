//! JSON modules: read by Nexxo instead of rolldown so that a file saved with a byte-order mark
//! loads (editors on Windows write one; `JSON.parse` in Node and Vite accept it) and a syntax
//! error names the file, line and column with a code frame. rolldown still turns the text into
//! the module (named exports, tree-shaking).

use std::borrow::Cow;
use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

use nexxo_diagnostics::Diagnostic;
use rolldown_common::ModuleType;
use rolldown_fs::FileSystem;
use rolldown_plugin::{HookLoadArgs, HookLoadOutput, HookLoadReturn, HookUsage, Plugin, SharedLoadPluginContext};

use crate::state::BuildState;

#[derive(Debug)]
pub struct JsonPlugin<Fs: FileSystem + Clone + Debug + 'static> {
    pub fs: Fs,
    pub state: Arc<BuildState>,
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for JsonPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:json")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Load
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        // Queried ids (`?raw`, `?url`) belong to the asset plugin.
        if !args.id.ends_with(".json") || args.id.contains('?') || args.id.starts_with('\0') {
            return Ok(None);
        }
        let state = &self.state;
        let path = Path::new(args.id);
        let rel = state.rel(path);
        let text = self.fs.read_to_string(path).map_err(|e| {
            state.fail(Diagnostic::new("READ_ERROR", format!("cannot read {rel}: {e}")).with_file(rel.clone()))
        })?;
        let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
            // serde_json counts lines by `\n` only and columns in bytes of the line: back to an
            // offset, which diagnostics count in lines as editors do (a lone `\r` ends one too).
            let offset = nexxo_diagnostics::lf_offset(&text, e.line(), e.column());
            return Err(state.fail(
                Diagnostic::new("JSON_PARSE", format!("invalid JSON: {e}"))
                    .with_file(rel)
                    .at_offset(&text, offset)
                    .with_hint("fix the JSON at the marked position (no comments or trailing commas in .json files)"),
            ));
        }
        Ok(Some(HookLoadOutput { code: text.into(), module_type: Some(ModuleType::Json), ..Default::default() }))
    }
}
