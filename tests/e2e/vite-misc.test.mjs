// Smaller Vite behaviours a real app trips over: TypeScript legacy decorators in dev as in the
// build, and JSON files saved with a byte-order mark.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, dev, fixture, inBuildAndDev, launchChromium, nexxo, PNG_1PX, preview } from "./helpers.mjs";

const PAGE = '<!doctype html><html><head></head><body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>';

async function textOf(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector("#app").textContent !== "", null, { timeout: 10_000 })
      .catch(() => {});
    return { text: await page.textContent("#app"), errors };
  } finally {
    await browser.close();
  }
}

function decorated() {
  return fixture("decorators", {
    "index.html": PAGE,
    "tsconfig.json": '{\n  // as `npm create vite` writes it, plus legacy decorators\n  "compilerOptions": { "experimentalDecorators": true, "target": "ES2020", },\n}\n',
    "src/main.ts": 'function tag(value: string) {\n  return (target: any) => { target.tag = value; };\n}\n@tag("decorated")\nclass Widget {}\ndocument.querySelector("#app")!.textContent = (Widget as any).tag;\n',
  });
}

test("legacy decorators (experimentalDecorators in tsconfig) run in the build", async () => {
  const dir = decorated();
  buildOk(dir);
  const server = await preview(dir);
  try {
    assert.deepEqual(await textOf(server.url), { text: "decorated", errors: [] });
  } finally {
    await server.close();
  }
});

// oxc's legacy-decorator transform imports its helper from `@oxc-project/runtime`, which the
// app does not have installed (a Vite user never installs it): dev takes it from rolldown's
// embedded helpers through the dependency pre-bundle, as the build does.
test("nexxo dev runs legacy decorators without @oxc-project/runtime installed (both models, and --engine wasm)", async () => {
  const dir = decorated();
  assert.ok(!fs.existsSync(path.join(dir, "node_modules/@oxc-project/runtime")));
  for (const args of [[], ["--no-bundle"], ["--engine", "wasm"]]) {
    const server = await dev(dir, args);
    try {
      assert.deepEqual(await textOf(server.url), { text: "decorated", errors: [] }, args.join(" "));
    } finally {
      await server.close();
    }
  }
});

test("a JSON file with a byte-order mark loads; invalid JSON names the file, line and column", async () => {
  const dir = fixture("json-bom", {
    "index.html": PAGE,
    "src/main.ts": 'import data from "./data.json";\ndocument.querySelector("#app")!.textContent = data.greeting;\n',
    "src/data.json": '\uFEFF{ "greeting": "hello" }\n',
  });
  buildOk(dir);
  const server = await preview(dir);
  try {
    assert.equal((await textOf(server.url)).text, "hello");
  } finally {
    await server.close();
  }
  for (const model of [[], ["--no-bundle"]]) {
    const d = await dev(dir, model);
    try {
      assert.equal((await textOf(d.url)).text, "hello");
    } finally {
      await d.close();
    }
  }
  const bad = fixture("json-bad", {
    "index.html": PAGE,
    "src/main.ts": 'import data from "./data.json";\nconsole.log(data);\n',
    "src/data.json": '{\n  "a": 1,\n  "b": ,\n}\n',
  });
  const r = nexxo(["build", bad]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.stderr, /src\/data\.json:3:\d+/);
  assert.match(r.stderr, /invalid JSON/);
});

// One resolution rule for references from style sheets in the build and in `nexxo dev`
// (nexxo_bundler::css_specifiers): `url()` through `resolve.alias` and a bare `@import` of a file
// next to the sheet; and CSS-module classes named like JavaScript keywords (`.return`), which
// must not become `export const return`.
test("CSS url() through resolve.alias, a bare @import, and a .return class: build and nexxo dev", async () => {
  const dir = fixture("css-alias", {
    "index.html": PAGE,
    "nexxo.config.json": JSON.stringify({ resolve: { alias: { "@img": "./src/images" } }, build: { assetsInlineLimit: 0 } }),
    "src/images/dot.png": PNG_1PX,
    "src/base.css": "#app { min-height: 10px; }\n",
    "src/app.css": '@import "base.css";\n#app { background-image: url(@img/dot.png); }\n',
    "src/k.module.css": ".return { color: rgb(1, 2, 3); }\n.card { color: red; }\n",
    "src/main.ts":
      'import "./app.css";\nimport k, { card } from "./k.module.css";\nconst el = document.querySelector("#app")!;\n' +
      "el.className = k.return;\nel.textContent = card ? \"ok\" : \"no card\";\n",
  });
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#app").textContent === "ok", null, { timeout: 10_000 });
    const style = await page.evaluate(() => {
      const s = getComputedStyle(document.querySelector("#app"));
      return { bg: s.backgroundImage, minHeight: s.minHeight, color: s.color };
    });
    assert.equal(style.minHeight, "10px", "the bare @import applied");
    assert.equal(style.color, "rgb(1, 2, 3)", "the .return class applied");
    assert.match(style.bg, /^url\(/);
    // The image the alias names is served.
    const img = style.bg.slice(5, -2);
    const res = await page.evaluate((u) => fetch(u).then((r) => [r.status, r.headers.get("content-type")]), img);
    assert.deepEqual(res, [200, "image/png"], img);
  });
});

// Vite applies `resolve.alias` to a page's own references too: `<img src="@img/dot.png">` and a
// module script or style sheet named through an alias, in the build and in `nexxo dev`.
test("resolve.alias in HTML src and href: build and nexxo dev", async () => {
  const dir = fixture("html-alias", {
    "index.html":
      '<!doctype html><html><head><link rel="stylesheet" href="@src/app.css"></head><body><div id="app"></div>' +
      '<img id="dot" src="@src/images/dot.png"><script type="module" src="@src/main.ts"></script></body></html>',
    "nexxo.config.json": JSON.stringify({ resolve: { alias: { "@src": "./src" } }, build: { assetsInlineLimit: 0 } }),
    "src/images/dot.png": PNG_1PX,
    "src/app.css": "#app { min-height: 12px; }\n",
    "src/main.ts": 'document.querySelector("#app")!.textContent = "ran";\n',
  });
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#app").textContent === "ran", null, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector("#dot").complete);
    assert.equal(await page.evaluate(() => document.querySelector("#dot").naturalWidth), 1, "the image loaded");
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector("#app")).minHeight), "12px");
  });
});

// A page's reference to a file that is not there stays as written (as in Vite: a route or a file
// added to the server later may answer it), and the build says so, with the place.
test("an HTML reference that does not resolve is kept, with a located warning", () => {
  const dir = fixture("html-missing", {
    "index.html": '<!doctype html><html><body>\n  <img src="./img/missing.png">\n  <script type="module" src="/src/main.ts"></script>\n</body></html>\n',
    "src/main.ts": "export {};\n",
  });
  const r = buildOk(dir);
  assert.match(r.all, /UNRESOLVED_HTML_URL/);
  assert.match(r.all, /index\.html:2:8/);
  assert.match(r.all, /\.\/img\/missing\.png/);
  const html = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
  assert.match(html, /<img src="\.\/img\/missing\.png">/);
});

// `--bg: url(./img/dot.png)`: Vite resolves it from the sheet that defines the property;
// lightningcss refuses it as ambiguous, so Nexxo failed the build. Now both the build and dev
// serve the image the author meant.
test("a relative url() in a custom property resolves from its own sheet: build and nexxo dev", async () => {
  const dir = fixture("custom-prop-url", {
    "index.html": PAGE,
    "nexxo.config.json": JSON.stringify({ build: { assetsInlineLimit: 0 } }),
    "src/theme/img/dot.png": PNG_1PX,
    "src/theme/vars.css": ":root { --dot: url(./img/dot.png); }\n",
    "src/app.css": '@import "./theme/vars.css";\n#app { background-image: var(--dot); min-height: 5px; }\n',
    "src/main.ts": 'import "./app.css";\ndocument.querySelector("#app")!.textContent = "ok";\n',
  });
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#app").textContent === "ok", null, { timeout: 10_000 });
    await page.waitForFunction(() => getComputedStyle(document.querySelector("#app")).minHeight === "5px");
    const bg = await page.evaluate(() => getComputedStyle(document.querySelector("#app")).backgroundImage);
    assert.match(bg, /^url\("/);
    const img = bg.slice(5, -2);
    const res = await page.evaluate((u) => fetch(u).then((r) => [r.status, r.headers.get("content-type")]), img);
    assert.deepEqual(res, [200, "image/png"], img);
  });
});
