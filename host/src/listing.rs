//! What is at a path, answered from one listing of its directory.
//!
//! The resolver asks the file system about every candidate of every import (`./Button` ->
//! `Button.tsx`? `Button.ts`? `Button/index.tsx`?...) and about each `node_modules` above the
//! project: a 2.4k-module build made 13,700 `statx` calls, 6,700 of them for paths that do not
//! exist, each walking the path in the kernel. esbuild reads each directory once and answers
//! from its entries; so does this. One `getdents` per directory replaces every `statx` under it,
//! the entry's type (`d_type`) telling a file from a directory or a link.
//!
//! Only for a one-shot build: a listing is taken once and never refreshed, so nothing that
//! writes source files during the build may use it (the build writes its output after bundling,
//! by other means). Linux only: there a name is found exactly as spelled, while a
//! case-insensitive file system (macOS, Windows) finds `button.TSX` that a listing would not.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// An entry's type as the listing gave it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    /// A socket, FIFO or device: neither a file nor a directory to the resolver.
    Other,
}

/// The answer for one path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Entry {
    /// Listed with this type.
    Is(Kind),
    /// Not in its directory's listing, or the directory does not exist.
    Missing,
    /// The listing cannot say (an unreadable directory, a relative path, an entry of unknown
    /// type): ask the file system.
    Ask,
}

type Entries = Arc<HashMap<OsString, Option<Kind>>>;

#[derive(Clone)]
enum DirState {
    Listed(Entries),
    /// Not there, or not a directory: nothing under it exists.
    Missing,
    /// Could not be listed for another reason (permissions): its paths are asked of the file
    /// system.
    Unlisted,
}

#[derive(Default)]
pub struct Listings {
    dirs: Mutex<HashMap<PathBuf, DirState>>,
}

impl Listings {
    pub fn entry(&self, path: &Path) -> Entry {
        // A trailing slash or `.` asks for a directory: `stat("a.ts/")` and `stat("a.ts/.")` fail
        // where the listing would say "file" (`Path` drops both before `file_name`).
        let bytes = path.as_os_str().as_encoded_bytes();
        if !cfg!(target_os = "linux")
            || !path.is_absolute()
            || bytes.ends_with(b"/")
            || bytes.ends_with(b"/.")
            || bytes.ends_with(b"/..")
        {
            return Entry::Ask;
        }
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else { return Entry::Ask };
        match self.dir(parent) {
            DirState::Missing => Entry::Missing,
            DirState::Unlisted => Entry::Ask,
            DirState::Listed(entries) => match entries.get(name) {
                Some(Some(kind)) => Entry::Is(*kind),
                Some(None) => Entry::Ask,
                None => Entry::Missing,
            },
        }
    }

    fn dir(&self, dir: &Path) -> DirState {
        if let Some(known) = self.dirs.lock().expect("listings").get(dir) {
            return known.clone();
        }
        // Its own parent's listing may already say it is not a directory: the resolver asks
        // `Button.tsx/package.json` and `Button/index.tsx` of every import, and each would
        // otherwise cost a failed `open`.
        if let Entry::Missing | Entry::Is(Kind::File | Kind::Other) = self.entry(dir) {
            return DirState::Missing;
        }
        // Listed outside the lock: two threads listing one directory at once get the same
        // entries, and the second insert replaces the first.
        let state = match list(dir) {
            Ok(entries) => DirState::Listed(Arc::new(entries)),
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => DirState::Missing,
            Err(_) => DirState::Unlisted,
        };
        self.dirs.lock().expect("listings").insert(dir.to_path_buf(), state.clone());
        state
    }
}

fn list(dir: &Path) -> io::Result<HashMap<OsString, Option<Kind>>> {
    let mut entries = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // `file_type` is the `d_type` the listing carried; where the file system gave none, std
        // asks `lstat`, and an error there leaves the entry to be asked again later.
        let kind = entry.file_type().ok().map(|t| {
            if t.is_symlink() {
                Kind::Symlink
            } else if t.is_dir() {
                Kind::Dir
            } else if t.is_file() {
                Kind::File
            } else {
                Kind::Other
            }
        });
        entries.insert(entry.file_name(), kind);
    }
    Ok(entries)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn answers_like_stat() {
        let tmp = std::env::temp_dir().join(format!("nexxo-listing-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(tmp.join("src/dir")).unwrap();
        std::fs::write(tmp.join("src/a.ts"), "").unwrap();
        std::os::unix::fs::symlink(tmp.join("src/a.ts"), tmp.join("src/link.ts")).unwrap();
        std::os::unix::fs::symlink(tmp.join("src/none.ts"), tmp.join("src/dangling.ts")).unwrap();
        let l = Listings::default();
        assert_eq!(l.entry(&tmp.join("src/a.ts")), Entry::Is(Kind::File));
        assert_eq!(l.entry(&tmp.join("src/dir")), Entry::Is(Kind::Dir));
        assert_eq!(l.entry(&tmp.join("src/link.ts")), Entry::Is(Kind::Symlink));
        assert_eq!(l.entry(&tmp.join("src/dangling.ts")), Entry::Is(Kind::Symlink));
        assert_eq!(l.entry(&tmp.join("src/A.ts")), Entry::Missing);
        assert_eq!(l.entry(&tmp.join("src/b.ts")), Entry::Missing);
        // Under a missing directory, and under a file.
        assert_eq!(l.entry(&tmp.join("nope/b.ts")), Entry::Missing);
        assert_eq!(l.entry(&tmp.join("src/a.ts/b.ts")), Entry::Missing);
        // What the listing cannot answer.
        assert_eq!(l.entry(Path::new("src/a.ts")), Entry::Ask);
        assert_eq!(l.entry(Path::new(&format!("{}/", tmp.join("src/a.ts").display()))), Entry::Ask);
        assert_eq!(l.entry(Path::new(&format!("{}/.", tmp.join("src/a.ts").display()))), Entry::Ask);
        assert_eq!(l.entry(Path::new(&format!("{}/..", tmp.join("src/dir").display()))), Entry::Ask);
        // Under a `.` that is a file: not a directory, so nothing is under it.
        assert_eq!(l.entry(Path::new(&format!("{}/./b.ts", tmp.join("src/a.ts").display()))), Entry::Missing);
        assert_eq!(l.entry(Path::new("/")), Entry::Ask);
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
