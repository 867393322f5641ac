// Starts Cloudflare's workerd (from npm, in tests/.tools) serving the edge build worker
// (worker/edge-workerd.js) on a local port: for workerd.test.mjs and benches/edge.mjs.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fixture, repoRoot } from "./helpers.mjs";

export const WORKERD = path.join(repoRoot, "tests/.tools/node_modules/.bin/workerd");

/** Resolves `{ url, pid, log(), close() }` once `/health` answers. */
export async function startWorkerd(name = "workerd", port = 20000 + (process.pid % 20000)) {
  const dir = fixture(name, { "README.txt": "workerd config for the edge worker\n" });
  const rel = (p) => path.relative(dir, path.join(repoRoot, p));
  fs.writeFileSync(
    path.join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .edge) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const edge :Workerd.Worker = (
  modules = [
    (name = "worker/edge-workerd.js", esModule = embed "${rel("worker/edge-workerd.js")}"),
    (name = "worker/edge.js", esModule = embed "${rel("worker/edge.js")}"),
    (name = "wasm/js/nexxo.js", esModule = embed "${rel("wasm/js/nexxo.js")}"),
    (name = "wasm/pkg/nexxo-engine.wasm", wasm = embed "${rel("wasm/pkg/nexxo-engine.wasm")}"),
  ],
  compatibilityDate = "2026-11-01",
);
`,
  );
  const child = spawn(WORKERD, ["serve", path.join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const server = { url, pid: child.pid, log: () => log, close: () => child.kill() };
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return server;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`workerd did not start:\n${log}`);
}

/** The resident memory of process `pid` now, in MB (Linux). */
export function rssMb(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
  return Number(m?.[1] ?? 0) / 1024;
}
