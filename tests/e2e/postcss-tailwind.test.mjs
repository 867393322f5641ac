// The project's CSS plugins, as Vite runs them: PostCSS with the project's postcss.config (here
// Tailwind CSS v3 and autoprefixer, the setup of Tailwind's v3 guide), Tailwind CSS v4 through
// @tailwindcss/vite (Tailwind's v4 guide for Vite) and through @tailwindcss/postcss. Checked in
// Chromium (computed styles) under `nexxo build` + `nexxo preview` and both `nexxo dev` models: the
// classes the app uses exist and no others, `@apply` works, a class added to a component while
// `nexxo dev` runs updates the sheet in place, the build cache sees content files that are not
// modules, and a plugin's error is located in the sheet.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { NEXXO, SERVE_MODES, buildOk, fixture, launchChromium, nexxo, repoRoot, serveAs, waitForStyle } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const style = (page, sel, prop) => page.evaluate(([s, p]) => getComputedStyle(document.querySelector(s))[p], [sel, prop]);

const waitStyle = (page, sel, prop, value) => waitForStyle(page, sel, prop, value, 15_000);

const builtCss = (dir) => {
  const assets = path.join(dir, "dist/assets");
  return fs
    .readdirSync(assets)
    .filter((f) => f.endsWith(".css"))
    .map((f) => fs.readFileSync(path.join(assets, f), "utf8"))
    .join("\n");
};

// Tailwind v3 is installed for the tests as `tailwindcss3` (v4 is `tailwindcss`); the v3 app gets
// it under its own name, as an app that installed it has it.
function linkTailwind3(dir) {
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, "tests/node_modules/tailwindcss3"), path.join(dir, "node_modules/tailwindcss"), "dir");
}

const view = (cls) =>
  `document.querySelector("#view")!.className = ${JSON.stringify(cls)};\nif (import.meta.hot) import.meta.hot.accept();\n`;

const tailwind3 = {
  "package.json": JSON.stringify({ name: "tw3", private: true, type: "module" }),
  "postcss.config.js": "export default { plugins: { tailwindcss: {}, autoprefixer: {} } };\n",
  "tailwind.config.js":
    'export default { content: ["./index.html", "./src/**/*.{js,ts,jsx,tsx}"], theme: { extend: {} }, plugins: [] };\n',
  "index.html": `<!doctype html><html><body>
<div id="app" class="bg-red-500 p-4">loading</div>
<button id="btn" class="btn">b</button>
<p id="view">v</p>
<script type="module" src="/src/main.ts"></script>
</body></html>
`,
  "src/index.css": "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n.btn {\n  @apply px-4 font-bold;\n}\n",
  "src/main.ts": 'import "./index.css";\nimport "./view.ts";\ndocument.querySelector("#app")!.textContent = "ready";\n',
  "src/view.ts": view("text-green-600"),
  // Content Tailwind scans that no module imports.
  "src/unused.ts": 'export const cls = "italic";\n',
};

test("Tailwind CSS v3 through postcss.config.js: built, served by nexxo dev, a new class updates in place", async () => {
  const dir = fixture("tailwind3", tailwind3);
  linkTailwind3(dir);
  for (const mode of SERVE_MODES) {
    fs.writeFileSync(path.join(dir, "src/view.ts"), view("text-green-600"));
    const server = await serveAs(mode, dir);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.waitForFunction(() => document.querySelector("#app")?.textContent === "ready");
      await waitStyle(page, "#app", "backgroundColor", "rgb(239, 68, 68)");
      assert.equal(await style(page, "#app", "paddingTop"), "16px", `${mode}: p-4`);
      assert.equal(await style(page, "#btn", "paddingLeft"), "16px", `${mode}: @apply px-4`);
      assert.equal(await style(page, "#btn", "fontWeight"), "700", `${mode}: @apply font-bold`);
      await waitStyle(page, "#view", "color", "rgb(22, 163, 74)");
      if (mode === "build") {
        const css = builtCss(dir);
        assert.match(css, /\.bg-red-500\{/);
        assert.match(css, /\.italic\{/, "a content file no module imports");
        assert.doesNotMatch(css, /\.bg-blue-500/, "only the classes the app uses");
        assert.doesNotMatch(css, /@tailwind|@apply/);
        continue;
      }
      // A class the sheet did not have: the component's module and the sheet update, no reload.
      await page.evaluate(() => (window.__kept = true));
      fs.writeFileSync(path.join(dir, "src/view.ts"), view("text-blue-700"));
      await waitStyle(page, "#view", "color", "rgb(29, 78, 216)");
      assert.equal(await page.evaluate(() => window.__kept), true, `${mode}: updated in place, not reloaded`);
      assert.match(server.output(), /css plugins: PostCSS \(postcss\.config\.js\)/);
      assert.doesNotMatch(server.output(), /PostCSS plugins are not run/);
    } finally {
      await page.close();
      await server.close();
    }
  }
});

test("the build cache sees Tailwind's content files, modules or not", async () => {
  const dir = fixture("tailwind3-cache", tailwind3);
  linkTailwind3(dir);
  buildOk(dir, ["--force"]);
  assert.match(builtCss(dir), /\.italic\{/);
  assert.doesNotMatch(builtCss(dir), /\.uppercase\{/);
  // Not a module of the app: only Tailwind read it.
  fs.writeFileSync(path.join(dir, "src/unused.ts"), 'export const cls = "uppercase";\n');
  const r = buildOk(dir);
  assert.doesNotMatch(r.all, /from cache/i, "an edited content file is not served from the cache");
  assert.match(builtCss(dir), /\.uppercase\{/);
  assert.doesNotMatch(builtCss(dir), /\.italic\{/);
});

test("nexxo build --watch: a class added to a module is in the rebuilt CSS (the sheet is made again, not only the module)", async () => {
  const dir = fixture("tailwind3-watch", tailwind3);
  linkTailwind3(dir);
  const child = spawn(NEXXO, ["build", dir, "--watch"], { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const waitOut = async (re, from = 0) => {
    const deadline = Date.now() + 60_000;
    while (!re.test(out.slice(from))) {
      if (Date.now() > deadline) throw new Error(`no ${re} in:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await waitOut(/watching for changes/);
    assert.doesNotMatch(builtCss(dir), /\.text-blue-700\{/);
    const from = out.length;
    fs.writeFileSync(path.join(dir, "src/view.ts"), view("text-blue-700"));
    await waitOut(/rebuilt in \d+ms/, from);
    assert.match(builtCss(dir), /\.text-blue-700\{/, out.slice(from));
    assert.match(out.slice(from), /full build/, "a module Tailwind read is not rebuilt alone");
  } finally {
    child.kill();
  }
});

test("a Tailwind error is located in the sheet: file:line:col, a code frame, exit 1", () => {
  const dir = fixture("tailwind3-error", {
    ...tailwind3,
    "src/index.css": "@tailwind base;\n@tailwind utilities;\n.btn {\n  @apply px-4 no-such-class;\n}\n",
  });
  linkTailwind3(dir);
  const r = nexxo(["build", dir, "--force"]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.all, /no-such-class/);
  assert.match(r.all, /src\/index\.css:4:\d+/, r.all);
  assert.match(r.all, /4 \|\s+@apply px-4 no-such-class;/, r.all);
});

const tailwind4 = {
  "package.json": JSON.stringify({
    name: "tw4",
    private: true,
    type: "module",
    devDependencies: { "@tailwindcss/vite": "4.3.5", tailwindcss: "4.3.5" },
  }),
  "index.html": `<!doctype html><html><head><link rel="stylesheet" href="/src/style.css"></head><body>
<div id="app" class="underline p-4 font-bold">loading</div>
<p id="view" class="card">v</p>
<script type="module" src="/src/main.ts"></script>
</body></html>
`,
  "src/style.css": '@import "tailwindcss";\n.card {\n  @apply italic;\n}\n',
  "src/main.ts": 'import "./view.ts";\ndocument.querySelector("#app")!.textContent = "ready";\n',
  "src/view.ts": `document.querySelector("#view")!.classList.add("uppercase");\nif (import.meta.hot) import.meta.hot.accept();\n`,
};

test("nexxo dev: a Tailwind error in a sheet shows the overlay, the server keeps serving, the fix restores the page", async () => {
  const dir = fixture("tailwind3-dev-error", tailwind3);
  linkTailwind3(dir);
  const server = await serveAs("bundled", dir);
  const page = await browser.newPage();
  try {
    await page.goto(server.url);
    await waitStyle(page, "#btn", "fontWeight", "700");
    const sheet = path.join(dir, "src/index.css");
    const good = fs.readFileSync(sheet, "utf8");
    fs.writeFileSync(sheet, good.replace("@apply px-4 font-bold;", "@apply px-4 no-such-class;"));
    const overlay = page.locator("nexxo-error-overlay");
    await overlay.waitFor({ timeout: 15_000 });
    const text = await overlay.evaluate((e) => e.shadowRoot.textContent);
    assert.match(text, /no-such-class/);
    assert.match(text, /src\/index\.css/);
    fs.writeFileSync(sheet, good.replace("font-bold", "font-light"));
    await waitStyle(page, "#btn", "fontWeight", "300");
    assert.equal(await overlay.count(), 0, "the overlay is gone after the fix");
  } finally {
    await page.close();
    await server.close();
  }
});

test("Tailwind CSS v4 with @tailwindcss/vite (its Vite guide): built and served by nexxo dev, a new class updates in place", async () => {
  const dir = fixture("tailwind4", tailwind4);
  for (const mode of SERVE_MODES) {
    fs.writeFileSync(path.join(dir, "src/view.ts"), tailwind4["src/view.ts"]);
    const server = await serveAs(mode, dir);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.waitForFunction(() => document.querySelector("#app")?.textContent === "ready");
      await waitStyle(page, "#app", "textDecorationLine", "underline");
      assert.equal(await style(page, "#app", "paddingTop"), "16px", `${mode}: p-4`);
      assert.equal(await style(page, "#app", "fontWeight"), "700", `${mode}: font-bold`);
      assert.equal(await style(page, "#view", "fontStyle"), "italic", `${mode}: @apply italic`);
      await waitStyle(page, "#view", "textTransform", "uppercase");
      if (mode === "build") {
        const css = builtCss(dir);
        assert.doesNotMatch(css, /\.line-through/, "only the classes the app uses");
        assert.doesNotMatch(css, /@import "tailwindcss"|@apply/);
        continue;
      }
      await page.evaluate(() => (window.__kept = true));
      fs.writeFileSync(
        path.join(dir, "src/view.ts"),
        `document.querySelector("#view")!.classList.add("line-through");\nif (import.meta.hot) import.meta.hot.accept();\n`,
      );
      await waitStyle(page, "#view", "textDecorationLine", "line-through");
      assert.equal(await page.evaluate(() => window.__kept), true, `${mode}: updated in place, not reloaded`);
    } finally {
      await page.close();
      await server.close();
    }
  }
});

test("Tailwind CSS v4 through @tailwindcss/postcss in postcss.config.mjs", () => {
  const dir = fixture("tailwind4-postcss", {
    ...tailwind4,
    "package.json": JSON.stringify({ name: "tw4p", private: true, type: "module" }),
    "postcss.config.mjs": 'export default { plugins: { "@tailwindcss/postcss": {} } };\n',
  });
  const r = buildOk(dir, ["--force"]);
  assert.doesNotMatch(r.all, /not run/);
  // Tailwind v4 scans the whole root, dist/ included: the build's own output is not its input
  // (a build whose input is in dist/ would refuse to replace dist/).
  buildOk(dir, ["--force"]);
  const css = builtCss(dir);
  assert.match(css, /\.underline\{text-decoration-line:underline\}/);
  assert.match(css, /\.uppercase\{/);
  assert.doesNotMatch(css, /\.line-through/);
});

test("nexxo dev: a PostCSS plugin that ends its process is an error on screen; the next save starts it again", async () => {
  const dir = fixture("postcss-crash", {
    "package.json": JSON.stringify({ name: "pc", private: true, type: "module" }),
    // A plugin of the project's own: it ends Node.js on a sheet that says CRASH, and otherwise
    // turns `color: brand` into a colour.
    "postcss.config.js": `const plugin = () => ({
  postcssPlugin: "brand",
  Once(root) {
    if (root.toString().includes("CRASH")) process.exit(3);
    root.walkDecls("color", (d) => { if (d.value === "brand") d.value = "rgb(1, 99, 2)"; });
  },
});
plugin.postcss = true;
export default { plugins: [plugin] };
`,
    "index.html": '<!doctype html><html><body><p id="t">t</p><script type="module" src="/src/main.ts"></script></body></html>\n',
    "src/main.ts": 'import "./a.css";\n',
    "src/a.css": "#t { color: brand; }\n",
  });
  const server = await serveAs("bundled", dir);
  const page = await browser.newPage();
  try {
    await page.goto(server.url);
    await waitStyle(page, "#t", "color", "rgb(1, 99, 2)");
    fs.writeFileSync(path.join(dir, "src/a.css"), "/* CRASH */\n#t { color: brand; }\n");
    const overlay = page.locator("nexxo-error-overlay");
    await overlay.waitFor({ timeout: 15_000 });
    assert.match(await overlay.evaluate((e) => e.shadowRoot.textContent), /PostCSS process stopped/);
    fs.writeFileSync(path.join(dir, "src/a.css"), "#t { color: brand; padding: 2px; }\n");
    await waitStyle(page, "#t", "paddingTop", "2px");
    assert.equal(await style(page, "#t", "color"), "rgb(1, 99, 2)", "the plugin runs again");
    assert.equal(await overlay.count(), 0);
  } finally {
    await page.close();
    await server.close();
  }
});

test("a PostCSS plugin the config names but nobody installed: a located error with the install hint", () => {
  const dir = fixture("postcss-missing", {
    "package.json": JSON.stringify({ name: "pm", private: true, type: "module" }),
    "postcss.config.js": 'export default { plugins: { "postcss-no-such-plugin": {} } };\n',
    "index.html": '<!doctype html><html><head><link rel="stylesheet" href="./a.css"></head><body></body></html>\n',
    "a.css": ".a { color: red }\n",
  });
  const r = nexxo(["build", dir, "--force"]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.all, /postcss-no-such-plugin/);
  assert.match(r.all, /npm install -D postcss-no-such-plugin/);
});
