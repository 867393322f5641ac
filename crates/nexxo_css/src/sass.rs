//! Sass (`.scss`, `.sass`) to CSS on the pure-Rust `grass` compiler, over whatever file system the
//! host has (the build's rolldown `FileSystem`, the dev server's disk, the WASM engine's memory):
//! hosts implement [`SassFs`], so no host needs direct file access. The CSS that comes out goes
//! through [`crate::compile`] like any style sheet (imports, `url()`s, CSS modules, minify).
//!
//! What the compile read is reported ([`SassOutput::files`]): the dev server watches those partials
//! so an edit of `_vars.scss` updates the sheets that use it.

use std::cell::RefCell;
use std::io;
use std::path::{Component, Path, PathBuf};

use nexxo_diagnostics::Diagnostic;

/// The file access Sass needs (`is_file`, `is_dir`, `read`), implemented by each host.
pub use grass_compiler::Fs as SassFs;

#[derive(Debug, Clone, Default)]
pub struct SassOutput {
    /// Plain CSS (expanded; minification is lightningcss's job afterwards).
    pub css: String,
    /// Every file the compile read, the entry first, then partials in the order they were loaded.
    pub files: Vec<PathBuf>,
    /// `@warn` and deprecation messages, each with its `file:line:col`.
    pub warnings: Vec<String>,
}

/// Whether `path` (a file name or module id, a query allowed) is a Sass file.
pub fn is_sass(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    path.ends_with(".scss") || path.ends_with(".sass")
}

/// Whether `path` names a style sheet language only the project's JavaScript compiler compiles
/// (Less, Stylus: see [`crate::plugins`]), and what to tell the user when one is imported in a
/// host that cannot run it (the WASM engine).
pub fn unsupported_preprocessor(path: &str) -> Option<Diagnostic> {
    let lang = crate::plugins::Preprocessor::of(path)?;
    let (name, ext) = match lang {
        crate::plugins::Preprocessor::Less => ("Less", "less"),
        crate::plugins::Preprocessor::Stylus => ("Stylus", "styl"),
    };
    Some(
        Diagnostic::new(
            "UNSUPPORTED_CSS_LANG",
            format!(
                "{name} is compiled by the project's `{}` package with Node.js, which the WASM engine cannot run; see README",
                lang.package()
            ),
        )
        .with_hint(format!(
            "build with the native engine (without --engine wasm), or rename the .{ext} file to .scss and port its syntax"
        )),
    )
}

/// The warning for a style sheet that needs PostCSS or Tailwind CSS, which Nexxo does not run:
/// `@tailwind` directives, `@import "tailwindcss"` (v4), `@apply`.
pub fn needs_postcss(source: &str) -> Option<String> {
    let tailwind = source.contains("@tailwind")
        || source.contains("@import \"tailwindcss")
        || source.contains("@import 'tailwindcss")
        || source.contains("@apply ");
    tailwind.then(|| {
        "uses Tailwind CSS (`@tailwind`, `@import \"tailwindcss\"` or `@apply`): PostCSS plugins are not run; \
         Tailwind classes will be missing (see README, Known limitations)"
            .to_string()
    })
}

/// Config files of PostCSS and Tailwind CSS: when the root has one, the project expects a step
/// Nexxo does not run.
pub const POSTCSS_CONFIGS: &[&str] = &[
    "postcss.config.js",
    "postcss.config.cjs",
    "postcss.config.mjs",
    "postcss.config.ts",
    ".postcssrc",
    ".postcssrc.json",
    "tailwind.config.js",
    "tailwind.config.cjs",
    "tailwind.config.mjs",
    "tailwind.config.ts",
];

/// The warning for a root that has `config` (one of [`POSTCSS_CONFIGS`]).
pub fn postcss_config_warning(config: &str) -> String {
    format!(
        "{config} found: PostCSS plugins are not run; Tailwind classes will be missing (see README, Known limitations)"
    )
}

/// Records what the compile reads and rebases `url()`s of partials onto the entry's directory.
#[derive(Debug)]
struct Tracking<'a> {
    inner: &'a dyn SassFs,
    entry_dir: PathBuf,
    read: RefCell<Vec<PathBuf>>,
    /// `css.preprocessorOptions.scss.additionalData`, put before the entry's text.
    prefix: &'a str,
    /// `resolve.alias` entries that name directories: (key without a trailing `/`, directory).
    aliases: &'a [(String, PathBuf)],
    root: &'a Path,
}

impl SassFs for Tracking<'_> {
    fn is_dir(&self, path: &Path) -> bool {
        self.inner.is_dir(&normalize(path))
    }
    fn is_file(&self, path: &Path) -> bool {
        self.inner.is_file(&normalize(path))
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let path = normalize(path);
        let bytes = self.inner.read(&path)?;
        let mut read = self.read.borrow_mut();
        let first = read.is_empty();
        if !read.contains(&path) {
            read.push(path.clone());
        }
        drop(read);
        // Sass inlines a partial into the entry, so a relative `url()` in it would end up
        // relative to the entry: point it at the same file from the entry's directory (as Vite's
        // rebasing does). Only literal urls; interpolated ones are left for the author.
        let dir = path.parent().unwrap_or(Path::new(""));
        let bytes = if first && !self.prefix.is_empty() { [self.prefix.as_bytes(), &bytes].concat() } else { bytes };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => return Ok(e.into_bytes()),
        };
        let text = self.resolve_specifiers(&text);
        if first || dir == self.entry_dir {
            return Ok(text.into_bytes());
        }
        Ok(rebase_urls(&text, &relative_dir(&self.entry_dir, dir)).into_bytes())
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(normalize(path))
    }
}

impl Tracking<'_> {
    /// The URLs of `@use`, `@forward` and `@import` that start with an alias (`"@/styles/vars"`) or
    /// at the root (`"/src/styles/vars"`), or name a package alone (`"bootstrap"`), written as the
    /// absolute paths they name, as Vite's Sass importer resolves them; grass would look for them
    /// beside the importing file (or for the package's `_index.scss`). Lines stay where they are.
    #[expect(
        clippy::string_slice,
        reason = "every index comes from `find` of an ASCII keyword, quote or comma, or from a trimmed prefix's length"
    )]
    fn resolve_specifiers(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 64);
        let mut rest = text;
        while let Some((i, len)) =
            ["@use", "@forward", "@import"].iter().filter_map(|k| rest.find(k).map(|i| (i, k.len()))).min()
        {
            out.push_str(&rest[..i + len]);
            rest = &rest[i + len..];
            // One URL, or (`@import`) a list of them.
            loop {
                let trimmed = rest.trim_start();
                let Some(quote) = trimmed.chars().next().filter(|c| *c == '"' || *c == '\'') else { break };
                let Some(end) = trimmed[1..].find(quote) else { break };
                out.push_str(&rest[..rest.len() - trimmed.len()]);
                let spec = &trimmed[1..1 + end];
                out.push(quote);
                out.push_str(&self.resolved(spec).unwrap_or_else(|| spec.to_string()));
                out.push(quote);
                rest = &trimmed[end + 2..];
                let after = rest.trim_start();
                if !after.starts_with(',') {
                    break;
                }
                out.push_str(&rest[..rest.len() - after.len() + 1]);
                rest = &after[1..];
            }
        }
        out.push_str(rest);
        out
    }

    /// A package named alone (`@use "bootstrap"`, `@use "@scope/theme"`): the file its
    /// `package.json` gives Sass (`sass`, else `style`), found in `node_modules` from the entry's
    /// directory up, as Vite's Sass importer finds it.
    fn package_entry(&self, spec: &str) -> Option<PathBuf> {
        let segments = spec.split('/').count();
        let bare = !spec.starts_with(['.', '/', '~']) && !spec.contains(':');
        if !bare || segments != if spec.starts_with('@') { 2 } else { 1 } {
            return None;
        }
        self.entry_dir.ancestors().find_map(|dir| {
            let package = dir.join("node_modules").join(spec);
            let manifest = self.inner.read(&package.join("package.json")).ok()?;
            let manifest: serde_json::Value = serde_json::from_slice(&manifest).ok()?;
            let file = ["sass", "style"].iter().find_map(|f| manifest.get(*f)?.as_str())?;
            Some(package.join(file))
        })
    }

    fn resolved(&self, spec: &str) -> Option<String> {
        let aliased = self.aliases.iter().find_map(|(key, dir)| {
            let rest = spec.strip_prefix(key.as_str())?;
            (rest.is_empty() || rest.starts_with('/')).then(|| dir.join(rest.trim_start_matches('/')))
        });
        let path = match aliased.or_else(|| self.package_entry(spec)) {
            Some(path) => path,
            None => {
                let from_root = spec.strip_prefix('/').filter(|r| !r.starts_with('/'))?;
                // An absolute path that exists stays one.
                if Path::new(spec).parent().is_some_and(|p| self.inner.is_dir(p)) {
                    return None;
                }
                self.root.join(from_root)
            }
        };
        let path = normalize(&path).to_string_lossy().replace('\\', "/");
        (!path.contains(['"', '\''])).then_some(path)
    }
}

#[derive(Debug, Default)]
struct Warnings(RefCell<Vec<String>>);

impl grass_compiler::Logger for Warnings {
    fn debug(&self, _: grass_compiler::codemap::SpanLoc, _: &str) {}
    fn warn(&self, loc: grass_compiler::codemap::SpanLoc, message: &str) {
        self.0.borrow_mut().push(format!(
            "{message} ({}:{}:{})",
            loc.file.name(),
            loc.begin.line + 1,
            loc.begin.column + 1
        ));
    }
}

/// Compiles the Sass file `entry` (an absolute path in `fs`). `root` is the project root: paths in
/// messages are relative to it, and `node_modules` directories from the entry's directory up are
/// load paths, so `@use "pkg/x"` finds `node_modules/pkg/_x.scss` (as CSS `@import` finds
/// packages).
///
/// `additional` (`css.preprocessorOptions.scss.additionalData`) goes before the entry's text, on
/// lines of its own: errors in the entry keep the entry's own line numbers.
///
/// `aliases` are `resolve.alias` entries naming directories (key, absolute directory): `@use
/// "@/styles/vars"` and root-absolute `@use "/src/styles/vars"` find their files, as in Vite.
pub fn compile(
    entry: &Path,
    root: &Path,
    fs: &dyn SassFs,
    additional: &str,
    aliases: &[(String, PathBuf)],
) -> Result<SassOutput, Diagnostic> {
    let entry = normalize(entry);
    let entry_dir = entry.parent().unwrap_or(Path::new("")).to_path_buf();
    let rel = |p: &Path| -> String {
        p.strip_prefix(root).map(|r| r.to_string_lossy().replace('\\', "/")).unwrap_or_else(|_| p.display().to_string())
    };
    let prefix = match additional {
        "" => String::new(),
        a if a.ends_with('\n') => a.to_string(),
        a => format!("{a}\n"),
    };
    let prefix_lines = prefix.matches('\n').count();
    let tracking = Tracking {
        inner: fs,
        entry_dir: entry_dir.clone(),
        read: RefCell::new(Vec::new()),
        prefix: &prefix,
        aliases,
        root,
    };
    let warnings = Warnings::default();
    let load_paths: Vec<PathBuf> = entry_dir.ancestors().map(|d| d.join("node_modules")).collect();
    let options = grass_compiler::Options::default()
        .fs(&tracking)
        .logger(&warnings)
        .load_paths(&load_paths)
        .style(grass_compiler::OutputStyle::Expanded)
        .unicode_error_messages(false);
    let result = grass_compiler::from_path(&entry, &options);
    let files = tracking.read.take();
    match result {
        Ok(css) => Ok(SassOutput { css, files, warnings: warnings.0.take() }),
        Err(e) => Err(match e.kind() {
            grass_compiler::ErrorKind::ParseError { message, loc, .. } => {
                let file = PathBuf::from(loc.file.name());
                let (source, line) = match loc.file.source().get(prefix.len()..) {
                    // In the entry, after the additional data: the entry's own text and line.
                    Some(own) if file == entry && loc.begin.line >= prefix_lines => {
                        (own, loc.begin.line - prefix_lines)
                    }
                    _ => (loc.file.source(), loc.begin.line),
                };
                let message =
                    if file == entry && line == loc.begin.line && prefix_lines > 0 && loc.begin.line < prefix_lines {
                        format!("{message} (in css.preprocessorOptions additionalData)")
                    } else {
                        message.to_string()
                    };
                Diagnostic::new("SASS_ERROR", message)
                    .with_file(rel(&file))
                    .at(source, line as u32 + 1, loc.begin.column as u32 + 1)
                    .with_hint(if files.len() > 1 && file != entry {
                        format!("fix the Sass at the marked position (this partial is used by {})", rel(&entry))
                    } else {
                        "fix the Sass at the marked position".to_string()
                    })
            }
            grass_compiler::ErrorKind::IoError(io) => {
                Diagnostic::new("READ_ERROR", format!("cannot read {}: {io}", rel(&entry))).with_file(rel(&entry))
            }
            grass_compiler::ErrorKind::FromUtf8Error(m) => {
                Diagnostic::new("SASS_ERROR", format!("{}: {m}", rel(&entry))).with_file(rel(&entry))
            }
            other => Diagnostic::new("SASS_ERROR", format!("{other:?}")).with_file(rel(&entry)),
        }),
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system (grass joins import URLs onto the
/// importing file's directory as written).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The path from directory `from` to directory `to` (`../b/c`), `""` when they are the same.
fn relative_dir(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(t[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

/// `url(x)` in a partial that lives in `prefix` (relative to the entry's directory) becomes
/// `url(prefix/x)` when `x` is a literal relative path.
#[expect(
    clippy::string_slice,
    reason = "every index comes from `find` of `url(`, an ASCII quote or `)` (plus its length) or from a trimmed \
              prefix's length: char boundaries"
)]
fn rebase_urls(text: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(i) = rest.find("url(") {
        // `url(` as a function name, not the end of an identifier such as `my-url(`.
        let word_start = i == 0 || !rest[..i].ends_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_');
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        if !word_start {
            continue;
        }
        let trimmed = rest.trim_start();
        out.push_str(&rest[..rest.len() - trimmed.len()]);
        rest = trimmed;
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'');
        let body_start = quote.map_or(0, |_| 1);
        let end = match quote {
            Some(q) => rest[1..].find(q).map(|e| e + 1),
            None => rest.find(')'),
        };
        let Some(end) = end else { continue };
        let url = rest[body_start..end].trim();
        let literal = !url.is_empty() && !url.contains("#{") && !url.starts_with('$') && !url.contains(['(', '\n']);
        let relative = !(url.starts_with('/')
            || url.starts_with('#')
            || url.starts_with("data:")
            || url.contains("://")
            || url.starts_with('~'));
        if literal && relative {
            if let Some(q) = quote {
                out.push(q);
            }
            out.push_str(prefix);
            out.push('/');
            out.push_str(url.strip_prefix("./").unwrap_or(url));
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Debug, Default)]
    struct Mem(HashMap<PathBuf, String>);

    impl SassFs for Mem {
        fn is_dir(&self, path: &Path) -> bool {
            self.0.keys().any(|k| k.starts_with(path) && k != path)
        }
        fn is_file(&self, path: &Path) -> bool {
            self.0.contains_key(path)
        }
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            self.0.get(path).map(|s| s.clone().into_bytes()).ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
        }
    }

    fn fs(files: &[(&str, &str)]) -> Mem {
        Mem(files.iter().map(|(p, s)| (PathBuf::from(p), s.to_string())).collect())
    }

    #[test]
    fn partials_packages_and_files_read() {
        let fs = fs(&[
            (
                "/p/src/app.scss",
                "@use \"vars\";\n@use \"pkg/theme\";\n.a { color: vars.$c; .b { margin: theme.$m } }\n",
            ),
            ("/p/src/_vars.scss", "$c: #ff0000;\n"),
            ("/p/node_modules/pkg/_theme.scss", "$m: 3px;\n"),
        ]);
        let out = compile(Path::new("/p/src/app.scss"), Path::new("/p"), &fs, "", &[]).unwrap();
        assert!(out.css.contains("color: #ff0000") && out.css.contains(".a .b"), "{}", out.css);
        assert!(out.css.contains("margin: 3px"), "{}", out.css);
        let files: Vec<_> = out.files.iter().map(|f| f.to_string_lossy().into_owned()).collect();
        assert_eq!(files, ["/p/src/app.scss", "/p/src/_vars.scss", "/p/node_modules/pkg/_theme.scss"]);
    }

    #[test]
    fn indented_syntax() {
        let fs = fs(&[("/p/a.sass", "$c: blue\n.a\n  color: $c\n")]);
        let out = compile(Path::new("/p/a.sass"), Path::new("/p"), &fs, "", &[]).unwrap();
        assert!(out.css.contains("color: blue"), "{}", out.css);
    }

    #[test]
    fn errors_are_located_in_the_partial() {
        let fs = fs(&[
            ("/p/src/app.scss", "@use \"parts/x\";\n"),
            ("/p/src/parts/_x.scss", ".a {\n  color: red;;\n  b: $nope;\n}\n"),
        ]);
        let e = compile(Path::new("/p/src/app.scss"), Path::new("/p"), &fs, "", &[]).unwrap_err();
        assert_eq!(e.file.as_deref(), Some("src/parts/_x.scss"));
        assert_eq!((e.line, e.column), (Some(3), Some(6)), "{e}");
        assert!(e.frame.is_some() && e.message.contains("Undefined variable"), "{e}");
    }

    #[test]
    fn additional_data_comes_first_and_errors_keep_the_entry_lines() {
        let fs = fs(&[("/p/src/_vars.scss", "$c: rgb(1, 2, 3);\n"), ("/p/src/app.scss", ".a { color: $c; }\n")]);
        let out = compile(Path::new("/p/src/app.scss"), Path::new("/p"), &fs, "@use \"vars\" as *;", &[]).unwrap();
        assert!(out.css.contains("color: rgb(1, 2, 3)"), "{}", out.css);
        let fs = fs_with_error();
        let e = compile(Path::new("/p/src/app.scss"), Path::new("/p"), &fs, "$x: 1;\n$y: 2;", &[]).unwrap_err();
        assert_eq!((e.file.as_deref(), e.line), (Some("src/app.scss"), Some(2)), "{e}");
        assert!(e.frame.as_deref().is_some_and(|f| f.contains("$nope")), "{e}");
    }

    #[test]
    fn aliases_and_root_absolute_urls_find_their_files() {
        let fs = fs(&[
            ("/p/src/styles/_vars.scss", "$c: rgb(1, 2, 3);\n"),
            ("/p/src/styles/_more.scss", ".m { color: blue; }\n"),
            ("/p/src/deep/app.scss", "@use \"@/styles/vars\";\n@import '/src/styles/more';\n.a { color: vars.$c; }\n"),
        ]);
        let aliases = [("@".to_string(), PathBuf::from("/p/src"))];
        let out = compile(Path::new("/p/src/deep/app.scss"), Path::new("/p"), &fs, "", &aliases).unwrap();
        assert!(out.css.contains("color: rgb(1, 2, 3)") && out.css.contains(".m"), "{}", out.css);
        assert!(out.files.contains(&PathBuf::from("/p/src/styles/_vars.scss")), "{:?}", out.files);
    }

    #[test]
    fn a_package_named_alone_uses_its_sass_field() {
        let fs = fs(&[
            ("/p/node_modules/theme/package.json", r#"{"name":"theme","sass":"scss/main.scss","main":"index.js"}"#),
            ("/p/node_modules/theme/scss/main.scss", ".t { color: teal; }\n"),
            ("/p/node_modules/@s/ui/package.json", r#"{"style":"dist/ui.css"}"#),
            ("/p/node_modules/@s/ui/dist/ui.css", ".u { color: blue; }\n"),
            (
                "/p/src/app.scss",
                "@use \"theme\";\n@use \"@s/ui\";\n@use \"sass:math\";\n.a { width: math.div(4px, 2); }\n",
            ),
        ]);
        let out = compile(Path::new("/p/src/app.scss"), Path::new("/p"), &fs, "", &[]).unwrap();
        assert!(out.css.contains(".t") && out.css.contains(".u") && out.css.contains("2px"), "{}", out.css);
    }

    fn fs_with_error() -> impl SassFs {
        fs(&[("/p/src/app.scss", ".a {}\n.b { c: $nope; }\n")])
    }

    #[test]
    fn urls_in_partials_are_rebased_onto_the_entry() {
        let fs = fs(&[
            ("/p/src/app.scss", "@use \"parts/x\";\n.e { background: url(./e.png) }\n"),
            (
                "/p/src/parts/_x.scss",
                ".a { background: url(./img/a.png) } .b { background: url(\"../b.png\") } .c { background: url(/c.png) } .d { background: url(data:x) }\n",
            ),
        ]);
        let out = compile(Path::new("/p/src/app.scss"), Path::new("/p"), &fs, "", &[]).unwrap();
        assert!(out.css.contains("url(parts/img/a.png)"), "{}", out.css);
        assert!(out.css.contains("url(\"parts/../b.png\")"), "{}", out.css);
        assert!(
            out.css.contains("url(/c.png)") && out.css.contains("url(data:x)") && out.css.contains("url(./e.png)"),
            "{}",
            out.css
        );
    }

    #[test]
    fn less_is_refused_with_a_message() {
        let d = unsupported_preprocessor("/a/b.less?inline").unwrap();
        assert!(d.message.starts_with("Less is compiled by the project's `less` package"), "{d}");
        assert!(unsupported_preprocessor("a.styl").is_some() && unsupported_preprocessor("a.css").is_none());
    }
}
