// A lazily imported module's style sheet is applied by the time its `import()` resolves, as Vite's
// preload does: a component rendered right after `await import("./Page")` (React.lazy, a router's
// lazy route) is styled from its first frame, with no flash of unstyled content. In the build the
// chunk's CSS is a separate file; in `nexxo dev` the sheet is inserted by its module.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
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

// Vite's preload gives a lazy chunk's style sheet and the chunks it imports a head start: they
// are requested when `import()` is called, beside the chunk itself, not after it has arrived
// and run. Here the lazy chunk's response is held back 800 ms: its sheet and its shared chunk
// must be requested while it is still on its way, and the page is still styled from the first
// frame.
test("build: import() requests the chunk's CSS and imported chunks in parallel with the chunk", async () => {
  const dir = fixture("lazy-css-parallel", {
    ...files,
    "src/shared.ts": "export const shared = (s: string) => `shared ${s}`;\n",
    "src/lazy.ts": files["src/lazy.ts"].replace('import "./lazy.css";', 'import "./lazy.css";\nimport { shared } from "./shared";\nexport const label = shared("lazy");'),
    "src/card.ts": files["src/card.ts"].replace('import styles', 'import { shared } from "./shared";\nexport const label = shared("card");\nimport styles'),
  });
  buildOk(dir);
  const html = fs.readFileSync(path.join(dir, "dist/index.html"), "utf8");
  assert.match(html, /<script type="application\/json" id="nexxo-lazy">/);
  const server = await preview(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const t0 = Date.now();
    const seen = {};
    page.on("request", (r) => {
      const name = new URL(r.url()).pathname.split("/").pop();
      seen[name] ??= Date.now() - t0;
    });
    let held;
    await page.route(/\/assets\/lazy-[^/]+\.js$/, async (route) => {
      held = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await page.goto(server.url);
    await check(page);
    const at = (re) => Object.entries(seen).find(([n]) => re.test(n))?.[1];
    const js = at(/^lazy-.*\.js$/);
    const css = at(/^lazy-.*\.css$/);
    const shared = at(/^shared-.*\.js$/);
    assert.ok(js !== undefined && css !== undefined && shared !== undefined, JSON.stringify(seen));
    // Requested while the chunk was held back (it was released 800 ms after `held`).
    assert.ok(css < held + 600, `css at ${css} ms, chunk held at ${held} ms: ${JSON.stringify(seen)}`);
    assert.ok(shared < held + 600, `shared chunk at ${shared} ms, chunk held at ${held} ms: ${JSON.stringify(seen)}`);
  } finally {
    await browser.close();
    await server.close();
  }
});
