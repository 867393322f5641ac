//! CSS compilation for Nexxo on lightningcss: one style sheet in, its printed code out, with its
//! `@import`s and `url()`s reported as dependencies (left as placeholders in the code) so the
//! bundler resolves them with the same resolver as JS, and CSS-module class names scoped.

use lightningcss::css_modules::{self, CssModuleReference, Pattern};
use lightningcss::dependencies::{Dependency, DependencyOptions};
use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions, StyleSheet};
pub use lightningcss::targets::Browsers;
use lightningcss::targets::Targets;
use nexxo_diagnostics::Diagnostic;

pub mod plugins;
pub mod sass;

#[derive(Debug, Clone, Default)]
pub struct CssOptions<'a> {
    pub minify: bool,
    /// Scope class names (for `*.module.css`).
    pub css_module: bool,
    /// lightningcss pattern for scoped names; default `[name]_[local]_[hash]`.
    pub module_pattern: Option<&'a str>,
    /// The browsers the CSS must work in (`build.cssTarget`, see [`browser_targets`]): newer
    /// syntax is lowered for them (nesting, `#rrggbbaa`, ...); `None` prints it as written.
    pub targets: Option<Browsers>,
}

/// lightningcss browsers for esbuild-style targets, as Vite's `build.cssTarget` takes them
/// (`"chrome61"`, `"safari13.1"`, `"es2020"`). Targets that name no browser (`es2020`, `esnext`,
/// `node18`, ...) say nothing about CSS and are skipped, as esbuild does; `Ok(None)` if no
/// browser is left. An unknown name or a bad version is an error naming it.
pub fn browser_targets(list: &[String]) -> Result<Option<Browsers>, String> {
    let mut browsers = Browsers::default();
    let mut any = false;
    for target in list.iter().map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()) {
        let split = target.find(|c: char| c.is_ascii_digit()).unwrap_or(target.len());
        let (name, version) = target.split_at(split);
        if matches!(name, "es" | "esnext" | "node" | "deno" | "hermes" | "rhino") {
            continue;
        }
        let mut parts = version.split('.').map(|p| p.parse::<u32>().ok().filter(|n| *n < 256));
        let (Some(Some(major)), minor, patch) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("`{target}`: expected a browser and a version, e.g. \"chrome61\" or \"safari13.1\""));
        };
        let (Some(minor), Some(patch)) = (minor.unwrap_or(Some(0)), patch.unwrap_or(Some(0))) else {
            return Err(format!("`{target}`: bad version"));
        };
        // lightningcss's encoding of a version: one byte each for major, minor and patch.
        let v = Some((major << 16) | (minor << 8) | patch);
        match name {
            "chrome" => browsers.chrome = v,
            "edge" => browsers.edge = v,
            "firefox" => browsers.firefox = v,
            "safari" => browsers.safari = v,
            "ios" => browsers.ios_saf = v,
            "opera" => browsers.opera = v,
            "ie" => browsers.ie = v,
            "samsung" => browsers.samsung = v,
            "android" => browsers.android = v,
            _ => {
                return Err(format!(
                    "`{target}`: unknown target; use chrome, edge, firefox, safari, ios, opera, ie, samsung, android \
                     (with a version), or es20XX/esnext"
                ));
            }
        }
        any = true;
    }
    Ok(any.then_some(browsers))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CssImport {
    pub specifier: String,
    pub media: Option<String>,
    pub supports: Option<String>,
    /// `layer(name)` as `Some("name")`, an anonymous `layer` as `Some("")`.
    pub layer: Option<String>,
    pub line: u32,
}

impl CssImport {
    /// A remote URL, which the browser fetches itself (`https://...`, `//host/...`).
    pub fn is_remote(&self) -> bool {
        self.specifier.contains("://") || self.specifier.starts_with("//")
    }

    /// A media query, `supports()` or `layer` limits where the imported rules apply.
    pub fn is_conditional(&self) -> bool {
        self.media.is_some() || self.supports.is_some() || self.layer.is_some()
    }

    /// `css` as this `@import` applies it: inside its `@media`, `@supports` and `@layer`, outermost
    /// first (the nesting CSS Cascade 5 defines for `@import`, and postcss-import and esbuild
    /// write), so a sheet imported `print` styles only print.
    pub fn wrap(&self, css: &str) -> String {
        let mut open = String::new();
        let mut close = String::new();
        if let Some(m) = &self.media {
            open.push_str(&format!("@media {m}{{"));
            close.push('}');
        }
        if let Some(s) = &self.supports {
            open.push_str(&format!("@supports {s}{{"));
            close.push('}');
        }
        if let Some(l) = &self.layer {
            open.push_str(&if l.is_empty() { "@layer{".to_string() } else { format!("@layer {l}{{") });
            close.push('}');
        }
        format!("{open}{css}{close}")
    }

    /// The `@import` rule for a URL the build leaves to the browser, conditions kept.
    pub fn external_rule(&self) -> String {
        let layer =
            self.layer.as_ref().map(|l| if l.is_empty() { " layer".to_string() } else { format!(" layer({l})") });
        let supports = self.supports.as_ref().map(|s| format!(" supports({s})"));
        let media = self.media.as_ref().map(|m| format!(" {m}"));
        format!(
            "@import url({}){}{}{};",
            serde_json::Value::String(self.specifier.clone()),
            layer.unwrap_or_default(),
            supports.unwrap_or_default(),
            media.unwrap_or_default()
        )
    }
}

/// Where a sheet's imports start to be inlined into its text rather than loaded as modules of
/// their own: at the first conditional one (whose rules must sit inside its conditions), and
/// every one after it too, so the sheets still come in the order they are written.
pub fn first_inlined(imports: &[CssImport]) -> usize {
    imports.iter().position(CssImport::is_conditional).unwrap_or(imports.len())
}

/// What a host does for [`inline_import`]: find the sheet an `@import` names and compile it (the
/// build through its resolver and plugins, `nexxo dev` through its own).
pub trait ImportHost {
    type File: Clone + PartialEq;
    type Error;

    /// The sheet `imp` of `importer` names; `None` leaves the import out, as a browser skips an
    /// import it cannot load.
    fn resolve(&mut self, importer: &Self::File, imp: &CssImport) -> Result<Option<Self::File>, Self::Error>;

    /// Sheet `file` compiled: its `@import`s and its text (rules, URLs as the host serves them).
    fn compile(&mut self, file: &Self::File) -> Result<(Vec<CssImport>, String), Self::Error>;
}

/// The text `imp`, an `@import` of `importer`, puts in the importer's sheet when it is inlined
/// (see [`first_inlined`]): the imported sheet's own imports (inlined likewise) and rules, inside
/// the import's conditions. A remote URL's `@import` goes to `external` with its conditions (it
/// must open the file a browser gets). `stack` holds the sheets being inlined, the importer's
/// ancestors and itself: a sheet that imports one of them again is left out there, as a browser
/// leaves out a cycle.
pub fn inline_import<H: ImportHost>(
    host: &mut H,
    importer: &H::File,
    imp: &CssImport,
    stack: &mut Vec<H::File>,
    external: &mut String,
) -> Result<String, H::Error> {
    if imp.is_remote() {
        external.push_str(&imp.external_rule());
        return Ok(String::new());
    }
    let Some(file) = host.resolve(importer, imp)? else { return Ok(String::new()) };
    if stack.contains(&file) {
        return Ok(String::new());
    }
    let (imports, css) = host.compile(&file)?;
    stack.push(file.clone());
    let mut text = String::new();
    for inner in &imports {
        text.push_str(&inline_import(host, &file, inner, stack, external)?);
    }
    stack.pop();
    Ok(imp.wrap(&(text + &css)))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CssUrl {
    pub url: String,
    /// Opaque token standing in for the url in [`CompiledCss::code`].
    pub placeholder: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Default)]
pub struct CompiledCss {
    pub code: String,
    pub imports: Vec<CssImport>,
    pub urls: Vec<CssUrl>,
    /// CSS-module exports: original name to the space-separated scoped class list
    /// (including `composes` of local classes).
    pub exports: Vec<(String, String)>,
    /// `composes: name from "specifier"`: export, composed name, file it comes from. The host
    /// binds that file's class map to [`composes_binding`] of its index in
    /// [`CompiledCss::composes_specifiers`], which [`CompiledCss::export_values`] reads.
    pub composed_from: Vec<(String, String, String)>,
}

impl CompiledCss {
    /// The style sheets `composes ... from` names, each once, in order of appearance.
    pub fn composes_specifiers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (_, _, spec) in &self.composed_from {
            if !out.contains(&spec.as_str()) {
                out.push(spec);
            }
        }
        out
    }

    /// The exports that can also be named exports (`export const card = ...`): class names that
    /// are JavaScript identifiers and not reserved words. The build and `nexxo dev` emit these.
    pub fn named_exports(&self) -> Vec<(String, String)> {
        self.export_values().into_iter().filter(|(k, _)| is_export_name(k)).collect()
    }

    /// Each export with its value as a JavaScript expression: a string literal, plus the classes
    /// composed from other files, read off their class maps' bindings (see `composed_from`).
    pub fn export_values(&self) -> Vec<(String, String)> {
        let specs = self.composes_specifiers();
        self.exports
            .iter()
            .map(|(name, classes)| {
                let mut value = serde_json::Value::String(classes.clone()).to_string();
                for (_, composed, spec) in self.composed_from.iter().filter(|(e, _, _)| e == name) {
                    let index = specs.iter().position(|s| s == spec).unwrap_or_default();
                    let key = serde_json::Value::String(composed.clone());
                    value.push_str(&format!(" + \" \" + {}[{key}]", composes_binding(index)));
                }
                (name.clone(), value)
            })
            .collect()
    }

    /// The CSS module's class map as a JavaScript object literal (`{"card":"card_x1"}`), with
    /// classes composed from other files read off their bindings.
    pub fn exports_object(&self) -> String {
        let fields: Vec<String> =
            self.export_values().into_iter().map(|(k, v)| format!("{}:{v}", serde_json::Value::String(k))).collect();
        format!("{{{}}}", fields.join(","))
    }
}

/// The `composes ... from` edges between CSS modules seen so far. A cycle would become an import
/// cycle between the modules' class maps, and one of them would read the other before it is
/// initialized: the page would throw on load. Hosts add each module's edges as they compile it;
/// whichever module closes a cycle gets the error.
#[derive(Debug, Default)]
pub struct ComposesGraph {
    edges: std::collections::HashMap<String, Vec<String>>,
}

impl ComposesGraph {
    /// Records that `file` composes from `targets` (ids as the host names files); returns the
    /// cycle (starting and ending at `file`) if this closes one.
    pub fn add(&mut self, file: &str, targets: Vec<String>) -> Result<(), Vec<String>> {
        self.edges.insert(file.to_string(), targets);
        // Depth-first search from `file` back to itself; small graphs, so no memo beyond `seen`.
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<(String, Vec<String>)> = vec![(file.to_string(), vec![file.to_string()])];
        while let Some((node, path)) = stack.pop() {
            for next in self.edges.get(&node).into_iter().flatten() {
                let mut p = path.clone();
                p.push(next.clone());
                if next == file {
                    self.edges.remove(file);
                    return Err(p);
                }
                if seen.insert(next.clone()) {
                    stack.push((next.clone(), p));
                }
            }
        }
        Ok(())
    }
}

/// The JavaScript name a host gives the class map of the `index`-th file in
/// [`CompiledCss::composes_specifiers`].
pub fn composes_binding(index: usize) -> String {
    format!("__nexxo_composes{index}")
}

/// How deeply color functions may nest (`rgb(from rgb(from ...))`). lightningcss parses nested
/// relative colors in exponential time (each level ~1.6x: 20 levels take 13 s, 28 never end), so a
/// 400-byte sheet could stop a build or a dev server; real sheets nest two or three.
const MAX_COLOR_NESTING: usize = 8;

/// What the light pre-scan of a sheet refuses before lightningcss sees it.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// Color functions nested deeper than [`MAX_COLOR_NESTING`].
    DeepColors,
    /// An at-rule whose name is written with an escape (`@\%`). lightningcss prints the name
    /// unescaped (`@%`), which does not parse again, so the written sheet would be broken.
    EscapedAtRuleName,
}

/// The byte offset and kind of the first construct [`compile`] refuses, if any.
/// A light scan: comments and strings are skipped; any other `(` counts as a plain group.
#[expect(
    clippy::string_slice,
    reason = "the slices start just past `/*` and run from ASCII name bytes to `(`: ASCII bytes are whole \
              characters, so every index is a char boundary"
)]
fn refused_construct(source: &str) -> Option<(usize, Refused)> {
    const COLOR_FNS: &[&str] =
        &["rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color", "color-mix", "light-dark"];
    let b = source.as_bytes();
    let mut stack: Vec<bool> = Vec::new();
    let mut colors = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = source[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                continue;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            // `\@` is an escaped `@`, not an at-rule: skip the escaped byte.
            b'\\' => i += 1,
            b'@' => {
                // The name starts after an optional `-` (`@-webkit-...`); an escape anywhere in
                // it is refused, since the name is printed unescaped. A NUL is a name character
                // too: CSS reads it as U+FFFD (so `@<NUL>\e` was taken, and printed as an
                // at-rule name with an escape, which was refused when compiled again).
                let mut j = i + 1;
                while j < b.len()
                    && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b'_' || b[j] == 0 || b[j] >= 0x80)
                {
                    j += 1;
                }
                if b.get(j) == Some(&b'\\') {
                    return Some((i, Refused::EscapedAtRuleName));
                }
            }
            b'(' => {
                // Back over ASCII name bytes only, so the start is always a char boundary.
                let mut name_start = i;
                while name_start > 0 && (b[name_start - 1].is_ascii_alphanumeric() || b[name_start - 1] == b'-') {
                    name_start -= 1;
                }
                let is_color = COLOR_FNS.iter().any(|f| source[name_start..i].eq_ignore_ascii_case(f));
                stack.push(is_color);
                if is_color {
                    colors += 1;
                    if colors > MAX_COLOR_NESTING {
                        return Some((name_start, Refused::DeepColors));
                    }
                }
            }
            b')' => colors -= usize::from(stack.pop() == Some(true)),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Compiles one style sheet. `filename` is used for messages and for the CSS-module hash, so pass a
/// path relative to the project root to keep class names stable across machines.
pub fn compile(filename: &str, source: &str, opts: &CssOptions) -> Result<CompiledCss, Diagnostic> {
    // A CSS file saved with a byte-order mark: lightningcss would keep it, and in a bundle where
    // this file is not first it lands mid-file and the first rule stops matching.
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if let Some((at, refused)) = refused_construct(source) {
        let (line, column) = line_column(source, at);
        let (code, message, hint) = match refused {
            Refused::DeepColors => (
                "CSS_TOO_DEEP",
                format!("color functions nest more than {MAX_COLOR_NESTING} levels deep here"),
                "simplify the color; the CSS parser takes exponential time on deeply nested relative colors",
            ),
            Refused::EscapedAtRuleName => (
                "CSS_ESCAPED_AT_RULE",
                "this at-rule's name is written with an escape".to_string(),
                "write the name without `\\`: the CSS printer (lightningcss) writes it unescaped, and the output would not parse",
            ),
        };
        return Err(Diagnostic::new(code, message).with_file(filename).at(source, line, column).with_hint(hint));
    }
    let compiled = match compile_source(filename, source, opts, Vec::new()) {
        // Relative `url()`s in custom properties, which lightningcss refuses as ambiguous when it
        // prints the sheet, stand in as placeholders (see `hide_custom_property_urls`). Only then:
        // errors in the sheet are located in the text as written.
        Err(d) if d.code == "CSS_PRINT" => {
            let (hidden, custom_urls) = hide_custom_property_urls(source);
            if custom_urls.is_empty() {
                return Err(d);
            }
            // Located in `source` as written: the offsets are in it, not in `hidden`, where each
            // stand-in before an offset has shifted the text (the offset could even fall inside a
            // character or past the end of `hidden`).
            let custom_urls = custom_urls
                .into_iter()
                .map(|(placeholder, url, offset)| {
                    let (line, column) = line_column(source, offset);
                    (placeholder, url, line, column)
                })
                .collect();
            compile_source(filename, &hidden, opts, custom_urls)
        }
        other => other,
    };
    compiled.map(|mut c| {
        keep_legal_comments(source, &mut c.code);
        c
    })
}

/// Legal comments (`/*! ... */`, or one that holds `@license` or `@preserve`) must survive, as
/// with Vite (esbuild keeps them): lightningcss keeps only the `/*!` ones before the first rule.
/// Each one it dropped goes at the end of the sheet (esbuild's `eof` placement), in order.
fn keep_legal_comments(source: &str, code: &mut String) {
    for comment in legal_comments(source) {
        if !code.contains(comment) {
            if !code.is_empty() && !code.ends_with('\n') {
                code.push('\n');
            }
            code.push_str(comment);
            code.push('\n');
        }
    }
}

/// The legal comments of a sheet, in order; quoted strings are skipped (`content: "/*!"`).
fn legal_comments(source: &str) -> Vec<&str> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q || b == b'\n' => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'/' && bytes.get(i + 1) == Some(&b'*') => {
                // ASCII delimiters: every index here is a char boundary, and `get` never panics.
                let end = source.get(i + 2..).and_then(|r| r.find("*/")).map_or(source.len(), |e| i + 2 + e + 2);
                if let Some(c) = source.get(i..end)
                    && (c.starts_with("/*!") || c.contains("@license") || c.contains("@preserve"))
                {
                    out.push(c);
                }
                i = end;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    out
}

/// 1-based line and byte column of byte `at` in `source`. An offset inside a character counts as
/// that character's start, one past the end as the end: locating an error must not panic.
fn line_column(source: &str, at: usize) -> (u32, u32) {
    nexxo_diagnostics::line_column(source, at)
}

/// lightningcss's CSS-modules settings for `opts`, or a located error for a bad pattern.
fn css_modules_config(opts: &CssOptions) -> Result<Option<css_modules::Config>, Diagnostic> {
    Ok(if opts.css_module {
        // lightningcss panics on an empty pattern; the config checks this too, but the engine is
        // also driven by hosts that hand it a resolved config directly.
        if !opts.module_pattern.is_none_or(|p| p.contains("[local]")) {
            return Err(Diagnostic::new("CSS_MODULES_PATTERN", "css.modules.pattern has no [local] placeholder")
                .with_hint("use placeholders [name], [local], [hash], e.g. \"[name]_[local]_[hash]\""));
        }
        let pattern = Pattern::parse(opts.module_pattern.unwrap_or("[name]_[local]_[hash]")).map_err(|e| {
            Diagnostic::new("CSS_MODULES_PATTERN", format!("invalid css.modules.pattern: {e}"))
                .with_hint("use placeholders [name], [local], [hash], e.g. \"[name]_[local]_[hash]\"")
        })?;
        Some(css_modules::Config { pattern, ..Default::default() })
    } else {
        None
    })
}

fn compile_source(
    filename: &str,
    source: &str,
    opts: &CssOptions,
    custom_urls: Vec<(String, String, u32, u32)>,
) -> Result<CompiledCss, Diagnostic> {
    let css_modules = css_modules_config(opts)?;
    let mut sheet =
        StyleSheet::parse(source, ParserOptions { filename: filename.to_string(), css_modules, ..Default::default() })
            .map_err(|e| {
                let mut d = Diagnostic::new("CSS_SYNTAX", e.kind.to_string()).with_file(filename);
                if let Some(loc) = &e.loc {
                    d = d.at_utf16(source, loc.line + 1, loc.column);
                }
                d.with_hint("fix the CSS syntax at the marked position")
            })?;
    // The dependency list lightningcss prints has no `layer(...)`, and its media query is printed
    // for no browser in particular (`(width >= 10px)`, which older browsers do not parse): read
    // both off the rules, in order, the media printed for the targets.
    let targets = Targets::from(opts.targets);
    let for_targets = || PrinterOptions { targets, ..Default::default() };
    let mut conditions = sheet
        .rules
        .0
        .iter()
        .filter_map(|r| match r {
            lightningcss::rules::CssRule::Import(i) => {
                let layer = i.layer.as_ref().map(|name| {
                    name.as_ref()
                        .and_then(|n| lightningcss::traits::ToCss::to_css_string(n, for_targets()).ok())
                        .unwrap_or_default()
                });
                let media = (!i.media.media_queries.is_empty())
                    .then(|| lightningcss::traits::ToCss::to_css_string(&i.media, for_targets()).ok())
                    .flatten();
                Some((layer, media))
            }
            _ => None,
        })
        .collect::<Vec<_>>()
        .into_iter();
    if opts.minify {
        sheet.minify(MinifyOptions { targets, ..Default::default() }).map_err(|e| {
            let mut d = Diagnostic::new("CSS_MINIFY", e.kind.to_string()).with_file(filename);
            if let Some(loc) = &e.loc {
                d = d.at_utf16(source, loc.line + 1, loc.column);
            }
            d
        })?;
    }
    let printed = sheet
        .to_css(PrinterOptions {
            minify: opts.minify,
            analyze_dependencies: Some(DependencyOptions { remove_imports: true }),
            targets,
            ..Default::default()
        })
        .map_err(|e| Diagnostic::new("CSS_PRINT", e.kind.to_string()).with_file(filename))?;

    let mut out = CompiledCss { code: printed.code, ..Default::default() };
    // The original URL of a stand-in, should lightningcss list it as a dependency of its own.
    let original = |url: &str| custom_urls.iter().find(|(p, ..)| p == url).map(|(_, u, ..)| u.clone());
    let deps = printed.dependencies.unwrap_or_default();
    let listed: Vec<String> = deps
        .iter()
        .filter_map(|d| match d {
            Dependency::Url(u) => Some(u.url.clone()),
            _ => None,
        })
        .collect();
    for (placeholder, url, line, column) in custom_urls.iter().filter(|(p, ..)| !listed.contains(p)).cloned() {
        out.urls.push(CssUrl { url, placeholder, line, column });
    }
    for dep in deps {
        match dep {
            Dependency::Import(i) => {
                let (layer, media) = conditions.next().unwrap_or((None, i.media));
                out.imports.push(CssImport {
                    specifier: i.url,
                    media,
                    supports: i.supports,
                    layer,
                    line: i.loc.start.line,
                })
            }
            Dependency::Url(u) => out.urls.push(CssUrl {
                url: original(&u.url).unwrap_or(u.url),
                placeholder: u.placeholder,
                line: u.loc.start.line,
                column: u.loc.start.column,
            }),
        }
    }
    if let Some(exports) = printed.exports {
        let mut list: Vec<(String, String)> = exports
            .into_iter()
            .map(|(original, export)| {
                let mut classes = vec![export.name];
                for c in export.composes {
                    match c {
                        CssModuleReference::Local { name } | CssModuleReference::Global { name } => classes.push(name),
                        CssModuleReference::Dependency { name, specifier } => {
                            out.composed_from.push((original.clone(), name, specifier))
                        }
                    }
                }
                (original, classes.join(" "))
            })
            .collect();
        list.sort();
        out.exports = list;
        out.composed_from.sort();
    }
    Ok(out)
}

/// Prefix of the stand-ins for `url()`s in custom properties: a scheme, so lightningcss takes them
/// for absolute URLs and prints them as they are.
const CUSTOM_URL_SCHEME: &str = "nexxo-custom-url:";

/// `source` with every relative `url(...)` inside a custom property value (`--bg: url(./a.png)`)
/// replaced by `url("nexxo-custom-url:N")`, and the list of (stand-in, original URL, byte offset).
/// Vite resolves such a URL from the file that defines the property (where the author wrote it);
/// lightningcss refuses it as ambiguous. The stand-ins come back as ordinary `urls` of the
/// compiled sheet, so hosts resolve them like any other `url()`.
#[expect(
    clippy::string_slice,
    reason = "indexes are those of ASCII bytes (`/*`, the `u` of `url(`) or past a `)` that `url_argument` \
              found, so char boundaries; string escapes may step into a character but no slice starts there"
)]
fn hide_custom_property_urls(source: &str) -> (String, Vec<(String, String, usize)>) {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut found = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    // Inside a custom property value: until `;` or `}` at nesting depth 0.
    let mut in_value = false;
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                // Skip strings whole (a `;` in a string ends nothing).
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = source[i + 2..].find("*/").map_or(bytes.len(), |e| i + 2 + e + 2);
                continue;
            }
            b'-' if !in_value
                && bytes.get(i + 1) == Some(&b'-')
                && (i == 0 || matches!(bytes[i - 1], b'{' | b';' | b' ' | b'\n' | b'\t' | b'\r')) =>
            {
                // `--name:` starts a custom property value.
                let mut j = i + 2;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || matches!(bytes[j], b'-' | b'_')) {
                    j += 1;
                }
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if bytes.get(j) == Some(&b':') {
                    in_value = true;
                    depth = 0;
                    i = j + 1;
                    continue;
                }
            }
            b'(' | b'[' if in_value => depth += 1,
            b')' | b']' if in_value => depth = depth.saturating_sub(1),
            b'{' if in_value => depth += 1,
            b';' | b'}' if in_value && depth == 0 => in_value = false,
            b'}' if in_value => depth -= 1,
            // On bytes: the 4 bytes after a `u` can end inside a character (`--a: ué中`).
            b'u' | b'U' if in_value && bytes[i..].get(..4).is_some_and(|b| b.eq_ignore_ascii_case(b"url(")) => {
                if let Some((end, url)) = url_argument(source, i + 4)
                    && is_relative_url(&url)
                {
                    let placeholder = format!("{CUSTOM_URL_SCHEME}{}", found.len());
                    out.push_str(&source[copied..i]);
                    out.push_str(&format!("url(\"{placeholder}\")"));
                    found.push((placeholder, url, i));
                    copied = end;
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&source[copied.min(source.len())..]);
    (out, found)
}

/// The argument of a `url(` whose text starts at `start`: (index after the closing `)`, the URL).
#[expect(
    clippy::string_slice,
    reason = "`start` is just past `url(`; the other indexes are past an ASCII quote or found by `find`"
)]
fn url_argument(source: &str, start: usize) -> Option<(usize, String)> {
    let rest = &source[start..];
    let trimmed = rest.trim_start();
    let lead = rest.len() - trimmed.len();
    let (url, len) = match trimmed.chars().next()? {
        q @ ('"' | '\'') => {
            let close = trimmed[1..].find(q)?;
            (trimmed[1..1 + close].to_string(), close + 2)
        }
        _ => {
            let close = trimmed.find(')')?;
            (trimmed[..close].trim_end().to_string(), close)
        }
    };
    let after = &trimmed[len..];
    let close = after.find(')')?;
    after[..close].trim().is_empty().then_some((start + lead + len + close + 1, url))
}

/// A URL written relative to the style sheet (not absolute, not a fragment or a data URL).
fn is_relative_url(url: &str) -> bool {
    !(url.is_empty() || url.starts_with('/') || url.starts_with('#') || url.contains(':'))
}

/// Whether the style sheet at `path` (a module id, a query allowed) is a CSS module:
/// `*.module.css`, `*.module.scss`, `*.module.sass`, as in Vite.
pub fn is_css_module(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    [".module.css", ".module.scss", ".module.sass", ".module.less", ".module.styl", ".module.stylus"]
        .iter()
        .any(|e| path.ends_with(e))
}

/// Replaces url placeholders with final URLs, quoting them as CSS strings.
pub fn replace_urls(code: &str, urls: &[(String, String)]) -> String {
    let mut out = code.to_string();
    for (placeholder, url) in urls {
        let quoted = format!("\"{}\"", url.replace('\\', "\\\\").replace('"', "\\\""));
        // lightningcss prints the placeholder either bare or quoted depending on minification.
        out = out.replace(&format!("\"{placeholder}\""), &quoted).replace(placeholder.as_str(), &quoted);
    }
    out
}

/// Whether a url in CSS points at something Nexxo should resolve (not a data URI, remote URL,
/// fragment or absolute path served from `public/`).
pub fn is_local_url(url: &str) -> bool {
    !(url.starts_with("data:")
        || url.starts_with('#')
        || url.starts_with("//")
        || url.contains("://")
        || url.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escaped_at_rule_name_is_a_located_error() {
        // lightningcss would print `@%`, which does not parse again (found by the css fuzzer).
        let e = compile("a.css", ".a { color: red }\n  @\\% ;", &CssOptions::default()).unwrap_err();
        assert_eq!(e.code, "CSS_ESCAPED_AT_RULE");
        assert_eq!((e.line, e.column), (Some(2), Some(3)));
        let e = compile("a.css", "@me\\dia print {}", &CssOptions::default()).unwrap_err();
        assert_eq!(e.code, "CSS_ESCAPED_AT_RULE");
        // A NUL in the name is read as U+FFFD, a name character (found by the css fuzzer).
        let e = compile("a.css", "p{--:@\0\\e", &CssOptions::default()).unwrap_err();
        assert_eq!(e.code, "CSS_ESCAPED_AT_RULE");
        // An escaped `@`, one in a string or a comment, and plain at-rules are fine.
        let ok = ".a\\@b { content: \"@\\%\" } /* @\\% */ @media print { .c { color: red } }";
        let c = compile("b.css", ok, &CssOptions::default()).unwrap();
        assert!(c.code.contains("@media print"), "{}", c.code);
    }

    #[test]
    fn deeply_nested_colors_are_refused_quickly() {
        let deep = format!(".a {{ color: {}", "rgb(1 2 3 /: ".repeat(30));
        let started = std::time::Instant::now();
        let e = compile("a.css", &deep, &CssOptions::default()).unwrap_err();
        assert_eq!(e.code, "CSS_TOO_DEEP");
        assert_eq!(e.line, Some(1));
        assert!(started.elapsed().as_secs() < 2);
        // Ordinary nesting, comments and strings with parentheses are fine.
        let ok = ".a { color: rgb(from rgb(from red r g b) r g b); background: url(\"a(((.png\") /* ((( */; width: calc(calc(1px + (2px * (3))) ) }";
        assert!(compile("b.css", ok, &CssOptions::default()).is_ok());
    }

    #[test]
    fn conditional_imports_keep_their_conditions() {
        let src = "@import 'a.css';\n@import 'p.css' print;\n@import url(s.css) supports(display: grid) screen and (min-width: 10px);\n@import 'n.css' supports(not (display: grid));\n@import 'l.css' layer(base.x);\n@import 'anon.css' layer;\n.z{color:red}";
        for minify in [false, true] {
            let c = compile("m.css", src, &CssOptions { minify, ..Default::default() }).unwrap();
            let got: Vec<String> = c.imports.iter().map(|i| format!("{} => {}", i.specifier, i.wrap("X"))).collect();
            assert_eq!(
                got,
                [
                    "a.css => X",
                    "p.css => @media print{X}",
                    "s.css => @media screen and (width >= 10px){@supports (display: grid){X}}",
                    "n.css => @supports not (display: grid){X}",
                    "l.css => @layer base.x{X}",
                    "anon.css => @layer{X}",
                ],
                "minify {minify}"
            );
            assert_eq!(first_inlined(&c.imports), 1);
            assert_eq!(
                c.imports[2].external_rule(),
                "@import url(\"s.css\") supports((display: grid)) screen and (width >= 10px);"
            );
            assert_eq!(c.imports[5].external_rule(), "@import url(\"anon.css\") layer;");
        }
        // The media query is printed for the targets, as the sheet's own rules are.
        let targets = browser_targets(&["chrome87".into()]).unwrap();
        let c = compile("m.css", src, &CssOptions { targets, ..Default::default() }).unwrap();
        assert_eq!(c.imports[2].media.as_deref(), Some("screen and (min-width: 10px)"));
    }

    #[test]
    fn composes_cycles_are_found_by_whoever_closes_them() {
        let mut g = ComposesGraph::default();
        assert!(g.add("a", vec!["b".into()]).is_ok());
        assert!(g.add("c", vec!["b".into()]).is_ok());
        assert_eq!(g.add("b", vec!["a".into()]).unwrap_err(), vec!["b", "a", "b"]);
        assert_eq!(g.add("s", vec!["s".into()]).unwrap_err(), vec!["s", "s"]);
    }

    #[test]
    fn legal_comments_are_kept() {
        let src = "/*! top */\n.a { color: red; }\n/*! middle */\n.b { content: \"/*! not */\"; }\n/* @license MIT */\n/* plain */\n";
        for minify in [false, true] {
            let c = compile("a.css", src, &CssOptions { minify, ..Default::default() }).unwrap();
            assert_eq!(c.code.matches("/*! top */").count(), 1, "{}", c.code);
            assert!(c.code.contains("/*! middle */") && c.code.contains("/* @license MIT */"), "{}", c.code);
            assert!(!c.code.contains("plain"), "{}", c.code);
        }
    }

    #[test]
    fn targets_lower_nesting_and_hex_alpha() {
        let targets = browser_targets(&["es2020".into(), "chrome61".into()]).unwrap();
        assert!(targets.is_some());
        let src = ".a { color: #ff000080; .b & { color: red; } }";
        for minify in [false, true] {
            let c = compile("a.css", src, &CssOptions { minify, targets, ..Default::default() }).unwrap();
            assert!(!c.code.contains('&') && !c.code.contains("#ff000080"), "{}", c.code);
        }
        let plain = compile("a.css", src, &CssOptions::default()).unwrap();
        assert!(plain.code.contains('&'), "{}", plain.code);
        assert_eq!(browser_targets(&["es2020".into()]).unwrap(), None);
        assert!(browser_targets(&["netscape4".into()]).unwrap_err().contains("netscape4"));
    }

    #[test]
    fn reports_imports_urls_and_removes_imports() {
        let src = "@import './base.css';\n.a { background: url(./img.png); color: red }\n";
        let c = compile("a.css", src, &CssOptions { minify: true, ..Default::default() }).unwrap();
        assert_eq!(c.imports.len(), 1);
        assert_eq!(c.imports[0].specifier, "./base.css");
        assert!(!c.code.contains("@import"));
        assert_eq!(c.urls.len(), 1);
        assert_eq!(c.urls[0].url, "./img.png");
        let done = replace_urls(&c.code, &[(c.urls[0].placeholder.clone(), "/assets/img-1.png".into())]);
        assert!(done.contains("url(\"/assets/img-1.png\")") || done.contains("url(/assets/img-1.png)"), "{done}");
        assert!(done.contains("color:red"), "{done}");
    }

    #[test]
    fn scopes_css_modules() {
        let src = ".title { color: blue } .big { composes: title; font-size: 2em }";
        let c = compile("src/App.module.css", src, &CssOptions { css_module: true, ..Default::default() }).unwrap();
        let title = &c.exports.iter().find(|(k, _)| k == "title").unwrap().1;
        assert!(title.contains("title") && title != "title", "{title}");
        let big = &c.exports.iter().find(|(k, _)| k == "big").unwrap().1;
        assert!(big.split(' ').count() == 2, "{big}");
        assert!(c.code.contains(&format!(".{title}")), "{}", c.code);
    }

    #[test]
    fn composes_from_another_file_reads_its_class_map() {
        let src = ".card { composes: base rounded from \"./base.module.css\"; color: red }";
        let c = compile("src/Card.module.css", src, &CssOptions { css_module: true, ..Default::default() }).unwrap();
        assert_eq!(c.composes_specifiers(), ["./base.module.css"]);
        let values = c.export_values();
        let (_, card) = values.iter().find(|(k, _)| k == "card").unwrap();
        assert!(card.contains(r#"__nexxo_composes0["base"]"#), "{card}");
        assert!(card.contains(r#"__nexxo_composes0["rounded"]"#), "{card}");
        assert!(c.exports_object().starts_with("{\"card\":\"Card-module_card_"), "{}", c.exports_object());
    }

    #[test]
    fn syntax_error_has_location_and_frame() {
        let src = ".a {\n  color: red;\n}\n}\n.b { color: }";
        let e = compile("bad.css", src, &CssOptions::default()).unwrap_err();
        assert_eq!(e.file.as_deref(), Some("bad.css"));
        assert!(e.line.is_some() && e.frame.is_some(), "{e}");
    }
}

/// Whether `export const <s> = ...` is valid JavaScript: an ASCII identifier that is not a reserved
/// word (in strict mode, which modules are). Other class names are only in the default export.
pub fn is_export_name(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "implements",
        "import",
        "in",
        "instanceof",
        "interface",
        "let",
        "new",
        "null",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "arguments",
        "eval",
    ];
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !RESERVED.contains(&s)
}

#[cfg(test)]
mod export_name_tests {
    #[test]
    fn reserved_words_and_non_identifiers_are_not_named_exports() {
        for ok in ["card", "_x", "$y", "a1", "title"] {
            assert!(super::is_export_name(ok), "{ok}");
        }
        for bad in ["return", "switch", "default", "class", "this", "1a", "a-b", "", "\u{e9}t\u{e9}", "eval"] {
            assert!(!super::is_export_name(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod custom_property_url_tests {
    use super::*;

    #[test]
    fn a_u_before_multibyte_text_in_a_custom_property_is_no_url() {
        // Once panicked: the 4 bytes after the `u` were sliced as a str and ended inside `中`.
        for css in [":root { --a: u\u{e9}\u{4e2d}; }", ":root { --a: U\u{1f600} }", ":root { --a: u\u{3000}x }"] {
            let (hidden, found) = hide_custom_property_urls(css);
            assert_eq!((hidden.as_str(), found.len()), (css, 0));
        }
        let css = ":root { --a: u\u{e9}\u{4e2d}; --bg: url(./x.png); }\n";
        let out = compile("src/a.css", css, &CssOptions::default()).expect("compiles");
        assert!(out.urls.iter().any(|u| u.url == "./x.png"), "{:?}", out.urls);
    }

    #[test]
    #[allow(clippy::string_slice, reason = "a test: the offset is checked to be a url's")]
    fn custom_property_urls_are_located_in_the_sheet_as_written() {
        // The offsets are in the sheet as written; in the text with stand-ins, the one of the
        // second url lies elsewhere (here past its end).
        let css = concat!(
            ":root { --a: url(./a-rather-long-file-name-for-an-image-in-the-assets-folder.png); ",
            "--\u{e9}: \"\u{4e2d}\"; --b: url(./b.png) }"
        );
        let (hidden, found) = hide_custom_property_urls(css);
        let at = found[1].2;
        assert!(css[at..].starts_with("url(./b.png)"));
        assert!(at > hidden.len());
        assert_eq!(line_column(css, at), (1, at as u32 + 1));
    }

    #[test]
    fn errors_after_lone_cr_and_form_feed_are_located_on_the_editor_line() {
        // lightningcss counts `\r` and `\f` as line breaks; an editor counts the `\r` only.
        let e = compile("a.css", "\r\r:", &CssOptions::default()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.frame.as_deref().unwrap().contains("> 3 | :"), "{e}");
        let e = compile("a.css", "a{}\x0c\r:", &CssOptions::default()).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(2)), "{e}");
    }

    #[test]
    fn line_column_never_panics() {
        let text = "a\n\u{e9}\u{4e2d}x";
        assert_eq!(line_column(text, 4), (2, 3));
        assert_eq!(line_column(text, 5), (2, 3), "inside `中`: its start");
        assert_eq!(line_column(text, 100), (2, 7), "past the end: the end");
    }

    #[test]
    fn relative_urls_in_custom_properties_compile_and_come_back_as_urls() {
        let css = ":root { --bg: url(./img/dot.png); --b: url( 'a b.png' ); --abs: url(/x.png); }\nbody { background: var(--bg); }\n";
        let out = compile("src/a.css", css, &CssOptions::default()).expect("compiles");
        let urls: Vec<&str> = out.urls.iter().map(|u| u.url.as_str()).collect();
        assert!(urls.contains(&"./img/dot.png"), "{urls:?}");
        assert!(urls.contains(&"a b.png"), "{urls:?}");
        let replaced = replace_urls(
            &out.code,
            &out.urls.iter().map(|u| (u.placeholder.clone(), format!("/R/{}", u.url))).collect::<Vec<_>>(),
        );
        assert!(replaced.contains("/R/./img/dot.png"), "{replaced}");
        assert!(!replaced.contains(CUSTOM_URL_SCHEME), "{replaced}");
        assert!(replaced.contains("/x.png"), "{replaced}");
    }

    #[test]
    fn urls_outside_custom_properties_and_strings_are_left_to_lightningcss() {
        let (hidden, found) = hide_custom_property_urls("a { background: url(./x.png); content: \"--a: url(y)\" }");
        assert!(found.is_empty());
        assert!(hidden.contains("url(./x.png)"));
    }
}
