//! Writes a build's output so that readers only ever see a complete build: everything goes to a
//! staging directory next to the output directory, which then takes its place in one rename
//! (an atomic exchange on Linux). A failure at any point leaves the previous output as it was.

use std::io;
use std::path::{Path, PathBuf};

pub struct Staged {
    pub dir: PathBuf,
}

pub fn stage(out_dir: &Path) -> io::Result<Staged> {
    let parent = out_dir.parent().ok_or_else(|| io::Error::other("output directory has no parent"))?;
    std::fs::create_dir_all(parent)?;
    let name = out_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "dist".into());
    let dir = parent.join(format!(".{name}.nexxo-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir(&dir)?;
    Ok(Staged { dir })
}

impl Staged {
    pub fn write(&self, rel: &str, contents: &[u8]) -> io::Result<()> {
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(path, contents)
    }

    /// Copies `from` (a directory tree) into the staging dir; returns the copied relative paths.
    pub fn copy_tree(&self, from: &Path) -> io::Result<Vec<String>> {
        let mut copied = Vec::new();
        let mut stack = vec![from.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let path = entry.path();
                let ty = entry.file_type()?;
                if ty.is_dir() {
                    stack.push(path);
                } else if ty.is_file() || ty.is_symlink() {
                    let rel = path.strip_prefix(from).map_err(io::Error::other)?.to_string_lossy().replace('\\', "/");
                    let target = self.dir.join(&rel);
                    if let Some(p) = target.parent() {
                        std::fs::create_dir_all(p)?;
                    }
                    std::fs::copy(&path, &target)?;
                    copied.push(rel);
                }
            }
        }
        copied.sort();
        Ok(copied)
    }

    /// Puts the staged tree in place of `out_dir`.
    pub fn commit(self, out_dir: &Path) -> io::Result<()> {
        if out_dir.exists() {
            if exchange(&self.dir, out_dir).is_ok() {
                // `self.dir` now holds the previous build.
                return std::fs::remove_dir_all(&self.dir);
            }
            // No atomic exchange (old kernel, other OS): two renames, with a short window.
            let old = self.dir.with_extension("old");
            std::fs::rename(out_dir, &old)?;
            if let Err(e) = std::fs::rename(&self.dir, out_dir) {
                let _ = std::fs::rename(&old, out_dir);
                return Err(e);
            }
            return std::fs::remove_dir_all(old);
        }
        std::fs::rename(&self.dir, out_dir)
    }

    pub fn abort(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them like rename(2).
    let rc =
        unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if rc == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}
