// Vite behaviours around entries and linked sheets: an app whose own package.json says
// `"sideEffects": false`, and a Sass sheet linked from the page with a `media` attribute.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { buildOk, dev, fixture, inBuildAndDev, launchChromium, nexxo, PNG_1PX, preview, vendorPackages } from "./helpers.mjs";

const PAGE = (head = "") =>
  `<!doctype html><html><head>${head}</head><body><div id="app"></div><script type="module" src="/src/main.js"></script></body></html>`;

// rolldown reads `"sideEffects": false` for every module of the package, the page's own scripts
// included, and emitted an empty entry; Vite runs what the page loads.
test('an app whose package.json says "sideEffects": false still runs its page scripts (build and dev)', async () => {
  const dir = fixture("side-effects-false", {
    "package.json": JSON.stringify({ name: "app", private: true, type: "module", sideEffects: false }),
    "index.html": PAGE(),
    "src/label.js": 'export const label = () => "rendered";\nexport const unused = () => "unused";\n',
    "src/main.js": 'import { label } from "./label.js";\ndocument.querySelector("#app").textContent = label();\n',
  });
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#app").textContent === "rendered", null, { timeout: 10_000 });
  });
});

// A sheet linked with `media` is emitted as its own file (bundled into the page's CSS it would
// apply on every medium); a Sass one was emitted as it is written, which no browser reads.
test('<link rel="stylesheet" href="./print.scss" media="print"> is compiled and applies in print only (build and dev)', async () => {
  const dir = fixture("sass-media", {
    "index.html": PAGE('<link rel="stylesheet" href="./src/print.scss" media="print">'),
    "src/_colors.scss": "$ink: rgb(1, 2, 3);\n",
    "src/print.scss": '@use "colors";\n#app {\n  .inner & { color: red; }\n  color: colors.$ink;\n}\n',
    "src/main.js": 'document.querySelector("#app").textContent = "ok";\n',
  });
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#app").textContent === "ok", null, { timeout: 10_000 });
    const color = () => page.evaluate(() => getComputedStyle(document.querySelector("#app")).color);
    assert.notEqual(await color(), "rgb(1, 2, 3)", "not applied on screen");
    await page.emulateMedia({ media: "print" });
    assert.equal(await color(), "rgb(1, 2, 3)", "applied in print");
    const href = await page.evaluate(() => document.querySelector('link[media="print"]').href);
    assert.equal(await page.evaluate(() => document.querySelector('link[media="print"]').media), "print");
    const res = await page.evaluate((u) => fetch(u).then(async (r) => [r.headers.get("content-type"), await r.text()]), href);
    assert.match(res[0], /text\/css/, href);
    assert.doesNotMatch(res[1], /\$ink|@use/, "compiled");
  });
});

// `base: "./"` makes every URL of a page relative to that page, as in Vite: a nested page climbs
// to the assets (`../assets/x.js`), so the site works from any directory of any server.
test('base "./" with a nested page: each page loads its JS and CSS from a server at a sub path, and in dev', async () => {
  const page = (title) =>
    `<!doctype html><html><head><link rel="stylesheet" href="/src/app.css">` +
    `<link rel="stylesheet" media="print" href="/src/print.css"></head><body><div id="app"></div>` +
    `<script type="module" src="/src/${title}.js"></script></body></html>`;
  // Over the inline limit, so they stay files and their URLs must be right from the sheets.
  const big = Buffer.concat([PNG_1PX, Buffer.alloc(6000)]);
  const dir = fixture("relative-base-nested", {
    "nexxo.config.json": JSON.stringify({ base: "./", build: { input: ["index.html", "nested/index.html"] } }),
    "index.html": page("main"),
    "nested/index.html": page("nested"),
    "src/app.css": "#app { color: rgb(1, 2, 3); background-image: url(./bg.png); }\n",
    // A sheet linked with `media` is a file of its own, and one a script imports goes into the
    // chunk's sheet: both in the assets directory, so their url()s are relative to it there.
    "src/print.css": "#app { background-image: url(./print.png); }\n",
    "src/imported.css": "body { background-image: url(./body.png); } #app { border-image-source: url(/pub.png); }\n",
    "src/bg.png": big,
    "src/print.png": Buffer.concat([big, Buffer.from("p")]),
    "src/body.png": Buffer.concat([big, Buffer.from("b")]),
    "public/pub.png": big,
    "src/main.js": 'import "./imported.css";\ndocument.querySelector("#app").textContent = "main";\n',
    "src/nested.js": 'import "./imported.css";\ndocument.querySelector("#app").textContent = "nested";\n',
  });
  buildOk(dir);
  const nested = fs.readFileSync(path.join(dir, "dist/nested/index.html"), "utf8");
  assert.match(nested, /src="\.\.\/assets\/[^"]+\.js"/, nested);
  assert.match(nested, /href="\.\.\/assets\/[^"]+\.css"/, nested);
  // dist served under /sub/, as a site in a directory of a larger one.
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (!p.startsWith("/sub/")) return res.writeHead(404).end();
    let file = path.join(dir, "dist", p.slice("/sub/".length));
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) return res.writeHead(404).end();
    const type = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" }[path.extname(file)] ?? "application/octet-stream";
    res.writeHead(200, { "content-type": type }).end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const check = async (base) => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const failed = [];
      page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
      for (const [url, text] of [[`${base}`, "main"], [`${base}nested/`, "nested"]]) {
        await page.goto(url);
        await page.waitForFunction((t) => document.querySelector("#app").textContent === t, text, { timeout: 10_000 });
        assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector("#app")).color), "rgb(1, 2, 3)", url);
        // Every url() of every sheet, resolved as the browser resolves it (against the sheet's
        // own URL), loads: the print sheet's too, which the screen never fetches by itself.
        const loads = await page.evaluate(async () => {
          const out = [];
          for (const sheet of document.styleSheets) {
            for (const rule of sheet.cssRules) {
              for (const m of rule.cssText.matchAll(/url\("?([^")]+)"?\)/g)) {
                const abs = new URL(m[1], sheet.href ?? document.baseURI).href;
                out.push(`${(await fetch(abs)).status} ${m[1]}`);
              }
            }
          }
          return out.sort();
        });
        assert.equal(loads.length, 4, loads.join("\n"));
        for (const l of loads) assert.match(l, /^200 /, `${url}: ${loads.join(", ")}`);
      }
      assert.deepEqual(failed, [], "no request failed");
    } finally {
      await browser.close();
    }
  };
  try {
    await check(`${origin}/sub/`);
  } finally {
    server.close();
  }
  const d = await dev(dir);
  try {
    await check(d.url);
  } finally {
    await d.close();
  }
});

// `build.cssTarget` (and, without it, `build.target`) lowers CSS for old browsers, as Vite does
// with esbuild: nesting unrolled and `#rrggbbaa` spelled as `rgba()`. Dev serves CSS as written.
test("build.cssTarget chrome61 lowers CSS nesting and #rrggbbaa; the default follows build.target, itself Vite 8's baseline by default", async () => {
  const files = (build) => ({
    "nexxo.config.json": JSON.stringify({ build }),
    "index.html": PAGE(),
    "src/app.css": "#app {\n  color: #01020380;\n  & .inner { color: rgb(4, 5, 6); }\n}\n",
    "src/main.js": 'import "./app.css";\ndocument.querySelector("#app").innerHTML = \'<span class="inner">ok</span>\';\n',
  });
  const cssOf = (dir) => {
    const assets = path.join(dir, "dist/assets");
    return fs.readdirSync(assets).filter((f) => f.endsWith(".css")).map((f) => fs.readFileSync(path.join(assets, f), "utf8")).join("");
  };
  const lowered = fixture("css-target", files({ cssTarget: "chrome61" }));
  await inBuildAndDev(lowered, async (page) => {
    await page.waitForFunction(() => document.querySelector(".inner")?.textContent === "ok", null, { timeout: 10_000 });
    const colors = await page.evaluate(() => [
      getComputedStyle(document.querySelector("#app")).color,
      getComputedStyle(document.querySelector(".inner")).color,
    ]);
    assert.deepEqual(colors, ["rgba(1, 2, 3, 0.5)", "rgb(4, 5, 6)"]);
  });
  const css = cssOf(lowered);
  assert.doesNotMatch(css, /&/, css);
  assert.doesNotMatch(css, /#01020380/i, css);
  assert.match(css, /#app \.inner/, css);
  // Without cssTarget, build.target decides: a browser target lowers, es2020 says nothing about CSS.
  const viaTarget = fixture("css-target-from-target", files({ target: "chrome61" }));
  buildOk(viaTarget);
  assert.doesNotMatch(cssOf(viaTarget), /&/);
  const asWritten = fixture("css-target-es2020", files({ target: "es2020" }));
  buildOk(asWritten);
  assert.match(cssOf(asWritten), /&/);
  // The default is Vite 8's "baseline-widely-available" (Chrome 111, which has #rrggbbaa but
  // not nesting), and so is the same set by name.
  for (const build of [{}, { target: "baseline-widely-available" }]) {
    const baseline = fixture("css-target-default", files(build));
    buildOk(baseline);
    assert.doesNotMatch(cssOf(baseline), /&/, JSON.stringify(build));
    assert.match(cssOf(baseline), /#01020380/i, JSON.stringify(build));
  }
  const bad = fixture("css-target-bad", files({ cssTarget: "netscape4" }));
  const r = nexxo(["build", bad]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.stderr, /cssTarget.*netscape4/);
});

// `assetsInclude`: more file types imported as assets, as in Vite: the import gives the URL of
// the file, emitted with a hash in the build and served as it is in dev.
test("assetsInclude: import url from './scene.gltf' gives its URL (build and dev)", async () => {
  const dir = fixture("assets-include", {
    "nexxo.config.json": JSON.stringify({ assetsInclude: ["**/*.gltf"], build: { assetsInlineLimit: 0 } }),
    "index.html": PAGE(),
    "src/models/scene.gltf": '{ "asset": { "version": "2.0" } }\n',
    "src/main.js":
      'import url from "./models/scene.gltf";\n' +
      'fetch(url).then((r) => r.json()).then((j) => { document.querySelector("#app").textContent = `${j.asset.version} ${url}`; });\n',
  });
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#app").textContent.startsWith("2.0 "), null, { timeout: 10_000 });
    assert.match(await page.textContent("#app"), /scene[^ ]*\.gltf$/);
  });
  assert.equal(fs.readdirSync(path.join(dir, "dist/assets")).filter((f) => /^scene-\w+\.gltf$/.test(f)).length, 1);
});

// Legal comments survive the build, as with Vite: `/*! ... */` and comments with `@license` or
// `@preserve`, in JS (in place) and CSS (lightningcss keeps only the `/*!` ones before the first
// rule; the others go at the end of the sheet), minified or not.
test("legal comments (/*! */, @license, @preserve) are kept in the built JS and CSS", async () => {
  for (const minify of [true, false]) {
    const dir = fixture(`legal-comments-${minify}`, {
      "nexxo.config.json": JSON.stringify({ build: { minify } }),
      "index.html": PAGE(),
      "src/lib.js": '/*! lib v1.0 | MIT License */\n/**\n * @license Apache-2.0 lib2\n */\nexport function hello() { return "hi"; }\n/* plain js comment */\n',
      "src/main.js": 'import { hello } from "./lib.js";\nimport "./a.css";\ndocument.querySelector("#app").textContent = hello();\n',
      "src/a.css": "/*! css license a */\n#app { color: red; }\n/*! css license middle */\n.b { color: blue; }\n/* @preserve css keep */\n/* plain css comment */\n",
    });
    buildOk(dir);
    const assets = path.join(dir, "dist/assets");
    const text = (ext) => fs.readdirSync(assets).filter((f) => f.endsWith(ext)).map((f) => fs.readFileSync(path.join(assets, f), "utf8")).join("");
    const js = text(".js");
    assert.match(js, /\/\*! lib v1\.0 \| MIT License \*\//, js);
    assert.match(js, /@license Apache-2\.0 lib2/, js);
    const css = text(".css");
    for (const c of ["/*! css license a */", "/*! css license middle */", "/* @preserve css keep */"]) {
      assert.ok(css.includes(c), `${c} in ${css}`);
    }
    assert.doesNotMatch(css, /plain css comment/);
  }
});

// Rollup's `output.manualChunks` object form (`nexxo migrate` carries it over from
// `build.rollupOptions.output`): React in a `vendor` chunk of its own, which the page preloads,
// and a listed app file in another; the page renders from the split output.
test("build.manualChunks: named chunks for listed packages (with their dependencies) and files; the page works", async () => {
  const dir = fixture("manual-chunks", {
    "nexxo.config.json": JSON.stringify({ build: { manualChunks: { vendor: ["react", "react-dom"], helpers: ["./src/format"] } } }),
    "index.html": '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.tsx"></script></body></html>',
    "src/format.ts": "export const format = (n: number): string => `count ${n}`;\n",
    "src/main.tsx": [
      'import { useState } from "react";',
      'import { createRoot } from "react-dom/client";',
      'import { format } from "./format";',
      "function App() {",
      "  const [n, setN] = useState(0);",
      "  return <button id=\"b\" onClick={() => setN(n + 1)}>{format(n)}</button>;",
      "}",
      'createRoot(document.getElementById("app")!).render(<App />);',
      "",
    ].join("\n"),
  });
  vendorPackages(dir, ["react", "react-dom", "scheduler"]);
  buildOk(dir);
  const assets = fs.readdirSync(path.join(dir, "dist/assets"));
  const named = (prefix) => assets.filter((f) => f.startsWith(`${prefix}-`) && f.endsWith(".js"));
  assert.equal(named("vendor").length, 1, assets.join(" "));
  assert.equal(named("helpers").length, 1, assets.join(" "));
  const read = (f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8");
  // scheduler comes along with react-dom; the entry keeps none of React.
  assert.match(read(named("vendor")[0]), /unstable_scheduleCallback/);
  assert.doesNotMatch(read(named("index")[0]), /unstable_scheduleCallback|react\.element/);
  assert.match(read(named("helpers")[0]), /count /);
  const html = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
  assert.match(html, new RegExp(`rel="modulepreload"[^>]*${named("vendor")[0]}`));
  const server = await preview(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.click("#b");
    await page.waitForFunction(() => document.querySelector("#b")?.textContent === "count 1", null, { timeout: 10_000 });
  } finally {
    await browser.close();
    await server.close();
  }
});
