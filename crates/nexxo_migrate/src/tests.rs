use super::*;

fn ok(file: &str, src: &str) -> Migration {
    match migrate(file, src) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

fn json(m: &Migration) -> Value {
    serde_json::from_str(&m.json).unwrap()
}

fn has_note<'m>(m: &'m Migration, needle: &str) -> &'m Note {
    m.notes
        .iter()
        .find(|n| n.message.contains(needle))
        .unwrap_or_else(|| panic!("no note with {needle:?}: {:#?}", m.notes))
}

#[test]
fn react_ts_template_with_alias_port_and_out_dir() {
    let src = r#"import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import path from 'node:path'

// https://vite.dev/config/
export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@': path.resolve(__dirname, './src') },
  },
  server: { port: 3000, open: true },
  build: { outDir: 'build', sourcemap: true },
})
"#;
    let m = ok("vite.config.ts", src);
    assert_eq!(
        json(&m),
        serde_json::json!({
            "resolve": { "alias": { "@": "./src" } },
            "server": { "port": 3000, "open": true },
            "build": { "outDir": "build", "sourcemap": true },
        })
    );
    // Fields in the order the Vite config wrote them.
    assert!(m.json.find("resolve").unwrap() < m.json.find("server").unwrap(), "{}", m.json);
    let react = has_note(&m, "react()");
    assert!(react.message.contains("built in: Nexxo does JSX, React Fast Refresh and TS itself"), "{react:?}");
    assert_eq!((react.line, react.column), (7, 13));
    assert_eq!(m.fields, 5);
}

#[test]
fn module_exports_and_function_returning_an_object() {
    let src = r#"const { defineConfig } = require('vite')
const path = require('path')
const port = 4000
module.exports = defineConfig(({ mode }) => ({
  base: '/app/',
  mode: 'staging',
  envPrefix: ['APP_', 'VITE_'],
  envDir: path.join(__dirname, 'env'),
  publicDir: false,
  define: {
    __VERSION__: JSON.stringify('1.2.0'),
    __FLAGS__: JSON.stringify({ a: 1, b: [true, null] }),
    __RAW__: '"raw"',
    __NUM__: -2.5,
    __WHEN__: JSON.stringify(new Date()),
    __MODE__: mode,
  },
  server: { port, host: true, strictPort: true },
  preview: { port: 8080, host: '0.0.0.0' },
}))
"#;
    let m = ok("vite.config.cjs", src);
    assert_eq!(
        json(&m),
        serde_json::json!({
            "base": "/app/",
            "mode": "staging",
            "envPrefix": ["APP_", "VITE_"],
            "envDir": "env",
            "publicDir": false,
            "define": {
                "__VERSION__": "\"1.2.0\"",
                "__FLAGS__": "{\"a\":1,\"b\":[true,null]}",
                "__RAW__": "\"raw\"",
                "__NUM__": -2.5,
            },
            "server": { "port": 4000, "host": "0.0.0.0" },
            "preview": { "port": 8080, "host": "0.0.0.0" },
        })
    );
    assert_eq!(has_note(&m, "the config is a function").line, 4);
    let when = has_note(&m, "define.__WHEN__");
    assert!(when.message.contains("`new Date()` is computed when Vite runs"), "{when:?}");
    assert_eq!((when.line, when.column), (15, 30));
    let mode = has_note(&m, "define.__MODE__");
    assert!(mode.message.contains("`mode` is a variable"), "{mode:?}");
    has_note(&m, "--strict-port");
}

#[test]
fn a_function_with_statements_is_a_located_error() {
    let src = "import { defineConfig, loadEnv } from 'vite'\n\nexport default defineConfig(({ mode }) => {\n  const env = loadEnv(mode, process.cwd())\n  return { base: env.BASE }\n})\n";
    let e = migrate("vite.config.ts", src).unwrap_err();
    assert_eq!(e.code, "MIGRATE_NOT_DATA");
    assert_eq!((e.line, e.column), (Some(4), Some(3)));
    assert!(e.message.contains("function with statements"), "{e}");
    assert!(e.to_string().contains("vite.config.ts:4:3"), "{e}");
    assert!(e.hint.as_deref().unwrap().contains("nexxo.config.json by hand"));

    // `() => { return { ... } }` is still data.
    let m = ok("vite.config.js", "export default () => { return { base: './' } }");
    assert_eq!(json(&m), serde_json::json!({ "base": "./" }));

    for (src, needle) in [
        ("export default defineConfig(async () => ({}))", "async"),
        ("export default function () { return {} }", "is a function"),
        ("export default mergeConfig(a, b)", "computed by `mergeConfig`"),
        ("export default 42", "not an object literal"),
        ("import c from './shared'\nexport default c", "not an object literal"),
    ] {
        let e = migrate("vite.config.js", src).unwrap_err();
        assert!(e.message.contains(needle), "{src}: {e}");
        assert!(e.line.is_some(), "{src}: {e}");
    }
}

#[test]
fn syntax_errors_and_configs_without_export() {
    let e = migrate("vite.config.ts", "export default {\n  base: '/',,\n}\n").unwrap_err();
    assert_eq!(e.code, "MIGRATE_SYNTAX");
    assert_eq!(e.line, Some(2));
    let e = migrate("vite.config.js", "const config = { base: '/' }\n").unwrap_err();
    assert_eq!(e.code, "MIGRATE_NO_EXPORT");
    // TypeScript syntax in a .ts config, `satisfies` and `as` are looked through.
    let m = ok(
        "vite.config.mts",
        "import type { UserConfig } from 'vite'\nconst config: UserConfig = { base: '/x/' as string }\nexport default config satisfies UserConfig\n",
    );
    assert_eq!(json(&m), serde_json::json!({ "base": "/x/" }));
}

#[test]
fn aliases_in_object_and_array_form() {
    let src = r#"import { fileURLToPath, URL } from 'node:url'
import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
export default {
  plugins: [vue(), process.env.X && other()],
  resolve: {
    alias: [
      { find: '@', replacement: fileURLToPath(new URL('./src', import.meta.url)) },
      { find: '~lib', replacement: resolve(__dirname, 'packages/lib/src/') },
      { find: 'shared', replacement: resolve(import.meta.dirname, '../shared') },
      { find: /^vue$/, replacement: 'vue/dist/vue.esm-bundler.js' },
      { find: 'root', replacement: '/src/root' },
      { find: 'react', replacement: 'preact/compat' },
    ],
    extensions: ['.mjs', '.js', '.ts'],
    conditions: ['custom', 'browser'],
    mainFields: ['module', 'main'],
    dedupe: ['react'],
  },
}
"#;
    let m = ok("vite.config.js", src);
    assert_eq!(
        json(&m),
        serde_json::json!({
            "resolve": {
                "alias": {
                    "@": "./src",
                    "~lib": "./packages/lib/src/",
                    "shared": "../shared",
                    "root": "./src/root",
                    "react": "preact/compat",
                },
                "extensions": [".mjs", ".js", ".ts"],
                "conditions": ["custom", "browser"],
                "mainFields": ["module", "main"],
                "dedupe": ["react"],
            }
        })
    );
    let vue = has_note(&m, "vue()");
    assert!(vue.message.contains("from \"@vitejs/plugin-vue\") is not supported"), "{vue:?}");
    has_note(&m, "process.env.X && other()");
    let regex = has_note(&m, "regular expressions");
    assert_eq!((regex.line, regex.column), (11, 15));
    // Object form, with an alias value that is computed.
    let m = ok("vite.config.ts", "export default { resolve: { alias: { '@': './src', x: process.env.X } } }");
    assert_eq!(json(&m), serde_json::json!({ "resolve": { "alias": { "@": "./src" } } }));
    has_note(&m, "resolve.alias[\"x\"]");
}

#[test]
fn build_fields_inputs_and_targets() {
    let src = r#"import { resolve } from 'path'
export default {
  build: {
    outDir: resolve(__dirname, 'out/web'),
    assetsDir: 'static',
    sourcemap: 'hidden',
    minify: 'terser',
    assetsInlineLimit: 0,
    target: ['es2020', 'edge88', 'firefox78', 'chrome87', 'safari14'],
    cssTarget: ['chrome61', 'safari13.1'],
    emptyOutDir: true,
    reportCompressedSize: false,
    cssCodeSplit: false,
    chunkSizeWarningLimit: 1600,
    rollupOptions: {
      input: { main: resolve(__dirname, 'index.html'), nested: './nested/index.html' },
      output: {
        manualChunks: { vendor: ['react', 'react-dom'] },
        entryFileNames: '[name].js',
        chunkFileNames: 'js/[name]-[hash:12].js',
        assetFileNames: (info) => info.name.endsWith('.css') ? 'css/[name][extname]' : '[name][extname]',
      },
    },
  },
}
"#;
    let m = ok("vite.config.js", src);
    assert_eq!(
        json(&m),
        serde_json::json!({
            "build": {
                "outDir": "out/web",
                "assetsDir": "static",
                "minify": true,
                "assetsInlineLimit": 0,
                "target": "es2020,edge88,firefox78,chrome87,safari14",
                "cssTarget": ["chrome61", "safari13.1"],
                "emptyOutDir": true,
                "reportCompressedSize": false,
                "input": ["index.html", "nested/index.html"],
                "manualChunks": { "vendor": ["react", "react-dom"] },
                "sourcemap": "hidden",
                "chunkSizeWarningLimit": 1600,
                "entryFileNames": "[name].js",
                "chunkFileNames": "js/[name]-[hash:12].js",
            }
        })
    );
    has_note(&m, "Nexxo minifies with oxc; written as `true`");
    has_note(&m, "build.cssCodeSplit");
    has_note(&m, "`build.rollupOptions.output.assetFileNames`");
    let bad = ok(
        "vite.config.js",
        "export default { build: { sourcemap: 'both', rollupOptions: { output: { entryFileNames: '../[name].js' } } } }",
    );
    has_note(&bad, "`build.sourcemap: \"both\"` is not a kind of source map");
    has_note(&bad, "must stay inside the output directory");

    for (target, expect) in [
        ("'esnext'", Some("esnext")),
        ("'modules'", Some("modules")),
        ("['baseline-widely-available', 'chrome100']", Some("baseline-widely-available,chrome100")),
        ("'netscape4'", None),
    ] {
        let m = ok(
            "vite.config.js",
            &format!(
                "export default {{ build: {{ target: {target}, rolldownOptions: {{ input: ['a.html', 'b.html'] }} }} }}"
            ),
        );
        let j = json(&m);
        assert_eq!(j["build"]["target"].as_str(), expect, "{target}: {:#?}", m.notes);
        assert_eq!(j["build"]["input"], serde_json::json!(["a.html", "b.html"]));
        assert_eq!(m.notes.len(), usize::from(expect.is_none()), "{target}: {:#?}", m.notes);
    }
}

#[test]
fn css_module_names() {
    let m = ok(
        "vite.config.js",
        "export default { css: { modules: { generateScopedName: '[name]__[local]___[hash:base64:5]', localsConvention: 'camelCase' } } }",
    );
    assert_eq!(json(&m), serde_json::json!({ "css": { "modules": { "pattern": "[name]__[local]___[hash]" } } }));
    has_note(&m, "css.modules.localsConvention");
    for (pattern, needle) in [
        ("[path][name]__[local]", "placeholder `[path]`"),
        ("[hash:base64:8]", "no [local] placeholder"),
        ("[name].[local]", "not valid in a class name"),
    ] {
        let m = ok(
            "vite.config.js",
            &format!("export default {{ css: {{ modules: {{ generateScopedName: '{pattern}' }} }} }}"),
        );
        assert_eq!(json(&m), serde_json::json!({}), "{pattern}");
        has_note(&m, needle);
    }
    let m = ok("vite.config.js", "export default { css: { modules: { generateScopedName: (name) => name } } }");
    has_note(&m, "is a function");
}

#[test]
fn what_needs_javascript_becomes_a_note() {
    let src = "const extra = { port: 1 }\nexport default {\n  ...extra,\n  [key]: 1,\n  get base() { return '/' },\n  server: { ...extra, port: Number(process.env.PORT) },\n  build: process.env.CI ? {} : { outDir: 'x' },\n  test: { environment: 'jsdom' },\n  root: 'src',\n  cacheDir: '.cache',\n  optimizeDeps: { include: ['a'] },\n  appType: 'spa',\n  mode: `prod`,\n  base: `/${name}/`,\n  envPrefix: '',\n  plugins: mkPlugins(),\n}\n";
    let m = ok("vite.config.js", src);
    assert_eq!(json(&m), serde_json::json!({ "mode": "prod" }));
    for (needle, line) in [
        ("`...extra` is a spread", 3),
        ("computed key `[key]`", 4),
        ("`base` is a function", 5),
        ("`server`: `...extra` is a spread", 6),
        ("`server.port`: `Number(process.env.PORT)` is a function call", 6),
        ("`build` (`process.env.CI ? {} : { outDir: 'x' }`) is not an object literal", 7),
        ("Vitest", 8),
        ("`root` is not translated", 9),
        ("`cacheDir` has no Nexxo equivalent", 10),
        ("pre-bundles dependencies itself", 11),
        ("template literal with expressions", 14),
        ("`envPrefix` must be a non-empty string", 15),
        ("`plugins` (`mkPlugins()`) are not supported", 16),
    ] {
        assert_eq!(has_note(&m, needle).line, line, "{needle}");
    }
    assert_eq!(m.notes.len(), 13, "{:#?}", m.notes);
}

#[test]
fn columns_count_characters() {
    let m = ok("vite.config.js", "export default { define: { 'ü': 'ü' }, x: 1 }");
    assert_eq!(has_note(&m, "`x`").column, 40);
}

#[test]
fn normalizes_paths() {
    use crate::paths::{alias_target, normalize, root_relative};
    assert_eq!(normalize("././src"), "./src");
    assert_eq!(normalize("./a/../b/"), "./b/");
    assert_eq!(normalize("./a/../../b"), "../b");
    assert_eq!(normalize("/x/./y/../z"), "/x/z");
    assert_eq!(normalize("./"), ".");
    assert_eq!(root_relative("./dist"), "dist");
    assert_eq!(root_relative("dist/"), "dist/");
    assert_eq!(root_relative("../out"), "../out");
    assert_eq!(alias_target("/src"), "./src");
    assert_eq!(alias_target("@scope/pkg"), "@scope/pkg");
    assert_eq!(alias_target("./src/../lib"), "./lib");
}

#[test]
fn deep_nesting_is_a_note_not_a_crash() {
    let deep = format!("export default {{ define: {{ X: {}1{} }} }}", "[".repeat(200), "]".repeat(200));
    let m = ok("vite.config.js", &deep);
    has_note(&m, "nested too deeply");
}

/// What nexxo build warns about a Vite config it runs with, for `src` as vite.config.ts.
fn unread(src: &str) -> Option<String> {
    report("vite.config.ts", &migrate("vite.config.ts", src)).warning
}

/// What nexxo build says it applied of `src` as vite.config.ts.
fn applied(src: &str) -> Option<String> {
    report("vite.config.ts", &migrate("vite.config.ts", src)).applied
}

#[test]
fn a_vite_config_nexxo_does_anyway_is_not_warned_about() {
    // The create-vite react-ts template's config, word for word.
    let template = "import { defineConfig } from 'vite'\nimport react from '@vitejs/plugin-react'\n\n// https://vite.dev/config/\nexport default defineConfig({\n  plugins: [react()],\n})\n";
    let m = ok("vite.config.ts", template);
    assert_eq!(m.notes.iter().map(|n| n.kind).collect::<Vec<_>>(), [NoteKind::BuiltIn]);
    assert_eq!(unread(template), None);
    // A function config, tsconfig paths, Vitest and pre-bundling: nothing Nexxo would miss.
    let more = "import react from '@vitejs/plugin-react-swc'\nimport paths from 'vite-tsconfig-paths'\nexport default defineConfig(() => ({\n  plugins: [react(), paths()],\n  test: { environment: 'jsdom' },\n  optimizeDeps: { include: ['react'] },\n  appType: 'spa',\n}))\n";
    assert_eq!(unread(more), None, "{:#?}", ok("vite.config.ts", more).notes);
    // create-vite's preact-ts: the preset's JSX comes from tsconfig.app.json; a caveat, not a warning.
    let preact = "import { defineConfig } from 'vite'\nimport preact from '@preact/preset-vite'\n\nexport default defineConfig({\n  plugins: [preact()],\n})\n";
    assert_eq!(unread(preact), None);
    assert_eq!(has_note(&ok("vite.config.ts", preact), "jsxImportSource").kind, NoteKind::Caveat);
}

#[test]
fn what_a_vite_config_sets_is_named_and_what_is_lost_is_one_warning() {
    let src = "import react from '@vitejs/plugin-react'\nimport path from 'node:path'\nexport default {\n  plugins: [react()],\n  base: '/app/',\n  resolve: { alias: { '@': path.resolve(__dirname, 'src'), '~': './lib' } },\n}\n";
    assert_eq!(applied(src).as_deref(), Some("vite.config.ts (as `nexxo migrate` translates it): base, resolve.alias"));
    assert_eq!(unread(src), None);
    // Plugins that are not built in and values that are code are listed, located; a Babel option
    // of react() is lost, so it is one of them.
    let src = "import react from '@vitejs/plugin-react'\nimport legacy from '@vitejs/plugin-legacy'\nexport default defineConfig({\n  plugins: [react({ babel: { plugins: ['x'] } }), legacy()],\n  define: { __A__: '1', __MODE__: mode },\n  server: { hmr: true },\n  build: { outDir: 'out', minify: 'terser' },\n})\n";
    let m = ok("vite.config.ts", src);
    assert_eq!(m.translated, ["define", "build.outDir", "build.minify"]);
    assert_eq!(has_note(&m, "terser").kind, NoteKind::Caveat);
    assert_eq!(
        applied(src).as_deref(),
        Some("vite.config.ts (as `nexxo migrate` translates it): define, build.outDir, build.minify")
    );
    assert_eq!(
        unread(src).as_deref(),
        Some(
            "vite.config.ts: Nexxo runs without what it cannot translate: plugin `react({ babel: { plugins: ['x'] } })` \
             (vite.config.ts:4:13), plugin `legacy()` (vite.config.ts:4:51), `define.__MODE__` (vite.config.ts:5:35), \
             `server.hmr` (vite.config.ts:6:13)\n  `nexxo migrate --dry-run` explains each part"
        )
    );
    // Only what cannot be translated, and more of it than is listed.
    let src = "export default { plugins: [a(), b(), c(), d(), e()] }\n";
    assert_eq!(
        unread(src).as_deref(),
        Some(
            "vite.config.ts: Nexxo runs without what it cannot translate: plugin `a()` (vite.config.ts:1:28), plugin \
             `b()` (vite.config.ts:1:33), plugin `c()` (vite.config.ts:1:38), plugin `d()` (vite.config.ts:1:43), and 1 \
             more\n  `nexxo migrate --dry-run` explains each part"
        )
    );
}

#[test]
fn a_vite_config_that_cannot_be_read_is_a_warning_with_its_place() {
    let text = unread("export default {\n  base: '/app/',,\n}\n").unwrap();
    assert!(text.starts_with("vite.config.ts is not read: cannot parse the Vite config"), "{text}");
    assert!(text.contains("(vite.config.ts:2:"), "{text}");
    let text = unread("export default defineConfig(({ mode }) => {\n  const env = loadEnv(mode, '.')\n  return { base: env.BASE }\n})\n").unwrap();
    assert!(text.contains("the config is a function with statements"), "{text}");
    assert!(text.contains("(vite.config.ts:2:3)"), "{text}");
    assert!(text.contains("write nexxo.config.json"), "{text}");
}

#[test]
fn every_note_names_its_subject_first() {
    let src = "import { resolve } from 'path'\nexport default {\n  ...extra,\n  [key]: 1,\n  get base() { return '/' },\n  server: { ...extra, port: Number(process.env.PORT), strictPort: true },\n  build: { sourcemap: 'hidden', target: 'modules', rollupOptions: { output: {} } },\n  resolve: { alias: [{ find: /^@/, replacement: 'x' }], dedupe: ['react'] },\n  css: { postcss: {}, modules: { generateScopedName: '[path]' } },\n  root: 'src',\n  plugins: [vue(), ...more],\n}\n";
    let m = ok("vite.config.js", src);
    for note in &m.notes {
        let subject = note.subject();
        assert!(subject.ends_with('`') && subject.len() < note.message.len(), "{note:?}");
    }
    assert_eq!(has_note(&m, "computed key").subject(), "the computed key `[key]`");
    assert_eq!(has_note(&m, "strictPort").subject(), "`server.strictPort`");
}

#[test]
fn tailwind_vite_plugin_is_built_in() {
    let src = r#"import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import tailwindcss from '@tailwindcss/vite'

export default defineConfig({
  plugins: [react(), tailwindcss()],
})
"#;
    let m = ok("vite.config.ts", src);
    let tw = has_note(&m, "tailwindcss()");
    assert_eq!(tw.kind, NoteKind::BuiltIn, "{tw:?}");
    assert!(tw.message.contains("runs Tailwind CSS's compiler"), "{tw:?}");
    // Nothing is lost, so build/dev/preview stay silent about this config.
    assert!(m.notes.iter().all(|n| n.kind == NoteKind::BuiltIn), "{:#?}", m.notes);
}

#[test]
fn server_proxy_with_the_rewrites_vite_documents() {
    let src = r#"export default {
  server: {
    proxy: {
      '/foo': 'http://localhost:4567',
      '/api': {
        target: 'http://jsonplaceholder.typicode.com',
        changeOrigin: true,
        secure: false,
        rewrite: (path) => path.replace(/^\/api/, ''),
      },
      '^/fallback/.*': {
        target: 'http://127.0.0.1:8080/base',
        rewrite: function (p) { return p.replace(/^\/FALLBACK\/(\w+)/i, '/v2/$1x') },
        configure: (proxy, options) => {},
      },
      '/socket.io': { target: 'ws://localhost:5174', ws: true, rewrite: (p) => p.replace('/socket.io', '/io') },
      '/remote': 'https://api.example.com',
      '/bad': 'ftp://x',
      '/computed': { target: 'http://x', rewrite: (p) => p.replace(new RegExp(prefix), '') },
    },
  },
  preview: { proxy: { '/api': 'http://127.0.0.1:3000' } },
}"#;
    let m = ok("vite.config.js", src);
    assert_eq!(
        json(&m),
        serde_json::json!({
            "server": { "proxy": {
                "/foo": "http://localhost:4567",
                "/api": { "target": "http://jsonplaceholder.typicode.com", "changeOrigin": true, "secure": false, "rewrite": { "^\\/api": "" } },
                "^/fallback/.*": { "target": "http://127.0.0.1:8080/base", "rewrite": { "(?i)^\\/FALLBACK\\/(\\w+)": "/v2/${1}x" } },
                "/socket.io": { "target": "ws://localhost:5174", "ws": true, "rewrite": { "/socket\\.io": "/io" } },
                "/remote": "https://api.example.com",
                "/computed": { "target": "http://x" },
            } },
            "preview": { "proxy": { "/api": "http://127.0.0.1:3000" } },
        })
    );
    has_note(&m, "`server.proxy[\"^/fallback/.*\"].configure` has no Nexxo equivalent");
    has_note(&m, "`server.proxy[\"/bad\"]`: `ftp://x`: the target must be an http://");
    assert!(has_note(&m, "`rewrite` (`(p) => p.replace(new RegExp(prefix), '')`) is code").code);
    // What was translated is what the servers accept.
    let config = nexxo_config::parse_config("nexxo.config.json", &m.json).unwrap();
    assert_eq!(config.server.proxy.len(), 6);
}

#[test]
fn library_mode_with_externals_and_globals() {
    let src = r#"import { resolve } from 'path'
import { defineConfig } from 'vite'
export default defineConfig({
  build: {
    lib: {
      entry: resolve(__dirname, 'lib/main.ts'),
      name: 'MyLib',
      fileName: 'my-lib',
      formats: ['es', 'umd'],
    },
    rollupOptions: {
      external: ['vue', /^@acme\//, /lodash/i],
      output: { globals: { vue: 'Vue' } },
    },
  },
})"#;
    let m = ok("vite.config.ts", src);
    assert_eq!(
        json(&m)["build"],
        serde_json::json!({
            "lib": { "entry": "lib/main.ts", "name": "MyLib", "fileName": "my-lib", "formats": ["es", "umd"] },
            "external": ["vue", "^@acme\\/", "^(?i).*(?:lodash)"],
            "globals": { "vue": "Vue" },
        })
    );
    let config = nexxo_config::parse_config("nexxo.config.json", &m.json).unwrap();
    assert_eq!(config.build.lib.unwrap().entries(), vec![("main".to_string(), "lib/main.ts".to_string())]);
}

#[test]
fn server_headers_and_open() {
    let src = r#"export default {
  server: { open: true, headers: { 'Cross-Origin-Opener-Policy': 'same-origin' } },
  preview: { open: '/docs/' },
}"#;
    let m = ok("vite.config.js", src);
    assert_eq!(
        json(&m),
        serde_json::json!({
            "server": { "open": true, "headers": { "Cross-Origin-Opener-Policy": "same-origin" } },
            "preview": { "open": "/docs/" },
        })
    );
    assert!(m.notes.is_empty(), "{:#?}", m.notes);
    nexxo_config::parse_config("nexxo.config.json", &m.json).unwrap();
}

#[test]
fn manual_chunks_functions_become_chunk_groups() {
    let src = r#"export default defineConfig({
  build: {
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules')) {
            if (id.includes('react-dom') || /[\\/]react[\\/]/.test(id)) {
              return 'react';
            }
            return 'vendor';
          }
          if (id.endsWith('.md')) return 'docs';
        },
      },
    },
  },
})
"#;
    let m = ok("vite.config.ts", src);
    let groups = &json(&m)["build"]["codeSplitting"]["groups"];
    let names: Vec<&str> = groups.as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["react", "vendor", "docs"], "{groups}");
    let priorities: Vec<u64> = groups.as_array().unwrap().iter().map(|g| g["priority"].as_u64().unwrap()).collect();
    assert_eq!(priorities, [3, 2, 1]);
    // The translated tests say what the function says, for real module ids.
    let test = |i: usize, id: &str| regex::Regex::new(groups[i]["test"].as_str().unwrap()).unwrap().is_match(id);
    assert!(test(0, "/app/node_modules/react-dom/index.js") && test(0, "/app/node_modules/react/index.js"));
    assert!(!test(0, "/app/node_modules/preact/index.js") && !test(0, "/app/src/react-dom-helpers.ts"));
    assert!(test(1, "/app/node_modules/lodash/get.js") && !test(1, "/app/src/main.ts"));
    assert!(test(2, "/app/src/readme.md") && !test(2, "/app/src/md.ts"));
    // The configs read by Nexxo's own check too.
    let user: nexxo_config::UserConfig = serde_json::from_value(json(&m)).unwrap();
    user.build.code_splitting.unwrap().check(false).unwrap();

    // An arrow with an `else` chain, and Vite 8's own groups (regex literals) and inlineDynamicImports.
    let m = ok(
        "vite.config.ts",
        "export default { build: { rollupOptions: { output: { manualChunks: (id) => { if (id.includes('lodash')) { return 'lodash' } else if (id.includes('node_modules')) return 'vendor' } } } } }",
    );
    assert_eq!(json(&m)["build"]["codeSplitting"]["groups"][1]["name"], "vendor");
    let m = ok(
        "vite.config.ts",
        "export default { build: { rolldownOptions: { output: { codeSplitting: { minSize: 20000, groups: [{ name: 'react', test: /[\\\\/]node_modules[\\\\/]react/i, priority: 20 }, { name: (id) => id, test: /x/ }] } } } } }",
    );
    assert_eq!(
        json(&m)["build"]["codeSplitting"],
        serde_json::json!({ "minSize": 20000, "groups": [{ "name": "react", "test": "(?i)[\\\\/]node_modules[\\\\/]react", "priority": 20 }] })
    );
    has_note(&m, "the group is not translated");
    let m =
        ok("vite.config.ts", "export default { build: { rollupOptions: { output: { inlineDynamicImports: true } } } }");
    assert_eq!(json(&m)["build"]["codeSplitting"], serde_json::json!(false));

    // A chunk per package, as apps compute it.
    for body in [
        "(id) => { if (id.includes('node_modules')) return id.toString().split('node_modules/')[1].split('/')[0].toString() }",
        "function (id) { if (id.includes('node_modules')) { return id.split(\"node_modules/\")[1].split(\"/\")[0] } }",
    ] {
        let m = ok(
            "vite.config.ts",
            &format!("export default {{ build: {{ rollupOptions: {{ output: {{ manualChunks: {body} }} }} }} }}"),
        );
        assert_eq!(json(&m)["build"]["codeSplitting"]["groups"][0]["name"], nexxo_config::PACKAGE_GROUP_NAME, "{body}");
    }
    // Shapes that are code stay notes, saying what Nexxo takes.
    for (body, why) in [
        ("(id) => { const p = id.split('/'); return p[0] }", "runs a statement other than"),
        (
            "(id) => { if (id.includes('node_modules')) return id.toString().split('node_modules/')[2].split('/')[0] }",
            "returns a computed name",
        ),
        ("(id) => { if (id.length > 3) return 'big' }", "tests the id in a way"),
        ("(id) => { if (id.startsWith('/a') && id.includes('b')) return 'ab' }", "anchored"),
    ] {
        let m = ok(
            "vite.config.ts",
            &format!("export default {{ build: {{ rollupOptions: {{ output: {{ manualChunks: {body} }} }} }} }}"),
        );
        assert!(json(&m).get("build").is_none(), "{body}: {}", m.json);
        has_note(&m, why);
    }
}

#[test]
fn backend_integration_options() {
    let src = "export default {\n  server: { origin: 'http://localhost:5173', cors: { origin: [/^https?:\\/\\/.*\\.test$/, 'http://app.local'] } },\n  preview: { cors: false },\n  build: { manifest: true, rollupOptions: { input: 'resources/js/app.ts' } },\n}\n";
    let m = ok("vite.config.ts", src);
    assert_eq!(
        json(&m),
        serde_json::json!({
            "server": { "origin": "http://localhost:5173", "cors": { "origin": ["^https?:\\/\\/.*\\.test$", "http://app.local"] } },
            "preview": { "cors": false },
            "build": { "manifest": true, "input": ["resources/js/app.ts"] },
        })
    );
    assert!(m.notes.is_empty(), "{:#?}", m.notes);
    // What nexxo.config.json takes.
    let user: nexxo_config::UserConfig = serde_json::from_value(json(&m)).unwrap();
    assert_eq!(
        nexxo_config::ManifestSetting::path(user.build.manifest.as_ref()).as_deref(),
        Some(".vite/manifest.json")
    );
}

#[test]
fn dropping_console_and_debugger() {
    let compress = |m: &Migration| json(m)["build"]["minify"]["compress"].clone();
    // Vite 7's esbuild.drop, for builds only; `minify: 'esbuild'` written after it keeps it.
    let m = ok(
        "vite.config.ts",
        "export default defineConfig(({ mode }) => ({\n  esbuild: { drop: mode === 'production' ? ['console', 'debugger'] : [] },\n  build: { minify: 'esbuild' },\n}))\n",
    );
    assert_eq!(compress(&m), serde_json::json!({ "dropConsole": true, "dropDebugger": true }));
    let m = ok(
        "vite.config.ts",
        "export default { esbuild: { drop: command !== 'build' ? [] : ['debugger'], jsxInject: 'x' } }",
    );
    assert_eq!(compress(&m), serde_json::json!({ "dropConsole": false, "dropDebugger": true }));
    has_note(&m, "`esbuild.jsxInject` has no Nexxo equivalent");
    // Vite 8's place for them.
    let m = ok(
        "vite.config.ts",
        "export default { build: { rolldownOptions: { output: { minify: { compress: { dropConsole: true, unused: false } } } } } }",
    );
    assert_eq!(compress(&m), serde_json::json!({ "dropConsole": true }));
    has_note(&m, "compress.unused` has no Nexxo equivalent");
    // Minification off wins, written before or after.
    for src in [
        "export default { build: { minify: false }, esbuild: { drop: ['console'] } }",
        "export default { esbuild: { drop: ['console'] }, build: { minify: false } }",
    ] {
        assert_eq!(json(&ok("vite.config.ts", src))["build"]["minify"], serde_json::json!(false), "{src}");
    }
    // What nexxo.config.json takes.
    let user: nexxo_config::UserConfig =
        serde_json::from_value(serde_json::json!({ "build": { "minify": { "compress": { "dropConsole": true } } } }))
            .unwrap();
    assert!(matches!(user.build.minify, Some(nexxo_config::MinifySetting::Options(_))));
}
