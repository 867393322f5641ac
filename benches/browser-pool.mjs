// The browser worker's pool (worker/nexxo-worker.js `?pool=N`) in headless Chromium: a generated
// React app of about 1,000 modules opened as a dev session (`session.open`: every module
// transformed and put in runner form) in a worker with 0, 1, 2 and 4 helper workers, then an edit
// of 3 modules (`session.update`). Each run starts a fresh worker per pool size, in turn (paired:
// the sizes share the machine's state), and waits for the engine to load before timing. Medians of
// `--runs` runs.
//
//   node benches/browser-pool.mjs [--components 476] [--runs 3] [--pools 0,1,2,4]
// 476 components make 1,001 modules (a component, its util, a CSS module for every tenth, main).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateApp } from "./generate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const { preview, projectFiles, launchChromium } = await import(path.join(repo, "tests/e2e/helpers.mjs"));

const components = Number(args.components ?? 476);
const runs = Number(args.runs ?? 3);
const pools = String(args.pools ?? "0,1,2,4").split(",").map(Number);
const site = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-browser-pool-"));
const app = path.join(site, "app");
const modules = generateApp(app, components);
const dist = path.join(site, "dist");
fs.mkdirSync(path.join(dist, "engine"), { recursive: true });
for (const [from, to] of [
  ["worker/nexxo-worker.js", "engine/nexxo-worker.js"],
  ["worker/client.js", "engine/client.js"],
  ["wasm/js/nexxo.js", "engine/nexxo.js"],
  ["wasm/pkg/nexxo-engine.wasm", "engine/nexxo-engine.wasm"],
])
  fs.copyFileSync(path.join(repo, from), path.join(dist, to));
// The page supplies React (as the playground's preview does), so the session is the app's modules.
fs.writeFileSync(path.join(dist, "project.json"), JSON.stringify({
  files: projectFiles(app).filter((f) => !/\.config\.mjs$/.test(f.path)),
  externals: ["react", "react-dom/client", "react/jsx-dev-runtime", "react/jsx-runtime"],
}));
fs.writeFileSync(path.join(dist, "index.html"), `<!doctype html><meta charset="utf-8"><title>pool</title>
<script type="module">
import { createNexxoWorker } from "./engine/client.js";
window.measure = async (pool) => {
  const project = await (await fetch("./project.json")).json();
  const nexxo = createNexxoWorker("./engine/nexxo-worker.js", { pool });
  await nexxo.version(); // the module compiled, the instance and the helpers started
  let t = performance.now();
  const start = await nexxo.openSession("a", project);
  const open = performance.now() - t;
  if (!start.ok) throw new Error(JSON.stringify(start.errors));
  t = performance.now();
  await nexxo.openSession("b", project);
  const again = performance.now() - t;
  const edits = ["src/u1.ts", "src/u2.ts", "src/c3.tsx"].map((p) => project.files.find((f) => f.path === p))
    .map((f) => ({ path: f.path, text: f.text.replace("% 1000", "% 999") }));
  t = performance.now();
  const u = await nexxo.updateSession("a", edits, []);
  const update = performance.now() - t;
  if (!u.ok) throw new Error(JSON.stringify(u.errors));
  const info = await nexxo.poolInfo();
  nexxo.terminate();
  return { modules: start.modules.length, open, again, update, helperJobs: info.jobs.reduce((a, b) => a + b, 0), size: info.size };
};
</script>`);

const server = await preview(site);
const browser = await launchChromium();
const page = await browser.newPage();
await page.goto(server.url);
await page.waitForFunction(() => typeof window.measure === "function");
const results = Object.fromEntries(pools.map((p) => [p, []]));
for (let run = 1; run <= runs; run++) {
  for (const pool of pools) {
    const r = await page.evaluate((pool) => window.measure(pool), pool);
    results[pool].push(r);
    console.error(`run ${run} pool ${pool}: open ${r.open.toFixed(0)} ms, again ${r.again.toFixed(0)} ms, update ${r.update.toFixed(0)} ms, ${r.helperJobs} helper jobs`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results[pools[0]].map((r) => r.open));
console.log(`${results[pools[0]][0].modules} modules (${modules} files generated), ${runs} runs, Chromium ${browser.version()}, ${os.cpus().length} cores`);
console.log("| helpers | session.open (first in the worker) | vs. first row | session.open (again) | update (3 modules) | jobs on helpers |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
for (const pool of pools) {
  const rs = results[pool];
  const m = (k) => median(rs.map((r) => r[k]));
  const size = rs[0].size === pool ? `${pool}` : `${pool} (ran ${rs[0].size})`;
  console.log(`| ${size} | ${m("open").toFixed(0)} ms | ${(m("open") / base).toFixed(2)}x | ${m("again").toFixed(0)} ms | ${m("update").toFixed(1)} ms | ${m("helperJobs")} |`);
}
await browser.close();
await server.close();
fs.rmSync(site, { recursive: true, force: true });
