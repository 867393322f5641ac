//! `nexxo migrate`: reads a project's Vite config, translates it with `nexxo_migrate` (which reads
//! it as data, never runs it) and writes nexxo.config.json next to it, printing what it could not
//! translate. Also the warning of build, dev and preview about a Vite config they do not read.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nexxo_config::CONFIG_FILE;
use nexxo_migrate::VITE_CONFIG_FILES;

use crate::MigrateArgs;
use crate::style::{self, Style};

pub fn run(args: MigrateArgs) -> Result<(), ExitCode> {
    let (dir, config) = find_config(&args.root)?;
    let target = dir.join(CONFIG_FILE);
    // symlink_metadata: a dangling symlink named nexxo.config.json is still something the user has.
    if !args.dry_run && !args.force && target.symlink_metadata().is_ok() {
        style::error(&format!(
            "{} already exists; nothing written\nhint: pass --force to replace it, or --dry-run to print the translation",
            target.display()
        ));
        return Err(ExitCode::FAILURE);
    }
    let shown = config.display().to_string();
    let text = std::fs::read_to_string(&config).map_err(|e| {
        style::error(&format!("cannot read {shown}: {e}"));
        ExitCode::FAILURE
    })?;
    let text = nexxo_config::strip_bom(text);
    let migration = nexxo_migrate::migrate(&shown, &text).map_err(|d| {
        style::error(d.to_string().trim_end());
        ExitCode::FAILURE
    })?;
    let err = Style::stderr();
    for note in &migration.notes {
        eprintln!("{} {shown}:{}:{}: {}", err.yellow(&err.bold("warning:")), note.line, note.column, note.message);
    }
    if args.dry_run {
        print!("{}", migration.json);
        return Ok(());
    }
    write_atomic(&target, migration.json.as_bytes()).map_err(|e| {
        style::error(&format!("cannot write {}: {e}", target.display()));
        ExitCode::FAILURE
    })?;
    let out = Style::stdout();
    let notes = match migration.notes.len() {
        0 => String::new(),
        1 => ", 1 note above".into(),
        n => format!(", {n} notes above"),
    };
    println!(
        "{} wrote {} from {shown} ({} {} translated{notes})",
        out.green("✓"),
        target.display(),
        migration.fields,
        if migration.fields == 1 { "field" } else { "fields" },
    );
    println!("  next: nexxo dev {0} / nexxo build {0} (.env files and VITE_ variables work unchanged)", dir.display());
    Ok(())
}

/// ROOT is a project directory (its `vite.config.*` is used, in Vite's order) or the config file.
fn find_config(root: &Path) -> Result<(PathBuf, PathBuf), ExitCode> {
    if root.is_file() {
        let dir = root.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        return Ok((dir.to_path_buf(), root.to_path_buf()));
    }
    if !root.is_dir() {
        style::error(&format!("{} does not exist", root.display()));
        return Err(ExitCode::FAILURE);
    }
    match vite_config_in(root) {
        Some(config) => Ok((root.to_path_buf(), config)),
        None => {
            style::error(&format!(
                "no Vite config in {} (looked for {})\nhint: run nexxo migrate in the directory of vite.config.ts, or \
                 pass the config file: nexxo migrate path/to/vite.config.js",
                root.display(),
                VITE_CONFIG_FILES.join(", ")
            ));
            Err(ExitCode::FAILURE)
        }
    }
}

/// The Vite config Vite would use in `dir`: the first of its names that is a file.
fn vite_config_in(dir: &Path) -> Option<PathBuf> {
    VITE_CONFIG_FILES.iter().map(|name| dir.join(name)).find(|p| p.is_file())
}

/// Writes a temporary file beside `target`, flushes it and renames it over `target`: readers see
/// the old file or the whole new one, never a half-written config.
fn write_atomic(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{CONFIG_FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
