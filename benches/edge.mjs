// The edge build worker (worker/edge.js) in Cloudflare's workerd, as an edge platform runs it:
// per project size, a fresh workerd (so the first request is a cold isolate's), then `--requests`
// POST /build of the same generated React app (packages included, as edge builds need). Prints
// each request's time, workerd's resident memory after it, and what the worker's `/health` says
// of its engine instance (the WebAssembly memory it holds). An isolate of Cloudflare Workers has
// 128 MB: the instance's memory plus the JavaScript heap (the request and the response) must fit.
//
//   node benches/edge.mjs [--components 20,300,1100] [--requests 5] [--sourcemap]
// workerd comes from tests/.tools (`npm ci --prefix tests/.tools`, done by scripts/setup.sh).
import os from "node:os";
import path from "node:path";
import { appWithReact, readAppFiles } from "./generate.mjs";
import { rssMb, startWorkerd } from "../tests/e2e/workerd-run.mjs";

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const key = process.argv[i].replace(/^--/, "");
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith("--")) args[key] = true;
  else args[key] = process.argv[++i];
}
const sizes = String(args.components ?? "20,300,1100").split(",").map(Number);
const requests = Number(args.requests ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
for (const components of sizes) {
  const app = path.join(os.tmpdir(), `nexxo-edge-${components}`);
  appWithReact(app, components);
  const files = readAppFiles(app);
  const body = JSON.stringify({ files, ...(args.sourcemap ? { overrides: { sourcemap: true } } : {}) });
  const server = await startWorkerd(`edge-bench-${components}`);
  const idle = rssMb(server.pid);
  const samples = [];
  try {
    for (let i = 0; i < requests; i++) {
      const t = performance.now();
      const res = await fetch(`${server.url}/build`, { method: "POST", body });
      const out = await res.json();
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(`status ${res.status}: ${JSON.stringify(out).slice(0, 500)}\n${server.log()}`);
      const health = await (await fetch(`${server.url}/health`)).json();
      samples.push({ ms, rss: rssMb(server.pid), engine: health.engine });
    }
  } finally {
    server.close();
  }
  const last = samples.at(-1);
  rows.push({ components, files: files.length, mb: body.length / 1e6, idle, samples });
  console.log(
    `${components} components (${files.length} files, ${(body.length / 1e6).toFixed(1)} MB request): ` +
      samples.map((s) => `${s.ms.toFixed(0)} ms / ${s.rss.toFixed(0)} MB`).join(", ") +
      (last.engine ? `; engine memory ${(last.engine.memoryBytes / 2 ** 20).toFixed(0)} MB (peak ${(last.engine.peakBytes / 2 ** 20).toFixed(0)} MB), instances started ${last.engine.instances}` : ""),
  );
}

console.log(`\nworkerd (tests/.tools), ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 16)} UTC; ${requests} requests per size, each size in a fresh workerd`);
console.log("| app | request | cold request | later (median) | workerd RSS idle -> after each | engine memory (peak) | instances |");
console.log("| --- | ---: | ---: | ---: | --- | ---: | ---: |");
for (const r of rows) {
  const engine = r.samples.at(-1).engine;
  console.log(
    `| ${r.components} components, ${r.files} files | ${r.mb.toFixed(1)} MB | ${r.samples[0].ms.toFixed(0)} ms | ` +
      `${r.samples.length > 1 ? `${median(r.samples.slice(1).map((s) => s.ms)).toFixed(0)} ms` : "-"} | ${r.idle.toFixed(0)} -> ${r.samples.map((s) => s.rss.toFixed(0)).join(", ")} MB | ` +
      `${engine ? `${(engine.peakBytes / 2 ** 20).toFixed(0)} MB | ${engine.instances}` : "- | -"} |`,
  );
}
