//! Embeds the JavaScript that `nexxo dev` serves from npm packages Nexxo itself depends on
//! (`host/runtime/package.json`, installed by `scripts/setup.sh`), so a user's app needs none of
//! them installed: today the React Fast Refresh runtime (`react-refresh`).

use std::path::Path;

fn main() {
    // Read when the script runs, not when it was compiled: a build script binary can be reused
    // for a checkout at another path.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for build scripts");
    let runtime = Path::new(&manifest_dir).join("runtime");
    let package = runtime.join("node_modules/react-refresh");
    let file = package.join("cjs/react-refresh-runtime.development.js");
    println!("cargo:rerun-if-changed={}", runtime.join("package-lock.json").display());
    println!("cargo:rerun-if-changed={}", file.display());
    let Ok(code) = std::fs::read_to_string(&file) else {
        panic!(
            "\n\nnexxo embeds the React Fast Refresh runtime from {}, which is missing.\n\
             Install host/runtime's npm packages first: `(cd host/runtime && npm ci)` (scripts/setup.sh does it).\n\n",
            file.display()
        );
    };
    let version = std::fs::read_to_string(package.join("package.json"))
        .ok()
        .and_then(|p| p.split("\"version\"").nth(1)?.split('"').nth(1).map(str::to_string))
        .unwrap_or_default();
    // The package is CommonJS that reads `process.env.NODE_ENV` (development: the runtime is a
    // no-op in production). The browser gets it as an ES module with those names supplied, and
    // its exports as the default export (`import R from "/@nexxo/react-refresh"`).
    let wrapped = format!(
        "// react-refresh@{version} runtime (MIT license, see below), embedded in nexxo at build time.\n\
         const module = {{ exports: {{}} }};\n\
         (function (module, exports, process) {{\n{code}\n}})(module, module.exports, {{ env: {{ NODE_ENV: \"development\" }} }});\n\
         export default module.exports;\n"
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("react-refresh-runtime.js");
    std::fs::write(&out, wrapped).expect("write the wrapped runtime to OUT_DIR");
}
