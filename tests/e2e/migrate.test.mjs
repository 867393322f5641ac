// `nexxo migrate`: a Vite config that is data becomes nexxo.config.json, and the app then builds
// and renders under Nexxo; a config that is code is refused at its line; an existing
// nexxo.config.json is kept unless --force. Without nexxo.config.json, build/dev/preview run with the
// Vite config translated in memory, and warn once about what it sets that cannot be translated.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, dev, fixture, launchChromium, nexxo, preview, openPage } from "./helpers.mjs";

// What `npm create vite` (react-ts) gives, plus the alias, port and outDir apps commonly add.
const VITE_CONFIG = `import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import path from 'node:path'

// https://vite.dev/config/
export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      '@': path.resolve(__dirname, './src'),
    },
  },
  server: { port: 3000, hmr: true },
  build: { outDir: 'build' },
})
`;

const APP = {
  "vite.config.ts": VITE_CONFIG,
  ".env": "VITE_TITLE=Hello from .env\n",
  "index.html":
    '<!doctype html><html lang="en"><head><meta charset="UTF-8" /><title>Vite + React + TS</title></head>' +
    '<body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>',
  "src/main.tsx": `import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import App from '@/App'

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>)
`,
  "src/App.tsx": `import { useState } from 'react'
import { label } from '@/lib/label'

export default function App() {
  const [count, setCount] = useState(0)
  return (
    <main>
      <h1>{import.meta.env.VITE_TITLE}</h1>
      <button onClick={() => setCount((c: number) => c + 1)}>{label(count)}</button>
    </main>
  )
}
`,
  "src/lib/label.ts": "export const label = (n: number): string => `count is ${n}`;\n",
};

test("a Vite react-ts config migrates, then the app builds and renders in Chromium", async () => {
  const dir = fixture("migrate-react", APP);
  const r = nexxo(["migrate", dir]);
  assert.equal(r.status, 0, r.all);
  // What was not translated is reported at its place in vite.config.ts.
  assert.match(r.stderr, /warning: .*vite\.config\.ts:7:13: plugin `react\(\)` is built in: Nexxo does JSX, React Fast Refresh and TS itself/);
  assert.match(r.stderr, /vite\.config\.ts:13:25: `server\.hmr` has no Nexxo equivalent/);
  assert.match(r.stdout, /wrote .*nexxo\.config\.json .*3 fields translated, 2 notes/);
  const config = JSON.parse(fs.readFileSync(path.join(dir, "nexxo.config.json"), "utf8"));
  assert.deepEqual(config, { resolve: { alias: { "@": "./src" } }, server: { port: 3000 }, build: { outDir: "build" } });
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes(".tmp")), [], "no temporary file left");

  buildOk(dir);
  assert.ok(fs.existsSync(path.join(dir, "build/index.html")), "build.outDir was honoured");
  const server = await preview(dir);
  const browser = await launchChromium();
  try {
    const { page, errors } = await openPage(browser, server.url);
    await page.waitForSelector("button");
    assert.equal(await page.textContent("h1"), "Hello from .env");
    assert.equal(await page.textContent("button"), "count is 0");
    await page.click("button");
    await page.waitForFunction(() => document.querySelector("button").textContent === "count is 1");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test("a config whose function runs code is refused at its line, and nothing is written", () => {
  const dir = fixture("migrate-code", {
    "vite.config.js": `import { defineConfig, loadEnv } from 'vite'

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), '')
  return { base: env.BASE_PATH }
})
`,
  });
  const r = nexxo(["migrate", dir]);
  assert.equal(r.status, 1, r.all);
  assert.match(r.stderr, /vite\.config\.js:4:3: the config is a function with statements/);
  assert.match(r.stderr, /> 4 \|   const env = loadEnv/);
  assert.match(r.stderr, /hint: .*nexxo\.config\.json by hand/);
  assert.ok(!fs.existsSync(path.join(dir, "nexxo.config.json")));

  // No config at all, and bad usage.
  const empty = fixture("migrate-none", { "index.html": "<p>x</p>" });
  const none = nexxo(["migrate", empty]);
  assert.equal(none.status, 1, none.all);
  assert.match(none.stderr, /no Vite config in .*vite\.config\.js/);
  assert.equal(nexxo(["migrate", empty, "--no-such-flag"]).status, 2);
});

test("an existing nexxo.config.json is kept without --force; --dry-run writes nothing", () => {
  const dir = fixture("migrate-existing", {
    "vite.config.mjs": "export default { base: '/app/', build: { sourcemap: true } }\n",
    "nexxo.config.json": '{ "base": "/mine/" }\n',
  });
  const kept = nexxo(["migrate", dir]);
  assert.equal(kept.status, 1, kept.all);
  assert.match(kept.stderr, /nexxo\.config\.json already exists; nothing written/);
  assert.match(kept.stderr, /--force/);
  assert.equal(fs.readFileSync(path.join(dir, "nexxo.config.json"), "utf8"), '{ "base": "/mine/" }\n');

  const dry = nexxo(["migrate", dir, "--dry-run"]);
  assert.equal(dry.status, 0, dry.all);
  assert.deepEqual(JSON.parse(dry.stdout), { base: "/app/", build: { sourcemap: true } });
  assert.equal(fs.readFileSync(path.join(dir, "nexxo.config.json"), "utf8"), '{ "base": "/mine/" }\n');

  const forced = nexxo(["migrate", path.join(dir, "vite.config.mjs"), "--force"]);
  assert.equal(forced.status, 0, forced.all);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "nexxo.config.json"), "utf8")), {
    base: "/app/",
    build: { sourcemap: true },
  });
});

// A page that builds whatever the Vite config says: the config, not the app, is what is checked.
const PAGE = {
  "index.html": '<!doctype html><html><body><script type="module" src="/src/main.ts"></script></body></html>',
  "src/main.ts": "document.body.append('hi')\n",
};

test("without nexxo.config.json, build, dev and preview run with vite.config.ts: its alias, base and outDir apply in Chromium; what it cannot translate is one warning", async () => {
  const config = VITE_CONFIG.replace("import path", "import legacy from '@vitejs/plugin-legacy'\nimport path").replace(
    "plugins: [react()],",
    "plugins: [react(), legacy()],\n  base: '/app/',",
  );
  const dir = fixture("vite-config-read", { ...APP, "vite.config.ts": config });
  const built = nexxo(["build", dir]);
  assert.equal(built.status, 0, built.all);
  assert.match(built.stdout, /config: vite\.config\.ts \(as `nexxo migrate` translates it\): base, resolve\.alias, server\.port, build\.outDir/);
  assert.match(
    built.stderr,
    /^warning: vite\.config\.ts: Nexxo runs without what it cannot translate: plugin `legacy\(\)` \(vite\.config\.ts:8:22\), `server\.hmr` \(vite\.config\.ts:15:25\)$/m,
  );
  assert.equal(built.all.match(/warning/g).length, 1, built.all);
  assert.match(fs.readFileSync(path.join(dir, "build/index.html"), "utf8"), /src="\/app\/assets\//, "base and outDir apply");

  const browser = await launchChromium();
  try {
    for (const start of [preview, dev]) {
      const server = await start(dir);
      try {
        assert.match(server.url, /\/app\/$/);
        // The warning is on stderr, the ready line on stdout: either pipe may be read first.
        for (let i = 0; i < 100 && !/warning/.test(server.output()); i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(server.output().match(/warning/g)?.length, 1, server.output());
        const { page, errors } = await openPage(browser, server.url);
        await page.locator("button", { hasText: "count is 0" }).waitFor({ timeout: 15_000 });
        assert.equal(await page.textContent("h1"), "Hello from .env");
        await page.click("button");
        await page.locator("button", { hasText: "count is 1" }).waitFor();
        assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await server.close();
      }
    }
  } finally {
    await browser.close();
  }

  // Once nexxo.config.json exists, it is the config, and nothing is said about vite.config.ts.
  fs.writeFileSync(path.join(dir, "nexxo.config.json"), '{ "base": "/other/", "resolve": { "alias": { "@": "./src" } } }\n');
  const own = buildOk(dir);
  assert.doesNotMatch(own.all, /warning|vite\.config/i, own.all);
  assert.match(fs.readFileSync(path.join(dir, "dist/index.html"), "utf8"), /src="\/other\/assets\//);
});

test("a vite.config Nexxo does anyway (create-vite's plugins: [react()]) or a nexxo.config.json: nothing said", () => {
  const template = `import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// https://vite.dev/config/
export default defineConfig({
  plugins: [react()],
})
`;
  const quiet = fixture("unread-template", { ...PAGE, "vite.config.ts": template });
  const r = buildOk(quiet);
  assert.doesNotMatch(r.all, /warning|vite\.config/i, r.all);

  const mine = fixture("unread-has-nexxo-config", {
    ...PAGE,
    "vite.config.mjs": "export default { base: '/app/', plugins: [legacy()] }\n",
    "nexxo.config.json": '{ "base": "/mine/" }\n',
  });
  const own = buildOk(mine);
  assert.doesNotMatch(own.all, /warning|vite\.config/i, own.all);
  // --config names the Nexxo config too.
  const elsewhere = fixture("unread-config-flag", {
    ...PAGE,
    "vite.config.js": "export default { base: '/app/' }\n",
    "conf/nexxo.json": "{}\n",
  });
  const flagged = buildOk(elsewhere, ["--config", path.join(elsewhere, "conf/nexxo.json")]);
  assert.doesNotMatch(flagged.all, /warning|vite\.config/i, flagged.all);
});

test("a vite.config that does not parse, or is code that fails, is a warning, not an error", () => {
  const broken = fixture("unread-broken", { ...PAGE, "vite.config.js": "export default {\n  base: '/app/',,\n}\n" });
  const r = nexxo(["build", broken]);
  assert.equal(r.status, 0, r.all);
  assert.match(r.stderr, /^warning: vite\.config\.js is not read: cannot parse the Vite config: .* \(vite\.config\.js:2:\d+\)$/m);
  assert.match(r.stderr, /if the app needs what it sets, write nexxo\.config\.json/);

  const code = fixture("unread-code", {
    ...PAGE,
    "vite.config.ts": "export default defineConfig(({ mode }) => {\n  const env = loadEnv(mode, '.')\n  return { base: env.BASE }\n})\n",
  });
  const c = nexxo(["build", code]);
  assert.equal(c.status, 0, c.all);
  // It is run as Vite would run it, and fails (it uses defineConfig without importing it); then
  // it is read as data, which it is not.
  assert.match(c.stderr, /^warning: vite\.config\.ts could not be run: defineConfig is not defined; it is read as data$/m);
  assert.match(c.stderr, /^vite\.config\.ts is not read: the config is a function with statements .* \(vite\.config\.ts:2:3\)/m);
  // Not applied: the build is at the root.
  assert.match(fs.readFileSync(path.join(code, "dist/index.html"), "utf8"), /src="\/assets\//);
});
