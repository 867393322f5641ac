//! File watching: inotify events, settled over a few milliseconds so an editor's
//! write-temp-then-rename save or a burst from `git checkout` becomes one batch of changes.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::DevState;

pub fn start(state: Arc<DevState>) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && !event.kind.is_access()
        {
            for p in event.paths {
                let _ = tx.send(p);
            }
        }
    })?;
    watcher.watch(&state.config.root, RecursiveMode::Recursive)?;
    let root = state.config.root.clone();
    let out_dir = state.config.out_dir.clone();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = BTreeSet::from([first]);
            while let Ok(Some(p)) = tokio::time::timeout(Duration::from_millis(3), rx.recv()).await {
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
