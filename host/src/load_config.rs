//! Reads what the engine needs from disk: the config file, `.env` files, the process env.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nexxo_config::{CliOverrides, ResolvedConfig};

use crate::CommonArgs;
use crate::style;

pub fn resolve_root(root: &Path) -> Result<PathBuf, ExitCode> {
    match std::fs::canonicalize(root) {
        Ok(p) if p.is_dir() => Ok(p),
        Ok(p) => {
            style::error(&format!("project root {} is not a directory", p.display()));
            Err(ExitCode::FAILURE)
        }
        Err(e) => {
            style::error(&format!("cannot open project root {}: {e}", root.display()));
            Err(ExitCode::FAILURE)
        }
    }
}

/// Loads and resolves the configuration (nexxo.config.json, or the project's `vite.config.*`
/// translated in memory when it has none, run with Node.js first when it is code); prints the problem and returns the exit code on
/// failure, and says what of a Vite config was applied and what was not.
pub fn load(common: &CommonArgs, cli: CliOverrides, command: &'static str) -> Result<ResolvedConfig, ExitCode> {
    let loaded = load_quiet(common, cli, command)?;
    report(&loaded);
    Ok(loaded.config)
}

/// Says what of a Vite config was applied (a dim line) and what was not (a warning).
pub fn report(loaded: &nexxo_migrate::Loaded) {
    let Some((_, report)) = &loaded.vite else { return };
    if let Some(applied) = &report.applied {
        let s = style::Style::stdout();
        println!("  {} {}", s.dim("config:"), s.dim(applied));
    }
    if let Some(warning) = &report.warning {
        style::warning(warning);
    }
}

/// [`load`] without the report on a Vite config: for loading again what was loaded and reported
/// already (`nexxo dev` on a `.env` edit). `command` is what a Vite config that is code is run
/// for: `build`, `serve` or `preview`.
pub fn load_quiet(
    common: &CommonArgs,
    mut cli: CliOverrides,
    command: &'static str,
) -> Result<nexxo_migrate::Loaded, ExitCode> {
    let root = resolve_root(&common.root)?;
    cli.mode = common.mode.clone().or(cli.mode);
    cli.out_dir = common.out_dir.clone().or(cli.out_dir);
    let process_env: Vec<(String, String)> = std::env::vars().collect();
    let runner = crate::vite_config::NodeRunner { command };
    let read = |p: &Path| std::fs::read_to_string(p);
    nexxo_migrate::load_config(&root, common.config.as_deref(), cli, &process_env, read, Some(&runner)).map_err(|e| {
        style::error(&e.to_string());
        if e.line.is_some() {
            eprintln!("hint: every field is documented in README.md under \"Configuration\"");
        }
        ExitCode::FAILURE
    })
}
