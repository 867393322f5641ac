// A Vite config that is code (Vite's "Conditional config" and "Using environment variables in
// config" patterns: a function of { command, mode } calling loadEnv) is run with Node.js, as Vite
// runs it, when there is no nexxo.config.json: what it returns for `build` and for `serve`
// applies, in Chromium. Without the project's `vite` package, Nexxo's stand-in gives loadEnv. A
// config that throws is a warning, and the build goes on.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, dev, fixture, launchChromium, nexxo, preview, openPage } from "./helpers.mjs";

const CONFIG = `import { defineConfig, loadEnv } from 'vite'
import react from '@vitejs/plugin-react'
import { fileURLToPath, URL } from 'node:url'

// https://vite.dev/config/#conditional-config
export default defineConfig(({ command, mode }) => {
  const env = loadEnv(mode, process.cwd(), '')
  return {
    plugins: [react()],
    base: env.APP_BASE,
    define: { __APP_VERSION__: JSON.stringify(command === 'serve' ? \`\${env.APP_VERSION} (serve)\` : env.APP_VERSION) },
    resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  }
})
`;

const APP = {
  "vite.config.ts": CONFIG,
  ".env": "APP_BASE=/shop/\nAPP_VERSION=1.2.3\n",
  ".env.development": "APP_VERSION=1.2.3-dev\n",
  "index.html":
    '<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>',
  "src/main.tsx": `import { createRoot } from 'react-dom/client'
import { App } from '@/App'

createRoot(document.getElementById('root')!).render(<App />)
`,
  "src/App.tsx": `declare const __APP_VERSION__: string

export function App() {
  return <h1 id="v">{__APP_VERSION__} at {import.meta.env.BASE_URL}</h1>
}
`,
};

const leftovers = (dir) => fs.readdirSync(dir).filter((f) => f.includes(".timestamp-"));

test("a vite.config.ts that is code (loadEnv, command, mode) is run as Vite runs it: build, preview and dev get what it returns for them", async () => {
  const dir = fixture("vite-config-run", APP);
  const built = buildOk(dir);
  assert.match(built.stdout, /config: vite\.config\.ts \(run with Node\.js, as Vite does\): base, define, resolve\.alias/);
  // Nothing lost: react() is built in. (@vitejs/plugin-react is not installed here: Nexxo's
  // stand-in answers the config's import of it, so it is never loaded.)
  assert.doesNotMatch(built.all, /warning/i, built.all);
  assert.deepEqual(leftovers(dir), [], "the temporary config module is removed");
  assert.match(fs.readFileSync(path.join(dir, "dist/index.html"), "utf8"), /src="\/shop\/assets\//);

  const browser = await launchChromium();
  try {
    for (const [start, shown] of [
      [preview, "1.2.3 at /shop/"],
      [dev, "1.2.3-dev (serve) at /shop/"],
    ]) {
      const server = await start(dir);
      try {
        const { page, errors } = await openPage(browser, server.url);
        await page.locator("#v").waitFor({ timeout: 15_000 });
        assert.equal(await page.textContent("#v"), shown);
        assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await server.close();
      }
      assert.deepEqual(leftovers(dir), []);
    }
  } finally {
    await browser.close();
  }

  // --mode picks the .env files the config reads (\`preview\` runs it for "serve", as Vite does, so
  // the preview above served the build's base because the config's base does not depend on it).
  buildOk(dir, ["--mode", "development", "--force"]);
  const js = fs.readdirSync(path.join(dir, "dist/assets")).find((f) => f.endsWith(".js"));
  assert.match(fs.readFileSync(path.join(dir, "dist/assets", js), "utf8"), /1\.2\.3-dev/);
});

test("without the vite package, a config's loadEnv and defineConfig come from Nexxo's stand-in; a config that throws is a warning and the build goes on", () => {
  // Outside the tests' node_modules, where `vite` does not resolve.
  const outside = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "nexxo-vite-config-"));
  try {
    fs.writeFileSync(
      path.join(outside, "vite.config.mjs"),
      `import { defineConfig, loadEnv } from 'vite'
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, __dirname)
  return { base: env.VITE_BASE, build: { outDir: mode === 'production' ? 'public_html' : 'out' } }
})
`,
    );
    fs.writeFileSync(path.join(outside, ".env"), "VITE_BASE=/from-env/\nVITE_NAME=app\n");
    fs.writeFileSync(path.join(outside, ".env.production"), "VITE_BASE=/prod/$VITE_NAME/\n");
    fs.writeFileSync(path.join(outside, "index.html"), '<!doctype html><script type="module" src="/main.js"></script>');
    fs.writeFileSync(path.join(outside, "main.js"), "document.title = import.meta.env.BASE_URL\n");
    const r = nexxo(["build", outside]);
    assert.equal(r.status, 0, r.all);
    assert.match(r.stdout, /config: vite\.config\.mjs \(run with Node\.js, as Vite does\): base, build\.outDir/);
    assert.match(fs.readFileSync(path.join(outside, "public_html/index.html"), "utf8"), /src="\/prod\/app\/assets\//);

    fs.writeFileSync(
      path.join(outside, "vite.config.mjs"),
      "export default ({ mode }) => {\n  if (mode) throw new Error('no config for ' + mode)\n  return {}\n}\n",
    );
    const failed = nexxo(["build", outside]);
    assert.equal(failed.status, 0, failed.all);
    assert.match(failed.stderr, /warning: vite\.config\.mjs could not be run: no config for production; it is read as data/);
    assert.match(failed.stderr, /vite\.config\.mjs is not read: the config is a function with statements .*\(vite\.config\.mjs:2:3\)/);
    assert.ok(fs.existsSync(path.join(outside, "dist/index.html")), "built with the defaults");
    assert.deepEqual(leftovers(outside), []);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
