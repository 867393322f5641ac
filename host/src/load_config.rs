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

/// Loads and resolves the configuration; prints the problem and returns the exit code on failure.
pub fn load(common: &CommonArgs, mut cli: CliOverrides) -> Result<ResolvedConfig, ExitCode> {
    let root = resolve_root(&common.root)?;
    cli.mode = common.mode.clone().or(cli.mode);
    cli.out_dir = common.out_dir.clone().or(cli.out_dir);
    let process_env: Vec<(String, String)> = std::env::vars().collect();
    nexxo_config::load(&root, common.config.as_deref(), cli, &process_env, |p| std::fs::read_to_string(p)).map_err(
        |e| {
            style::error(&e.to_string());
            if e.line.is_some() {
                eprintln!("hint: every field is documented in README.md under \"Configuration\"");
            }
            ExitCode::FAILURE
        },
    )
}
