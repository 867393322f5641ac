// Vite behaviours around entries and linked sheets: an app whose own package.json says
// `"sideEffects": false`, and a Sass sheet linked from the page with a `media` attribute.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { buildOk, dev, fixture, inBuildAndDev, launchChromium, nexxo } from "./helpers.mjs";

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

