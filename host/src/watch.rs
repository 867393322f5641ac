//! File watching shared by `nexxo dev` (HMR) and `nexxo build --watch`: inotify events under the
//! project root, settled over a few milliseconds so an editor's write-temp-then-rename save or a
//! burst from `git checkout` becomes one batch of changed paths; a plain write is taken as soon
//! as its writer closes the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

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

/// Whether a change to `path` is none of the app's: outside `root`, in the output directory, in
/// node_modules (the cache's own write-ahead log lives there and stays open for writing, which
/// would hold every batch back), or a dotfile other than a `.env` file (`.git`, editors' swap
/// files).
fn ignored(root: &Path, out_dir: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return true };
    let last = rel.components().count().saturating_sub(1);
    path.starts_with(out_dir)
        || rel.components().enumerate().any(|(i, c)| {
            let s = c.as_os_str().to_string_lossy();
            s == "node_modules" || (s.starts_with('.') && !(i == last && s.starts_with(".env")))
        })
}

/// Watches `root` recursively and sends each settled batch of changed paths. Runs on the current
/// tokio runtime; the returned watcher stops the events when dropped.
pub fn batches(
    root: &Path,
    out_dir: &Path,
) -> notify::Result<(notify::RecommendedWatcher, mpsc::UnboundedReceiver<BTreeSet<PathBuf>>)> {
    let (tx, mut rx) = mpsc::unbounded_channel::<(PathBuf, Step)>();
    let (root_owned, out_dir) = (root.to_path_buf(), out_dir.to_path_buf());
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        let step = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Step::Closed,
            EventKind::Access(_) => return,
            EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => Step::Writing,
            _ => Step::Other,
        };
        for p in event.paths.into_iter().filter(|p| !ignored(&root_owned, &out_dir, p)) {
            let _ = tx.send((p, step));
        }
    })?;
    watcher.watch(root, RecursiveMode::Recursive)?;
    let (out, batches) = mpsc::unbounded_channel();
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
            if out.send(batch).is_err() {
                break;
            }
        }
    });
    Ok((watcher, batches))
}
