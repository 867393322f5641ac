//! An in-memory file tree that the engine reads like a disk: what browser workers, edge workers and
//! sandboxed WASM jobs build from, since they have no file system of their own.
//!
//! rolldown ships a `MemoryFileSystem`, but it stamps files with `SystemTime::now`, which panics on
//! `wasm32-unknown-unknown`; this one keeps no clock and no global state. Paths are absolute and
//! normalized lexically (`a/./b/../c` is `a/c`), so the resolver's spellings all find a file.
//!
//! The tree is hashed, not ordered: the resolver and the loader look paths up thousands of times a
//! build, and comparing `Path`s component by component in a B-tree was 3% of a build in the
//! browser engine (a CPU profile in Node, benches/README.md); listings sort when asked.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

use rolldown_fs::{FileSystem, OxcResolverFileSystem};
use rustc_hash::FxBuildHasher;

#[derive(Debug, Default)]
struct Tree {
    files: HashMap<PathBuf, Arc<[u8]>, FxBuildHasher>,
    dirs: HashSet<PathBuf, FxBuildHasher>,
}

/// Cheap to clone: clones share one tree, so a session can update files the engine then reads.
#[derive(Debug, Default, Clone)]
pub struct MemoryFs {
    tree: Arc<RwLock<Tree>>,
}

/// `path` made absolute against `/` and stripped of `.` and `..`.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("no such file: {}", path.display()))
}

impl MemoryFs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a file, creating its parent directories.
    pub fn insert(&self, path: &Path, contents: impl Into<Arc<[u8]>>) {
        let path = normalize(path);
        let mut tree = self.tree.write().expect("memfs lock");
        for dir in path.ancestors().skip(1) {
            if !tree.dirs.insert(dir.to_path_buf()) {
                break;
            }
        }
        tree.files.insert(path, contents.into());
    }

    /// Removes a file; returns whether it existed. Directories stay (as on disk after `rm`).
    pub fn remove(&self, path: &Path) -> bool {
        self.tree.write().expect("memfs lock").files.remove(&normalize(path)).is_some()
    }

    pub fn get(&self, path: &Path) -> Option<Arc<[u8]>> {
        self.tree.read().expect("memfs lock").files.get(&normalize(path)).cloned()
    }

    /// Every file path, sorted.
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.tree.read().expect("memfs lock").files.keys().cloned().collect();
        paths.sort();
        paths
    }

    pub fn len(&self) -> usize {
        self.tree.read().expect("memfs lock").files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn kind(&self, path: &Path) -> Option<bool> {
        let path = normalize(path);
        let tree = self.tree.read().expect("memfs lock");
        if tree.files.contains_key(&path) {
            Some(true)
        } else if tree.dirs.contains(&path) || path == Path::new("/") {
            Some(false)
        } else {
            None
        }
    }
}

impl FileSystem for MemoryFs {
    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        let path = normalize(path);
        let mut tree = self.tree.write().expect("memfs lock");
        tree.files.retain(|p, _| !p.starts_with(&path));
        tree.dirs.retain(|p| !p.starts_with(&path));
        Ok(())
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        let path = normalize(path);
        let mut tree = self.tree.write().expect("memfs lock");
        for dir in path.ancestors() {
            tree.dirs.insert(dir.to_path_buf());
        }
        Ok(())
    }

    fn write(&self, path: &Path, content: &[u8]) -> io::Result<()> {
        self.insert(path, content.to_vec());
        Ok(())
    }

    fn exists(&self, path: &Path) -> bool {
        self.kind(path).is_some()
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let path = normalize(path);
        let tree = self.tree.read().expect("memfs lock");
        if !tree.dirs.contains(&path) {
            return Err(not_found(&path));
        }
        let children = |p: &&PathBuf| p.parent() == Some(path.as_path());
        let mut out: Vec<PathBuf> = tree.dirs.iter().filter(children).cloned().collect();
        out.extend(tree.files.keys().filter(children).cloned());
        out.sort();
        Ok(out)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        if self.remove(path) { Ok(()) } else { Err(not_found(path)) }
    }
}

impl OxcResolverFileSystem for MemoryFs {
    fn new(_yarn_pnp: bool) -> Self {
        Self::default()
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.get(path).map(|b| b.to_vec()).ok_or_else(|| not_found(path))
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(self.read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        match self.kind(path) {
            Some(is_file) => Ok(oxc_resolver::FileMetadata::new(is_file, !is_file, false)),
            None => Err(not_found(path)),
        }
    }

    fn symlink_metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        self.metadata(path)
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, oxc_resolver::ResolveError> {
        Err(io::Error::new(io::ErrorKind::InvalidInput, format!("not a symlink: {}", path.display())).into())
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.kind(path).map(|_| normalize(path)).ok_or_else(|| not_found(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_directories_are_found_by_any_spelling() {
        let fs = MemoryFs::new();
        fs.insert(Path::new("/p/src/a.ts"), b"export {}".to_vec());
        assert!(fs.metadata(Path::new("/p/src/./../src/a.ts")).unwrap().is_file());
        assert!(fs.metadata(Path::new("/p/src")).unwrap().is_dir());
        assert!(fs.metadata(Path::new("/p/src/b.ts")).is_err());
        assert_eq!(fs.read_dir(Path::new("/p")).unwrap(), vec![PathBuf::from("/p/src")]);
        assert_eq!(fs.read_to_string(Path::new("/p/src/a.ts")).unwrap(), "export {}");
        assert!(fs.remove(Path::new("/p/src/a.ts")));
        assert!(!fs.exists(Path::new("/p/src/a.ts")));
        assert!(fs.exists(Path::new("/p/src")));
    }

    #[test]
    fn invalid_utf8_is_an_error_not_a_panic() {
        let fs = MemoryFs::new();
        fs.insert(Path::new("/x.js"), vec![0xff, 0xfe]);
        assert_eq!(fs.read_to_string(Path::new("/x.js")).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }
}
