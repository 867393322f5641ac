// ES module semantics in the dev server, in both serving models: the bundled page (app modules
// run from one script through the client's registry) must behave exactly like native modules
// (--no-bundle): import cycles with live bindings, `export *` and renamed re-exports, top-level
// await, dynamic import, JSON and `?raw` imports, `import.meta.url`, module instances that an
// HMR update shares with the modules loaded at start, and the `import.meta.hot` API.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { dev, fixture, launchChromium, openPage } from "./helpers.mjs";

const files = {
  "index.html": `<!doctype html><html><body><pre id="out"></pre><p id="n"></p>
<p id="hot"></p><p id="inv"></p><p id="pruned"></p><p id="boom"></p>
<script type="module" src="/src/main.js"></script></body></html>`,
  "src/main.js": `import { isEven } from "./even.js";
import * as lib from "./lib/index.js";
import data from "./data.json";
import raw from "./note.txt?raw";
import "./counter.js";
import "./hot.js";
import "./host.js";
import "./boom.js";
import { v as invalidating } from "./inv.js";
document.getElementById("inv").textContent = invalidating;
const results = {
  cycle: [isEven(10), isEven(7)],
  reexport: [lib.double(4), lib.name, "default" in lib, Object.keys(lib).sort().join(",")],
  json: data.items.length,
  raw: raw.trim(),
  meta: new URL(import.meta.url).pathname,
};
const lazy = await import("./lazy.js");
results.lazy = lazy.default();
document.getElementById("out").textContent = JSON.stringify(results);
`,
  "src/even.js": `import { isOdd } from "./odd.js";\nexport function isEven(n) { return n === 0 ? true : isOdd(n - 1); }\n`,
  "src/odd.js": `import { isEven } from "./even.js";\nexport function isOdd(n) { return n === 0 ? false : isEven(n - 1); }\n`,
  "src/lib/index.js": `export * from "./math.js";\nexport { label as name } from "./names.js";\n`,
  "src/lib/math.js": `export const double = (x) => x * 2;\nexport default "not re-exported by export *";\n`,
  "src/lib/names.js": `export const label = "nexxo";\n`,
  "src/data.json": `{ "items": [1, 2, 3] }\n`,
  "src/note.txt": "hello raw\n",
  "src/lazy.js": `export default () => "lazy ok";\n`,
  "src/shared.js": `export const state = { n: 0 };\n`,
  // dispose + data: each version counts on from what the previous one handed over.
  "src/hot.js": `const count = (import.meta.hot?.data.count ?? 0) + 1;
document.getElementById("hot").textContent = "hot " + count;
if (import.meta.hot) {
  import.meta.hot.dispose((data) => { data.count = count; });
  import.meta.hot.accept();
}
`,
  // invalidate: accepts itself, then declines a version that asks to propagate.
  "src/inv.js": `export const v = "inv 1";
if (import.meta.hot) import.meta.hot.accept((mod) => { if (mod.v.includes("propagate")) import.meta.hot.invalidate(); });
`,
  // prune: extra.js is imported by host.js until an edit drops the import.
  "src/host.js": `import "./extra.js";\nif (import.meta.hot) import.meta.hot.accept();\n`,
  "src/extra.js": `if (import.meta.hot) import.meta.hot.prune(() => { document.getElementById("pruned").textContent = "pruned"; });\n`,
  "src/boom.js": `document.getElementById("boom").textContent = "boom 1";\nif (import.meta.hot) import.meta.hot.accept();\n`,
  "src/counter.js": `import { state } from "./shared.js";
state.n++;
document.getElementById("n").textContent = String(state.n);
if (import.meta.hot) import.meta.hot.accept();
`,
};

const expected = {
  cycle: [true, false],
  reexport: [8, "nexxo", false, "double,name"],
  json: 3,
  raw: "hello raw",
  meta: "/src/main.js",
  lazy: "lazy ok",
};

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

for (const mode of ["bundled", "esm"]) {
  describe(mode, () => {
    let dir;
    let server;
    before(async () => {
      dir = fixture(`dev-modules-${mode}`, files);
      server = await dev(dir, mode === "bundled" ? [] : ["--no-bundle"]);
    });
    after(async () => {
      await server?.close();
    });

    test("module semantics match native ES modules", async () => {
      const { page, errors } = await openPage(browser, server.url);
      await page.locator("#out", { hasText: /./ }).waitFor({ timeout: 10_000 });
      assert.deepEqual(JSON.parse(await page.locator("#out").textContent()), expected);
      assert.deepEqual(errors, []);
      await page.close();
    });

    test("import.meta.hot: dispose/data, prune, invalidate; runtime errors leave HMR connected", async () => {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.locator("#hot", { hasText: "hot 1" }).waitFor({ timeout: 10_000 });
      await page.evaluate(() => (window.__marker = "same page"));
      const write = (rel, text) => fs.writeFileSync(path.join(dir, rel), text);
      const read = (rel) => fs.readFileSync(path.join(dir, rel), "utf8");
      write("src/hot.js", `${read("src/hot.js")}// v2\n`);
      await page.locator("#hot", { hasText: "hot 2" }).waitFor({ timeout: 10_000 });
      write("src/host.js", "if (import.meta.hot) import.meta.hot.accept();\n");
      await page.locator("#pruned", { hasText: "pruned" }).waitFor({ timeout: 10_000 });
      // An error thrown by the page, and an update whose module throws: neither ends HMR.
      await page.evaluate(() => setTimeout(() => { throw new Error("runtime error in the app"); }));
      write("src/boom.js", `throw new Error("boom at load");\nif (import.meta.hot) import.meta.hot.accept();\n`);
      await new Promise((r) => setTimeout(r, 300));
      write("src/boom.js", `document.getElementById("boom").textContent = "boom 2";\nif (import.meta.hot) import.meta.hot.accept();\n`);
      await page.locator("#boom", { hasText: "boom 2" }).waitFor({ timeout: 10_000 });
      write("src/hot.js", `${read("src/hot.js")}// v3\n`);
      await page.locator("#hot", { hasText: "hot 3" }).waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate(() => window.__marker), "same page", "no reload so far");
      // invalidate(): inv.js declines this version, main.js accepts nothing, so the page reloads.
      write("src/inv.js", read("src/inv.js").replace('"inv 1"', '"inv propagate"'));
      await page.locator("#inv", { hasText: "inv propagate" }).waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate(() => window.__marker), undefined, "invalidate() reloaded the page");
      await page.close();
    });

    test("an updated module shares the instances of the modules it imports", async () => {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.locator("#n", { hasText: "1" }).waitFor({ timeout: 10_000 });
      await page.evaluate(() => (window.__marker = "same page"));
      const p = path.join(dir, "src/counter.js");
      fs.writeFileSync(p, `${fs.readFileSync(p, "utf8")}// edited\n`);
      // A second instance of shared.js would start again from 0 and show 1.
      await page.locator("#n", { hasText: "2" }).waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate(() => window.__marker), "same page");
      await page.close();
    });
  });
}
