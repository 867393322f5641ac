//! The one file system type the module's bundler is compiled for. rolldown, the dev session and
//! the resolver are generic over the file system, so a build over the call's files (`MemoryFs`)
//! and one over the host's (`HostFs`) were two copies of all of that code: about 0.8 MB of the
//! module's 21 MB of code before wasm-opt. One enum that forwards each call keeps one copy, for a
//! branch per file-system call.

use std::io;
use std::path::{Path, PathBuf};

use nexxo_engine::nexxo_dev::jobs::{Done, Job};
use nexxo_engine::nexxo_memfs::MemoryFs;
use rolldown_fs::{FileSystem, OxcResolverFileSystem};

use crate::host_fs::HostFs;
use crate::{host_cache, host_jobs};

#[derive(Debug, Clone)]
pub enum EngineFs {
    /// The files a call brought (JS hosts, `session.*`).
    Memory(MemoryFs),
    /// The host's own files through `nexxo_host` imports (wasmtime).
    Host(HostFs),
}

impl FileSystem for EngineFs {
    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        match self {
            Self::Memory(fs) => fs.remove_dir_all(path),
            Self::Host(fs) => fs.remove_dir_all(path),
        }
    }

    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        match self {
            Self::Memory(fs) => fs.create_dir_all(path),
            Self::Host(fs) => fs.create_dir_all(path),
        }
    }

    fn write(&self, path: &Path, content: &[u8]) -> io::Result<()> {
        match self {
            Self::Memory(fs) => fs.write(path, content),
            Self::Host(fs) => fs.write(path, content),
        }
    }

    fn exists(&self, path: &Path) -> bool {
        match self {
            Self::Memory(fs) => fs.exists(path),
            Self::Host(fs) => fs.exists(path),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        match self {
            Self::Memory(fs) => fs.read_dir(path),
            Self::Host(fs) => fs.read_dir(path),
        }
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        match self {
            Self::Memory(fs) => fs.remove_file(path),
            Self::Host(fs) => fs.remove_file(path),
        }
    }
}

impl OxcResolverFileSystem for EngineFs {
    /// A file system made from nothing (the resolver's default, when it is not handed one): the
    /// host's, which in a JS host finds nothing, as an empty `MemoryFs` would.
    fn new(yarn_pnp: bool) -> Self {
        Self::Host(HostFs::new(yarn_pnp))
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self {
            Self::Memory(fs) => fs.read(path),
            Self::Host(fs) => fs.read(path),
        }
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        match self {
            Self::Memory(fs) => fs.read_to_string(path),
            Self::Host(fs) => fs.read_to_string(path),
        }
    }

    fn metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        match self {
            Self::Memory(fs) => fs.metadata(path),
            Self::Host(fs) => fs.metadata(path),
        }
    }

    fn symlink_metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        match self {
            Self::Memory(fs) => fs.symlink_metadata(path),
            Self::Host(fs) => fs.symlink_metadata(path),
        }
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, oxc_resolver::ResolveError> {
        match self {
            Self::Memory(fs) => fs.read_link(path),
            Self::Host(fs) => fs.read_link(path),
        }
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        match self {
            Self::Memory(fs) => fs.canonicalize(path),
            Self::Host(fs) => fs.canonicalize(path),
        }
    }
}

impl nexxo_engine::SessionFs for EngineFs {
    fn apply(&self, path: &Path, contents: Option<Vec<u8>>) {
        match self {
            Self::Memory(fs) => fs.apply(path, contents),
            // The host wrote the change to disk before it told the session.
            Self::Host(_) => {}
        }
    }

    /// Both kinds ask the host: jobs carry everything they need, so a pool (wasmtime's instances,
    /// a browser worker's helper workers) runs them whichever file system the session reads. A
    /// host without one answers -1 and the session runs them itself.
    fn run_jobs(&self, jobs: &[Job]) -> Option<Vec<Done>> {
        host_jobs::run(jobs)
    }

    fn cache_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Memory(_) => None,
            Self::Host(_) => host_cache::get(key),
        }
    }

    fn cache_put(&self, key: &[u8], value: &[u8]) {
        if let Self::Host(_) = self {
            host_cache::put(key, value);
        }
    }

    fn cache_forget(&self, key: &[u8]) {
        if let Self::Host(_) = self {
            host_cache::forget(key);
        }
    }
}
