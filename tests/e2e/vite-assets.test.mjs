// Vite's asset and worker features, checked in Chromium under `nexxo build` + `nexxo preview`,
// `nexxo dev` and `nexxo dev --no-bundle` (issue 12, items 2, 3, 4, 6, 7):
// - Web Workers: `?worker`, `?worker&inline`, `?sharedworker`, `?worker&url`, and
//   `new Worker(new URL("./w.js", import.meta.url), { type: "module" })`; each worker imports a
//   module of the app and an npm package, and answers a message the page shows;
// - `new URL("./x.png", import.meta.url)` (in the page and in a worker) loads the image;
// - queries: `./a.js?v=1` loads a.js, `?no-inline` gives a file, `?url&inline` a data URL,
//   `?init` instantiates a .wasm;
// - CSS `?inline` gives the compiled text (with its @import) and applies nothing;
// - root-absolute imports (`/src/data.json`) and public/ files (`/icon.png`, with `base`).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { buildOk, dev, fixture, launchChromium, nexxo, preview, readTree, openPage } from "./helpers.mjs";

// A real PNG (solid color, `size` x `size`), so the browser decodes it (naturalWidth > 0).
function png(size, [r, g, b], noise = false) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  // `noise`: pixels from a fixed pseudo-random sequence, so the file does not compress below the
  // inline limit.
  let seed = 1;
  const next = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
  const row = () =>
    Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => (noise ? [next(), next(), next()] : [r, g, b])).flat())]);
  const raw = Buffer.concat(Array.from({ length: size }, row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const addWasm = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02,
  0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20,
  0x01, 0x6a, 0x0b,
]);

const files = {
  "nexxo.config.json": JSON.stringify({ base: "/app/" }),
  "index.html": `<!doctype html><html><head><title>assets</title><link rel="icon" href="data:,"></head><body>
<pre id="out"></pre>
<img id="photo" alt=""><img id="icon" alt=""><img id="noinline" alt=""><img id="inlined" alt="">
<p class="inline-probe">not styled by the ?inline sheet</p><p class="applied-probe">styled</p>
<script type="module" src="/src/main.js"></script>
</body></html>`,
  "src/main.js": `import EchoWorker from "./workers/echo.js?worker";
import InlineEchoWorker from "./workers/echo.js?worker&inline";
import CounterWorker from "./workers/shared.js?sharedworker";
import echoUrl from "./workers/echo.js?worker&url";
import { v } from "./lib/a.js?v=1";
import { v as plain } from "./lib/a.js";
import { typed } from "./lib/b.ts?v=2";
import noInline from "./img/tiny.png?no-inline";
import bigInline from "./img/big.png?inline";
import bigPlain from "./img/big.png";
import inlined from "./img/tiny.png?url&inline";
import init from "./add.wasm?init";
import cssText from "./styles/inline.css?inline";
import data from "/src/data.json";
import icon from "/icon.png";
import "./styles/applied.css";

const out = {};
const show = () => (document.getElementById("out").textContent = JSON.stringify(out));
const ask = (worker, port, key) =>
  new Promise((resolve) => {
    port.onmessage = (e) => {
      out[key] = e.data;
      resolve();
    };
    port.postMessage(21);
  });
document.getElementById("photo").src = new URL("./img/photo.png", import.meta.url).href;
document.getElementById("icon").src = icon;
document.getElementById("noinline").src = noInline;
document.getElementById("inlined").src = inlined;
out.v = v;
out.plain = plain;
out.typed = typed;
out.json = data.answer;
out.icon = icon;
out.noInline = noInline.startsWith("data:") ? "data" : "file";
out.inlined = inlined.slice(0, 15);
out.big = [bigInline.slice(0, 15), bigPlain.startsWith("data:") ? "data" : "file"];
out.echoUrl = typeof echoUrl === "string" && /echo[^/]*\\.js$/.test(echoUrl);
out.css = typeof cssText === "string" && cssText.includes("inline-probe") && cssText.includes("imported-probe");
const w1 = new EchoWorker();
const w2 = new InlineEchoWorker({ name: "inline" });
const shared = new CounterWorker();
shared.port.start();
const w3 = new Worker(new URL("./workers/url-worker.ts", import.meta.url), { type: "module" });
const wasm = init().then((instance) => {
  out.wasm = instance.exports.add(2, 3);
});
Promise.all([wasm, ask(w1, w1, "worker"), ask(w2, w2, "inline"), ask(shared, shared.port, "shared"), ask(w3, w3, "urlWorker")]).then(show);
`,
  "src/lib/a.js": `export const v = "a loaded";\n`,
  "src/lib/b.ts": `export const typed: string = "b.ts loaded";\n`,
  "src/lib/math.js": `export const double = (n) => n * 2;\n`,
  "src/workers/echo.js": `import { double } from "../lib/math.js";
import { shout } from "tiny-pkg";
self.onmessage = (e) => self.postMessage(shout("worker " + double(e.data)));
`,
  "src/workers/shared.js": `import { double } from "../lib/math.js";
self.onconnect = (e) => {
  const port = e.ports[0];
  port.onmessage = (m) => port.postMessage("shared " + double(m.data));
};
`,
  // TypeScript, an npm package, and an asset of its own through new URL(..., import.meta.url).
  "src/workers/url-worker.ts": `import { double } from "../lib/math.js";
import { shout } from "tiny-pkg";
const photo: URL = new URL("../img/photo.png", import.meta.url);
self.onmessage = async (e: MessageEvent<number>) => {
  const res = await fetch(photo);
  const bytes = (await res.arrayBuffer()).byteLength;
  self.postMessage(shout("url worker " + double(e.data)) + " " + res.status + " " + (bytes > 0));
};
`,
  "node_modules/tiny-pkg/package.json": JSON.stringify({ name: "tiny-pkg", version: "1.0.0", type: "module", main: "index.js" }),
  "node_modules/tiny-pkg/index.js": `export const shout = (s) => s.toUpperCase() + "!";\n`,
  "src/styles/inline.css": `@import "./imported.css";\n.inline-probe { color: rgb(255, 0, 0); }\n`,
  "src/styles/imported.css": `.imported-probe { color: rgb(0, 0, 255); }\n`,
  "src/styles/applied.css": `.applied-probe { color: rgb(0, 128, 0); }\n`,
  "src/data.json": `{ "answer": 42 }\n`,
  "src/img/photo.png": png(8, [200, 30, 30]),
  "src/img/tiny.png": png(2, [30, 200, 30]),
  "src/img/big.png": png(48, [0, 0, 0], true),
  "src/add.wasm": addWasm,
  "public/icon.png": png(4, [30, 30, 200]),
};

const common = {
  v: "a loaded",
  plain: "a loaded",
  typed: "b.ts loaded",
  json: 42,
  noInline: "file",
  inlined: "data:image/png;",
  big: ["data:image/png;", "file"],
  echoUrl: true,
  css: true,
  wasm: 5,
  worker: "WORKER 42!",
  inline: "WORKER 42!",
  shared: "shared 42",
  urlWorker: "URL WORKER 42! 200 true",
};

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Loads the page, waits for every feature to report, and checks what the page shows. */
async function checkPage(url, expectedIcon) {
  const page = await browser.newPage();
  const errors = [];
  const failed = [];
  const workers = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(`${m.text()} (${m.location().url})`));
  page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
  page.on("worker", (w) => workers.push(w.url()));
  await page.goto(url);
  await page.locator("#out", { hasText: /./ }).waitFor({ timeout: 15_000 }).catch(() => {});
  const text = await page.locator("#out").textContent();
  assert.ok(text, `the page reported nothing; errors: ${errors.join("; ")}; failed: ${failed.join("; ")}`);
  const out = JSON.parse(text);
  assert.deepEqual({ ...out, icon: undefined }, { ...common, icon: undefined });
  assert.equal(out.icon, expectedIcon);
  for (const id of ["photo", "icon", "noinline", "inlined"]) {
    await page.waitForFunction((i) => document.getElementById(i).complete, id);
    const width = await page.evaluate((i) => document.getElementById(i).naturalWidth, id);
    assert.ok(width > 0, `#${id} did not load (${await page.evaluate((i) => document.getElementById(i).src, id)})`);
  }
  const color = (sel) => page.evaluate((s) => getComputedStyle(document.querySelector(s)).color, sel);
  assert.equal(await color(".applied-probe"), "rgb(0, 128, 0)", "a plain CSS import is applied");
  assert.notEqual(await color(".inline-probe"), "rgb(255, 0, 0)", "a ?inline sheet is not applied");
  assert.deepEqual(failed, []);
  assert.deepEqual(errors, []);
  await page.close();
  return workers;
}

describe("nexxo build + preview", () => {
  let dir;
  let server;
  before(async () => {
    dir = fixture("vite-assets-build", files);
    buildOk(dir);
    server = await preview(dir);
  });
  after(async () => {
    await server?.close();
  });

  test("workers, new URL assets, queries, CSS ?inline, root and public imports work in the built page", async () => {
    assert.match(server.url, /\/app\/$/);
    const workers = await checkPage(server.url, "/app/icon.png");
    // ?worker and new URL(...) workers are files of their own; ?worker&inline runs from a blob.
    assert.ok(workers.some((u) => /\/app\/assets\/echo-[\w-]+\.js$/.test(u)), workers.join(", "));
    assert.ok(workers.some((u) => /\/app\/assets\/url-worker-[\w-]+\.js$/.test(u)), workers.join(", "));
    assert.ok(workers.some((u) => u.startsWith("blob:")), workers.join(", "));
  });

  test("the build emits each worker as one self-contained file and the new URL asset with base", () => {
    const assets = fs.readdirSync(path.join(dir, "dist/assets"));
    const echo = assets.filter((f) => /^echo-.*\.js$/.test(f));
    assert.equal(echo.length, 1, assets.join(", "));
    const code = fs.readFileSync(path.join(dir, "dist/assets", echo[0]), "utf8");
    assert.doesNotMatch(code, /\bimport\s*[{"*]|\bimport\(/, "the worker imports nothing");
    assert.match(code, /toUpperCase/, "the npm package is bundled into the worker");
    assert.ok(assets.some((f) => /^photo-.*\.png$/.test(f)), assets.join(", "));
    const main = assets.filter((f) => f.startsWith("index-") && f.endsWith(".js")).map((f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8")).join("\n");
    assert.match(main, /\/app\/assets\/photo-[\w-]+\.png/);
    const css = assets.filter((f) => f.endsWith(".css")).map((f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8")).join("\n");
    assert.match(css, /applied-probe/);
    assert.doesNotMatch(css, /inline-probe|imported-probe/, "?inline sheets are not in the page's CSS");
  });

  test("--engine wasm writes the same bytes (nested worker builds, source maps included)", () => {
    const copy = fixture("vite-assets-parity", files);
    buildOk(copy, ["--force", "--sourcemap", "--out-dir", "dist-native"]);
    buildOk(copy, ["--force", "--sourcemap", "--engine", "wasm", "--out-dir", "dist-wasm"]);
    const native = readTree(path.join(copy, "dist-native"));
    const wasm = readTree(path.join(copy, "dist-wasm"));
    assert.ok(Object.keys(native).some((p) => /assets\/echo-.*\.js\.map$/.test(p)), "the worker has its source map");
    assert.deepEqual(Object.keys(wasm).sort(), Object.keys(native).sort());
    for (const p of Object.keys(native)) assert.ok(native[p].equals(wasm[p]), `${p} differs between engines`);
  });

  test("a worker's modules are inputs of the build: editing one is not served from the build cache", () => {
    const copy = fixture("vite-assets-cache", files);
    buildOk(copy);
    const workerCode = () => {
      const dist = path.join(copy, "dist/assets");
      return fs.readdirSync(dist).filter((f) => /^echo-.*\.js$/.test(f)).map((f) => fs.readFileSync(path.join(dist, f), "utf8")).join("");
    };
    assert.match(workerCode(), /\*2|\* 2/);
    fs.writeFileSync(path.join(copy, "src/lib/math.js"), "export const double = (n) => n * 7;\n");
    buildOk(copy);
    assert.match(workerCode(), /\*7|\* 7/);
  });

  test("an import of a full URL with a query stays an external import", () => {
    const ext = fixture("vite-assets-external-url", {
      "index.html": `<script type="module" src="/src/main.js"></script>`,
      "src/main.js": `import x from "https://esm.sh/tiny?bundle";\nconsole.log(x);\n`,
    });
    buildOk(ext);
    const dist = path.join(ext, "dist/assets");
    const code = fs.readdirSync(dist).map((f) => fs.readFileSync(path.join(dist, f), "utf8")).join("");
    assert.match(code, /from\s*"https:\/\/esm\.sh\/tiny\?bundle"/);
  });

  test("importing code of public/ is refused with the file named; a missing new URL asset warns", () => {
    const bad = fixture("vite-assets-public-js", {
      "index.html": `<script type="module" src="/src/main.js"></script>`,
      "src/main.js": `import d from "/data.json";\nconsole.log(d, new URL("./nope.png", import.meta.url));\n`,
      "public/data.json": `{}`,
    });
    const r = nexxo(["build", bad]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.all, /PUBLIC_IMPORT/);
    assert.match(r.all, /\/data\.json\?url/);
    fs.writeFileSync(path.join(bad, "src/main.js"), `console.log(new URL("./nope.png", import.meta.url));\n`);
    const ok = nexxo(["build", bad]);
    assert.equal(ok.status, 0, ok.all);
    assert.match(ok.all, /nope\.png/);
    assert.match(ok.all, /src\/main\.js:1:13/);
  });

  test("a .wasm imported as a module (ESM integration) is refused with the ways that work, in build and dev", async () => {
    const dir = fixture("vite-assets-wasm-esm", {
      "index.html": `<script type="module" src="/src/main.js"></script>`,
      "src/main.js": `import { add } from "./add.wasm";\nconsole.log(add(1, 2));\n`,
      "src/add.wasm": addWasm,
    });
    const r = nexxo(["build", dir]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.all, /WASM_ESM/);
    assert.match(r.all, /src\/add\.wasm. is imported as a module/);
    assert.match(r.all, /\?init/);
    assert.doesNotMatch(r.all, /PARSE_ERROR/, "the binary is not parsed as JavaScript");
    const server = await dev(dir, ["--no-bundle"]);
    try {
      const res = await fetch(`${server.url}src/add.wasm?import`);
      assert.equal(res.status, 500);
      assert.match(await res.text(), /WASM_ESM[\s\S]*\?init/);
      // The file itself is still served as it is (what `?init` fetches).
      const raw = await fetch(`${server.url}src/add.wasm`);
      assert.equal(raw.status, 200);
      assert.equal(raw.headers.get("content-type"), "application/wasm");
    } finally {
      await server.close();
    }
  });

  test("a Vue or Svelte component is refused by name (it needs its framework's compiler), not parsed as JavaScript, in build and dev", async () => {
    const dir = fixture("vite-assets-vue", {
      "index.html": `<script type="module" src="/src/main.js"></script>`,
      "src/main.js": `import App from "./App.vue";\nimport Card from "./Card.svelte";\nconsole.log(App, Card);\n`,
      "src/App.vue": "<template><p>{{ msg }}</p></template>\n",
      "src/Card.svelte": "<p>card</p>\n",
    });
    const r = nexxo(["build", dir]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.all, /\[UNSUPPORTED_FILE\] src\/App\.vue: `src\/App\.vue` is a Vue single-file component: it needs its framework's compiler \(@vitejs\/plugin-vue under Vite\)/);
    assert.match(r.all, /hint: Nexxo compiles TypeScript, JSX/);
    assert.doesNotMatch(r.all, /PARSE_ERROR/, "the template is not parsed as JavaScript");
    const server = await dev(dir, ["--no-bundle"]);
    try {
      const res = await fetch(`${server.url}src/Card.svelte?import`);
      assert.equal(res.status, 500);
      assert.match(await res.text(), /UNSUPPORTED_FILE[\s\S]*a Svelte component[\s\S]*@sveltejs\/vite-plugin-svelte/);
    } finally {
      await server.close();
    }
  });

  test("a worker that does not exist, or does not compile, is a located error", () => {
    const bad = fixture("vite-assets-missing-worker", {
      "index.html": `<script type="module" src="/src/main.js"></script>`,
      "src/main.js": `const x = 1;\nnew Worker(new URL("./gone.js", import.meta.url), { type: "module" });\n`,
    });
    const r = nexxo(["build", bad]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.all, /gone\.js/);
    assert.match(r.all, /src\/main\.js:2:12/);
    // A worker that does not compile: its own error, located in the worker, not only "could not load".
    fs.writeFileSync(path.join(bad, "src/main.js"), `import W from "./w.js?worker";\nnew W();\n`);
    fs.writeFileSync(path.join(bad, "src/w.js"), `const a = 1;\nconst b = ;\n`);
    const broken = nexxo(["build", bad]);
    assert.equal(broken.status, 1, broken.all);
    assert.match(broken.all, /WORKER_BUILD/);
    assert.match(broken.all, /src\/w\.js:2:11/);
  });
});

describe("nexxo build + preview with a relative base and a classic worker", () => {
  let server;
  before(async () => {
    const dir = fixture("vite-assets-relative", {
      ...files,
      "nexxo.config.json": JSON.stringify({ base: "./", build: { input: ["index.html", "classic.html"] } }),
      "classic.html": `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><p id="classic"></p>
<script type="module" src="/src/classic-main.js"></script></body></html>`,
      "src/classic-main.js": `const w = new Worker(new URL("./workers/classic.js", import.meta.url));
w.onmessage = (e) => (document.getElementById("classic").textContent = e.data);
w.postMessage(21);
`,
      // A classic worker: bundled as an IIFE, where import.meta.url is the worker's own URL.
      "src/workers/classic.js": `import { double } from "../lib/math.js";
const photo = new URL("../img/photo.png", import.meta.url);
self.onmessage = async (e) => {
  const res = await fetch(photo);
  self.postMessage("classic " + double(e.data) + " " + typeof importScripts + " " + res.status);
};
`,
    });
    buildOk(dir);
    server = await preview(dir);
  });
  after(async () => {
    await server?.close();
  });

  test("every URL resolves against the chunk that names it", async () => {
    const workers = await checkPage(server.url, "./icon.png");
    assert.ok(workers.some((u) => /\/assets\/echo-[\w-]+\.js$/.test(u)), workers.join(", "));
  });

  test("a worker without type: module runs as a classic script", async () => {
    const { page, errors } = await openPage(browser, new URL("classic.html", server.url).href);
    await page.locator("#classic", { hasText: /./ }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("#classic").textContent(), "classic 42 function 200");
    assert.deepEqual(errors, []);
    await page.close();
  });
});

for (const mode of ["bundled", "esm"]) {
  describe(`nexxo dev (${mode})`, () => {
    let server;
    let dir;
    before(async () => {
      dir = fixture(`vite-assets-dev-${mode}`, files);
      server = await dev(dir, mode === "bundled" ? [] : ["--no-bundle"]);
    });
    after(async () => {
      await server?.close();
    });

    test("workers, new URL assets, queries, CSS ?inline, root and public imports work in the dev page", async () => {
      const base = new URL(server.url).pathname;
      const workers = await checkPage(server.url, `${base}icon.png`);
      assert.ok(workers.some((u) => u.endsWith("/src/workers/url-worker.ts")), workers.join(", "));
      assert.ok(workers.some((u) => u.endsWith("/src/workers/echo.js")), workers.join(", "));
    });

    test("editing a worker's module reloads the page with the new worker", async () => {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.locator("#out", { hasText: "WORKER 42!" }).waitFor({ timeout: 15_000 });
      const file = path.join(dir, "src/workers/url-worker.ts");
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('"url worker "', '"edited worker "'));
      await page.locator("#out", { hasText: "EDITED WORKER 42!" }).waitFor({ timeout: 15_000 });
      const math = path.join(dir, "src/lib/math.js");
      fs.writeFileSync(math, "export const double = (n) => n * 3;\n");
      await page.locator("#out", { hasText: "WORKER 63!" }).waitFor({ timeout: 15_000 });
      await page.close();
    });
  });
}
