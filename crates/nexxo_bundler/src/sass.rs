//! Sass over a rolldown `FileSystem`: the adapter every host hands `nexxo_css::sass::compile`
//! (the build's file system, the dev server's disk, the WASM engine's memory), so one compile
//! step serves them all.

use std::fmt::Debug;
use std::io;
use std::path::Path;

use nexxo_css::sass::{SassFs, SassOutput};
use nexxo_diagnostics::Diagnostic;
use rolldown_fs::FileSystem;

struct Over<'a, Fs>(&'a Fs);

impl<Fs> Debug for Over<'_, Fs> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SassFs")
    }
}

impl<Fs: FileSystem> SassFs for Over<'_, Fs> {
    fn is_dir(&self, path: &Path) -> bool {
        self.0.metadata(path).is_ok_and(|m| m.is_dir())
    }
    fn is_file(&self, path: &Path) -> bool {
        self.0.metadata(path).is_ok_and(|m| m.is_file())
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0.read(path)
    }
}

/// Compiles the Sass file `entry` read through `fs` (see [`nexxo_css::sass::compile`]), with
/// `css.preprocessorOptions`' `additionalData` for its language first.
pub fn compile_sass<Fs: FileSystem>(
    fs: &Fs,
    entry: &Path,
    config: &nexxo_config::ResolvedConfig,
) -> Result<SassOutput, Diagnostic> {
    let (additional, _) = config.preprocessor_options(&entry.to_string_lossy());
    // Aliases that name directories of the project (`"@": "./src"`); package aliases are left to
    // node_modules lookups.
    let aliases: Vec<(String, std::path::PathBuf)> = config
        .alias
        .iter()
        .filter(|(k, v)| !k.trim_end_matches('/').is_empty() && (v.starts_with('.') || Path::new(v).is_absolute()))
        .map(|(k, v)| (k.trim_end_matches('/').to_string(), crate::html::normalize(&config.root.join(v))))
        .collect();
    nexxo_css::sass::compile(entry, &config.root, &Over(fs), additional, &aliases)
}
