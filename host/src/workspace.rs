//! The workspace root above a project (a monorepo's top, where npm, yarn and pnpm workspaces
//! link the app's sibling packages from), else the nearest directory with a `package.json`: the
//! default of `server.fs.allow`, as Vite finds it, and what the WASM engine may read beside the
//! project root. Without it, a workspace package that `node_modules` links to `../packages/ui`
//! resolves outside the root, and neither the page nor the engine may read it.

use std::path::{Path, PathBuf};

/// Files that mark a workspace root by being there.
const ROOT_FILES: [&str; 2] = ["pnpm-workspace.yaml", "lerna.json"];

/// The directory the dev server may serve from when the config names none: the first one at or
/// above `root` that is a workspace root, else the nearest one with a `package.json`, else `root`.
pub fn default_allow(root: &Path) -> PathBuf {
    let package_root = root.ancestors().find(|d| d.join("package.json").is_file()).unwrap_or(root);
    root.ancestors().find(|d| is_workspace_root(d)).unwrap_or(package_root).to_path_buf()
}

/// The workspace root strictly above `root`, if `root` is inside a monorepo: what `nexxo build
/// --watch` watches and the WASM engine may read besides the root.
pub fn workspace_above(root: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let top = default_allow(&real);
    (top != real && is_workspace_root(&top)).then_some(top)
}

/// A monorepo's top: a workspace file there, or a `package.json` with `workspaces`.
pub fn is_workspace_root(dir: &Path) -> bool {
    if ROOT_FILES.iter().any(|f| dir.join(f).is_file()) {
        return true;
    }
    // npm and yarn: a `workspaces` field (a list, or yarn's `{ packages: [...] }`).
    std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|pkg| pkg.get("workspaces").is_some_and(|w| !w.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_workspace_root_above_the_app() {
        let top = std::env::temp_dir().join(format!("nexxo-ws-{}", std::process::id()));
        let app = top.join("apps/web");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("package.json"), "{}").unwrap();
        // No marker: the app's own package root.
        assert_eq!(default_allow(&app), app);
        std::fs::write(top.join("package.json"), r#"{"workspaces": ["apps/*"]}"#).unwrap();
        assert_eq!(default_allow(&app), top);
        std::fs::write(top.join("package.json"), "{}").unwrap();
        std::fs::write(top.join("apps/pnpm-workspace.yaml"), "packages: ['*']\n").unwrap();
        assert_eq!(default_allow(&app), top.join("apps"));
        // An app root without a package.json: the nearest one above.
        let src = app.join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::remove_file(top.join("apps/pnpm-workspace.yaml")).unwrap();
        assert_eq!(default_allow(&src), app);
        std::fs::remove_dir_all(&top).unwrap();
    }
}
