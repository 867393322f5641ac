// Nexxo's engine in headless Chromium, as the playground and online IDEs run it: a module Web
// Worker compiles nexxo-engine.wasm with `WebAssembly.compileStreaming` from a page served by
// `nexxo preview` (ETag + revalidation), starts an instance and builds an in-memory generated
// React app several times. The page is loaded `--loads` times in one persistent Chromium profile
// (a real disk cache): Chromium keeps V8's compiled code for a streamed module in its code cache
// once enough of it has been optimized, so later loads should compile and build faster. Each
// load's V8 trace is searched for the code cache's events to say whether it was used.
//
//   node benches/browser-first.mjs [--components 150] [--loads 3] [--builds 3] [--wait 5000] [--hashed 1]
// `--hashed 1` serves the module as `assets/nexxo-engine-<hash>.wasm`, which `nexxo preview` marks
// `immutable` (no revalidation), instead of `engine/nexxo-engine.wasm` (`no-cache`, an ETag).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApp } from "./generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const { preview, projectFiles } = await import(path.join(repo, "tests/e2e/helpers.mjs"));
const { launchProfile, tracedPage } = await import("./chromium-cache.mjs");

const components = Number(args.components ?? 150);
const site = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-browser-first-"));
const app = path.join(site, "app");
const modules = generateApp(app, components);
for (const pkg of ["react", "react-dom", "scheduler"])
  fs.cpSync(path.join(here, "node_modules", pkg), path.join(app, "node_modules", pkg), { recursive: true });
const dist = path.join(site, "dist");
fs.mkdirSync(path.join(dist, "engine"), { recursive: true });
fs.copyFileSync(path.join(repo, "wasm/js/nexxo.js"), path.join(dist, "engine/nexxo.js"));
const wasmUrl = args.hashed ? "./assets/nexxo-engine-0a1b2c3d.wasm" : "./engine/nexxo-engine.wasm";
fs.mkdirSync(path.join(dist, "assets"), { recursive: true });
fs.copyFileSync(args.wasm ?? path.join(repo, "wasm/pkg/nexxo-engine.wasm"), path.join(dist, wasmUrl));
const files = projectFiles(app);
fs.writeFileSync(path.join(dist, "project.json"), JSON.stringify({ files }));
fs.writeFileSync(path.join(dist, "bench-worker.js"), `
import { NexxoEngine } from "./engine/nexxo.js";
self.onmessage = async ({ data }) => {
  const project = await (await fetch("./project.json")).json();
  let t = performance.now();
  const module = await WebAssembly.compileStreaming(fetch("${wasmUrl}"));
  const compile = performance.now() - t;
  t = performance.now();
  const engine = new NexxoEngine(module);
  const instantiate = performance.now() - t;
  const builds = [];
  for (let i = 0; i < data.builds; i++) {
    t = performance.now();
    const r = engine.build(project);
    builds.push(performance.now() - t);
    if (!r.ok) { postMessage({ error: JSON.stringify(r.errors) }); return; }
  }
  postMessage({ compile, instantiate, builds });
};
`);
fs.writeFileSync(path.join(dist, "index.html"), `<!doctype html><meta charset="utf-8"><title>first build</title>
<script type="module">
window.result = new Promise((resolve) => {
  const w = new Worker("./bench-worker.js", { type: "module" });
  w.onmessage = ({ data }) => resolve(data);
  w.postMessage({ builds: ${Number(args.builds ?? 3)} });
});
</script>`);

const server = await preview(site);
const { ctx, close } = await launchProfile();
console.log(`${modules} modules + react; ${(fs.statSync(path.join(dist, wasmUrl)).size / 1e6).toFixed(1)} MB module at ${wasmUrl}; Chromium ${ctx.browser()?.version() ?? ""}`);
console.log("| load | compileStreaming | instantiate | first build | later builds | code cache (trace) |");
console.log("| ---: | ---: | ---: | ---: | ---: | --- |");
for (let load = 1; load <= Number(args.loads ?? 3); load++) {
  const { page, stop } = await tracedPage(ctx);
  await page.goto(server.url);
  const r = await page.evaluate(() => window.result);
  // Give V8 time to finish tier-up and Chromium to write the code cache before the next load.
  await page.waitForTimeout(Number(args.wait ?? 5000));
  const cache = await stop();
  if (r.error) throw new Error(r.error);
  const ms = (x) => `${Math.round(x)} ms`;
  const later = r.builds.slice(1).sort((a, b) => a - b)[Math.floor((r.builds.length - 1) / 2)];
  console.log(`| ${load} | ${ms(r.compile)} | ${ms(r.instantiate)} | ${ms(r.builds[0])} | ${later === undefined ? "" : ms(later)} | ${cache} |`);
  await page.close();
}
await close();
await server.close();
fs.rmSync(site, { recursive: true, force: true });
