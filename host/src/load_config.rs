//! Reads what the engine needs from disk: the config file, `.env` files, the process env.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nexxo_config::{CONFIG_FILE, CliOverrides, ENV_FILES, ResolvedConfig, UserConfig, parse_config};

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
    let (config_path, explicit) = match &common.config {
        Some(p) => (p.clone(), true),
        None => (root.join(CONFIG_FILE), false),
    };
    let user = match std::fs::read_to_string(&config_path) {
        Ok(text) => parse_config(&config_path.display().to_string(), &text).map_err(|e| {
            style::error(&e.to_string());
            eprintln!("hint: every field is documented in README.md under \"Configuration\"");
            ExitCode::FAILURE
        })?,
        Err(e) if explicit || e.kind() != std::io::ErrorKind::NotFound => {
            style::error(&format!("cannot read config {}: {e}", config_path.display()));
            return Err(ExitCode::FAILURE);
        }
        Err(_) => UserConfig::default(),
    };
    cli.mode = common.mode.clone().or(cli.mode);
    cli.out_dir = common.out_dir.clone().or(cli.out_dir);
    let mode = cli.mode.clone().or_else(|| user.mode.clone()).unwrap_or_else(|| "production".into());
    let env_dir = root.join(user.env_dir.as_deref().unwrap_or("."));
    let mut env_files = Vec::new();
    for name in ENV_FILES {
        let name = name.replace("{mode}", &mode);
        let path = env_dir.join(&name);
        match std::fs::read_to_string(&path) {
            Ok(text) => env_files.push((path.display().to_string(), text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                style::error(&format!("cannot read {}: {e}", path.display()));
                return Err(ExitCode::FAILURE);
            }
        }
    }
    let process_env: Vec<(String, String)> = std::env::vars().collect();
    ResolvedConfig::resolve(&root, &user, &cli, &env_files, &process_env).map_err(|e| {
        style::error(&e.to_string());
        ExitCode::FAILURE
    })
}
