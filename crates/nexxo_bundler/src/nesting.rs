//! Refuses a script module whose parenthesized expressions nest deeper than the JavaScript parser
//! handles in reasonable time ([`nexxo_transform::nesting`], the check the dev transforms run),
//! before rolldown or any later plugin parses it.

use std::borrow::Cow;
use std::sync::Arc;

use rolldown_common::ModuleType;
use rolldown_plugin::{HookTransformArgs, HookTransformReturn, HookUsage, Plugin, SharedTransformPluginContext};

use crate::state::BuildState;

#[derive(Debug)]
pub struct NestingPlugin {
    pub state: Arc<BuildState>,
}

impl Plugin for NestingPlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:nesting")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::Transform
    }

    async fn transform(&self, _ctx: SharedTransformPluginContext, args: &HookTransformArgs<'_>) -> HookTransformReturn {
        if matches!(args.module_type, ModuleType::Js | ModuleType::Jsx | ModuleType::Ts | ModuleType::Tsx) {
            let path = std::path::Path::new(args.id.split('?').next().unwrap_or(args.id));
            nexxo_transform::nesting::check(&self.state.rel(path), args.code).map_err(|d| self.state.fail(d))?;
        }
        Ok(None)
    }
}
