//! Static assets imported from JS: images, fonts, media become hashed files (or data URLs when
//! small); `?url` forces a file URL, `?inline` a data URL, `?raw` the text itself.

use std::borrow::Cow;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_diagnostics::Diagnostic;
use rolldown_common::{ImportKind, ModuleType};
use rolldown_fs::FileSystem;
use rolldown_plugin::{
    HookLoadArgs, HookLoadOutput, HookLoadReturn, HookResolveIdArgs, HookResolveIdOutput, HookResolveIdReturn,
    HookUsage, Plugin, PluginContext, SharedLoadPluginContext,
};
use rolldown_resolver::Resolver;

use crate::state::BuildState;

pub const ASSET_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "apng", "woff", "woff2", "ttf", "otf", "eot",
    "mp4", "webm", "ogg", "mp3", "wav", "flac", "aac", "opus", "pdf",
];

const QUERIES: &[&str] = &["url", "raw", "inline"];

pub fn is_asset_path(path: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| ASSET_EXTENSIONS.contains(&e.to_string_lossy().to_lowercase().as_str()))
}

/// Splits `path?query` into the path and the Nexxo query it carries, if any.
pub fn split_query(id: &str) -> (&str, Option<&str>) {
    match id.split_once('?') {
        Some((path, q)) if QUERIES.contains(&q) => (path, Some(q)),
        _ => (id, None),
    }
}

/// Resolves `specifier` from `importer` with the engine's resolver, for plugins that need a path.
pub fn resolve_path<Fs: FileSystem + Clone + 'static>(
    resolver: &Resolver<Fs>,
    importer: Option<&str>,
    specifier: &str,
    kind: ImportKind,
) -> Result<PathBuf, String> {
    let importer_path = importer.map(|i| Path::new(i.split('?').next().unwrap_or(i)));
    resolver
        .resolve(importer_path, specifier, kind, false)
        .map(|r| PathBuf::from(r.path.as_str()))
        .map_err(|e| e.to_string())
}

#[derive(Debug)]
pub struct AssetPlugin<Fs: FileSystem + Clone + Debug + 'static> {
    pub fs: Fs,
    pub state: Arc<BuildState>,
    pub resolver: Arc<Resolver<Fs>>,
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for AssetPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:assets")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::ResolveId | HookUsage::Load
    }

    async fn resolve_id(&self, _ctx: &PluginContext, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        let (spec, Some(query)) = split_query(args.specifier) else { return Ok(None) };
        let path = resolve_path(&self.resolver, args.importer, spec, args.kind).map_err(|e| {
            let importer = args.importer.map(|i| self.state.rel(Path::new(i))).unwrap_or_default();
            self.state.fail(
                Diagnostic::new(
                    "UNRESOLVED_IMPORT",
                    format!("cannot resolve `{}` imported by {importer}: {e}", args.specifier),
                )
                .with_file(importer.clone())
                .with_hint("check the path; relative paths start with ./ or ../"),
            )
        })?;
        Ok(Some(HookResolveIdOutput::from_id(format!("{}?{query}", path.display()))))
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let (path, query) = split_query(args.id);
        if query.is_none() && !is_asset_path(path) {
            return Ok(None);
        }
        let p = Path::new(path);
        let read_err = |e: std::io::Error| {
            self.state.fail(Diagnostic::new("READ_ERROR", format!("cannot read {}: {e}", self.state.rel(p))))
        };
        let code = if query == Some("raw") {
            let text = self.fs.read_to_string(p).map_err(read_err)?;
            format!("export default {};", serde_json::Value::String(text))
        } else {
            let bytes = self.fs.read(p).map_err(read_err)?;
            let url = match query {
                Some("url") => self.state.asset_url(p, bytes, false),
                Some("inline") => self.state.asset_url(p, bytes, true),
                _ => self.state.asset_url(p, bytes, true),
            };
            format!("export default {};", serde_json::Value::String(url))
        };
        Ok(Some(HookLoadOutput { code: code.into(), module_type: Some(ModuleType::Js), ..Default::default() }))
    }
}
