//! File watching: inotify events, settled over a few milliseconds so an editor's
//! write-temp-then-rename save or a burst from `git checkout` becomes one batch of changes; a
//! plain write is taken as soon as its writer closes the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use nexxo_dev::Change;
use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode, Watcher};

use super::Server;
use crate::style::Style;

/// What an event says about a path's writer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Data written through an open file (truncation included): more may follow until it closes.
    Writing,
    /// The writer closed the file: this save is complete.
    Closed,
    /// Created, renamed, deleted, metadata.
    Other,
}

/// How long a batch waits for a writer that truncated or wrote a file to close it. A reader that
/// went ahead would see an empty or half-written module.
const OPEN_WRITE_WAIT: Duration = Duration::from_millis(200);

pub fn start(state: Arc<Server>) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(PathBuf, Step)>();
    let root = state.session.config().root.clone();
    let out_dir = state.session.config().out_dir.clone();
    // Dropped before batching: the cache's own write-ahead log (under node_modules/.nexxo) stays
    // open for writing and must not hold a batch back.
    let ignored = move |path: &Path| {
        let Ok(rel) = path.strip_prefix(&root) else { return true };
        // Dotfiles are not the app's, except `.env` files: a change reloads `import.meta.env`
        // (see `hmr::on_change`).
        let last = rel.components().count().saturating_sub(1);
        path.starts_with(&out_dir)
            || rel.components().enumerate().any(|(i, c)| {
                let s = c.as_os_str().to_string_lossy();
                s == "node_modules" || (s.starts_with('.') && !(i == last && s.starts_with(".env")))
            })
    };
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        let step = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Step::Closed,
            EventKind::Access(_) => return,
            EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => Step::Writing,
            _ => Step::Other,
        };
        for p in event.paths.into_iter().filter(|p| !ignored(p)) {
            let _ = tx.send((p, step));
        }
    })?;
    watcher.watch(&state.session.config().root, RecursiveMode::Recursive)?;
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = BTreeSet::new();
            let mut open = BTreeSet::new();
            let mut closed_one = false;
            let mut note = |(p, step): (PathBuf, Step)| {
                match step {
                    Step::Writing => {
                        open.insert(p.clone());
                    }
                    Step::Closed => {
                        open.remove(&p);
                        closed_one = true;
                    }
                    Step::Other => {}
                }
                batch.insert(p);
                (open.is_empty(), closed_one)
            };
            let (mut settled, mut done) = note(first);
            // Go as soon as every file written to is closed again and one close says a save is
            // complete, taking what is already queued. Otherwise (save-by-rename, deletes,
            // bursts) wait until 3 ms pass quietly; a file still open for writing gets longer.
            loop {
                let next = if !settled {
                    tokio::time::timeout(OPEN_WRITE_WAIT, rx.recv()).await.ok().flatten()
                } else if done {
                    rx.try_recv().ok()
                } else {
                    tokio::time::timeout(Duration::from_millis(3), rx.recv()).await.ok().flatten()
                };
                let Some(change) = next else { break };
                (settled, done) = note(change);
            }
            for path in batch {
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

/// Hands one change to the session and logs what it did.
async fn changed_file(server: &Server, path: &Path) {
    let started = std::time::Instant::now();
    match server.session.file_changed(path, super::now_ms()).await {
        Change::Updated(names) => {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            println!("  hmr update {} {}", names.join(", "), Style::stdout().dim(&format!("({ms:.1} ms)")));
        }
        Change::Reloaded(url) => println!("  page reload {url}"),
        Change::EnvFile => {
            // Loaded again as at start-up; a broken file prints its problem and the old values stay.
            if let Ok(config) = super::dev_config(&server.config_args)
                && server.session.env_changed(&config).await
            {
                println!("  .env changed: reloading pages with the new import.meta.env");
            }
        }
        Change::Nothing | Change::Failed => {}
    }
}
