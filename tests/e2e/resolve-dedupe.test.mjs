// `resolve.dedupe`: a monorepo's linked package (`node_modules/ui` -> `packages/ui`) that has its
// own copy of React (`packages/ui/node_modules/react`, installed for its own tests) would bundle a
// second React, and its hooks fail ("Invalid hook call"). Listing `react` in `resolve.dedupe`
// resolves it from the root wherever it is imported, as in Vite; `nexxo dev` pre-bundles one copy
// anyway.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, dev, fixture, launchChromium, openPage, preview, repoRoot } from "./helpers.mjs";

function app(config) {
  const dir = fixture("dedupe", {
    "index.html": `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><div id="root"></div>
<script type="module" src="/src/main.jsx"></script></body></html>`,
    "src/main.jsx": `import { createRoot } from "react-dom/client";
import { Counter } from "ui";
createRoot(document.getElementById("root")).render(<Counter />);
`,
    "packages/ui/package.json": JSON.stringify({ name: "ui", version: "1.0.0", type: "module", main: "index.jsx" }),
    "packages/ui/index.jsx": `import { useState } from "react";
export function Counter() {
  const [n, setN] = useState(0);
  return <button id="count" onClick={() => setN(n + 1)}>clicked {n}</button>;
}
`,
    ...(config ? { "nexxo.config.json": JSON.stringify(config) } : {}),
  });
  // The package's own React, and the link a workspace install makes.
  fs.cpSync(path.join(repoRoot, "tests/node_modules/react"), path.join(dir, "packages/ui/node_modules/react"), { recursive: true });
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  fs.symlinkSync("../packages/ui", path.join(dir, "node_modules/ui"), "dir");
  return dir;
}

async function clicks(server) {
  const browser = await launchChromium();
  try {
    const { page, errors } = await openPage(browser, server.url);
    await page.waitForTimeout(300);
    const rendered = await page.locator("#count").count();
    if (rendered) {
      await page.locator("#count").click();
      await page.locator("#count", { hasText: "clicked 1" }).waitFor({ timeout: 10_000 });
    }
    return { rendered: rendered === 1, errors };
  } finally {
    await browser.close();
    await server.close();
  }
}

test("a linked package with its own React: two copies without resolve.dedupe, one with it", async () => {
  const twice = app(null);
  buildOk(twice);
  const broken = await clicks(await preview(twice));
  assert.equal(broken.rendered, false, "two Reacts rendered a hook; the fixture does not show the problem");
  assert.match(broken.errors.join("\n"), /Invalid hook call|reading 'useState'|Minified React error #321/);

  const once = app({ resolve: { dedupe: ["react"] } });
  buildOk(once);
  assert.deepEqual(await clicks(await preview(once)), { rendered: true, errors: [] });
  // One copy in the bundle: the package's React (its `useState`, its element symbol) is not in it.
  const count = (dir, text) => {
    const js = fs.readdirSync(path.join(dir, "dist/assets")).filter((f) => f.endsWith(".js"));
    const code = js.map((f) => fs.readFileSync(path.join(dir, "dist/assets", f), "utf8")).join("\n");
    return code.split(text).length - 1;
  };
  assert.ok(count(once, "react.transitional.element") < count(twice, "react.transitional.element"));
  // `nexxo dev` pre-bundles the app's React for both.
  assert.deepEqual(await clicks(await dev(once)), { rendered: true, errors: [] });
});
