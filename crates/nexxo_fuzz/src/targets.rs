//! One function per input surface. Each takes an input (its file extension and bytes), drives
//! the same code the hosts run on such input, and returns the outcome's shape (for corpus
//! feedback) or the property it broke. A panic is caught by the runner.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nexxo_config::{CliOverrides, ResolvedConfig};
use nexxo_engine::nexxo_memfs::MemoryFs;
use nexxo_engine::{BuildRequest, Job, Message};
use nexxo_transform::{Module, Options, Target as Served};
use serde_json::json;

use crate::check::{self, shape};

pub type Outcome = Result<String, String>;

pub struct Target {
    pub name: &'static str,
    pub about: &'static str,
    /// Extension given to generated inputs of the seed they came from (`tsx`, `module.css`).
    pub run: fn(ext: &str, input: &[u8]) -> Outcome,
    /// Dictionary the mutator inserts from.
    pub tokens: &'static [&'static str],
    /// Runs a whole build per input: the time bound is 4 times the run's `--timeout-ms` (a
    /// page with thousands of links legitimately takes seconds on a loaded machine).
    pub slow: bool,
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "js",
        about: "JS/TS/JSX/TSX: nexxo_transform::transform, scan, to_runner, rewrite, hot_accepts, maps",
        run: js,
        slow: false,
        tokens: &[
            "import ",
            "export ",
            "from ",
            "default ",
            "import(",
            "import.meta",
            "import.meta.hot.accept(",
            "import.meta.hot.accept([\"./a\"], () => {})",
            "import.meta.env.",
            "await ",
            "async ",
            "function ",
            "=> ",
            "class ",
            "extends ",
            "const ",
            "let ",
            "var ",
            "type ",
            "interface ",
            "enum ",
            "as ",
            "satisfies ",
            "<T>",
            "<div>",
            "</div>",
            "<>",
            "</>",
            "{...p}",
            "?.",
            "??",
            "**",
            "#x",
            "static {",
            "yield ",
            "new.target",
            "`",
            "${",
            "/re/g",
            "0n",
            "\"use strict\";",
            "export * from './a'",
            "import * as ns from 'x'",
            "$RefreshReg$",
            "declare ",
            "namespace ",
            "@dec ",
            "accessor ",
        ],
    },
    Target {
        name: "css",
        about: "CSS and CSS modules: nexxo_css::compile (plain, minified, module), its output compiled again",
        run: css,
        slow: false,
        tokens: &[
            "@import ",
            "url(",
            "@media ",
            "@supports ",
            "@layer ",
            "@container ",
            "@keyframes ",
            "@font-face",
            "@charset \"utf-8\";",
            "composes: ",
            " from ",
            "\"./b.module.css\"",
            ":global(",
            ":local(",
            ".a",
            "#id",
            "&",
            ">",
            "+",
            "~",
            "::before",
            ":is(",
            ":has(",
            ":nth-child(2n+1)",
            "!important",
            "var(--x)",
            "--x:",
            "calc(",
            "1e3px",
            "\\",
            "@nest ",
            "@scope ",
            "@property ",
            "image-set(",
            "\\31 ",
        ],
    },
    Target {
        name: "html",
        about: "HTML pages: nexxo_html::scan, head_insertion, replace_env, Edits, then an engine build of the page",
        run: html,
        slow: true,
        tokens: &[
            "<script type=\"module\" src=\"/src/main.ts\"></script>",
            "<script type=\"module\">",
            "</script>",
            "<link rel=\"stylesheet\" href=\"./style.css\">",
            "<style>",
            "</style>",
            "<img src=\"./logo.svg\">",
            "<head>",
            "</head>",
            "<body>",
            "</body>",
            "<html>",
            "<!doctype html>",
            "<!--",
            "-->",
            "%NEXXO_X%",
            "%MODE%",
            "&amp;",
            "&quot;",
            "src=",
            "href=",
            "<title>",
            "</title>",
            "<textarea>",
            "<![CDATA[",
            "<?xml ?>",
            "<link rel=\"icon\" href=\"/favicon.ico\">",
            "<source src=\"a.webm\">",
        ],
    },
    Target {
        name: "config",
        about: "nexxo.config.json: nexxo_config::parse_config, load (BOM), ResolvedConfig::resolve",
        run: config,
        slow: false,
        tokens: &[
            "\"base\": ",
            "\"build\": {",
            "\"outDir\": ",
            "\"css\": {\"modules\": {\"pattern\": ",
            "\"[local]\"",
            "\"define\": {",
            "\"resolve\": {\"alias\": {",
            "\"server\": {\"port\": ",
            "65536",
            "\"envPrefix\": \"\"",
            "\"publicDir\": false",
            "\"input\": [",
            "null",
            "true",
            "\"mode\": ",
            "\"..\"",
            "\"/\"",
            "1e400",
            "\"\\ud800\"",
            "\"\\u0000\"",
        ],
    },
    Target {
        name: "dotenv",
        about: ".env files: nexxo_config::parse_dotenv and through load()",
        run: dotenv,
        slow: false,
        tokens: &[
            "NEXXO_A=",
            "export ",
            "=\"",
            "='",
            "\\n",
            "${NEXXO_A}",
            "${",
            " #",
            "#",
            "\\\"",
            "NEXXO_B=\"a\nb\"",
            "KEY",
            "=",
        ],
    },
    Target {
        name: "worker",
        about: "nexxo worker request bodies: JSON to Job as the worker decodes it, memory_fs, run_job",
        run: worker,
        slow: true,
        tokens: &[
            "{\"path\": \"src/main.ts\", \"text\": \"export const x = 1\"}",
            "\"base64\": \"AAEC\"",
            "\"path\": \"../x\"",
            "\"path\": \"/etc/passwd\"",
            "\"path\": \"\"",
            "\"root\": \"/\"",
            "\"env\": {",
            "\"overrides\": {\"outDir\": \".\"}",
            "\"resolved\": {}",
            "\"files\": [",
            "\"source\": ",
            "\"reactRefresh\": true",
            "\"op\": \"transform\"",
            "\\u0000",
            "\"index.html\"",
        ],
    },
    Target {
        name: "url",
        about: "dev/preview URL paths: nexxo_http_util::percent_decode and safe_path over a real directory",
        run: url,
        slow: false,
        tokens: &[
            "%2e",
            "%2E",
            "%2f",
            "%5c",
            "%00",
            "%25",
            "%c0%ae",
            "..",
            "/..",
            "//",
            "\\",
            "./",
            ".env",
            ".git/config",
            "link-out/",
            "link-in/",
            "secret.txt",
            "index.html",
            "a%20b.js",
            "%",
            "%zz",
            "%e6%97%a5",
            "?raw",
            "#",
        ],
    },
];

/// A target that fails on purpose, by name only (not in `all`): the runner's own test uses it to
/// prove that panics, broken properties, hangs and aborts are each caught, saved and replayed.
pub const SELFTEST: Target = Target {
    name: "selftest",
    about: "fails on purpose: PANIC panics, BADPOS breaks a property, HANG hangs, ABORT aborts",
    run: selftest,
    slow: false,
    tokens: &["PANIC", "BADPOS", "HANG", "ABORT"],
};

pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().chain(std::iter::once(&SELFTEST)).find(|t| t.name == name)
}

fn selftest(_ext: &str, input: &[u8]) -> Outcome {
    let s = text(input);
    if s.contains("PANIC") {
        panic!("selftest panic");
    }
    if s.contains("ABORT") {
        std::process::abort();
    }
    if s.contains("HANG") {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
    if s.contains("BADPOS") {
        return Err("selftest violation".into());
    }
    Ok(String::new())
}

/// Text as a host reads it from a file (invalid UTF-8 replaced: the mutator makes such input).
fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

/// A stable per-input bit source for choices (React Refresh, minify, pattern), so a replay
/// decides alike. FNV-1a: no dependency needed for a few choice bits.
fn bits(input: &[u8]) -> u64 {
    input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn check_module(m: &Module, what: &str) -> Result<(), String> {
    for i in &m.imports {
        check::span(&m.code, i.literal.0 as usize, i.literal.1 as usize, &format!("{what} import literal"))?;
        if let Some((s, e)) = i.statement {
            check::span(&m.code, s as usize, e as usize, &format!("{what} import statement"))?;
        }
    }
    Ok(())
}

fn js(ext: &str, input: &[u8]) -> Outcome {
    let src = text(input);
    let ext = if ["js", "jsx", "ts", "tsx", "mjs", "mts", "cjs", "cts"].contains(&ext) { ext } else { "ts" };
    let file = format!("src/fuzz.{ext}");
    let b = bits(input);
    let opts = Options { react_refresh: b & 1 == 0, ..Default::default() };
    let outcome = match nexxo_transform::transform(&file, &src, &opts) {
        Ok(m) => {
            check_module(&m, "transform")?;
            // What the dev server sends must be JavaScript a browser parses: the transformed
            // module, its runner form, and the module with its imports pointed at URLs.
            nexxo_transform::to_runner("src/fuzz.js", &m.code)
                .map_err(|d| format!("transform output does not parse again: {}", check::first_line(&d.message)))?;
            let rewritten =
                nexxo_transform::rewrite(&m, |i| Served::Url(format!("/src/{}?v=1", i.specifier.replace('"', ""))));
            nexxo_transform::scan("src/fuzz.js", rewritten, false)
                .map_err(|d| format!("rewritten imports do not parse: {}", check::first_line(&d.message)))?;
            if b & 6 == 0 {
                // Source maps cost a second transform: every fourth input.
                nexxo_transform::maps::module(&file, "/src/fuzz", &src, &opts)
                    .map_err(|d| format!("transform succeeded but its source map failed: {d}"))?;
            }
            format!("ok {} {} {}", m.imports.len().min(4), m.exports.len().min(4), m.self_accepting)
        }
        Err(d) => {
            check::diagnostic(&src, &d)?;
            format!("err {}", shape(&d.message))
        }
    };
    // The same text served as plain JavaScript (a `.js` file is scanned, not transformed).
    match nexxo_transform::scan("src/plain.js", src.clone(), false) {
        Ok(m) => check_module(&m, "scan")?,
        Err(d) => check::diagnostic(&src, &d)?,
    }
    if let Err(d) = nexxo_transform::to_runner("src/plain.js", &src) {
        check::diagnostic(&src, &d)?;
    }
    for deps in nexxo_transform::hot_accepts(&src).into_iter().flatten() {
        for ((s, e), _) in deps {
            check::span(&src, s, e, "hot_accepts literal")?;
        }
    }
    Ok(outcome)
}

fn css(ext: &str, input: &[u8]) -> Outcome {
    let src = text(input);
    let module = ext.starts_with("module");
    let b = bits(input);
    let minify = b & 1 == 0;
    const PATTERNS: [&str; 4] = ["[name]_[local]_[hash]", "[local]", "x-[hash]-[local]", "[hash]_[local]"];
    let pattern = (b & 2 == 0).then(|| PATTERNS[(b >> 2) as usize % PATTERNS.len()]);
    let opts = nexxo_css::CssOptions { minify, css_module: module, module_pattern: pattern, targets: None };
    let file = if module { "src/fuzz.module.css" } else { "src/fuzz.css" };
    match nexxo_css::compile(file, &src, &opts) {
        Ok(out) => {
            for u in &out.urls {
                if !out.code.contains(&u.placeholder) {
                    return Err(format!("url placeholder missing from the output: {}", u.placeholder));
                }
            }
            let _ = out.exports_object();
            let urls: Vec<(String, String)> =
                out.urls.iter().map(|u| (u.placeholder.clone(), "/assets/x-1.png".to_string())).collect();
            let code = nexxo_css::replace_urls(&out.code, &urls);
            // What Nexxo writes must be CSS that parses again.
            let again = nexxo_css::CssOptions { minify, css_module: false, module_pattern: None, targets: None };
            nexxo_css::compile("dist/out.css", &code, &again).map_err(|d| {
                format!("compiled output does not parse again [{}]: {}", d.code, check::first_line(&d.message))
            })?;
            Ok(format!("ok {} {} {}", out.imports.len().min(3), out.urls.len().min(3), out.exports.len().min(3)))
        }
        Err(d) => {
            check::diagnostic(&src, &d)?;
            Ok(format!("err {} {}", d.code, shape(&d.message)))
        }
    }
}

/// Every error of a build response that points into one of the request's files points inside it.
fn check_messages(messages: &[Message], files: &[(String, String)]) -> Result<(), String> {
    for m in messages {
        let (Some(file), Some(_)) = (&m.file, m.line) else { continue };
        // The file it names: the longest request path that the message's path ends with, as a
        // whole path component.
        let named = files
            .iter()
            .filter(|(p, _)| {
                !p.is_empty() && file.strip_suffix(p.as_str()).is_some_and(|dir| dir.is_empty() || dir.ends_with('/'))
            })
            .max_by_key(|(p, _)| p.len());
        let Some((_, text)) = named else { continue };
        check::position(text, m.line, m.column)
            .map_err(|e| format!("build message {e} (in {file}: {})", check::first_line(&m.message)))?;
    }
    Ok(())
}

fn html(_ext: &str, input: &[u8]) -> Outcome {
    let src = text(input);
    let doc = nexxo_html::scan(&src);
    for el in &doc.elements {
        check::span(&src, el.start_tag.start, el.start_tag.end, "start tag")?;
        check::span(&src, el.outer.start, el.outer.end, "element")?;
        if el.outer.start != el.start_tag.start || el.outer.end < el.start_tag.end {
            return Err(format!("element does not contain its start tag: {:?} {:?}", el.outer, el.start_tag));
        }
        if let Some(t) = &el.text {
            check::span(&src, t.start, t.end, "raw text")?;
        }
        for a in &el.attrs {
            check::span(&src, a.span.start, a.span.end, "attribute")?;
            if a.span.start < el.start_tag.start || a.span.end > el.start_tag.end {
                return Err(format!("attribute outside its tag: {:?} {:?}", a.span, el.start_tag));
            }
        }
        #[expect(
            clippy::string_slice,
            reason = "`check::span` above returned an error unless the start tag's span is on char boundaries"
        )]
        let line = 1 + src[..el.start_tag.start].matches('\n').count();
        if el.line != line {
            return Err(format!(
                "element line is wrong: byte {} says {}, it is on line {line}",
                el.start_tag.start, el.line
            ));
        }
    }
    for at in [doc.head_end, doc.body_end].into_iter().flatten() {
        check::span(&src, at, at, "head/body end")?;
    }
    for prepend in [true, false] {
        let at = nexxo_html::head_insertion(&src, &doc, prepend);
        check::span(&src, at, at, "head insertion point")?;
    }
    let _ = nexxo_html::replace_env(&src, |k| (k.len() % 2 == 0).then(|| format!("<{k}>")));
    // Span edits as the hosts apply them: an attribute swapped, the client script inserted.
    let mut edits = nexxo_html::Edits::default();
    if let Some(a) = doc.elements.iter().flat_map(|e| e.attrs.iter()).next() {
        edits.replace(a.span.clone(), "src=\"/x.js\"");
    }
    let at = nexxo_html::head_insertion(&src, &doc, true);
    edits.insert(at, "<script type=\"module\" src=\"/@nexxo/client\"></script>");
    let _ = edits.apply(&src);

    // The whole build with this page as index.html.
    let files = vec![
        ("index.html".to_string(), src),
        (
            "src/main.ts".to_string(),
            "import './style.css';\nexport const n: number = 1;\nconsole.log(n);\n".to_string(),
        ),
        ("src/style.css".to_string(), "body { color: red }\n".to_string()),
        ("logo.svg".to_string(), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_string()),
        ("public/favicon.ico".to_string(), "x".to_string()),
    ];
    let request: BuildRequest = serde_json::from_value(json!({
        "files": files.iter().map(|(p, t)| json!({ "path": p, "text": t })).collect::<Vec<_>>(),
        "env": { "NEXXO_X": "x&<y>" },
    }))
    .map_err(|e| format!("the harness built a bad request: {e}"))?;
    let response = nexxo_engine::build(request, None, |fs: MemoryFs| fs, None, None);
    check_messages(&response.errors, &files)?;
    check_messages(&response.warnings, &files)?;
    Ok(format!(
        "{} {} {}",
        doc.elements.len().min(6),
        response.ok,
        response.errors.first().map(|m| shape(&m.message)).unwrap_or_default()
    ))
}

fn config_error(text: &str, e: &nexxo_config::ConfigError) -> Result<(), String> {
    let line = e.line.map(|l| l as u32);
    let column = e.column.map(|c| c as u32);
    check::position(text, line, column).map_err(|m| format!("config error {m} ({})", check::first_line(&e.message)))
}

fn config(_ext: &str, input: &[u8]) -> Outcome {
    let raw = text(input);
    let stripped = nexxo_config::strip_bom(raw.clone());
    let root = Path::new("/project");
    let outcome = match nexxo_config::parse_config("nexxo.config.json", &stripped) {
        Err(e) => {
            config_error(&stripped, &e)?;
            format!("parse {}", shape(&e.message))
        }
        Ok(user) => match ResolvedConfig::resolve(root, &user, &CliOverrides::default(), &[], &[]) {
            Err(e) => format!("resolve {}", shape(&e.message)),
            Ok(r) => {
                // A pattern the config accepted must compile a CSS module (lightningcss panicked
                // on some before the config checked them).
                if let Some(p) = &r.css_modules_pattern {
                    let opts = nexxo_css::CssOptions {
                        minify: true,
                        css_module: true,
                        module_pattern: Some(p),
                        targets: None,
                    };
                    let out = nexxo_css::compile("src/a.module.css", ".a{color:red}.b{color:blue}", &opts)
                        .map_err(|d| format!("accepted css.modules.pattern fails: {p:?}: {}", d.message))?;
                    let names: Vec<&str> = out.exports.iter().map(|(_, v)| v.as_str()).collect();
                    if names.len() == 2 && names[0] == names[1] {
                        return Err(format!("css.modules.pattern gives two classes one name: {p:?} {names:?}"));
                    }
                }
                format!("ok {}", r.base.len().min(3))
            }
        },
    };
    // The same text through load(), which every host calls (with the BOM as read from disk).
    let read = |p: &Path| {
        if p.ends_with("nexxo.config.json") {
            Ok(raw.clone())
        } else {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    };
    if let Err(e) = nexxo_config::load(root, None, CliOverrides::default(), &[], read) {
        config_error(&stripped, &e)?;
    }
    Ok(outcome)
}

fn dotenv(_ext: &str, input: &[u8]) -> Outcome {
    let raw = text(input);
    let lines = raw.lines().count().max(1);
    let outcome = match nexxo_config::parse_dotenv(&raw) {
        Err(e) => {
            if e.line == 0 || e.line > lines {
                return Err(format!(".env error line outside the input: line {} of {lines}: {}", e.line, e.message));
            }
            format!("err {}", shape(&e.message))
        }
        Ok(vars) => {
            for (k, _) in &vars {
                if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                    return Err(format!(".env accepted a bad variable name: {k:?}"));
                }
            }
            format!("ok {}", vars.len().min(4))
        }
    };
    let read = |p: &Path| {
        if p.file_name().is_some_and(|n| n == ".env") {
            Ok(raw.clone())
        } else {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    };
    match nexxo_config::load(Path::new("/project"), None, CliOverrides::default(), &[], read) {
        Ok(r) => {
            // The default prefixes (no config here): NEXXO_ and VITE_.
            if let Some(k) = r.env.keys().find(|k| !(k.starts_with("NEXXO_") || k.starts_with("VITE_"))) {
                return Err(format!("unprefixed variable in import.meta.env: {k}"));
            }
        }
        Err(e) => {
            let stripped = nexxo_config::strip_bom(raw.clone());
            let n = stripped.lines().count().max(1);
            if e.line.is_some_and(|l| l == 0 || l > n) {
                return Err(format!(".env error through load() line outside the input: {:?} of {n}", e.line));
            }
        }
    }
    Ok(outcome)
}

fn worker(_ext: &str, input: &[u8]) -> Outcome {
    // What host/src/worker.rs does with a body: JSON, the op from the URL, then the Job.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(input) else { return Ok("not json".into()) };
    let op = if value.get("files").is_some() || value.get("source").is_none() { "build" } else { "transform" };
    let mut value = value;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("op".into(), op.into());
    }
    let job: Job = match serde_json::from_value(value) {
        Ok(j) => j,
        Err(e) => return Ok(format!("refused {}", shape(&e.to_string()))),
    };
    // The worker re-encodes the job for the WASM engine, which decodes it again.
    let wire = serde_json::to_vec(&job).map_err(|e| format!("a decoded job does not encode: {e}"))?;
    let job: Job = serde_json::from_slice(&wire).map_err(|e| format!("an encoded job does not decode again: {e}"))?;
    let mut files = Vec::new();
    if let Job::Build(b) = &job {
        if b.files.is_empty() || b.resolved.is_some() || b.files.len() > 10_000 {
            return Ok("refused by the worker".into());
        }
        match nexxo_engine::memory_fs(&b.root, b.files.clone()) {
            Ok(fs) => {
                for p in fs.paths() {
                    let inside = p.strip_prefix(&b.root).is_ok()
                        && !p.components().any(|c| matches!(c, std::path::Component::ParentDir));
                    if !inside {
                        return Err(format!(
                            "memory_fs put a file outside the root: {} (root {})",
                            p.display(),
                            b.root.display()
                        ));
                    }
                }
            }
            Err(m) => return Ok(format!("memory_fs {}", shape(&m))),
        }
        for f in &b.files {
            if let nexxo_engine::Contents::Text { text } = &f.contents {
                files.push((f.path.clone(), text.clone()));
            }
        }
    }
    let source = match &job {
        Job::Transform(t) => Some((t.path.clone(), t.source.clone())),
        Job::Build(_) => None,
    };
    let response = nexxo_engine::run_job(job, None, |fs: MemoryFs| fs);
    if let Some(file) = source {
        files.push(file);
    }
    let errors: Vec<Message> = serde_json::from_value(response["errors"].clone()).unwrap_or_default();
    check_messages(&errors, &files)?;
    Ok(format!("{op} {} {}", response["ok"], errors.first().map(|m| shape(&m.message)).unwrap_or_default()))
}

/// The directory tree the `url` target maps paths into: files, dotfiles, a symlink leading out
/// of the root and one staying inside, a secret beside the root, and a package under
/// `node_modules` that `/@fs/` URLs may reach.
struct UrlFixture {
    /// Canonical.
    root: PathBuf,
    /// `root/node_modules/pkg`: the one directory `/@fs/` may serve from.
    package: PathBuf,
}

fn url_fixture() -> &'static UrlFixture {
    static FIXTURE: OnceLock<UrlFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let base = std::env::var_os("NEXXO_FUZZ_WORKDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join(format!("nexxo-fuzz-{}", std::process::id())))
            .join("url-fixture");
        let _ = std::fs::create_dir_all(base.join("dist/sub/.git"));
        let _ = std::fs::create_dir_all(base.join("dist/node_modules/pkg/dist"));
        let _ = std::fs::create_dir_all(base.join("outside"));
        let base = base.canonicalize().unwrap_or(base);
        for (p, t) in [
            ("dist/index.html", "<!doctype html>"),
            ("dist/a b.js", "x"),
            ("dist/sub/x.css", "a{}"),
            ("dist/.env", "SECRET=1"),
            ("dist/sub/.git/config", "secret"),
            ("dist/日本.txt", "x"),
            ("dist/node_modules/pkg/index.js", "export {}"),
            ("dist/node_modules/pkg/dist/a.css", "a{}"),
            ("dist/node_modules/pkg/.npmrc", "secret"),
            ("dist/node_modules/other.js", "secret"),
            ("outside/secret.txt", "secret"),
        ] {
            let _ = std::fs::write(base.join(p), t);
        }
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink("../outside", base.join("dist/link-out"));
            let _ = std::os::unix::fs::symlink("sub", base.join("dist/link-in"));
            let _ = std::os::unix::fs::symlink("/", base.join("dist/link-root"));
            let _ = std::os::unix::fs::symlink("../../../outside", base.join("dist/node_modules/pkg/link-out"));
        }
        let root = base.join("dist");
        UrlFixture { package: root.join("node_modules/pkg"), root }
    })
}

/// What a served path must be: lexically below `dir` by plain, non-dot segments, and inside the
/// root once symlinks are resolved.
fn served_inside(input: &str, path: &Path, dir: &Path, root: &Path) -> Outcome {
    let Ok(rel) = path.strip_prefix(dir) else {
        return Err(format!("path maps outside its directory: {input:?} to {} ({})", path.display(), dir.display()));
    };
    for c in rel.components() {
        match c {
            std::path::Component::Normal(seg) if !seg.to_string_lossy().starts_with('.') => {}
            other => {
                return Err(format!(
                    "path maps to a dot or parent segment: {input:?} to {} ({other:?})",
                    path.display()
                ));
            }
        }
    }
    match path.canonicalize() {
        Ok(real) if !real.starts_with(root) => {
            Err(format!("path resolves outside the root: {input:?} to {} = {}", path.display(), real.display()))
        }
        Ok(real) => Ok(format!("served {}", real.is_file())),
        Err(_) => Ok("missing".into()),
    }
}

fn url(_ext: &str, input: &[u8]) -> Outcome {
    let fx = url_fixture();
    // Seeds name the fixture's package as `{pkg}` (its absolute path is known only at run time).
    let package = fx.package.to_string_lossy();
    let s = text(input).replace("{pkg}", package.trim_start_matches('/'));
    if let Some(decoded) = nexxo_http_util::percent_decode(&s) {
        // Decoding undoes encoding: each byte as %XX comes back as the same text.
        let encoded: String = decoded.bytes().map(|b| format!("%{b:02X}")).collect();
        if nexxo_http_util::percent_decode(&encoded).as_deref() != Some(decoded.as_str()) {
            return Err(format!("percent_decode does not undo encoding: {decoded:?}"));
        }
    }
    // The dev server's `/@fs/` URLs (files of packages the app imports), else a path under the root.
    if let Some(abs) = s.strip_prefix("/@fs/") {
        let roots = [fx.root.clone()];
        return match nexxo_http_util::fs_url_file(abs, |d| d == fx.package, &roots) {
            Some(path) => served_inside(&s, &path, &fx.package, &fx.root).map(|o| format!("fs {o}")),
            None => Ok("fs refused".into()),
        };
    }
    match nexxo_http_util::safe_path(&fx.root, &s) {
        Some(path) => served_inside(&s, &path, &fx.root, &fx.root),
        None => Ok("refused".into()),
    }
}
