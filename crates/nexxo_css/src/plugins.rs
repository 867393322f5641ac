//! The CSS tools a project installs that run in JavaScript: PostCSS with its `postcss.config.*`,
//! Tailwind CSS, and the Less and Stylus compilers. A host that can run them (the native CLI, with
//! Node.js) hands the engine a [`CssPlugins`]; the engine calls it on each style sheet: Less or
//! Stylus first (as Sass, which the engine compiles itself), then PostCSS, before lightningcss,
//! as Vite runs them. Hosts without it (the WASM engine) refuse Less and Stylus and warn that
//! PostCSS plugins are not run.

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

/// Style sheet languages compiled by the project's own JavaScript compiler (Vite asks the
/// project to install it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preprocessor {
    Less,
    Stylus,
}

impl Preprocessor {
    /// The language of `path` (a file name or module id, a query allowed), if it is one of these.
    pub fn of(path: &str) -> Option<Self> {
        let path = path.split('?').next().unwrap_or(path);
        if path.ends_with(".less") {
            Some(Self::Less)
        } else if path.ends_with(".styl") || path.ends_with(".stylus") {
            Some(Self::Stylus)
        } else {
            None
        }
    }

    /// The npm package that compiles it.
    pub fn package(self) -> &'static str {
        match self {
            Self::Less => "less",
            Self::Stylus => "stylus",
        }
    }
}

/// Compiles the Less or Stylus sheet `file` (its text `own`) with `plugins`, as every host does:
/// `additional` (`css.preprocessorOptions`' `additionalData`) goes before it on lines of its own,
/// and an error located in the sheet keeps the sheet's own line numbers.
pub fn compile_preprocessed(
    plugins: &dyn CssPlugins,
    lang: Preprocessor,
    file: &Path,
    rel: &str,
    own: &str,
    additional: &str,
    options: &serde_json::Map<String, serde_json::Value>,
) -> Result<Processed, Diagnostic> {
    let (text, lines) = with_additional_data(additional, own);
    plugins.preprocess(lang, file, rel, &text, options).map_err(|d| unshift_error(d, rel, own, lines))
}

/// `source` with `css.preprocessorOptions`' `additionalData` before it, on lines of its own, and
/// what puts an error's line back where the file has it: a located error past the additional
/// lines in this file moves up by their count.
fn with_additional_data(additional: &str, source: &str) -> (String, usize) {
    match additional {
        "" => (source.to_string(), 0),
        a if a.ends_with('\n') => (format!("{a}{source}"), a.matches('\n').count()),
        a => (format!("{a}\n{source}"), a.matches('\n').count() + 1),
    }
}

/// Moves a located error in `rel` up by `lines` (see [`with_additional_data`]), framed in the
/// file's own `source`.
fn unshift_error(d: Diagnostic, rel: &str, source: &str, lines: usize) -> Diagnostic {
    match (d.file.as_deref(), d.line, d.column) {
        (Some(f), Some(line), Some(column)) if lines > 0 && f == rel && line as usize > lines => {
            d.at_utf16(source, line - lines as u32, column)
        }
        _ => d,
    }
}

/// Whether `path` is a sheet that compiles to CSS first: Sass, Less or Stylus.
pub fn is_preprocessed(path: &str) -> bool {
    crate::sass::is_sass(path) || Preprocessor::of(path).is_some()
}

/// Runs the project's CSS tools on one sheet. `file` is the sheet's absolute path (they resolve
/// relative paths and report dependencies from it), `rel` its path from the root, for diagnostics.
pub trait CssPlugins: Send + Sync + Debug {
    /// Whether the project has PostCSS plugins (or Tailwind CSS) for [`CssPlugins::process`].
    fn has_postcss(&self) -> bool;

    /// Runs them on `css` (Sass, Less or Stylus already compiled).
    fn process(&self, file: &Path, rel: &str, css: &str) -> Result<Processed, Diagnostic>;

    /// Compiles the Less or Stylus `source` to CSS with the compiler's `options`
    /// (`css.preprocessorOptions`); its dependencies are the files it imported.
    fn preprocess(
        &self,
        lang: Preprocessor,
        file: &Path,
        rel: &str,
        source: &str,
        options: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Processed, Diagnostic>;

    /// Whether `file` is the plugins' own configuration (a `postcss.config.*`): an edit of it
    /// means loading the plugins again ([`CssPlugins::reload`]), as Vite restarts for it.
    fn is_config(&self, _file: &Path) -> bool {
        false
    }

    /// Loads the configuration and the plugins again on the next [`CssPlugins::process`].
    fn reload(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_extension() {
        assert_eq!(Preprocessor::of("/a/theme.less?inline"), Some(Preprocessor::Less));
        assert_eq!(Preprocessor::of("b.module.styl"), Some(Preprocessor::Stylus));
        assert_eq!(Preprocessor::of("c.stylus"), Some(Preprocessor::Stylus));
        assert_eq!(Preprocessor::of("d.css"), None);
        assert!(is_preprocessed("e.scss") && is_preprocessed("f.less") && !is_preprocessed("g.css"));
    }

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
