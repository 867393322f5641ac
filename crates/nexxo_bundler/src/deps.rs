//! Dependency pre-bundling for the dev server: every bare import the app uses (`react`,
//! `react-dom/client`...) is bundled in one rolldown build, so packages shared between them (React
//! itself) exist once, and hundreds of files of a package become one request.

use std::fmt::Debug;
use std::sync::Arc;

use nexxo_config::ResolvedConfig;
use rolldown::{
    BundleFactory, BundleFactoryOptions, BundlerOptions, InputItem, OutputFormat, Platform, RawMinifyOptions,
};
use rolldown_common::Output;
use rolldown_fs::FileSystem;
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

pub async fn prebundle<Fs>(
    fs: Fs,
    config: &ResolvedConfig,
    specifiers: &[String],
) -> Result<Vec<DepChunk>, BuildFailure>
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    if specifiers.is_empty() {
        return Ok(Vec::new());
    }
    let input = specifiers
        .iter()
        .map(|s| InputItem { name: Some(dep_file_name(s).trim_end_matches(".js").to_string()), import: s.clone() })
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
        plugins: vec![],
        session: None,
        disable_tracing_setup: true,
    })
    .map_err(|e| BuildFailure::from_rolldown(&config.root, e.into_vec()))?;
    let out = factory
        .create_bundle_with_fs(fs, resolver)
        .generate()
        .await
        .map_err(|e| BuildFailure::from_rolldown(&config.root, e.into_vec()))?;
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
