// The per-file module built with wasm-bindgen (wasm/bindgen/pkg, `bash scripts/build-bindgen.sh`) in
// a Chromium page, on the main thread: instantiated synchronously (it is under Chromium's 8 MB limit
// for that, which the WASI engine is not), a TSX component transformed with React Fast Refresh and
// run, a CSS module compiled and its class map applied to the page, a syntax error and bad options
// thrown as problems (the first located), after which the instance still works.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fixture, launchChromium, preview, repoRoot } from "./helpers.mjs";

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
});

test("in a page's main thread: a TSX component with Fast Refresh runs, a CSS module styles the page", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url);
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
