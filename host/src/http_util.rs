//! HTTP helpers shared by the preview and dev servers.

use std::path::{Component, Path, PathBuf};

pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
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
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(real), Ok(real_root)) if !real.starts_with(&real_root) => None,
        _ => Some(path),
    }
}

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
    }
}
