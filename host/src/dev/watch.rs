//! `nexxo dev`'s side of file watching: each settled batch of changes (see [`crate::watch`])
//! goes to the session, one path at a time, and what it did is logged.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nexxo_dev::Change;

use super::Server;
use crate::style::Style;

/// `extra`: the directories outside the root the page may import sources from (`server.fs.allow`,
/// by default the workspace root), so an edit of a monorepo's shared package updates the page.
pub fn start(state: Arc<Server>, extra: &[PathBuf]) -> notify::Result<crate::watch::Watching> {
    let (watcher, mut batches, left_out) = {
        let config = state.session.config();
        crate::watch::batches(&config.root, &config.out_dir, extra)?
    };
    if left_out > 0 {
        eprintln!(
            "{} {left_out} directories outside the root (server.fs.allow) are not watched: edits there need a reload",
            Style::stderr().yellow("warning:")
        );
    }
    tokio::spawn(async move {
        while let Some(batch) = batches.recv().await {
            for path in batch.paths {
                // A bug that panics while handling one change must not end HMR for the session.
                let task_state = Arc::clone(&state);
                let changed = path.clone();
                let handled = tokio::spawn(async move { changed_file(&task_state, &changed).await }).await;
                if handled.is_err() {
                    let d = nexxo_diagnostics::Diagnostic::new(
                        "INTERNAL",
                        format!("internal error while updating {}", path.display()),
                    )
                    .with_hint("this is a bug in Nexxo; the next save retries");
                    state.session.report_error(&d);
                }
            }
        }
    });
    Ok(watcher)
}

/// Whether `path` is a file the session's config is made from ([`nexxo_migrate::is_config_source`]),
/// whose edit restarts it. `.env` files are not: they change `import.meta.env` only.
fn is_config_file(server: &Server, path: &Path) -> bool {
    let explicit = server.config_args.config.as_ref().and_then(|c| std::fs::canonicalize(c).ok());
    nexxo_migrate::is_config_source(&server.session.config().root, path, explicit.as_deref())
}

/// Hands one change to the session and logs what it did.
async fn changed_file(server: &Server, path: &Path) {
    if is_config_file(server, path) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // Loaded once here to check it: a config with an error must not take the server down.
        if super::dev_config(&server.config_args, false).is_ok() {
            println!("  {name} changed: restarting the dev server");
            server.restart.notify_one();
        } else {
            println!("  {name} has an error (above): the server goes on with the last good config");
        }
        return;
    }
    let started = std::time::Instant::now();
    match server.session.file_changed(path, super::now_ms()).await {
        Change::Updated(names) => {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            println!("  hmr update {} {}", names.join(", "), Style::stdout().dim(&format!("({ms:.1} ms)")));
        }
        Change::Reloaded(url) => println!("  page reload {url}"),
        Change::EnvFile => {
            // Loaded again as at start-up; a broken file prints its problem and the old values stay.
            if let Ok(config) = super::dev_config(&server.config_args, false)
                && server.session.env_changed(&config).await
            {
                println!("  .env changed: reloading pages with the new import.meta.env");
            }
        }
        Change::Nothing | Change::Failed => {}
    }
}
