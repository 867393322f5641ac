//! Import resolution for the dev server, with each module's results kept in the persistent
//! cache so a warm start does not resolve the app's imports again.
//!
//! A stored result is only as good as the directories that decided it: a file added, removed or
//! renamed next to the resolved file (or where a relative import points) can change it. Each
//! entry therefore carries those directories' modification times, checked before use, and the
//! key carries everything else the resolver reads (package.json, tsconfig.json, lockfiles,
//! aliases). Failed resolutions are never stored.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use nexxo_transform::Module;
use rolldown_common::ImportKind;
use serde::{Deserialize, Serialize};

use rolldown_fs::FileSystem;

use crate::{DevHost, DevSession, cache_key};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Resolved {
    File(PathBuf),
    Dep(String),
    External,
}

/// One module's resolutions as stored: results in import order, and the directories they depend on.
#[derive(Serialize, Deserialize)]
struct Stored {
    dirs: Vec<(PathBuf, u128)>,
    results: Vec<Resolved>,
}

/// State for [`resolve_imports`], owned by the dev server.
#[derive(Default)]
pub struct ResolveCache {
    /// Hash of the files and config the resolver reads besides the directories (see module docs).
    fingerprint: Mutex<Vec<u8>>,
    /// Directory modification times seen in this process: the same few directories back thousands
    /// of entries.
    stamps: Mutex<HashMap<PathBuf, Option<u128>>>,
}

impl ResolveCache {
    pub fn new(fs: &impl FileSystem, config: &nexxo_config::ResolvedConfig) -> Self {
        let cache = Self::default();
        cache.refresh(fs, config);
        cache
    }

    /// After a file was created or deleted, or package.json/tsconfig.json changed.
    pub fn refresh(&self, fs: &impl FileSystem, config: &nexxo_config::ResolvedConfig) {
        let mut inputs = Vec::new();
        for f in [
            "package.json",
            "tsconfig.json",
            "jsconfig.json",
            "package-lock.json",
            "pnpm-lock.yaml",
            "yarn.lock",
            "bun.lock",
        ] {
            inputs.extend(fs.read(&config.root.join(f)).unwrap_or_default());
            inputs.push(0);
        }
        inputs.extend(format!("{:?}", config.alias).into_bytes());
        *self.fingerprint.lock().expect("resolve fingerprint") = cache_key("resolve-inputs", &[&inputs]);
        self.stamps.lock().expect("dir stamps").clear();
    }

    fn stamp(&self, host: &impl DevHost, dir: &Path) -> Option<u128> {
        if let Some(s) = self.stamps.lock().expect("dir stamps").get(dir) {
            return *s;
        }
        let s = host.dir_stamp(dir);
        self.stamps.lock().expect("dir stamps").insert(dir.to_path_buf(), s);
        s
    }
}

/// Extensions of package files that are pre-bundled rather than served one by one.
const PACKAGE_CODE_EXTS: &[&str] = &["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "json"];

pub fn resolve<H: DevHost>(state: &DevSession<H>, importer: &Path, spec: &str) -> Result<Resolved, String> {
    if spec.starts_with("/@") || spec.contains("://") || spec.starts_with("data:") {
        return Ok(Resolved::External);
    }
    let (bare, _) = spec.split_once('?').unwrap_or((spec, ""));
    if state.externals.iter().any(|e| e == bare) {
        return Ok(Resolved::External);
    }
    // oxc's helpers (the legacy-decorator transform imports them) come with rolldown, as in the
    // build: the pre-bundle supplies them whether or not the app installed `@oxc-project/runtime`.
    if bare.starts_with("@oxc-project/runtime/helpers/") {
        return Ok(Resolved::Dep(bare.to_string()));
    }
    let root = &state.config.root;
    // `/src/x.ts` names a file under the root, `/icon.png` one of public/ (served at that path),
    // as in the build; an absolute path already inside the root is a file path.
    if let Some(rel) = bare.strip_prefix('/')
        && !rel.starts_with('/')
        && !Path::new(bare).starts_with(root)
    {
        let under_root = root.join(rel);
        if let Ok(r) = state.resolver.resolve(Some(importer), &under_root.to_string_lossy(), ImportKind::Import, false)
        {
            return Ok(Resolved::File(PathBuf::from(r.path.as_str())));
        }
        if let Some(public) = state.config.public_dir.as_ref().map(|d| d.join(rel)).filter(|f| state.is_file(f)) {
            return Ok(Resolved::File(public));
        }
    }
    let r = state.resolver.resolve(Some(importer), bare, ImportKind::Import, false).map_err(|e| e.to_string())?;
    let path = PathBuf::from(r.path.as_str());
    let is_package = !(bare.starts_with('.') || bare.starts_with('/'));
    // Only code goes to the pre-bundle (rolldown bundles no CSS); a package's style sheets and
    // assets are served as files, like the app's own.
    let is_code = path.extension().and_then(|e| e.to_str()).is_none_or(|e| PACKAGE_CODE_EXTS.contains(&e));
    if is_package && is_code && path.components().any(|c| c.as_os_str() == "node_modules") {
        return Ok(Resolved::Dep(bare.to_string()));
    }
    Ok(Resolved::File(path))
}

/// The resolutions of `m`'s imports, in order: from the persistent cache while the directories
/// behind them are unchanged, else from the resolver (and then stored).
pub fn resolve_imports<H: DevHost>(state: &DevSession<H>, file: &Path, m: &Module) -> Vec<Result<Resolved, String>> {
    let specs: Vec<&str> = m.imports.iter().map(|i| i.specifier.as_str()).collect();
    let cache = &state.resolutions;
    let fingerprint = cache.fingerprint.lock().expect("resolve fingerprint").clone();
    let key = cache_key("resolve", &[&fingerprint, file.as_os_str().as_encoded_bytes(), specs.join("\n").as_bytes()]);
    if let Some(stored) = state.host.cache_get(&key).and_then(|b| serde_json::from_slice::<Stored>(&b).ok())
        && stored.results.len() == specs.len()
        && stored.dirs.iter().all(|(d, t)| cache.stamp(&state.host, d) == Some(*t))
    {
        return stored.results.into_iter().map(Ok).collect();
    }
    let results: Vec<Result<Resolved, String>> = specs.iter().map(|s| resolve(state, file, s)).collect();
    let mut dirs = BTreeSet::new();
    for (spec, r) in specs.iter().zip(&results) {
        match r {
            Ok(Resolved::File(p)) => {
                dirs.extend(p.parent().map(Path::to_path_buf));
                // `./lib` may be lib/index.ts today and a new lib.ts next to the importer tomorrow.
                if spec.starts_with('.')
                    && let Some(dir) = file.parent()
                {
                    dirs.extend(nexxo_bundler::normalize_path(&dir.join(spec)).parent().map(Path::to_path_buf));
                }
            }
            Ok(_) => {}
            Err(_) => return results,
        }
    }
    let stamped: Option<Vec<(PathBuf, u128)>> =
        dirs.into_iter().map(|d| cache.stamp(&state.host, &d).map(|t| (d, t))).collect();
    if let Some(dirs) = stamped {
        let stored = Stored { dirs, results: results.iter().filter_map(|r| r.clone().ok()).collect() };
        if let Ok(bytes) = serde_json::to_vec(&stored) {
            state.host.cache_put(&key, &bytes);
        }
    }
    results
}
