// The real playground (web/, built by `nexxo build web`, served by `nexxo preview`) loaded several
// times in one persistent Chromium profile, as a returning visitor: per load, the time from
// navigation to the preview running (the engine's worker started, the module compiled, the dev
// session built), the first Build's time as the page reports it, whether the engine module was
// requested (the page's resource timing of the worker is not visible here, so the server's view: a
// counting proxy), and V8's code-cache events in the load's trace.
//
//   node benches/playground-loads.mjs [--loads 4] [--wait 5000] [--web web]
// Build web first: target/release/nexxo build web (`--web` serves another checkout's web/dist).
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const { preview } = await import(path.join(repo, "tests/e2e/helpers.mjs"));
const { launchProfile, tracedPage } = await import("./chromium-cache.mjs");

const server = await preview(path.resolve(args.web ?? path.join(repo, "web")));
const seen = [];
const proxy = http.createServer((req, res) => {
  const up = http.request(new URL(req.url, server.url), { method: req.method, headers: req.headers }, (r) => {
    seen.push({ path: req.url, status: r.statusCode });
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  req.pipe(up);
});
await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${proxy.address().port}/`;

const { ctx, close } = await launchProfile();
console.log(`Chromium ${ctx.browser()?.version() ?? ""}`);
console.log("| load | preview running | first Build | engine requests | code cache (trace) |");
console.log("| ---: | ---: | ---: | --- | --- |");
for (let load = 1; load <= Number(args.loads ?? 4); load++) {
  const { page, stop } = await tracedPage(ctx);
  const before = seen.length;
  const t = Date.now();
  await page.goto(url);
  await page.frameLocator("#preview").locator("#inc").waitFor({ timeout: 120_000 });
  const running = Date.now() - t;
  await page.click("#build");
  await page.waitForFunction(() => ["ok", "failed"].includes(document.body.dataset.build), null, { timeout: 120_000 });
  const build = /in (\d+)ms/.exec(await page.locator("#build-output").textContent())?.[1];
  // Give V8 time to finish tier-up and Chromium to write the code cache before the next load.
  await page.waitForTimeout(Number(args.wait ?? 5000));
  const cache = await stop();
  const engine = seen.slice(before).filter((r) => /nexxo-(engine|worker)/.test(r.path)).map((r) => `${r.path.split("/").pop()} ${r.status}`);
  console.log(`| ${load} | ${running} ms | ${build} ms | ${engine.join(", ") || "none"} | ${cache} |`);
  await page.close();
}
await close();
proxy.close();
await server.close();
