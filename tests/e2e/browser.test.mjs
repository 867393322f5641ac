// The built examples in headless Chromium, served by `nexxo preview`: rendered DOM, computed
// styles, assets, lazy chunks with their CSS, and the preview server's HTTP behaviour.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { buildOk, launchChromium, nexxo, preview, rawGet, repoRoot } from "./helpers.mjs";

const example = path.join(repoRoot, "examples/react-ts");
const outDir = path.join(repoRoot, "tests/.tmp", `react-ts-dist-${process.pid}`);
let browser;
let server;

before(async () => {
  fs.rmSync(outDir, { recursive: true, force: true });
  buildOk(example, ["--out-dir", outDir]);
  server = await preview(example, ["--out-dir", outDir]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("the React + TS example renders with env, CSS modules, global CSS and assets", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(server.url);
  const h1 = page.locator("h1");
  await h1.waitFor();
  assert.equal(await h1.textContent(), "Hello from .env");
  assert.equal(await page.locator('[data-testid="mode"]').textContent(), "mode: production");
  // CSS module: scoped class applied and styled.
  const h1Class = await h1.getAttribute("class");
  assert.ok(h1Class && h1Class !== "title" && h1Class.includes("title"), h1Class);
  assert.equal(await h1.evaluate((e) => getComputedStyle(e).color), "rgb(40, 80, 200)");
  // `composes` brings the composed class along.
  const button = page.locator("button").first();
  assert.equal((await button.getAttribute("class")).split(" ").length, 2);
  // Global CSS linked from index.html, including its @import.
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(250, 250, 245)");
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).margin), "0px");
  // The hashed image loads; the small SVG in CSS is inlined.
  const img = page.locator("img");
  await page.waitForFunction(() => document.querySelector("img")?.complete);
  assert.equal(await img.evaluate((e) => e.naturalWidth), 64);
  assert.match(await img.getAttribute("src"), /^\/assets\/logo-[0-9a-f]{8}\.png$/);
  assert.match(await img.evaluate((e) => getComputedStyle(e).backgroundImage), /data:image\/svg\+xml/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("state updates work and a dynamic import loads its chunk and its CSS on demand", async () => {
  const page = await browser.newPage();
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(server.url);
  const counter = page.locator("button", { hasText: "count is" });
  await counter.click();
  await counter.click();
  assert.equal(await counter.textContent(), "count is 2");
  assert.ok(!requested.some((p) => /\/assets\/stats-/.test(p)), "lazy chunk fetched before it was needed");
  await page.locator("button", { hasText: "Load stats" }).click();
  const stats = page.locator('[data-testid="stats"]');
  await stats.waitFor();
  assert.equal(await stats.textContent(), "clicked 2 times (even)");
  await page.waitForFunction(() => getComputedStyle(document.querySelector(".stats")).fontStyle === "italic");
  assert.equal(await stats.evaluate((e) => getComputedStyle(e).color), "rgb(0, 128, 0)");
  assert.ok(requested.some((p) => /\/assets\/stats-[\w-]+\.js$/.test(p)));
  assert.ok(requested.some((p) => /\/assets\/stats-[0-9a-f]{8}\.css$/.test(p)));
  await page.close();
});

test("preview serves correct MIME types, falls back to index.html for routes, 404s missing assets", async () => {
  const html = await fetch(server.url);
  assert.equal(html.status, 200);
  assert.match(html.headers.get("content-type"), /^text\/html/);
  const body = await html.text();
  const js = body.match(/src="(\/assets\/index-[\w-]+\.js)"/)[1];
  const css = body.match(/href="(\/assets\/index-[0-9a-f]{8}\.css)"/)[1];
  assert.match((await fetch(new URL(js, server.url))).headers.get("content-type"), /^text\/javascript/);
  assert.match((await fetch(new URL(css, server.url))).headers.get("content-type"), /^text\/css/);
  assert.equal((await fetch(new URL("/favicon.svg", server.url))).headers.get("content-type"), "image/svg+xml");
  const route = await fetch(new URL("/some/client/route", server.url));
  assert.equal(route.status, 200);
  assert.equal(await route.text(), body);
  assert.equal((await fetch(new URL("/assets/missing.js", server.url))).status, 404);
});

test("preview refuses paths outside the output directory and dotfiles", async () => {
  for (const p of ["/../package.json", "/%2e%2e/package.json", "/%252e%252e/package.json", "/assets/..%2f..%2fpackage.json",
    "/..%5c..%5cpackage.json", "/.nexxo/manifest.json", "/%2enexxo/manifest.json", "/.env"]) {
    const r = await rawGet(server.port, p);
    assert.ok([403, 404].includes(r.status), `${p} -> ${r.status}`);
    assert.ok(!r.body.includes("nexxo-example-react-ts") && !r.body.includes('"file"'), `${p} leaked content`);
  }
});

test("preview without a build tells the user to build first", () => {
  const r = nexxo(["preview", example, "--out-dir", path.join(outDir, "nope")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /run `nexxo build` first/);
});
