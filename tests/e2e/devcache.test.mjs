// The dev server's RocksDB cache on disk: reused by a second start, rebuilt when damaged or
// discarded with --force, usable after SIGKILL, and safe with two servers on one project.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { copyFixture, dev, launchChromium, repoRoot } from "./helpers.mjs";

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
