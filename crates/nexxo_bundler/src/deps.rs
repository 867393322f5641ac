//! Dependency pre-bundling for the dev server: every bare import the app uses (`react`,
//! `react-dom/client`...) is bundled in one rolldown build, so packages shared between them (React
//! itself) exist once, and hundreds of files of a package become one request.

use std::borrow::Cow;
use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

use nexxo_config::ResolvedConfig;
use rolldown::{
    BundleFactory, BundleFactoryOptions, BundlerOptions, InputItem, OutputFormat, Platform, RawMinifyOptions,
};
use rolldown_common::Output;
use rolldown_fs::FileSystem;
use rolldown_plugin::{HookResolveIdArgs, HookResolveIdOutput, HookResolveIdReturn, HookUsage, Plugin, PluginContext};
use rolldown_resolver::Resolver;

use crate::output::BuildFailure;

#[derive(Debug, Clone)]
pub struct DepChunk {
    /// File name under the deps URL prefix, e.g. `react-dom_client.js`.
    pub file: String,
    pub code: String,
    /// The bare specifier this chunk is the entry of, if it is one.
    pub specifier: Option<String>,
    /// Export names of an entry chunk; `["default"]` alone means CommonJS needing interop.
    pub exports: Vec<String>,
}

/// The file name a specifier's entry chunk gets.
pub fn dep_file_name(specifier: &str) -> String {
    let flat: String =
        specifier.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    format!("{flat}.js")
}

/// The URL under which the dev server serves a package's style sheet or asset as a module, or
/// `None` when it may not (then the import is an error).
pub type AssetUrl = Arc<dyn Fn(&Path) -> Option<String> + Send + Sync>;

/// A package that imports its own style sheet (`import "./styles.css"`) or an asset: rolldown
/// bundles no CSS, so those imports stay outside the pre-bundle, pointed at the dev server's URL
/// of the file, which serves it like the app's own CSS (a module that injects the style).
struct DepAssetsPlugin<Fs: FileSystem + Clone + Debug + 'static> {
    resolver: Arc<Resolver<Fs>>,
    url_of: AssetUrl,
}

impl<Fs: FileSystem + Clone + Debug + 'static> Debug for DepAssetsPlugin<Fs> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DepAssetsPlugin")
    }
}

impl<Fs: FileSystem + Clone + Debug + 'static> Plugin for DepAssetsPlugin<Fs> {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("nexxo:dep-assets")
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::ResolveId
    }

    async fn resolve_id(&self, _ctx: &PluginContext, args: &HookResolveIdArgs<'_>) -> HookResolveIdReturn {
        let (spec, _) = crate::query::split(args.specifier);
        let is_style = spec.ends_with(".css");
        if !(is_style || crate::assets::is_asset_path(spec)) || args.importer.is_none() {
            return Ok(None);
        }
        let path = crate::assets::resolve_path(&self.resolver, args.importer, spec, args.kind)
            .map_err(|e| anyhow::anyhow!("cannot resolve `{spec}` imported by a dependency: {e}"))?;
        let url =
            (self.url_of)(&path).ok_or_else(|| anyhow::anyhow!("{} cannot be served to the page", path.display()))?;
        // Style sheets as modules that apply them; assets as modules whose default is their URL.
        Ok(Some(HookResolveIdOutput {
            id: format!("{url}?import").into(),
            external: Some(true.into()),
            ..Default::default()
        }))
    }
}

pub async fn prebundle<Fs>(
    fs: Fs,
    config: &ResolvedConfig,
    specifiers: &[String],
    externals: &[String],
    url_of: AssetUrl,
) -> Result<Vec<DepChunk>, BuildFailure>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    if specifiers.is_empty() {
        return Ok(Vec::new());
    }
    let input = specifiers
        .iter()
        // One `.js` off, not every one: `lit/decorators.js` is `lit_decorators.js.js`, and a name
        // trimmed to `lit_decorators` made a chunk no specifier matched (re-bundled on every request).
        .map(|s| {
            let file = dep_file_name(s);
            InputItem { name: Some(file.strip_suffix(".js").unwrap_or(&file).to_string()), import: s.clone() }
        })
        .collect();
    let mut defines = crate::options::defines(config);
    for (k, v) in &mut defines {
        if k == "process.env.NODE_ENV" {
            *v = "\"development\"".into();
        }
    }
    let options = BundlerOptions {
        input: Some(input),
        cwd: Some(config.root.clone()),
        platform: Some(Platform::Browser),
        format: Some(OutputFormat::Esm),
        entry_filenames: Some("[name].js".to_string().into()),
        chunk_filenames: Some("chunk-[hash].js".to_string().into()),
        minify: Some(RawMinifyOptions::Bool(false)),
        define: Some(defines.into_iter().collect()),
        resolve: Some(crate::options::resolve_options(config)),
        // What the host page provides itself (the playground's React): kept as imports, which
        // the page resolves, rather than refused below as not installed.
        external: (!externals.is_empty()).then(|| externals.to_vec().into()),
        ..Default::default()
    };
    let resolver = Arc::new(Resolver::new(
        fs.clone(),
        config.root.clone(),
        Platform::Browser,
        &rolldown::TsConfig::Auto(true),
        options.resolve.clone().unwrap_or_default(),
    ));
    let mut factory = BundleFactory::new(BundleFactoryOptions {
        bundler_options: options,
        plugins: vec![Plugin::new_shared(DepAssetsPlugin { resolver: Arc::clone(&resolver), url_of })],
        session: None,
        disable_tracing_setup: true,
    })
    .map_err(|e| BuildFailure::from_rolldown(&config.root, e.into_vec()))?;
    let mut out = factory
        .create_bundle_with_fs(fs, resolver)
        .generate()
        .await
        .map_err(|e| BuildFailure::from_rolldown(&config.root, e.into_vec()))?;
    // A package importing something not installed: refused here as the build refuses it, naming
    // the import and the package file, instead of a chunk that fails in the browser later.
    if let Some(failure) = crate::unresolved_imports(&config.root, &mut out) {
        return Err(failure);
    }
    let mut chunks = Vec::new();
    for o in out.assets {
        if let Output::Chunk(c) = o {
            let specifier = c
                .is_entry
                .then(|| specifiers.iter().find(|s| dep_file_name(s) == c.filename.as_str()).cloned())
                .flatten();
            chunks.push(DepChunk {
                file: c.filename.to_string(),
                code: c.code.clone(),
                specifier,
                exports: c.exports.iter().map(|e| e.to_string()).collect(),
            });
        }
    }
    Ok(chunks)
}
