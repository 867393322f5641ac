// The WASI build of the engine in wasmtime: `nexxo build --engine wasm` must write exactly what
// the native engine writes, and `nexxo worker` must serve builds with limits that end a bad job
// and keep the service up.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { buildOk, dev, fixture, importBuilt, nexxo, readTree, startWorker } from "./helpers.mjs";
import { pageProject, reactProject, vanillaProject } from "./parity-fixtures.mjs";

function buildBoth(dir, extra = []) {
  buildOk(dir, ["--force", "--out-dir", "dist-native", ...extra]);
  const r = buildOk(dir, ["--force", "--engine", "wasm", "--out-dir", "dist-wasm", ...extra]);
  assert.match(r.stdout, /wasm engine: .*(compiled|cache)/);
  return [readTree(path.join(dir, "dist-native")), readTree(path.join(dir, "dist-wasm"))];
}

function assertSameTrees(native, wasm) {
  assert.deepEqual(Object.keys(wasm).sort(), Object.keys(native).sort());
  for (const p of Object.keys(native)) assert.ok(native[p].equals(wasm[p]), `${p} differs between engines`);
}

test("--engine wasm writes the same bytes as the native engine (page, assets, CSS, source maps)", () => {
  const dir = pageProject();
  const [native, wasm] = buildBoth(dir, ["--sourcemap"]);
  assert.ok(Object.keys(native).some((p) => p.endsWith(".png")), "the fixture exercises binary assets");
  assert.ok(Object.keys(native).some((p) => p.endsWith(".map")), "and source maps");
  assertSameTrees(native, wasm);
});

test("--engine wasm matches native on the React example and the vanilla example", () => {
  for (const dir of [reactProject(), vanillaProject()]) {
    const [native, wasm] = buildBoth(dir);
    assert.ok(Object.keys(native).length > 2);
    assertSameTrees(native, wasm);
  }
});

test("--engine wasm reports build errors with their location, like native", () => {
  const dir = fixture("wasm-err", {
    "index.html": '<script type="module" src="/src/main.ts"></script>',
    "src/main.ts": "const ok = 1;\nconst broken = ;\n",
  });
  const native = nexxo(["build", dir]);
  const wasm = nexxo(["build", dir, "--engine", "wasm"]);
  assert.equal(native.status, 1);
  assert.equal(wasm.status, 1);
  assert.match(wasm.stderr, /src\/main\.ts:2:16/);
  assert.match(wasm.stderr, /const broken = ;/);
  assert.match(wasm.stderr, /build failed with 1 error/);
});

test("a missing or damaged engine module is a clear error, not a crash", () => {
  const dir = fixture("wasm-missing", { "index.html": "<p>hi</p>" });
  const missing = nexxo(["build", dir, "--engine", "wasm"], { env: { NEXXO_ENGINE_WASM: path.join(dir, "nope.wasm") } });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read .*nope\.wasm/);
  fs.writeFileSync(path.join(dir, "bad.wasm"), "not wasm at all");
  const bad = nexxo(["build", dir, "--engine", "wasm"], { env: { NEXXO_ENGINE_WASM: path.join(dir, "bad.wasm") } });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /cannot compile the engine/);
});

test("--engine wasm reads packages hoisted into a node_modules above the project, like native", () => {
  // Fixtures live under tests/.tmp: `react` resolves from tests/node_modules, outside the root.
  const dir = fixture("wasm-hoisted", {
    "index.html": '<div id="root"></div><script type="module" src="/src/main.jsx"></script>',
    "src/main.jsx": "import { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')).render(<p>hoisted</p>);\n",
  });
  assert.ok(!fs.existsSync(path.join(dir, "node_modules")));
  const [native, wasm] = buildBoth(dir);
  assertSameTrees(native, wasm);
});

test("the WASM engine sees only the project: a file outside the root is not readable (documented exception)", () => {
  const outer = fixture("wasm-outside", {
    "secret.js": "export const secret = 'outside';\n",
    "app/index.html": '<script type="module" src="/main.js"></script>',
    "app/main.js": "import { secret } from '../secret.js';\nconsole.log(secret);\n",
  });
  const dir = path.join(outer, "app");
  assert.equal(nexxo(["build", dir]).status, 0, "native reads the whole disk");
  const wasm = nexxo(["build", dir, "--engine", "wasm", "--out-dir", "dist-wasm"]);
  assert.equal(wasm.status, 1, wasm.all);
  assert.match(wasm.all, /secret\.js/);
  assert.ok(!fs.existsSync(path.join(dir, "dist-wasm")));

  // Nor through a symlink inside the project that points out of it.
  fs.writeFileSync(path.join(dir, "main.js"), "import { secret } from './link.js';\nconsole.log(secret);\n");
  fs.symlinkSync(path.join(outer, "secret.js"), path.join(dir, "link.js"));
  assert.equal(nexxo(["build", dir]).status, 0, "native follows the link");
  const linked = nexxo(["build", dir, "--engine", "wasm", "--out-dir", "dist-wasm"]);
  assert.equal(linked.status, 1, linked.all);
  assert.match(linked.all, /link\.js/);

  // A package linked in from outside (`npm link`): the user is told why it will not resolve.
  fs.mkdirSync(path.join(outer, "pkg"));
  fs.writeFileSync(path.join(outer, "pkg/package.json"), '{ "name": "pkg", "main": "index.js" }');
  fs.writeFileSync(path.join(outer, "pkg/index.js"), "export const secret = 'linked';\n");
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(outer, "pkg"), path.join(dir, "node_modules/pkg"));
  fs.writeFileSync(path.join(dir, "main.js"), "import { secret } from 'pkg';\nconsole.log(secret);\n");
  assert.equal(nexxo(["build", dir]).status, 0, "native follows the link");
  const npmLinked = nexxo(["build", dir, "--engine", "wasm", "--out-dir", "dist-wasm"]);
  assert.equal(npmLinked.status, 1, npmLinked.all);
  assert.match(npmLinked.all, /warning: the WASM engine cannot read 1 package linked from outside the project: \S*node_modules\/pkg -> /);
  assert.match(npmLinked.all, /install the package there instead of linking it/);
});

test("nexxo dev --engine wasm keeps its transforms in the project's RocksDB cache: a second start hits it", async () => {
  const dir = fixture("wasm-dev-cache", {
    "index.html": '<div id="app"></div><script type="module" src="/src/main.ts"></script>',
    "src/main.ts": 'import { n } from "./n";\ndocument.querySelector("#app")!.textContent = String(n);\n',
    "src/n.ts": "export const n: number = 1;\n",
  });
  const hits = async () => {
    const server = await dev(dir, ["--engine", "wasm"]);
    try {
      await fetch(server.url);
      const m = server.output().match(/cache: (\d+) hits, (\d+) misses/);
      assert.ok(m, server.output());
      return Number(m[1]);
    } finally {
      await server.close();
    }
  };
  assert.equal(await hits(), 0, "a cold start finds nothing");
  assert.ok((await hits()) > 0, "a warm start finds the transforms of the first");
});

const tinyProject = (extra = {}) => [
  { path: "nexxo.config.json", text: JSON.stringify({ build: { input: ["main.ts"] } }) },
  { path: "math.ts", text: "export const add = (a: number, b: number): number => a + b;\n" },
  { path: "main.ts", text: "import { add } from './math';\nexport const answer: number = add(40, 2);\n" },
  ...Object.entries(extra).map(([p, text]) => ({ path: p, text })),
];

/** Sends only the headers of a POST that declares `length` bytes; resolves the response status. */
function declaredOnly(url, length) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "content-length": length } }, (res) => {
      resolve(res.statusCode);
      res.resume();
      req.destroy();
    });
    req.on("error", reject);
    req.flushHeaders();
  });
}

const post = (url, body, headers = {}) =>
  fetch(url, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers });

test("nexxo worker builds POSTed sources in WASM and the bundle runs", async () => {
  const w = await startWorker();
  try {
    assert.match(w.output(), /slot\(s\)/);
    const res = await post(`${w.url}/build`, { files: tinyProject() });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.ok, true);
    const entry = body.files.find((f) => f.kind === "entry");
    const out = fixture("worker-out", { "entry.mjs": entry.text });
    const mod = await importBuilt(path.join(out, "entry.mjs"));
    assert.equal(mod.answer, 42);

    // A project that carries a vite.config.ts and no nexxo.config.json: the engine reads it as the
    // native CLI does (its input and alias apply), and says what it cannot translate.
    const viteProject = [
      {
        path: "vite.config.ts",
        text: "import { defineConfig } from 'vite'\nimport path from 'node:path'\nimport legacy from '@vitejs/plugin-legacy'\nexport default defineConfig({\n  plugins: [legacy()],\n  resolve: { alias: { '~lib': path.resolve(__dirname, 'lib') } },\n  build: { rollupOptions: { input: 'main.ts' } },\n})\n",
      },
      { path: "lib/math.ts", text: "export const add = (a: number, b: number): number => a + b;\n" },
      { path: "main.ts", text: "import { add } from '~lib/math';\nexport const answer: number = add(40, 2);\n" },
    ];
    const viaVite = await (await post(`${w.url}/build`, { files: viteProject })).json();
    assert.equal(viaVite.ok, true, JSON.stringify(viaVite.errors));
    assert.match(viaVite.warnings[0].message, /vite\.config\.ts: Nexxo runs without what it cannot translate: plugin `legacy\(\)` \(vite\.config\.ts:5:13\)/);
    const viteOut = fixture("worker-vite-out", { "entry.mjs": viaVite.files.find((f) => f.kind === "entry").text });
    assert.equal((await importBuilt(path.join(viteOut, "entry.mjs"))).answer, 42);

    const health = await fetch(`${w.url}/health`);
    assert.equal(health.status, 200);

    const bad = await post(`${w.url}/build`, "{not json");
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).errors[0].message, /not valid JSON/);

    const empty = await post(`${w.url}/build`, { files: [] });
    assert.equal(empty.status, 400);

    const escape = await post(`${w.url}/build`, { files: [{ path: "../etc/passwd", text: "x" }] });
    assert.equal(escape.status, 422);
    assert.match((await escape.json()).errors[0].message, /stay inside/);

    const broken = await post(`${w.url}/build`, { files: tinyProject({ "math.ts": "export const add = (;\n" }) });
    assert.equal(broken.status, 422);
    const err = (await broken.json()).errors[0];
    assert.equal(err.file, "math.ts");
    assert.equal(err.line, 1);

    const wrong = await fetch(`${w.url}/build`);
    assert.equal(wrong.status, 405);
  } finally {
    await w.close();
  }
});

test("nexxo worker limits: request size, file count, memory and time end the job, not the service", async () => {
  let hog;
  const w = await startWorker(["--max-files", "5", "--max-body-mb", "4", "--memory-mb", "24"]);
  try {
    const many = await post(`${w.url}/build`, { files: tinyProject(Object.fromEntries([1, 2, 3, 4].map((i) => [`f${i}.ts`, ""]))) });
    assert.equal(many.status, 413);
    assert.match((await many.json()).errors[0].message, /at most 5/);

    // A declared body over the limit is refused before it is read.
    assert.equal(await declaredOnly(`${w.url}/build`, 5 << 20), 413);

    // 3.5 MiB of source: the engine needs about 40 MiB for it, a small project under 16 MiB.
    hog = "export const s = [" + "'aaaaaaaaaaaaaaaaaaaaaaaa',".repeat(130_000) + "];\n";
    const oom = await post(`${w.url}/build`, { files: tinyProject({ "main.ts": hog }) });
    const oomBody = await oom.json();
    assert.equal(oom.status, 422, JSON.stringify(oomBody).slice(0, 300));
    assert.match(oomBody.errors[0].message, /memory limit of 24 MiB/);

    const after = await post(`${w.url}/build`, { files: tinyProject() });
    assert.equal(after.status, 200, "the service survives a job that ran out of memory");
  } finally {
    await w.close();
  }

  const slow = await startWorker(["--timeout-ms", "1"]);
  try {
    const t = await post(`${slow.url}/build`, { files: tinyProject({ "main.ts": hog }) });
    assert.equal(t.status, 422);
    assert.match((await t.json()).errors[0].message, /time limit of 1 ms/);
    const health = await fetch(`${slow.url}/health`);
    assert.equal(health.status, 200, "the service survives a job that timed out");
  } finally {
    await slow.close();
  }
});
