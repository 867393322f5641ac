// Vite behaviours around entries and linked sheets: an app whose own package.json says
// `"sideEffects": false`, and a Sass sheet linked from the page with a `media` attribute.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, inBuildAndDev } from "./helpers.mjs";

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
