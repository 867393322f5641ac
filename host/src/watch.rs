//! File watching shared by `nexxo dev` (HMR) and `nexxo build --watch`: inotify events under the
//! project root, settled over a few milliseconds so an editor's write-temp-then-rename save or a
//! burst from `git checkout` becomes one batch of changed paths; a plain write to an existing file
//! is taken as soon as its writer closes the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// What an event says about a path's writer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Data written through an open file (truncation included): more may follow until it closes.
    Writing,
    /// The writer closed the file: this save is complete, unless the file is new (below).
    Closed,
    /// A new name in a directory. A file created and closed in one batch may be an editor's
    /// temporary copy about to be renamed over the file being saved (`sed -i`, vim, JetBrains'
    /// safe write, atomic-write libraries), so its close does not end the batch: the rename
    /// joins it, and the save is one batch naming the saved file, not a first one naming only a
    /// temporary file (a new file: a full rebuild) and a second one for the rename.
    Created,
    /// Renamed away or to, or deleted: a new file's rename is what its batch waited for.
    Moved,
    /// Metadata (a mode or owner set, as `sed -i` does to its temporary file), or anything else.
    Other,
}

/// How long a batch waits for a writer that truncated or wrote a file to close it. A reader that
/// went ahead would see an empty or half-written module.
const OPEN_WRITE_WAIT: Duration = Duration::from_millis(200);

/// How long a batch in which a new file was written and closed waits, quietly, for that file to
/// be renamed over the one being saved (see [`Step::Created`]). The writer's rename follows its
/// close at once, but the event can come a few milliseconds later on a busy machine (3 ms, the
/// quiet time of other changes, was missed in one test run of eight on 2 cores).
const RENAME_WAIT: Duration = Duration::from_millis(15);

/// Whether a change to `path` is none of the app's: outside `root` and the `extra` directories,
/// in the output directory, in node_modules (the cache's own write-ahead log lives there and
/// stays open for writing, which would hold every batch back), a dotfile other than a `.env`
/// file (`.git`, editors' swap files), an editor's backup or autosave (`App.tsx~` of vim and
/// Emacs, Emacs' `#App.tsx#`: a new file the build did not read starts a full rebuild, and Emacs
/// autosaves every 30 s), or the temporary module a Vite config is run from
/// (`vite.config.ts.timestamp-*.mjs`, see vite_config.rs: loading the config must not look like
/// an edit).
fn ignored(root: &Path, extra: &[PathBuf], out_dir: &Path, path: &Path) -> bool {
    let Some(rel) =
        std::iter::once(root).chain(extra.iter().map(PathBuf::as_path)).find_map(|r| path.strip_prefix(r).ok())
    else {
        return true;
    };
    let last = rel.components().count().saturating_sub(1);
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    if (name.starts_with("vite.config.") && name.contains(".timestamp-"))
        || name.ends_with('~')
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
    {
        return true;
    }
    path.starts_with(out_dir)
        || rel.components().enumerate().any(|(i, c)| {
            let s = c.as_os_str().to_string_lossy();
            s == "node_modules" || (s.starts_with('.') && !(i == last && s.starts_with(".env")))
        })
}

/// A settled batch of changes.
#[derive(Default)]
pub struct Batch {
    /// Every path that changed.
    pub paths: BTreeSet<PathBuf>,
    /// Those that got or lost a name in a directory (created, renamed to or from, deleted):
    /// a path here may not have been there before, whatever its file's age.
    pub named: BTreeSet<PathBuf>,
}

/// The most directories watched one by one under the `extra` directories of [`batches`].
const MAX_EXTRA_DIRS: usize = 20_000;

/// The file watcher of [`batches`]: events stop when it is dropped. Shared with the batching
/// task, which adds directories created under the `extra` directories.
pub type Watching = Arc<Mutex<notify::RecommendedWatcher>>;

/// The directories watched one by one (those under the `extra` directories of [`batches`]).
struct Tree {
    root: PathBuf,
    real_root: PathBuf,
    watched: usize,
    left_out: usize,
}

impl Tree {
    /// Whether `path` is outside the root's recursive watch.
    fn is_outside(&self, path: &Path) -> bool {
        !path.starts_with(&self.root) && !path.starts_with(&self.real_root)
    }

    /// Watches `dirs` and the directories under them, one by one, skipping `node_modules` and dot
    /// directories; the files found go to `files`, when given.
    fn watch_under(
        &mut self,
        watcher: &mut notify::RecommendedWatcher,
        mut stack: Vec<PathBuf>,
        mut files: Option<&mut Vec<PathBuf>>,
    ) {
        while let Some(dir) = stack.pop() {
            // The root is watched already, whole.
            if !self.is_outside(&dir) {
                continue;
            }
            if self.watched >= MAX_EXTRA_DIRS {
                self.left_out += 1;
                continue;
            }
            // A directory that went away, or that cannot be read, is only not watched.
            if watcher.watch(&dir, RecursiveMode::NonRecursive).is_err() {
                continue;
            }
            self.watched += 1;
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for e in entries.flatten() {
                let skip = unwatched_name(&e.file_name());
                match e.file_type() {
                    Ok(t) if t.is_dir() && !skip => stack.push(e.path()),
                    Ok(t) if t.is_file() && !skip => files.iter_mut().for_each(|f| f.push(e.path())),
                    _ => {}
                }
            }
        }
    }
}

/// Whether a directory entry is left out of the watch's walks: `node_modules` and dot files and
/// directories, whose trees can be far larger than the sources.
fn unwatched_name(name: &std::ffi::OsStr) -> bool {
    name == "node_modules" || name.as_encoded_bytes().starts_with(b".")
}

/// Adds the files under `dir` to `found`, leaving out what the watch's walks do
/// ([`unwatched_name`]); false when there were more than `limit` or one could not be listed.
pub fn files_under(dir: &Path, limit: usize, found: &mut Vec<PathBuf>) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { return false };
        for e in entries.flatten().filter(|e| !unwatched_name(&e.file_name())) {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(_) => found.push(e.path()),
                Err(_) => return false,
            }
            if found.len() > limit {
                return false;
            }
        }
    }
    true
}

/// Watches `root` recursively, and the directories under each of `extra` (a monorepo's shared
/// packages, which `nexxo dev` serves from outside the root) one by one, skipping `node_modules`
/// and dot directories, whose trees can be far larger than the sources and would use up the
/// system's inotify watches; sends each settled batch of changed paths. Runs on the current tokio
/// runtime; the returned watcher stops the events when dropped. Returns how many directories under
/// `extra` were left unwatched (over [`MAX_EXTRA_DIRS`]).
pub fn batches(
    root: &Path,
    out_dir: &Path,
    extra: &[PathBuf],
) -> notify::Result<(Watching, mpsc::UnboundedReceiver<Batch>, usize)> {
    let (tx, mut rx) = mpsc::unbounded_channel::<(PathBuf, Step)>();
    let (root_owned, out_dir) = (root.to_path_buf(), out_dir.to_path_buf());
    let extra_owned = extra.to_vec();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        let step = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => Step::Closed,
            EventKind::Access(_) => return,
            EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => Step::Writing,
            EventKind::Create(_) => Step::Created,
            EventKind::Modify(ModifyKind::Name(_)) | EventKind::Remove(_) => Step::Moved,
            _ => Step::Other,
        };
        for p in event.paths.into_iter().filter(|p| !ignored(&root_owned, &extra_owned, &out_dir, p)) {
            let _ = tx.send((p, step));
        }
    })?;
    watcher.watch(root, RecursiveMode::Recursive)?;
    let real_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut tree = Tree { root: root.to_path_buf(), real_root, watched: 0, left_out: 0 };
    tree.watch_under(&mut watcher, extra.to_vec(), None);
    let left_out = tree.left_out;
    let watching: Watching = Arc::new(Mutex::new(watcher));
    let held = Arc::downgrade(&watching);
    let (out, batches) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut batch = Batch::default();
            let mut open = BTreeSet::new();
            let mut created = BTreeSet::new();
            // New files written and closed, not yet renamed or deleted.
            let mut unmoved = BTreeSet::new();
            // Paths renamed away or deleted, not there again yet: an editor that keeps a backup
            // (Emacs' first save, vim's `backup`) renames the file to its backup name, which the
            // watch ignores, and writes it anew at once. Had the batch ended in between, the
            // rebuild would have found the file gone (a failed build naming its importers), and
            // a second one the file back.
            let mut gone = BTreeSet::new();
            let mut closed_one = false;
            let mut note = |(p, step): (PathBuf, Step)| {
                match step {
                    Step::Writing => {
                        gone.remove(&p);
                        open.insert(p.clone());
                    }
                    Step::Closed if created.contains(&p) => {
                        open.remove(&p);
                        unmoved.insert(p.clone());
                    }
                    Step::Closed => {
                        open.remove(&p);
                        closed_one = true;
                    }
                    Step::Created => {
                        gone.remove(&p);
                        created.insert(p.clone());
                        batch.named.insert(p.clone());
                    }
                    Step::Moved => {
                        unmoved.remove(&p);
                        if p.exists() {
                            gone.remove(&p);
                        } else {
                            gone.insert(p.clone());
                        }
                        batch.named.insert(p.clone());
                    }
                    Step::Other => {}
                }
                batch.paths.insert(p);
                (open.is_empty(), closed_one, !unmoved.is_empty() || !gone.is_empty())
            };
            let (mut settled, mut done, mut renaming) = note(first);
            // Go as soon as every file written to is closed again and the close of a file that
            // existed says a save is complete, taking what is already queued. Otherwise
            // (save-by-rename, new files, deletes, bursts) wait until 3 ms pass quietly, or
            // `RENAME_WAIT` while a new file may still be renamed or a file renamed away may be
            // written again; a file still open for writing gets longer.
            loop {
                let next = if !settled {
                    tokio::time::timeout(OPEN_WRITE_WAIT, rx.recv()).await.ok().flatten()
                } else if done {
                    rx.try_recv().ok()
                } else {
                    let quiet = if renaming { RENAME_WAIT } else { Duration::from_millis(3) };
                    tokio::time::timeout(quiet, rx.recv()).await.ok().flatten()
                };
                let Some(change) = next else { break };
                (settled, done, renaming) = note(change);
            }
            // A directory created under the `extra` directories is not watched by the root's
            // recursive watch: watch it now, and count the files already in it as changed (they
            // may have been written before the watch began).
            if let Some(w) = held.upgrade() {
                let created: Vec<PathBuf> =
                    batch.paths.iter().filter(|p| tree.is_outside(p) && p.is_dir()).cloned().collect();
                if !created.is_empty() {
                    let mut w = w.lock().expect("watcher");
                    let mut found = Vec::new();
                    tree.watch_under(&mut w, created, Some(&mut found));
                    batch.named.extend(found.iter().cloned());
                    batch.paths.extend(found);
                }
            } else {
                break;
            }
            if out.send(batch).is_err() {
                break;
            }
        }
    });
    Ok((watching, batches, left_out))
}
