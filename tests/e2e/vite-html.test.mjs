// Vite's HTML features, each checked in Chromium under `nexxo build` + `nexxo preview` and both
// `nexxo dev` serving models (bundled, --no-bundle): inline module scripts (bare imports,
// TypeScript, import.meta.env), `%NAME%` env replacement, inline `<style>` (compiled, url()
// resolved), `<link media>` kept conditional, `async` module scripts, pages without `<head>`,
// `base` in dev, and React Fast Refresh for an app that has only react + react-dom installed.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { PNG_1PX, SERVE_MODES, serveAs, buildOk, dev, fixture, launchChromium, nexxo, preview, rawGet, repoRoot, writeFiles, waitForStyle } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Opens `url`, failing the test on page errors; marks the page to detect reloads. */
async function open(url, errors = []) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  return page;
}

describe("inline module scripts, env in HTML, inline <style>, <link media>", () => {
  const files = {
    ".env": "NEXXO_TITLE=Nexxo App\nNEXXO_WHO=World\nVITE_FLAVOR=vanilla\n",
    "index.html": `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>%NEXXO_TITLE% (%MODE%)</title>
    <style>
      .dot { width: 10px; height: 10px; background-image: url("./img/dot.png"); }
      #out { color: rgb(1, 2, 3); }
    </style>
    <link rel="stylesheet" href="./print.css" media="print">
  </head>
  <body>
    <p id="out"></p>
    <p id="env-html">%NEXXO_WHO% %VITE_FLAVOR% %NEXXO_MISSING% 100%</p>
    <div class="dot"></div>
    <script type="module">
      import { version } from "react";
      import { shout } from "./src/shout.ts";
      interface Who { name: string }
      const who: Who = { name: import.meta.env.NEXXO_WHO as string };
      document.querySelector<HTMLParagraphElement>("#out")!.textContent =
        shout(who.name) + " react " + typeof version + " " + import.meta.env.MODE;
    </script>
  </body>
</html>
`,
    "src/shout.ts": "export const shout = (s: string): string => s.toUpperCase() + '!';\n",
    "print.css": "#out { color: rgb(200, 0, 0); }\n.dot { background-image: url(./img/dot.png); }\n",
    "img/dot.png": PNG_1PX,
  };

  for (const mode of SERVE_MODES) {
    test(mode, async () => {
      const dir = fixture(`vite-html-inline-${mode}`, files);
      const server = await serveAs(mode, dir);
      try {
        const errors = [];
        const page = await open(server.url, errors);
        const out = page.locator("#out");
        const expectedMode = mode === "build" ? "production" : "development";
        // The inline script ran: bare import, TypeScript syntax, import.meta.env.
        await page.waitForFunction(() => document.querySelector("#out").textContent !== "", null, { timeout: 10_000 });
        assert.equal(await out.textContent(), `WORLD! react string ${expectedMode}`);
        // %NAME% in the page, a missing one kept as written (with a warning), lone % untouched.
        assert.equal(await page.title(), `Nexxo App (${expectedMode})`);
        assert.equal(await page.locator("#env-html").textContent(), "World vanilla %NEXXO_MISSING% 100%");
        const warned = mode === "build" ? server.built.all : server.output();
        assert.match(warned, /%NEXXO_MISSING% in index\.html is not defined/);
        // Inline <style>: applied, and its url() loads.
        assert.equal(await out.evaluate((e) => getComputedStyle(e).color), "rgb(1, 2, 3)");
        const dotWidth = await page.evaluate(async () => {
          const bg = getComputedStyle(document.querySelector(".dot")).backgroundImage;
          const img = new Image();
          img.src = bg.slice(5, -2);
          await img.decode();
          return img.naturalWidth;
        });
        assert.equal(dotWidth, 1);
        // <link media="print"> applies to print only, with its url() working there too.
        await page.emulateMedia({ media: "print" });
        assert.equal(await out.evaluate((e) => getComputedStyle(e).color), "rgb(200, 0, 0)");
        const printDot = await page.evaluate(async () => {
          const img = new Image();
          img.src = getComputedStyle(document.querySelector(".dot")).backgroundImage.slice(5, -2);
          await img.decode();
          return img.naturalWidth;
        });
        assert.equal(printDot, 1);
        await page.emulateMedia({ media: "screen" });
        if (mode === "build") {
          const html = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
          // The inline style is minified, its url() an asset (inlined: the PNG is small).
          assert.match(html, /<style>\.dot\{[^<]*url\("?data:image\/png;base64,[^<]*<\/style>/);
          assert.doesNotMatch(html, /\.\/img\/dot\.png|<script type="module">/);
          // The print sheet is its own compiled file, still conditional.
          const link = html.match(/<link rel="stylesheet" href="([^"]+)" media="print">/);
          assert.ok(link, html);
          assert.match(link[1], /^\/assets\/print-[0-9a-f]{8}\.css$/);
          assert.match(fs.readFileSync(path.join(dir, "dist", link[1]), "utf8"), /^#out\{color:#c80000\}/);
        } else {
          // Editing the page (here its inline script) reloads it with the new script.
          fs.writeFileSync(path.join(dir, "index.html"), files["index.html"].replace('" react "', '" React "'));
          await page.locator("#out", { hasText: "WORLD! React string" }).waitFor({ timeout: 10_000 });
          assert.deepEqual(errors, []);
          // A syntax error in an inline script is reported at the page's line.
          fs.writeFileSync(path.join(dir, "index.html"), files["index.html"].replace("const who: Who", "const = who: Who"));
          const overlay = page.locator("nexxo-error-overlay");
          await overlay.waitFor({ timeout: 10_000 });
          const text = await overlay.evaluate((e) => e.shadowRoot.textContent);
          assert.match(text, /index\.html:20:13/);
          assert.match(text, /const = who/);
        }
        if (mode === "build") assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await server.close();
      }
    });
  }
});

describe("a page's own CSS that cannot be built is a located error", () => {
  for (const [name, style, message] of [
    // The frame shows the page's own lines around the error.
    ["missing url()", ".a { background: url(./nope.png); }", /UNRESOLVED_URL\] index\.html:4:\d+: [^\n]*url\(\.\/nope\.png\)[\s\S]*3 \| <style>\n> 4 \|   \.a \{/],
    ["local @import", '@import "./other.css";', /UNSUPPORTED_IMPORT\] index\.html:4:3: [\s\S]*3 \| <style>\n> 4 \|   @import[\s\S]*<link rel="stylesheet">/],
  ]) {
    test(name, () => {
      const dir = fixture("vite-html-style-error", {
        "index.html": `<!doctype html>\n<html><head>\n<style>\n  ${style}\n</style>\n</head><body></body></html>\n`,
        "other.css": "p { color: red; }\n",
      });
      const r = nexxo(["build", dir]);
      assert.equal(r.status, 1, r.all);
      assert.match(r.all, message);
    });
  }
});

describe("pages without <head>: tags go where the implied head is", () => {
  const files = {
    "nexxo.config.json": JSON.stringify({ build: { input: ["index.html", "bare.html"] } }),
    // The linked sheet comes before the inline style in the page, so the inline style wins.
    "index.html": `<!doctype html>
<html>
<body>
  <link rel="stylesheet" href="./a.css">
  <style>#app { color: rgb(0, 0, 255); }</style>
  <div id="app">app</div>
  <script type="module" src="./main.js"></script>
</body>
</html>
`,
    "bare.html": `<!doctype html>
<link rel="stylesheet" href="./a.css">
<div id="app">bare</div>
<script type="module" src="./main.js"></script>
`,
    "a.css": "#app { color: rgb(255, 0, 0); background-color: rgb(0, 128, 0); }\n",
    "main.js": "document.getElementById('app').dataset.ran = 'yes';\n",
  };

  for (const mode of SERVE_MODES) {
    test(mode, async () => {
      const dir = fixture(`vite-html-nohead-${mode}`, files);
      const server = await serveAs(mode, dir);
      try {
        for (const [file, color] of [["index.html", "rgb(0, 0, 255)"], ["bare.html", "rgb(255, 0, 0)"]]) {
          const errors = [];
          const page = await open(new URL(file, server.url).href, errors);
          await page.locator("#app[data-ran=yes]").waitFor({ timeout: 10_000 });
          // Standards mode: nothing was put before the doctype.
          assert.equal(await page.evaluate(() => document.compatMode), "CSS1Compat", file);
          const app = page.locator("#app");
          await waitForStyle(page, "#app", "backgroundColor", "rgb(0, 128, 0)");
          assert.equal(await app.evaluate((e) => getComputedStyle(e).color), color, file);
          assert.deepEqual(errors, []);
          await page.close();
        }
        if (mode === "build") {
          const html = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
          const css = html.indexOf('rel="stylesheet"');
          assert.ok(css > 0 && css < html.indexOf("<body"), html);
          const bare = fs.readFileSync(path.join(dir, "dist/bare.html"), "utf8");
          assert.ok(bare.indexOf('rel="stylesheet"') < bare.indexOf('<div id="app">'), bare);
          assert.ok(bare.startsWith("<!doctype html>"), bare);
        }
      } finally {
        await server.close();
      }
    });
  }
});

describe("async module scripts stay async", () => {
  const files = {
    "index.html": `<!doctype html>
<html><head>
<script type="module" async src="./a.js"></script>
<script type="module" async>document.documentElement.dataset.inline = "ran" as string;</script>
</head><body><p id="p">p</p></body></html>
`,
    "a.js": "document.documentElement.dataset.a = 'ran';\n",
  };
  for (const mode of SERVE_MODES) {
    test(mode, async () => {
      const dir = fixture(`vite-html-async-${mode}`, files);
      const server = await serveAs(mode, dir);
      try {
        const page = await open(server.url);
        await page.waitForFunction(() => document.documentElement.dataset.a === "ran" && document.documentElement.dataset.inline === "ran", null, { timeout: 10_000 });
        // The page's own module scripts (not the dev client or the Fast Refresh preamble).
        const scripts = await page.evaluate(() =>
          [...document.querySelectorAll("script[type=module]")]
            .filter((s) => !s.src.includes("/@nexxo/client") && !s.textContent.includes("@nexxo/react-refresh"))
            .map((s) => ({ async: s.async, what: s.src || s.textContent })));
        assert.ok(scripts.length >= 1);
        assert.ok(scripts.every((s) => s.async), JSON.stringify(scripts));
        await page.close();
      } finally {
        await server.close();
      }
    });
  }

  test("a mix of async and deferred scripts builds a deferred entry, with a warning", () => {
    const dir = fixture("vite-html-async-mixed", {
      "index.html": '<!doctype html><html><head><script type="module" async src="./a.js"></script>' +
        '<script type="module">document.title = "t";</script></head><body></body></html>',
      "a.js": "export {};\n",
    });
    const r = buildOk(dir);
    assert.match(r.all, /some module scripts are `async` and some are not/);
    assert.doesNotMatch(fs.readFileSync(path.join(dir, "dist/index.html"), "utf8"), /async/);
  });
});

describe("base: '/app/'", () => {
  const files = {
    "nexxo.config.json": JSON.stringify({ base: "/app/" }),
    "index.html": `<!doctype html>
<html><head><title>base</title></head>
<body>
  <img id="pic" src="./img/pic.png">
  <p id="base"></p>
  <script type="module" src="./src/main.ts"></script>
</body></html>
`,
    "src/main.ts": "document.getElementById('base')!.textContent = import.meta.env.BASE_URL;\n",
    "img/pic.png": PNG_1PX,
  };
  for (const mode of SERVE_MODES) {
    test(mode, async () => {
      const dir = fixture(`vite-html-base-${mode}`, files);
      const server = await serveAs(mode, dir);
      try {
        assert.match(server.url, /\/app\/$/);
        const errors = [];
        const page = await open(server.url, errors);
        await page.locator("#base", { hasText: "/app/" }).waitFor({ timeout: 10_000 });
        await page.waitForFunction(() => document.getElementById("pic").complete, null, { timeout: 10_000 });
        assert.equal(await page.evaluate(() => document.getElementById("pic").naturalWidth), 1);
        assert.deepEqual(errors, []);
        await page.close();
        if (mode !== "build") {
          // The root leads to the app, as in Vite.
          const r = await rawGet(server.port, "/", { Host: "localhost" });
          assert.equal(r.status, 302);
        }
      } finally {
        await server.close();
      }
    });
  }
});

describe("React Fast Refresh with only react and react-dom installed", () => {
  let dir;
  before(() => {
    // Outside tests/, whose node_modules has react-refresh: this app must not find it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-refresh-"));
    for (const name of ["react", "react-dom", "scheduler"]) {
      fs.cpSync(path.join(repoRoot, "tests/node_modules", name), path.join(dir, "node_modules", name), { recursive: true });
    }
    // Shaped like `npm create vite` (react-ts): StrictMode, a default-exported App, CSS imports,
    // an import with its .tsx extension.
    writeFiles(dir, {
      "package.json": JSON.stringify({ name: "refresh-app", private: true, type: "module", dependencies: { react: "*", "react-dom": "*" } }),
      "index.html": '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n    <title>Vite + React + TS</title>\n' +
        '  </head>\n  <body>\n    <div id="root"></div>\n    <script type="module" src="/src/main.tsx"></script>\n  </body>\n</html>\n',
      "src/main.tsx": "import { StrictMode } from 'react'\nimport { createRoot } from 'react-dom/client'\nimport './index.css'\n" +
        "import App from './App.tsx'\n\ncreateRoot(document.getElementById('root')!).render(\n  <StrictMode>\n    <App />\n  </StrictMode>,\n)\n",
      "src/index.css": ":root { color: rgb(33, 33, 33); }\n",
      "src/App.css": "button { padding: 4px; }\n",
      "src/App.tsx": "import { useState } from 'react'\nimport './App.css'\n\nfunction App() {\n  const [count, setCount] = useState(0)\n\n" +
        "  return (\n    <>\n      <h1>Vite + React</h1>\n      <button onClick={() => setCount((count) => count + 1)}>\n" +
        "        count is {count}\n      </button>\n    </>\n  )\n}\n\nexport default App\n",
    });
    assert.throws(() => createRequire(path.join(dir, "index.js")).resolve("react-refresh/runtime"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const mode of ["bundled", "esm"]) {
    test(mode, async () => {
      const app = path.join(dir, "src/App.tsx");
      fs.writeFileSync(app, fs.readFileSync(app, "utf8").replace("Nexxo + React", "Vite + React"));
      const server = await dev(dir, ["--force", ...(mode === "esm" ? ["--no-bundle"] : [])]);
      try {
        const errors = [];
        const page = await open(server.url, errors);
        const button = page.locator("button");
        await button.waitFor({ timeout: 10_000 });
        await button.click();
        await button.click();
        assert.equal(await button.textContent(), "count is 2");
        await page.evaluate(() => (window.__marker = "same page"));
        fs.writeFileSync(app, fs.readFileSync(app, "utf8").replace("Vite + React", "Nexxo + React"));
        await page.locator("h1", { hasText: "Nexxo + React" }).waitFor({ timeout: 10_000 });
        assert.equal(await button.textContent(), "count is 2", "the count survives the edit");
        assert.equal(await page.evaluate(() => window.__marker), "same page", "no reload");
        const requested = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
        assert.ok(requested.includes("/@nexxo/react-refresh"), requested.join(" "));
        assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await server.close();
      }
    });
  }

  test("build renders the same app", async () => {
    const r = nexxo(["build", dir]);
    assert.equal(r.status, 0, r.all);
    const server = await preview(dir);
    try {
      const page = await open(server.url);
      await page.locator("button").waitFor({ timeout: 10_000 });
      assert.equal(await page.locator("button").textContent(), "count is 0");
      assert.equal(await page.locator("h1").textContent(), "Nexxo + React");
      await page.close();
    } finally {
      await server.close();
    }
  });
});
