// The per-file module built with wasm-bindgen (wasm/bindgen/pkg, `bash scripts/build-bindgen.sh`) in
// a Chromium page, on the main thread: instantiated synchronously (it is under Chromium's 8 MB limit
// for that, which the WASI engine is not), a TSX component transformed with React Fast Refresh and
// run, a CSS module compiled and its class map applied to the page, a syntax error and bad options
// thrown as problems (the first located), after which the instance still works. Then its HMR graph:
// a small TSX app transformed and recorded, run in the page, and edits answered as `nexxo dev`
// would (an update at the Fast Refresh boundary, which the page applies; a reload for the entry; a
// pruned import), with bad arguments thrown as problems.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fixture, launchChromium, preview, repoRoot, openPage } from "./helpers.mjs";

const pkg = path.join(repoRoot, "wasm/bindgen/pkg");
let server;
let browser;

before(async () => {
  const dir = fixture("bindgen", {
    "dist/index.html": '<!doctype html><html><head><meta charset="utf-8"></head><body><div id="app"></div></body></html>',
  });
  for (const f of ["nexxo_bindgen.js", "nexxo_bindgen_bg.wasm"]) {
    fs.mkdirSync(path.join(dir, "dist/pkg"), { recursive: true });
    fs.copyFileSync(path.join(pkg, f), path.join(dir, "dist/pkg", f));
  }
  server = await preview(dir);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("the package layout: package.json names an ESM entry, its types and the module, all present", () => {
  const json = JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8"));
  assert.equal(json.type, "module");
  assert.equal(json.exports["."].types, "./nexxo_bindgen.d.ts");
  for (const f of json.files) assert.ok(fs.existsSync(path.join(pkg, f)), f);
  assert.ok(json.files.includes(json.main.slice(2)) && json.files.includes(json.types.slice(2)));
});

test("the generated TypeScript types come from the Rust types", () => {
  const dts = fs.readFileSync(path.join(pkg, "nexxo_bindgen.d.ts"), "utf8");
  assert.match(dts, /export interface TransformOptions \{[^}]*reactRefresh\?: boolean;/);
  assert.match(dts, /export interface CssOutput \{[^}]*exports: \[string, string\]\[\];/);
  assert.match(dts, /export function transform\(path: string, source: string, options\?: TransformOptions \| null\): TransformOutput;/);
  assert.match(dts, /export function compileCss\(filename: string, source: string, options\?: CssOptions \| null\): CssOutput;/);
  assert.match(dts, /export interface TransformOutput \{[^}]*hmrBoundary: boolean;/);
  assert.match(dts, /export class HmrGraph \{[^}]*constructor\(\);/);
  assert.match(dts, /\n\s*record\(id: string, imports: string\[\], selfAccepting: boolean, acceptedDeps: string\[\]\): string\[\];/);
  assert.match(dts, /\n\s*remove\(id: string\): void;/);
  assert.match(dts, /\n\s*update\(changed: string\[\], timestamp: number\): HmrUpdate;/);
  // Named as `nexxo dev`'s messages to its pages.
  assert.match(
    dts,
    /export type HmrUpdate = \{ type: "update"; updates: HmrBoundary\[\]; modules: string\[\] \} \| \{ type: "full-reload" \};/,
  );
  assert.match(dts, /export interface HmrBoundary \{[^}]*path: string;[^}]*accepted: string;[^}]*timestamp: number;/);
});

test("in a page's main thread: a TSX component with Fast Refresh runs, a CSS module styles the page", async () => {
  const { page, errors } = await openPage(browser, server.url);
  const result = await page.evaluate(async () => {
    const api = await import("/pkg/nexxo_bindgen.js");
    const bytes = await (await fetch("/pkg/nexxo_bindgen_bg.wasm")).arrayBuffer();
    // Synchronous instantiation: what `NexxoEngine.load` cannot do on the main thread.
    api.initSync({ module: bytes });

    const css = api.compileCss(
      "src/card.module.css",
      ".card { color: rgb(1, 2, 3) }\n.title { composes: card; font-weight: 700 }\n",
    );
    const style = document.createElement("style");
    style.textContent = css.code;
    document.head.append(style);
    const classes = Object.fromEntries(css.exports);

    const tsx = [
      "import { useState } from 'react';",
      "type Props = { label: string };",
      "export default function Title({ label }: Props) {",
      "  const [n] = useState<number>(2);",
      "  return <h1 className={classes.title}>{label} x{n}</h1>;",
      "}",
    ].join("\n");
    const out = api.transform("src/Title.tsx", tsx, { reactRefresh: true });
    // Point each import at a stand-in through the spans the transform reports, as a dev server does.
    const stubs = {
      react: "export const useState = (v) => [v, () => {}];",
      // Development JSX (`jsxDEV`), as `nexxo dev` serves.
      "react/jsx-dev-runtime":
        "export function jsxDEV(type, props) { const el = document.createElement(type); el.className = props.className; el.textContent = [].concat(props.children).join(''); return el; }",
    };
    let code = out.code;
    for (const imp of [...out.imports].sort((a, b) => b.literal[0] - a.literal[0])) {
      const url = URL.createObjectURL(new Blob([stubs[imp.specifier]], { type: "text/javascript" }));
      code = code.slice(0, imp.literal[0]) + JSON.stringify(url) + code.slice(imp.literal[1]);
    }
    const registered = [];
    window.$RefreshReg$ = (type, id) => registered.push(id);
    window.$RefreshSig$ = () => (type) => type;
    window.classes = classes;
    const mod = await import(URL.createObjectURL(new Blob([code], { type: "text/javascript" })));
    const el = mod.default({ label: "Hello" });
    document.getElementById("app").append(el);
    const shown = getComputedStyle(el);

    let problem;
    try {
      api.transform("src/Broken.tsx", "const a = 1;\nconst b = <div>;\n", {});
    } catch (e) {
      problem = e;
    }
    let badOptions;
    try {
      api.compileCss("src/a.css", "a { color: red }", { targets: "chrome61" });
    } catch (e) {
      badOptions = e;
    }
    // The instance still works after both throws.
    const after = api.compileCss("src/b.css", "b { color: red }").code;
    return {
      badOptions,
      after,
      imports: out.imports.map((i) => i.specifier).sort(),
      hasRefresh: out.hasRefresh,
      exports: out.exports,
      registered,
      text: el.textContent,
      color: shown.color,
      weight: shown.fontWeight,
      titleClasses: classes.title.split(" ").length,
      problem,
    };
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(result.imports, ["react", "react/jsx-dev-runtime"]);
  assert.equal(result.hasRefresh, true);
  assert.deepEqual(result.exports, ["default"]);
  assert.equal(result.registered.length, 1, "the component is registered with Fast Refresh once");
  assert.match(result.registered[0], /Title/);
  assert.equal(result.text, "Hello x2");
  // `title` composes `card`: both scoped classes apply, so both rules style the element.
  assert.equal(result.titleClasses, 2);
  assert.equal(result.color, "rgb(1, 2, 3)");
  assert.equal(result.weight, "700");
  assert.equal(result.problem.file, "src/Broken.tsx");
  assert.equal(result.problem.line, 2);
  assert.ok(result.problem.column > 0, JSON.stringify(result.problem));
  assert.equal(result.badOptions.code, "BAD_OPTIONS");
  assert.match(result.badOptions.message, /^compileCss: the options are not valid/);
  assert.match(result.after, /^b\s*\{\s*color: red;?\s*\}/);
  await page.close();
});

test("the HMR graph: a leaf edit updates its Fast Refresh boundary in the page, the entry reloads, a dropped import is pruned", async () => {
  const { page, errors } = await openPage(browser, server.url);
  const r = await page.evaluate(async () => {
    const api = await import("/pkg/nexxo_bindgen.js");
    api.initSync({ module: await (await fetch("/pkg/nexxo_bindgen_bg.wasm")).arrayBuffer() });

    // The app: an entry that accepts its config, a Fast Refresh component and two leaves under it.
    const files = {
      "src/main.tsx": [
        "import App from './App.tsx';",
        "import { config } from './config.ts';",
        "document.title = config.title;",
        "document.getElementById('app').replaceChildren(App());",
        "if (import.meta.hot) import.meta.hot.accept('./config.ts', (m) => { document.title = m.config.title; });",
      ].join("\n"),
      "src/App.tsx": [
        "import { label } from './label.ts';",
        "import { color } from './theme.ts';",
        "export default function App() {",
        "  return <h1 style={{ color }}>{label}</h1>;",
        "}",
      ].join("\n"),
      "src/label.ts": "export const label: string = 'Hello';",
      "src/theme.ts": "export const color = 'rgb(0, 128, 0)';",
      "src/config.ts": "export const config = { title: 'first' };",
    };
    // What a dev server's resolver does, for these relative specifiers; the rest is a stub.
    const idOf = (spec) => (spec.startsWith("./") ? "src/" + spec.slice(2) : null);
    const jsx =
      "export function jsxDEV(type, props) { const el = document.createElement(type); if (props.style) el.style.color = props.style.color; el.textContent = [].concat(props.children).join(''); return el; }";
    const stub = URL.createObjectURL(new Blob([jsx], { type: "text/javascript" }));
    window.$RefreshReg$ = () => {};
    window.$RefreshSig$ = () => (type) => type;

    const graph = new api.HmrGraph();
    const outputs = {};
    // Transforms and records one module as `nexxo dev` does when serving it; returns the pruned ids.
    const serve = (id) => {
      const out = api.transform(id, files[id], { reactRefresh: true });
      outputs[id] = out;
      const imports = out.imports.map((i) => idOf(i.specifier)).filter(Boolean);
      return graph.record(id, imports, out.hmrBoundary, out.acceptedDeps.map(idOf));
    };
    // Module URLs: made once per version, imports pointed at their deps' current URLs.
    const urls = {};
    const url = (id) => {
      if (!urls[id]) {
        const out = outputs[id];
        let code = out.code;
        for (const imp of [...out.imports].sort((a, b) => b.literal[0] - a.literal[0])) {
          const to = idOf(imp.specifier) ? url(idOf(imp.specifier)) : stub;
          code = code.slice(0, imp.literal[0]) + JSON.stringify(to) + code.slice(imp.literal[1]);
        }
        urls[id] = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
      }
      return urls[id];
    };
    const firstPrunes = Object.keys(files).map(serve);
    const boundaryFlags = Object.fromEntries(Object.entries(outputs).map(([id, o]) => [id, [o.hmrBoundary, o.selfAccepting, o.hasRefresh]]));
    await import(url("src/main.tsx"));
    const h1 = () => document.querySelector("#app h1");
    const before = { text: h1().textContent, color: getComputedStyle(h1()).color, title: document.title };

    // Edit the leaf under the component: the update lands on App (Fast Refresh swaps it in place).
    files["src/label.ts"] = "export const label: string = 'Edited';";
    const leafPruned = serve("src/label.ts");
    const leaf = graph.update(["src/label.ts"], 1000);
    // Apply it as the dev client does: every module the update runs again gets a new URL, then the
    // boundary's accepted module is imported anew and (its Fast Refresh) re-renders it.
    for (const id of leaf.modules) delete urls[id];
    const app = await import(url(leaf.updates[0].accepted));
    document.getElementById("app").replaceChildren(app.default());
    const afterLeaf = { text: h1().textContent, color: getComputedStyle(h1()).color };

    // A dep the entry accepts: the boundary is the entry, for that dep only. A timestamp not after
    // the last one is moved past it.
    const config = graph.update(["src/config.ts"], 1000);
    // The entry itself: nobody accepts it.
    const entry = graph.update(["src/main.tsx"], 2000);

    // App drops its theme import: theme is pruned, and the App edit is an update of App.
    files["src/App.tsx"] = files["src/App.tsx"].replace("import { color } from './theme.ts';\n", "const color = 'rgb(0, 0, 255)';\n");
    const appPruned = serve("src/App.tsx");
    const appEdit = graph.update(["src/App.tsx"], 3000);
    // Not in the graph: nothing depends on it.
    const unknown = graph.update(["src/nope.ts"], 4000);

    const thrown = [];
    const attempt = (call) => {
      try {
        call();
        thrown.push(null);
      } catch (e) {
        thrown.push(e);
      }
    };
    attempt(() => graph.record(42, [], false, []));
    attempt(() => graph.record("src/x.ts", "src/y.ts", false, []));
    attempt(() => graph.record("src/x.ts", ["src/y.ts", 7], false, []));
    attempt(() => graph.record("src/x.ts", [], "yes", []));
    attempt(() => graph.record("src/x.ts", [], false, null));
    attempt(() => graph.remove(undefined));
    attempt(() => graph.update("src/label.ts", 5000));
    attempt(() => graph.update(["src/label.ts"], Number.NaN));
    attempt(() => graph.update(["src/label.ts"], 1.5));
    attempt(() => graph.update(["src/label.ts"], -1));
    attempt(() => graph.update(["src/label.ts"]));
    // Still working, and the failed records added nothing.
    const afterBad = graph.update(["src/label.ts"], 6000);
    const notAdded = graph.update(["src/x.ts"], 7000);
    graph.remove("src/label.ts");
    const removed = graph.update(["src/label.ts"], 8000);
    graph.free();
    return {
      firstPrunes,
      boundaryFlags,
      before,
      leafPruned,
      leaf,
      afterLeaf,
      config,
      entry,
      appPruned,
      appEdit,
      unknown,
      thrown: thrown.map((e) => e && { code: e.code, message: e.message, hint: e.hint }),
      afterBad,
      notAdded,
      removed,
    };
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(r.firstPrunes, [[], [], [], [], []]);
  // [hmrBoundary, selfAccepting, hasRefresh]: App is a boundary through Fast Refresh alone.
  assert.deepEqual(r.boundaryFlags, {
    "src/main.tsx": [false, false, false],
    "src/App.tsx": [true, false, true],
    "src/label.ts": [false, false, false],
    "src/theme.ts": [false, false, false],
    "src/config.ts": [false, false, false],
  });
  assert.deepEqual(r.before, { text: "Hello", color: "rgb(0, 128, 0)", title: "first" });

  assert.deepEqual(r.leafPruned, []);
  assert.deepEqual(r.leaf, {
    type: "update",
    updates: [{ path: "src/App.tsx", accepted: "src/App.tsx", timestamp: 1000 }],
    modules: ["src/App.tsx", "src/label.ts"],
  });
  assert.deepEqual(r.afterLeaf, { text: "Edited", color: "rgb(0, 128, 0)" });

  assert.deepEqual(r.config, {
    type: "update",
    updates: [{ path: "src/main.tsx", accepted: "src/config.ts", timestamp: 1001 }],
    modules: ["src/config.ts"],
  });
  assert.deepEqual(r.entry, { type: "full-reload" });

  assert.deepEqual(r.appPruned, ["src/theme.ts"]);
  assert.deepEqual(r.appEdit, {
    type: "update",
    updates: [{ path: "src/App.tsx", accepted: "src/App.tsx", timestamp: 3000 }],
    modules: ["src/App.tsx"],
  });
  assert.deepEqual(r.unknown, { type: "update", updates: [], modules: [] });

  assert.equal(r.thrown.length, 11);
  for (const [i, e] of r.thrown.entries()) {
    assert.ok(e, `bad call ${i} threw`);
    assert.equal(e.code, "BAD_ARGUMENT", JSON.stringify(e));
    assert.match(e.message, /^HmrGraph\.(record|remove|update): `(id|imports|selfAccepting|acceptedDeps|changed|timestamp)` must be/, e.message);
    assert.match(e.hint, /nexxo_bindgen\.d\.ts/);
  }
  assert.match(r.thrown[0].message, /`id`/);
  assert.match(r.thrown[1].message, /`imports`/);
  assert.match(r.thrown[3].message, /`selfAccepting`/);
  assert.match(r.thrown[6].message, /`changed`/);
  assert.match(r.thrown[7].message, /`timestamp`.*NaN/);

  assert.deepEqual(r.afterBad, {
    type: "update",
    updates: [{ path: "src/App.tsx", accepted: "src/App.tsx", timestamp: 6000 }],
    modules: ["src/App.tsx", "src/label.ts"],
  });
  assert.deepEqual(r.notAdded, { type: "update", updates: [], modules: [] });
  assert.deepEqual(r.removed, { type: "update", updates: [], modules: [] });
  await page.close();
});
