// The engine's WASM module (wasm/pkg/nexxo-engine.wasm, the one wasmtime runs) in Node through its
// JavaScript host (wasm/js/nexxo.js): the same builds byte for byte as the native engine, the
// module transform, HMR sessions, crash recovery, and the edge worker's fetch handler.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { assertSameOutput, buildOk, importBuilt, fixture, projectFiles, repoRoot, runSession, updateOf } from "./helpers.mjs";
import { pageProject, publicFilesOf, reactProject, vanillaProject } from "./parity-fixtures.mjs";

let nexxo;
let wasmModule;
let NexxoEngine;

before(async () => {
  wasmModule = await WebAssembly.compile(fs.readFileSync(path.join(repoRoot, "wasm/pkg/nexxo-engine.wasm")));
  ({ NexxoEngine } = await import(path.join(repoRoot, "wasm/js/nexxo.js")));
  nexxo = new NexxoEngine(wasmModule);
});

test("builds in-memory files to the same bytes as the native engine", () => {
  for (const [dir, extra] of [[pageProject(), ["--sourcemap"]], [reactProject(), []], [vanillaProject(), []]]) {
    buildOk(dir, ["--force", ...extra]);
    const response = nexxo.build({
      root: dir,
      files: projectFiles(dir),
      overrides: extra.includes("--sourcemap") ? { sourcemap: true } : {},
    });
    assertSameOutput(assert, response, path.join(dir, "dist"), publicFilesOf(dir));
  }
});

test("a build without files reads them from the engine's provider: the same bytes, and edits between builds", async () => {
  const { MemoryFiles } = await import(path.join(repoRoot, "wasm/js/nexxo.js"));
  for (const dir of [reactProject(), pageProject()]) {
    const files = projectFiles(dir);
    const held = new MemoryFiles(files.map((f) => [`/ide/app/${f.path}`, f.text ?? Buffer.from(f.base64, "base64")]));
    const engine = new NexxoEngine(wasmModule, { files: held });
    const sent = nexxo.build({ root: "/ide/app", files });
    const read = engine.build({ root: "/ide/app" });
    assert.equal(read.ok, true, JSON.stringify(read.errors));
    assert.deepEqual(read.files, sent.files, dir);
    assert.deepEqual(read.inputs, sent.inputs);
  }
  const held = new MemoryFiles([
    ["/p/index.html", '<script type="module" src="/main.ts"></script>'],
    ["/p/main.ts", 'import { x } from "./x";\nconsole.log(x);\n'],
    ["/p/x.ts", "export const x: string = 'first';\n"],
  ]);
  const engine = new NexxoEngine(wasmModule, { files: held });
  const code = (r) => r.files.find((f) => f.kind === "entry").text;
  assert.match(code(engine.build({ root: "/p" })), /first/);
  held.write("/p/x.ts", "export const x: string = 'second';\n");
  assert.match(code(engine.build({ root: "/p" })), /second/);
  assert.equal(held.remove("/p/x.ts"), true);
  const missing = engine.build({ root: "/p" });
  assert.equal(missing.ok, false);
  assert.equal(missing.errors[0].file, "main.ts");
  assert.match(missing.errors[0].message, /\.\/x/);
  // A provider that throws is a missing file, not a crash.
  const throwing = new NexxoEngine(wasmModule, { files: { stat: () => { throw new Error("offline"); }, read: () => null } });
  assert.equal(throwing.build({ root: "/p" }).ok, false);
  assert.equal(throwing.broken, null);
});

test("incremental builds take the unchanged minified parts again and write what a fresh instance writes", () => {
  const dir = reactProject();
  const files = projectFiles(dir);
  const edited = (from, to) =>
    files.map((f) => (f.path === "src/App.tsx" ? { path: f.path, text: f.text.replace(from, to) } : f));
  const request = (files) => ({ root: "/ide/app", files, overrides: { sourcemap: true } });
  const engine = new NexxoEngine(wasmModule);
  const first = engine.build({ ...request(files), incremental: true });
  assert.equal(first.ok, true, JSON.stringify(first.errors));
  assert.ok(first.files.find((f) => f.kind === "entry").text.split("\n").length > 3, "react-dom's body is minified in parts");
  // A string edited, then a state added (new uses of a name the chunk shares: names move).
  const steps = [
    edited("useState(0)", "useState(5)"),
    edited("const [count, setCount] = useState(0);", "const [count, setCount] = useState(0);\n  const [other] = useState(\"x\");\n  console.log(other, useState);"),
  ];
  for (const step of steps) {
    const again = engine.build({ ...request(step), incremental: true });
    const fresh = new NexxoEngine(wasmModule).build(request(step));
    assert.equal(again.ok, true, JSON.stringify(again.errors));
    assert.deepEqual(again.files, fresh.files);
  }
  // A build that does not ask for it neither takes nor replaces them.
  assert.deepEqual(engine.build(request(files)).files, first.files);
  assert.deepEqual(engine.build({ ...request(files), incremental: true }).files, first.files);
});

test("in Node the first engine limits V8's compile threads to one fewer than the cores, on machines of 4 or fewer, unless told not to", async () => {
  const { spawnSync } = await import("node:child_process");
  // A child per case (the limit is set once per process), its os and v8 answered by stand-ins so
  // the core count is the case's and the flag V8 would get is seen.
  const flagsSet = (cores, { flags = [], options = "{}" } = {}) => {
    const script = `
      const real = process.getBuiltinModule.bind(process);
      const set = [];
      process.getBuiltinModule = (name) => name === "node:os" ? { availableParallelism: () => ${cores} }
        : name === "node:v8" ? { setFlagsFromString: (f) => set.push(f) } : real(name);
      const { NexxoEngine } = await import(${JSON.stringify(path.join(repoRoot, "wasm/js/nexxo.js"))});
      const module = await WebAssembly.compile(real("node:fs").readFileSync(${JSON.stringify(path.join(repoRoot, "wasm/pkg/nexxo-engine.wasm"))}));
      new NexxoEngine(module, ${options});
      new NexxoEngine(module, ${options});
      console.log(JSON.stringify(set));`;
    // Without the test runner's context, or the child would report to it instead of running.
    const { NODE_TEST_CONTEXT, ...inherited } = process.env;
    const r = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", script], { encoding: "utf8", env: { ...inherited, NODE_OPTIONS: "" } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  assert.deepEqual(flagsSet(2), ["--wasm-num-compilation-tasks=1"], "once per process");
  assert.deepEqual(flagsSet(4), ["--wasm-num-compilation-tasks=3"]);
  assert.deepEqual(flagsSet(8), []);
  assert.deepEqual(flagsSet(2, { options: "{ tuneV8: false }" }), []);
  assert.deepEqual(flagsSet(2, { flags: ["--wasm-num-compilation-tasks=2"] }), [], "the user's choice stands");
});

test("warmUp builds its built-in project and changes nothing for the next build", () => {
  const dir = pageProject();
  const files = projectFiles(dir);
  const fresh = new NexxoEngine(wasmModule);
  const before = fresh.buildJson(JSON.stringify({ op: "build", root: dir, files }));
  assert.equal(fresh.warmUp(), true);
  assert.equal(fresh.warmUp(), true);
  assert.equal(fresh.buildJson(JSON.stringify({ op: "build", root: dir, files })), before);
});

test("build() sends its files as bytes and gets the same response as the JSON call, binary files and names included", () => {
  // Assets over the 4 KB inline limit are emitted as they are: a text that starts with a byte order
  // mark (kept) and bytes that are not UTF-8 (base64 in the response).
  const note = `\ufeff${"kept\n".repeat(1000)}`;
  const blob = Buffer.alloc(5000, 0x96);
  const files = [
    ...projectFiles(pageProject()).filter((f) => f.path !== "src/main.ts"),
    { path: "src/main.ts", text: 'import note from "./note.txt?url";\nimport blob from "./blob.bin?url";\nglobalThis.urls = [note, blob];\n' },
    { path: "src/note.txt", text: note },
    { path: "src/blob.bin", base64: blob.toString("base64") },
  ];
  for (const overrides of [{}, { sourcemap: true }]) {
    const request = { root: "/app", files, overrides };
    const viaBytes = nexxo.build(request);
    assert.equal(viaBytes.ok, true, JSON.stringify(viaBytes.errors));
    assert.deepEqual(viaBytes, JSON.parse(nexxo.buildJson(JSON.stringify(request))));
    assert.equal(viaBytes.files.find((f) => /note-.*\.txt$/.test(f.path))?.text, note);
    assert.equal(viaBytes.files.find((f) => /blob-.*\.bin$/.test(f.path))?.base64, blob.toString("base64"));
  }
  // A file without contents is named, in either form of the call.
  const missing = { files: [{ path: "index.html", text: "<p>hi</p>\n" }, { path: "src/a.ts" }] };
  const expected = { ok: false, errors: [{ message: "invalid call: file `src/a.ts` needs its contents as `text` (a string) or `base64`" }] };
  assert.deepEqual(nexxo.build(missing), expected);
  assert.deepEqual(JSON.parse(nexxo.buildJson(JSON.stringify(missing))), expected);
  // The other refusals are answered alike too.
  for (const files of ["not a list", [{ path: "../outside.ts", text: "" }], [{ path: "a.bin", base64: "@@" }]]) {
    const request = { files };
    assert.deepEqual(nexxo.build(request), JSON.parse(nexxo.buildJson(JSON.stringify(request))), JSON.stringify(files));
  }
});

test("build's onProgress hears each stage as it begins, in order; a build that fails to load stops there", () => {
  const dir = pageProject();
  const heard = [];
  const response = nexxo.build({ root: dir, files: projectFiles(dir) }, { onProgress: (p) => heard.push(p.stage) });
  assert.equal(response.ok, true);
  assert.deepEqual(heard, ["load", "link", "render", "finish"]);
  const failed = [];
  const broken = nexxo.build(
    { files: [{ path: "index.html", text: '<script type="module" src="/a.ts"></script>\n' }, { path: "a.ts", text: "export const = 1;\n" }] },
    { onProgress: (p) => failed.push(p.stage) },
  );
  assert.equal(broken.ok, false);
  assert.deepEqual(failed, ["load"]);
  // A listener that throws does not stop the build, and a build without one hears nothing.
  assert.equal(nexxo.build({ root: dir, files: projectFiles(dir) }, { onProgress: () => { throw new Error("no"); } }).ok, true);
});

test("the output does not depend on where the project lives", () => {
  const dir = pageProject();
  const files = projectFiles(dir);
  const a = nexxo.buildJson(JSON.stringify({ op: "build", root: dir, files }));
  const b = nexxo.buildJson(JSON.stringify({ op: "build", root: "/somewhere/else", files }));
  const strip = (s) => JSON.stringify({ ...JSON.parse(s), inputs: [] });
  assert.equal(strip(a), strip(b));
});

test("errors carry file, line and column; the engine keeps working after them", () => {
  const bad = nexxo.build({
    files: [
      { path: "index.html", text: '<script type="module" src="/main.ts"></script>' },
      { path: "main.ts", text: "let a = 1;\nlet b = (;\n" },
    ],
  });
  assert.equal(bad.ok, false);
  assert.equal(bad.errors[0].file, "main.ts");
  assert.equal(bad.errors[0].line, 2);
  assert.match(bad.errors[0].message, /let b = \(;/);
  const missing = nexxo.build({ files: [{ path: "main.ts", text: "" }] });
  assert.equal(missing.ok, false);
  assert.match(missing.errors[0].message, /index\.html/);
  const ok = nexxo.build({ files: [{ path: "index.html", text: "<p>hi</p><script type=module>console.log(1)</script>" }] });
  assert.equal(ok.ok, true);
});

test("transform turns TSX into JS with React Refresh registrations", () => {
  const r = nexxo.transform({
    path: "src/App.tsx",
    source: "import { useState } from 'react';\nexport function App(): JSX.Element { const [n] = useState(0); return <b>{n}</b>; }\n",
    reactRefresh: true,
  });
  assert.equal(r.ok, true);
  assert.match(r.code, /\$RefreshReg\$/);
  assert.doesNotMatch(r.code, /JSX\.Element/);
  assert.deepEqual(r.imports.sort(), ["react", "react/jsx-dev-runtime"].sort());
  assert.deepEqual(r.exports, ["App"]);
});

test("an HMR session sends every module, then only what an edit changes and where it lands", () => {
  const files = [
    { path: "index.html", text: '<div id="root"></div><script type="module" src="/src/main.tsx"></script>' },
    { path: "src/main.tsx", text: "import { App } from './App';\nimport './app.css';\nconsole.log(App);\n" },
    { path: "src/App.tsx", text: "import { label } from './label';\nexport function App() { return <p>{label}</p>; }\n" },
    { path: "src/label.ts", text: "export const label = 'one';\n" },
    { path: "src/app.css", text: "p { color: red; }\n" },
  ];
  const session = {
    update: (changed, removed) => nexxo.updateSession("s1", changed, removed),
  };
  // The page supplies React (as the playground's preview does).
  const first = nexxo.openSession("s1", { files, externals: ["react", "react/jsx-dev-runtime"] });
  assert.deepEqual(first.errors, []);
  assert.equal(first.entry, "/src/main.tsx");
  assert.deepEqual(first.modules.map((m) => m.url).sort(), ["/src/App.tsx", "/src/app.css?import", "/src/label.ts", "/src/main.tsx"]);
  assert.match(first.client, /export function createHotContext/, "the dev runtime comes along");
  const app = first.modules.find((m) => m.url === "/src/App.tsx");
  assert.match(app.code, /__vite_ssr_import__\("\/src\/label\.ts"/);
  assert.match(app.code, /__vite_ssr_import__\("react\/jsx-dev-runtime"/, "a supplied package stays as written");
  assert.match(app.code, /\$RefreshReg\$/, "components are registered with Fast Refresh");

  // A plain module's change lands on the component module that imports it.
  const u = session.update([{ path: "src/label.ts", text: "export const label = 'two';\n" }], []);
  assert.equal(u.fullReload, false);
  const lu = updateOf(u);
  assert.deepEqual(lu.updates.map((x) => [x.path, x.accepted]), [["/src/App.tsx", "/src/App.tsx"]]);
  assert.deepEqual(Object.keys(lu.modules).map((k) => k.split("?")[0]).sort(), ["/src/App.tsx", "/src/label.ts"]);
  assert.match(Object.entries(lu.modules).find(([k]) => k.startsWith("/src/label.ts"))[1], /two/);

  // CSS accepts itself.
  const css = updateOf(session.update([{ path: "src/app.css", text: "p { color: blue; }\n" }], []));
  assert.deepEqual(css.updates.map((x) => [x.path, x.accepted]), [["/src/app.css", "/src/app.css"]]);
  assert.match(Object.values(css.modules)[0], /color: #00f|color: blue/);

  // The entry accepts nothing: a full reload.
  const entry = session.update([{ path: "src/main.tsx", text: "import { App } from './App';\nconsole.log(2, App);\n" }], []);
  assert.equal(entry.fullReload, true);

  // A syntax error reports and changes nothing; the fix goes through.
  const broken = session.update([{ path: "src/App.tsx", text: "export function App( {\n" }], []);
  assert.equal(broken.errors.length, 1);
  assert.equal(broken.errors[0].file, "src/App.tsx");
  assert.equal(updateOf(broken), undefined);
  assert.equal(broken.messages.filter((m) => m.type === "error").length, 1, "the page's overlay gets it too");
  const fixed = session.update([{ path: "src/App.tsx", text: "export function App() { return <i />; }\n" }], []);
  assert.deepEqual(fixed.errors, []);
  assert.deepEqual(updateOf(fixed).updates.map((x) => [x.path, x.accepted]), [["/src/App.tsx", "/src/App.tsx"]]);
  assert.deepEqual(fixed.messages.find((m) => m.type === "prune")?.paths, ["/src/label.ts"]);
  assert.equal(nexxo.closeSession("s1"), true);
  assert.match(JSON.stringify(session.update([], [])), /no open session/);
});

test("an HMR session's CSS modules compose classes from another file, its style sheet first", async () => {
  const files = [
    { path: "index.html", text: '<script type="module" src="/main.js"></script>' },
    { path: "main.js", text: "import s from './card.module.css';\nexport const card = s.card;\n" },
    { path: "base.module.css", text: ".base { padding: 3px }\n" },
    { path: "card.module.css", text: ".card { composes: base from './base.module.css'; color: red }\n" },
  ];
  const start = nexxo.openSession("composes", { files });
  assert.deepEqual(start.errors, []);
  // Run the modules in the dev runtime, recording the order style sheets arrive in.
  const styles = [];
  const main = await runSession(start, { styles });
  const classes = main.card.split(" ");
  assert.equal(classes.length, 2, main.card);
  assert.ok(classes.some((c) => c.includes("base")) && classes.some((c) => c.includes("card")), main.card);
  assert.deepEqual(styles, ["/base.module.css", "/card.module.css"]);
  nexxo.closeSession("composes");
});

test("an HMR session routes a dep's update to the module that accepts it with accept(dep, cb)", () => {
  const files = [
    { path: "index.html", text: '<script type="module" src="/main.js"></script>' },
    { path: "main.js", text: "import { v } from './cfg.js';\nconsole.log(v);\nimport.meta.hot.accept('./cfg.js', (m) => console.log(m.v));\n" },
    { path: "cfg.js", text: "export const v = 1;\n" },
  ];
  const first = nexxo.openSession("deps", { files });
  const main = first.modules.find((m) => m.url === "/main.js");
  // The accepted dep is rewritten to its URL, the key its updates arrive with.
  assert.match(main.code, /hot\.accept\("\/cfg\.js"/);
  const u = nexxo.updateSession("deps", [{ path: "cfg.js", text: "export const v = 2;\n" }]);
  assert.deepEqual(updateOf(u).updates.map((x) => [x.path, x.accepted]), [["/main.js", "/cfg.js"]]);
  assert.equal(u.fullReload, false);
  nexxo.closeSession("deps");
});

test("the engine's memory grows in steps of an eighth, and nexxo_reserve really reserves", () => {
  // A step per allocation (what wasi-libc's `sbrk` does alone) made V8 spend half of a first build
  // growing memory; see wasm/engine/src/heap.rs.
  const e = new NexxoEngine(wasmModule, { reserve: 0 }).exports;
  const blocks = [];
  const sizes = [e.memory.buffer.byteLength];
  for (let i = 0; i < 64; i++) {
    blocks.push(e.nexxo_alloc(1 << 20));
    const now = e.memory.buffer.byteLength;
    if (now !== sizes.at(-1)) sizes.push(now);
  }
  assert.ok(sizes.at(-1) >= sizes[0] + (64 << 20), `64 MiB allocated: ${sizes.join(", ")}`);
  for (let i = 1; i < sizes.length; i++) {
    assert.ok(sizes[i] - sizes[i - 1] >= sizes[i - 1] / 8, `growth by less than an eighth: ${sizes.join(", ")}`);
  }
  for (const p of blocks) e.nexxo_free(p, 1 << 20);
  // Released blocks stay with the allocator: the same allocations again do not grow the memory.
  const before = e.memory.buffer.byteLength;
  for (let i = 0; i < 32; i++) e.nexxo_free(e.nexxo_alloc(1 << 20), 1 << 20);
  assert.equal(e.memory.buffer.byteLength, before);
  // A reservation makes room for that many bytes past what the allocator holds: more than the
  // whole memory means a growth by at least that much.
  assert.equal(e.nexxo_reserve(before + (32 << 20)), 1);
  assert.ok(e.memory.buffer.byteLength >= before + (32 << 20), `${before} -> ${e.memory.buffer.byteLength}`);
});

test("an engine given `reserve` starts with that memory and builds the same bytes in it", async () => {
  const reserve = 48 << 20;
  const plain = new NexxoEngine(wasmModule, { reserve: 0 });
  assert.ok(plain.exports.memory.buffer.byteLength < reserve, "with `reserve: 0` the memory starts small");
  // In Node an instance takes 128 MB unless told otherwise (see NODE_RESERVE in nexxo.js).
  assert.ok(new NexxoEngine(wasmModule).exports.memory.buffer.byteLength >= 128 << 20, "Node's default");
  const engine = new NexxoEngine(wasmModule, { reserve });
  assert.ok(engine.exports.memory.buffer.byteLength >= reserve, `${engine.exports.memory.buffer.byteLength}`);
  const loaded = await NexxoEngine.load(wasmModule, { reserve });
  assert.ok(loaded.exports.memory.buffer.byteLength >= reserve, "load() reserves too");
  const dir = reactProject();
  const request = { root: dir, files: projectFiles(dir), overrides: { sourcemap: true } };
  const reserved = engine.build(request);
  assert.equal(reserved.ok, true);
  // The build fits the reserved space: the memory did not grow.
  assert.ok(engine.exports.memory.buffer.byteLength < reserve + (8 << 20), `${engine.exports.memory.buffer.byteLength}`);
  assert.deepEqual(reserved, plain.build(request));
  // Nonsense is ignored, not an error.
  assert.ok(new NexxoEngine(wasmModule, { reserve: -1 }).exports.memory.buffer.byteLength < reserve);
  assert.ok(new NexxoEngine(wasmModule, { reserve: "lots" }).exports.memory.buffer.byteLength < reserve);
});

test("a crashed instance is retired with the panic message; a new one works", () => {
  const engine = new NexxoEngine(wasmModule);
  // Hostile input: nesting deep enough to exhaust the engine's stack in the parser.
  const deep = "export default " + "[".repeat(200_000) + "]".repeat(200_000) + ";\n";
  let crashed;
  try {
    engine.build({ files: [{ path: "index.html", text: '<script type="module" src="/a.js"></script>' }, { path: "a.js", text: deep }] });
  } catch (e) {
    crashed = e;
  }
  assert.ok(crashed, "the build could not succeed");
  assert.match(crashed.message, /the engine crashed/);
  assert.throws(() => engine.version(), /unusable/);
  assert.equal(new NexxoEngine(wasmModule).version(), "0.1.0");
});

test("the edge worker answers POST /build with the bundle, and 4xx with reasons", async () => {
  const { createEdgeWorker } = await import(path.join(repoRoot, "worker/edge.js"));
  const worker = createEdgeWorker(wasmModule, { maxFiles: 10 });
  const req = (body, init = {}) =>
    worker.fetch(new Request("https://edge.example/build", { method: "POST", body: JSON.stringify(body), ...init }));
  const files = [
    { path: "nexxo.config.json", text: JSON.stringify({ build: { input: ["main.ts"] } }) },
    { path: "main.ts", text: "import { twice } from './twice';\nexport const answer: number = twice(21);\n" },
    { path: "twice.ts", text: "export const twice = (n: number) => n * 2;\n" },
  ];
  const ok = await req({ files });
  assert.equal(ok.status, 200);
  const body = await ok.json();
  const dir = fixture("edge-out", { "entry.mjs": body.files.find((f) => f.kind === "entry").text });
  assert.equal((await importBuilt(path.join(dir, "entry.mjs"))).answer, 42);

  const broken = await req({ files: [...files.slice(0, 2), { path: "twice.ts", text: "export const = 1" }] });
  assert.equal(broken.status, 422);
  assert.equal((await broken.json()).errors[0].file, "twice.ts");
  assert.equal((await worker.fetch(new Request("https://edge.example/build"))).status, 405);
  assert.equal((await worker.fetch(new Request("https://edge.example/nope"))).status, 404);
  const notJson = await worker.fetch(new Request("https://edge.example/build", { method: "POST", body: "{" }));
  assert.equal(notJson.status, 400);
  const tooMany = await req({ files: Array.from({ length: 11 }, (_, i) => ({ path: `f${i}.ts`, text: "" })) });
  assert.equal(tooMany.status, 413);
  const health = async (w) => (await (await w.fetch(new Request("https://edge.example/health"))).json()).engine;
  // Every build so far, the failed one included, ran on one instance.
  assert.deepEqual({ ...(await health(worker)), memoryBytes: 0, peakBytes: 0 }, { instances: 1, builds: 2, memoryBytes: 0, peakBytes: 0 });

  // An instance whose memory grew past `maxEngineBytes` is dropped after its build: the next
  // request gets a fresh one, and its answer is the same.
  const small = createEdgeWorker(wasmModule, { maxEngineBytes: 1 });
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await (await small.fetch(new Request("https://edge.example/build", { method: "POST", body: JSON.stringify({ files }) }))).text());
  assert.equal(new Set(answers).size, 1);
  const dropped = await health(small);
  assert.equal(dropped.instances, 3);
  assert.equal(dropped.memoryBytes, 0, "nothing held between requests");
  assert.ok(dropped.peakBytes > 1 << 20);
});
