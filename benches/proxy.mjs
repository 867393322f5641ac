// Dev-server proxy (`server.proxy`): Nexxo against Vite 8 on the same app and the same backend.
// Measures, through each dev server, (1) the latency of small JSON requests one after another,
// (2) the throughput of 8 clients at once, (3) the time to the first byte of a streamed answer
// whose backend holds the rest for 200 ms, and (4) a 4 MB download. The backend is one Node
// process on this machine; each tool runs in turn, `--rounds` times, medians reported.
//
//   node proxy.mjs [--requests 400] [--rounds 3] [--tools nexxo,vite]
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const NEXXO = process.env.NEXXO_BIN ?? path.join(repo, "target/release/nexxo");
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const requests = Number(args.requests ?? 400);
const rounds = Number(args.rounds ?? 3);
const tools = (args.tools ?? "nexxo,vite").split(",");

const BIG = Buffer.alloc(4 << 20, "x");
const backend = http.createServer((req, res) => {
  if (req.url.startsWith("/stream")) {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("first");
    setTimeout(() => res.end("last"), 200);
  } else if (req.url.startsWith("/big")) {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": BIG.length });
    res.end(BIG);
  } else {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ url: req.url, ok: true }));
  }
});
await new Promise((r) => backend.listen(0, "127.0.0.1", r));
const target = `http://127.0.0.1:${backend.address().port}`;

const app = fs.mkdtempSync(path.join(os.tmpdir(), "nexxo-proxy-bench-"));
fs.writeFileSync(path.join(app, "index.html"), `<!doctype html><script type="module" src="/main.js"></script>`);
fs.writeFileSync(path.join(app, "main.js"), "export {};\n");
const proxy = { "/api": { target, changeOrigin: true, rewrite: { "^/api": "" } } };
fs.writeFileSync(path.join(app, "nexxo.config.json"), JSON.stringify({ server: { proxy } }));
fs.writeFileSync(
  path.join(app, "vite.config.mjs"),
  `export default { logLevel: "error", server: { proxy: { "/api": { target: ${JSON.stringify(target)}, changeOrigin: true, rewrite: (p) => p.replace(/^\\/api/, "") } } } };\n`,
);

const SERVERS = {
  nexxo: () => [NEXXO, ["dev", app, "--port", "5198", "--strict-port"], 5198],
  vite: () => [path.join(here, "node_modules/.bin/vite"), ["--port", "5199", "--strictPort", "--config", "vite.config.mjs"], 5199],
};

async function start(tool) {
  const [cmd, argv, port] = SERVERS[tool]();
  const child = spawn(cmd, argv, { cwd: app, env: { ...process.env, NO_COLOR: "1" }, stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://localhost:${port}/api/ready`)).ok) return { child, base: `http://localhost:${port}` };
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`${tool} did not answer through its proxy`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(base) {
  const lat = [];
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    const r = await fetch(`${base}/api/item/${i}?q=${i}`);
    const j = await r.json();
    if (j.url !== `/item/${i}?q=${i}`) throw new Error(`wrong answer ${JSON.stringify(j)}`);
    lat.push(performance.now() - t);
  }
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < requests) {
        next++;
        await (await fetch(`${base}/api/p`)).json();
      }
    }),
  );
  const rps = requests / ((performance.now() - t0) / 1000);
  const s0 = performance.now();
  const reader = (await fetch(`${base}/api/stream`)).body.getReader();
  await reader.read();
  const firstByte = performance.now() - s0;
  while (!(await reader.read()).done);
  const b0 = performance.now();
  const big = await (await fetch(`${base}/api/big`)).arrayBuffer();
  if (big.byteLength !== BIG.length) throw new Error("short download");
  return { p50: median(lat), p95: [...lat].sort((a, b) => a - b)[Math.floor(lat.length * 0.95)], rps, firstByte, big: performance.now() - b0 };
}

const results = Object.fromEntries(tools.map((t) => [t, []]));
for (let round = 0; round < rounds; round++) {
  for (const tool of tools) {
    const { child, base } = await start(tool);
    try {
      results[tool].push(await measure(base));
    } finally {
      child.kill();
      await new Promise((r) => child.once("exit", r));
    }
  }
}

console.log(`\n${requests} requests per run, ${rounds} rounds, ${os.cpus().length} cores, ${new Date().toISOString()}`);
console.log("| tool | latency p50 | p95 | 8 clients | first byte of a stream | 4 MB download |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const tool of tools) {
  const m = (k) => median(results[tool].map((r) => r[k]));
  console.log(
    `| ${tool} | ${m("p50").toFixed(2)} ms | ${m("p95").toFixed(2)} ms | ${Math.round(m("rps"))} req/s | ${m("firstByte").toFixed(1)} ms | ${m("big").toFixed(1)} ms |`,
  );
}
backend.close();
fs.rmSync(app, { recursive: true, force: true });
