// `@import` with a media query, `supports()` or `layer()` applies the imported rules only under
// those conditions, as in a browser and in Vite: a print sheet must not restyle the screen, and a
// layered library's rules lose to the app's unlayered ones. A remote `@import` stays first in the
// style sheet, where a browser still honours it.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, dev, fixture, inBuildAndDev, launchChromium, waitForStyle } from "./helpers.mjs";

const files = {
  "index.html": `<!doctype html><html><body><div id="app" class="a">x</div><script type="module" src="/src/main.ts"></script></body></html>`,
  "src/main.ts": `import "./main.css";\ndocument.querySelector("#app")!.textContent = "ready";\n`,
  "src/main.css": [
    '@import "./base.css";',
    '@import "./print.css" print;',
    '@import "./wide.css" screen and (min-width: 100px);',
    '@import "./grid.css" supports(display: grid);',
    '@import "./never.css" supports(display: no-such-value);',
    '@import "./library.css" layer(library);',
    // Unconditional, after a conditional one: still applied, and still in written order (it
    // overrides base.css).
    '@import "./after.css";',
    ".a { text-decoration-line: none }",
    "",
  ].join("\n"),
  "src/base.css": ".a { color: rgb(1, 2, 3); letter-spacing: 1px }\n",
  "src/print.css": '@import "./print-inner.css";\n.a { color: rgb(9, 9, 9) }\n',
  "src/print-inner.css": ".a { outline-style: solid }\n",
  "src/wide.css": ".a { width: 50px }\n",
  "src/grid.css": ".a { display: grid }\n",
  "src/never.css": ".a { word-spacing: 30px }\n",
  // More specific than the app's rule, but layered: the unlayered rule wins.
  "src/library.css": "#app.a { text-decoration-line: underline; padding-left: 4px }\n",
  "src/after.css": ".a { letter-spacing: 2px }\n",
};

const styles = (page) =>
  page.evaluate(() => {
    const s = getComputedStyle(document.querySelector("#app"));
    return [s.color, s.outlineStyle, s.display, s.wordSpacing, s.textDecorationLine, s.paddingLeft, s.letterSpacing].join(" | ");
  });

test("@import conditions (media, supports, layer) hold in the built page and in dev", async () => {
  const dir = fixture("css-import-cond", files);
  await inBuildAndDev(dir, async (page) => {
    await page.waitForFunction(() => document.querySelector("#app")?.textContent === "ready");
    await waitForStyle(page, "#app", "letterSpacing", "2px");
    const width = () => page.evaluate(() => getComputedStyle(document.querySelector("#app")).width);
    assert.equal(await styles(page), "rgb(1, 2, 3) | none | grid | 0px | none | 4px | 2px", "screen");
    assert.equal(await width(), "50px", "screen and (min-width: 100px)");
    await page.emulateMedia({ media: "print" });
    assert.equal(await styles(page), "rgb(9, 9, 9) | solid | grid | 0px | none | 4px | 2px", "print");
    assert.notEqual(await width(), "50px", "the screen-only sheet is off in print");
    await page.emulateMedia({ media: "screen" });
  });
});

test("a remote @import keeps its conditions and opens the built style sheet", () => {
  const dir = fixture("css-import-remote", {
    ...files,
    "src/print.css": '@import url("https://fonts.example/print.css") print;\n.a { color: rgb(9, 9, 9) }\n',
  });
  buildOk(dir, ["--force"]);
  const assets = path.join(dir, "dist/assets");
  const css = fs.readdirSync(assets).filter((f) => f.endsWith(".css"));
  assert.equal(css.length, 1);
  const text = fs.readFileSync(path.join(assets, css[0]), "utf8");
  assert.ok(text.startsWith('@import url("https://fonts.example/print.css") print;'), text);
  assert.equal(text.match(/@import/g).length, 1, text);
});

test("an @import cycle through a conditional import ends, as in a browser", () => {
  const dir = fixture("css-import-cycle", {
    ...files,
    "src/main.css": '@import "./a.css" screen;\n.m { color: red }\n',
    "src/a.css": '@import "./b.css" print;\n.a1 { color: red }\n',
    "src/b.css": '@import "./a.css";\n@import "./main.css";\n.b1 { color: red }\n',
  });
  buildOk(dir, ["--force"]);
  const assets = path.join(dir, "dist/assets");
  const text = fs.readFileSync(path.join(assets, fs.readdirSync(assets).find((f) => f.endsWith(".css"))), "utf8");
  assert.equal(text, "@media screen{@media print{.b1{color:red}}.a1{color:red}}.m{color:red}");
});

for (const model of [[], ["--no-bundle"]]) {
  test(`dev ${model.join(" ")}: an edit of a sheet imported under a condition updates the page`, async () => {
    const dir = fixture("css-import-cond-hmr", files);
    const server = await dev(dir, model);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.emulateMedia({ media: "print" });
      await page.goto(server.url);
      await waitForStyle(page, "#app", "outlineStyle", "solid");
      await page.evaluate(() => (window.__kept = true));
      fs.writeFileSync(path.join(dir, "src/print-inner.css"), ".a { outline-style: dashed }\n");
      await waitForStyle(page, "#app", "outlineStyle", "dashed");
      assert.equal(await page.evaluate(() => window.__kept), true, "updated in place, not reloaded");
      await page.emulateMedia({ media: "screen" });
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector("#app")).outlineStyle), "none");
    } finally {
      await browser.close();
      await server.close();
    }
  });
}
