// JSX for another library than React: create-vite's preact-ts layout (tsconfig.json referencing
// tsconfig.app.json with `"jsxImportSource": "preact"`, and @preact/preset-vite left in
// vite.config.ts) and a classic `h` factory (`"jsx": "react"`, `"jsxFactory": "h"`) work in the
// build and in both dev models: the page renders with Preact, clicks update it, an edit in dev
// shows, and React is neither needed nor loaded.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { SERVE_MODES, buildOk, fixture, launchChromium, serveAs } from "./helpers.mjs";

const PREACT_TS = {
  "package.json": JSON.stringify({ name: "preact-ts", private: true, type: "module" }),
  "vite.config.ts": `import { defineConfig } from 'vite'
import preact from '@preact/preset-vite'

// https://vite.dev/config/
export default defineConfig({
  plugins: [preact()],
})
`,
  "tsconfig.json": `{
  "files": [],
  "references": [{ "path": "./tsconfig.app.json" }, { "path": "./tsconfig.node.json" }]
}
`,
  "tsconfig.app.json": `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "bundler",
    "jsx": "react-jsx",
    "jsxImportSource": "preact",
    /* Linting */
    "strict": true,
  },
  "include": ["src"]
}
`,
  "tsconfig.node.json": `{ "compilerOptions": { "module": "ESNext" }, "include": ["vite.config.ts"] }\n`,
  "index.html":
    '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.tsx"></script></body></html>',
  "src/main.tsx": `import { render } from 'preact'
import { App } from './app'

render(<App />, document.getElementById('app')!)
`,
  "src/app.tsx": `import { useState } from 'preact/hooks'

export function App() {
  const [count, setCount] = useState(0)
  return (
    <>
      <h1 id="title">Vite + Preact</h1>
      <button id="inc" onClick={() => setCount((c) => c + 1)}>count is {count}</button>
    </>
  )
}
`,
};

/** Serves `files` in every mode (a fixture each) and runs `check(page, errors, mode, dir, server)`
 * on a fresh page at the app's URL. */
async function inEveryMode(name, files, check) {
  const browser = await launchChromium();
  try {
    for (const mode of SERVE_MODES) {
      const dir = fixture(`${name}-${mode}`, files);
      const server = await serveAs(mode, dir);
      try {
        const page = await browser.newPage();
        const errors = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await check(page, errors, mode, dir, server);
        assert.deepEqual(errors, [], mode);
        await page.close();
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
  }
}

test("create-vite's preact-ts layout: tsconfig.app.json's jsxImportSource is used in the build and in dev; clicks work; an edit shows", async () => {
  // Nothing to say: the preset is built in, and tsconfig's JSX settings are not overridden.
  const built = buildOk(fixture("jsx-preact-quiet", PREACT_TS));
  assert.doesNotMatch(built.all, /warning/i, built.all);
  await inEveryMode("jsx-preact", PREACT_TS, async (page, errors, mode, dir, server) => {
    if (mode !== "build") {
      // The preset is noted as built in (JSX through tsconfig), so nothing is said about it.
      assert.doesNotMatch(server.output(), /warning/i, server.output());
    }
    const requested = [];
    page.on("request", (r) => requested.push(r.url()));
    await page.goto(server.url);
    await page.locator("#inc", { hasText: "count is 0" }).waitFor({ timeout: 15_000 });
    await page.click("#inc");
    await page.click("#inc");
    await page.locator("#inc", { hasText: "count is 2" }).waitFor();
    assert.equal(requested.filter((u) => /\/react[-@/]|react-dom/.test(u)).length, 0, `${mode}: no React: ${requested.join("\n")}`);
    if (mode !== "build") {
      assert.deepEqual(errors, [], mode);
      fs.writeFileSync(path.join(dir, "src/app.tsx"), PREACT_TS["src/app.tsx"].replace("Vite + Preact", "Edited + Preact"));
      await page.locator("#title", { hasText: "Edited + Preact" }).waitFor({ timeout: 15_000 });
    }
  });
});

test("a classic JSX factory from tsconfig (`jsx: react`, `jsxFactory: h`) in the build and in dev", async () => {
  const files = {
    "tsconfig.json": JSON.stringify({ compilerOptions: { jsx: "react", jsxFactory: "h", jsxFragmentFactory: "Fragment" } }),
    "index.html": '<!doctype html><html><body><div id="app"></div><script type="module" src="/src/main.tsx"></script></body></html>',
    "src/main.tsx": `import { h, Fragment, render } from 'preact'

render(<><p id="p">classic {1 + 1}</p></>, document.getElementById('app')!)
`,
  };
  const built = buildOk(fixture("jsx-classic-quiet", files));
  assert.doesNotMatch(built.all, /warning/i, built.all);
  await inEveryMode("jsx-classic", files, async (page, _errors, _mode, _dir, server) => {
    await page.goto(server.url);
    await page.locator("#p", { hasText: "classic 2" }).waitFor({ timeout: 15_000 });
  });
});
