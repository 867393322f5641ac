// Vite's "Backend Integration": a page that another server renders (Laravel, Rails, Django on
// their own port) loads the dev server's client and the app's entry from the dev server's origin,
// with React's preamble as Vite's docs write it; in production that server reads the build's
// manifest (`build.manifest`) to write the script and style tags. Here the backend is a Node
// server on another port, and the page runs in Chromium.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { NEXXO, PNG_1PX, backgroundImage, buildOk, fixture, launchChromium, openPage, wsHandshakeStatus } from "./helpers.mjs";

const PNG = Buffer.concat([PNG_1PX, Buffer.alloc(6000)]);

const app = {
  "src/main.tsx": `import { createRoot } from "react-dom/client";
import { App } from "./App";
import "./main.css";
createRoot(document.getElementById("root")!).render(<App />);
`,
  "src/App.tsx": `import { useState } from "react";
import logo from "./logo.png";
export function App() {
  const [count, setCount] = useState(0);
  return (
    <main>
      <h1 id="title">backend app</h1>
      <img id="logo" src={logo} />
      <button id="inc" onClick={() => setCount((c) => c + 1)}>count {count}</button>
    </main>
  );
}
`,
  "src/main.css": `h1 { color: rgb(1, 2, 3) }\nmain { background: url("./bg.png") no-repeat }\n`,
  "src/logo.png": PNG,
  "src/bg.png": Buffer.concat([PNG, Buffer.from("bg")]),
};

/** A free TCP port on this machine. */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A "backend": answers every GET with `page()`, and files under `files` at `/build/`. */
function backend(page, files) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url, "http://x");
      if (files && url.pathname.startsWith("/build/")) {
        const file = path.join(files, url.pathname.slice("/build/".length));
        if (!file.startsWith(files) || !fs.existsSync(file)) return res.writeHead(404).end();
        const type = { ".js": "text/javascript", ".css": "text/css", ".png": "image/png" }[path.extname(file)];
        return res.writeHead(200, { "content-type": type ?? "application/octet-stream" }).end(fs.readFileSync(file));
      }
      res.writeHead(200, { "content-type": "text/html" }).end(page());
    });
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://localhost:${server.address().port}/` }));
  });
}

/** Checks the React app on the backend's page: rendered, styled, its images from `assetOrigin`. */
async function checkApp(page, assetOrigin) {
  await page.locator("#inc", { hasText: "count 0" }).waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector("#logo").complete, null, { timeout: 10_000 });
  const seen = await page.evaluate(() => ({
    color: getComputedStyle(document.querySelector("#title")).color,
    logo: document.querySelector("#logo").naturalWidth,
    logoSrc: document.querySelector("#logo").src,
  }));
  const { url: bg, status: bgStatus } = await backgroundImage(page, "main");
  Object.assign(seen, { bg, bgStatus });
  assert.equal(seen.color, "rgb(1, 2, 3)");
  assert.equal(seen.logo, 1, seen.logoSrc);
  assert.ok(seen.logoSrc.startsWith(assetOrigin), `${seen.logoSrc} is not under ${assetOrigin}`);
  assert.ok(seen.bg.startsWith(assetOrigin), `${seen.bg} is not under ${assetOrigin}`);
  assert.equal(seen.bgStatus, 200);
  await page.locator("#inc").click();
  await page.locator("#inc", { hasText: "count 1" }).waitFor({ timeout: 10_000 });
}

describe("nexxo dev behind a backend's page (Vite's backend integration)", () => {
  let dir;
  let devProc;
  let devOrigin;
  let site;
  let browser;
  before(async () => {
    const port = await freePort();
    devOrigin = `http://127.0.0.1:${port}`;
    dir = fixture("backend-dev", {
      ...app,
      // `server.origin`: the app's asset URLs name the dev server, not the backend.
      "nexxo.config.json": JSON.stringify({ server: { origin: devOrigin } }),
    });
    devProc = spawn(NEXXO, ["dev", dir, "--port", String(port), "--strict-port"], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nexxo dev did not start:\n${out}`)), 60_000);
      const on = (d) => {
        out += d;
        if (/http:\/\/localhost:\d+\//.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      devProc.stdout.on("data", on);
      devProc.stderr.on("data", on);
    });
    // The tags Vite's guide tells a backend to write in development, React's preamble included.
    site = await backend(
      () => `<!doctype html><html><head>
<script type="module">
  import RefreshRuntime from '${devOrigin}/@react-refresh'
  RefreshRuntime.injectIntoGlobalHook(window)
  window.$RefreshReg$ = () => {}
  window.$RefreshSig$ = () => (type) => type
  window.__vite_plugin_react_preamble_installed__ = true
</script>
<script type="module" src="${devOrigin}/@vite/client"></script>
<script type="module" src="${devOrigin}/src/main.tsx"></script>
</head><body><div id="root"></div></body></html>`,
    );
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    site?.server.close();
    devProc?.kill();
  });

  test("the page runs the app from the dev server; an edit updates it in place, state kept", async () => {
    const { page, errors } = await openPage(browser, site.url);
    await checkApp(page, devOrigin);
    // One HMR connection, to the dev server (not the backend), and React Fast Refresh: the
    // component is replaced and its state (count 1) survives.
    const file = path.join(dir, "src/App.tsx");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("backend app", "edited app"));
    await page.locator("#title", { hasText: "edited app" }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator("#inc").textContent(), "count 1");
    // A style sheet edit applies without a reload, too.
    fs.writeFileSync(path.join(dir, "src/main.css"), fs.readFileSync(path.join(dir, "src/main.css"), "utf8").replace("rgb(1, 2, 3)", "rgb(4, 5, 6)"));
    await page.waitForFunction(() => getComputedStyle(document.querySelector("#title")).color === "rgb(4, 5, 6)", null, { timeout: 15_000 });
    assert.equal(await page.locator("#inc").textContent(), "count 1");
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("only pages of this machine may load the app's sources or open the HMR socket (server.cors)", async () => {
    const from = async (origin, init = {}) => fetch(`${devOrigin}/src/App.tsx`, { ...init, headers: { Origin: origin, ...init.headers } });
    const ok = await from(site.url.replace(/\/$/, ""));
    assert.equal(ok.headers.get("access-control-allow-origin"), site.url.replace(/\/$/, ""));
    assert.match(ok.headers.get("vary") ?? "", /Origin/);
    const evil = await from("https://evil.example");
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    const preflight = await from("http://localhost:9999", {
      method: "OPTIONS",
      headers: { "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-token" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-headers"), "x-token");
    const port = Number(new URL(devOrigin).port);
    assert.equal(await wsHandshakeStatus(port, "https://evil.example"), 403);
    assert.equal(await wsHandshakeStatus(port, site.url.replace(/\/$/, "")), 101);
  });
});

describe("nexxo build for a backend: build.manifest", () => {
  test("the backend writes the tags from .vite/manifest.json; the page runs in Chromium", async () => {
    const dir = fixture("backend-build", {
      ...app,
      "nexxo.config.json": JSON.stringify({ base: "/build/", build: { manifest: true, input: ["src/main.tsx"] } }),
    });
    buildOk(dir);
    const dist = path.join(dir, "dist");
    const manifest = JSON.parse(fs.readFileSync(path.join(dist, ".vite/manifest.json"), "utf8"));
    const entry = manifest["src/main.tsx"];
    assert.equal(entry.isEntry, true);
    assert.match(entry.file, /^assets\/main-[\w-]{8}\.js$/);
    assert.equal(entry.css.length, 1);
    // What laravel-vite-plugin / django-vite do with it.
    const site = await backend(
      () => `<!doctype html><html><head>
${entry.css.map((c) => `<link rel="stylesheet" href="/build/${c}">`).join("\n")}
<script type="module" src="/build/${entry.file}"></script>
</head><body><div id="root"></div></body></html>`,
      dist,
    );
    const browser = await launchChromium();
    try {
      const { page, errors } = await openPage(browser, site.url);
      await checkApp(page, new URL("/build/assets/", site.url).href);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      site.server.close();
    }
    // A path of the user's choosing (laravel-vite-plugin's `manifest.json`); a bad one is refused.
    fs.writeFileSync(path.join(dir, "nexxo.config.json"), JSON.stringify({ build: { manifest: "manifest.json", input: ["src/main.tsx"] } }));
    buildOk(dir);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dist, "manifest.json"), "utf8"))["src/main.tsx"].isEntry, true);
    assert.ok(!fs.existsSync(path.join(dist, ".vite")));
  });
});
