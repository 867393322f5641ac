// Less and Stylus, as Vite supports them once the project installs `less` or `stylus`: compiled
// by the project's own compiler (Nexxo runs it with Node.js), then through Nexxo's CSS step like
// any sheet. Checked in Chromium (computed styles) under `nexxo build` + `nexxo preview` and both
// `nexxo dev` models: a sheet imported from JS and one linked from HTML, `@import` of a partial,
// a partial's `url()` relative to itself, `*.module.less` classes, an edit of a partial updating
// the sheet in place, a located error, and the message when the compiler is not installed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PNG_1PX, SERVE_MODES, fixture, launchChromium, nexxo, serveAs, waitForStyle } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const style = (page, sel, prop) => page.$eval(sel, (e, p) => getComputedStyle(e)[p], prop);
const waitStyle = (page, sel, prop, value) => waitForStyle(page, sel, prop, value, 15_000);

const files = {
  "package.json": JSON.stringify({ name: "less-app", private: true, type: "module" }),
  "index.html": `<!doctype html><html><head><link rel="stylesheet" href="./styles/page.less"></head><body>
<h1 id="title">Less</h1>
<div class="icon"></div>
<p id="mod">module</p>
<p id="styl">stylus</p>
<script type="module" src="./src/main.ts"></script>
</body></html>
`,
  "styles/page.less": '@import "./vars.less";\n@import "./parts/icons.less";\n#title { color: @title; .bordered(2px); }\n',
  "styles/vars.less": "@title: rgb(200, 10, 10);\n.bordered(@w) { border: @w solid @title; }\n",
  // In another directory: its url() is relative to itself.
  "styles/parts/icons.less": ".icon { width: 8px; height: 8px; background-image: url(./dot.png); }\n",
  "styles/parts/dot.png": PNG_1PX,
  "src/main.ts": `import styles from "./card.module.less";
import "./app.styl";
document.querySelector("#mod")!.className = styles.card;
(window as any).__card = styles.card;
`,
  "src/card.module.less": "@r: 4px;\n.card { border-radius: @r; color: darken(rgb(40, 80, 120), 10%); }\n",
  "src/app.styl": "c = rgb(5, 6, 7)\n#styl\n  color c\n  padding 3px\n",
};

test("Less and Stylus: imports, a link, a module, a partial's url(), a partial's edit updates in place", async () => {
  const dir = fixture("vite-less", files);
  for (const mode of SERVE_MODES) {
    fs.writeFileSync(path.join(dir, "styles/vars.less"), files["styles/vars.less"]);
    const server = await serveAs(mode, dir);
    const page = await browser.newPage();
    const failed = [];
    page.on("response", (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    try {
      await page.goto(server.url);
      await waitStyle(page, "#title", "color", "rgb(200, 10, 10)");
      assert.equal(await style(page, "#title", "borderTopWidth"), "2px", `${mode}: a mixin from the partial`);
      assert.match(await style(page, ".icon", "backgroundImage"), /url\(".*\.png"\)|url\("data:image\/png/, `${mode}: url()`);
      await waitStyle(page, "#mod", "borderTopLeftRadius", "4px");
      assert.equal(await style(page, "#mod", "color"), "rgb(27, 54, 82)", `${mode}: darken()`);
      assert.match(await page.evaluate(() => window.__card), /card/, `${mode}: a scoped class`);
      await waitStyle(page, "#styl", "color", "rgb(5, 6, 7)");
      assert.equal(await style(page, "#styl", "paddingTop"), "3px", `${mode}: Stylus`);
      assert.deepEqual(failed, [], `${mode}: no request failed`);
      if (mode === "build") continue;
      // The linked sheet is a module in dev: an edit of its partial updates it in place.
      await page.evaluate(() => (window.__kept = true));
      fs.writeFileSync(path.join(dir, "styles/vars.less"), files["styles/vars.less"].replace("200, 10, 10", "10, 200, 10"));
      await waitStyle(page, "#title", "color", "rgb(10, 200, 10)");
      assert.equal(await page.evaluate(() => window.__kept), true, `${mode}: updated in place, not reloaded`);
    } finally {
      await page.close();
      await server.close();
    }
  }
});

test("a Less error is located (file:line:col, code frame), in a partial too", () => {
  const dir = fixture("vite-less-error", {
    ...files,
    "styles/vars.less": "@title: rgb(200, 10, 10);\n.bordered(@w) {\n  border: @w solid @title;\n}\n.x { color: red; }}\n",
  });
  const r = nexxo(["build", dir, "--force"]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.all, /LESS_ERROR/);
  assert.match(r.all, /styles\/vars\.less:5:\d+/, r.all);
  assert.match(r.all, /5 \|\s+\.x \{ color: red; \}\}/, r.all);
  // An undefined variable is reported where Less evaluates it (here, the mixin's call site).
  const dir2 = fixture("vite-less-undefined", { ...files, "styles/page.less": "#title { color: @nope; }\n" });
  const r2 = nexxo(["build", dir2, "--force"]);
  assert.equal(r2.status, 1, r2.all);
  assert.match(r2.all, /styles\/page\.less:1:17: variable @nope is undefined/, r2.all);
});

test("a .less file without the less package installed: the error says to install it", () => {
  const dir = fixture("vite-less-missing", {
    "index.html": '<!doctype html><html><head><link rel="stylesheet" href="./a.less"></head><body></body></html>\n',
    "a.less": "@c: red;\n.a { color: @c; }\n",
  });
  // Run with a NODE_PATH-free environment from a directory where `less` does not resolve.
  const outside = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "nexxo-less-"));
  fs.cpSync(dir, outside, { recursive: true });
  const r = nexxo(["build", outside, "--force"]);
  fs.rmSync(outside, { recursive: true, force: true });
  assert.equal(r.status, 1, r.all);
  assert.match(r.all, /Preprocessor dependency "less" not found/);
  assert.match(r.all, /npm install -D less/);
});

test("css.preprocessorOptions (carried over by nexxo migrate): additionalData for Sass and Less, Less modifyVars; Sass finds aliased and root-absolute files; in the build and in dev", async () => {
  const dir = fixture("vite-preprocessor-options", {
    "package.json": JSON.stringify({ name: "ppo", private: true, type: "module" }),
    "vite.config.js": `import { defineConfig } from "vite";
import path from "node:path";
export default defineConfig({
  resolve: { alias: { "@": path.resolve(__dirname, "./src") } },
  css: {
    preprocessorOptions: {
      scss: { api: "modern-compiler", additionalData: '@use "@/tokens" as *;' },
      less: { additionalData: "@accent: rgb(7, 8, 9);", modifyVars: { gap: "6px" }, javascriptEnabled: false },
    },
  },
});
`,
    "index.html": `<!doctype html><html><body><p id="s">scss</p><p id="l">less</p><script type="module" src="/src/main.ts"></script></body></html>\n`,
    "src/_tokens.scss": "$brand: rgb(4, 5, 6);\n",
    "src/a.scss": '@use "/src/styles/extra";\n#s { color: $brand; }\n',
    "src/styles/_extra.scss": "#s { padding: 5px; }\n",
    "src/b.less": "@gap: 1px;\n#l { color: @accent; padding: @gap; }\n",
    "src/main.ts": 'import "./a.scss";\nimport "./b.less";\n',
  });
  const m = nexxo(["migrate", dir]);
  assert.equal(m.status, 0, m.all);
  const config = JSON.parse(fs.readFileSync(path.join(dir, "nexxo.config.json"), "utf8"));
  assert.deepEqual(config.css.preprocessorOptions, {
    scss: { additionalData: '@use "@/tokens" as *;' },
    less: { additionalData: "@accent: rgb(7, 8, 9);", modifyVars: { gap: "6px" }, javascriptEnabled: false },
  });
  for (const mode of ["build", "bundled"]) {
    const server = await serveAs(mode, dir);
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await waitStyle(page, "#s", "color", "rgb(4, 5, 6)");
      assert.equal(await style(page, "#s", "paddingTop"), "5px", `${mode}: @use of a root-absolute path`);
      await waitStyle(page, "#l", "color", "rgb(7, 8, 9)");
      assert.equal(await style(page, "#l", "paddingTop"), "6px", `${mode}: modifyVars wins over the sheet's own value`);
    } finally {
      await page.close();
      await server.close();
    }
  }
  // An error in the sheet keeps the sheet's own line numbers.
  fs.writeFileSync(path.join(dir, "src/b.less"), "@gap: 1px;\n#l { color: @accent; padding: @gap; }\n.x { color: red; }}\n");
  const r = nexxo(["build", dir, "--force"]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.all, /src\/b\.less:3:\d+/, r.all);
});
