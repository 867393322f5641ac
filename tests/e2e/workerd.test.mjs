// The edge build worker (worker/edge-workerd.js) under Cloudflare's workerd runtime, from npm:
// POST a project's sources, get the bundle; bad requests get a 4xx with the reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fixture, importBuilt, repoRoot } from "./helpers.mjs";

const WORKERD = path.join(repoRoot, "tests/.tools/node_modules/.bin/workerd");
let child;
let url;
let log = "";

before(async () => {
  const dir = fixture("workerd", { "README.txt": "workerd config for the edge worker test\n" });
  const rel = (p) => path.relative(dir, path.join(repoRoot, p));
  const port = 20000 + (process.pid % 20000);
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
  child = spawn(WORKERD, ["serve", path.join(dir, "config.capnp")], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workerd did not start:\n${log}`);
});

after(() => child?.kill());

const files = [
  { path: "nexxo.config.json", text: JSON.stringify({ build: { input: ["main.ts"] } }) },
  { path: "main.ts", text: "import { twice } from './twice';\nexport const answer: number = twice(21);\n" },
  { path: "twice.ts", text: "export const twice = (n: number): number => n * 2;\n" },
];
const post = (body) => fetch(`${url}/build`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

test("workerd runs the edge worker: sources in, a bundle that runs out", async () => {
  const res = await post({ files });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body).slice(0, 400) + log);
  const dir = fixture("workerd-out", { "entry.mjs": body.files.find((f) => f.kind === "entry").text });
  assert.equal((await importBuilt(path.join(dir, "entry.mjs"))).answer, 42);
});

test("workerd edge worker: located errors are 422, malformed requests 400, wrong routes 404/405", async () => {
  const broken = await post({ files: [files[0], files[1], { path: "twice.ts", text: "export const twice = (n) =>;\n" }] });
  assert.equal(broken.status, 422);
  const err = (await broken.json()).errors[0];
  assert.equal(err.file, "twice.ts");
  assert.equal(err.line, 1);
  assert.equal((await post("{")).status, 400);
  assert.equal((await post({ files: [] })).status, 400);
  assert.equal((await fetch(`${url}/build`)).status, 405);
  assert.equal((await fetch(`${url}/elsewhere`)).status, 404);
  // The worker is still serving after all that.
  assert.equal((await post({ files })).status, 200);
});
