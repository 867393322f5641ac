// The dev server's RocksDB cache on disk: reused by a second start, rebuilt when damaged or
// discarded with --force, usable after SIGKILL, safe with two servers on one project, and never
// serving a stored resolution that the files on disk contradict.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { copyFixture, dev, fixture, launchChromium, NEXXO, repoRoot } from "./helpers.mjs";

const cacheHits = (out) => Number(out.match(/cache: (\d+) hits/)?.[1] ?? NaN);

async function renders(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.locator("h1", { hasText: "Hello from .env" }).waitFor({ timeout: 15_000 });
  } finally {
    await browser.close();
  }
}

test("a second start reuses the cache; --force and damage rebuild it; the page stays right", async () => {
  const dir = copyFixture("dev-cache", path.join(repoRoot, "examples/react-ts"));
  const cacheDir = path.join(dir, ".nexxo/cache");

  let server = await dev(dir);
  assert.equal(cacheHits(server.output()), 0, server.output());
  await renders(server.url);
  await server.close();
  assert.ok(fs.existsSync(path.join(cacheDir, "CURRENT")), "RocksDB files on disk");

  server = await dev(dir);
  const warm = server.output();
  assert.ok(cacheHits(warm) >= 5, `expected cache hits on the second start: ${warm}`);
  await renders(server.url);
  await server.close();

  server = await dev(dir, ["--force"]);
  assert.equal(cacheHits(server.output()), 0, "--force must start from an empty cache");
  await server.close();

  // Damage every file of the database.
  for (const f of fs.readdirSync(cacheDir)) {
    if (f !== "LOCK") fs.writeFileSync(path.join(cacheDir, f), "\u0000garbage");
  }
  server = await dev(dir);
  assert.match(server.output(), /warning: the cache .* (unreadable|damaged).*rebuilding it/);
  await renders(server.url);
  await server.close();

  // Truncate every file to half its length (a disk that filled up, a copy cut short).
  for (const f of fs.readdirSync(cacheDir)) {
    const p = path.join(cacheDir, f);
    if (f !== "LOCK" && fs.statSync(p).isFile()) fs.truncateSync(p, Math.floor(fs.statSync(p).size / 2));
  }
  server = await dev(dir);
  assert.match(server.output(), /warning: the cache .* (unreadable|damaged).*rebuilding it/);
  await renders(server.url);
  await server.close();
  server = await dev(dir);
  assert.ok(cacheHits(server.output()) >= 5, `the rebuilt cache serves the next start: ${server.output()}`);
  await renders(server.url);
  await server.close();
});

test("stored resolutions are checked against the disk: a file added while the server was down wins", async () => {
  const dir = fixture("dev-resolve-cache", {
    "index.html": `<!doctype html><html><body><p id="w"></p><script type="module" src="/src/main.js"></script></body></html>`,
    "src/main.js": `import { where } from "./lib";\ndocument.getElementById("w").textContent = where;\n`,
    "src/lib/index.js": `export const where = "directory";\n`,
  });
  const browser = await launchChromium();
  const shows = async (url, text) => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.locator("#w", { hasText: /./ }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator("#w").textContent(), text);
    await page.close();
  };
  try {
    let server = await dev(dir);
    await shows(server.url, "directory");
    await server.close();
    server = await dev(dir);
    assert.ok(cacheHits(server.output()) >= 2, `transform and resolution come from the cache: ${server.output()}`);
    await shows(server.url, "directory");
    await server.close();
    // Node resolution prefers ./lib.js to ./lib/index.js: the stored result must not hide it.
    fs.writeFileSync(path.join(dir, "src/lib.js"), `export const where = "file";\n`);
    server = await dev(dir);
    await shows(server.url, "file");
    await server.close();
  } finally {
    await browser.close();
  }
});

test("SIGKILL while the cache is being written leaves a cache the next start can use or discard", async () => {
  // Enough modules that a cold start spends a while writing transforms to the cache.
  const files = {
    "index.html": `<!doctype html><html><body><p id="sum"></p><script type="module" src="/src/main.js"></script></body></html>`,
  };
  const count = 2000;
  for (let i = 0; i < count; i++) files[`src/m${i}.js`] = `export const v${i} = ${i};\n`;
  files["src/main.js"] = Array.from({ length: count }, (_, i) => `import { v${i} } from "./m${i}.js";`).join("\n") +
    `\ndocument.getElementById("sum").textContent = String(${Array.from({ length: count }, (_, i) => `v${i}`).join(" + ")});\n`;
  const dir = fixture("dev-kill-write", files);
  const cacheDir = path.join(dir, ".nexxo/cache");
  const expected = String((count * (count - 1)) / 2);
  let midWrite = 0;
  for (const delay of [10, 20, 35, 60, 100, 160]) {
    fs.rmSync(path.join(dir, ".nexxo"), { recursive: true, force: true });
    const child = spawn(NEXXO, ["dev", dir, "--port", "0"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await new Promise((r) => setTimeout(r, delay));
    const cacheStarted = fs.existsSync(path.join(cacheDir, "CURRENT"));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    if (cacheStarted && !out.includes("ready in")) midWrite++;
    const server = await dev(dir);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.locator("#sum", { hasText: /\d/ }).waitFor({ timeout: 15_000 });
      assert.equal(await page.locator("#sum").textContent(), expected, `killed after ${delay} ms`);
    } finally {
      await browser.close();
      await server.close();
    }
  }
  assert.ok(midWrite > 0, "at least one kill must land after the cache was opened and before start-up finished");
});

test("SIGKILL mid-run leaves a cache the next start can use; a second server gets a clear message", async () => {
  const dir = copyFixture("dev-kill", path.join(repoRoot, "examples/react-ts"));
  const first = await dev(dir);
  await renders(first.url);
  const second = await dev(dir);
  assert.match(second.output(), /in use by another Nexxo process; running without the persistent cache/);
  assert.match(second.output(), /cache: off/);
  await renders(second.url);
  await second.close();
  first.kill("SIGKILL");
  await first.exited;
  const again = await dev(dir);
  assert.ok(cacheHits(again.output()) >= 5, again.output());
  await renders(again.url);
  await again.close();
});
