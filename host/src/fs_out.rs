//! Writes a build's output so that readers only ever see a complete build: everything goes to a
//! staging directory next to the output directory, which then takes its place in one rename
//! (an atomic exchange on Linux). A failure at any point leaves the previous output as it was.

use std::io;
use std::path::{Component, Path, PathBuf};

pub struct Staged {
    pub dir: PathBuf,
}

/// Resolves `path` the way the kernel will when it is used: `..` after a symlink goes to the
/// symlink target's parent, not to the lexical parent. The existing prefix is canonicalized; the
/// rest (which does not exist yet, so cannot hold symlinks) is normalized lexically.
pub fn resolve_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    let mut exists = true;
    for c in path.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => {
                out.push(name);
                if exists {
                    match std::fs::canonicalize(&out) {
                        Ok(real) => out = real,
                        Err(_) => exists = false,
                    }
                }
            }
        }
    }
    out
}

/// Why the build may not replace `out_dir`, checked on resolved paths (symlinks and `..`
/// followed) because the build deletes whatever sits at the output path. Returns the resolved
/// output directory to write to.
///
/// Refused: the project root or any directory containing it (`--out-dir ..`, `/abs/parent`);
/// a directory holding the build's own inputs or the public directory (`--out-dir src`); and,
/// as in Vite, a non-empty directory outside the root that no Nexxo build wrote, unless
/// `build.emptyOutDir` is true.
pub fn check_out_dir(
    root: &Path,
    out_dir: &Path,
    public_dir: Option<&Path>,
    inputs: &[PathBuf],
    empty_out_dir: Option<bool>,
) -> Result<PathBuf, String> {
    let root = resolve_path(root);
    let out = resolve_path(out_dir);
    let shown = out.display();
    if root.starts_with(&out) {
        let what = if out == root { "is the project root" } else { "contains the project root" };
        return Err(format!(
            "the output directory {shown} {what}; the build replaces its output directory, so this would delete              the project\nhint: set build.outDir (or --out-dir) to a directory inside the project, e.g. dist"
        ));
    }
    if let Some(public) = public_dir.filter(|p| p.is_dir()).map(resolve_path)
        && (public.starts_with(&out) || out.starts_with(&public))
    {
        return Err(format!(
            "the output directory {shown} overlaps the public directory {}; the build copies one into the other \
             and replaces the output directory\nhint: use separate directories for build.outDir and publicDir",
            public.display()
        ));
    }
    // The bundler reports inputs by their real paths (its resolver follows symlinks), so a plain
    // prefix test against the resolved output directory is enough, without a syscall per input.
    if let Some(input) = inputs.iter().find(|p| p.starts_with(&out)) {
        return Err(format!(
            "the output directory {shown} contains the source file {}; the build replaces its output directory, so \
             this would delete your sources\nhint: set build.outDir (or --out-dir) to a directory of its own, e.g. dist",
            input.display()
        ));
    }
    if out.exists() && !out.is_dir() {
        return Err(format!(
            "the output path {shown} is a file, not a directory\nhint: remove it or pick another build.outDir"
        ));
    }
    let written_by_nexxo = out.join(".nexxo/manifest.json").is_file();
    let empty = std::fs::read_dir(&out).map_or(true, |mut d| d.next().is_none());
    if !out.starts_with(&root) && !empty && !written_by_nexxo && empty_out_dir != Some(true) {
        return Err(format!(
            "the output directory {shown} is outside the project root, is not empty and was not written by a Nexxo \
             build; the build would replace everything in it\nhint: set \"build\": {{ \"emptyOutDir\": true }} in \
             nexxo.config.json if that is what you want, or pick an empty directory"
        ));
    }
    Ok(out)
}

/// The staging directory's name prefix for `out_dir`; the pid of the writing process follows.
fn staging_prefix(out_dir: &Path) -> String {
    let name = out_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "dist".into());
    format!(".{name}.nexxo-")
}

pub fn stage(out_dir: &Path) -> io::Result<Staged> {
    let parent = out_dir.parent().ok_or_else(|| io::Error::other("output directory has no parent"))?;
    std::fs::create_dir_all(parent)?;
    let prefix = staging_prefix(out_dir);
    remove_stale_staging(parent, &prefix);
    let dir = parent.join(format!("{prefix}{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir(&dir)?;
    Ok(Staged { dir })
}

/// A build killed mid-write (kill -9, power loss) leaves its staging directory behind: remove
/// those whose process is gone. Only names of the exact form `<prefix><pid>` or
/// `<prefix><pid>.old` are touched, and never one of a process still running.
fn remove_stale_staging(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(prefix) else { continue };
        let digits = rest.strip_suffix(".old").unwrap_or(rest);
        let Ok(pid) = digits.parse::<u32>() else { continue };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        // A symlink with a staging name is not ours to follow.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
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
    /// With `confine`, a file whose real path (symlinks followed) is outside that directory is
    /// refused: a sandboxed build must not copy host files into its output through `public/`.
    pub fn copy_tree(&self, from: &Path, confine: Option<&Path>) -> io::Result<Vec<String>> {
        let confine = confine.map(resolve_path);
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
                    if let Some(root) = &confine
                        && !std::fs::canonicalize(&path).is_ok_and(|real| real.starts_with(root))
                    {
                        return Err(io::Error::new(
                            io::ErrorKind::PermissionDenied,
                            format!(
                                "{} is outside the project root (a symlink or publicDir pointing out); the sandboxed \
                                 engine copies only files inside the project",
                                path.display()
                            ),
                        ));
                    }
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

/// Updates `out_dir` in place, file by file: each of `files` (path relative to `out_dir`,
/// contents) is written under a temporary name in its own directory and renamed over the old
/// file, in the order given, so a reader sees each file either whole and old or whole and new;
/// then each of `remove` is deleted. Used by `build --watch` for a rebuild where few files change.
pub fn replace_files(out_dir: &Path, files: &[(&str, &[u8])], remove: &[&str]) -> io::Result<()> {
    for (rel, contents) in files {
        let target = out_dir.join(rel);
        let dir = target.parent().unwrap_or(out_dir);
        std::fs::create_dir_all(dir)?;
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // A dotfile of this process: the watcher ignores it, and a run killed mid-write leaves
        // only a file the next full write (a new staging directory) drops.
        let temp = dir.join(format!(".{name}.nexxo-{}", std::process::id()));
        std::fs::write(&temp, contents)?;
        if let Err(e) = std::fs::rename(&temp, &target) {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    }
    for rel in remove {
        match std::fs::remove_file(out_dir.join(rel)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
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
