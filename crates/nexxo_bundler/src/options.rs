//! Maps Nexxo's resolved config onto rolldown's options.

use nexxo_config::{ResolvedConfig, SourcemapKind};
use rolldown::{
    BundlerOptions, BundlerTransformOptions, InputItem, JsxOptions, OutputFormat, Platform, RawMinifyOptions,
    ResolveOptions, SourceMapType, TsConfig,
};
use rolldown_common::Either;

use crate::lib_mode::LibBuild;

pub fn bundler_options(config: &ResolvedConfig, input: Vec<InputItem>, lib: Option<&LibBuild>) -> BundlerOptions {
    let (assets, names) = (&config.assets_dir, &config.file_names);
    // A library names its files after `build.lib` (its `fileName`), as Vite does.
    let (entry_filenames, chunk_filenames) = match lib {
        Some(l) => (l.output.entry_file_names.clone(), l.output.chunk_file_names.clone()),
        None => (names.entry_pattern(assets), names.chunk_pattern(assets)),
    };
    BundlerOptions {
        input: Some(input),
        cwd: Some(config.root.clone()),
        platform: Some(Platform::Browser),
        format: Some(lib.map_or(OutputFormat::Esm, |l| l.output.format)),
        name: lib.and_then(|l| l.output.name.clone()),
        globals: lib
            .filter(|_| !config.globals.is_empty())
            .map(|_| rolldown_common::GlobalsOutputOption::FxHashMap(config.globals.clone().into_iter().collect())),
        external: (!config.external.is_empty()).then(|| external(config)),
        entry_filenames: Some(entry_filenames.into()),
        chunk_filenames: Some(chunk_filenames.into()),
        asset_filenames: Some(names.asset_pattern(assets).into()),
        sourcemap: config.sourcemap.then_some(match config.sourcemap_kind {
            SourcemapKind::File => SourceMapType::File,
            SourcemapKind::Inline => SourceMapType::Inline,
            SourcemapKind::Hidden => SourceMapType::Hidden,
        }),
        // Nexxo's own plugin minifies the chunks (`minify.rs`), with rolldown's options.
        minify: Some(RawMinifyOptions::Bool(false)),
        // As rolldown sets it for a minified build of any format (an ES build has it anyway).
        minify_internal_exports: Some(config.minify),
        define: Some(defines(config).into_iter().collect()),
        resolve: Some(resolve_options(config)),
        tsconfig: Some(TsConfig::Auto(true)),
        code_splitting: code_splitting(config).or_else(|| manual_chunks(config)),
        // A minified app keeps its legal comments (licences) only: `/* @__PURE__ */` and the like
        // serve a bundler or minifier reading the code again, which nothing does after this
        // build, and in a React app they were 8.5% of the minified JS (2,239 of them in 446 kB).
        // A library's `es` build keeps them: the app that bundles it reads them (as Vite keeps them).
        comments: config.minify.then_some(rolldown_common::CommentsOptions {
            legal: true,
            annotation: lib.is_some_and(|l| l.state.keep_whitespace),
            jsdoc: false,
        }),
        transform: Some(BundlerTransformOptions {
            // The runtime tsconfig names (an explicit "automatic" here won over a `"jsx": "react"`
            // rolldown reads from tsconfig). The import source and factories are left to rolldown's
            // tsconfig, file by file: set here too, rolldown warns that they override tsconfig's.
            jsx: Some(Either::Right(JsxOptions {
                runtime: Some(if config.ts.jsx_classic { "classic" } else { "automatic" }.into()),
                development: Some(!config.is_production()),
                ..Default::default()
            })),
            target: Some(Either::Left(config.target.clone())),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A library build's output (`build.lib`, see `crate::lib_mode`): its format, its files' names
/// and the global a `umd`/`iife` build defines.
pub struct LibOutput {
    pub format: OutputFormat,
    pub entry_file_names: String,
    pub chunk_file_names: String,
    pub name: Option<String>,
}

/// `build.external`: names matched whole, `^patterns` as regular expressions (checked with the config).
fn external(config: &ResolvedConfig) -> rolldown_common::IsExternal {
    use rolldown_utils::pattern_filter::StringOrRegex;
    rolldown_common::IsExternal::StringOrRegex(
        config
            .external
            .iter()
            .map(|e| match e.starts_with('^').then(|| rolldown_utils::js_regex::HybridRegex::new(e).ok()).flatten() {
                Some(re) => StringOrRegex::Regex(re),
                None => StringOrRegex::String(e.clone()),
            })
            .collect(),
    )
}

/// `build.manualChunks` as rolldown's chunk groups: one group per name (by name order, should two claim a module), whose
/// modules are the listed packages (any file under `node_modules/<name>/`, pnpm's store too) or
/// files (a path starting with `.` or `/`, from the root, with or without its extension), each
/// with what it imports, as Rollup's object form puts them. `None` keeps rolldown's default.
fn manual_chunks(config: &ResolvedConfig) -> Option<rolldown_common::CodeSplittingMode> {
    use rolldown_common::{ManualCodeSplittingOptions, MatchGroup, MatchGroupName, MatchGroupTest};
    if config.manual_chunks.is_empty() {
        return None;
    }
    let count = config.manual_chunks.len() as u32;
    let groups = config
        .manual_chunks
        .iter()
        .enumerate()
        .filter_map(|(i, (name, members))| {
            let pattern = members.iter().map(|m| member_pattern(config, m)).collect::<Vec<_>>().join("|");
            let test = rolldown_utils::js_regex::HybridRegex::new(&format!("(?:{pattern})")).ok()?;
            Some(MatchGroup {
                name: MatchGroupName::Static(name.clone()),
                test: Some(MatchGroupTest::Regex(test)),
                priority: Some(count - i as u32),
                ..Default::default()
            })
        })
        .collect();
    Some(rolldown_common::CodeSplittingMode::Advanced(ManualCodeSplittingOptions {
        groups: Some(groups),
        ..Default::default()
    }))
}

/// `build.codeSplitting` as rolldown takes it (the config checked its names and tests).
fn code_splitting(config: &ResolvedConfig) -> Option<rolldown_common::CodeSplittingMode> {
    use nexxo_config::CodeSplitting;
    use rolldown_common::{ManualCodeSplittingOptions, MatchGroup, MatchGroupName, MatchGroupTest};
    let groups = match config.code_splitting.as_ref()? {
        CodeSplitting::Enabled(on) => return Some(rolldown_common::CodeSplittingMode::Bool(*on)),
        CodeSplitting::Groups(g) => g,
    };
    let size = |n: Option<u64>| n.map(|n| n as f64);
    let list = groups
        .groups
        .iter()
        .map(|g| MatchGroup {
            name: if g.name == nexxo_config::PACKAGE_GROUP_NAME {
                MatchGroupName::Dynamic(std::sync::Arc::new(
                    |ids: Vec<String>, _: &rolldown_common::ChunkingContext| {
                        let names = ids.iter().map(|id| package_of(id)).collect();
                        Box::pin(async move { Ok(names) })
                    },
                ))
            } else {
                MatchGroupName::Static(g.name.clone())
            },
            test: g
                .test
                .as_deref()
                .and_then(|t| rolldown_utils::js_regex::HybridRegex::new(t).ok())
                .map(MatchGroupTest::Regex),
            priority: g.priority,
            min_size: size(g.min_size),
            max_size: size(g.max_size),
            min_share_count: g.min_share_count,
            ..Default::default()
        })
        .collect();
    Some(rolldown_common::CodeSplittingMode::Advanced(ManualCodeSplittingOptions {
        groups: Some(list),
        min_size: size(groups.min_size),
        max_size: size(groups.max_size),
        min_share_count: groups.min_share_count,
        ..Default::default()
    }))
}

/// The npm package a module id belongs to (`react-dom`, `@scope/name`): the directory after its
/// last `node_modules` (pnpm's `.pnpm/x@1/node_modules/x` is `x`), with `/` in a scoped name as
/// `+` so it names one file. `None` for the app's own modules, which the group leaves alone.
fn package_of(id: &str) -> Option<String> {
    let id = id.replace('\\', "/");
    let (_, after) = id.rsplit_once("/node_modules/")?;
    let mut parts = after.split('/');
    let first = parts.next().filter(|p| !p.is_empty())?;
    Some(match first.starts_with('@') {
        true => format!("{first}+{}", parts.next()?),
        false => first.to_string(),
    })
}

/// The regular expression a module id matches when it belongs to `member` of a manual chunk.
fn member_pattern(config: &ResolvedConfig, member: &str) -> String {
    let sep = r"[\\/]";
    if member.starts_with('.') || member.starts_with('/') {
        let file = crate::html::normalize(&config.root.join(member.trim_start_matches('/')));
        // `./src/big` names `src/big.ts` too, as an import would.
        return format!("^{}(?:\\.[^\\\\/.]+)?$", escape_regex(&file.to_string_lossy()));
    }
    let name = member.split('/').map(escape_regex).collect::<Vec<_>>().join(sep);
    format!("{sep}node_modules{sep}{name}{sep}")
}

/// `text` with every character a regular expression gives a meaning escaped.
fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// rolldown's full minification (`minify: true`) with one compress pass instead of repeating until
/// nothing changes. Measured (callgrind, `benches/gate.mjs`): the second pass costs 18% of the
/// minifier's instructions (4.3% of a whole 300-component build) and changed nothing in the
/// generated apps or the create-vite template, and 329 bytes of 1.7 MB (+0.02%, 143 bytes
/// gzipped) in the playground's CodeMirror bundle. Each pass preserves behaviour, so fewer passes
/// only leave a little size on the table.
/// `remove_whitespace: false` prints the minified code with its lines (a library's `es` build).
/// `compress`: `build.minify.compress` (`dropConsole`, `dropDebugger`).
pub(crate) fn minify_options(
    minify: bool,
    remove_whitespace: bool,
    compress: &nexxo_config::CompressOptions,
) -> RawMinifyOptions {
    if !minify {
        return RawMinifyOptions::Bool(false);
    }
    RawMinifyOptions::Object(rolldown_common::RawMinifyOptionsDetailed {
        mangle: Some(Default::default()),
        mangle_properties: None,
        compress: Some(rolldown_common::RawCompressOptions {
            max_iterations: Some(1),
            drop_console: compress.drop_console.then_some(true),
            drop_debugger: compress.drop_debugger,
            ..Default::default()
        }),
        remove_whitespace,
        ascii_only: false,
    })
}

/// `import.meta.env.*`, `process.env.NODE_ENV` and the user's `define`, as expression strings.
pub fn defines(config: &ResolvedConfig) -> Vec<(String, String)> {
    let env = env_object(config, false);
    let mut out: Vec<(String, String)> =
        env.iter().map(|(k, v)| (format!("import.meta.env.{k}"), v.to_string())).collect();
    out.push(("import.meta.env".into(), serde_json::Value::Object(env).to_string()));
    // A production build always runs libraries in production mode, like Vite (mode only picks env files).
    // A library build leaves `process.env.NODE_ENV` to the app that bundles it, as Vite does.
    if config.lib.is_some() {
        out.extend(config.define.iter().map(|(k, v)| (k.clone(), v.clone())));
    } else {
        out.extend(global_defines(config, "production"));
    }
    out
}

/// `process.env.NODE_ENV` as `node_env`, in each spelling libraries use (Vite replaces each, in
/// builds and in dev), then the user's `define`: what the build gives rolldown and what `nexxo
/// dev` gives each module's transform.
pub fn global_defines(config: &ResolvedConfig, node_env: &str) -> Vec<(String, String)> {
    let value = serde_json::Value::String(node_env.to_string()).to_string();
    let mut out: Vec<(String, String)> =
        ["process.env.NODE_ENV", "globalThis.process.env.NODE_ENV", "global.process.env.NODE_ENV"]
            .into_iter()
            .map(|spelling| (spelling.to_string(), value.clone()))
            .collect();
    out.extend(config.define.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

/// `import.meta.env` of a build (`dev: false`) or of `nexxo dev` (`dev: true`, where a relative
/// `base` means the server's root): one object for scripts and for `%NAME%` in pages.
pub fn env_object(config: &ResolvedConfig, dev: bool) -> serde_json::Map<String, serde_json::Value> {
    let mut env = serde_json::Map::new();
    env.insert("MODE".into(), config.mode.clone().into());
    env.insert("DEV".into(), dev.into());
    env.insert("PROD".into(), (!dev).into());
    env.insert("SSR".into(), false.into());
    let base = if dev && !config.base.starts_with('/') { "/" } else { config.base.as_str() };
    env.insert("BASE_URL".into(), base.into());
    for (k, v) in &config.env {
        env.insert(k.clone(), v.clone().into());
    }
    env
}

pub fn resolve_options(config: &ResolvedConfig) -> ResolveOptions {
    let alias = config
        .alias
        .iter()
        .map(|(from, to)| {
            let target = if to.starts_with("./") || to.starts_with("../") || to == "." {
                config.root.join(to).to_string_lossy().into_owned()
            } else {
                to.clone()
            };
            (from.clone(), vec![Some(target)])
        })
        .collect::<Vec<_>>();
    ResolveOptions {
        alias: (!alias.is_empty()).then_some(alias),
        condition_names: config.conditions.clone(),
        extensions: config.extensions.clone(),
        main_fields: config.main_fields.clone(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::package_of;

    #[test]
    fn package_of_names_npm_and_pnpm_packages() {
        assert_eq!(package_of("/app/node_modules/react-dom/cjs/x.js").as_deref(), Some("react-dom"));
        assert_eq!(package_of("/app/node_modules/@tanstack/query/x.js").as_deref(), Some("@tanstack+query"));
        assert_eq!(
            package_of("/app/node_modules/.pnpm/react@19/node_modules/react/index.js").as_deref(),
            Some("react")
        );
        assert_eq!(package_of("/app/src/main.tsx"), None);
    }
}
