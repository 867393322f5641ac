// `build.lib` (Vite's library mode): a React component library built as `es` and `umd`, then
// used as a package: by an app that Nexxo builds (in Chromium: it renders, its state updates,
// the library's style sheet applies) and through `require` in Node (server rendering).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import {
  fixture, buildOk, nexxo, preview, launchChromium, listFiles, writeFiles, startWatch, waitForWatch, watchStep, assertSameAsForce,
} from "./helpers.mjs";

const LIB = {
  "package.json": JSON.stringify({
    name: "@acme/my-lib",
    version: "1.0.0",
    type: "module",
    exports: { ".": { import: "./dist/my-lib.js", require: "./dist/my-lib.umd.cjs" }, "./style.css": "./dist/my-lib.css" },
  }),
  "src/index.ts": `export { Counter } from "./Counter";\nexport const version: string = "1.0.0";\n`,
  "src/Counter.tsx": `import { useState } from "react";
import styles from "./Counter.module.css";
import icon from "./icon.svg";
import "./base.css";
export function Counter({ start = 0 }: { start?: number }) {
  const [n, setN] = useState(start);
  return (
    <button className={styles.counter} onClick={() => setN(n + 1)}>
      <img src={icon} alt="" />count {n}
    </button>
  );
}
`,
  "src/Counter.module.css": ".counter { color: rgb(0, 128, 0); }\n",
  "src/base.css": ".acme-root { margin: 3px; }\n",
  "src/icon.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>`,
  "nexxo.config.json": JSON.stringify({
    build: { lib: { entry: "src/index.ts", name: "MyLib" }, external: ["react", "react/jsx-runtime"], globals: { react: "React", "react/jsx-runtime": "jsxRuntime" } },
  }),
};

test("a React library in es and umd, used by an app in Chromium and by require in Node", async () => {
  const lib = fixture("lib-mode", LIB);
  const built = buildOk(lib);
  // Vite's names: the package's name without its scope, `.umd.cjs` in a `"type": "module"` package.
  assert.deepEqual(listFiles(path.join(lib, "dist")), ["my-lib.css", "my-lib.js", "my-lib.umd.cjs"]);
  assert.match(built.stdout, /my-lib\.umd\.cjs/);
  const es = fs.readFileSync(path.join(lib, "dist/my-lib.js"), "utf8");
  // External: imported, not bundled; `process.env.NODE_ENV` is the app's to set; the asset inlined.
  assert.match(es, /from "react"/);
  assert.doesNotMatch(es, /function useState|react\.production/);
  assert.match(es, /data:image\/svg\+xml/);
  // Minified as Vite's `es` library is: names mangled, lines and `/* @__PURE__ */` kept for the
  // app's bundler; the umd build on one line.
  assert.match(es, /\/\* @__PURE__ \*\//);
  assert.ok(es.split("\n").length > 10, "es keeps its lines");
  assert.doesNotMatch(es, /function Counter\(/);
  assert.ok(fs.readFileSync(path.join(lib, "dist/my-lib.umd.cjs"), "utf8").trim().split("\n").length <= 2, "umd is minified");
  // The WASM engine builds the same bytes (one implementation in every host).
  const native = Object.fromEntries(listFiles(path.join(lib, "dist")).map((f) => [f, fs.readFileSync(path.join(lib, "dist", f))]));
  const wasm = nexxo(["build", lib, "--engine", "wasm", "--force", "--out-dir", "dist-wasm"]);
  assert.equal(wasm.status, 0, wasm.all);
  for (const [f, bytes] of Object.entries(native)) assert.ok(fs.readFileSync(path.join(lib, "dist-wasm", f)).equals(bytes), f);
  const css = fs.readFileSync(path.join(lib, "dist/my-lib.css"), "utf8");
  assert.match(css, /margin:3px/);
  assert.match(css, /color:green/);

  // The umd build through `require`, rendered on the server with the real react-dom.
  const require = createRequire(path.join(lib, "x.cjs"));
  const { Counter, version } = require(path.join(lib, "dist/my-lib.umd.cjs"));
  const { renderToString } = require("react-dom/server");
  const { createElement } = require("react");
  assert.equal(version, "1.0.0");
  assert.match(renderToString(createElement(Counter, { start: 5 })), /count <!-- -->5/);

  // An app that depends on the package, built by Nexxo and run in Chromium.
  const app = fixture("lib-mode-app", {
    "index.html": `<!doctype html><div id="root"></div><script type="module" src="/src/main.tsx"></script>`,
    "src/main.tsx": `import { createRoot } from "react-dom/client";
import { Counter } from "@acme/my-lib";
import "@acme/my-lib/style.css";
createRoot(document.getElementById("root")!).render(<Counter start={1} />);
`,
  });
  fs.cpSync(path.join(lib, "dist"), path.join(app, "node_modules/@acme/my-lib/dist"), { recursive: true });
  writeFiles(app, { "node_modules/@acme/my-lib/package.json": LIB["package.json"] });
  buildOk(app);
  const server = await preview(app);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector("button");
    assert.equal(await page.textContent("button"), "count 1");
    await page.click("button");
    await page.waitForFunction(() => document.querySelector("button").textContent === "count 2");
    assert.equal(await page.$eval("button", (b) => getComputedStyle(b).color), "rgb(0, 128, 0)");
    assert.ok(await page.$eval("img", (i) => i.complete && i.naturalWidth === 8), "the inlined icon loads");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test("a vite.config.ts library (several entries, rollupOptions.external) builds Vite's files, and again under --watch", async () => {
  const dir = fixture("lib-mode-vite", {
    "package.json": JSON.stringify({ name: "utils", version: "1.0.0" }),
    "src/a.ts": `import { v } from "./shared";\nexport const a = () => "a" + v();\n`,
    "src/b.ts": `import { v } from "./shared";\nimport { format } from "date-lib";\nexport const b = () => format("b" + v());\n`,
    "src/shared.ts": `let count = 0;\nexport function v() {\n  return ++count;\n}\n`,
    "vite.config.ts": `import { resolve } from 'path'
import { defineConfig } from 'vite'
export default defineConfig({
  build: {
    lib: { entry: { a: resolve(__dirname, 'src/a.ts'), b: resolve(__dirname, 'src/b.ts') } },
    rollupOptions: { external: [/^date-lib/] },
  },
})
`,
  });
  buildOk(dir);
  const files = listFiles(path.join(dir, "dist"));
  // Not `"type": "module"`: `.mjs` for es, `.js` for cjs; the shared module is a chunk of each.
  for (const f of ["a.mjs", "b.mjs", "a.js", "b.js"]) assert.ok(files.includes(f), `${f} in ${files}`);
  assert.ok(files.some((f) => /^shared-[\w-]{8}\.mjs$/.test(f)), files.join(" "));
  const require = createRequire(path.join(dir, "x.cjs"));
  assert.equal(require(path.join(dir, "dist/a.js")).a(), "a1");
  assert.match(fs.readFileSync(path.join(dir, "dist/b.js"), "utf8"), /require\("date-lib"\)/);
  // `--watch` builds it again after an edit (every format, whole), as a fresh build would.
  const watch = startWatch(dir);
  try {
    await waitForWatch(watch, 0, /watching for changes/);
    const edit = () => fs.writeFileSync(path.join(dir, "src/a.ts"), `import { v } from "./shared";\nexport const a = () => "A" + v();\n`);
    assert.match(await watchStep(watch, edit, "src/a.ts"), /full build/);
    // A fresh load (the shared chunk's counter was loaded above, so any count will do).
    delete require.cache[path.join(dir, "dist/a.js")];
    assert.match(require(path.join(dir, "dist/a.js")).a(), /^A\d$/);
    assertSameAsForce(dir);
  } finally {
    watch.child.kill();
    await watch.exited;
  }
});
