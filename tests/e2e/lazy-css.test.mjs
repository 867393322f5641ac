// A lazily imported module's style sheet is applied by the time its `import()` resolves, as Vite's
// preload does: a component rendered right after `await import("./Page")` (React.lazy, a router's
// lazy route) is styled from its first frame, with no flash of unstyled content. In the build the
// chunk's CSS is a separate file; in `nexxo dev` the sheet is inserted by its module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOk, dev, fixture, inBuildAndDev, launchChromium, preview } from "./helpers.mjs";

const files = {
  "index.html": `<!doctype html><html><body><div id="app"></div><button id="go">go</button><script type="module" src="/src/main.ts"></script></body></html>`,
  "src/main.ts": `document.querySelector("#app")!.textContent = "ready";
document.querySelector("#go")!.addEventListener("click", async () => {
  const first = await import("./lazy");
  // Read at once, in the same task as the resolution: nothing else may run in between.
  const el = first.render();
  (window as any).__first = getComputedStyle(el).color + " " + getComputedStyle(el).paddingTop;
  const again = await import("./lazy");
  (window as any).__again = getComputedStyle(again.render()).color;
  const card = await import("./card");
  (window as any).__card = getComputedStyle(card.render()).borderTopWidth;
});
`,
  "src/lazy.ts": `import "./lazy.css";
export function render() {
  const el = document.createElement("p");
  el.className = "lazy";
  el.textContent = "lazy";
  document.body.append(el);
  return el;
}
`,
  "src/lazy.css": ".lazy { color: rgb(1, 2, 3); padding-top: 7px }\n",
  "src/card.ts": `import styles from "./card.module.css";
export function render() {
  const el = document.createElement("div");
  el.className = styles.card;
  document.body.append(el);
  return el;
}
`,
  "src/card.module.css": ".card { border: 5px solid black }\n",
};

async function check(page) {
  await page.waitForFunction(() => document.querySelector("#app").textContent === "ready", null, { timeout: 10_000 });
  await page.click("#go");
  await page.waitForFunction(() => window.__card !== undefined, null, { timeout: 10_000 });
  assert.deepEqual(await page.evaluate(() => [window.__first, window.__again, window.__card]), [
    "rgb(1, 2, 3) 7px",
    "rgb(1, 2, 3)",
    "5px",
  ]);
}

test("a lazily imported module's CSS applies by the time its import() resolves (build and dev)", async () => {
  await inBuildAndDev(fixture("lazy-css", files), check);
});

// The same in the WASM engine's build (the browser and edge hosts bundle with it) and in `nexxo
// dev`'s unbundled model.
test("the same with `nexxo build --engine wasm` and `nexxo dev --no-bundle`", async () => {
  const dir = fixture("lazy-css-hosts", files);
  buildOk(dir, ["--engine", "wasm"]);
  for (const start of [() => preview(dir), () => dev(dir, ["--no-bundle"])]) {
    const server = await start();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await check(page);
    } finally {
      await browser.close();
      await server.close();
    }
  }
});
