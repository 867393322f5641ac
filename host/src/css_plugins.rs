//! The project's JavaScript CSS tools for the native CLI: PostCSS with the project's config (found
//! as postcss-load-config finds it for Vite), Tailwind CSS v4 when `package.json` lists
//! `@tailwindcss/vite`, and the Less and Stylus compilers the project installed. They run in one
//! Node.js process per build or dev session (`css-plugins.mjs`), started at the first sheet that
//! needs it and fed one sheet per request; the engine calls it through
//! [`nexxo_css::plugins::CssPlugins`] and keeps everything else.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nexxo_css::plugins::{CssPlugins, Preprocessor, Processed};
use nexxo_diagnostics::Diagnostic;
use serde_json::{Value, json};

const HELPER: &str = include_str!("css-plugins.mjs");

/// Config files as postcss-load-config looks for them, in its order (a `package.json` with a
/// `postcss` field comes first).
const CONFIG_FILES: &[&str] = &[
    ".postcssrc",
    ".postcssrc.json",
    ".postcssrc.yaml",
    ".postcssrc.yml",
    ".postcssrc.js",
    ".postcssrc.mjs",
    ".postcssrc.cjs",
    ".postcssrc.ts",
    "postcss.config.js",
    "postcss.config.mjs",
    "postcss.config.cjs",
    "postcss.config.ts",
    "postcss.config.mts",
    "postcss.config.cts",
];

/// Whether `name` is a PostCSS config file's name ([`CONFIG_FILES`]).
pub fn is_config_name(name: &str) -> bool {
    CONFIG_FILES.contains(&name)
}

/// How long one sheet may take in the plugins before the build gives up on it.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Most files listed for one content directory (Tailwind's globs): the walk that lists them is
/// for the cache's keys, and a glob over a huge tree must not stall the build.
const MAX_LISTED: usize = 50_000;

#[derive(Debug)]
pub struct NodeCss {
    root: PathBuf,
    config: Option<PathBuf>,
    tailwind_vite: bool,
    /// `production` for builds, `development` for `nexxo dev` (`NODE_ENV` and the config's `env`).
    mode: &'static str,
    helper: Mutex<Option<Helper>>,
    next_id: AtomicU64,
    /// The output directory (as configured and resolved): Tailwind v4 scans the whole root, but
    /// the build's own output is never an input of it.
    out_dirs: Vec<PathBuf>,
}

/// Who waits for which answer; `None` once the process has ended (nobody will answer).
type Waiters = Arc<Mutex<Option<HashMap<u64, Sender<Value>>>>>;

#[derive(Debug)]
struct Helper {
    child: Child,
    stdin: ChildStdin,
    waiters: Waiters,
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CSS tools of the project at `root` (a PostCSS config is looked for from `root` up to `top`,
/// the workspace root, as a monorepo may keep one config for all its apps).
pub fn detect(root: &Path, top: &Path, out_dir: &Path, mode: &'static str) -> Arc<NodeCss> {
    let config = find_config(root, top);
    // The app's package.json, or its monorepo's (where a shared devDependency is often listed);
    // not any package.json above an app that has none, whose dependencies are not the app's.
    let tailwind_vite = lists_package(&root.join("package.json"), "@tailwindcss/vite")
        || (top != root
            && crate::workspace::is_workspace_root(top)
            && lists_package(&top.join("package.json"), "@tailwindcss/vite"));
    Arc::new(NodeCss {
        root: root.to_path_buf(),
        config,
        tailwind_vite,
        mode,
        helper: Mutex::new(None),
        next_id: AtomicU64::new(1),
        out_dirs: vec![out_dir.to_path_buf(), std::fs::canonicalize(out_dir).unwrap_or_else(|_| out_dir.to_path_buf())],
    })
}

/// The CSS tools of `config`'s project, for the engine (nothing runs until a sheet needs them).
pub fn for_config(config: &nexxo_config::ResolvedConfig, mode: &'static str) -> Option<Arc<dyn CssPlugins>> {
    let top = crate::workspace::default_allow(&config.root);
    let found = detect(&config.root, &top, &config.out_dir, mode);
    if mode == "development" && found.has_postcss() {
        println!("  {} {}", crate::style::Style::stdout().dim("css plugins:"), found.describe());
    }
    Some(found as Arc<dyn CssPlugins>)
}

fn find_config(root: &Path, top: &Path) -> Option<PathBuf> {
    for dir in root.ancestors() {
        let pkg = dir.join("package.json");
        if std::fs::read_to_string(&pkg)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|p| p.get("postcss").is_some_and(|c| c.is_object()))
        {
            return Some(pkg);
        }
        if let Some(found) = CONFIG_FILES.iter().map(|f| dir.join(f)).find(|p| p.is_file()) {
            return Some(found);
        }
        if dir == top || !dir.starts_with(top) {
            break;
        }
    }
    None
}

fn lists_package(package_json: &Path, name: &str) -> bool {
    std::fs::read_to_string(package_json).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok()).is_some_and(|p| {
        ["dependencies", "devDependencies"].iter().any(|k| p.get(k).and_then(|d| d.get(name)).is_some())
    })
}

impl NodeCss {
    /// What the terminal says the build runs.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.tailwind_vite {
            parts.push("Tailwind CSS (@tailwindcss/vite)".to_string());
        }
        if let Some(c) = &self.config {
            let shown = c.strip_prefix(&self.root).unwrap_or(c);
            parts.push(format!("PostCSS ({})", shown.display()));
        }
        parts.join(" and ")
    }

    fn start(&self) -> Result<Helper, String> {
        let mut child = Command::new(std::env::var_os("NEXXO_NODE").unwrap_or_else(|| "node".into()))
            .args(["--input-type=module", "--eval", HELPER])
            .current_dir(&self.root)
            .env("NEXXO_POSTCSS_ROOT", &self.root)
            .env("NEXXO_POSTCSS_CONFIG", self.config.as_deref().unwrap_or(Path::new("")))
            .env("NEXXO_TAILWIND_VITE", if self.tailwind_vite { "1" } else { "0" })
            .env("NEXXO_MODE", self.mode)
            .env("NODE_ENV", std::env::var("NODE_ENV").unwrap_or_else(|_| self.mode.to_string()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start node: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let waiters: Waiters = Arc::new(Mutex::new(Some(HashMap::new())));
        let reading = Arc::clone(&waiters);
        std::thread::Builder::new()
            .name("nexxo-postcss".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let Ok(answer) = serde_json::from_str::<Value>(&line) else { continue };
                    let id = answer["id"].as_u64().unwrap_or(0);
                    if let Some(w) = reading.lock().expect("waiters").as_mut().and_then(|w| w.remove(&id)) {
                        let _ = w.send(answer);
                    }
                }
                // The process ended: whoever still waits hears so now (dropping the senders), and
                // a request sent after this sees it and starts a new process.
                *reading.lock().expect("waiters") = None;
            })
            .map_err(|e| e.to_string())?;
        Ok(Helper { child, stdin, waiters })
    }

    /// Sends `request` (its `id` set here) and waits for the answer; a helper that died is
    /// started again for the next request.
    fn ask(&self, mut request: Value) -> Result<Value, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        request["id"] = id.into();
        let (tx, rx) = channel();
        {
            let mut slot = self.helper.lock().expect("postcss helper");
            let ended = |h: &mut Helper| {
                h.waiters.lock().expect("waiters").is_none() || h.child.try_wait().ok().flatten().is_some()
            };
            if slot.as_mut().is_some_and(ended) {
                *slot = None;
            }
            if slot.is_none() {
                *slot = Some(self.start()?);
            }
            let helper = slot.as_mut().expect("started above");
            // Under the reader's lock: an ending process either answers this or refuses it now.
            match helper.waiters.lock().expect("waiters").as_mut() {
                Some(w) => w.insert(id, tx),
                None => return Err("the PostCSS process stopped".to_string()),
            };
            let mut line = request.to_string();
            line.push('\n');
            if let Err(e) = helper.stdin.write_all(line.as_bytes()).and_then(|()| helper.stdin.flush()) {
                *slot = None;
                return Err(format!("the PostCSS process stopped: {e}"));
            }
        }
        rx.recv_timeout(TIMEOUT).map_err(|e| match e {
            std::sync::mpsc::RecvTimeoutError::Timeout => {
                format!("the CSS plugins gave no answer in {} s", TIMEOUT.as_secs())
            }
            std::sync::mpsc::RecvTimeoutError::Disconnected => "the PostCSS process stopped".to_string(),
        })
    }

    fn rel(&self, file: &Path) -> String {
        file.strip_prefix(&self.root).unwrap_or(file).to_string_lossy().replace('\\', "/")
    }

    fn config_name(&self) -> String {
        self.config.as_deref().map_or_else(|| "@tailwindcss/vite".to_string(), |c| self.rel(c))
    }

    /// The error the plugins reported, located where they say (the sheet, or another file such
    /// as the Tailwind config), with a code frame.
    fn error(&self, file: &Path, rel: &str, css: &str, e: &Value, tool: Tool) -> Diagnostic {
        let message = e["message"].as_str().unwrap_or("the CSS plugins failed");
        let message = match e["plugin"].as_str() {
            Some(p) if !message.starts_with('[') => format!("[{p}] {message}"),
            _ => message.to_string(),
        };
        let mut d = Diagnostic::new(tool.error_code(), message);
        let at = e["file"].as_str().map(PathBuf::from);
        let (line, column) = (e["line"].as_u64(), e["column"].as_u64());
        match at {
            Some(at) if at != file => {
                d = d.with_file(self.rel(&at));
                if let (Some(l), Some(c), Ok(text)) = (line, column, std::fs::read_to_string(&at)) {
                    d = d.at_utf16(&text, l as u32, c as u32);
                }
            }
            _ => {
                d = d.with_file(rel);
                if let (Some(l), Some(c)) = (line, column) {
                    d = d.at_utf16(css, l as u32, c as u32);
                }
            }
        }
        let from = match tool {
            Tool::PostCss => format!("the CSS plugins of {}", self.config_name()),
            Tool::Preprocessor(lang) => format!("the `{}` compiler the project installed", lang.package()),
        };
        let hint = match e["hint"].as_str() {
            Some(h) => h.to_string(),
            None => match e["stack"].as_str() {
                Some(stack) => format!("from {from}:\n{stack}"),
                None => format!("the error comes from {from} (NEXXO_DEBUG=1 shows where in it)"),
            },
        };
        d.with_hint(hint)
    }
}

impl CssPlugins for NodeCss {
    fn has_postcss(&self) -> bool {
        self.config.is_some() || self.tailwind_vite
    }

    fn process(&self, file: &Path, rel: &str, css: &str) -> Result<Processed, Diagnostic> {
        self.run(json!({ "file": file, "css": css }), file, rel, css, Tool::PostCss)
    }

    fn preprocess(
        &self,
        lang: Preprocessor,
        file: &Path,
        rel: &str,
        source: &str,
        options: &serde_json::Map<String, Value>,
    ) -> Result<Processed, Diagnostic> {
        let request = json!({ "file": file, "css": source, "lang": lang.package(), "options": options });
        self.run(request, file, rel, source, Tool::Preprocessor(lang))
    }

    fn is_config(&self, file: &Path) -> bool {
        self.config.as_deref() == Some(file)
    }

    fn reload(&self) {
        // The next request starts a fresh process, which loads the config and plugins anew.
        *self.helper.lock().expect("postcss helper") = None;
    }
}

/// Which tool a request is for: it names the diagnostics.
#[derive(Clone, Copy)]
enum Tool {
    PostCss,
    Preprocessor(Preprocessor),
}

impl Tool {
    fn error_code(self) -> &'static str {
        match self {
            Tool::PostCss => "POSTCSS_ERROR",
            Tool::Preprocessor(Preprocessor::Less) => "LESS_ERROR",
            Tool::Preprocessor(Preprocessor::Stylus) => "STYLUS_ERROR",
        }
    }

    fn warning_code(self) -> &'static str {
        match self {
            Tool::PostCss => "POSTCSS_WARNING",
            Tool::Preprocessor(Preprocessor::Less) => "LESS_WARNING",
            Tool::Preprocessor(Preprocessor::Stylus) => "STYLUS_WARNING",
        }
    }
}

impl NodeCss {
    /// Sends one sheet to the helper and reads its answer.
    fn run(&self, request: Value, file: &Path, rel: &str, css: &str, tool: Tool) -> Result<Processed, Diagnostic> {
        let answer = self.ask(request).map_err(|e| {
            Diagnostic::new(tool.error_code(), format!("{rel}: {e}")).with_file(rel).with_hint(
                "Nexxo runs the project's PostCSS, Tailwind CSS, Less and Stylus with Node.js: install Node.js, or set NEXXO_NODE to its path",
            )
        })?;
        if answer.get("error").is_some() {
            return Err(self.error(file, rel, css, &answer["error"], tool));
        }
        let paths = |v: &Value| -> Vec<PathBuf> {
            v.as_array().into_iter().flatten().filter_map(|p| p.as_str()).map(PathBuf::from).collect()
        };
        let mut out = Processed {
            css: answer["css"].as_str().unwrap_or_default().to_string(),
            dependencies: paths(&answer["deps"]),
            dir_dependencies: answer["dirs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| Some((PathBuf::from(d["dir"].as_str()?), d["glob"].as_str()?.to_string())))
                .collect(),
            warnings: Vec::new(),
        };
        for w in answer["warnings"].as_array().into_iter().flatten() {
            let text = w["text"].as_str().unwrap_or_default();
            let text = match w["plugin"].as_str() {
                Some(p) => format!("[{p}] {text}"),
                None => text.to_string(),
            };
            let mut d = Diagnostic::new(tool.warning_code(), text).with_file(rel);
            if let (Some(l), Some(c)) = (w["line"].as_u64(), w["column"].as_u64()) {
                d = d.at_utf16(css, l as u32, c as u32);
            }
            out.warnings.push(d);
        }
        // The files the content globs match now are inputs too: the build cache keys on them.
        // Dev matches later edits against the globs themselves, so it walks nothing per request.
        let mut listed = Vec::new();
        if self.mode == "production" {
            for (dir, _) in &out.dir_dependencies {
                list_files(dir, &mut listed);
            }
        }
        listed.retain(|f| out.depends_on(f));
        out.dependencies.extend(listed);
        out.dependencies.retain(|p| p.is_absolute() && !self.out_dirs.iter().any(|o| p.starts_with(o)));
        out.dependencies.sort();
        out.dependencies.dedup();
        Ok(out)
    }
}

/// The files under `dir`, skipping `node_modules` and dot directories (as Tailwind does).
fn list_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut stack = vec![dir.to_path_buf()];
    let start = out.len();
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            if out.len() - start >= MAX_LISTED {
                return;
            }
            let name = e.file_name();
            let name = name.to_string_lossy();
            match e.file_type() {
                Ok(t) if t.is_dir() => {
                    if name != "node_modules" && !name.starts_with('.') {
                        stack.push(e.path());
                    }
                }
                Ok(t) if t.is_file() => out.push(e.path()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_config_up_to_the_workspace_root() {
        let top = std::env::temp_dir().join(format!("nexxo-postcss-{}", std::process::id()));
        let app = top.join("apps/web");
        std::fs::create_dir_all(&app).unwrap();
        assert_eq!(find_config(&app, &top), None);
        std::fs::write(top.join("postcss.config.js"), "export default {}").unwrap();
        assert_eq!(find_config(&app, &top), Some(top.join("postcss.config.js")));
        // Not above the workspace root.
        assert_eq!(find_config(&app, &app), None);
        std::fs::write(app.join("package.json"), r#"{"postcss": {"plugins": {}}}"#).unwrap();
        assert_eq!(find_config(&app, &top), Some(app.join("package.json")));
        std::fs::write(app.join("package.json"), r#"{"devDependencies": {"@tailwindcss/vite": "4"}}"#).unwrap();
        assert!(lists_package(&app.join("package.json"), "@tailwindcss/vite"));
        // Listed at the workspace root only.
        std::fs::write(app.join("package.json"), "{}").unwrap();
        std::fs::remove_file(top.join("postcss.config.js")).unwrap();
        assert!(!detect(&app, &top, &app.join("dist"), "production").has_postcss());
        std::fs::write(top.join("package.json"), r#"{"devDependencies": {"@tailwindcss/vite": "4"}}"#).unwrap();
        assert!(!detect(&app, &top, &app.join("dist"), "production").has_postcss(), "not a workspace root");
        std::fs::write(
            top.join("package.json"),
            r#"{"workspaces": ["apps/*"], "devDependencies": {"@tailwindcss/vite": "4"}}"#,
        )
        .unwrap();
        assert!(detect(&app, &top, &app.join("dist"), "production").has_postcss());
        assert!(!detect(&app, &app, &app.join("dist"), "production").has_postcss(), "not above the workspace root");
        std::fs::remove_dir_all(&top).unwrap();
    }
}
