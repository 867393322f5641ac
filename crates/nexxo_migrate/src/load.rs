//! The config every host runs a project with: `nexxo.config.json` (or the `--config` file), or,
//! when the project has neither, its Vite config translated in memory as `nexxo migrate` would
//! translate it (nothing written). A Vite user's `vite.config.ts` with `base` or `resolve.alias`
//! is then what Vite would make of it, without a migration step; what cannot be translated
//! (plugins, code) is reported, located, and left out.

use std::io::ErrorKind;
use std::path::Path;

use nexxo_config::{CONFIG_FILE, CliOverrides, ConfigError, ResolvedConfig, UserConfig};

use crate::{VITE_CONFIG_FILES, ViteConfigReport, migrate, needs_run, report, report_run};

/// Runs a Vite config that is code, as Vite does (the native CLI, with Node.js; the WASM engine
/// has nothing to run JavaScript with and passes none).
pub trait RunConfig {
    /// Runs `root`/`file` (its text is `text`) for `mode`; returns the config it made as the
    /// source text of a config object that [`migrate`] translates, or why it could not run.
    fn run(&self, root: &Path, file: &str, text: &str, mode: &str) -> Result<String, String>;
}

/// A loaded config and, when it came from a Vite config, what to tell the user about that.
#[derive(Debug)]
pub struct Loaded {
    pub config: ResolvedConfig,
    /// The Vite config's name and report; `None` for nexxo.config.json (or no config at all).
    pub vite: Option<(String, ViteConfigReport)>,
}

/// Whether `path` is a file the config of the project at `root` is made from, whose edit makes a
/// host load the config again: `explicit` (the `--config` file) or else nexxo.config.json and the
/// Vite configs in the root, and a root `tsconfig*.json` (its JSX and class-field settings).
/// `.env` files are not among them: each host handles those its own way.
pub fn is_config_source(root: &Path, path: &Path, explicit: Option<&Path>) -> bool {
    let in_root = path.parent() == Some(root);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let tsconfig = in_root && name.starts_with("tsconfig") && name.ends_with(".json");
    tsconfig
        || match explicit {
            Some(file) => path == file,
            None => in_root && (name == CONFIG_FILE || VITE_CONFIG_FILES.contains(&name)),
        }
}

/// [`nexxo_config::load`], falling back to the first `vite.config.*` in `root` (Vite's order) when
/// there is no `config_file` and no `nexxo.config.json`. `read` returns `ErrorKind::NotFound` for
/// missing files, as for [`nexxo_config::load`]; it is also how an in-memory host's project (the
/// playground's, the edge worker's) gets the same config as the native CLI. A Vite config that is
/// code (or has values that are) is run by `run` when there is one, and what it returns is
/// translated; without one, or when the run fails, it is read as data.
pub fn load_config(
    root: &Path,
    config_file: Option<&Path>,
    cli: CliOverrides,
    process_env: &[(String, String)],
    read: impl Fn(&Path) -> std::io::Result<String>,
    run: Option<&dyn RunConfig>,
) -> Result<Loaded, ConfigError> {
    // What `nexxo.config.json` holds, read once: to see whether it exists, and then as the config
    // (`nexxo_config::load` asks for the same path).
    let nexxo_config = root.join(CONFIG_FILE);
    let first = config_file.is_none().then(|| read(&nexxo_config));
    if matches!(&first, Some(Err(e)) if e.kind() == ErrorKind::NotFound) {
        for name in VITE_CONFIG_FILES {
            let text = match read(&root.join(name)) {
                Ok(text) => nexxo_config::strip_bom(text),
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                // A directory of that name, unreadable bytes: reported, and Vite's next name is
                // not tried (Vite would have stopped at this one too).
                Err(e) => {
                    let config = nexxo_config::load_user(root, &UserConfig::default(), cli, process_env, &read)?;
                    let warning = format!("{name} is not read: {e}");
                    return Ok(Loaded {
                        config,
                        vite: Some((name.to_string(), ViteConfigReport { applied: None, warning: Some(warning) })),
                    });
                }
            };
            let mut translation = migrate(name, &text);
            let mut said = report(name, &translation);
            if let Some(run) = run.filter(|_| needs_run(&translation)) {
                // The mode the config is run for: the command line's (dev's is development), as
                // Vite's; a `mode` the config itself sets is only known after the run.
                let mode = cli.mode.clone().unwrap_or_else(|| "production".into());
                match run.run(root, name, &text, &mode) {
                    Ok(made) => {
                        translation = migrate(name, &made);
                        said = report_run(name, &translation);
                    }
                    Err(why) => {
                        let first = format!("{name} could not be run: {why}; it is read as data");
                        said.warning = Some(match said.warning {
                            Some(w) => format!("{first}\n{w}"),
                            None => first,
                        });
                    }
                }
            }
            let user = match &translation {
                // `migrate` checked that Nexxo reads its output; a failure here is reported as the
                // config file's, at the place serde names.
                Ok(m) => nexxo_config::parse_config(name, &m.json)?,
                Err(_) => UserConfig::default(),
            };
            let config = nexxo_config::load_user(root, &user, cli, process_env, &read)?;
            return Ok(Loaded { config, vite: Some((name.to_string(), said)) });
        }
    }
    let kept = std::cell::RefCell::new(first.and_then(Result::ok));
    let read_once = |p: &Path| {
        if p == nexxo_config
            && let Some(text) = kept.borrow_mut().take()
        {
            return Ok(text);
        }
        read(p)
    };
    let config = nexxo_config::load(root, config_file, cli, process_env, read_once)?;
    Ok(Loaded { config, vite: None })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::PathBuf;

    use super::*;

    fn load(files: &[(&str, &str)]) -> Loaded {
        let root = PathBuf::from("/p");
        let files: HashMap<PathBuf, String> = files.iter().map(|(p, t)| (root.join(p), t.to_string())).collect();
        load_config(
            &root,
            None,
            CliOverrides::default(),
            &[],
            |p| files.get(p).cloned().ok_or_else(|| std::io::Error::from(ErrorKind::NotFound)),
            None,
        )
        .unwrap()
    }

    #[test]
    fn nexxo_config_json_is_read_once() {
        let root = PathBuf::from("/p");
        let reads = std::cell::Cell::new(0);
        let loaded = load_config(
            &root,
            None,
            CliOverrides::default(),
            &[],
            |p| {
                if p.ends_with(CONFIG_FILE) {
                    reads.set(reads.get() + 1);
                    return Ok(r#"{ "base": "/once/" }"#.to_string());
                }
                Err(std::io::Error::from(ErrorKind::NotFound))
            },
            None,
        )
        .unwrap();
        assert_eq!(loaded.config.base, "/once/");
        assert_eq!(reads.get(), 1);
    }

    #[test]
    fn a_vite_config_is_applied_when_there_is_no_nexxo_config() {
        let vite = "import { defineConfig } from 'vite'\nimport legacy from '@vitejs/plugin-legacy'\nimport path from 'node:path'\nexport default defineConfig({\n  plugins: [legacy()],\n  base: '/app/',\n  resolve: { alias: { '@': path.resolve(__dirname, 'src') } },\n})\n";
        let loaded = load(&[("vite.config.ts", vite)]);
        assert_eq!(loaded.config.base, "/app/");
        let (name, report) = loaded.vite.expect("the Vite config is used");
        assert_eq!(name, "vite.config.ts");
        assert_eq!(
            report.applied.as_deref(),
            Some("vite.config.ts (as `nexxo migrate` translates it): base, resolve.alias")
        );
        let warning = report.warning.expect("the plugin is reported");
        assert!(warning.contains("plugin `legacy()` (vite.config.ts:5:13)"), "{warning}");

        // nexxo.config.json wins, and nothing is said about the Vite config.
        let loaded = load(&[("vite.config.ts", vite), ("nexxo.config.json", "{}")]);
        assert_eq!(loaded.config.base, "/");
        assert!(loaded.vite.is_none());
    }

    #[test]
    fn vite_s_order_and_a_config_that_is_code() {
        let loaded = load(&[
            ("vite.config.ts", "export default { base: '/ts/' }"),
            ("vite.config.js", "export default { base: '/js/' }"),
        ]);
        assert_eq!(loaded.config.base, "/js/");
        // Code is not run: the defaults, and a located warning.
        let loaded = load(&[(
            "vite.config.mjs",
            "export default defineConfig(({ mode }) => {\n  const env = loadEnv(mode, '.')\n  return { base: env.BASE }\n})\n",
        )]);
        assert_eq!(loaded.config.base, "/");
        let (_, report) = loaded.vite.unwrap();
        assert_eq!(report.applied, None);
        assert!(report.warning.unwrap().starts_with("vite.config.mjs is not read: "));
        // create-vite's config: nothing to apply, nothing to say.
        let loaded = load(&[(
            "vite.config.ts",
            "import { defineConfig } from 'vite'\nimport react from '@vitejs/plugin-react'\nexport default defineConfig({\n  plugins: [react()],\n})\n",
        )]);
        assert_eq!(loaded.vite.unwrap().1, ViteConfigReport::default());
    }

    /// Stands in for Node.js: returns a fixed config source, or fails; counts its runs.
    struct Fake(Result<&'static str, &'static str>, std::cell::Cell<u32>);

    impl RunConfig for Fake {
        fn run(&self, _: &Path, _: &str, _: &str, mode: &str) -> Result<String, String> {
            assert_eq!(mode, "production");
            self.1.set(self.1.get() + 1);
            self.0.map(str::to_string).map_err(str::to_string)
        }
    }

    fn load_running(vite: &str, run: &Fake) -> Loaded {
        let root = PathBuf::from("/p");
        let read = |p: &Path| {
            if p == root.join("vite.config.ts") {
                Ok(vite.to_string())
            } else {
                Err(std::io::Error::from(ErrorKind::NotFound))
            }
        };
        load_config(&root, None, CliOverrides::default(), &[], read, Some(run)).unwrap()
    }

    #[test]
    fn a_config_that_is_code_is_run_and_what_it_returns_is_translated() {
        let code = "export default defineConfig(({ mode }) => {\n  const env = loadEnv(mode, '.')\n  return { base: env.BASE }\n})\n";
        let made = "import plugin0 from \"@vitejs/plugin-react\";\nexport default { \"plugins\": [plugin0(), \"vite:legacy\"], \"base\": \"/made/\" }\n";
        let run = Fake(Ok(made), Default::default());
        let loaded = load_running(code, &run);
        assert_eq!(loaded.config.base, "/made/");
        let (_, report) = loaded.vite.unwrap();
        assert_eq!(report.applied.as_deref(), Some("vite.config.ts (run with Node.js, as Vite does): base"));
        let warning = report.warning.unwrap();
        assert!(
            warning
                .starts_with("vite.config.ts: Nexxo runs without what it cannot translate: plugin `\"vite:legacy\"`"),
            "{warning}"
        );
        assert!(!warning.contains("(vite.config.ts:"), "nothing located in text the user did not write: {warning}");

        // A value that is code makes a run too; plain data does not.
        let env_value = "export default { base: process.env.BASE }";
        let run = Fake(Ok(made), Default::default());
        assert_eq!(load_running(env_value, &run).config.base, "/made/");
        assert_eq!(run.1.get(), 1);
        let run = Fake(Ok(made), Default::default());
        assert_eq!(load_running("export default { base: '/data/', plugins: [legacy()] }", &run).config.base, "/data/");
        assert_eq!(run.1.get(), 0, "data and plugins need no run");

        // A run that fails: read as data, and both are said.
        let run = Fake(Err("boom"), Default::default());
        let loaded = load_running(env_value, &run);
        assert_eq!(loaded.config.base, "/");
        let warning = loaded.vite.unwrap().1.warning.unwrap();
        assert!(
            warning.starts_with(
                "vite.config.ts could not be run: boom; it is read as data\nvite.config.ts: Nexxo runs without"
            ),
            "{warning}"
        );
    }
}
