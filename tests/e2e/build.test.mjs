// `nexxo build` on fixtures; the output is imported and run in Node to check what it does.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { NEXXO, buildOk, buildOk as buildOkWith, fixture, importBuilt, listFiles, manifest, nexxo, writeFiles } from "./helpers.mjs";

// A library-style entry (build.input lists a script) so the bundle's exports can be checked in Node.
function libProject(files, config = {}) {
  return fixture("lib", {
    "nexxo.config.json": JSON.stringify({ build: { input: ["src/lib.ts"] }, ...config }),
    ...files,
  });
}

function entryFile(dir, key = "src/lib.ts") {
  return path.join(dir, "dist", manifest(dir)[key].file);
}

test("TypeScript, JSON, tsconfig paths, alias, define and env reach the bundle", async () => {
  const dir = libProject(
    {
      "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "~utils/*": ["src/utils/*"] } } }),
      ".env": "NEXXO_API=https://api.example\nPRIVATE_KEY=hunter2\n",
      ".env.production": "NEXXO_STAGE=prod-file\n",
      "src/data.json": JSON.stringify({ name: "nexxo", list: [1, 2, 3] }),
      "src/utils/math.ts": "export const add = (a: number, b: number): number => a + b;\n",
      "src/aliased/thing.ts": "export const thing: string = 'from alias';\n",
      "src/lib.ts": `
        import data from "./data.json";
        import { add } from "~utils/math";
        import { thing } from "@/aliased/thing";
        enum Color { Red = 1, Blue = 2 }
        export const sum: number = add(data.list[0], data.list[2]);
        export const name = data.name;
        export const blue = Color.Blue;
        export { thing };
        export const env = { api: import.meta.env.NEXXO_API, stage: import.meta.env.NEXXO_STAGE,
          mode: import.meta.env.MODE, prod: import.meta.env.PROD, dev: import.meta.env.DEV,
          base: import.meta.env.BASE_URL, secret: (import.meta.env as any).PRIVATE_KEY, all: import.meta.env };
        export const nodeEnv = process.env.NODE_ENV;
        export const version = __APP_VERSION__;
        declare const __APP_VERSION__: string;
      `,
    },
    { resolve: { alias: { "@": "./src" } }, define: { __APP_VERSION__: JSON.stringify("1.2.3") } },
  );
  buildOk(dir);
  const m = await importBuilt(entryFile(dir));
  assert.equal(m.sum, 4);
  assert.equal(m.name, "nexxo");
  assert.equal(m.blue, 2);
  assert.equal(m.thing, "from alias");
  assert.equal(m.env.api, "https://api.example");
  assert.equal(m.env.stage, "prod-file");
  assert.equal(m.env.mode, "production");
  assert.equal(m.env.prod, true);
  assert.equal(m.env.dev, false);
  assert.equal(m.env.base, "/");
  assert.equal(m.env.secret, undefined, "unprefixed variables must not be exposed");
  assert.equal(m.env.all.PRIVATE_KEY, undefined);
  assert.equal(m.nodeEnv, "production");
  assert.equal(m.version, "1.2.3");
  const code = fs.readFileSync(entryFile(dir), "utf8");
  assert.ok(!code.includes("hunter2"), "secret leaked into the bundle");
});

test("build.target: Vite 8's baseline by default (private fields and ??= shipped as written); es2020 lowers them, and both run", async () => {
  const lib = `export class Counter { #n = 1; static made = 0; static { Counter.made = 1; } bump() { this.#n ??= 0; this.#n += 1; return this.#n; } }
export const result = [new Counter().bump(), Counter.made, 0];
`;
  const outputs = {};
  for (const [name, config] of [["default", {}], ["baseline", { build: { input: ["src/lib.ts"], target: "baseline-widely-available" } }], ["es2020", { build: { input: ["src/lib.ts"], target: ["es2020"] } }]]) {
    const dir = libProject({ "src/lib.ts": lib }, config);
    buildOk(dir);
    const m = await importBuilt(entryFile(dir));
    assert.deepEqual(m.result, [2, 1, 0], name);
    outputs[name] = fs.readFileSync(entryFile(dir), "utf8");
  }
  assert.match(outputs.default, /#\w+/, outputs.default);
  assert.match(outputs.default, /\?\?=/, outputs.default);
  assert.equal(outputs.baseline, outputs.default);
  assert.doesNotMatch(outputs.es2020, /#\w+|\?\?=|static\s*\{/, outputs.es2020);
});

test("--mode picks .env.[mode] and .env.[mode].local; process env wins", async () => {
  const dir = libProject({
    ".env": "NEXXO_A=base\nNEXXO_B=base\nNEXXO_C=base\n",
    ".env.staging": "NEXXO_B=staging\n",
    ".env.staging.local": "NEXXO_C=staging-local\n",
    "src/lib.ts": "export const v = [import.meta.env.NEXXO_A, import.meta.env.NEXXO_B, import.meta.env.NEXXO_C, import.meta.env.MODE, import.meta.env.NEXXO_D];",
  });
  const r = nexxo(["build", dir, "--mode", "staging"], { env: { NEXXO_D: "from-process" } });
  assert.equal(r.status, 0, r.all);
  const m = await importBuilt(entryFile(dir));
  assert.deepEqual(m.v, ["base", "staging", "staging-local", "staging", "from-process"]);
});

test("CommonJS packages from node_modules (react) interoperate with ESM", async () => {
  const dir = libProject({
    "src/lib.ts": `
      import React, { createElement, useState } from "react";
      import { jsx } from "react/jsx-runtime";
      export const version = React.version;
      const el = createElement("p", { id: "x" }, "hi");
      export const element = { type: el.type, id: el.props.id, child: el.props.children, tag: String(el.$$typeof) };
      export const viaJsx = jsx("span", { children: 2 }).props.children;
      export const hookIsFunction = typeof useState === "function";
    `,
  });
  buildOk(dir);
  const m = await importBuilt(entryFile(dir));
  assert.match(m.version, /^19\./);
  assert.deepEqual(m.element, { type: "p", id: "x", child: "hi", tag: "Symbol(react.transitional.element)" });
  assert.equal(m.viaJsx, 2);
  assert.equal(m.hookIsFunction, true);
  const code = fs.readFileSync(entryFile(dir), "utf8");
  assert.ok(!code.includes("react.development"), "production build must pick react's production files");
});

test("package.json exports/browser/module fields are honored for the browser", async () => {
  const dir = libProject({
    "node_modules/cond-pkg/package.json": JSON.stringify({
      name: "cond-pkg",
      exports: { ".": { browser: "./browser.js", import: "./esm.js", require: "./cjs.js" }, "./feature": "./feature.js" },
    }),
    "node_modules/cond-pkg/browser.js": "export const where = 'browser';",
    "node_modules/cond-pkg/esm.js": "export const where = 'esm';",
    "node_modules/cond-pkg/cjs.js": "exports.where = 'cjs';",
    "node_modules/cond-pkg/feature.js": "export const feature = 'subpath export';",
    "node_modules/old-pkg/package.json": JSON.stringify({ name: "old-pkg", main: "main.js", module: "module.js", browser: { "./main.js": "./browser-main.js" } }),
    "node_modules/old-pkg/main.js": "exports.kind = 'main';",
    "node_modules/old-pkg/module.js": "export const kind = 'module';",
    "src/lib.ts": `
      import { where } from "cond-pkg";
      import { feature } from "cond-pkg/feature";
      import { kind } from "old-pkg";
      export const result = [where, feature, kind];
    `,
  });
  buildOk(dir);
  const m = await importBuilt(entryFile(dir));
  assert.deepEqual(m.result, ["browser", "subpath export", "module"]);
});

test("dynamic import() becomes its own chunk, shared code is split out, unused code is shaken", async () => {
  const dir = fixture("split", {
    "nexxo.config.json": JSON.stringify({ build: { input: ["src/a.ts", "src/b.ts"] } }),
    "src/shared.ts": `
      export function shared(x: number) { return "SHARED_MARKER:" + x * 2; }
      export function unused() { return "UNUSED_MARKER"; }
    `,
    "src/lazy.ts": "export const lazyValue = 'LAZY_MARKER';",
    "src/a.ts": `import { shared } from "./shared"; export const a = shared(1);
      export async function loadLazy() { return (await import("./lazy")).lazyValue; }`,
    "src/b.ts": `import { shared } from "./shared"; export const b = shared(2);`,
  });
  buildOk(dir);
  const man = manifest(dir);
  const a = await importBuilt(path.join(dir, "dist", man["src/a.ts"].file));
  const b = await importBuilt(path.join(dir, "dist", man["src/b.ts"].file));
  assert.equal(a.a, "SHARED_MARKER:2");
  assert.equal(b.b, "SHARED_MARKER:4");
  assert.equal(await a.loadLazy(), "LAZY_MARKER");
  assert.deepEqual(man["src/a.ts"].dynamicImports, ["src/lazy.ts"]);
  assert.ok(man["src/lazy.ts"].isDynamicEntry);
  const js = listFiles(path.join(dir, "dist")).filter((f) => f.endsWith(".js"));
  const withShared = js.filter((f) => fs.readFileSync(path.join(dir, "dist", f), "utf8").includes("SHARED_MARKER"));
  assert.equal(withShared.length, 1, `shared code must live in exactly one chunk: ${withShared}`);
  assert.ok(!withShared.includes(man["src/a.ts"].file) && !withShared.includes(man["src/b.ts"].file));
  for (const f of js) {
    assert.ok(!fs.readFileSync(path.join(dir, "dist", f), "utf8").includes("UNUSED_MARKER"), `${f} kept unused code`);
  }
  const lazy = fs.readFileSync(path.join(dir, "dist", man["src/lazy.ts"].file), "utf8");
  assert.ok(lazy.includes("LAZY_MARKER"));
  // Script entries have no page to preload into: no preload runtime (see lazy-css).
  const entryA = fs.readFileSync(path.join(dir, "dist", man["src/a.ts"].file), "utf8");
  assert.doesNotMatch(entryA, /__nexxo_pl=/);
});

test("minify is on by default, --no-minify keeps readable names, --sourcemap writes maps", async () => {
  const src = {
    "src/lib.ts": `
      export function computeTheAnswer(input: number): number {
        const intermediateValue = input * 6;
        return intermediateValue + 0;
      }
      /*! keep: licence */
      class Made { constructor(public n: number) {} }
      export const made = /* @__PURE__ */ new Made(1);
      export const list = /*#__PURE__*/ [made].map((m) => m.n);
    `,
  };
  const dir = libProject(src);
  buildOk(dir);
  const min = fs.readFileSync(entryFile(dir), "utf8");
  // Annotations are for a bundler reading the code again; a minified app keeps only its legal comments.
  assert.doesNotMatch(min, /__PURE__/, min);
  assert.match(min, /\/\*! keep: licence \*\//, min);
  assert.ok(!min.includes("function computeTheAnswer"), "local names should be mangled");
  assert.ok(!min.includes("\n  "), "minified output should have no indentation");
  assert.ok(!min.includes("sourceMappingURL"));
  assert.equal((await importBuilt(entryFile(dir))).computeTheAnswer(7), 42);

  buildOk(dir, ["--no-minify", "--sourcemap"]);
  const file = entryFile(dir);
  const readable = fs.readFileSync(file, "utf8");
  assert.ok(readable.includes("function computeTheAnswer(input)"), readable);
  assert.match(readable, /@__PURE__/, "an unminified build keeps the annotations");
  const mapRef = readable.match(/\/\/# sourceMappingURL=(\S+)/);
  assert.ok(mapRef, "missing sourceMappingURL comment");
  const map = JSON.parse(fs.readFileSync(path.join(path.dirname(file), mapRef[1]), "utf8"));
  assert.equal(map.version, 3);
  assert.ok(map.sources.some((s) => s.endsWith("src/lib.ts")), JSON.stringify(map.sources));
  assert.ok(map.mappings.length > 0);
  assert.ok(map.sourcesContent.some((c) => c && c.includes("intermediateValue")));
  assert.equal((await importBuilt(file)).computeTheAnswer(7), 42);
});

test("assets: large files are hashed, small ones inlined, ?url and ?raw imports work", async () => {
  const big = Buffer.alloc(6000, 7);
  const small = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const dir = libProject({
    "src/big.png": big,
    "src/small.png": small,
    "src/notes.txt": "line one\nline \"two\"\n",
    "src/tiny.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "src/lib.ts": `
      import bigUrl from "./big.png";
      import smallUrl from "./small.png";
      import svgUrl from "./tiny.svg?url";
      import notes from "./notes.txt?raw";
      export { bigUrl, smallUrl, svgUrl, notes };
    `,
  });
  buildOk(dir);
  const m = await importBuilt(entryFile(dir));
  assert.match(m.bigUrl, /^\/assets\/big-[0-9a-f]{8}\.png$/);
  assert.deepEqual(fs.readFileSync(path.join(dir, "dist", m.bigUrl)), big);
  assert.equal(m.smallUrl, `data:image/png;base64,${small.toString("base64")}`);
  assert.match(m.svgUrl, /^\/assets\/tiny-[0-9a-f]{8}\.svg$/);
  assert.ok(fs.existsSync(path.join(dir, "dist", m.svgUrl)));
  assert.equal(m.notes, 'line one\nline "two"\n');
  assert.equal(manifest(dir)["src/big.png"].file, m.bigUrl.slice(1));
});

test("public/ is copied as is and base prefixes every URL", async () => {
  const dir = fixture("base", {
    "index.html": `<!doctype html><html><head><link rel="icon" href="/favicon.ico"><link rel="stylesheet" href="./style.css"></head>
<body><img src="./src/pic.png"><script type="module" src="./src/main.ts"></script></body></html>`,
    "style.css": "body { background: url(./src/pic.png) }",
    "src/pic.png": Buffer.alloc(5000, 1),
    "src/main.ts": "import pic from './pic.png'; export const p = pic;",
    "public/favicon.ico": "ICON",
    "public/robots.txt": "User-agent: *",
    "public/nested/data.json": '{"ok":true}',
  });
  buildOk(dir, ["--base", "/app/"]);
  const dist = path.join(dir, "dist");
  assert.equal(fs.readFileSync(path.join(dist, "robots.txt"), "utf8"), "User-agent: *");
  assert.equal(fs.readFileSync(path.join(dist, "nested/data.json"), "utf8"), '{"ok":true}');
  const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
  assert.match(html, /<script type="module" crossorigin src="\/app\/assets\/index-[\w-]+\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" crossorigin href="\/app\/assets\/index-[0-9a-f]{8}\.css">/);
  assert.match(html, /href="\/app\/favicon\.ico"/);
  assert.match(html, /<img src="\/app\/assets\/pic-[0-9a-f]{8}\.png">/);
  assert.ok(!html.includes("./src/main.ts") && !html.includes("./style.css"));
  const css = fs.readFileSync(path.join(dist, html.match(/href="\/app\/(assets\/index-[0-9a-f]{8}\.css)"/)[1]), "utf8");
  assert.match(css, /url\("?\/app\/assets\/pic-[0-9a-f]{8}\.png"?\)/);
});

test("several HTML pages build into one output with their own entries", () => {
  const dir = fixture("mpa", {
    "nexxo.config.json": JSON.stringify({ build: { input: ["index.html", "about/index.html"] } }),
    "index.html": '<html><head></head><body><script type="module" src="/src/home.ts"></script></body></html>',
    "about/index.html": '<html><head></head><body><script type="module">import "../src/about.ts"; document.title = "inline";</script></body></html>',
    "src/common.ts": "export const common = () => 'COMMON';",
    "src/home.ts": "import { common } from './common'; document.body.dataset.page = 'home:' + common();",
    "src/about.ts": "import { common } from './common'; document.body.dataset.page = 'about:' + common();",
  });
  buildOk(dir);
  const man = manifest(dir);
  assert.ok(man["index.html"].isEntry && man["about/index.html"].isEntry);
  const home = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
  const about = fs.readFileSync(path.join(dir, "dist/about/index.html"), "utf8");
  assert.ok(home.includes(`src="/${man["index.html"].file}"`), home);
  assert.ok(about.includes(`src="/${man["about/index.html"].file}"`), about);
  assert.ok(!about.includes("document.title"), "inline module script must move into the bundle");
  const aboutJs = fs.readFileSync(path.join(dir, "dist", man["about/index.html"].file), "utf8");
  assert.ok(aboutJs.includes("inline"));
});

test("a failed build leaves the previous output exactly as it was; a good one leaves no stale files", () => {
  const dir = libProject({ "src/lib.ts": "export const v = 'first';" });
  buildOk(dir);
  const dist = path.join(dir, "dist");
  const snapshot = () => Object.fromEntries(listFiles(dist).map((f) => [f, fs.readFileSync(path.join(dist, f), "utf8")]));
  const before = snapshot();
  writeFiles(dir, { "src/lib.ts": "export const v = ;" });
  const r = nexxo(["build", dir]);
  assert.equal(r.status, 1, r.all);
  assert.deepEqual(snapshot(), before);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes("nexxo-")), [], "staging directory left behind");
  writeFiles(dir, { "src/lib.ts": "export const v = 'second';" });
  buildOk(dir);
  const after = listFiles(dist);
  const oldJs = Object.keys(before).filter((f) => f.endsWith(".js"));
  for (const f of oldJs) assert.ok(!after.includes(f), `stale ${f} survived the rebuild`);
  assert.ok(Object.values(snapshot()).some((c) => c.includes("second")));
});

test("the summary lists files with sizes and gzip sizes and the total time", () => {
  const dir = libProject({ "src/lib.ts": "export const v = 1;" });
  const r = buildOk(dir);
  assert.match(r.stdout, /dist\/assets\/lib-[\w-]+\.js\s+\d+ B │ gzip:\s+\d+ B/);
  assert.match(r.stdout, /✓ built \d+ files, .* in \d+ms/);
});

test("build.reportCompressedSize: false leaves the gzip sizes out of the summary, cold and from the cache", () => {
  const dir = fixture("nogzip", {
    "nexxo.config.json": JSON.stringify({ build: { input: ["src/lib.ts"], reportCompressedSize: false } }),
    "src/lib.ts": "export const v = 1;",
  });
  for (const flags of [["--force"], []]) {
    const r = buildOk(dir, flags);
    assert.match(r.stdout, /dist\/assets\/lib-[\w-]+\.js\s+\d+ B\n/, r.stdout);
    assert.doesNotMatch(r.stdout, /gzip:/);
    assert.match(r.stdout, /✓ built \d+ files/);
  }
  // Vite's name, translated from a vite.config too.
  fs.rmSync(path.join(dir, "nexxo.config.json"));
  fs.writeFileSync(path.join(dir, "vite.config.js"), "export default { build: { reportCompressedSize: false, rollupOptions: { input: 'src/lib.ts' } } };\n");
  const viaVite = buildOk(dir, ["--force"]);
  assert.doesNotMatch(viaVite.stdout, /gzip:/);
  // A wrong type is a located config error.
  fs.rmSync(path.join(dir, "vite.config.js"));
  fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ build: { reportCompressedSize: "no" } }));
  const bad = spawnSync(NEXXO, ["build", dir], { encoding: "utf8" });
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /reportCompressedSize/);
});

test("on a terminal a status line shows each stage and is cleared before the summary; piped output has none", { skip: !fs.existsSync("/usr/bin/script") && "no script(1) for a terminal" }, () => {
  const dir = libProject({ "src/lib.ts": "export const v = 1;" });
  // script(1) gives the build a terminal; CI is unset because CI logs get no status line.
  const env = { ...process.env };
  delete env.CI;
  const r = spawnSync("/usr/bin/script", ["-qfec", `${JSON.stringify(NEXXO)} build ${JSON.stringify(dir)} --force`, "/dev/null"], {
    encoding: "utf8",
    env: { ...env, NO_COLOR: "1", TERM: "xterm" },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const stages = ["transforming modules...", "linking...", "rendering chunks...", "finishing (CSS, pages, manifest)..."];
  const at = stages.map((s) => r.stdout.indexOf(`\r\x1b[2K${s}`));
  assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])), `the stages in order: ${JSON.stringify(r.stdout.slice(0, 400))}`);
  // Cleared: the summary starts on a clean line after the last status.
  assert.match(r.stdout.slice(at[3]), /\r\x1b\[2K[^\r]*dist\//);
  assert.match(r.stdout, /✓ built \d+ files/);
  const piped = buildOk(dir, ["--force"]);
  assert.doesNotMatch(piped.all, /rendering chunks|\x1b\[2K/);
});

test("CSS @import from a package and fonts in url() are bundled", async () => {
  const font = Buffer.alloc(9000, 3);
  const dir = fixture("csspkg", {
    "index.html": '<html><head></head><body><script type="module" src="/src/main.ts"></script></body></html>',
    "node_modules/ui-kit/package.json": JSON.stringify({ name: "ui-kit", version: "1.0.0" }),
    "node_modules/ui-kit/theme.css": ".kit-button { border-radius: 4px }",
    "src/fonts/brand.woff2": font,
    "src/main.ts": 'import "./app.css";',
    "src/app.css": '@import "ui-kit/theme.css";\n@font-face { font-family: Brand; src: url(./fonts/brand.woff2) format("woff2") }\n.app { font-family: Brand }',
  });
  buildOk(dir);
  const man = manifest(dir);
  const cssFile = man["index.html"].css[0];
  const css = fs.readFileSync(path.join(dir, "dist", cssFile), "utf8");
  assert.ok(css.indexOf(".kit-button") < css.indexOf(".app"), "imported CSS must come first: " + css);
  const fontUrl = css.match(/url\("?(\/assets\/brand-[0-9a-f]{8}\.woff2)"?\)/);
  assert.ok(fontUrl, css);
  assert.deepEqual(fs.readFileSync(path.join(dir, "dist", fontUrl[1])), font);
});

test("an unchanged project builds from the persistent cache with identical output; any change rebuilds", () => {
  const dir = libProject({
    "src/lib.ts": 'import pic from "./tiny.png"; export const v = "one"; export { pic };',
    "src/tiny.png": Buffer.from([1, 2, 3]),
  });
  const dist = path.join(dir, "dist");
  const snapshot = () => Object.fromEntries(listFiles(dist).map((f) => [f, fs.readFileSync(path.join(dist, f), "base64")]));
  let r = buildOk(dir);
  assert.ok(!r.stdout.includes("from cache"), r.stdout);
  const first = snapshot();
  r = buildOk(dir);
  assert.match(r.stdout, /from cache: no source changed/);
  assert.deepEqual(snapshot(), first);
  // An inlined asset is an input too.
  writeFiles(dir, { "src/tiny.png": Buffer.from([9, 9, 9]) });
  r = buildOk(dir);
  assert.ok(!r.stdout.includes("from cache"), "changed asset must rebuild");
  assert.notDeepEqual(snapshot(), first);
  // A flag that changes the output is part of the key.
  r = buildOk(dir, ["--no-minify"]);
  assert.ok(!r.stdout.includes("from cache"));
  r = buildOk(dir, ["--force"]);
  assert.ok(!r.stdout.includes("from cache"));
});

// cache.rs: a build's output is a file beside the database (not synced: a crash may damage it),
// checked against its length and hash before it is served.
test("a damaged cached output is rebuilt, not served; the rebuild is cached again", () => {
  const dir = libProject({ "src/lib.ts": 'export const v = "kept whole";\n' });
  const dist = path.join(dir, "dist");
  const snapshot = () => Object.fromEntries(listFiles(dist).map((f) => [f, fs.readFileSync(path.join(dist, f), "utf8")]));
  buildOk(dir);
  const first = snapshot();
  const blobs = path.join(dir, ".nexxo/cache/blobs");
  const stored = fs.readdirSync(blobs).map((f) => path.join(blobs, f));
  assert.ok(stored.length >= 2, "the output and the list of inputs are blob files");
  // What a crash can leave: the file's length written, its data not.
  for (const f of stored) fs.writeFileSync(f, Buffer.alloc(fs.statSync(f).size));
  let r = buildOk(dir);
  assert.ok(!r.stdout.includes("from cache"), "a damaged blob must not be served: " + r.stdout);
  assert.deepEqual(snapshot(), first);
  r = buildOk(dir);
  assert.match(r.stdout, /from cache: no source changed/);
  assert.deepEqual(snapshot(), first);
  // Cut short, or gone.
  for (const f of fs.readdirSync(blobs)) fs.truncateSync(path.join(blobs, f), 3);
  assert.ok(!buildOk(dir).stdout.includes("from cache"));
  fs.rmSync(blobs, { recursive: true });
  assert.ok(!buildOk(dir).stdout.includes("from cache"));
  assert.match(buildOk(dir).stdout, /from cache: no source changed/);
  assert.deepEqual(snapshot(), first);
});

test("editing a module the previous build tree-shook away entirely rebuilds instead of serving the cache", () => {
  const dir = libProject({
    // Side-effect free, so no chunk keeps it; the first build still read it.
    "src/lib.ts": 'import "./dead"; export const v = "kept";',
    "src/dead.ts": "export const unused = 1;\n",
  });
  buildOk(dir);
  assert.match(buildOk(dir).stdout, /from cache: no source changed/);
  writeFiles(dir, { "src/dead.ts": 'export const unused = 1; globalThis.sideEffect = "ran";\n' });
  const r = buildOk(dir);
  assert.ok(!r.stdout.includes("from cache"), "an edit of a tree-shaken module must rebuild: " + r.stdout);
  const js = fs.readdirSync(path.join(dir, "dist/assets")).map((f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8")).join("");
  assert.match(js, /sideEffect/);
});

for (const engine of ["native", "wasm"]) test(`a file the build looked for and did not find (a page's <img>, a new URL()) rebuilds when it is created or deleted (--engine ${engine})`, () => {
  const buildOk = (d) => buildOkWith(d, ["--engine", engine]);
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(5000)]);
  const dir = fixture(`build-looked-for-${engine}`, {
    "index.html": '<!doctype html><html><body><img src="./logo.png"><script type="module" src="/src/main.ts"></script></body></html>\n',
    "src/main.ts": 'export const pic = new URL("./pic.png", import.meta.url).href;\nconsole.log(pic);\n',
  });
  const page = () => fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
  const js = () =>
    fs.readdirSync(path.join(dir, "dist/assets")).filter((f) => f.endsWith(".js")).map((f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8")).join("");
  let r = buildOk(dir);
  assert.match(r.all, /logo\.png referenced in index\.html did not resolve/);
  assert.match(page(), /<img src="\.\/logo\.png">/, "left as written");
  // Still missing: the cache serves the build.
  assert.match(buildOk(dir).stdout, /from cache: no source changed/);
  fs.writeFileSync(path.join(dir, "logo.png"), png);
  fs.writeFileSync(path.join(dir, "src/pic.png"), png);
  r = buildOk(dir);
  assert.doesNotMatch(r.stdout, /from cache: no source changed/, "a created file must rebuild");
  assert.match(page(), /<img src="\/assets\/logo-\w+\.png">/);
  assert.match(js(), /pic-\w+\.png/);
  assert.match(buildOk(dir).stdout, /from cache: no source changed/);
  fs.rmSync(path.join(dir, "src/pic.png"));
  r = buildOk(dir);
  assert.doesNotMatch(r.stdout, /from cache: no source changed/, "a deleted file must rebuild");
  assert.doesNotMatch(js(), /pic-\w+\.png/);
});

// exit.rs: a successful build leaves the freeing of its memory to a helper sharing its address
// space ("nexxo-exit"), so the caller gets the status sooner. The helper must hold none of the
// caller's pipes and be gone as soon as the freeing is done.
test("a build's exit helper holds no output pipe and is gone right after the build", { skip: process.platform !== "linux" && "Linux only" }, async () => {
  const dir = libProject({ "src/lib.ts": "export const big = Array.from({ length: 1000 }, (_, i) => `s${i}`);\n" });
  const helpers = () =>
    fs.readdirSync("/proc").filter((pid) => {
      try {
        // A zombie (waiting for its new parent to reap it) has no cwd to read: only a live one counts.
        return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "nexxo-exit" && fs.readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    });
  for (let i = 0; i < 3; i++) {
    const child = spawn(NEXXO, ["build", "--force"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const exited = new Promise((resolve) => child.on("exit", (code) => resolve([code, performance.now()])));
    const closed = new Promise((resolve) => child.on("close", () => resolve(performance.now())));
    const [code, exitAt] = await exited;
    const closeAt = await closed;
    assert.equal(code, 0, out);
    assert.match(out, /built/);
    // Its pipes closed with the process, not when a helper let go of a copy.
    assert.ok(closeAt - exitAt < 1000, `output pipes closed ${closeAt - exitAt} ms after the exit`);
    const deadline = Date.now() + 3000;
    while (helpers().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(helpers(), [], "a nexxo-exit helper outlived the build");
  }
});
