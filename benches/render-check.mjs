// Before a tool's time counts, its output must run: the built app is served over HTTP and opened
// in headless Chromium, and every generated component must render (the tree has one <div> per
// component under #root). A tool that builds fast but wrong does not get a time.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// Chromium (playwright-core) comes with the test harness (tests/package.json), not with the peers.
const { launchChromium } = await import(path.join(here, "../tests/e2e/chromium.mjs"));

/** Where each tool writes, and whether it writes a page (or only the entry script). */
export const OUTPUTS = {
  "nexxo-cold": { dir: "dist-nexxo" },
  nexxo: { dir: "dist-nexxo" },
  "nexxo-edit": { dir: "dist-nexxo" },
  "nexxo-watch": { dir: "dist-nexxo-watch" },
  "nexxo-watch-css": { dir: "dist-nexxo-watch" },
  "nexxo-wasmtime": { dir: "dist-nexxo-wasm" },
  "nexxo-wasm-js": { dir: "dist-nexxo-wasm-js" },
  vite: { dir: "dist-vite" },
  esbuild: { dir: "dist-esbuild", entry: "main.js", css: "main.css" },
  "esbuild-wasm": { dir: "dist-esbuild-wasm", entry: "main.js", css: "main.css" },
  bun: { dir: "dist-bun", entry: "main.js", css: "main.css" },
  rolldown: { dir: "dist-rolldown", entry: "main.js" },
  rspack: { dir: "dist-rspack", entry: "main.js" },
};

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".map": "application/json" };

let browser;
async function chromium() {
  if (!browser) {
    browser = await launchChromium();
  }
  return browser;
}

export async function closeRenderCheck() {
  await browser?.close();
  browser = undefined;
}

/**
 * Serves `tool`'s output of `app` and waits for `components` rendered components. Resolves to
 * `null` when they all render, or to what went wrong.
 */
export async function renderCheck(tool, app, components) {
  const out = OUTPUTS[tool];
  if (!out) return `no known output directory for ${tool}`;
  const dir = path.join(app, out.dir);
  if (!fs.existsSync(dir)) return `${tool} wrote no ${out.dir}/`;
  // Tools that write only scripts get the page the app's index.html would be.
  const page = out.entry
    ? `<!doctype html><html><head>${out.css && fs.existsSync(path.join(dir, out.css)) ? `<link rel="stylesheet" href="/${out.css}">` : ""}</head>` +
      `<body><div id="root"></div><script type="module" src="/${out.entry}"></script></body></html>`
    : null;
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (p === "/" && page) return res.writeHead(200, { "content-type": "text/html" }).end(page);
    const file = path.join(dir, p === "/" ? "index.html" : p);
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const tab = await (await chromium()).newPage();
  const errors = [];
  // An uncaught error fails the check at once rather than at the timeout.
  const failed = new Promise((_, reject) => tab.on("pageerror", (e) => (errors.push(e.message), reject(e))));
  failed.catch(() => {});
  try {
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    await Promise.race([
      tab.waitForFunction((n) => document.querySelectorAll("#root div").length >= n, components, { timeout: 60_000 }),
      failed,
    ]);
    return errors.length ? `page errors: ${errors.join("; ")}` : null;
  } catch (e) {
    const rendered = await tab.evaluate(() => document.querySelectorAll("#root div").length).catch(() => "?");
    return `${rendered} of ${components} components rendered${errors.length ? `; page errors: ${errors.join("; ")}` : ""} (${e.message.split("\n")[0]})`;
  } finally {
    await tab.close();
    server.close();
  }
}
