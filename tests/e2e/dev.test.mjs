// `nexxo dev` in headless Chromium: the page renders, edits apply in place (state kept by React
// Fast Refresh), CSS updates without a reload, errors show an overlay that the next good save
// clears, and the server refuses what it must not serve. Both serving models run the same tests:
// bundled (the default: one script per entry) and --no-bundle (one request per module).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { copyFixture, decodeMappings, dev, launchChromium, rawGet, repoRoot, wsHandshakeStatus, waitForStyle, openPage } from "./helpers.mjs";

for (const mode of ["bundled", "esm"]) describe(mode, () => {
  let dir;
  let server;
  let browser;

  before(async () => {
    dir = copyFixture(`dev-react-${mode}`, path.join(repoRoot, "examples/react-ts"));
    server = await dev(dir, mode === "bundled" ? [] : ["--no-bundle"]);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  function edit(rel, fn) {
    const p = path.join(dir, rel);
    fs.writeFileSync(p, fn(fs.readFileSync(p, "utf8")));
  }

  async function openApp() {
    const { page, errors } = await openPage(browser, server.url);
    await page.locator("h1").waitFor();
    // Survives only if the page is never reloaded.
    await page.evaluate(() => (window.__nexxoMarker = "same page"));
    return { page, errors };
  }

  test("the app renders with env and CSS modules", async () => {
    // One ready line: URL, start-up time and cache hits.
    assert.match(server.output(), /dev server ready in \d+ ms at http:\/\/localhost:\d+\/ \(cache: \d+ hits, \d+ misses\)\n/);
    const { page, errors } = await openApp();
    const requested = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
    if (mode === "bundled") {
      assert.ok(requested.includes("/@nexxo/bundle"), requested.join(" "));
      assert.ok(!requested.some((p) => /^\/src\/.*\.(tsx?|jsx?|css)$/.test(p)), `no module fetched on its own: ${requested.join(" ")}`);
    } else {
      assert.ok(requested.includes("/src/App.tsx") && !requested.includes("/@nexxo/bundle"), requested.join(" "));
    }
    assert.equal(await page.locator("h1").textContent(), "Hello from .env");
    assert.equal(await page.locator('[data-testid="mode"]').textContent(), "mode: development");
    assert.equal(await page.locator("h1").evaluate((e) => getComputedStyle(e).color), "rgb(40, 80, 200)");
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(250, 250, 245)");
    // public/ is served at the root, as is.
    const icon = await page.evaluate(async () => {
      const r = await fetch("/favicon.svg");
      return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
    });
    assert.equal(icon.status, 200);
    assert.match(icon.type, /^image\/svg\+xml/);
    assert.equal(icon.body, fs.readFileSync(path.join(dir, "public/favicon.svg"), "utf8"));
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("editing a component updates the DOM and keeps its state (React Fast Refresh)", async () => {
    const { page } = await openApp();
    const counter = page.locator("button", { hasText: "count is" });
    await counter.click();
    await counter.click();
    assert.equal(await counter.textContent(), "count is 2");
    edit("src/App.tsx", (s) => s.replace("Load stats", "Load numbers"));
    await page.locator("button", { hasText: "Load numbers" }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("button", { hasText: "count is" }).textContent(), "count is 2");
    assert.equal(await page.evaluate(() => window.__nexxoMarker), "same page");
    await page.close();
  });

  test("CSS and CSS-module edits apply without a reload", async () => {
    const { page } = await openApp();
    edit("src/global.css", (s) => s.replace("rgb(250, 250, 245)", "rgb(10, 20, 30)"));
    await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(10, 20, 30)", null, { timeout: 10_000 });
    edit("src/App.module.css", (s) => s.replace("color: rgb(40, 80, 200);", "color: rgb(200, 0, 0);"));
    await waitForStyle(page, "h1", "color", "rgb(200, 0, 0)");
    assert.equal(await page.evaluate(() => window.__nexxoMarker), "same page");
    await page.close();
  });

  test("a syntax error shows the overlay with file and code frame; the fix clears it and applies", async () => {
    const { page } = await openApp();
    const good = fs.readFileSync(path.join(dir, "src/format.ts"), "utf8");
    edit("src/format.ts", (s) => s.replace("return `count is ${count}`;", "return `count is ${count}`;;\n  const = ;"));
    const overlay = page.locator("nexxo-error-overlay");
    await overlay.waitFor({ timeout: 10_000 });
    const text = await overlay.evaluate((e) => e.shadowRoot.textContent);
    assert.match(text, /src\/format\.ts:3:\d+/);
    assert.match(text, /const = ;/);
    assert.match(server.output(), /src\/format\.ts:3/);
    fs.writeFileSync(path.join(dir, "src/format.ts"), good.replace("count is", "clicks:"));
    await page.locator("button", { hasText: "clicks: 0" }).waitFor({ timeout: 10_000 });
    assert.equal(await overlay.count(), 0);
    await page.close();
  });

  test("source maps lead from what the browser runs back to the original TypeScript, after an update too", async () => {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    const scripts = [];
    cdp.on("Debugger.scriptParsed", (e) => scripts.push(e));
    await cdp.send("Debugger.enable");
    await page.goto(server.url);
    await page.locator("h1").waitFor();
    // The newest script running `needle` maps it to the line of App.tsx that has it now.
    const mapsBack = async (needle) => {
      const original = fs.readFileSync(path.join(dir, "src/App.tsx"), "utf8").split("\n");
      const want = original.findIndex((l) => l.includes(needle));
      assert.ok(want >= 0);
      for (const s of [...scripts].reverse().filter((s) => s.sourceMapURL)) {
        const { scriptSource } = await cdp.send("Debugger.getScriptSource", { scriptId: s.scriptId });
        const genLine = scriptSource.split("\n").findIndex((l) => l.includes(needle));
        if (genLine < 0) continue;
        const map = await (await fetch(new URL(s.sourceMapURL, new URL(s.url || "/", server.url)))).json();
        const app = map.sources.findIndex((src) => src === "/src/App.tsx");
        assert.ok(app >= 0, `${s.url}: ${map.sources}`);
        assert.match(map.sourcesContent[app], /useState<string \| null>/, "the original TypeScript");
        const lines = decodeMappings(map.mappings)[genLine].filter((seg) => seg.src === app).map((seg) => seg.line);
        assert.ok(lines.includes(want), `${needle}: generated line ${genLine} of ${s.url} maps to ${lines}, want ${want}`);
        return s.url;
      }
      assert.fail(`no script with a source map runs ${needle}`);
    };
    const first = await mapsBack("setStats(describe(count))");
    // Two lines more above it: the updated module's map must follow.
    await page.evaluate(() => (window.__nexxoMarker = "same page"));
    edit("src/App.tsx", (s) => `// two lines\n// pushed in\n${s.replace("Load stats", "Load maps").replace("Load numbers", "Load maps")}`);
    await page.locator("button", { hasText: "Load maps" }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.__nexxoMarker), "same page");
    const updated = await mapsBack("setStats(describe(count))");
    assert.notEqual(updated, first, "the update runs a new script");
    await page.close();
  });

  test("the dev server refuses traversal, dotfiles, foreign hosts and foreign WebSocket origins", async () => {
    fs.writeFileSync(path.join(dir, "..", "outside-secret.txt"), "TOP SECRET");
    fs.writeFileSync(path.join(dir, "..", "outside.html"), "<p>TOP SECRET</p>");
    fs.rmSync(path.join(dir, "src/link-out.txt"), { force: true });
    fs.rmSync(path.join(dir, "src/link-dir"), { force: true });
    fs.symlinkSync(path.join(dir, "..", "outside-secret.txt"), path.join(dir, "src/link-out.txt"));
    fs.symlinkSync(path.join(dir, ".."), path.join(dir, "src/link-dir"));
    // Vite's 2025 advisories (server.fs.deny bypasses) as a checklist: query tricks, trailing
    // separators, `#` in the request target, backslashes, HTML outside the root, symlinks out.
    const advisories = ["/.env?raw??", "/.env?import&raw??", "/.env?inline&import", "/.env?raw?import",
      "/.env?.svg?.wasm?init", "/.env/.", "/.env/", "/.env%5c", "/.env\\", "/.env#/src/main.tsx",
      "/src/main.tsx/../../.env", "/../outside.html", "/%2e%2e/outside.html", "/src/link-out.txt",
      "/src/link-out.txt?raw", "/src/link-out.txt?import", "/src/link-dir/outside-secret.txt?raw",
      "/src/link-dir/outside.html", "/@nexxo/bundle?entry=/src/link-out.txt", "/@fs/etc/passwd",
      `/@fs${path.join(dir, "..", "outside-secret.txt")}`, `/@fs${path.join(dir, ".env")}`,
      "/@nexxo/map?bundle=/../outside-secret.txt", "/@nexxo/map?url=/../outside-secret.txt", "/@nexxo/map?url=/.env",
      "/@nexxo/map?url=/src/link-out.txt&at=1"];
    for (const p of [...advisories,"/../outside-secret.txt", "/%2e%2e/outside-secret.txt", "/%252e%252e/outside-secret.txt",
      "/src/..%2f..%2foutside-secret.txt", "/..%5coutside-secret.txt", "/.env", "/%2eenv", "/.env?raw", "/.env?import",
      "/src/../../outside-secret.txt?import", "//outside-secret.txt", "/../outside-secret.txt?runner", "/.env?import&runner",
      "/@nexxo/bundle?entry=/../outside-secret.txt", "/@nexxo/bundle?entry=%2F.env", "/@nexxo/bundle?entry=/.env%3Fraw",
      "/@nexxo/bundle?entry=/src/..%252f..%252foutside-secret.txt%3Fraw"]) {
      const r = await rawGet(server.port, p);
      assert.ok([400, 403, 404].includes(r.status), `${p} -> ${r.status}`);
      assert.ok(!r.body.includes("TOP SECRET") && !r.body.includes("must-not-leak"), `${p} leaked content`);
    }
    const evil = await rawGet(server.port, "/", { Host: "evil.example" });
    assert.equal(evil.status, 403, "a foreign Host header must be refused (DNS rebinding)");
    assert.ok(!evil.body.includes("<div id=\"root\">"));
    assert.equal((await rawGet(server.port, "/", { Host: `localhost:${server.port}` })).status, 200);
    assert.equal(await wsHandshakeStatus(server.port, "http://evil.example"), 403);
    assert.equal(await wsHandshakeStatus(server.port, `http://localhost:${server.port}`), 101);
    const noCors = await fetch(new URL("/src/main.tsx", server.url));
    assert.equal(noCors.headers.get("access-control-allow-origin"), null);
  });

  test("editing .env reloads the page with the new import.meta.env; .env itself stays unserved", async () => {
    const { page } = await openApp();
    edit(".env", (s) => s.replace("Hello from .env", "Hello again from .env"));
    await page.locator("h1", { hasText: "Hello again from .env" }).waitFor({ timeout: 10_000 });
    assert.match(server.output(), /\.env changed/);
    for (const p of ["/.env", `/@fs${path.join(dir, ".env")}`]) {
      const r = await rawGet(server.port, p);
      assert.ok([403, 404].includes(r.status), `${p} -> ${r.status}`);
      assert.ok(!r.body.includes("must-not-leak"), `${p} leaked`);
    }
    await page.close();
  });
});
