//! File watching: inotify events, settled over a few milliseconds so an editor's
//! write-temp-then-rename save or a burst from `git checkout` becomes one batch of changes; a
//! plain write is taken as soon as its writer closes the file.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};

use super::DevState;

/// A path that changed, and whether the event says its writer is done with it (`close_write`).
type Change = (PathBuf, bool);

pub fn start(state: Arc<DevState>) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Change>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        let closed = matches!(event.kind, EventKind::Access(AccessKind::Close(AccessMode::Write)));
        if closed || !event.kind.is_access() {
            for p in event.paths {
                let _ = tx.send((p, closed));
            }
        }
    })?;
    watcher.watch(&state.config.root, RecursiveMode::Recursive)?;
    let root = state.config.root.clone();
    let out_dir = state.config.out_dir.clone();
    tokio::spawn(async move {
        while let Some((first, mut done)) = rx.recv().await {
            let mut batch = BTreeSet::from([first]);
            // A writer closing the file means the save is complete: take what is already queued
            // and go. Otherwise (save-by-rename, deletes, bursts) wait until 3 ms pass quietly.
            loop {
                let next = if done {
                    rx.try_recv().ok()
                } else {
                    tokio::time::timeout(Duration::from_millis(3), rx.recv()).await.ok().flatten()
                };
                let Some((p, closed)) = next else { break };
                done |= closed;
                batch.insert(p);
            }
            for path in batch {
                let Ok(rel) = path.strip_prefix(&root) else { continue };
                let ignored = path.starts_with(&out_dir)
                    || rel.components().any(|c| {
                        let s = c.as_os_str().to_string_lossy();
                        s == "node_modules" || s.starts_with('.')
                    });
                if !ignored {
                    super::hmr::on_change(&state, &path).await;
                }
            }
        }
    });
    Ok(watcher)
}
