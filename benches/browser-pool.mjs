// The browser worker's pool (worker/nexxo-worker.js `?pool=N`) in headless Chromium: a generated
// React app of about 1,000 modules opened as a dev session (`session.open`: every module
// transformed and put in runner form) five times in a worker with 0, 1, 2 and 4 helper workers,
// then an edit of 3 modules (`session.update`). Each run starts a fresh worker per pool size, in turn (paired:
// the sizes share the machine's state), and waits for the engine to load before timing. Medians of
// `--runs` runs; ratios are medians of each run's paired ratio. The last two columns cover the five opens and the update: how long the session's
// instance was suspended waiting for its helpers, and how long the helpers worked (their JSON
// included).
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
const { preview, projectFiles, launchChromium, copyWorkerLayout } = await import(path.join(repo, "tests/e2e/helpers.mjs"));

const components = Number(args.components ?? 476);
const runs = Number(args.runs ?? 3);
const pools = String(args.pools ?? "0,1,2,4").split(",").map(Number);
const site = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-browser-pool-"));
const app = path.join(site, "app");
const modules = generateApp(app, components);
const dist = path.join(site, "dist");
copyWorkerLayout(dist);
// The page supplies React (as the playground's preview does), so the session is the app's modules.
fs.writeFileSync(path.join(dist, "project.json"), JSON.stringify({
  files: projectFiles(app).filter((f) => !/\.config\.mjs$/.test(f.path)),
  externals: ["react", "react-dom/client", "react/jsx-dev-runtime", "react/jsx-runtime"],
}));
// How much of an open the jobs are: an engine whose pool declines every batch (so it runs them
// itself, through JSPI all the same) keeps the jobs of its last open; a second, plain instance
// then runs them as `dev.jobs` calls, warm. Run after the opens, so the code is tiered up.
fs.writeFileSync(path.join(dist, "jobs-worker.js"), `
import { NexxoEngine } from "./wasm/js/nexxo.js";
self.onmessage = async ({ data: project }) => {
  const module = await WebAssembly.compileStreaming(fetch("./wasm/pkg/nexxo-engine.wasm"));
  let stash = [];
  const declining = new NexxoEngine(module, { runJobs: async (jobs) => (stash.push(jobs), null) });
  const plain = new NexxoEngine(module);
  const opens = [], syncOpens = [], jobs = [];
  for (let i = 0; i < 5; i++) {
    stash = [];
    let t = performance.now();
    await declining.openSession("s" + i, project);
    opens.push(performance.now() - t);
    t = performance.now();
    plain.openSession("s" + i, project);
    syncOpens.push(performance.now() - t);
  }
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    for (const j of stash) JSON.parse(plain.callJson('{"op":"dev.jobs","jobs":' + j + '}'));
    jobs.push(performance.now() - t);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  postMessage({ open: median(opens.slice(2)), syncOpen: median(syncOpens.slice(2)), jobs: median(jobs), batches: stash.length,
    count: stash.reduce((n, j) => n + JSON.parse(j).length, 0) });
};
`);
fs.writeFileSync(path.join(dist, "index.html"), `<!doctype html><meta charset="utf-8"><title>pool</title>
<script type="module">
import { createNexxoWorker } from "./worker/client.js";
window.measure = async (pool) => {
  const project = await (await fetch("./project.json")).json();
  const nexxo = createNexxoWorker("./worker/nexxo-worker.js", { pool });
  await nexxo.version(); // the module compiled, the instance and the helpers started
  // V8 tiers the module's hot code up in the background for several opens: the first open runs
  // mostly baseline code, the later ones optimized code.
  const opens = [];
  let start;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    start = await nexxo.openSession("s" + i, project);
    opens.push(performance.now() - t);
    if (!start.ok) throw new Error(JSON.stringify(start.errors));
  }
  const open = opens[0];
  const again = opens.slice(2).sort((a, b) => a - b)[1];
  const edits = ["src/u1.ts", "src/u2.ts", "src/c3.tsx"].map((p) => project.files.find((f) => f.path === p))
    .map((f) => ({ path: f.path, text: f.text.replace("% 1000", "% 999") }));
  const t = performance.now();
  const u = await nexxo.updateSession("s0", edits, []);
  const update = performance.now() - t;
  if (!u.ok) throw new Error(JSON.stringify(u.errors));
  const info = await nexxo.poolInfo();
  nexxo.terminate();
  return { modules: start.modules.length, open, again, update, helperJobs: info.jobs.reduce((a, b) => a + b, 0), size: info.size,
    calls: info.calls, waited: info.waitedMs, busy: info.busyMs.reduce((a, b) => a + b, 0) };
};
window.jobShare = async () => {
  const project = await (await fetch("./project.json")).json();
  const w = new Worker("./jobs-worker.js", { type: "module" });
  const r = await new Promise((resolve) => { w.onmessage = ({ data }) => resolve(data); w.postMessage(project); });
  w.terminate();
  return r;
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
    console.error(`run ${run} pool ${pool}: open ${r.open.toFixed(0)} ms, warm ${r.again.toFixed(0)} ms, update ${r.update.toFixed(0)} ms, ${r.helperJobs} helper jobs in ${r.calls} pool calls; waited ${r.waited.toFixed(0)} ms, helpers busy ${r.busy.toFixed(0)} ms`);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// Ratios are paired: each run's time over the first pool size's time in the same run, then the
// median of those (the machine's state changes more between runs than within one).
const ratio = (pool, k) => median(results[pool].map((r, i) => r[k] / results[pools[0]][i][k]));
console.log(`${results[pools[0]][0].modules} modules (${modules} files generated), ${runs} runs, Chromium ${browser.version()}, ${os.cpus().length} cores`);
console.log("| helpers | session.open (first in the worker) | vs. first row | session.open (warm: median of opens 3-5) | vs. first row | update (3 modules) | jobs on helpers | session waited for helpers | helpers busy (sum) |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const pool of pools) {
  const rs = results[pool];
  const m = (k) => median(rs.map((r) => r[k]));
  const size = rs[0].size === pool ? `${pool}` : `${pool} (ran ${rs[0].size})`;
  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(`| ${size} | ${ms(m("open"))} | ${ratio(pool, "open").toFixed(2)}x | ${ms(m("again"))} | ${ratio(pool, "again").toFixed(2)}x | ${m("update").toFixed(1)} ms | ${m("helperJobs")} | ${ms(m("waited"))} | ${ms(m("busy"))} |`);
}
const share = await page.evaluate(() => window.jobShare());
console.log(`\nWarm, in one worker (median of opens 3-5): session.open ${share.syncOpen.toFixed(0)} ms (plain instance), ` +
  `${share.open.toFixed(0)} ms (JSPI instance whose pool declines every batch); its ${share.count} jobs in ${share.batches} batches, ` +
  `run again as dev.jobs calls with their JSON: ${share.jobs.toFixed(0)} ms.`);
await browser.close();
await server.close();
fs.rmSync(site, { recursive: true, force: true });
