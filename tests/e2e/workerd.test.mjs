// The edge build worker (worker/edge-workerd.js) under Cloudflare's workerd runtime, from npm:
// POST a project's sources, get the bundle; bad requests get a 4xx with the reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fixture, importBuilt } from "./helpers.mjs";
import { startWorkerd } from "./workerd-run.mjs";

let server;
let url;
const log = () => server?.log() ?? "";

before(async () => {
  server = await startWorkerd();
  url = server.url;
});

after(() => server?.close());

const files = [
  { path: "nexxo.config.json", text: JSON.stringify({ build: { input: ["main.ts"] } }) },
  { path: "main.ts", text: "import { twice } from './twice';\nexport const answer: number = twice(21);\n" },
  { path: "twice.ts", text: "export const twice = (n: number): number => n * 2;\n" },
];
const post = (body) => fetch(`${url}/build`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

test("workerd runs the edge worker: sources in, a bundle that runs out", async () => {
  const res = await post({ files });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body).slice(0, 400) + log());
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

test("workerd edge worker: one warm engine instance serves request after request, its memory bounded", async () => {
  const health = async () => (await (await fetch(`${url}/health`)).json()).engine;
  const before = await health();
  for (let i = 0; i < 4; i++) assert.equal((await post({ files })).status, 200);
  const after = await health();
  assert.equal(after.builds - before.builds, 4);
  assert.equal(after.instances, Math.max(1, before.instances), "no instance per request");
  assert.ok(after.memoryBytes > 0 && after.memoryBytes <= 64 << 20, `engine memory ${after.memoryBytes}`);
});
