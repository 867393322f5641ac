// The playground's engine under content-hashed names, in headless Chromium with a persistent
// profile (a returning visitor's disk cache): `nexxo build web` emits the worker and the engine
// module as assets/nexxo-worker-<hash>.js and assets/nexxo-engine-<hash>.wasm, `nexxo preview`
// serves them `immutable`, and a reload or a later visit runs the engine without requesting either
// again (not even a revalidation, which is what could lose Chromium's compiled-code cache), and
// the page still builds. The first download is gzipped. A counting proxy in front of `nexxo preview` sees every request Chromium
// sends.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { buildOk, preview, repoRoot } from "./helpers.mjs";
import { launchChromiumProfile } from "./chromium.mjs";

const web = path.join(repoRoot, "web");
const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

/** An HTTP proxy to `target` that records each request's path, method and answer. */
function countingProxy(target) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const up = http.request(new URL(req.url, target), { method: req.method, headers: req.headers }, (r) => {
      seen.push({ path: req.url, status: r.statusCode, cacheControl: r.headers["cache-control"], encoding: r.headers["content-encoding"] });
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on("error", (e) => res.writeHead(502).end(String(e)));
    req.pipe(up);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}/`, seen, close: () => new Promise((r) => server.close(r)) }),
    ),
  );
}

test("playground: the engine is served under hashed, immutable names; a reload and a return visit do not request it again", async () => {
  buildOk(web, ["--force"]);
  const assets = fs.readdirSync(path.join(web, "dist/assets"));
  const wasm = assets.filter((f) => /^nexxo-engine-[\w-]{8}\.wasm$/.test(f));
  const worker = assets.filter((f) => /^nexxo-worker-[\w-]{8}\.js$/.test(f));
  assert.equal(wasm.length, 1, `one hashed engine module in dist/assets: ${assets.join(", ")}`);
  assert.equal(worker.length, 1, "one hashed worker");
  assert.equal(
    fs.existsSync(path.join(web, "dist/engine")),
    false,
    "no unhashed copy of the engine is shipped (a web/public/engine/ left by an older scripts/build-wasm.sh: delete it)",
  );
  const server = await preview(web);
  cleanup.push(() => server.close());
  const proxy = await countingProxy(server.url);
  cleanup.push(() => proxy.close());

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-pg-profile-"));
  cleanup.push(() => fs.rmSync(profile, { recursive: true, force: true }));
  const launch = () => launchChromiumProfile(profile);
  const problems = [];
  /** Loads the playground (or reloads it): the preview runs on the engine, and Build works. */
  const visit = async (page, how) => {
    page.on("pageerror", (e) => problems.push(e.message));
    await (how === "reload" ? page.reload() : page.goto(proxy.url));
    await page.frameLocator("#preview").locator("#inc").waitFor({ timeout: 60_000 });
    await page.evaluate(() => delete document.body.dataset.build);
    await page.click("#build");
    await page.waitForFunction(() => ["ok", "failed"].includes(document.body.dataset.build), null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.build), "ok", await page.locator("#errors").textContent());
  };
  const engineRequests = () => proxy.seen.filter((r) => r.path.includes("nexxo-engine") || r.path.includes("nexxo-worker"));

  let context = await launch();
  const page = context.pages()[0] ?? (await context.newPage());
  await visit(page, "goto");
  const first = engineRequests();
  assert.deepEqual(
    first.map((r) => [r.path, r.status, r.cacheControl, r.encoding]).sort(),
    [
      [`/assets/${wasm[0]}`, 200, "public, max-age=31536000, immutable", "gzip"],
      [`/assets/${worker[0]}`, 200, "public, max-age=31536000, immutable", "gzip"],
    ],
    "the first visit downloads both, gzipped, marked immutable",
  );
  // The page itself is revalidated on a reload (it names the current hashes)...
  const pageRequests = proxy.seen.filter((r) => r.path === "/").length;
  await visit(page, "reload");
  assert.ok(proxy.seen.filter((r) => r.path === "/").length > pageRequests, "the page was requested again");
  // ...the engine is not: neither downloaded nor revalidated.
  assert.deepEqual(engineRequests(), first, "a reload requests neither the worker nor the engine module");

  // A return visit in a new browser process on the same profile (the disk cache).
  await context.close();
  context = await launch();
  await visit(context.pages()[0] ?? (await context.newPage()), "goto");
  assert.deepEqual(engineRequests(), first, "a return visit requests neither");
  await context.close();
  assert.deepEqual(problems, []);
});
