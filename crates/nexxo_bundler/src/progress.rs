//! The stages of a build, told to the host while it runs: an IDE's worker shows them after the
//! file reads it already counts. rolldown's plugin hooks mark where one stage ends and the next
//! begins, so a plugin that does nothing else reports them.

use std::borrow::Cow;
use std::sync::Arc;

use rolldown_plugin::{
    HookBuildEndArgs, HookGenerateBundleArgs, HookNoopReturn, HookRenderStartArgs, HookUsage, Plugin, PluginContext,
};

/// Where a build is. They come in this order, each once per build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Resolving, reading, parsing and transforming the modules.
    Load,
    /// Binding imports to exports and tree-shaking.
    Link,
    /// Rendering, minifying and hashing the chunks.
    Render,
    /// The chunks' CSS, the pages and the manifest.
    Finish,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Load, Stage::Link, Stage::Render, Stage::Finish];

    /// The name hosts show and JavaScript callers receive.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Load => "load",
            Stage::Link => "link",
            Stage::Render => "render",
            Stage::Finish => "finish",
        }
    }
}

/// What a host does when a stage begins.
pub type OnStage = Arc<dyn Fn(Stage) + Send + Sync>;

pub(crate) struct ProgressPlugin {
    pub on_stage: OnStage,
}

impl std::fmt::Debug for ProgressPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressPlugin")
    }
}

impl Plugin for ProgressPlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:progress")
    }

    // `Load` is told by the build itself, before it reads the pages this plugin never sees.
    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::BuildEnd | HookUsage::RenderStart | HookUsage::GenerateBundle
    }

    async fn build_end(&self, _ctx: &PluginContext, args: Option<&HookBuildEndArgs<'_>>) -> HookNoopReturn {
        // A failed scan ends the build here: no link follows.
        if args.is_none() {
            (self.on_stage)(Stage::Link);
        }
        Ok(())
    }

    async fn render_start(&self, _ctx: &PluginContext, _args: &HookRenderStartArgs<'_>) -> HookNoopReturn {
        (self.on_stage)(Stage::Render);
        Ok(())
    }

    async fn generate_bundle(&self, _ctx: &PluginContext, _args: &mut HookGenerateBundleArgs<'_>) -> HookNoopReturn {
        (self.on_stage)(Stage::Finish);
        Ok(())
    }
}
