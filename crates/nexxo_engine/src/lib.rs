//! The engine's one front door for every runtime (native, wasmtime, browser worker, edge):
//! requests and responses as plain serializable data, so the same JSON in gives the same JSON out
//! wherever the engine runs. Hosts own I/O: they hand files in (or a file system) and write what
//! comes back.

mod protocol;
mod session;

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use nexxo_config::ResolvedConfig;
use nexxo_memfs::MemoryFs;
use rolldown_fs::FileSystem;

pub use nexxo_bundler::{KeptChunks, OnStage, Stage};
pub use nexxo_dev;
pub use nexxo_dev::{Change, DevOptions};
pub use nexxo_memfs;
pub use protocol::{
    BuildRequest, BuildResponse, Contents, InputFile, Job, Message, OutContents, OutFile, TransformRequest,
    TransformResponse, no_contents,
};
pub use session::{
    ChangedResponse, MemoryHost, OpenRequest, ServeResponse, Session, SessionFs, SessionHost, SessionModule,
    SessionResponse, SessionStart, SessionUpdate,
};

/// Where in-memory projects live when the caller does not say: absolute, so no path ever reaches
/// `current_dir` (which `wasm32-unknown-unknown` lacks).
pub const DEFAULT_ROOT: &str = "/project";

/// Builds a request's project: from `host` (the host's own files) when the request carries no
/// files, else from the request's files in memory, which `wrap` turns into the host's file-system
/// type (the WASM engine has one type for both, so the bundler is compiled once; a host without
/// one passes `None` and the identity). `on_stage` hears the build's stages as they begin;
/// `minified`, the host's minified parts of its last build (see [`BuildRequest::incremental`]).
pub fn build<Fs>(
    mut request: BuildRequest,
    host: Option<Fs>,
    wrap: impl FnOnce(MemoryFs) -> Fs,
    on_stage: Option<OnStage>,
    minified: Option<KeptChunks>,
) -> BuildResponse
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    match host.filter(|_| request.files.is_empty()) {
        Some(fs) => build_on(fs, &request, on_stage, minified),
        // The files are in the file system now: the request's copy goes before the build starts.
        None => match memory_fs(&request.root, std::mem::take(&mut request.files)) {
            Ok(fs) => build_on(wrap(fs), &request, on_stage, minified),
            Err(message) => BuildResponse::failed(vec![Message::plain(message)]),
        },
    }
}

/// Builds a request's project from `fs`, whatever `request.files` holds (a host that made its own
/// file system of them, such as the WASM engine's one type for memory and host files).
pub fn build_on<Fs>(
    fs: Fs,
    request: &BuildRequest,
    on_stage: Option<OnStage>,
    minified: Option<KeptChunks>,
) -> BuildResponse
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    match request_config(request, &fs) {
        Ok((config, warning)) => {
            let mut response = build_with(fs, &config, on_stage, minified);
            response.warnings.splice(0..0, warning.map(Message::plain));
            response
        }
        Err(m) => BuildResponse::failed(vec![m]),
    }
}

/// Builds `config`'s project from `fs` on a current-thread runtime (WASM has no threads).
pub fn build_with<Fs>(
    fs: Fs,
    config: &ResolvedConfig,
    on_stage: Option<OnStage>,
    minified: Option<KeptChunks>,
) -> BuildResponse
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => return BuildResponse::failed(vec![Message::plain(format!("cannot start the async runtime: {e}"))]),
    };
    match runtime.block_on(nexxo_bundler::build(fs, config, None, on_stage, nexxo_bundler::Leftovers::Free, minified)) {
        Ok(output) => BuildResponse::from_output(&config.root, output),
        Err(failure) => BuildResponse::failed(failure.errors.iter().map(Message::from_build_problem).collect()),
    }
}

/// The files of a request as a file system rooted at `root` (their contents move in, uncopied).
pub fn memory_fs(root: &Path, files: Vec<InputFile>) -> Result<MemoryFs, String> {
    let fs = MemoryFs::new();
    for f in files {
        let path = memory_fs_path(root, &f.path)?;
        let bytes = f.contents.into_bytes().map_err(|e| format!("file `{}`: {e}", f.path))?;
        fs.insert(&path, bytes);
    }
    Ok(fs)
}

/// Where a request's relative file path lives; refuses paths that would leave the root.
pub fn memory_fs_path(root: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if p.is_absolute() || p.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        return Err(format!("file path `{rel}` must be relative to the project and stay inside it"));
    }
    Ok(root.join(p))
}

/// The config of a request: the host's, or resolved here from the project's own
/// `nexxo.config.json` (or `vite.config.*`, as the native CLI reads it) and `.env` files; with
/// the warning about a Vite config's untranslated parts, if any.
fn request_config<Fs: FileSystem>(
    request: &BuildRequest,
    fs: &Fs,
) -> Result<(ResolvedConfig, Option<String>), Message> {
    if let Some(config) = &request.resolved {
        return Ok((config.clone(), None));
    }
    load_config(&request.root, request.overrides.clone(), &request.env, fs)
}

/// The project's config from `fs`, as the native CLI loads it from disk; with the warning about a
/// Vite config's untranslated parts, if any.
pub(crate) fn load_config<Fs: FileSystem>(
    root: &Path,
    overrides: nexxo_config::CliOverrides,
    env: &std::collections::BTreeMap<String, String>,
    fs: &Fs,
) -> Result<(ResolvedConfig, Option<String>), Message> {
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let loaded = nexxo_migrate::load_config(root, None, overrides, &env, |p| fs.read_to_string(p), None)
        .map_err(|e| Message::plain(e.to_string()))?;
    Ok((loaded.config, loaded.vite.and_then(|(_, report)| report.warning)))
}

/// Runs a job and returns its response as JSON (the wire form every runtime shares); `host` and
/// `wrap` as for [`build`].
pub fn run_job<Fs>(job: Job, host: Option<Fs>, wrap: impl FnOnce(MemoryFs) -> Fs) -> serde_json::Value
where
    Fs: FileSystem + Clone + Debug + 'static,
{
    let value = match job {
        // A job is a pure function of its request: nothing is kept between jobs.
        Job::Build(request) => serde_json::to_value(build(*request, host, wrap, None, None)),
        Job::Transform(request) => serde_json::to_value(transform(&request)),
    };
    value.unwrap_or_else(
        |e| serde_json::json!({ "ok": false, "errors": [{ "message": format!("cannot encode the response: {e}") }] }),
    )
}

/// Transforms one module for unbundled serving (TS/JSX to JS, React Refresh when asked).
pub fn transform(request: &TransformRequest) -> TransformResponse {
    let opts = nexxo_transform::Options { react_refresh: request.react_refresh, ..Default::default() };
    match nexxo_transform::transform(&request.path, &request.source, &opts) {
        Ok(m) => TransformResponse {
            ok: true,
            code: m.code,
            imports: m.imports.iter().map(|i| i.specifier.clone()).collect(),
            exports: m.exports,
            errors: Vec::new(),
        },
        Err(d) => TransformResponse {
            ok: false,
            code: String::new(),
            imports: Vec::new(),
            exports: Vec::new(),
            errors: vec![Message::from_diagnostic(&d)],
        },
    }
}

pub(crate) fn rel_path(root: &Path, path: &Path) -> String {
    let p: PathBuf = path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf());
    p.to_string_lossy().replace('\\', "/")
}
