// Sass in Nexxo, as Vite supports it, checked in Chromium (computed styles) under `nexxo build` +
// `nexxo preview` and both `nexxo dev` serving models (bundled, --no-bundle): `.scss` imported from
// JS and linked from HTML, the indented `.sass` syntax, `*.module.scss` as CSS modules, `@use` /
// `@import` of relative partials and of a package in node_modules, `url()` in a partial of another
// directory (rebased onto the file that uses it), HMR when a partial is edited (the colour changes,
// the page keeps its state), located Sass errors (build and the dev overlay), the refusal of Less,
// and the PostCSS / Tailwind warnings; and the same Sass in the engine's in-browser session (JS host).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { PNG_1PX, SERVE_MODES, serveAs, buildOk, dev, fixture, launchChromium, nexxo, preview, repoRoot, runSession, updateOf, waitForStyle, openPage } from "./helpers.mjs";

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const files = {
  "index.html": `<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <link rel="stylesheet" href="./styles/main.scss">
  </head>
  <body>
    <h1 id="title">Sass</h1>
    <p class="pkg">from a package</p>
    <div class="icon"></div>
    <p id="indented">indented syntax</p>
    <p id="mod">module</p>
    <p id="from-js">imported from JS</p>
    <input id="state">
    <script type="module" src="./src/main.js"></script>
  </body>
</html>
`,
  "styles/main.scss": `@use "vars" as v;
@use "theme/colors";
@import "parts/icons";

#title {
  color: v.$title;
  .nested-never-matches & { color: black; }
}
`,
  "styles/_vars.scss": "$title: rgb(200, 10, 10);\n",
  // In another directory: its url() is relative to itself.
  "styles/parts/_icons.scss": ".icon { width: 8px; height: 8px; background-image: url(./dot.png); }\n",
  "styles/parts/dot.png": PNG_1PX,
  "node_modules/theme/_colors.scss": "$brand: rgb(0, 128, 0);\n.pkg { color: $brand; }\n",
  "src/main.js": `import "./app.scss";
import "./indented.sass";
import styles, { card } from "./card.module.scss";
const el = document.querySelector("#mod");
el.className = styles.card;
window.__classes = { all: styles, card };
`,
  "src/app.scss": `@use "../styles/vars";
$size: 3px;
#from-js { border: $size solid vars.$title; color: rgb(1, 2, 3); }
`,
  "src/indented.sass": "$c: rgb(5, 6, 7)\n#indented\n  color: $c\n",
  "src/card.module.scss": "$r: 4px;\n.card {\n  border-radius: $r;\n  color: rgb(10, 20, 30);\n}\n",
};

const style = (page, sel, prop) => page.$eval(sel, (e, p) => getComputedStyle(e)[p], prop);

describe("Sass: imports, links, modules, partials, packages, url()", () => {
  for (const mode of SERVE_MODES) {
    test(mode, async () => {
      const dir = fixture(`vite-sass-${mode}`, files);
      const server = await serveAs(mode, dir);
      try {
        const { page, errors } = await openPage(browser, server.url);
        await page.waitForFunction(() => window.__classes && getComputedStyle(document.querySelector("#indented")).color === "rgb(5, 6, 7)", null, { timeout: 15_000 });
        assert.equal(await style(page, "#title", "color"), "rgb(200, 10, 10)", "linked .scss with a partial");
        assert.equal(await style(page, ".pkg", "color"), "rgb(0, 128, 0)", "@use of a package partial");
        assert.equal(await style(page, "#from-js", "color"), "rgb(1, 2, 3)", ".scss imported from JS");
        assert.equal(await style(page, "#from-js", "borderTopWidth"), "3px");
        assert.equal(await style(page, "#from-js", "borderTopColor"), "rgb(200, 10, 10)", "@use of ../styles/vars");
        // CSS module: scoped class map, named export too.
        const classes = await page.evaluate(() => window.__classes);
        assert.notEqual(classes.card, "card");
        assert.match(classes.card, /card/);
        assert.equal(classes.all.card, classes.card);
        assert.equal(await style(page, "#mod", "color"), "rgb(10, 20, 30)");
        assert.equal(await style(page, "#mod", "borderTopLeftRadius"), "4px");
        // url() in a partial of another directory points at the image next to the partial.
        const bg = await style(page, ".icon", "backgroundImage");
        const src = bg.match(/^url\("(.*)"\)$/)?.[1];
        assert.ok(src, bg);
        const ok = await page.evaluate(async (u) => (await fetch(u)).ok, src);
        assert.ok(ok, `the icon loads: ${src}`);
        if (mode === "build") {
          const cssFiles = fs.readdirSync(path.join(dir, "dist/assets")).filter((f) => f.endsWith(".css"));
          assert.ok(cssFiles.length >= 1);
          const css = cssFiles.map((f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8")).join("");
          assert.doesNotMatch(css, /\$title|@use/, "compiled, nothing of Sass left");
        } else {
          // Edit a partial: the colour changes without a reload (the typed text stays).
          await page.fill("#state", "kept");
          await page.evaluate(() => { window.__marker = 1; });
          fs.writeFileSync(path.join(dir, "styles/_vars.scss"), "$title: rgb(0, 0, 250);\n");
          await waitForStyle(page, "#title", "color", "rgb(0, 0, 250)");
          await waitForStyle(page, "#from-js", "borderTopColor", "rgb(0, 0, 250)");
          assert.equal(await page.evaluate(() => window.__marker), 1, "no reload");
          assert.equal(await page.inputValue("#state"), "kept");
          // A broken partial: the overlay names it, at its line and column.
          fs.writeFileSync(path.join(dir, "styles/_vars.scss"), "$other: 1px;\n$title: $missing;\n");
          const overlay = page.locator("nexxo-error-overlay");
          await overlay.waitFor({ timeout: 10_000 });
          const text = await overlay.evaluate((e) => e.shadowRoot.textContent);
          assert.match(text, /styles\/_vars\.scss:2:9/);
          assert.match(text, /Undefined variable/);
          // Fixed: the style updates again.
          fs.writeFileSync(path.join(dir, "styles/_vars.scss"), "$title: rgb(0, 90, 0);\n");
          await waitForStyle(page, "#title", "color", "rgb(0, 90, 0)");
          assert.equal(await page.inputValue("#state"), "kept");
        }
        assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await server.close();
      }
    });
  }
});

describe("Sass errors, Less, PostCSS", () => {
  test("a Sass error in a partial fails the build at file:line:col", () => {
    const dir = fixture("vite-sass-error", {
      "index.html": '<!doctype html><html><head><link rel="stylesheet" href="./a.scss"></head><body></body></html>\n',
      "a.scss": '@use "parts/bad";\n',
      "parts/_bad.scss": ".x {\n  color: $missing;\n}\n",
    });
    const r = nexxo(["build", dir]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.all, /parts\/_bad\.scss:2:10/);
    assert.match(r.all, /Undefined variable/);
    assert.match(r.all, /2 \|\s+color: \$missing;/, "with a code frame");
  });

  test("the build cache counts the partials a sheet read", () => {
    const dir = fixture("vite-sass-cache", {
      "index.html": '<!doctype html><html><head><link rel="stylesheet" href="./a.scss"></head><body></body></html>\n',
      "a.scss": '@use "v";\n.a { color: v.$c; }\n',
      "_v.scss": "$c: #111111;\n",
    });
    const css = () => fs.readdirSync(path.join(dir, "dist/assets")).filter((f) => f.endsWith(".css")).map((f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8")).join("");
    buildOk(dir);
    assert.match(css(), /color:#111/);
    assert.match(buildOk(dir).all, /from cache/);
    fs.writeFileSync(path.join(dir, "_v.scss"), "$c: #222222;\n");
    const again = buildOk(dir);
    assert.doesNotMatch(again.all, /from cache/);
    assert.match(css(), /color:#222/);
  });

  test("Less is refused with a message where Node.js cannot run it (--engine wasm: build and dev)", async () => {
    const dir = fixture("vite-sass-less", {
      "index.html": '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n',
      "main.js": 'import "./a.less";\n',
      "a.less": "@c: red;\n.a { color: @c; }\n",
    });
    const r = nexxo(["build", dir, "--engine", "wasm"]);
    assert.equal(r.status, 1, r.all);
    assert.match(r.all, /Less is compiled by the project's `less` package with Node.js, which the WASM engine cannot run/);
    assert.match(r.all, /a\.less/);
    const server = await dev(dir, ["--engine", "wasm"]);
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      const overlay = page.locator("nexxo-error-overlay");
      await overlay.waitFor({ timeout: 10_000 });
      assert.match(await overlay.evaluate((e) => e.shadowRoot.textContent), /Less is compiled by the project's `less` package/);
      await page.close();
    } finally {
      await server.close();
    }
  });

  test("--engine wasm compiles Sass through its own file system to the same output", () => {
    const dir = fixture("vite-sass-wasm", files);
    buildOk(dir);
    buildOk(dir, ["--engine", "wasm", "--out-dir", "dist-wasm"]);
    const read = (d) => fs.readdirSync(path.join(dir, d, "assets")).sort().map((f) => [f, fs.readFileSync(path.join(dir, d, "assets", f), "utf8")]);
    const native = read("dist");
    assert.deepEqual(read("dist-wasm"), native);
    assert.match(native.map(([, t]) => t).join(""), /color:#c80a0a/);
  });

  test("PostCSS config and Tailwind directives warn that they are not run where Node.js is not (--engine wasm)", () => {
    const dir = fixture("vite-sass-tailwind", {
      "index.html": '<!doctype html><html><head><link rel="stylesheet" href="./a.css"></head><body></body></html>\n',
      "a.css": "@tailwind utilities;\n.a { color: red; }\n",
      "postcss.config.js": "export default { plugins: {} };\n",
    });
    const r = buildOk(dir, ["--engine", "wasm"]);
    assert.match(r.all, /postcss\.config\.js found: PostCSS plugins are not run; Tailwind classes will be missing/);
    assert.match(r.all, /a\.css[\s\S]*uses Tailwind CSS/);
  });
});

test("the engine's in-browser session (WASM, JS host) compiles Sass: @use of a partial, *.module.scss classes, a partial's edit updates the sheet that uses it, a located error", async () => {
  const { NexxoEngine } = await import(path.join(repoRoot, "wasm/js/nexxo.js"));
  const wasm = await WebAssembly.compile(fs.readFileSync(path.join(repoRoot, "wasm/pkg/nexxo-engine.wasm")));
  const engine = new NexxoEngine(wasm);
  const files = [
    { path: "index.html", text: '<script type="module" src="/main.js"></script>' },
    { path: "main.js", text: 'import "./a.scss";\nimport s from "./b.module.scss";\nexport const cls = s.box;\n' },
    { path: "a.scss", text: '@use "./vars" as v;\nbody { color: v.$c; .x { margin: 1px } }\n' },
    { path: "_vars.scss", text: "$c: red;\n" },
    { path: "b.module.scss", text: "$p: 3px;\n.box { padding: $p; }\n" },
  ];
  const first = engine.openSession("sass", { files });
  assert.deepEqual(first.errors, []);
  const sheet = (code) => JSON.parse(/updateStyle\)\("[^"]+", ("(?:[^"\\]|\\.)*")\)/.exec(code)[1]);
  const a = first.modules.find((m) => m.url.startsWith("/a.scss"));
  assert.match(sheet(a.code), /body \{\s*color: red;?\s*\}\s*body \.x \{\s*margin: 1px;?\s*\}/);
  const b = first.modules.find((m) => m.url.startsWith("/b.module.scss"));
  const styles = [];
  const out = await runSession(first, { styles });
  // The module's class is its hashed name, and the sheet with that name is the one applied.
  assert.match(out.cls, /box/);
  assert.ok(sheet(b.code).includes(`.${out.cls}`), sheet(b.code));
  assert.ok(/padding: 3px/.test(sheet(b.code)));
  assert.deepEqual(styles.sort(), ["/a.scss", "/b.module.scss"]);

  // An edited partial: the sheet that @uses it is sent again, recompiled; no reload.
  const edited = engine.updateSession("sass", [{ path: "_vars.scss", text: "$c: blue;\n" }], []);
  assert.deepEqual(edited.errors, []);
  assert.equal(edited.fullReload, false);
  const update = updateOf(edited);
  assert.deepEqual(update.updates.map((u) => u.path), ["/a.scss"]);
  assert.match(sheet(Object.values(update.modules)[0]), /color: (blue|#00f)/);

  // A Sass syntax error is reported with the file, line and column.
  const broken = engine.updateSession("sass", [{ path: "b.module.scss", text: "$p: 3px;\n.box { padding: $p\n" }], []);
  assert.equal(broken.errors.length, 1, JSON.stringify(broken));
  assert.match(JSON.stringify(broken.errors[0]), /b\.module\.scss/);
  assert.deepEqual([broken.errors[0].line, broken.errors[0].column], [2, 19], JSON.stringify(broken.errors[0]));
  engine.closeSession("sass");
});
