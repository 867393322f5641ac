//! The project's files as the host serves them: a file system whose every operation is a call
//! to the host (`nexxo_host` imports). The host decides what the engine may read (wasmtime: the
//! project root, symlinks resolved and checked) and does the I/O natively, which is far cheaper
//! than routing the resolver's thousands of lookups through WASI's file API.

use std::io;
use std::path::{Path, PathBuf};

use rolldown_fs::{FileSystem, OxcResolverFileSystem};

#[link(wasm_import_module = "nexxo_host")]
unsafe extern "C" {
    /// -1 when missing or refused; else bit 0 file, bit 1 directory, bit 2 symlink.
    fn fs_stat(path: *const u8, len: usize, follow: u32) -> i32;
    /// Reads the whole file into `buf`; returns its size (call again with a bigger buffer when it
    /// exceeds `cap`), or -1.
    fn fs_read(path: *const u8, len: usize, buf: *mut u8, cap: usize) -> i64;
    /// `what` 0: the symlink's target; 1: the canonical path; 2: the entry names of a directory,
    /// one per line. Same return convention as `fs_read`.
    fn fs_path(path: *const u8, len: usize, what: u32, buf: *mut u8, cap: usize) -> i64;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct HostFs;

fn bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

fn missing(path: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("not found or not readable here: {}", path.display()))
}

/// Calls a host function that fills a buffer, growing the buffer until the answer fits.
fn fetch(path: &Path, call: impl Fn(*mut u8, usize) -> i64) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 4096];
    loop {
        let n = call(buf.as_mut_ptr(), buf.len());
        if n < 0 {
            return Err(missing(path));
        }
        let n = n as usize;
        if n <= buf.len() {
            buf.truncate(n);
            return Ok(buf);
        }
        buf = vec![0u8; n];
    }
}

fn stat(path: &Path, follow: bool) -> io::Result<oxc_resolver::FileMetadata> {
    let p = bytes(path);
    // SAFETY: the host reads `p` for the duration of the call only.
    let bits = unsafe { fs_stat(p.as_ptr(), p.len(), u32::from(follow)) };
    if bits < 0 {
        return Err(missing(path));
    }
    Ok(oxc_resolver::FileMetadata::new(bits & 1 != 0, bits & 2 != 0, bits & 4 != 0))
}

fn path_query(path: &Path, what: u32) -> io::Result<PathBuf> {
    let p = bytes(path);
    // SAFETY: the host writes at most `cap` bytes into `buf` and reads `p` during the call only.
    let out = fetch(path, |buf, cap| unsafe { fs_path(p.as_ptr(), p.len(), what, buf, cap) })?;
    String::from_utf8(out).map(PathBuf::from).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn read_only() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "the engine does not write files; the host does")
}

impl FileSystem for HostFs {
    fn remove_dir_all(&self, _path: &Path) -> io::Result<()> {
        Err(read_only())
    }

    fn create_dir_all(&self, _path: &Path) -> io::Result<()> {
        Err(read_only())
    }

    fn write(&self, _path: &Path, _content: &[u8]) -> io::Result<()> {
        Err(read_only())
    }

    fn exists(&self, path: &Path) -> bool {
        stat(path, true).is_ok()
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let listing = path_query(path, 2)?;
        Ok(listing.to_string_lossy().lines().filter(|l| !l.is_empty()).map(|name| path.join(name)).collect())
    }

    fn remove_file(&self, _path: &Path) -> io::Result<()> {
        Err(read_only())
    }
}

impl OxcResolverFileSystem for HostFs {
    fn new(_yarn_pnp: bool) -> Self {
        Self
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let p = bytes(path);
        // SAFETY: as in `path_query`.
        fetch(path, |buf, cap| unsafe { fs_read(p.as_ptr(), p.len(), buf, cap) })
    }

    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        String::from_utf8(self.read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        stat(path, true)
    }

    fn symlink_metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        stat(path, false)
    }

    fn read_link(&self, path: &Path) -> Result<PathBuf, oxc_resolver::ResolveError> {
        path_query(path, 0).map_err(Into::into)
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        path_query(path, 1)
    }
}
