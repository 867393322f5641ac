//! HTTP helpers shared by the preview and dev servers: a library (not part of the `nexxo` binary
//! crate) so the fuzzer in `crates/nexxo_fuzz` can drive the same URL-to-file mapping they use.

use std::path::{Component, Path, PathBuf};

/// Decodes `%XX` escapes; `None` for a malformed escape or bytes that are not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            // from_str_radix alone would take a sign: `%+f` is not an escape.
            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Maps a URL path to a file under `root`, refusing anything that could leave it.
pub fn safe_path(root: &Path, url_path: &str) -> Option<PathBuf> {
    safe_path_in(root, url_path, |p| std::fs::canonicalize(p).ok())
}

/// [`safe_path`] over any file system: `canonicalize` resolves symlinks there (the dev engine
/// runs over the disk, a memory tree or a WASM host's files).
pub fn safe_path_in(root: &Path, url_path: &str, canonicalize: impl Fn(&Path) -> Option<PathBuf>) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    if decoded.contains('\0') || decoded.contains('\\') || decoded.contains('%') {
        return None;
    }
    let mut path = root.to_path_buf();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(seg) if !seg.to_string_lossy().starts_with('.') => path.push(seg),
            Component::CurDir => {}
            _ => return None,
        }
    }
    // Symlinks inside dist must not lead outside it.
    match (canonicalize(&path), canonicalize(root)) {
        (Some(real), Some(real_root)) if !real.starts_with(&real_root) => None,
        _ => Some(path),
    }
}

/// The file a dev server URL `/@fs/<absolute path>` names (`abs` is what follows `/@fs/`): only
/// below a directory that `allowed` accepts (the packages the app's imports reached), with no
/// `..`, dotfile or symlink out below it, and, symlinks resolved, inside one of `roots`
/// (canonical: the project root and the `node_modules` directories above it).
pub fn fs_url_file(abs: &str, allowed: impl Fn(&Path) -> bool, roots: &[PathBuf]) -> Option<PathBuf> {
    fs_url_file_in(abs, allowed, roots, |p| std::fs::canonicalize(p).ok())
}

/// [`fs_url_file`] over any file system (see [`safe_path_in`]).
pub fn fs_url_file_in(
    abs: &str,
    allowed: impl Fn(&Path) -> bool,
    roots: &[PathBuf],
    canonicalize: impl Fn(&Path) -> Option<PathBuf>,
) -> Option<PathBuf> {
    let file = PathBuf::from(format!("/{}", percent_decode(abs)?));
    let scope = file.ancestors().find(|a| allowed(a))?;
    let rel = safe_path_in(scope, file.strip_prefix(scope).ok()?.to_str()?, &canonicalize)?;
    let real = canonicalize(&rel)?;
    roots.iter().any(|r| real.starts_with(r)).then_some(rel)
}

/// The `Content-Type` for a file, by extension.
pub fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_traversal_spellings() {
        let root = Path::new("/srv/dist");
        for p in [
            "../etc/passwd",
            "%2e%2e/etc/passwd",
            "%252e%252e/x",
            "a/../../x",
            "..%5cx",
            ".env",
            "a/.git/config",
            "x%00",
        ] {
            assert!(safe_path(root, p).is_none(), "{p}");
        }
        assert_eq!(safe_path(root, "assets/a%20b.js"), Some(PathBuf::from("/srv/dist/assets/a b.js")));
        assert_eq!(percent_decode("%+f"), None);
        assert_eq!(percent_decode("%e6%97%a5"), Some("日".into()));
    }
}
