//! The project's own CSS plugins (PostCSS with its `postcss.config.*`, Tailwind CSS), which run in
//! JavaScript: a host that can run them (the native CLI, with Node.js) hands the engine a
//! [`PostCss`]; the engine calls it on each style sheet's CSS (after Sass, before lightningcss),
//! as Vite runs PostCSS before its own CSS step. Hosts without it (the WASM engine) keep
//! warning that the plugins are not run.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use nexxo_diagnostics::Diagnostic;

/// A style sheet after the project's CSS plugins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Processed {
    pub css: String,
    /// Files the result was made from besides the sheet (Tailwind's content files, its config,
    /// the PostCSS config): an edit of one changes the sheet.
    pub dependencies: Vec<PathBuf>,
    /// Directories whose files matching a glob (relative to the directory, fast-glob syntax) the
    /// result was made from, files created later included: Tailwind's `content` globs.
    pub dir_dependencies: Vec<(PathBuf, String)>,
    /// The plugins' warnings, located in the sheet where they say where.
    pub warnings: Vec<Diagnostic>,
}

impl Processed {
    /// Whether an edit of `file` (or its creation) can change this result.
    pub fn depends_on(&self, file: &Path) -> bool {
        self.dependencies.iter().any(|d| d == file)
            || self.dir_dependencies.iter().any(|(dir, glob)| {
                file.strip_prefix(dir).ok().and_then(|rel| rel.to_str()).is_some_and(|rel| {
                    // Tailwind's own output and packages are never content (Tailwind skips them too).
                    !rel.split(['/', '\\']).any(|c| c == "node_modules" || c.starts_with('.'))
                        && fast_glob::glob_match(glob, rel.replace('\\', "/"))
                })
            })
    }
}

/// Runs the project's CSS plugins on one sheet. `file` is the sheet's absolute path (plugins
/// resolve relative paths and report dependencies from it), `css` its CSS (Sass already
/// compiled), `rel` its path from the root, for diagnostics.
pub trait PostCss: Send + Sync + Debug {
    fn process(&self, file: &Path, rel: &str, css: &str) -> Result<Processed, Diagnostic>;

    /// Whether `file` is the plugins' own configuration (a `postcss.config.*`): an edit of it
    /// means loading the plugins again ([`PostCss::reload`]), as Vite restarts for it.
    fn is_config(&self, _file: &Path) -> bool {
        false
    }

    /// Loads the configuration and the plugins again on the next [`PostCss::process`].
    fn reload(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_match_files_and_globs() {
        let p = Processed {
            dependencies: vec![PathBuf::from("/app/tailwind.config.js")],
            dir_dependencies: vec![(PathBuf::from("/app/src"), "**/*.{js,jsx,ts,tsx}".into())],
            ..Default::default()
        };
        assert!(p.depends_on(Path::new("/app/tailwind.config.js")));
        assert!(p.depends_on(Path::new("/app/src/App.tsx")));
        assert!(p.depends_on(Path::new("/app/src/deep/new/Button.jsx")));
        assert!(!p.depends_on(Path::new("/app/src/App.css")));
        assert!(!p.depends_on(Path::new("/app/other/App.tsx")));
        assert!(!p.depends_on(Path::new("/app/src/node_modules/x/index.js")));
    }
}
