//! Static assets imported from JS: images, fonts, media become hashed files (or data URLs when
//! small); `?url` and `?no-inline` force a file URL, `?inline` a data URL, `?raw` the text itself,
//! `?init` on `.wasm` an instantiating function. Also: root-absolute imports (`/src/x.ts`), files
//! of public/ imported by their URL path (`/icon.png`), and other queries (`./a.js?v=1`).

use std::borrow::Cow;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_config::ResolvedConfig;
use nexxo_diagnostics::Diagnostic;
use rolldown_common::{ImportKind, ModuleType};
use rolldown_fs::FileSystem;
use rolldown_plugin::{
    HookLoadArgs, HookLoadOutput, HookLoadReturn, HookResolveIdArgs, HookResolveIdOutput, HookResolveIdReturn,
    HookUsage, Plugin, PluginContext, SharedLoadPluginContext,
};
use rolldown_resolver::Resolver;

use crate::query::{self, Query};
use crate::state::BuildState;

pub const ASSET_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "apng", "woff", "woff2", "ttf", "otf", "eot",
    "mp4", "webm", "ogg", "mp3", "wav", "flac", "aac", "opus", "pdf",
];

pub fn is_asset_path(path: &str) -> bool {
    Path::new(path).extension().is_some_and(|e| ASSET_EXTENSIONS.contains(&e.to_string_lossy().to_lowercase().as_str()))
}

/// [`is_asset_path`], or a file `assetsInclude` names (`path` absolute, or relative to the root):
/// the one rule of what an import or a page's `src` gives the URL of.
pub fn is_asset(config: &ResolvedConfig, path: &str) -> bool {
    is_asset_path(path)
        || (!config.assets_include.is_empty() && {
            let p = Path::new(path);
            let rel = p.strip_prefix(&config.root).unwrap_or(p).to_string_lossy().replace('\\', "/");
            config.assets_include.iter().any(|g| nexxo_transform::glob::path_matches(g, &rel))
        })
}

/// Module id of a file under `public/` imported by its root-absolute path (`/icon.png`): it is
/// served at that path as is, so the import gives its URL.
const PUBLIC_PREFIX: &str = "\0nexxo-public:";

/// The module type of a script or JSON file by its extension, for ids whose query hides it.
fn module_type_of(path: &str) -> Option<ModuleType> {
    match Path::new(path).extension()?.to_str()? {
        "js" | "mjs" | "cjs" => Some(ModuleType::Js),
        "jsx" => Some(ModuleType::Jsx),
        "ts" | "mts" | "cts" => Some(ModuleType::Ts),
        "tsx" => Some(ModuleType::Tsx),
        "json" => Some(ModuleType::Json),
        _ => None,
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

impl<Fs: FileSystem + Clone + Debug + 'static> AssetPlugin<Fs> {
    /// For a bare import of a package `resolve.dedupe` names, an importer at the root to
    /// resolve it from; `None` for anything else, or when the importer is the root's copy of
    /// that package itself (its own relative and self imports stay as they are).
    fn dedupe_importer(&self, spec: &str, importer: Option<&str>) -> Option<String> {
        let config = &self.state.config;
        if config.dedupe.is_empty() || spec.starts_with(['.', '/', '\\']) || spec.contains(':') {
            return None;
        }
        let mut parts = spec.split('/');
        let first = parts.next()?;
        let name = if first.starts_with('@') { format!("{first}/{}", parts.next()?) } else { first.to_string() };
        if !config.dedupe.contains(&name) {
            return None;
        }
        let root_file = config.root.join("__nexxo_dedupe__.js");
        let own = config.root.join("node_modules").join(&name);
        if importer.is_some_and(|i| Path::new(i).starts_with(&own)) {
            return None;
        }
        Some(root_file.to_string_lossy().into_owned())
    }
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for AssetPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:assets")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::ResolveId | HookUsage::Load
    }

    async fn resolve_id(&self, _ctx: &PluginContext, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        let (spec, query) = query::split(args.specifier);
        // URLs (`https://esm.sh/x?bundle`, `data:`) name no file: rolldown's handling stands.
        if spec.contains("://") || spec.starts_with("data:") || spec.starts_with('\0') {
            return Ok(None);
        }
        let suffix = if query.is_empty() { String::new() } else { format!("?{query}") };
        let root = &self.state.config.root;
        // `/src/x.ts` names a file under the root (as in a page's `src`), `/icon.png` a file of
        // public/; an absolute path already inside the root is a file path.
        if let Some(rel) = spec.strip_prefix('/')
            && !rel.starts_with('/')
            && !Path::new(spec).starts_with(root)
        {
            let under_root = root.join(rel);
            if let Ok(p) = resolve_path(&self.resolver, args.importer, &under_root.to_string_lossy(), args.kind) {
                return Ok(Some(HookResolveIdOutput::from_id(format!("{}{suffix}", p.display()))));
            }
            if self
                .state
                .config
                .public_dir
                .as_ref()
                .is_some_and(|d| self.fs.metadata(&d.join(rel)).is_ok_and(|m| m.is_file()))
            {
                return Ok(Some(HookResolveIdOutput::from_id(format!("{PUBLIC_PREFIX}{spec}{suffix}"))));
            }
        }
        // `resolve.dedupe`: the package as the root resolves it, whoever imports it.
        if let Some(from_root) = self.dedupe_importer(spec, args.importer)
            && let Ok(p) = resolve_path(&self.resolver, Some(&from_root), spec, args.kind)
        {
            return Ok(Some(HookResolveIdOutput::from_id(format!("{}{suffix}", p.display()))));
        }
        if query.is_empty() {
            return Ok(None);
        }
        // A query rolldown would keep in the file path it reads: resolve the path, keep the
        // query in the id (`a.js` and `a.js?v=1` are two module instances, as in Vite). A path
        // that does not resolve is left to rolldown's resolver (the same options), whose error
        // points at the import in its file, with a code frame: this hook is not told where the
        // import is.
        let Ok(path) = resolve_path(&self.resolver, args.importer, spec, args.kind) else { return Ok(None) };
        Ok(Some(HookResolveIdOutput::from_id(format!("{}{suffix}", path.display()))))
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        let (path, q) = query::split(args.id);
        let query = Query::parse(q);
        let js = |code: String| -> HookLoadReturn {
            Ok(Some(HookLoadOutput { code: code.into(), module_type: Some(ModuleType::Js), ..Default::default() }))
        };
        if let Some(public) = path.strip_prefix(PUBLIC_PREFIX) {
            let code = self.load_public(args.id, public, query)?;
            return js(code);
        }
        if query.starts_worker() {
            return Ok(None); // the worker plugin's
        }
        let p = Path::new(path);
        let read_err = |e: std::io::Error| {
            self.state.fail(Diagnostic::new("READ_ERROR", format!("cannot read {}: {e}", self.state.rel(p))))
        };
        if query.raw {
            let text = self.fs.read_to_string(p).map_err(read_err)?;
            return js(query::default_string(&text));
        }
        // Style sheets compile first (the CSS plugin), even `?inline` ones: their text is the CSS.
        if (path.ends_with(".css") || nexxo_css::plugins::is_preprocessed(path)) && !query.url {
            return Ok(None);
        }
        if query.init && path.ends_with(".wasm") {
            let bytes = self.fs.read(p).map_err(read_err)?;
            let url = self.state.module_asset_url(args.id, p, bytes, !query.forces_file(), query.forces_inline());
            return js(query::wasm_init_module(&url));
        }
        if !(query.url || query.inline || query.no_inline)
            && let Some(d) = query::framework_file_unsupported(p, || self.state.rel(p))
        {
            return Err(self.state.fail(d));
        }
        if path.ends_with(".wasm") && !(query.url || query.inline || query.no_inline) {
            return Err(self.state.fail(query::wasm_esm_unsupported(&self.state.rel(p))));
        }
        if query.url || query.inline || query.no_inline || is_asset(&self.state.config, path) {
            let bytes = self.fs.read(p).map_err(read_err)?;
            let url = self.state.module_asset_url(args.id, p, bytes, !query.forces_file(), query.forces_inline());
            return js(query::default_string(&url));
        }
        // Any other query (`?v=1`) only names another instance of the module: load the file as the
        // type its extension says (rolldown would look for a file named with the query).
        if !q.is_empty()
            && let Some(module_type) = module_type_of(path)
        {
            let code = self.fs.read_to_string(p).map_err(read_err)?;
            return Ok(Some(HookLoadOutput {
                code: code.into(),
                module_type: Some(module_type),
                ..Default::default()
            }));
        }
        Ok(None)
    }
}

impl<Fs: FileSystem + Clone + Debug + 'static> AssetPlugin<Fs> {
    /// `import icon from "/icon.png"` with public/icon.png: the URL it is served at (with
    /// `base`), or its text with `?raw` (see [`query::public_import`]).
    /// `owner`: the id of the module this loads (its read of a public file is recorded: the
    /// cache and `--watch` see it).
    fn load_public(&self, owner: &str, url_path: &str, query: Query) -> anyhow::Result<String> {
        // `url_path` is a `/`-rooted path (see `resolve_id`).
        let rel = url_path.strip_prefix('/').unwrap_or(url_path);
        let file = self.state.config.public_dir.as_ref().map(|d| d.join(rel)).unwrap_or_default();
        match query::public_import(url_path, &self.state.rel(&file), query).map_err(|d| self.state.fail(d))? {
            query::PublicImport::Raw => {
                let text = self.fs.read_to_string(&file).map_err(|e| {
                    self.state
                        .fail(Diagnostic::new("READ_ERROR", format!("cannot read {}: {e}", self.state.rel(&file))))
                })?;
                self.state.read_by(owner, [file]);
                Ok(query::default_string(&text))
            }
            query::PublicImport::Url => Ok(query::default_string(&self.state.public_url(rel))),
        }
    }
}
